#include "train/report.h"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "config/config_json.h"

namespace hyperlab {

namespace {

std::string num(double v) {
  if (!std::isfinite(v)) return std::isnan(v) ? "" : (v > 0 ? "inf" : "-inf");
  char b[32];
  std::snprintf(b, sizeof b, "%.9g", v);
  return b;
}

nlohmann::ordered_json jnum(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

void make_dirs(const std::string& dir) {
  std::string cur;
  for (size_t i = 0; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      if (!cur.empty() && ::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
        throw std::runtime_error(cur + ": cannot create folder (" + std::strerror(errno) + ")");
    }
    if (i < dir.size()) cur += dir[i];
  }
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error(path + ": cannot write (" + std::strerror(errno) + ")");
    out << text;
    out.flush();
    if (!out) throw std::runtime_error(path + ": write failed (" + std::strerror(errno) + ")");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error(path + ": cannot rename into place (" + std::strerror(errno) + ")");
}

std::string metrics_csv(const RunResult& r) {
  std::string s = "epoch,train_loss,train_accuracy,val_loss,val_accuracy,test_loss,test_accuracy,lr,grad_ratio,seconds,penalty,samples_per_s";
  const auto& names = r.info.layer_names;
  for (size_t i = 0; i < names.size(); ++i) s += ",grad_norm_" + std::to_string(i + 1);
  for (size_t i = 0; i < names.size(); ++i) s += ",weight_norm_" + std::to_string(i + 1);
  s += "\n";
  for (const EpochEvent& e : r.history) {
    s += std::to_string(e.epoch);
    for (double v : {e.train_loss, e.train_accuracy, e.val_loss, e.val_accuracy, e.test_loss, e.test_accuracy,
                     e.lr, e.grad_ratio, e.seconds, e.penalty, e.samples_per_s})
      s += "," + num(v);
    for (size_t i = 0; i < names.size(); ++i) s += "," + num(i < e.grad_norms.size() ? e.grad_norms[i] : NAN);
    for (size_t i = 0; i < names.size(); ++i) s += "," + num(i < e.weight_norms.size() ? e.weight_norms[i] : NAN);
    s += "\n";
  }
  return s;
}

nlohmann::ordered_json result_json(const RunResult& r) {
  nlohmann::ordered_json j;
  j["status"] = status_name(r.status);
  if (!r.reason.empty()) j["reason"] = r.reason;
  j["best_epoch"] = r.best_epoch;
  j["epochs_run"] = r.epochs_run;
  j["test_accuracy"] = jnum(r.test_accuracy);
  j["test_loss"] = jnum(r.test_loss);
  j["confusion_matrix"] = r.confusion;
  nlohmann::ordered_json pc = nlohmann::ordered_json::array();
  for (double v : r.per_class_accuracy) pc.push_back(jnum(v));
  j["per_class_accuracy"] = pc;
  j["class_names"] = r.info.class_names;
  if (r.status == RunStatus::Diverged) j["diverged_at"] = {{"epoch", r.diverged_epoch}, {"batch", r.diverged_batch}};
  j["seconds"] = r.seconds;
  j["device"] = r.info.device.empty() ? r.device : r.info.device;
  j["threads"] = r.info.threads;
  j["blas"] = r.info.blas;
  j["parameters"] = r.info.parameters;
  j["train_size"] = r.info.train_size;
  j["val_size"] = r.info.val_size;
  j["test_size"] = r.info.test_size;
  j["layers"] = r.info.layer_names;
  j["hyperlab_version"] = HYPERLAB_VERSION;
  return j;
}

void write_run_files(const std::string& dir, const ExperimentConfig& c, const RunResult& r) {
  make_dirs(dir);
  write_file_atomic(dir + "/config.json", config_to_text(c));
  write_file_atomic(dir + "/metrics.csv", metrics_csv(r));
  write_file_atomic(dir + "/result.json", result_json(r).dump(2) + "\n");
}

}  // namespace hyperlab
