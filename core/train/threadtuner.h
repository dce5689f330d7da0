// Chooses the CPU thread count while a run trains, from how fast its batches
// actually go. A user's machine is never idle: when another program takes a
// core, OpenMP workers that wait at every barrier for a descheduled partner
// make 2 threads several times slower than 1 (measured: 4-18x on 2 cores).
// So in automatic mode (training.threads = 0) the run times short windows of
// batches at the full and at 1 thread, keeps the faster, holds it (2 s,
// doubling to 16 s while the choice stands), and probes again at once when
// the batches slow down by half. The thread count changes the last bits of
// a matrix product, so a run that must be bit-identical sets training.threads.
// Torch-free: the clock and the setter are given.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace hyperlab {

class ThreadTuner {
 public:
  /// `set_threads` applies a count (configure_threads in a run); `now`
  /// returns seconds on a steady clock.
  ThreadTuner(int max_threads, std::function<void(int)> set_threads, std::function<double()> now);

  /// After every training batch of `samples` samples.
  void after_batch(int64_t samples);
  /// At the start of an epoch: the evaluation before it is not batch time.
  void restart_window() { start_window(); }

  int threads() const { return current_; }
  int switches() const { return switches_; }
  /// What it decided last, for the log: "1 thread: 3.2x faster than 2 (a busy machine)".
  const std::string& last_decision() const { return decision_; }

  // The schedule (public for tests).
  static constexpr double kWindowSeconds = 0.12;  ///< one probe window
  static constexpr int kWindowBatches = 3;        ///< at least this many batches per window
  static constexpr double kHoldMin = 2, kHoldMax = 16;
  static constexpr double kPreferMore = 0.95;  ///< more threads only if at least 5 % faster
  static constexpr double kSlowdown = 1.5;     ///< re-probe when batches get this much slower

 private:
  enum class Phase { Warmup, ProbeMax, ProbeOne, Hold };
  void start_window();
  void set(int n);
  void decide();

  int max_, current_;
  std::function<void(int)> set_threads_;
  std::function<double()> now_;
  Phase phase_ = Phase::Warmup;
  double window_start_ = 0, hold_until_ = 0, hold_ = kHoldMin;
  int64_t window_samples_ = 0;
  int window_batches_ = 0, switches_ = 0, last_choice_ = 0;
  double per_sample_max_ = 0, per_sample_one_ = 0, reference_ = 0;
  std::string decision_;
};

}  // namespace hyperlab
