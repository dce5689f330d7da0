// hyperlab-cli: the headless runner. Links core only (no Qt), so it builds on a
// GPU box with its own LibTorch.
#include <algorithm>
#include <csignal>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "config/presets.h"
#include "config/resources.h"
#include "config/shapes.h"
#include "config/textfile.h"
#include "playground/playground.h"
#include "cli.h"
#include "store/recording.h"
#include "store/runstore.h"
#include "sweep/sweep.h"
#include "train/numbers.h"
#include "train/report.h"
#include "train/trainer.h"

using namespace hyperlab;

namespace hyperlab::cli {
volatile std::sig_atomic_t g_interrupted = 0;
int bad_input(const std::string& msg) {
  std::istringstream in(msg);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) std::cerr << "error: " << line << "\n";
  return kExitBadInput;
}

std::string fmt(double v, const char* f) {
  if (std::isnan(v)) return "-";
  char b[32];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

void on_sigint(int) {
  g_interrupted = 1;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

}  // namespace hyperlab::cli

using namespace hyperlab::cli;

namespace {

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
    if (!read_text_file(a.config_file, text, err)) return false;
    source = a.config_file;
  } else {
    err = "give a config file or --preset NAME (see hyperlab-cli --help)";
    return false;
  }
  nlohmann::json j;
  if (!parse_json(text, source, j, err)) return false;
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


std::string default_out(const std::string& name) {
  std::time_t t = std::time(nullptr);
  char b[32];
  std::strftime(b, sizeof b, "%Y%m%d-%H%M%S", std::localtime(&t));
  return "runs/" + name + "-" + b;
}

int train_and_report(const Args& a, const ExperimentConfig& cfg, const std::string& out, bool resuming);

int cmd_run(const Args& a) {
  ExperimentConfig cfg;
  std::string err;
  if (!resolve_config(a, cfg, err)) return bad_input(err);
  return train_and_report(a, cfg, a.out.empty() ? default_out(cfg.name) : a.out, false);
}

int cmd_resume(const Args& a) {
  if (a.positionals.size() != 1) return bad_input("resume needs the run's folder (the --out of its run)");
  const std::string dir = a.positionals[0];
  ExperimentConfig cfg;
  try {
    cfg = checkpoint_config(dir + "/checkpoint.pt");
  } catch (const std::exception& e) {
    return bad_input(error_message(e));
  }
  // Only the number of epochs may change on resume.
  nlohmann::json j = config_to_json(cfg);
  for (const std::string& s : a.sets) {
    if (s.rfind("training.epochs=", 0) != 0) return bad_input("resume takes only --set training.epochs=N, not " + s);
    std::string e = apply_override(j, s);
    if (!e.empty()) return bad_input(e);
  }
  ConfigResult r = parse_config(j);
  if (!r.ok()) return bad_input(r.error_text());
  return train_and_report(a, r.config, dir, true);
}

// Errors for what this machine's memory cannot hold, one line each ("" when it fits).
std::string resource_errors(const ExperimentConfig& cfg) {
  std::string err;
  for (const ConfigError& e : check_resources(cfg)) err += e.str() + "\n";
  return err;
}

int train_and_report(const Args& a, const ExperimentConfig& cfg, const std::string& out, bool resuming) {
  // Before anything is allocated: the data (generated data is allocated whole) and the model.
  if (std::string err = resource_errors(cfg); !err.empty()) return bad_input(err);
  std::shared_ptr<const LoadedData> data;
  try {
    data = load_data(cfg.data, cfg.training.seed);
  } catch (const std::exception& e) {
    return bad_input(error_message(e));
  }
  Trainer trainer(cfg);
  trainer.set_data(data);
  const std::string checkpoint = out + "/checkpoint.pt";
  if (resuming) {
    try {
      trainer.resume_from(checkpoint);
    } catch (const std::exception& e) {
      return bad_input(error_message(e));
    }
  }
  bool made_out = false;
  if (cfg.training.checkpoint_every > 0) {
    std::error_code ec;
    made_out = std::filesystem::create_directories(out, ec);
    if (ec) return bad_input(out + ": cannot create the run folder (" + ec.message() + ")");
    trainer.set_checkpoint_file(checkpoint);
  }
  std::signal(SIGINT, on_sigint);

  // The run history: a problem with it is reported, never fatal (the run is then not recorded).
  RecordingOptions ro;
  if (cfg.training.checkpoint_every > 0) ro.checkpoint = checkpoint, ro.resuming = resuming;
  ro.preview = data;  // also keeps the final model's sample predictions, for reports
  RunRecording recording(a.no_db ? "" : a.db.empty() ? RunStore::default_path() : a.db, cfg, ro);
  if (!recording.store() && !recording.error().empty())
    std::fprintf(stderr, "warning: this run is not recorded in the run history: %s\n", recording.error().c_str());

  RunCallbacks cb;
  cb.on_start = [&](const RunStart& s) {
    std::printf("run %s: %lld train / %lld val / %lld test samples, %lld parameters\n", cfg.name.c_str(),
                (long long)s.train_size, (long long)s.val_size, (long long)s.test_size, (long long)s.parameters);
    std::printf("device %s, %d thread%s, BLAS: %s\n", s.device.c_str(), s.threads, s.threads == 1 ? "" : "s",
                s.blas.c_str());
    if (!blas_is_optimized()) std::fprintf(stderr, "warning: %s\n", s.blas.c_str());
    if (!s.data_note.empty()) std::printf("data: %s\n", s.data_note.c_str());
    if (!s.transfer.empty()) std::printf("%s\n", s.transfer.c_str());  // what init_from mapped, the frozen blocks
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
  recording.attach(trainer, cb);  // model.init_from's run or pretraining, from the history
  RunResult r = trainer.run(recording.wrap(cb));
  std::signal(SIGINT, SIG_DFL);
  if (g_interrupted && r.status == RunStatus::Cancelled) r.reason = "interrupted (Ctrl-C)";
  if (r.input_error) {
    if (made_out) {  // bad input leaves nothing behind
      std::error_code ec;
      std::filesystem::remove(checkpoint, ec);
      std::filesystem::remove(out, ec);
    }
    return bad_input(r.reason);
  }
  if (recording.store()) {
    recording.finish(r);
    if (!recording.error().empty())
      std::fprintf(stderr, "warning: the run history stopped recording this run: %s\n", recording.error().c_str());
  }

  bool files_written = true;
  try {
    write_run_files(out, cfg, r);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    files_written = false;
  }
  std::printf("%s", std::string(status_name(r.status)).c_str());
  if (!r.reason.empty()) std::printf(": %s", r.reason.c_str());
  // The run's numbers, as every table gives them (train/numbers.h).
  const RunNumbers n = run_numbers(cfg, r.history, r);
  std::printf("\ntest accuracy %s, test loss %s at the selected epoch: %s", fmt(n.test_accuracy).c_str(),
              fmt(n.test_loss).c_str(), n.selection_text().c_str());
  if (n.selected_epoch != n.final_epoch && std::isfinite(n.final_test_accuracy))
    std::printf("; at the final epoch %s", fmt(n.final_test_accuracy).c_str());
  std::printf("; %.1f s", r.seconds);
  std::printf(files_written ? "; files in %s/\n" : "; the files in %s/ could not be written\n", out.c_str());
  if (!r.threads_note.empty()) std::printf("threads followed the load: %s\n", r.threads_note.c_str());
  if (recording.store() && recording.error().empty() && recording.run_id())
    std::printf("recorded as run %lld in %s\n", (long long)recording.run_id(), recording.store()->path().c_str());
  if (!files_written && r.status != RunStatus::Failed) return kExitFailed;
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

// The trained weights (the checkpoint's, best epoch's if early stopping kept
// them) evaluated on the test set: accuracy, loss, per-class accuracy, confusion.
int cmd_evaluate(const Args& a) {
  if (a.positionals.size() != 1) return bad_input("evaluate needs the run's folder (the --out of its run)");
  const std::string file = a.positionals[0] + "/checkpoint.pt";
  ExperimentConfig cfg;
  int epoch = 0;
  try {
    cfg = checkpoint_config(file);
    epoch = checkpoint_epoch(file);
  } catch (const std::exception& e) {
    return bad_input(error_message(e));
  }
  cfg.training.epochs = epoch;  // nothing left to train: only the final evaluation runs
  Trainer t(cfg);
  try {
    t.resume_from(file);
  } catch (const std::exception& e) {
    return bad_input(error_message(e));
  }
  RunResult r = t.run();
  if (r.input_error) return bad_input(r.reason);
  if (r.status != RunStatus::Completed) {
    std::fprintf(stderr, "error: %s\n", r.reason.c_str());
    return kExitFailed;
  }
  // The weights after epoch N, and (when a validation set selected another
  // epoch, whose weights the checkpoint keeps) the selected ones, which the
  // per-class figures and the confusion matrix below are of.
  const RunNumbers n = run_numbers(cfg, r.history, r);
  std::printf("%s after epoch %d: test accuracy %s, test loss %s\n", cfg.name.c_str(), epoch,
              fmt(r.final_test_accuracy).c_str(), fmt(r.final_test_loss).c_str());
  if (n.selected_epoch != epoch)
    std::printf("selected epoch (%s): test accuracy %s, test loss %s\n", n.selection_text().c_str(),
                fmt(n.test_accuracy).c_str(), fmt(n.test_loss).c_str());
  const auto& names = r.info.class_names;
  for (size_t i = 0; i < r.per_class_accuracy.size(); ++i)
    std::printf("  %-14s %s\n", i < names.size() ? names[i].c_str() : std::to_string(i).c_str(),
                fmt(r.per_class_accuracy[i]).c_str());
  std::printf("confusion matrix (rows: true class, columns: predicted):\n");
  for (const auto& row : r.confusion) {
    for (int64_t v : row) std::printf(" %6lld", (long long)v);
    std::printf("\n");
  }
  return kExitOk;
}

int cmd_info() {
  std::printf("hyperlab %s, LibTorch %s\n", HYPERLAB_VERSION, torch_version().c_str());
  std::printf("BLAS: %s\n", blas_description().c_str());
  std::printf("physical cores: %d\n", physical_cores());
  int n = cuda_device_count();
  std::printf("CUDA devices: %d\n", n);
  return blas_is_optimized() ? kExitOk : kExitFailed;
}

// The options each command uses; any other is refused, never silently ignored.
// "runs SUB" and the modes "sweep --plan", "sweep --collect" and
// "playground --list" have options of their own. --help goes anywhere.
const std::map<std::string, std::vector<std::string>> kCommandOptions = {
    {"run", {"--preset", "--set", "--out", "--db", "--no-db"}},
    {"resume", {"--set", "--db", "--no-db"}},
    {"evaluate", {}},
    {"validate", {"--preset", "--set"}},
    {"summary", {"--preset", "--set"}},
    {"show", {"--preset", "--set"}},
    {"presets", {}},
    {"info", {}},
    {"sweep", {"--preset", "--quick", "--set", "--workers", "--threads", "--time-limit", "--fresh", "--db", "--no-db",
               "--out"}},
    {"sweep --plan", {"--preset", "--quick", "--plan", "--batch", "--set", "--fresh", "--db"}},
    {"sweep --collect", {"--preset", "--quick", "--collect", "--set", "--db", "--out"}},
    {"sweeps", {"--db"}},
    {"playground", {"--function", "--expr", "--preset", "--param", "--optimizer", "--lr", "--start", "--steps",
                    "--every", "--minimum", "--out"}},
    {"playground --list", {"--list"}},
    {"data", {"--dir"}},
    {"attack", {"--epsilon", "--method", "--steps", "--step-size", "--random-start", "--limit", "--out"}},
    {"export", {"--torchscript", "--weights"}},
    {"export-pytorch", {"--preset", "--set", "--weights"}},
    {"runs list", {"--filter", "--status", "--dataset", "--tag", "--sweep", "--format", "--db"}},
    {"runs show", {"--db"}},
    {"runs export", {"--format", "--out", "--db"}},
    {"runs compare", {"--filter", "--status", "--dataset", "--tag", "--sweep", "--format", "--spread", "--out", "--db"}},
    {"runs report", {"--filter", "--status", "--dataset", "--tag", "--sweep", "--spread", "--appendix", "--out", "--db"}},
    {"runs delete", {"--db"}},
    {"runs rename", {"--db"}},
    {"runs tag", {"--db"}},
    {"runs note", {"--db"}},
};

// The first option `mode` does not take, as an error; "" when all are its own
// (or the command is unknown, which is reported as such later).
std::string refused_option(const std::string& mode, const std::vector<std::string>& given) {
  auto it = kCommandOptions.find(mode);
  if (it == kCommandOptions.end()) return "";
  const std::vector<std::string>& takes = it->second;
  for (const std::string& g : given) {
    if (std::find(takes.begin(), takes.end(), g) != takes.end()) continue;
    std::string list;
    for (const std::string& t : takes) list += (list.empty() ? "" : ", ") + t;
    return mode + " does not take " + g + (list.empty() ? " (it takes no options)" : " (it takes: " + list + ")");
  }
  return "";
}

int run_command(int argc, char** argv);

}  // namespace

// The one place an unexpected exception ends up: a message, never `terminate`.
int main(int argc, char** argv) {
  // A file size limit (ulimit -f) then fails the write with EFBIG, which is
  // reported, instead of killing the process.
  std::signal(SIGXFSZ, SIG_IGN);
  try {
    return run_command(argc, argv);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "error: out of memory\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", error_message(e).c_str());
  } catch (...) {
    std::fprintf(stderr, "error: unexpected failure\n");
  }
  return kExitFailed;
}

namespace {

// The options after the command into `a` (each name given once into `given`);
// -1 when they are all understood, else the exit code (--help: 0).
int parse_options(const std::vector<std::string>& args, Args& a, std::vector<std::string>& given) {
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& s = args[i];
    if (s.rfind("--", 0) == 0) {
      const std::string name = s.rfind("--set=", 0) == 0 ? "--set" : s;
      if (std::find(given.begin(), given.end(), name) == given.end()) given.push_back(name);
    }
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
    } else if (s == "--dir") {
      if (!value(a.dir)) return bad_input("--dir needs a folder");
    } else if (s == "--set") {
      if (!value(v)) return bad_input("--set needs key.path=value");
      a.sets.push_back(v);
    } else if (s.rfind("--set=", 0) == 0) {
      a.sets.push_back(s.substr(6));
    } else if (s == "--db") {
      if (!value(a.db)) return bad_input("--db needs a file");
    } else if (s == "--no-db") {
      a.no_db = true;
    } else if (s == "--format") {
      if (!value(a.format)) return bad_input("--format needs csv or json");
    } else if (s == "--spread") {
      if (!value(a.spread)) return bad_input("--spread needs se or sd");
    } else if (s == "--appendix") {
      a.appendix = true;
    } else if (s == "--filter") {
      if (!value(a.filter.text)) return bad_input("--filter needs a text");
    } else if (s == "--status") {
      if (!value(a.filter.status)) return bad_input("--status needs a status");
    } else if (s == "--dataset") {
      if (!value(a.filter.dataset)) return bad_input("--dataset needs a name");
    } else if (s == "--tag") {
      if (!value(a.filter.tag)) return bad_input("--tag needs a tag");
    } else if (s == "--workers" || s == "--threads" || s == "--batch" || s == "--time-limit" || s == "--sweep") {
      char* end = nullptr;
      if (!value(v)) return bad_input(s + " needs a number");
      const double x = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end || !(x >= 0) || !std::isfinite(x))
        return bad_input(s + " needs a number >= 0, got \"" + v + "\"");
      if (s != "--time-limit" && (x != std::floor(x) || x > 1e6))
        return bad_input(s + " needs a whole number from 0 to 1000000, got \"" + v + "\"");
      if (s == "--workers") a.workers = static_cast<int>(x);
      if (s == "--threads") a.threads = static_cast<int>(x);
      if (s == "--batch") a.batch = static_cast<int>(x);
      if (s == "--time-limit") a.time_limit_min = x;
      if (s == "--sweep") a.filter.sweep_id = static_cast<int64_t>(x);
    } else if (s == "--function") {
      if (!value(a.function)) return bad_input("--function needs a name");
    } else if (s == "--expr") {
      if (!value(a.expr)) return bad_input("--expr needs an expression in x and y");
    } else if (s == "--optimizer") {
      if (!value(v)) return bad_input("--optimizer needs NAME[,key=value...]");
      a.optimizers.push_back(v);
    } else if (s == "--minimum") {
      if (!value(a.minimum)) return bad_input("--minimum needs X,Y");
    } else if (s == "--start") {
      if (!value(a.start)) return bad_input("--start needs X,Y");
    } else if (s == "--list") {
      a.list = true;
    } else if (s == "--lr" || s == "--steps" || s == "--every" || s == "--param") {
      char* end = nullptr;
      if (!value(v)) return bad_input(s + " needs a number");
      const double x = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end || !(x > 0) || !std::isfinite(x))
        return bad_input(s + " needs a positive number, got \"" + v + "\"");
      if ((s == "--steps" || s == "--every") && (x != std::floor(x) || x > playground::kMaxSteps))
        return bad_input(s + " needs a whole number from 1 to " + std::to_string(playground::kMaxSteps) + ", got \"" +
                         v + "\"");
      if (s == "--lr") a.lr = x;
      if (s == "--param") a.param = x;
      if (s == "--steps") a.steps = static_cast<int>(x);
      if (s == "--every") a.every = static_cast<int>(x);
    } else if (s == "--epsilon") {
      if (!value(a.epsilon)) return bad_input("--epsilon needs a list like 0,0.01,0.05");
    } else if (s == "--method") {
      if (!value(a.method)) return bad_input("--method needs fgsm or pgd");
    } else if (s == "--step-size" || s == "--limit") {
      char* end = nullptr;
      if (!value(v)) return bad_input(s + " needs a number");
      const double x = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end || !(x >= 0) || !std::isfinite(x))
        return bad_input(s + " needs a number >= 0, got \"" + v + "\"");
      if (s == "--limit" && (x != std::floor(x) || x > 1e9))
        return bad_input("--limit needs a whole number of test images, got \"" + v + "\"");
      if (s == "--step-size") a.step_size = x;
      else a.limit = static_cast<int>(x);
    } else if (s == "--torchscript") {
      if (!value(a.torchscript)) return bad_input("--torchscript needs a file (model.pt)");
    } else if (s == "--weights") {
      if (!value(a.weights)) return bad_input("--weights needs a file (model.pth)");
    } else if (s == "--random-start") {
      a.random_start = true;
    } else if (s == "--fresh") {
      a.fresh = true;
    } else if (s == "--quick") {
      a.quick = true;
    } else if (s == "--plan") {
      if (!value(a.plan)) return bad_input("--plan needs a folder");
    } else if (s == "--collect") {
      if (!value(a.collect)) return bad_input("--collect needs a folder");
    } else if (s == "--help" || s == "-h") {
      std::fputs(kHelp, stdout);
      return kExitOk;
    } else if (!s.empty() && s[0] == '-') {
      return bad_input("unknown option " + s + " (see hyperlab-cli --help)");
    } else {
      a.positionals.push_back(s);
    }
  }
  return -1;
}

int cmd_presets() {
  for (const auto& p : embedded_presets()) {
    ConfigResult r = parse_config_text(p.json, p.name);
    std::printf("%-20s %s\n", p.name, r.config.description.c_str());
  }
  std::printf("\nsweep presets (hyperlab-cli sweep --preset NAME [--quick]):\n");
  for (const std::string& n : sweep_preset_names())
    std::printf("%-26s %s\n", n.c_str(), load_sweep_preset(n, false).spec.description.c_str());
  return kExitOk;
}

// validate, summary, show: a config resolved from its file or preset and --set.
int cmd_config(const Args& a) {
  ExperimentConfig cfg;
  std::string err;
  if (!resolve_config(a, cfg, err)) return bad_input(err);
  if (a.command != "show" && !(err = resource_errors(cfg)).empty()) return bad_input(err);
  if (a.command == "validate") std::printf("ok: %s is valid\n", cfg.name.c_str());
  if (a.command == "show") std::printf("%s", config_to_text(cfg).c_str());
  if (a.command == "summary") {
    DataSpec d = data_spec(cfg.data);
    std::printf("%s: input %s, %d classes\n%s", cfg.name.c_str(), shape_str(d.input).c_str(), d.classes,
                summarize(cfg).table().c_str());
    std::printf("%s\n", memory_summary(estimate_memory(cfg)).c_str());
  }
  return kExitOk;
}

int run_command(int argc, char** argv) {
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
  std::vector<std::string> given;  // the options given, each once, for kCommandOptions
  if (int rc = parse_options(args, a, given); rc >= 0) return rc;
  if ((a.command == "presets" || a.command == "info" || a.command == "sweeps") && !a.positionals.empty())
    return bad_input("unexpected argument " + a.positionals[0] + " (" + a.command + " takes none)");
  std::string mode = a.command;
  if (a.command == "runs" && !a.positionals.empty()) mode += " " + a.positionals[0];
  if (a.command == "sweep" && !a.plan.empty()) mode = "sweep --plan";
  else if (a.command == "sweep" && !a.collect.empty()) mode = "sweep --collect";
  if (a.command == "playground" && a.list) mode = "playground --list";
  if (std::string e = refused_option(mode, given); !e.empty()) return bad_input(e);

  if (a.command == "runs") return cmd_runs(a);
  if (a.command == "resume") return cmd_resume(a);
  if (a.command == "evaluate") return cmd_evaluate(a);
  if (a.command == "sweep") return cmd_sweep(a);
  if (a.command == "sweeps") return cmd_sweeps(a);
  if (a.command == "playground") return cmd_playground(a);
  if (a.command == "data") return cmd_data(a);
  if (a.command == "attack") return cmd_attack(a);
  if (a.command == "export") return cmd_export(a);
  if (a.positionals.size() > 1) return bad_input("unexpected argument " + a.positionals[1]);
  if (!a.positionals.empty()) a.config_file = a.positionals[0];
  if (!a.config_file.empty() && !a.preset.empty()) return bad_input("give a config file or --preset, not both");

  if (a.command == "run") return cmd_run(a);
  if (a.command == "presets") return cmd_presets();
  if (a.command == "info") return cmd_info();
  if (a.command == "validate" || a.command == "summary" || a.command == "show") return cmd_config(a);
  if (a.command == "export-pytorch") {
    ExperimentConfig cfg;
    std::string err;
    if (!resolve_config(a, cfg, err)) return bad_input(err);
    return cmd_export_pytorch(a, cfg);
  }
  return bad_input("unknown command \"" + a.command + "\" (see hyperlab-cli --help)");
}
}  // namespace
