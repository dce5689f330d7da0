#include "train/checkpoint.h"
#include "train/report.h"

#include <fstream>
#include <stdexcept>

#include <c10/util/Exception.h>

#include "config/config_json.h"
#include "train/trainer.h"

namespace hyperlab {

// The epoch history in a checkpoint, as JSON (NaN as null).
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
