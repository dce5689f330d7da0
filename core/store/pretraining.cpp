#include "store/pretraining.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "config/presets.h"
#include "store/recording.h"
#include "store/runstore.h"

namespace hyperlab {

namespace {

// For the log: "Fashion-MNIST", "MNIST", "CIFAR-10"; other datasets by their key.
std::string pretraining_dataset_words(const std::string& d) {
  if (d == "fashion-mnist") return "Fashion-MNIST";
  if (d == "mnist") return "MNIST";
  if (d == "cifar10") return "CIFAR-10";
  return d;
}

std::string pretraining_accuracy_words(double a) {
  if (!std::isfinite(a)) return "";
  char buf[48];
  std::snprintf(buf, sizeof buf, ", test accuracy %.2f %%", 100 * a);
  return buf;
}

// A config's JSON text as identity: keys sorted, without the name and the description; "" if not JSON.
std::string pretraining_identity(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return "";
  j.erase("name");
  j.erase("description");
  return j.dump();
}

}  // namespace

std::string config_identity(const ExperimentConfig& c) { return pretraining_identity(config_to_text(c)); }

int64_t find_completed_run(const RunStore& store, const ExperimentConfig& c) {
  const std::string want = config_identity(c);
  const std::vector<RunSummary> runs = store.list(RunFilter{"", "", c.data.dataset, "", 0});
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {  // newest first
    if (it->status != "completed" && it->status != "early-stopped") continue;
    if (pretraining_identity(store.config_text(it->id)) != want) continue;  // as stored: config_to_text
    const std::string file = store.checkpoint(it->id);
    std::error_code ec;
    if (!file.empty() && std::filesystem::is_regular_file(file, ec)) return it->id;
  }
  return 0;
}

std::string pretraining_checkpoint_file(const RunStore& store, const ExperimentConfig& c) {
  const std::filesystem::path dir = std::filesystem::absolute(store.path()).parent_path() / "pretraining";
  char hash[20];
  std::snprintf(hash, sizeof hash, "%016zx", std::hash<std::string>{}(config_identity(c)));
  return (dir / (c.name + "-" + hash + ".pt")).lexically_normal().string();
}

PretrainingRun find_or_pretrain(RunStore& store, const ExperimentConfig& pre, const std::string& name, const RunCallbacks& cb,
                            const std::function<bool()>& stopped) {
  static std::mutex one_at_a_time;
  std::lock_guard<std::mutex> lock(one_at_a_time);
  const std::string what = (preset_text(name).empty() ? "" : "preset ") + name;
  PretrainingRun p;
  if ((p.run = find_completed_run(store, pre))) {
    p.checkpoint = store.checkpoint(p.run);
    const auto rec = store.list(RunFilter{"", "", pre.data.dataset, "", 0});
    double acc = NAN;
    for (const RunSummary& s : rec)
      if (s.id == p.run) acc = s.test_accuracy;
    p.note = "pretrained on " + pretraining_dataset_words(pre.data.dataset) + ": run " + std::to_string(p.run) + " of " + what +
             " (found in the history" + pretraining_accuracy_words(acc) + ")";
    return p;
  }
  const std::string note = "pretraining on " + pretraining_dataset_words(pre.data.dataset) + " first (no earlier run of " + what + " found)";
  RecordingOptions ro;
  ro.checkpoint = pretraining_checkpoint_file(store, pre);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(ro.checkpoint).parent_path(), ec);
  Trainer trainer(pre);
  trainer.set_checkpoint_file(ro.checkpoint);
  RunRecording rec(&store, pre, ro);
  RunCallbacks inner = cb;
  inner.on_start = [&](const RunStart& s) {
    RunStart t = s;
    t.transfer = note + (t.transfer.empty() ? "" : "\n" + t.transfer);
    if (cb.on_start) cb.on_start(t);
  };
  inner.on_batch = [&](const BatchEvent& b) { return !stopped() && (!cb.on_batch || cb.on_batch(b)); };
  const RunResult r = rec.run(trainer, inner);
  p.run = rec.run_id(), p.status = r.status, p.reason = r.reason;
  const std::string run = p.run ? "run " + std::to_string(p.run) : "the run";
  if (r.status == RunStatus::Completed || r.status == RunStatus::EarlyStopped) {
    p.checkpoint = ro.checkpoint;
    p.note = note + ": trained as " + run + pretraining_accuracy_words(run_numbers(pre, r.history, r).test_accuracy);
  } else if (r.status != RunStatus::Cancelled) {
    p.reason = "the pretraining " + run + " of " + what + " " + status_name(r.status) + ": " + r.reason;
  }
  return p;
}

}  // namespace hyperlab
