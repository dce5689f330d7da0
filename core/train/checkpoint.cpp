#include "train/checkpoint.h"
#include "train/metrics.h"
#include "train/report.h"

#include <fstream>
#include <stdexcept>

#include <c10/util/Exception.h>

#include "config/config_json.h"
#include "config/textfile.h"
#include "train/trainer.h"

namespace hyperlab {

// The epoch history in a checkpoint, as JSON (NaN as null).
std::string checkpoint_key(ExperimentConfig c) {
  c.training.epochs = 0;
  return config_to_text(c);
}

CheckpointMeta read_checkpoint(const std::string& file, torch::serialize::InputArchive* in) {
  const std::string problem = file_problem(file);
  if (!problem.empty()) throw std::runtime_error(problem + " (no checkpoint there)");
  torch::serialize::InputArchive local;
  torch::serialize::InputArchive& a = in ? *in : local;
  try {
    a.load_from(file);
  } catch (const c10::Error& e) {
    throw std::runtime_error(file + ": unreadable checkpoint (" + e.what_without_backtrace() + ")");
  }
  c10::IValue meta;
  if (!a.try_read("meta", meta) || !meta.isString())
    throw std::runtime_error(file + ": not a Hyperlab checkpoint (no meta record)");
  CheckpointMeta m;
  std::string error;
  if (!parse_json(meta.toStringRef(), file + " (its meta record)", m.json, error)) throw std::runtime_error(error);
  if (!m.json.is_object() || !m.json.contains("config") || !m.json["config"].is_string() ||
      !m.json.contains("epoch") || !m.json["epoch"].is_number_integer())
    throw std::runtime_error(file + ": not a Hyperlab checkpoint (its meta record lacks the config or epoch)");
  ConfigResult r = parse_config_text(m.json["config"].get<std::string>(), file);
  if (!r.ok()) throw std::runtime_error(file + ": its config is invalid: " + r.error_text());
  m.config = r.config;
  m.epoch = m.json["epoch"].get<int>();
  return m;
}

void write_checkpoint(torch::serialize::OutputArchive& out, const std::string& file) {
  // Straight into the file, every write checked: a copy in memory first was
  // twice the checkpoint's size at the run's peak (7.5 MB for fashion-baseline).
  // A failed write is reported by write_file_atomic once the archive is done;
  // LibTorch is always told the piece was taken (a short count makes its
  // writer throw again from its destructor).
  write_file_atomic(file, [&](const ByteWriter& write) {
    out.save_to([&](const void* data, size_t size) -> size_t {
      write(data, size);
      return size;
    });
  });
}

int checkpoint_epoch(const std::string& file) { return read_checkpoint(file).epoch; }

namespace {

// The records `prefix`flat and `prefix`buffer.N (the last epoch's: no prefix;
// the selected epoch's, as EpochSelection saves them: "best_") into `net`.
void read_weights(torch::serialize::InputArchive& in, Network& net, const std::string& file, const std::string& prefix) {
  at::NoGradGuard ng;
  at::Tensor flat;  // a fresh tensor per record: InputArchive::read re-points a defined one
  in.read(prefix + "flat", flat);
  if (flat.numel() != net.flat().numel())
    throw std::runtime_error(file + ": the checkpoint holds " + std::to_string(flat.numel()) +
                             " parameters, its config's network " + std::to_string(net.flat().numel()));
  net.flat().copy_(flat);
  auto bufs = net.buffers();
  for (size_t i = 0; i < bufs.size(); ++i) {
    at::Tensor b;
    in.read(prefix + "buffer." + std::to_string(i), b);
    bufs[i].copy_(b);
  }
}

}  // namespace

void read_checkpoint_weights(torch::serialize::InputArchive& in, Network& net, const std::string& file) {
  read_weights(in, net, file, "");
}

int read_selected_weights(torch::serialize::InputArchive& in, const CheckpointMeta& meta, Network& net,
                          const std::string& file) {
  const int selected = meta.json.value("best_epoch", 0);
  at::Tensor probe;
  if (selected <= 0 || selected == meta.epoch || !in.try_read("best_flat", probe)) {
    read_weights(in, net, file, "");
    return meta.epoch;
  }
  read_weights(in, net, file, "best_");
  return selected;
}

int load_checkpoint_weights(const std::string& file, Network& net) {
  torch::serialize::InputArchive in;
  const CheckpointMeta m = read_checkpoint(file, &in);
  read_checkpoint_weights(in, net, file);
  return m.epoch;
}

ExperimentConfig checkpoint_config(const std::string& file) { return read_checkpoint(file).config; }

void save_training_checkpoint(const std::string& file, int epoch, const TrainingState& s) {
  torch::serialize::OutputArchive out;
  nlohmann::json meta = {{"format", 1}, {"epoch", epoch}, {"step", s.step}, {"config", config_to_text(s.config)},
                         {"schedule", s.schedule.state()}};
  const std::vector<MetricInfo> metrics = run_metrics(s.result.info);
  meta["history_fields"] = history_fields(metrics);
  meta["history"] = history_json(s.result.history, metrics);
  s.selection.save(meta, out);
  out.write("meta", c10::IValue(meta.dump()));
  out.write("flat", s.flat.detach().cpu());
  auto bufs = s.net.buffers();
  for (size_t i = 0; i < bufs.size(); ++i) out.write("buffer." + std::to_string(i), bufs[i].cpu());
  out.write("gen", s.gen.get_state());
  out.write("perm_gen", s.perm_gen.get_state());
  torch::serialize::OutputArchive opt_state;
  s.optimizer.save(opt_state);
  out.write("optimizer", opt_state);
  write_checkpoint(out, file);
}

int load_training_checkpoint(const std::string& file, TrainingState& s, const at::Device& dev) {
  torch::serialize::InputArchive in;
  const nlohmann::json meta = read_checkpoint(file, &in).json;
  at::NoGradGuard ng;
  // A fresh tensor per record: InputArchive::read re-points a defined one.
  auto read = [&](const std::string& key) {
    at::Tensor t;
    in.read(key, t);
    return t;
  };
  s.flat.copy_(read("flat"));
  auto bufs = s.net.buffers();
  for (size_t i = 0; i < bufs.size(); ++i) bufs[i].copy_(read("buffer." + std::to_string(i)));
  s.gen.set_state(read("gen"));
  s.perm_gen.set_state(read("perm_gen"));
  s.selection.load(meta, in, dev);
  torch::serialize::InputArchive opt_state;
  in.read("optimizer", opt_state);
  s.optimizer.load(opt_state);
  s.step = meta.at("step").get<int64_t>();
  s.schedule.set_state(meta.at("schedule").get<std::vector<double>>());
  s.result.best_epoch = s.selection.selected_epoch();
  s.result.history = history_from(meta.at("history"), meta.value("history_fields", std::vector<std::string>{}));
  for (EpochEvent& e : s.result.history) e.epochs = s.config.training.epochs;
  return meta.at("epoch").get<int>();
}

}  // namespace hyperlab
