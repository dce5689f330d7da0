#include "train/threadtuner.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace hyperlab {

ThreadTuner::ThreadTuner(int max_threads, std::function<void(int)> set_threads, std::function<double()> now)
    : max_(std::max(1, max_threads)), current_(max_), set_threads_(std::move(set_threads)), now_(std::move(now)) {
  trace_ = std::getenv("HYPERLAB_TRACE_THREADS") != nullptr;
  set(1);  // 1 thread first: on a busy machine, all threads can be 40x slower
  window_start_ = last_batch_end_ = now_();
}

void ThreadTuner::set(int n) {
  if (n == current_) return;
  settle_for_ = n > current_ ? kSettleSeconds : 0;  // fewer threads settle at once: one batch is enough
  current_ = n;
  set_threads_(n);
  // The batches in the first 0.2 s after more threads are not a measure: going from
  // 1 to 2 threads, the first matrix products take 5-8 ms instead of 0.3 and the
  // first 50 steps of an MLP average 1.5x their steady time (measured).
  settling_ = true, settle_start_ = now_(), settle_samples_ = 0, far_batches_ = 0;
  probe_start_ = settle_start_;  // a probe of the other count starts (decide() reads how long it took)
}

void ThreadTuner::start_window() {
  window_start_ = now_();
  window_samples_ = 0, window_batches_ = 0;
}

void ThreadTuner::restart_window() {
  last_batch_end_ = now_();
  far_batches_ = 0;  // a batch before an evaluation or a pause and one after are not "in a row"
  if (settling_) settle_start_ = now_(), settle_samples_ = 0;
  start_window();
}

// Both counts measured (`at_max`, `at_one`: seconds per sample): keep the faster.
void ThreadTuner::decide(double at_max, double at_one) {
  const int choice = at_max < kPreferMore * at_one ? max_ : 1;
  char b[160];
  if (choice == 1)
    std::snprintf(b, sizeof b, "1 thread: %.2fx as fast as %d%s", at_max / at_one, max_,
                  at_max > 1.5 * at_one ? " (the machine is busy)" : "");
  else
    std::snprintf(b, sizeof b, "%d threads: %.2fx as fast as 1", max_, at_one / at_max);
  decision_ = b;
  // A first choice of 1 thread is held briefly: it may be a hiccup (a virtual machine's
  // core taken away for one window: 2 threads measured 1.4x slower once, then 0.65x again).
  // Never shorter than two probes, so that probing costs little where one takes long.
  const double probe = now_() - probe_start_;
  hold_ = choice == last_choice_ ? std::min(2 * hold_, kHoldMax)
          : choice == 1          ? std::max(kHoldOneFirst, 2 * probe)
                                 : kHoldMin;
  if (choice != last_choice_ && last_choice_ != 0) ++switches_;
  last_choice_ = choice;
  reference_ = choice == max_ ? at_max : at_one;
  slow_windows_ = 0;
  set(choice);
  phase_ = Phase::Hold;
  hold_until_ = now_() + hold_;
}

// One window at the other count, against the window just before the change.
void ThreadTuner::other(double per_sample) {
  const bool other_is_max = current_ == max_;
  decide(other_is_max ? per_sample : recent_, other_is_max ? recent_ : per_sample);
}

void ThreadTuner::after_batch(int64_t samples) {
  if (max_ <= 1) return;
  const double t = now_();
  const double batch_seconds = t - last_batch_end_;
  last_batch_end_ = t;
  if (settling_) {
    settle_samples_ += samples;
    const double per_sample = (t - settle_start_) / static_cast<double>(std::max<int64_t>(settle_samples_, 1));
    // Far slower even for a start (all threads on a busy machine): decide now. It takes
    // two such batches in a row: the first batch at more threads can be 20x slower once
    // (starting a thread and its BLAS buffers: 25 ms measured), and one slow batch must
    // not cost the run seconds at 1 thread.
    const bool far = phase_ == Phase::Other && batch_seconds > kFarSlower * recent_ * std::max<int64_t>(samples, 1);
    far_batches_ = far ? far_batches_ + 1 : 0;
    // One far batch is enough when it is long (a convolution's, say): a thread's start
    // costs milliseconds, and waiting for a second such batch would cost seconds.
    if (far_batches_ >= 2 || (far && batch_seconds > kLongBatch)) {
      if (trace_) std::fprintf(stderr, "threads %d: %.2f us per sample while settling: cut short\n", current_, 1e6 * per_sample);
      settling_ = false, far_batches_ = 0;
      other(per_sample);
      start_window();
      return;
    }
    if (t - settle_start_ < settle_for_) return;
    settling_ = false;
    start_window();
    return;
  }
  window_samples_ += samples, ++window_batches_;
  const double elapsed = t - window_start_;
  const double per_sample = elapsed / static_cast<double>(std::max<int64_t>(window_samples_, 1));
  // Trying the other count and already far slower over two batches: no need to
  // finish the window.
  const bool clearly_worse = phase_ == Phase::Other && window_batches_ >= 2 && per_sample > 3 * recent_;
  if (!clearly_worse && (window_batches_ < kWindowBatches || elapsed < kWindowSeconds)) return;
  if (trace_)
    std::fprintf(stderr, "threads %d: %d batches, %.3f ms each (%.2f us per sample)%s\n", current_, window_batches_,
                 1e3 * elapsed / window_batches_, 1e6 * per_sample, clearly_worse ? ", cut short" : "");
  switch (phase_) {
    case Phase::Warmup:  // the first batches page in memory and warm caches: not a measure
      phase_ = Phase::First;
      break;
    case Phase::First:
      recent_ = per_sample;
      phase_ = Phase::Other, set(max_);
      break;
    case Phase::Other:
      other(per_sample);
      break;
    case Phase::Hold:
      recent_ = per_sample;
      // Two windows in a row slower by half (another program took a core), or
      // the hold is over: try the other count once.
      slow_windows_ = per_sample > kSlowdown * reference_ ? slow_windows_ + 1 : 0;
      if (slow_windows_ >= 2) hold_ = kHoldMin / 2;
      else if (t < hold_until_) break;
      phase_ = Phase::Other, set(current_ == max_ ? 1 : max_);
      break;
  }
  start_window();
}

}  // namespace hyperlab
