#include "train/threadtuner.h"

#include <algorithm>
#include <cstdio>

namespace hyperlab {

ThreadTuner::ThreadTuner(int max_threads, std::function<void(int)> set_threads, std::function<double()> now)
    : max_(std::max(1, max_threads)), current_(max_), set_threads_(std::move(set_threads)), now_(std::move(now)) {
  window_start_ = now_();
}

void ThreadTuner::set(int n) {
  if (n == current_) return;
  current_ = n;
  set_threads_(n);
}

void ThreadTuner::start_window() {
  window_start_ = now_();
  window_samples_ = 0, window_batches_ = 0;
}

void ThreadTuner::decide() {
  const int choice = per_sample_max_ < kPreferMore * per_sample_one_ ? max_ : 1;
  char b[160];
  if (choice == 1)
    std::snprintf(b, sizeof b, "1 thread: %.2fx as fast as %d%s", per_sample_max_ / per_sample_one_, max_,
                  per_sample_max_ > 1.5 * per_sample_one_ ? " (the machine is busy)" : "");
  else
    std::snprintf(b, sizeof b, "%d threads: %.2fx as fast as 1", max_, per_sample_one_ / per_sample_max_);
  decision_ = b;
  hold_ = choice == last_choice_ ? std::min(2 * hold_, kHoldMax) : kHoldMin;
  if (choice != last_choice_ && last_choice_ != 0) ++switches_;
  last_choice_ = choice;
  reference_ = choice == max_ ? per_sample_max_ : per_sample_one_;
  set(choice);
  phase_ = Phase::Hold;
  hold_until_ = now_() + hold_;
  start_window();
}

void ThreadTuner::after_batch(int64_t samples) {
  if (max_ <= 1) return;
  window_samples_ += samples, ++window_batches_;
  const double t = now_(), elapsed = t - window_start_;
  if (window_batches_ < kWindowBatches || elapsed < kWindowSeconds) return;
  const double per_sample = elapsed / static_cast<double>(std::max<int64_t>(window_samples_, 1));
  switch (phase_) {
    case Phase::Warmup:  // the first batches page in memory and warm caches: not a measure
      phase_ = Phase::ProbeMax, set(max_);
      break;
    case Phase::ProbeMax:
      per_sample_max_ = per_sample;
      phase_ = Phase::ProbeOne, set(1);
      break;
    case Phase::ProbeOne:
      per_sample_one_ = per_sample;
      decide();
      return;
    case Phase::Hold:
      // Slower by half (another program took a core) or the hold is over: probe again.
      if (per_sample > kSlowdown * reference_) hold_ = kHoldMin / 2;
      else if (t < hold_until_) break;
      phase_ = Phase::ProbeMax, set(max_);
      break;
  }
  start_window();
}

}  // namespace hyperlab
