#include "train/checkpoint.h"
#include "train/report.h"

#include <fstream>
#include <sstream>
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
  std::ostringstream bytes;  // in memory first, so that every write's error is seen (errno)
  out.save_to(bytes);
  write_file_atomic(file, bytes.str());
}

int checkpoint_epoch(const std::string& file) { return read_checkpoint(file).epoch; }

ExperimentConfig checkpoint_config(const std::string& file) { return read_checkpoint(file).config; }

}  // namespace hyperlab
