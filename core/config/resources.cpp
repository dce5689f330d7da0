#include "config/resources.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "config/shapes.h"
#include "data/folder.h"
#include "train/trainer.h"  // cuda_device_count (declared torch-free)

namespace hyperlab {

std::string human_bytes(double b) {
  if (!(b >= 10000)) return std::to_string(static_cast<long long>(std::max(b, 0.0))) + " bytes";
  const char* units[] = {"kB", "MB", "GB", "TB", "PB", "EB"};
  int u = 0;
  b /= 1000;
  while (b >= 999.5 && u < 5) b /= 1000, ++u;
  char s[48];
  if (b >= 999.5) std::snprintf(s, sizeof s, "%.2g %s", b, units[u]);  // past exabytes
  else std::snprintf(s, sizeof s, b < 9.95 ? "%.1f %s" : "%.0f %s", b, units[u]);
  return s;
}

std::string human_count(double n) {
  if (n < 1e10) return std::to_string(static_cast<long long>(n));
  char s[32];
  std::snprintf(s, sizeof s, "%.2g", n);  // "1.6e+12" -> "1.6e12"
  std::string r = s;
  auto e = r.find("e+");
  if (e != std::string::npos) r.erase(e + 1, 1);
  if (n >= 9.2e18) r = "more than " + r;  // summarize() saturates there
  return r;
}

namespace {

double elements(const Shape& s) {
  double n = 1;
  for (int64_t v : s) n *= static_cast<double>(v);
  return n;
}

// Samples of each split and bytes per sample as the loader holds them.
struct DataSize {
  double train = 0, test = 0, sample = 0;
  std::string what;
};

DataSize data_size(const DataConfig& d, const DataSpec& spec) {
  DataSize s;
  const double label = 8;  // int64
  const std::string side = spec.input.size() == 3 ? std::to_string(spec.input[1]) + "x" + std::to_string(spec.input[2]) : "";
  if (d.dataset == "synthetic") {
    s.train = d.synthetic.samples, s.test = d.synthetic.test_samples;
    const bool images = d.synthetic.kind == "images";
    s.sample = images ? elements(spec.input) + label : 2 * 4 + label;  // uint8 images, float points
    s.what = std::to_string(d.synthetic.samples) + " + " + std::to_string(d.synthetic.test_samples) +
             (images ? " images of " + side : " points");
  } else if (d.dataset == "folder") {  // the images the listing found (data/folder.h)
    const FolderSpec f = folder_spec(d);
    s.train = double(f.train), s.test = double(f.test);
    s.sample = elements(spec.input) + label;
    s.what = std::to_string(f.train + f.test) + " images of " + side;
  } else {  // the standard files' sizes; the loader checks the real ones as it reads them
    s.train = d.dataset == "cifar10" ? 50000 : 60000, s.test = 10000;
    s.sample = elements(spec.input) + label;
    s.what = std::to_string(static_cast<long long>(s.train + s.test)) + " images of " + side;
  }
  return s;
}

std::string optimizer_state(const OptimizerConfig& o, int& copies) {
  const std::string& t = o.type;
  copies = 0;
  if (t == "sgd") copies = o.momentum > 0 ? 1 : 0;
  else if (t == "adam" || t == "adamw") copies = o.amsgrad ? 3 : 2;
  else if (t == "rmsprop") copies = 1 + (o.momentum > 0 ? 1 : 0) + (o.centered ? 1 : 0);
  else if (t == "adagrad") copies = 1;
  if (copies == 0) return "";
  if (t == "sgd") return "momentum";
  return t + " state";
}

}  // namespace

double MemoryEstimate::host_bytes(bool model_on_cuda, bool count_data) const {
  const double model = model_on_cuda ? build_bytes : std::max(build_bytes, model_bytes + activation_bytes);
  return model + (count_data ? data_bytes : 0);
}

MemoryEstimate estimate_memory(const ExperimentConfig& c) {
  MemoryEstimate e;
  const DataSpec spec = data_spec(c.data);
  const ModelSummary m = summarize(c);
  const TrainingConfig& T = c.training;
  const double P = static_cast<double>(m.total_params);
  e.parameters = P;

  // Weights and gradients (one flat tensor each), the optimizer's state, the
  // best epoch's copy, the gradient-noise buffer, one temporary of the step.
  int opt = 0;
  optimizer_state(T.optimizer, opt);
  const bool plain_sgd = T.optimizer.type == "sgd" && opt == 0 && T.optimizer.weight_decay == 0 && T.l1 == 0 && T.l2 == 0;
  e.state_copies = 2 + opt + (T.early_stopping.enabled && T.early_stopping.restore_best ? 1 : 0) +
                   (T.grad_noise_std > 0 ? 1 : 0) + (plain_sgd ? 0 : 1);
  e.model_bytes = 4 * P * e.state_copies;
  e.build_bytes = 4 * P * 3;  // the modules' own tensors, then the flat weights and gradients

  // Activations: the float input, each layer's output kept for the backward
  // pass and its gradient; evaluation (no gradients) in batches of 1000 (128
  // with convolutions) holds the input and about two layers' outputs at once.
  const DataSize ds = data_size(c.data, spec);
  const double in = elements(model_input(c.data));
  double outs = 0, widest = 0;
  bool conv = false;
  for (const LayerSummary& l : m.layers) {
    conv |= l.type == "conv2d";
    if (l.kept == 0) continue;  // a view
    const double n = elements(l.output);
    outs += l.kept * n;  // dropout keeps its mask
    widest = std::max(widest, n);
  }
  e.batch = static_cast<int64_t>(std::min<double>(T.batch_size, std::max(ds.train, 1.0)));
  const double eval_batch = std::min(conv ? 128.0 : 1000.0, std::max(ds.train, ds.test));
  e.activation_bytes = 4 * std::max(e.batch * (in + 2 * outs), eval_batch * (in + 2 * widest));

  // Data: the tensors as read, plus the copies a validation split or a limit makes.
  const DataConfig& d = c.data;
  double used_train = d.train_limit > 0 ? std::min<double>(d.train_limit, ds.train) : ds.train;
  double copies = (d.validation_fraction > 0 || used_train < ds.train ? used_train : 0) +
                  (d.test_limit > 0 && d.test_limit < ds.test ? d.test_limit : 0);
  e.data_bytes = ds.sample * (ds.train + ds.test + copies);
  e.data_what = ds.what + (copies > 0 ? " (and the copy a validation split or a limit makes)" : "");
  return e;
}

std::string memory_summary(const MemoryEstimate& e) {
  return "memory: about " + human_bytes(e.host_bytes(false)) + " (model " + human_bytes(e.model_bytes) +
         ", activations of a batch of " + std::to_string(e.batch) + " " + human_bytes(e.activation_bytes) +
         ", data " + human_bytes(e.data_bytes) + ")";
}

std::vector<ConfigError> check_resources(const ExperimentConfig& c, const MachineMemory& mm, bool count_data) {
  std::vector<ConfigError> errs;
  const double avail = mm.available;
  if (!(avail > 0) || !summarize(c).ok()) return errs;
  const MemoryEstimate e = estimate_memory(c);
  const std::string has = "; this machine has " + human_bytes(avail) + " of memory available";

  int opt = 0;
  std::string state = optimizer_state(c.training.optimizer, opt);
  const double model = mm.cuda ? e.build_bytes : std::max(e.build_bytes, e.model_bytes);
  std::string parts = mm.cuda                          ? "host memory while the model is built, before it moves to the CUDA device"
                      : e.build_bytes >= e.model_bytes ? "while it is built: the layers' tensors, then flat weights and gradients"
                                                       : "weights, gradients" + (state.empty() ? "" : ", " + state);
  const double act = mm.cuda ? 0 : e.activation_bytes;
  const double data = count_data ? e.data_bytes : 0;
  const std::string data_key = c.data.dataset == "synthetic" ? "data.synthetic" : "data";

  if (model > avail)
    errs.push_back({"model", human_count(e.parameters) + " parameters need about " + human_bytes(model) + " (" +
                                 parts + ")" + has});
  if (act > avail)
    errs.push_back({"training.batch_size", "a batch of " + std::to_string(e.batch) + " needs about " +
                                               human_bytes(act) + " for its activations (forward and backward)" + has});
  if (data > avail)
    errs.push_back({data_key, e.data_what + " need about " + human_bytes(data) + has});
  const double total = e.host_bytes(mm.cuda, count_data);
  if (errs.empty() && total > avail) {
    // No part alone, but all of them together: blame the largest.
    std::string key = model >= act && model >= data ? "model" : act >= data ? "training.batch_size" : data_key;
    std::string all = "the run needs about " + human_bytes(total) + " in all (model " +
                      human_bytes(model);
    if (!mm.cuda) all += ", activations of a batch of " + std::to_string(e.batch) + " " + human_bytes(act);
    if (count_data) all += ", data " + human_bytes(data);
    errs.push_back({key, all + ")" + has});
  }
  return errs;
}

namespace {

// A number alone in a file ("max" or a missing file: -1).
double read_number(const std::string& file) {
  std::ifstream in(file);
  double v = -1;
  if (!(in >> v)) return -1;
  return v;
}

double stat_value(const std::string& file, const std::string& key) {
  std::ifstream in(file);
  std::string k;
  double v = 0;
  while (in >> k >> v)
    if (k == key) return v;
  return 0;
}

// What the cgroup (a container's limit) still allows; -1 when unlimited or unknown.
// Page cache it could drop (inactive files) counts as free, as in MemAvailable.
double cgroup_room() {
  double max = read_number("/sys/fs/cgroup/memory.max");  // cgroup v2
  if (max > 0)
    return max - (read_number("/sys/fs/cgroup/memory.current") - stat_value("/sys/fs/cgroup/memory.stat", "inactive_file"));
  max = read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes");  // v1; "unlimited" is about 2^63
  if (max > 0 && max < 1e18)
    return max - (read_number("/sys/fs/cgroup/memory/memory.usage_in_bytes") -
                  stat_value("/sys/fs/cgroup/memory/memory.stat", "total_inactive_file"));
  return -1;
}

}  // namespace

double memory_available() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  double avail = 0, free = 0;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    std::string key;
    double kb = 0;
    s >> key >> kb;
    if (key == "MemAvailable:") avail = kb * 1024;
    if (key == "MemFree:") free = kb * 1024;
  }
  if (avail <= 0) avail = free;  // kernels before 3.14
  double room = cgroup_room();
  if (room >= 0 && (avail <= 0 || room < avail)) avail = std::max(room, 1.0);
  return avail;
}

MachineMemory machine_memory(const TrainingConfig& t) {
  MachineMemory m;
  m.available = memory_available();
  m.cuda = t.device != "cpu" && cuda_device_count() > 0;
  return m;
}

std::vector<ConfigError> check_resources(const ExperimentConfig& c) {
  return check_resources(c, machine_memory(c.training));
}

}  // namespace hyperlab
