// hyperlab-cli: the headless runner. Links core only (no Qt), so it builds on a
// GPU box with its own LibTorch.
#include <csignal>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "config/presets.h"
#include "config/shapes.h"
#include "train/report.h"
#include "train/trainer.h"

using namespace hyperlab;

namespace {

constexpr int kExitOk = 0, kExitFailed = 1, kExitBadInput = 2, kExitDiverged = 3, kExitCancelled = 130;

volatile std::sig_atomic_t g_interrupted = 0;
void on_sigint(int) {
  g_interrupted = 1;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

const char* kHelp = R"(hyperlab-cli - train neural networks described in JSON, headless

usage:
  hyperlab-cli run (CONFIG.json | --preset NAME) [--set key.path=value]... [--out DIR]
  hyperlab-cli validate (CONFIG.json | --preset NAME) [--set ...]
  hyperlab-cli summary  (CONFIG.json | --preset NAME) [--set ...]
  hyperlab-cli show     (CONFIG.json | --preset NAME) [--set ...]   print the resolved config
  hyperlab-cli presets
  hyperlab-cli info                      BLAS, threads, LibTorch and CUDA devices
  hyperlab-cli --help | --version

run trains, prints one line per epoch and writes DIR/config.json (the resolved
config), DIR/metrics.csv and DIR/result.json. Without --out, DIR is
runs/NAME-YYYYMMDD-HHMMSS. Ctrl-C finishes the current batch, then writes the
files with status "cancelled"; a second Ctrl-C quits at once.

--set takes a JSON value (a bare word is a string):
  --set training.optimizer.lr=0.05 --set model.mlp.hidden=[128,64]
  --set data.train_limit=5000 --set training.device=cuda

exit status: 0 success (completed or early-stopped), 1 failure, 2 bad input
(config, data, device; message on stderr starting with "error:"), 3 diverged,
130 cancelled.
The config schema is documented in docs/config.md.
)";

int bad_input(const std::string& msg) {
  std::istringstream in(msg);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) std::cerr << "error: " << line << "\n";
  return kExitBadInput;
}

struct Args {
  std::string command, config_file, preset, out;
  std::vector<std::string> sets;
};

// Reads the config named by the arguments, applies --set, validates.
bool resolve_config(const Args& a, ExperimentConfig& cfg, std::string& err) {
  std::string text, source;
  if (!a.preset.empty()) {
    text = preset_text(a.preset);
    source = "preset " + a.preset;
    if (text.empty()) {
      std::string names;
      for (const auto& n : preset_names()) names += (names.empty() ? "" : ", ") + n;
      err = "no preset named \"" + a.preset + "\" (presets: " + names + ")";
      return false;
    }
  } else if (!a.config_file.empty()) {
    std::ifstream in(a.config_file, std::ios::binary);
    if (!in) {
      err = a.config_file + ": cannot read the file";
      return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
    source = a.config_file;
  } else {
    err = "give a config file or --preset NAME (see hyperlab-cli --help)";
    return false;
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    err = source + " is not valid JSON: " + e.what();
    return false;
  }
  for (const auto& s : a.sets) {
    std::string e = apply_override(j, s);
    if (!e.empty()) {
      err = e;
      return false;
    }
  }
  ConfigResult r = parse_config(j);
  if (!r.ok()) {
    err = r.error_text();
    return false;
  }
  cfg = r.config;
  return true;
}

std::string fmt(double v, const char* f = "%.4f") {
  if (std::isnan(v)) return "-";
  char b[32];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string default_out(const std::string& name) {
  std::time_t t = std::time(nullptr);
  char b[32];
  std::strftime(b, sizeof b, "%Y%m%d-%H%M%S", std::localtime(&t));
  return "runs/" + name + "-" + b;
}

int cmd_run(const Args& a) {
  ExperimentConfig cfg;
  std::string err;
  if (!resolve_config(a, cfg, err)) return bad_input(err);
  std::string out = a.out.empty() ? default_out(cfg.name) : a.out;

  std::shared_ptr<const LoadedData> data;
  try {
    data = load_data(cfg.data, cfg.training.seed);
  } catch (const std::exception& e) {
    return bad_input(e.what());
  }
  Trainer trainer(cfg);
  trainer.set_data(data);
  std::signal(SIGINT, on_sigint);

  RunCallbacks cb;
  cb.on_start = [&](const RunStart& s) {
    std::printf("run %s: %lld train / %lld val / %lld test samples, %lld parameters\n", cfg.name.c_str(),
                (long long)s.train_size, (long long)s.val_size, (long long)s.test_size, (long long)s.parameters);
    std::printf("device %s, %d thread%s, BLAS: %s\n", s.device.c_str(), s.threads, s.threads == 1 ? "" : "s",
                s.blas.c_str());
    if (!blas_is_optimized()) std::fprintf(stderr, "warning: %s\n", s.blas.c_str());
    std::fflush(stdout);
  };
  cb.on_batch = [&](const BatchEvent&) { return g_interrupted == 0; };
  cb.on_epoch = [&](const EpochEvent& e) {
    std::printf("epoch %d/%d  train loss %s acc %s", e.epoch, e.epochs, fmt(e.train_loss).c_str(),
                fmt(e.train_accuracy).c_str());
    if (!std::isnan(e.val_loss)) std::printf("  val loss %s acc %s", fmt(e.val_loss).c_str(), fmt(e.val_accuracy).c_str());
    if (!std::isnan(e.test_loss)) std::printf("  test loss %s acc %s", fmt(e.test_loss).c_str(), fmt(e.test_accuracy).c_str());
    std::printf("  lr %s  grad ratio %s  %.2f s (%.0f samples/s)%s\n", fmt(e.lr, "%.4g").c_str(),
                fmt(e.grad_ratio, "%.3g").c_str(), e.seconds, e.samples_per_s, e.best ? "  *best" : "");
    std::fflush(stdout);
    return g_interrupted == 0;
  };
  RunResult r = trainer.run(cb);
  std::signal(SIGINT, SIG_DFL);
  if (g_interrupted && r.status == RunStatus::Cancelled) r.reason = "interrupted (Ctrl-C)";
  if (r.input_error) return bad_input(r.reason);

  try {
    write_run_files(out, cfg, r);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitFailed;
  }
  std::printf("%s", std::string(status_name(r.status)).c_str());
  if (!r.reason.empty()) std::printf(": %s", r.reason.c_str());
  std::printf("\ntest accuracy %s, test loss %s, best epoch %d, %.1f s; files in %s/\n",
              fmt(r.test_accuracy).c_str(), fmt(r.test_loss).c_str(), r.best_epoch, r.seconds, out.c_str());
  switch (r.status) {
    case RunStatus::Completed:
    case RunStatus::EarlyStopped: return kExitOk;
    case RunStatus::Diverged: return kExitDiverged;
    case RunStatus::Cancelled: return kExitCancelled;
    default:
      std::fprintf(stderr, "error: run failed: %s\n", r.reason.c_str());
      return kExitFailed;
  }
}

int cmd_info() {
  std::printf("hyperlab %s, LibTorch %s\n", HYPERLAB_VERSION, torch_version().c_str());
  std::printf("BLAS: %s\n", blas_description().c_str());
  std::printf("physical cores: %d\n", physical_cores());
  int n = cuda_device_count();
  std::printf("CUDA devices: %d\n", n);
  return blas_is_optimized() ? kExitOk : kExitFailed;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kHelp, args.empty() ? stderr : stdout);
    return args.empty() ? kExitBadInput : kExitOk;
  }
  if (args[0] == "--version") {
    std::printf("hyperlab-cli %s (LibTorch %s)\n", HYPERLAB_VERSION, torch_version().c_str());
    return kExitOk;
  }
  a.command = args[0];
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& s = args[i];
    auto value = [&](std::string& dst) {
      if (i + 1 >= args.size()) return false;
      dst = args[++i];
      return true;
    };
    std::string v;
    if (s == "--preset") {
      if (!value(a.preset)) return bad_input("--preset needs a name");
    } else if (s == "--out") {
      if (!value(a.out)) return bad_input("--out needs a folder");
    } else if (s == "--set") {
      if (!value(v)) return bad_input("--set needs key.path=value");
      a.sets.push_back(v);
    } else if (s.rfind("--set=", 0) == 0) {
      a.sets.push_back(s.substr(6));
    } else if (s == "--help" || s == "-h") {
      std::fputs(kHelp, stdout);
      return kExitOk;
    } else if (!s.empty() && s[0] == '-') {
      return bad_input("unknown option " + s + " (see hyperlab-cli --help)");
    } else if (a.config_file.empty()) {
      a.config_file = s;
    } else {
      return bad_input("unexpected argument " + s);
    }
  }
  if (!a.config_file.empty() && !a.preset.empty()) return bad_input("give a config file or --preset, not both");

  if (a.command == "run") return cmd_run(a);
  if (a.command == "presets") {
    for (const auto& p : embedded_presets()) {
      ConfigResult r = parse_config_text(p.json, p.name);
      std::printf("%-20s %s\n", p.name, r.config.description.c_str());
    }
    return kExitOk;
  }
  if (a.command == "info") return cmd_info();
  if (a.command == "validate" || a.command == "summary" || a.command == "show") {
    ExperimentConfig cfg;
    std::string err;
    if (!resolve_config(a, cfg, err)) return bad_input(err);
    if (a.command == "validate") std::printf("ok: %s is valid\n", cfg.name.c_str());
    if (a.command == "show") std::printf("%s", config_to_text(cfg).c_str());
    if (a.command == "summary") {
      DataSpec d = data_spec(cfg.data);
      std::printf("%s: input %s, %d classes\n%s", cfg.name.c_str(), shape_str(d.input).c_str(), d.classes,
                  summarize(cfg).table().c_str());
    }
    return kExitOk;
  }
  return bad_input("unknown command \"" + a.command + "\" (see hyperlab-cli --help)");
}
