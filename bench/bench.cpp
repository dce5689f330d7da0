// hyperlab-bench: training speed against the machine's SGEMM peak, the cost of
// the gradient diagnostics, and (when given) plain PyTorch on the same setups.
//
//   hyperlab-bench [--epochs N] [--setups a,b,...] [--ref PATH/ref_train.py] [--train-limit N]
//                  [--device cpu|cuda] [--rounds R]
//   --rounds R: R rounds of ours then PyTorch per setup; s/epoch and speedup are medians over
//               the rounds (each round's speedup its own ratio), for a machine whose load moves
//   setups: fashion-baseline, shallow-sigmoid, deep-sigmoid, cnn-small (Fashion-MNIST) and
//   resnet20 (the resnet20-cifar preset on CIFAR-10 when it is downloaded, else on random
//   CIFAR-sized images; 5,000 of them unless --train-limit says otherwise). Both sides train on
//   the same images, --train-limit included.
//   hyperlab-bench --load N [...]   the same setups while N other processes keep a core busy each
//                                   (started and stopped here): the default thread count against
//                                   1 and all threads, and plain PyTorch under the same load
//
// Speed targets live here, never in unit tests. Figures are medians over epochs.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <map>
#include <memory>
#include <stdexcept>
#include <sstream>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "config/presets.h"
#include "config/shapes.h"
#include "data/augment.h"
#include "data/dataset.h"
#include "train/trainer.h"
#include "busy_load.h"

using namespace hyperlab;

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double sgemm_gflops(int threads) {
  configure_threads(threads);
  at::Tensor a = at::randn({1024, 1024}), b = at::randn({1024, 1024}), c = at::empty({1024, 1024});
  for (int i = 0; i < 3; ++i) at::mm_out(c, a, b);
  std::vector<double> rates;
  for (int r = 0; r < 5; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    int it = 0;
    double dt = 0;
    while (dt < 0.2) {
      at::mm_out(c, a, b);
      ++it;
      dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    rates.push_back(2.0 * 1024 * 1024 * 1024 * it / dt / 1e9);
  }
  return median(rates);
}

// FLOPs per training sample: the forward pass, then for each weighted layer its weight gradient
// (as many FLOPs as its forward) and its input gradient (as many again), except the first weighted
// layer's input gradient, which backward never computes (nothing before it trains). Counting 3x
// the forward pass, as this bench did before, overstated an MLP on images by 45-50 %: its first
// layer holds most of its FLOPs.
double train_flops(const ModelSummary& m) {
  for (const LayerSummary& l : m.layers) {
    if (l.type == "sequential" || l.type == "residual") continue;  // their rows count themselves
    if (l.params == 0) continue;                                    // flatten, activations, pooling
    return 3.0 * double(m.forward_flops) - double(l.flops);
  }
  return 3.0 * double(m.forward_flops);
}

struct Measure {
  double epoch_s = NAN, samples_s = NAN, diag_share = NAN;
  int threads = 1;
};

Measure measure(ExperimentConfig cfg, std::shared_ptr<const LoadedData> data) {
  Trainer t(cfg);
  t.set_data(data);
  std::vector<double> secs, rates, diag;
  Measure m;
  RunCallbacks cb;
  cb.on_start = [&](const RunStart& s) { m.threads = s.threads; };
  cb.on_epoch = [&](const EpochEvent& e) {
    secs.push_back(e.train_seconds), rates.push_back(e.samples_per_s);
    diag.push_back(e.diag_seconds / e.train_seconds);
    return true;
  };
  RunResult r = t.run(cb);
  if (r.status != RunStatus::Completed) std::fprintf(stderr, "  run ended %s: %s\n", status_name(r.status), r.reason.c_str());
  // samples/s of the median epoch (each epoch sees the same samples), not a median of its own.
  m.epoch_s = median(secs), m.diag_share = median(diag);
  if (!secs.empty()) m.samples_s = rates[0] * secs[0] / m.epoch_s;
  return m;
}

// Seconds to augment one epoch's training batches as a CIFAR recipe would (crop with 4 pixels
// of padding, flip, then cutout or a rotation of up to 15 degrees), without training: the
// augmentation's own cost.
double augment_seconds(const ExperimentConfig& cfg, const LoadedData& data, const std::string& last) {
  std::vector<AugmentConfig> steps(3);
  steps[0].type = "crop", steps[1].type = "flip", steps[1].p = 0.5, steps[2].type = last;
  const at::Tensor& x = data.train.x;
  const int64_t N = x.size(0), B = cfg.training.batch_size;
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i * B < N; ++i) augment_batch(x.narrow(0, i * B, std::min(B, N - i * B)), steps, 1, 1, int(i));
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// What the reference is told besides the setup: the same images and device as ours.
struct RefArgs {
  int train_limit = 0;
  std::string data, device;  ///< "": its defaults
  std::string text() const {
    return " --train-limit " + std::to_string(train_limit) + (data.empty() ? "" : " --data " + data) +
           (device.empty() ? "" : " --device " + device);
  }
};

// Runs the plain-PyTorch reference and returns its median train seconds per epoch.
double reference_seconds(const std::string& script, const std::string& setup, int epochs, int threads,
                         const RefArgs& args = {}) {
  const char* py = std::getenv("HYPERLAB_PYTHON");  // the GPU check's pip PyTorch; else Debian's
  std::string cmd = std::string(py && *py ? py : "/usr/bin/python3") + " " + script + " " + setup + " --epochs " + std::to_string(epochs) +
                    " --threads " + std::to_string(threads) + args.text() + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return NAN;
  char line[512];
  double med = NAN;
  while (std::fgets(line, sizeof line, p)) {
    double v;
    if (std::sscanf(line, "summary median_train_s %lf", &v) == 1) med = v;
  }
  pclose(p);
  return med;
}

// Our setup names, their presets and ref_train.py's names for them.
struct Setup {
  std::string name, preset, ref;
};
const std::vector<Setup>& setups_known() {
  static const std::vector<Setup> s = {{"fashion-baseline", "fashion-baseline", "baseline"},
                                       {"shallow-sigmoid", "shallow-sigmoid", "shallow"},
                                       {"deep-sigmoid", "deep-sigmoid", "deep"},
                                       {"cnn-small", "cnn-small", "cnn"},
                                       {"resnet20", "resnet20-cifar", "resnet20"}};
  return s;
}
const Setup* find_setup(const std::string& name) {
  for (const Setup& s : setups_known())
    if (s.name == name || s.preset == name) return &s;
  return nullptr;
}

// A CIFAR-10 binary folder of random images (train_n in 5 batch files, test_n in the test file),
// seeded: what resnet20 trains on when CIFAR-10 is not downloaded. Removed by the destructor.
struct RandomCifar {
  std::string dir;
  RandomCifar(int64_t train_n, int64_t test_n) {
    char tmpl[] = "/tmp/hyperlab-bench-cifar-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("cannot make a folder in /tmp for the random CIFAR-10 images");
    dir = tmpl;
    at::Generator g = at::detail::createCPUGenerator(17);
    for (int f = 0; f <= 5; ++f) {
      const int64_t n = f == 0 ? test_n : train_n / 5 + (f <= train_n % 5 ? 1 : 0);
      at::Tensor rec = at::randint(0, 256, {n, 3073}, g, at::kLong).to(at::kByte);
      rec.select(1, 0).copy_(at::randint(0, 10, {n}, g, at::kLong));
      const std::string file = dir + (f == 0 ? "/test_batch.bin" : "/data_batch_" + std::to_string(f) + ".bin");
      FILE* o = std::fopen(file.c_str(), "wb");
      if (!o || std::fwrite(rec.data_ptr<uint8_t>(), 1, size_t(rec.numel()), o) != size_t(rec.numel()))
        throw std::runtime_error("cannot write " + file);
      std::fclose(o);
    }
  }
  ~RandomCifar() {
    for (int f = 0; f <= 5; ++f)
      std::remove((dir + (f == 0 ? "/test_batch.bin" : "/data_batch_" + std::to_string(f) + ".bin")).c_str());
    rmdir(dir.c_str());
  }
};

// Runs this bench as a child for one setup and returns its s/epoch and threads ("thr" and
// "s/epoch" columns of its row).
std::pair<double, int> child_seconds(const std::string& self, const std::string& setup, int epochs, int threads) {
  std::string cmd = self + " --child --setups " + setup + " --epochs " + std::to_string(epochs) + " --threads " +
                    std::to_string(threads) + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  char line[512];
  double s = NAN;
  int thr = 0;
  while (p && std::fgets(line, sizeof line, p)) {
    char nm[64];
    double sec;
    int t;
    if (std::sscanf(line, "%63s %d %lf", nm, &t, &sec) == 3 && setup == nm) s = sec, thr = t;
  }
  if (p) pclose(p);
  return {s, thr};
}

int load_bench(const std::string& self, const std::string& setups, int epochs, int load, const std::string& ref) {
  const int cores = physical_cores();
  std::printf("hyperlab-bench --load %d: %d busy process%s on %d physical cores; s/epoch, median of %d epochs\n",
              load, load, load == 1 ? "" : "es", cores, epochs);
  std::printf("%-18s %14s %9s %9s %9s %9s %12s\n", "setup", "default (thr)", "1 thread",
              (std::to_string(cores) + " thr").c_str(), "PyTorch", "speedup", "vs best fixed");
  std::stringstream ss(setups);
  std::string name;
  while (std::getline(ss, name, ',')) {
    std::pair<double, int> def, one, all;
    double py = NAN;
    {
      BusyLoad busy(load);
      def = child_seconds(self, name, epochs, 0);
      one = child_seconds(self, name, epochs, 1);
      // Under load all threads can be 30-60x slower (spinning at barriers): one epoch tells.
      all = cores > 1 ? child_seconds(self, name, load > 0 ? 1 : epochs, cores) : one;
      if (!ref.empty() && find_setup(name) && name != "resnet20")
        py = reference_seconds(ref, find_setup(name)->ref, epochs, 0);
    }
    const double best = std::min(one.first, all.first);
    char d[32], pyb[32] = "-", sp[32] = "-";
    std::snprintf(d, sizeof d, "%.2f (%d)", def.first, def.second);
    if (!std::isnan(py)) {
      std::snprintf(pyb, sizeof pyb, "%.2f", py);
      std::snprintf(sp, sizeof sp, "%.2fx", py / def.first);
    }
    std::printf("%-18s %14s %9.2f %9.2f %9s %9s %+11.0f%%\n", name.c_str(), d, one.first, all.first, pyb, sp,
                100.0 * (def.first / best - 1));
    std::fflush(stdout);
  }
  std::printf("speedup = PyTorch / default; vs best fixed = default against the faster of 1 and %d threads\n"
              "(all threads under load: one epoch)\n"
              "(goal: default never slower than PyTorch, within +10%% of the best fixed count)\n", cores);
  return 0;
}

struct Options {
  int epochs = 3, train_limit = 0, threads = 0, rounds = 1;
  std::string ref, device;
};

// The CIFAR-10 folder resnet20 trains on: the downloaded one, else `train_n` random images in
// `fake`. Set before the config is checked, which refuses cifar10 with no data to read.
std::string cifar_folder(int64_t train_n, std::unique_ptr<RandomCifar>& fake) {
  const std::string dir = default_data_path("cifar10");
  if (std::FILE* f = std::fopen((dir + "/data_batch_1.bin").c_str(), "rb")) {
    std::fclose(f);
    return dir;
  }
  fake = std::make_unique<RandomCifar>(train_n, 500);
  return fake->dir;
}

// One row of the table (and its augmentation lines): `name` trained for o.epochs, then the
// reference on the same images.
int run_setup(const std::string& name, const Options& o, const std::map<int, double>& peak) {
  const Setup* known = find_setup(name);
  const std::string preset = known ? known->preset : name;
  std::unique_ptr<RandomCifar> fake;
  nlohmann::json j = nlohmann::json::parse(preset_text(preset));
  if (j["data"].value("dataset", "") == "cifar10")  // resnet20: 5,000 images unless told
    j["data"]["path"] = cifar_folder(o.train_limit > 0 ? o.train_limit : 5000, fake);
  ConfigResult r = parse_config(j);
  if (!r.ok()) {
    std::fprintf(stderr, "%s: %s", name.c_str(), r.error_text().c_str());
    return 0;
  }
  ExperimentConfig cfg = r.config;
  cfg.training.epochs = o.epochs;
  cfg.training.evaluate_test = false;
  cfg.training.early_stopping.enabled = false;
  cfg.data.validation_fraction = 0;  // the reference trains on all of them
  // resnet20: an epoch of 50,000 CIFAR images is minutes here; 5,000 unless told.
  cfg.data.train_limit = o.train_limit == 0 && cfg.data.dataset == "cifar10" ? 5000 : o.train_limit;
  cfg.training.threads = o.threads;  // 0: the default choice
  if (!o.device.empty()) cfg.training.device = o.device;
  std::shared_ptr<const LoadedData> data;
  try {
    data = load_data(cfg.data, cfg.training.seed);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cannot load data: %s\n", e.what());
    return 2;
  }
  // Rounds of ours then the reference: on a shared machine the load moves between the two
  // runs; the median of the rounds' ratios is steadier than one pair.
  RefArgs args;
  args.train_limit = int(data->train.size()), args.device = o.device;
  if (cfg.data.dataset == "cifar10") args.data = cfg.data.path;
  std::vector<Measure> ours;
  std::vector<double> refs, ratios;
  for (int round = 0; round < std::max(1, o.rounds); ++round) {
    ours.push_back(measure(cfg, data));
    if (o.ref.empty() || !known) continue;
    refs.push_back(reference_seconds(o.ref, known->ref, o.epochs, 0, args));
    ratios.push_back(refs.back() / ours.back().epoch_s);
    if (o.rounds > 1)
      std::fprintf(stderr, "  round %d: ours %.3f s, PyTorch %.3f s, %.2fx\n", round + 1, ours.back().epoch_s,
                   refs.back(), ratios.back());
  }
  std::sort(ours.begin(), ours.end(), [](const Measure& a, const Measure& b) { return a.epoch_s < b.epoch_s; });
  const Measure on = ours[ours.size() / 2];
  double flops = train_flops(summarize(cfg)) * on.samples_s / 1e9;  // forward + backward
  const double ref_s = median(refs);
  char refbuf[32] = "-", spbuf[32] = "-";
  if (!std::isnan(ref_s)) {
    std::snprintf(refbuf, sizeof refbuf, "%.2f s", ref_s);
    std::snprintf(spbuf, sizeof spbuf, "%.2fx", median(ratios));
  }
  std::printf("%-18s %3d %9.3f %11.0f %8.1f %6.0f%% %9.1f%% %9s %8s\n", name.c_str(), on.threads, on.epoch_s,
              on.samples_s, flops, 100.0 * flops / (peak.count(on.threads) ? peak.at(on.threads) : NAN), 100.0 * on.diag_share, refbuf, spbuf);
  if (cfg.data.dataset == "cifar10")
    std::printf("  %lld %s CIFAR-10 images, batch %d\n", (long long)data->train.size(), fake ? "random" : "real",
                cfg.training.batch_size);
  if (data->spec.input.size() == 3) {
    for (const char* last : {"cutout", "rotate"}) {
      const double aug = augment_seconds(cfg, *data, last);
      std::printf("  augmentation (crop 4, flip, %s): %.3f s/epoch, %.1f%% of this epoch (issue goal: under 5%%)\n",
                  std::string(last) == "rotate" ? "rotate 15" : last, aug, 100.0 * aug / on.epoch_s);
    }
  }
  std::fflush(stdout);
  return 0;
}

long peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  int& epochs = o.epochs;
  int& train_limit = o.train_limit;
  int& threads = o.threads;
  std::string& ref = o.ref;
  int load = -1;
  bool child = false;
  std::string setups = "fashion-baseline,shallow-sigmoid,deep-sigmoid,cnn-small,resnet20";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--epochs") epochs = std::stoi(next());
    else if (a == "--setups") setups = next();
    else if (a == "--ref") ref = next();
    else if (a == "--train-limit") train_limit = std::stoi(next());
    else if (a == "--child") child = true;
    else if (a == "--load") load = std::stoi(next());
    else if (a == "--threads") threads = std::stoi(next());
    else if (a == "--device") o.device = next();
    else if (a == "--rounds") o.rounds = std::stoi(next());
    else {
      std::fprintf(stderr, "usage: hyperlab-bench [--epochs N] [--setups a,b] [--ref ref_train.py] [--train-limit N]"
                           " [--load N] [--device cpu|cuda] [--rounds R]\n");
      return 2;
    }
  }
  if (!child && load >= 0) return load_bench(argv[0], setups, epochs, load, ref);
  if (!child && setups.find(',') != std::string::npos) {
    std::stringstream all(setups);
    std::string one;
    bool first = true;
    while (std::getline(all, one, ',')) {
      std::string cmd = std::string(argv[0]) + " --child --setups " + one + " --epochs " + std::to_string(epochs) +
                        " --train-limit " + std::to_string(train_limit) + (ref.empty() ? "" : " --ref " + ref) +
                        (o.device.empty() ? "" : " --device " + o.device) + " --rounds " + std::to_string(o.rounds);
      FILE* p = popen(cmd.c_str(), "r");
      char line[512];
      int n = 0;
      while (p && std::fgets(line, sizeof line, p)) {
        // The first child prints the header; later ones only their row.
        if (first || n >= 5) std::fputs(line, stdout);
        ++n;
        std::fflush(stdout);
      }
      if (p) pclose(p);
      first = false;
    }
    std::printf("s/epoch: training only, median of %d epochs, one process per setup. diag cost: share of\n"
                "the epoch spent on per-layer norms and the gradient ratio. PyTorch: ref_train.py, its default\n"
                "threads, same data; speedup = PyTorch s/epoch / ours.\n", epochs);
    return 0;
  }
  const int cores = physical_cores();
  std::printf("hyperlab-bench %s, LibTorch %s, %d physical cores\nBLAS: %s\n", HYPERLAB_VERSION,
              torch_version().c_str(), cores, blas_description().c_str());
  std::map<int, double> peak;
  for (int t : {1, cores}) peak[t] = sgemm_gflops(t);
  std::printf("SGEMM peak (1024^3): %.1f GFLOP/s on 1 thread, %.1f on %d\n\n", peak[1], peak[cores], cores);

  std::printf("%-18s %3s %9s %11s %8s %7s %10s %9s %8s\n", "setup", "thr", "s/epoch", "samples/s", "GFLOP/s",
              "%peak", "diag cost", "PyTorch", "speedup");
  std::stringstream ss(setups);
  std::string name;
  while (std::getline(ss, name, ','))
    if (int rc = run_setup(name, o, peak)) return rc;
  std::printf("  peak RSS %ld MB (Fashion-MNIST as uint8: 55 MB raw)\n", peak_rss_mb());

  return 0;
}
