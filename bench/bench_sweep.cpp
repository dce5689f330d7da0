// hyperlab-bench-sweep: what a sweep costs beyond its trials' training, and
// what running trials in parallel gains.
//
//   hyperlab-bench-sweep [--trials N] [--train-limit N]
//
// 1. Parallel trials: N small trials (shallow-sigmoid, one epoch on a
//    train_limit subset; too small to use two threads well) run one after
//    another on 1 thread, one after another on every core, and two at once
//    on one thread each. Prints wall times and the speed-up.
// 2. Per-trial overhead: fashion-baseline trials of one epoch (recorded in a
//    temporary history, two seeds each): wall time per trial minus the time
//    its epoch took, against that epoch. Target: under 5 %.
// Data come from the Debian package dataset-fashion-mnist.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "config/presets.h"
#include "store/runstore.h"
#include "sweep/runner.h"
#include "sweep/sweep.h"
#include "train/trainer.h"

using namespace hyperlab;

namespace {

SweepSpec spec_of(const std::string& preset, int trials, int train_limit, int repeats) {
  nlohmann::json base = nlohmann::json::parse(preset_text(preset));
  base["training"]["epochs"] = 1;
  if (train_limit > 0) base["data"]["train_limit"] = train_limit;
  nlohmann::json values = nlohmann::json::array();
  for (int i = 0; i < trials; ++i) values.push_back(0.001 * (i + 1));
  nlohmann::json j = {{"version", 1},
                      {"name", "bench-" + preset},
                      {"base", {{"config", base}}},
                      {"params", {{{"key", "training.optimizer.lr"}, {"values", values}}}},
                      {"strategy", {{"type", "grid"}}},
                      {"repeats", repeats}};
  SweepResult r = parse_sweep_text(j.dump(), "bench");
  if (!r.ok()) {
    std::fprintf(stderr, "bench sweep: %s: %s\n", r.errors[0].path.c_str(), r.errors[0].message.c_str());
    std::exit(1);
  }
  return r.spec;
}

SweepOutcome run(const SweepSpec& s, int workers, int threads, const std::string& db = "") {
  SweepOptions o;
  o.workers = workers, o.threads = threads, o.store_path = db, o.fresh = true;
  SweepOutcome out = SweepRunner(s, o).run();
  if (out.status != "completed") {
    std::fprintf(stderr, "bench sweep %s: %s\n", out.status.c_str(), out.message.c_str());
    std::exit(1);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int trials = 8, train_limit = 12000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--trials" && i + 1 < argc) trials = std::stoi(argv[++i]);
    else if (a == "--train-limit" && i + 1 < argc) train_limit = std::stoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: hyperlab-bench-sweep [--trials N] [--train-limit N]\n");
      return 2;
    }
  }
  const int cores = physical_cores();
  std::printf("hyperlab-bench-sweep: %d physical cores, BLAS %s\n\n", cores, blas_description().c_str());

  // 1. Parallel trials.
  SweepSpec small = spec_of("shallow-sigmoid", trials, train_limit, 1);
  std::printf("1. %d trials of shallow-sigmoid, 1 epoch of %d images each (not recorded)\n", trials, train_limit);
  run(small, 1, 1);  // warm-up: data read, allocator, OpenMP pool
  const double seq1 = run(small, 1, 1).seconds;
  const double seqn = run(small, 1, cores).seconds;
  const double par = run(small, cores, 1).seconds;
  std::printf("   one after another, 1 thread each:    %6.2f s\n", seq1);
  std::printf("   one after another, %d threads each:   %6.2f s\n", cores, seqn);
  std::printf("   %d at once, 1 thread each:            %6.2f s\n", cores, par);
  std::printf("   speed-up of %d at once: %.2fx over one after another on 1 thread, %.2fx over %d threads each\n\n",
              cores, seq1 / par, seqn / par, cores);

  // 2. Per-trial overhead against a one-epoch fashion-baseline trial.
  char tmpl[] = "/tmp/hyperlab-bench-sweep-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const std::string db = dir + "/runs.db";
  const int base_trials = 3;
  SweepSpec base = spec_of("fashion-baseline", base_trials, 0, 2);
  std::printf("2. %d fashion-baseline trials x 2 seeds, 1 epoch each, recorded in a history\n", base_trials);
  run(spec_of("fashion-baseline", 1, 0, 1), 1, 0);  // warm-up
  SweepOutcome out = run(base, 1, 0, db);
  double epochs = 0;
  int runs = 0;
  {
    RunStore st(db);
    for (int64_t id : out.run_ids) {
      auto r = st.load(id);
      for (const EpochEvent& e : r->history) epochs += e.seconds;
      ++runs;
    }
  }
  const double per_run = (out.seconds - out.setup_seconds) / runs, per_epoch = epochs / runs;
  std::printf("   once per sweep: %.3f s (opening the history, loading the dataset)\n", out.setup_seconds);
  std::printf("   wall per trial run %.3f s, its epoch %.3f s (training and evaluation)\n", per_run, per_epoch);
  std::printf("   overhead per trial %.3f s = %.1f %% of a one-epoch trial (target < 5 %%)\n", per_run - per_epoch,
              100 * (per_run - per_epoch) / per_epoch);
  std::filesystem::remove_all(dir);
  return 0;
}
