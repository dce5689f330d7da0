#include "train/report.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "train/metrics.h"
#include "train/numbers.h"

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

void write_file_atomic(const std::string& path, const std::function<void(const ByteWriter&)>& produce) {
  const std::string tmp = path + ".tmp";
  auto fail = [&](const char* what, int err) {
    ::unlink(tmp.c_str());  // never leave a half-written temporary behind
    throw std::runtime_error(path + ": " + what + " (" + std::strerror(err) + ")");
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(path + ": cannot write (" + std::strerror(errno) + ")");
  int write_error = 0;  // the first failed write's errno; later pieces are dropped
  const ByteWriter writer = [&](const void* data, size_t size) {
    for (size_t done = 0; done < size && write_error == 0;) {
      const ssize_t n = ::write(fd, static_cast<const char*>(data) + done, size - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) write_error = n < 0 ? errno : EIO;
      else done += static_cast<size_t>(n);
    }
    return write_error == 0;
  };
  try {
    produce(writer);
  } catch (...) {
    ::close(fd);
    if (write_error != 0) fail("write failed", write_error);  // the producer's complaint about it
    ::unlink(tmp.c_str());
    throw;
  }
  if (write_error != 0) {
    ::close(fd);
    fail("write failed", write_error);
  }
  if (::fsync(fd) != 0 && errno != EINVAL) {  // on the disk before it replaces the old file
    const int err = errno;
    ::close(fd);
    fail("write failed", err);
  }
  if (::close(fd) != 0) fail("write failed", errno);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) fail("cannot rename into place", errno);
}

void write_file_atomic(const std::string& path, const std::string& text) {
  write_file_atomic(path, [&](const ByteWriter& write) { write(text.data(), text.size()); });
}

std::string metrics_csv(const RunResult& r) {
  const std::vector<MetricInfo> metrics = run_metrics(r.info);
  const size_t layers = r.info.layer_names.size();
  std::string s = "epoch";
  for (const MetricInfo& m : metrics) {
    if (m.csv.empty()) continue;
    if (!m.per_layer) s += "," + m.csv;
    for (size_t i = 0; m.per_layer && i < layers; ++i) s += "," + m.csv + std::to_string(i + 1);
  }
  s += "\n";
  for (const EpochEvent& e : r.history) {
    s += std::to_string(e.epoch);
    for (const MetricInfo& m : metrics) {
      if (m.csv.empty()) continue;
      const std::vector<double> v = metric_values(e, m);
      const size_t n = m.per_layer ? layers : 1;
      for (size_t i = 0; i < n; ++i) s += "," + num(i < v.size() ? v[i] : NAN);
    }
    s += "\n";
  }
  return s;
}

namespace {
// The fields of the JSON history before it was derived from the metric table
// (result.json files and checkpoints of older builds, which name none).
const std::vector<std::string>& legacy_history_fields() {
  static const std::vector<std::string> f = {
      "epoch", "epochs", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy",
      "lr", "penalty", "grad_ratio", "weight_norms", "grad_norms", "seconds", "train_seconds", "diag_seconds",
      "samples_per_s", "best"};
  return f;
}
}  // namespace

std::vector<std::string> history_fields(const std::vector<MetricInfo>& metrics) {
  std::vector<std::string> f = {"epoch", "epochs"};
  for (const MetricInfo& m : metrics) f.push_back(m.name);
  f.push_back("best");
  return f;
}

nlohmann::json history_json(const std::vector<EpochEvent>& h, const std::vector<MetricInfo>& metrics) {
  auto n = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  nlohmann::json a = nlohmann::json::array();
  for (const EpochEvent& e : h) {
    nlohmann::json row = {e.epoch, e.epochs};
    for (const MetricInfo& m : metrics) {
      const std::vector<double> v = metric_values(e, m);
      if (!m.per_layer) {
        row.push_back(n(v.empty() ? NAN : v.front()));
        continue;
      }
      nlohmann::json layers = nlohmann::json::array();
      for (double x : v) layers.push_back(n(x));
      row.push_back(layers);
    }
    row.push_back(e.best);
    a.push_back(row);
  }
  return a;
}

std::vector<EpochEvent> history_from(const nlohmann::json& a, const std::vector<std::string>& named) {
  const std::vector<std::string>& fields = named.empty() ? legacy_history_fields() : named;
  std::vector<EpochEvent> h;
  for (const auto& r : a) {
    EpochEvent e;
    nlohmann::json metrics = nlohmann::json::object();
    for (size_t i = 0; i < fields.size() && i < r.size(); ++i) {
      const std::string& f = fields[i];
      if (f == "epoch") e.epoch = r[i];
      else if (f == "epochs") e.epochs = r[i];
      else if (f == "best") e.best = r[i];
      else if (!(r[i].is_null() && !find_metric(builtin_metrics(), f))) metrics[f] = r[i];
    }
    metrics_from_json(e, metrics);
    h.push_back(e);
  }
  return h;
}

nlohmann::ordered_json result_json(const ExperimentConfig& c, const RunResult& r) {
  const RunNumbers n = run_numbers(c, r.history, r);
  nlohmann::ordered_json j;
  j["status"] = status_name(r.status);
  if (!r.reason.empty()) j["reason"] = r.reason;
  // The run's numbers (train/numbers.h): the selected epoch's, and the final one's test metrics.
  j["best_epoch"] = n.selected_epoch;
  j["selected_by"] = n.selected_by.empty() ? "last epoch" : n.selected_by;
  j["selection"] = n.selection_text();
  j["epochs_run"] = r.epochs_run;
  j["val_accuracy"] = jnum(n.selected.val_accuracy);
  j["val_loss"] = jnum(n.selected.val_loss);
  j["test_accuracy"] = jnum(n.test_accuracy);
  j["test_loss"] = jnum(n.test_loss);
  j["final_epoch"] = n.final_epoch;
  j["final_test_accuracy"] = jnum(n.final_test_accuracy);
  j["final_test_loss"] = jnum(n.final_test_loss);
  j["confusion_matrix"] = r.confusion;  // the selected epoch's model
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
  // The metrics the run's callbacks declared beyond the built-in table (train/metrics.h).
  if (!r.info.metrics.empty()) j["metrics"] = metric_infos_json(r.info.metrics);
  const std::vector<MetricInfo> metrics = run_metrics(r.info);
  j["history_fields"] = history_fields(metrics);
  j["history"] = history_json(r.history, metrics);
  return j;
}

void read_run_files(const std::string& dir, ExperimentConfig& c, RunResult& r) {
  auto read = [](const std::string& file) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error(file + ": cannot read the file");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  ConfigResult cr = parse_config_text(read(dir + "/config.json"), dir + "/config.json");
  if (!cr.ok()) throw std::runtime_error(dir + "/config.json: " + cr.error_text());
  c = cr.config;
  const std::string file = dir + "/result.json";
  try {
    const nlohmann::json j = nlohmann::json::parse(read(file));
    auto d = [](const nlohmann::json& v) { return v.is_number() ? v.get<double>() : kNone; };
    const std::string st = j.at("status").get<std::string>();
    r.status = RunStatus::Failed;
    for (RunStatus s : {RunStatus::Completed, RunStatus::EarlyStopped, RunStatus::Cancelled, RunStatus::Diverged,
                        RunStatus::Failed})
      if (st == status_name(s)) r.status = s;
    r.reason = j.value("reason", "");
    r.best_epoch = j.value("best_epoch", 0);
    r.epochs_run = j.value("epochs_run", 0);
    r.test_accuracy = d(j.value("test_accuracy", nlohmann::json()));
    r.test_loss = d(j.value("test_loss", nlohmann::json()));
    r.final_test_accuracy = d(j.value("final_test_accuracy", nlohmann::json()));
    r.final_test_loss = d(j.value("final_test_loss", nlohmann::json()));
    r.confusion = j.value("confusion_matrix", std::vector<std::vector<int64_t>>{});
    for (const auto& v : j.value("per_class_accuracy", nlohmann::json::array())) r.per_class_accuracy.push_back(d(v));
    r.seconds = j.value("seconds", 0.0);
    r.device = j.value("device", "");
    r.info.device = r.device;
    r.info.threads = j.value("threads", 0);
    r.info.blas = j.value("blas", "");
    r.info.parameters = j.value("parameters", int64_t(0));
    r.info.train_size = j.value("train_size", int64_t(0));
    r.info.val_size = j.value("val_size", int64_t(0));
    r.info.test_size = j.value("test_size", int64_t(0));
    r.info.layer_names = j.value("layers", std::vector<std::string>{});
    r.info.class_names = j.value("class_names", std::vector<std::string>{});
    r.info.metrics = metric_infos_from(j.value("metrics", nlohmann::json::array()));
    r.history = history_from(j.value("history", nlohmann::json::array()),
                             j.value("history_fields", std::vector<std::string>{}));
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(file + ": not a Hyperlab result file (" + e.what() + ")");
  }
}

void write_run_files(const std::string& dir, const ExperimentConfig& c, const RunResult& r) {
  make_dirs(dir);
  write_file_atomic(dir + "/config.json", config_to_text(c));
  write_file_atomic(dir + "/metrics.csv", metrics_csv(r));
  write_file_atomic(dir + "/result.json", result_json(c, r).dump(2) + "\n");
}

}  // namespace hyperlab
