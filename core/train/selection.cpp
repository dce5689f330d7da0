#include "train/selection.h"

#include <cmath>

#include "train/numbers.h"

namespace hyperlab {

EpochSelection::EpochSelection(const ExperimentConfig& c, bool has_val, Network& net, at::Tensor flat)
    : es_(c.training.early_stopping),
      monitor_(selection_monitor(c)),
      min_delta_(es_.enabled ? es_.min_delta : 0),
      net_(net),
      flat_(std::move(flat)) {
  if (monitor_.rfind("val_", 0) == 0 && !has_val) monitor_.clear();
}

void EpochSelection::epoch_end(EpochEvent& e) {
  // Nothing selects (no validation set): every epoch is the selected one as it ends.
  const double m = monitor_.empty() ? 0.0 : epoch_metric(e, monitor_);
  if (!monitor_.empty() && !improves(monitor_, m, best_, min_delta_)) {
    ++since_best_;
    return;
  }
  best_ = m, since_best_ = 0, best_epoch_ = e.epoch, e.best = true;
  if (monitor_.empty()) return;
  at::NoGradGuard ng;
  if (best_flat_.defined()) best_flat_.copy_(flat_);
  else best_flat_ = flat_.clone();
  best_buffers_.clear();
  for (auto& b : net_.buffers()) best_buffers_.push_back(b.clone());
}

bool EpochSelection::should_stop(std::string& reason) const {
  if (!es_.enabled || since_best_ <= es_.patience) return false;
  reason = monitor_ + " did not improve by more than " + std::to_string(es_.min_delta) + " for " +
           std::to_string(since_best_) + " epochs (best at epoch " + std::to_string(best_epoch_) + ")";
  return true;
}

void EpochSelection::save(nlohmann::json& meta, torch::serialize::OutputArchive& out) const {
  meta["best"] = std::isfinite(best_) ? nlohmann::json(best_) : nlohmann::json(nullptr);
  meta["since_best"] = since_best_;
  meta["best_epoch"] = best_epoch_;
  if (best_flat_.defined()) {
    out.write("best_flat", best_flat_.cpu());
    for (size_t i = 0; i < best_buffers_.size(); ++i) out.write("best_buffer." + std::to_string(i), best_buffers_[i].cpu());
  }
}

void EpochSelection::load(const nlohmann::json& meta, torch::serialize::InputArchive& in, const at::Device& dev) {
  best_ = meta.at("best").is_number() ? meta.at("best").get<double>() : NAN;
  since_best_ = meta.at("since_best");
  best_epoch_ = meta.at("best_epoch");
  at::Tensor t;  // a fresh tensor per record: InputArchive::read re-points a defined one
  if (!in.try_read("best_flat", t)) return;
  best_flat_ = t.to(dev);
  best_buffers_.clear();
  for (size_t i = 0; i < net_.buffers().size(); ++i) {
    at::Tensor b;
    in.read("best_buffer." + std::to_string(i), b);
    best_buffers_.push_back(b.to(dev));
  }
}

void EpochSelection::measure_selected(RunResult& res, at::Tensor& preds, bool weights_moved,
                                      const std::function<void(double&, double&, at::Tensor*)>& measure) {
  const bool earlier = res.best_epoch != res.epochs_run;
  if (!best_flat_.defined()) {
    if (earlier && res.best_epoch > 0) res.test_loss = res.test_accuracy = kNone, preds = at::Tensor();
    return;
  }
  if (!earlier && !weights_moved) return;
  at::NoGradGuard ng;
  auto bufs = net_.buffers();
  at::Tensor final_flat;
  std::vector<at::Tensor> final_buffers;
  if (!(es_.enabled && es_.restore_best)) {
    final_flat = flat_.clone();
    for (auto& b : bufs) final_buffers.push_back(b.clone());
  }
  flat_.copy_(best_flat_);
  for (size_t i = 0; i < bufs.size(); ++i) bufs[i].copy_(best_buffers_[i]);
  measure(res.test_loss, res.test_accuracy, &preds);
  if (final_flat.defined()) {
    flat_.copy_(final_flat);
    for (size_t i = 0; i < bufs.size(); ++i) bufs[i].copy_(final_buffers[i]);
  }
}

}  // namespace hyperlab
