// Chooses the CPU thread count while a run trains, from how fast its batches
// actually go. A user's machine is never idle: when another program takes a
// core, OpenMP workers that wait at every barrier for a descheduled partner
// make 2 threads several times slower than 1 (measured: 4-18x on 2 cores).
// So in automatic mode (training.threads = 0) the run times short windows of
// batches at 1 and at all threads (cut short when clearly slower), keeps the faster and holds it (2 s,
// doubling to 16 s while the choice stands; 1 thread first for 0.25 s, as a hiccup looks busy); then one window at the other
// count tells whether to change, and two windows in a row slower by half
// (another program took a core) make it try at once. The thread count changes the last bits of
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
  /// At the start of an epoch and after a pause: the evaluation or the wait
  /// before it is not batch time (also not while settling after a change).
  void restart_window();

  int threads() const { return current_; }
  int switches() const { return switches_; }
  /// What it decided last, for the log: "1 thread: 4.32x as fast as 2 (the machine is busy)".
  const std::string& last_decision() const { return decision_; }

  // The schedule (public for tests).
  static constexpr double kWindowSeconds = 0.08;  ///< one probe window
  static constexpr int kWindowBatches = 3;        ///< at least this many batches per window
  static constexpr double kHoldMin = 2, kHoldMax = 16;
  static constexpr double kHoldOneFirst = 0.25;  ///< the first hold of 1 thread (then doubling)
  static constexpr double kPreferMore = 0.95;  ///< more threads only if at least 5 % faster
  static constexpr double kSlowdown = 1.5;     ///< re-probe when batches get this much slower
  static constexpr double kSettleSeconds = 0.2;  ///< after more threads, batches are not timed for this long...
  static constexpr double kFarSlower = 10;       ///< ...unless two batches in a row are this much slower than before it
  static constexpr double kLongBatch = 0.05;     ///< ...or one that also takes this many seconds

 private:
  enum class Phase { Warmup, First, Other, Hold };
  void start_window();
  void set(int n);
  void decide(double at_max, double at_one);
  void other(double per_sample);

  int max_, current_;
  std::function<void(int)> set_threads_;
  std::function<double()> now_;
  Phase phase_ = Phase::Warmup;
  double window_start_ = 0, hold_until_ = 0, hold_ = kHoldMin;
  int64_t window_samples_ = 0;
  int window_batches_ = 0, switches_ = 0, last_choice_ = 0, slow_windows_ = 0;
  bool settling_ = false;  ///< just after a change: not timed (unless far slower)
  double settle_start_ = 0, settle_for_ = 0;
  int64_t settle_samples_ = 0;
  int far_batches_ = 0;         ///< batches in a row far slower while settling
  double last_batch_end_ = 0;   ///< when the last batch (or a restart) ended
  double probe_start_ = 0;      ///< when the count last changed
  bool trace_ = false;  ///< HYPERLAB_TRACE_THREADS=1 prints every window
  double recent_ = 0, reference_ = 0;  ///< seconds per sample: the last window, and when the choice was made
  std::string decision_;
};

}  // namespace hyperlab
