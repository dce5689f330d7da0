// hyperlab-cli sweep SWEEP.json: a hyper-parameter search, here (trials in
// parallel) or on a cluster (--plan / --collect); hyperlab-cli sweeps.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <atomic>
#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "config/config_json.h"
#include "store/compare.h"
#include "store/report.h"
#include "store/runstore.h"
#include "sweep/analysis.h"
#include "sweep/runner.h"
#include "sweep/sweep.h"
#include "train/report.h"
#include "train/trainer.h"

namespace hyperlab::cli {

namespace {

namespace fs = std::filesystem;

std::string self_path() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("hyperlab-cli") : p.string();
}

// The comparison table of the sweep's runs, and comparison.md + report.html in --out.
void print_results(const Args& a, const SweepSpec& s, const SweepOutcome& out) {
  const std::vector<ConfigSummary> sum = summarize_sweep(out.trials, s.maximize);
  if (!sum.empty()) {
    std::printf("\nobjective (%s %s) per configuration over its seeds:\n%s", s.maximize ? "max" : "min",
                s.metric.c_str(), sweep_summary_markdown(sum, s).c_str());
    if (!a.out.empty()) {
      std::error_code ec;
      fs::create_directories(a.out, ec);
      write_file_atomic(a.out + "/summary.md", sweep_summary_markdown(sum, s));
      write_file_atomic(a.out + "/summary.csv", sweep_summary_csv(sum, s));
      write_file_atomic(a.out + "/summary.tex", sweep_summary_latex(sum, s));
    }
  }
  if (out.run_ids.empty() || a.no_db) return;
  try {
    RunStore store(a.db.empty() ? RunStore::default_path() : a.db);
    std::vector<RunRecord> recs;
    for (int64_t id : out.run_ids)
      if (auto r = store.load(id)) recs.push_back(std::move(*r));
    const Comparison cmp = compare_runs(recs);
    std::printf("\nthe same runs as the History tab compares them (%s):\n%s", cmp.caption().c_str(),
                comparison_markdown(cmp).c_str());
    if (!a.out.empty()) {
      std::error_code ec;
      fs::create_directories(a.out, ec);
      write_file_atomic(a.out + "/comparison.md", comparison_markdown(cmp));
      write_file_atomic(a.out + "/comparison.csv", comparison_csv(cmp));
      write_file_atomic(a.out + "/report.html", report_html(make_sweep_report(s, out.trials, recs)));
      std::printf("\nwrote %s/summary.{md,csv,tex}, comparison.{md,csv} and report.html\n", a.out.c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "warning: %s\n", e.what());
  }
}

void print_outcome(const SweepSpec& s, const SweepOutcome& out) {
  std::printf("%s: %d trial%s with a result", out.status.c_str(), out.trials_done, out.trials_done == 1 ? "" : "s");
  if (out.resumed_trials) std::printf(" (%d from earlier sessions)", out.resumed_trials);
  std::printf(", %d run%s trained in %.1f s", out.runs_trained, out.runs_trained == 1 ? "" : "s", out.seconds);
  if (!out.message.empty()) std::printf("; %s", out.message.c_str());
  std::printf("\n");
  if (out.best_trial >= 0) {
    for (const TrialRow& r : out.trials)
      if (r.id == out.best_trial)
        std::printf("best %s %s: trial %d, %s\n", s.metric.c_str(), fmt(out.best_value).c_str(), r.id,
                    settings_label(s, r.settings).c_str());
  }
  if (out.sweep_id) std::printf("sweep %lld in the run history (hyperlab-cli runs list --sweep %lld)\n",
                                (long long)out.sweep_id, (long long)out.sweep_id);
}

int exit_code(const SweepOutcome& out) {
  if (out.status == "completed") return kExitOk;
  if (out.status == "failed") return bad_input(out.message);
  return kExitCancelled;  // stopped or out of time: resumable
}

// --plan DIR: one config per job, jobs.txt, a Slurm job-array script and plan.json.
int plan(const Args& a, const SweepSpec& s, SweepRunner& runner) {
  std::string err;
  std::vector<SweepRunner::Job> jobs = runner.plan(a.batch, err);
  if (!err.empty()) return bad_input(err);
  if (jobs.empty()) {  // the folder keeps the last plan
    SweepOutcome out = runner.outcome();
    std::printf("nothing to plan: %s\n", out.status == "completed" ? "the sweep is complete"
                                                                  : "no trial can start before more results are collected");
    print_outcome(s, out);
    return kExitOk;
  }
  const std::string dir = a.plan;
  std::error_code ec;
  fs::create_directories(dir + "/trials", ec);
  fs::create_directories(dir + "/results", ec);
  fs::create_directories(dir + "/logs", ec);
  if (ec) return bad_input(dir + ": cannot create the folder (" + ec.message() + ")");
  nlohmann::json pj;
  pj["sweep"] = s.name;
  pj["jobs"] = nlohmann::json::array();
  std::string list;
  for (const SweepRunner::Job& j : jobs) {
    write_file_atomic(dir + "/trials/" + j.name + ".json", config_to_text(j.config));
    pj["jobs"].push_back({{"name", j.name}, {"trial", j.trial}, {"repeat", j.repeat}});
    list += j.name + "\n";
  }
  write_file_atomic(dir + "/jobs.txt", list);
  write_file_atomic(dir + "/plan.json", pj.dump(2) + "\n");
  const std::string n = std::to_string(jobs.size());
  const std::string last = std::to_string(jobs.empty() ? 0 : jobs.size() - 1);
  std::string script = "#!/bin/bash\n"
                       "# Hyperlab sweep \"" + s.name + "\": " + n + " jobs, one per trial and seed.\n"
                       "# Submit from this folder:  sbatch sweep.sbatch\n"
                       "# Without Slurm:            bash run-local.sh\n"
                       "# Then import the results: hyperlab-cli sweep SWEEP.json --collect " + dir + "\n"
                       "#SBATCH --job-name=hyperlab-" + s.name + "\n"
                       "#SBATCH --array=0-" + last + "\n"
                       "#SBATCH --cpus-per-task=2\n"
                       "#SBATCH --output=logs/%x-%a.out\n"
                       "set -euo pipefail\n"
                       "cd \"${SLURM_SUBMIT_DIR:-$(dirname \"$0\")}\"\n"
                       "HYPERLAB_CLI=\"${HYPERLAB_CLI:-" + self_path() + "}\"\n"
                       "JOB=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" jobs.txt)\n"
                       "[ -n \"$JOB\" ] || { echo \"no job $SLURM_ARRAY_TASK_ID in jobs.txt\" >&2; exit 2; }\n"
                       "[ -f \"results/$JOB/result.json\" ] && exit 0   # done already\n"
                       "exec \"$HYPERLAB_CLI\" run \"trials/$JOB.json\" --out \"results/$JOB\" --no-db \\\n"
                       "  --set training.threads=\"${SLURM_CPUS_PER_TASK:-0}\"\n";
  write_file_atomic(dir + "/sweep.sbatch", script);
  write_file_atomic(dir + "/run-local.sh",
                    "#!/bin/bash\n# Runs every job of sweep.sbatch here, one after another.\n"
                    "cd \"$(dirname \"$0\")\"\n"
                    "for i in $(seq 0 " + last + "); do SLURM_ARRAY_TASK_ID=$i bash sweep.sbatch || true; done\n");
  fs::permissions(dir + "/sweep.sbatch", fs::perms::owner_exec, fs::perm_options::add, ec);
  fs::permissions(dir + "/run-local.sh", fs::perms::owner_exec, fs::perm_options::add, ec);
  std::printf("planned %zu job%s in %s (trials/, jobs.txt, sweep.sbatch, run-local.sh)\n", jobs.size(),
              jobs.size() == 1 ? "" : "s", dir.c_str());
  std::printf("submit:  cd %s && sbatch sweep.sbatch\nthen:    hyperlab-cli sweep SWEEP.json --collect %s\n",
              dir.c_str(), dir.c_str());
  if (s.strategy != "grid" && s.strategy != "random")
    std::printf("%s adapts to results: collect, then --plan again for the next trials\n", s.strategy.c_str());
  return kExitOk;
}

// --collect DIR: the results of planned jobs into the history and the sweep.
int collect(const Args& a, const SweepSpec& s, SweepRunner& runner) {
  const std::string dir = a.collect;
  std::ifstream in(dir + "/plan.json");
  if (!in) return bad_input(dir + "/plan.json: cannot read it (is this a --plan folder?)");
  nlohmann::json pj;
  try {
    in >> pj;
  } catch (const std::exception& e) {
    return bad_input(dir + "/plan.json: " + e.what());
  }
  if (pj.value("sweep", "") != s.name)
    return bad_input(dir + "/plan.json: planned for sweep \"" + pj.value("sweep", "") + "\", not \"" + s.name + "\"");
  int collected = 0, missing = 0, skipped = 0, bad = 0;
  for (const auto& jj : pj.value("jobs", nlohmann::json::array())) {
    SweepRunner::Job job;
    job.name = jj.value("name", ""), job.trial = jj.value("trial", -1), job.repeat = jj.value("repeat", -1);
    const std::string rdir = dir + "/results/" + job.name;
    if (!fs::exists(rdir + "/result.json")) {
      ++missing;
      continue;
    }
    ExperimentConfig c;
    RunResult r;
    std::string err;
    try {
      read_run_files(rdir, c, r);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "warning: %s\n", e.what());
      ++bad;
      continue;
    }
    if (runner.collect(job, c, r, err)) {
      ++collected;
      std::printf("collected %-16s %s %s\n", job.name.c_str(), status_name(r.status), fmt(r.test_accuracy).c_str());
    } else if (err.find("already collected") != std::string::npos) {
      ++skipped;
    } else {
      std::fprintf(stderr, "warning: %s\n", err.c_str());
      ++bad;
    }
  }
  std::printf("collected %d, already in %d, not finished %d, unusable %d\n", collected, skipped, missing, bad);
  SweepOutcome out = runner.outcome();
  print_outcome(s, out);
  if (out.status != "completed" && missing == 0)
    std::printf("next: hyperlab-cli sweep SWEEP.json --plan %s\n", dir.c_str());
  print_results(a, s, out);
  return bad ? kExitFailed : kExitOk;
}

}  // namespace

int cmd_sweep(const Args& a) {
  if (!a.preset.empty() && !a.positionals.empty()) return bad_input("give a sweep file or --preset, not both");
  if (a.preset.empty() && a.quick) return bad_input("--quick is the short form of a sweep preset: give --preset NAME");
  if (a.preset.empty() && a.positionals.size() != 1)
    return bad_input("sweep needs a sweep file or --preset NAME (see hyperlab-cli presets)");
  // --set changes the base config.
  SweepResult sr = a.preset.empty() ? load_sweep_file(a.positionals[0], a.sets) : load_sweep_preset(a.preset, a.quick, a.sets);
  if (!sr.ok()) {
    std::string all;
    for (const ConfigError& e : sr.errors) all += e.str() + "\n";
    return bad_input(all);
  }
  const SweepSpec& s = sr.spec;
  SweepOptions o;
  if (!a.no_db) o.store_path = a.db.empty() ? RunStore::default_path() : a.db;
  o.workers = a.workers, o.threads = a.threads, o.fresh = a.fresh;
  o.time_limit_s = a.time_limit_min >= 0 ? a.time_limit_min * 60 : -1;
  SweepRunner runner(s, o);
  if (!a.plan.empty()) return plan(a, s, runner);
  if (!a.collect.empty()) return collect(a, s, runner);

  const int workers = std::max(1, o.workers > 0 ? o.workers : s.workers);
  std::printf("sweep %s: %s, %d worker%s, %d repeat%s per configuration, objective %s %s\n", s.name.c_str(),
              s.strategy.c_str(), workers, workers == 1 ? "" : "s", s.repeats, s.repeats == 1 ? "" : "s",
              s.maximize ? "max" : "min", s.metric.c_str());
  std::fflush(stdout);
  std::signal(SIGINT, on_sigint);
  // Ctrl-C: the handler sets a flag; a watcher turns it into a stop.
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done) {
      if (g_interrupted) {
        runner.request_stop();
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  double best = NAN;
  SweepCallbacks cb;
  cb.on_event = [&](const SweepEvent& e) {
    if (e.kind != SweepEvent::Kind::Trial || e.trial.resumed) return;
    const TrialRow& r = e.trial;
    if (r.status != "done" && r.status != "diverged" && r.status != "failed" && r.status != "cancelled") return;
    const bool better = std::isfinite(r.value) && (!std::isfinite(best) || (s.maximize ? r.value > best : r.value < best));
    if (better) best = r.value;
    std::string reason = r.reason;
    for (char& c : reason)
      if (c == '\n') c = ';';
    std::printf("trial %3d  %-44s %s%s %s  %s%s%s\n", r.id, settings_label(s, r.settings).c_str(),
                r.resource ? ("epochs " + std::to_string(r.resource) + "  ").c_str() : "", s.metric.c_str(),
                fmt(r.value).c_str(), r.status.c_str(), better ? "  *best so far" : "",
                reason.empty() ? "" : ("  (" + reason + ")").c_str());
    std::fflush(stdout);
  };
  SweepOutcome out = runner.run(cb);
  done = true;
  watcher.join();
  std::signal(SIGINT, SIG_DFL);
  print_outcome(s, out);
  print_results(a, s, out);
  return exit_code(out);
}

int cmd_sweeps(const Args& a) {
  try {
    RunStore store(a.db.empty() ? RunStore::default_path() : a.db);
    std::printf("%-4s %-24s %-12s %-5s %-20s %s\n", "id", "name", "status", "runs", "created", "note");
    for (const SweepSummary& w : store.list_sweeps())
      std::printf("%-4lld %-24s %-12s %-5d %-20s %s\n", (long long)w.id, w.name.c_str(), w.status.c_str(), w.runs,
                  w.created.c_str(), w.reason.c_str());
  } catch (const std::exception& e) {
    return bad_input(e.what());
  }
  return kExitOk;
}

}  // namespace hyperlab::cli
