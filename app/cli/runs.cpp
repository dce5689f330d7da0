// hyperlab-cli runs ...: the run history from the command line.
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
#include "train/trainer.h"

namespace hyperlab::cli {

namespace {
bool parse_id(const std::string& s, int64_t& id) {
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end || v <= 0) return false;
  id = v;
  return true;
}

// The runs named, or else all that pass the filter.
std::vector<RunRecord> chosen_runs(const RunStore& store, std::vector<int64_t> ids, const RunFilter& filter) {
  if (ids.empty())
    for (const RunSummary& r : store.list(filter)) ids.push_back(r.id);
  std::vector<RunRecord> recs;
  for (int64_t id : ids)
    if (auto r = store.load(id)) recs.push_back(std::move(*r));
  return recs;
}

}  // namespace

int cmd_runs(const Args& a) {
  const std::vector<std::string>& p = a.positionals;
  if (p.empty()) return bad_input("runs needs a subcommand: list, show, export, delete, rename, tag, note");
  const std::string& sub = p[0];
  std::unique_ptr<RunStore> store;
  try {
    store = std::make_unique<RunStore>(a.db.empty() ? RunStore::default_path() : a.db);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitFailed;
  }
  std::vector<int64_t> ids;
  for (size_t i = 1; i < p.size(); ++i) {
    int64_t id = 0;
    if (sub == "rename" || sub == "tag" || sub == "note") {
      if (i >= 2) break;
    }
    if (!parse_id(p[i], id)) return bad_input("\"" + p[i] + "\" is not a run number (see hyperlab-cli runs list)");
    if (!store->exists(id)) return bad_input("no run " + p[i] + " in " + store->path());
    ids.push_back(id);
  }
  const RunFilter& f = a.filter;
  const bool filtered = !f.text.empty() || !f.status.empty() || !f.dataset.empty() || !f.tag.empty() || f.sweep_id;
  if ((sub == "compare" || sub == "report") && !ids.empty() && filtered)
    return bad_input("runs " + sub + " takes run numbers or a filter (--filter, --status, --dataset, --tag, "
                     "--sweep), not both");
  Spread spread = Spread::SE;
  if (!a.spread.empty() && !parse_spread(a.spread, spread))
    return bad_input("--spread is se (standard error of the mean) or sd (standard deviation), got \"" + a.spread + "\"");
  try {
    if (sub == "list") {
      if (!ids.empty()) return bad_input("runs list takes no run numbers (it lists by --filter, --status, ...)");
      if (!a.format.empty() && a.format != "csv") return bad_input("runs list: --format is csv, got \"" + a.format + "\"");
      std::vector<RunSummary> runs = store->list(a.filter);
      if (a.format == "csv") {
        std::printf("%s", runs_csv(runs).c_str());
        return kExitOk;
      }
      std::printf("%5s  %-22s %-19s %-13s %-13s %-24s %-8s %9s %7s %9s %9s %8s\n", "run", "name", "created (UTC)",
                  "status", "dataset", "model", "optim", "lr", "epochs", "best val", "test acc", "seconds");
      for (const RunSummary& r : runs)
        std::printf("%5lld  %-22.22s %-19s %-13s %-13.13s %-24.24s %-8s %9.3g %3d/%-3d %9s %9s %8.1f\n",
                    (long long)r.id, r.name.c_str(), r.created.c_str(), r.status.c_str(), r.dataset.c_str(),
                    r.model.c_str(), r.optimizer.c_str(), r.lr, r.epochs_run, r.epochs,
                    fmt(r.best_val_accuracy).c_str(), fmt(r.test_accuracy).c_str(), r.seconds);
      std::printf("%zu run%s in %s\n", runs.size(), runs.size() == 1 ? "" : "s", store->path().c_str());
      return kExitOk;
    }
    if (sub == "show") {
      if (ids.size() != 1) return bad_input("runs show needs one run number");
      RunRecord r = *store->load(ids[0]);
      const RunSummary& s = r.summary;
      std::printf("run %lld: %s\ncreated %s UTC, status %s%s%s\n", (long long)s.id, s.name.c_str(), s.created.c_str(),
                  s.status.c_str(), s.reason.empty() ? "" : ": ", s.reason.c_str());
      std::printf("dataset %s, model %s, %s lr %g, batch %lld, seed %llu, device %s\n", s.dataset.c_str(),
                  s.model.c_str(), s.optimizer.c_str(), s.lr, (long long)s.batch_size, (unsigned long long)s.seed,
                  s.device.c_str());
      std::printf("epochs %d/%d, best epoch %d, test accuracy %s, test loss %s, %.1f s\n", s.epochs_run, s.epochs,
                  s.best_epoch, fmt(s.test_accuracy).c_str(), fmt(s.test_loss).c_str(), s.seconds);
      if (!s.tags.empty()) std::printf("tags: %s\n", s.tags.c_str());
      if (!s.notes.empty()) std::printf("notes: %s\n", s.notes.c_str());
      std::printf("%5s %10s %9s %10s %9s %10s %9s %10s\n", "epoch", "train loss", "train acc", "val loss", "val acc",
                  "test loss", "test acc", "lr");
      for (const EpochEvent& e : r.history)
        std::printf("%5d %10s %9s %10s %9s %10s %9s %10s%s\n", e.epoch, fmt(e.train_loss).c_str(),
                    fmt(e.train_accuracy).c_str(), fmt(e.val_loss).c_str(), fmt(e.val_accuracy).c_str(),
                    fmt(e.test_loss).c_str(), fmt(e.test_accuracy).c_str(), fmt(e.lr, "%.4g").c_str(),
                    e.best ? "  *best" : "");
      return kExitOk;
    }
    if (sub == "export") {
      if (ids.empty()) return bad_input("runs export needs run numbers");
      if (a.format != "csv" && a.format != "json") return bad_input("runs export needs --format csv or --format json");
      std::string text;
      if (a.format == "json") {
        text = "[\n";
        for (size_t i = 0; i < ids.size(); ++i) text += (i ? ",\n" : "") + run_json(*store->load(ids[i]));
        text += "]\n";
      } else {
        // One row per run and epoch, ready for a spreadsheet or pgfplots.
        text = "run,name,epoch,train_loss,train_accuracy,val_loss,val_accuracy,test_loss,test_accuracy,lr,grad_ratio,seconds\n";
        for (int64_t id : ids) {
          RunRecord r = *store->load(id);
          auto n = [](double v) { return std::isfinite(v) ? fmt(v, "%.6g") : std::string(); };
          for (const EpochEvent& e : r.history)
            text += std::to_string(id) + "," + r.summary.name + "," + std::to_string(e.epoch) + "," + n(e.train_loss) +
                    "," + n(e.train_accuracy) + "," + n(e.val_loss) + "," + n(e.val_accuracy) + "," + n(e.test_loss) +
                    "," + n(e.test_accuracy) + "," + n(e.lr) + "," + n(e.grad_ratio) + "," + n(e.seconds) + "\n";
        }
      }
      if (a.out.empty()) std::printf("%s", text.c_str());
      else write_file_atomic(a.out, text);
      return kExitOk;
    }
    if (sub == "compare") {
      // Runs that differ only in seed form one row: mean ± SE (or SD), n, 95 % CI, p.
      std::vector<RunRecord> recs = chosen_runs(*store, ids, a.filter);
      if (recs.empty()) return bad_input("no runs to compare");
      Comparison c = compare_runs(recs);
      const std::string f = a.format.empty() ? "md" : a.format;
      std::string text = f == "csv" ? comparison_csv(c) : f == "latex" ? comparison_latex(c, spread)
                       : f == "md"  ? comparison_markdown(c, spread) : std::string();
      if (text.empty()) return bad_input("runs compare: --format is md, csv or latex");
      if (a.out.empty()) std::printf("%s", text.c_str());
      else write_file_atomic(a.out, text);
      return kExitOk;
    }
    if (sub == "report") {
      std::vector<RunRecord> recs = chosen_runs(*store, ids, a.filter);
      if (recs.empty()) return bad_input("no runs to report");
      const std::string out = a.out.empty() ? "report.html" : a.out;
      ReportOptions o;
      o.appendix = a.appendix, o.spread = spread;
      write_file_atomic(out, report_html(make_report(recs, "Hyperlab report: " + std::to_string(recs.size()) + " runs", o)));
      std::printf("wrote %s (%zu runs%s)\n", out.c_str(), recs.size(), a.appendix ? ", with the appendix" : "");
      return kExitOk;
    }
    if (sub == "delete") {
      if (ids.empty()) return bad_input("runs delete needs run numbers");
      for (int64_t id : ids) {
        store->remove(id);
        std::printf("deleted run %lld\n", (long long)id);
      }
      return kExitOk;
    }
    if (sub == "rename" || sub == "tag" || sub == "note") {
      if (ids.size() != 1 || p.size() != 3) return bad_input("runs " + sub + " needs a run number and a text");
      if (sub == "rename") store->rename(ids[0], p[2]);
      if (sub == "tag") store->set_tags(ids[0], p[2]);
      if (sub == "note") store->set_notes(ids[0], p[2]);
      return kExitOk;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitFailed;
  }
  return bad_input("unknown runs subcommand \"" + sub + "\" (list, show, export, compare, report, delete, rename, tag, note)");
}


}  // namespace hyperlab::cli
