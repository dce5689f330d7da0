#include "train/checkpoint.h"

#include <fstream>
#include <stdexcept>

#include <c10/util/Exception.h>

#include "config/config_json.h"
#include "train/trainer.h"

namespace hyperlab {

// The epoch history in a checkpoint, as JSON (NaN as null).
nlohmann::json history_json(const std::vector<EpochEvent>& h) {
  auto n = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  auto vec = [&](const std::vector<double>& v) {
    nlohmann::json a = nlohmann::json::array();
    for (double x : v) a.push_back(n(x));
    return a;
  };
  nlohmann::json a = nlohmann::json::array();
  for (const EpochEvent& e : h)
    a.push_back({e.epoch, e.epochs, n(e.train_loss), n(e.train_accuracy), n(e.val_loss), n(e.val_accuracy),
                 n(e.test_loss), n(e.test_accuracy), n(e.lr), n(e.penalty), n(e.grad_ratio), vec(e.weight_norms),
                 vec(e.grad_norms), n(e.seconds), n(e.train_seconds), n(e.diag_seconds), n(e.samples_per_s), e.best});
  return a;
}

std::vector<EpochEvent> history_from(const nlohmann::json& a) {
  auto d = [](const nlohmann::json& v) { return v.is_number() ? v.get<double>() : kNone; };
  auto vec = [&](const nlohmann::json& v) {
    std::vector<double> out;
    for (const auto& x : v) out.push_back(d(x));
    return out;
  };
  std::vector<EpochEvent> h;
  for (const auto& r : a) {
    EpochEvent e;
    e.epoch = r[0], e.epochs = r[1], e.train_loss = d(r[2]), e.train_accuracy = d(r[3]), e.val_loss = d(r[4]);
    e.val_accuracy = d(r[5]), e.test_loss = d(r[6]), e.test_accuracy = d(r[7]), e.lr = d(r[8]), e.penalty = d(r[9]);
    e.grad_ratio = d(r[10]), e.weight_norms = vec(r[11]), e.grad_norms = vec(r[12]), e.seconds = d(r[13]);
    e.train_seconds = d(r[14]), e.diag_seconds = d(r[15]), e.samples_per_s = d(r[16]), e.best = r[17];
    h.push_back(e);
  }
  return h;
}

std::string checkpoint_key(ExperimentConfig c) {
  c.training.epochs = 0;
  return config_to_text(c);
}

CheckpointMeta read_checkpoint(const std::string& file, torch::serialize::InputArchive* in) {
  std::ifstream probe(file, std::ios::binary);
  if (!probe) throw std::runtime_error(file + ": no checkpoint there (cannot open the file)");
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
  m.json = nlohmann::json::parse(meta.toStringRef());
  ConfigResult r = parse_config_text(m.json.at("config").get<std::string>(), file);
  if (!r.ok()) throw std::runtime_error(file + ": its config is invalid: " + r.error_text());
  m.config = r.config;
  m.epoch = m.json.at("epoch").get<int>();
  return m;
}

int checkpoint_epoch(const std::string& file) { return read_checkpoint(file).epoch; }

ExperimentConfig checkpoint_config(const std::string& file) { return read_checkpoint(file).config; }

}  // namespace hyperlab
