// hyperlab-cli sweep SWEEP.json: a hyper-parameter search, trial after trial.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>

#include "cli.h"
#include "config/config_json.h"
#include "store/compare.h"
#include "store/report.h"
#include "store/runstore.h"
#include "train/report.h"
#include "sweep/sweep.h"
#include "train/trainer.h"

namespace hyperlab::cli {

// A sweep, trial after trial: each trial (and each repeat seed) is an
// ordinary run in the history, tagged "sweep:NAME".
int cmd_sweep(const Args& a) {
  if (a.positionals.size() != 1) return bad_input("sweep needs a sweep file");
  SweepResult sr = load_sweep_file(a.positionals[0]);
  if (!sr.ok()) {
    std::string all;
    for (const ConfigError& e : sr.errors) all += e.path + ": " + e.message + "\n";
    return bad_input(all);
  }
  const SweepSpec& s = sr.spec;
  std::unique_ptr<RunStore> store;
  if (!a.no_db) {
    try {
      store = std::make_unique<RunStore>(a.db.empty() ? RunStore::default_path() : a.db);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "warning: the sweep's runs are not recorded: %s\n", e.what());
    }
  }
  std::signal(SIGINT, on_sigint);
  auto strategy = make_strategy(s);
  std::printf("sweep %s: %s, %d repeat%s per configuration, objective %s %s\n", s.name.c_str(), s.strategy.c_str(),
              s.repeats, s.repeats == 1 ? "" : "s", s.maximize ? "max" : "min", s.metric.c_str());
  double best_value = NAN;
  Settings best_settings;
  std::vector<int64_t> run_ids;
  int trials = 0;
  while (!strategy->finished() && !g_interrupted) {
    std::optional<Trial> t = strategy->ask();
    if (!t) break;
    double sum = 0;
    int n = 0;
    for (int rep = 0; rep < s.repeats && !g_interrupted; ++rep) {
      ConfigResult cr = trial_config(s, *t, rep);
      if (!cr.ok()) return bad_input(cr.error_text());
      Trainer trainer(cr.config);
      std::unique_ptr<RunRecorder> rec;
      if (store) rec = std::make_unique<RunRecorder>(*store, cr.config);
      RunCallbacks cb;
      cb.on_batch = [](const BatchEvent&) { return g_interrupted == 0; };
      cb.on_epoch = [](const EpochEvent&) { return g_interrupted == 0; };
      RunResult r = trainer.run(rec ? rec->wrap(cb) : cb);
      if (r.input_error) return bad_input(r.reason);
      if (rec) {
        rec->on_finish(r);
        if (rec->run_id()) {
          store->set_tags(rec->run_id(), "sweep:" + s.name);
          run_ids.push_back(rec->run_id());
        }
      }
      // The trial's value: the best epoch's metric (NaN for a diverged run: it counts as worst).
      double v = NAN;
      for (const EpochEvent& e : r.history) {
        const double m = epoch_metric(e, s.metric);
        if (std::isfinite(m) && (!std::isfinite(v) || (s.maximize ? m > v : m < v))) v = m;
      }
      if (std::isfinite(v)) sum += v, ++n;
    }
    const double value = n ? sum / n : NAN;
    strategy->tell(t->id, std::isfinite(value) ? (s.maximize ? -value : value) : INFINITY);
    ++trials;
    std::string settings;
    for (const auto& [k, v] : t->settings) settings += (settings.empty() ? "" : ", ") + k + "=" + v;
    const bool better = std::isfinite(value) && (!std::isfinite(best_value) || (s.maximize ? value > best_value : value < best_value));
    if (better) best_value = value, best_settings = t->settings;
    std::printf("trial %3d  %-48s epochs %-3d %s %s%s\n", t->id, settings.c_str(), t->resource ? t->resource : 0,
                s.metric.c_str(), fmt(value).c_str(), better ? "  *best so far" : "");
    std::fflush(stdout);
  }
  std::signal(SIGINT, SIG_DFL);
  std::printf("%s after %d trials; best %s %s with", g_interrupted ? "stopped" : "done", trials, s.metric.c_str(),
              fmt(best_value).c_str());
  for (const auto& [k, v] : best_settings) std::printf(" %s=%s", k.c_str(), v.c_str());
  std::printf("\n");
  if (store && !run_ids.empty()) {
    std::vector<RunRecord> recs;
    for (int64_t id : run_ids) recs.push_back(*store->load(id));
    std::printf("\n%s", comparison_markdown(compare_runs(recs)).c_str());
    if (!a.out.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(a.out, ec);
      write_file_atomic(a.out + "/comparison.md", comparison_markdown(compare_runs(recs)));
      write_file_atomic(a.out + "/report.html", report_html(make_report(recs, "Sweep " + s.name)));
    }
  }
  return g_interrupted ? kExitCancelled : kExitOk;
}

}  // namespace hyperlab::cli
