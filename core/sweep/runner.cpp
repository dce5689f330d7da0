#include "sweep/runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "store/recording.h"
#include "store/runstore.h"
#include "train/numbers.h"
#include "train/trainer.h"

namespace hyperlab {

namespace {
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

json settings_json(const Settings& s) {
  json j = json::object();
  for (const auto& [k, v] : s) j[k] = v;
  return j;
}

Settings settings_from(const json& j) {
  Settings s;
  for (auto it = j.begin(); it != j.end(); ++it) s[it.key()] = it.value().get<std::string>();
  return s;
}

json num_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
double num_from(const json& j) { return j.is_number() ? j.get<double>() : kNone; }

bool is_result_status(const std::string& s) { return s != "queued" && s != "running"; }
}  // namespace

std::string settings_text(const Settings& s) {
  std::string out;
  for (const auto& [k, v] : s) {
    const auto dot = k.find_last_of('.');
    // A key without dots names variants: the variant's name says it all.
    out += (out.empty() ? "" : ", ") + (dot == std::string::npos ? std::string() : k.substr(dot + 1) + "=") +
           display_value(v);
  }
  return out;
}

struct SweepRunner::Impl {
  SweepSpec spec;
  SweepOptions opt;
  SweepCallbacks cb;

  std::mutex mu;
  std::condition_variable cv;
  std::unique_ptr<Strategy> strategy;
  std::map<int, TrialRow> rows;
  std::vector<int> order;            // trial ids as asked
  std::map<int, int> pending;        // trial -> units queued or running
  std::map<int, bool> told;
  std::set<int> cancelled;
  struct Unit {
    int trial = 0, repeat = 0;
  };
  std::deque<Unit> queue;
  std::map<int, std::vector<Trainer*>> active;  // trial -> its running trainers
  int running = 0;
  std::atomic<bool> stop{false};
  std::atomic<bool> budget_hit{false};
  bool has_deadline = false;
  Clock::time_point deadline;
  std::string fatal, store_warning;

  std::unique_ptr<RunStore> store;  // the coordinator's connection (sweep row and log), used under mu
  int64_t sweep_id = 0;
  DataCache cache;
  int threads = 0;
  int runs_trained = 0;
  double train_seconds = 0;

  // ---- log (under mu) ----
  void log(const json& ev) {
    if (!store || !sweep_id) return;
    try {
      store->append_sweep_log(sweep_id, ev.dump());
    } catch (const std::exception& e) {
      store_warning = std::string("the sweep's log could not be written, so it cannot be resumed: ") + e.what();
      store.reset();
    }
  }

  void emit(const TrialRow& r) {
    if (!cb.on_event) return;
    SweepEvent e;
    e.trial = r;
    cb.on_event(e);
  }

  TrialRow& add_trial(const Trial& t) {
    TrialRow& r = rows[t.id];
    r.id = t.id, r.settings = t.settings, r.resource = t.resource, r.rung = t.rung, r.bracket = t.bracket;
    r.parent = t.parent;
    r.values.assign(spec.repeats, kNone);
    r.tests.assign(spec.repeats, kNone);
    r.run_ids.assign(spec.repeats, 0);
    r.run_status.assign(spec.repeats, "");
    order.push_back(t.id);
    return r;
  }

  void enqueue_missing(TrialRow& r) {
    int n = 0;
    for (int k = 0; k < spec.repeats; ++k)
      if (r.run_status[k].empty()) queue.push_back({r.id, k}), ++n;
    pending[r.id] = n;
  }

  // The trial's result to the strategy (and the log), once no repeat is left.
  void tell(TrialRow& r, bool replaying) {
    double sum = 0;
    int n = 0, diverged = 0, failed = 0;
    for (int k = 0; k < spec.repeats; ++k) {
      if (std::isfinite(r.values[k])) sum += r.values[k], ++n;
      if (r.run_status[k] == "diverged") ++diverged;
      if (r.run_status[k] == "failed") ++failed;
    }
    r.value = n ? sum / n : kNone;
    double tsum = 0;
    int tn = 0;
    for (double t : r.tests)
      if (std::isfinite(t)) tsum += t, ++tn;
    r.test = tn ? tsum / tn : kNone;
    const double objective = n ? (spec.maximize ? -r.value : r.value) : INFINITY;
    if (cancelled.count(r.id)) r.status = "cancelled";
    else if (n) r.status = "done";
    else r.status = diverged ? "diverged" : "failed";
    if (n && n < spec.repeats) r.reason = std::to_string(spec.repeats - n) + " of " + std::to_string(spec.repeats) +
                                          " seeds gave no value (diverged or failed)";
    strategy->tell(r.id, objective);
    told[r.id] = true;
    if (!replaying) log({{"tell", r.id}, {"objective", num_or_null(objective)}});
  }

  // ---- resume: replay the log into a fresh strategy ----
  void replay(const std::vector<std::string>& events) {
    for (size_t i = 0; i < events.size(); ++i) {
      const json ev = json::parse(events[i]);
      if (ev.contains("ask")) {
        std::optional<Trial> t = strategy->ask();
        if (!t || t->id != ev["ask"].get<int>() || t->settings != settings_from(ev["settings"]) ||
            t->resource != ev.value("resource", 0))
          throw std::runtime_error("the sweep's log (event " + std::to_string(i + 1) +
                                   ") does not match what its strategy asks now (was it written by another "
                                   "version?); start it anew with --fresh");
        add_trial(*t).resumed = true;
      } else if (ev.contains("result")) {
        TrialRow& r = rows.at(ev["result"].get<int>());
        const int k = ev["repeat"].get<int>();
        r.values.at(k) = num_from(ev["value"]);
        r.tests.at(k) = ev.contains("test") ? num_from(ev["test"]) : kNone;
        r.run_ids.at(k) = ev.value("run", int64_t(0));
        r.run_status.at(k) = ev.value("status", std::string("failed"));
        ++r.repeats_done;
      } else if (ev.contains("cancel")) {
        cancelled.insert(ev["cancel"].get<int>());
      } else if (ev.contains("tell")) {
        tell(rows.at(ev["tell"].get<int>()), true);
      }
    }
    // Trials asked but not finished: their missing repeats run (first).
    for (int id : order) {
      TrialRow& r = rows[id];
      if (told[id]) continue;
      r.resumed = false;
      if (cancelled.count(id)) {
        tell(r, false);
        continue;
      }
      enqueue_missing(r);
    }
  }

  // ---- scheduling (under mu) ----
  bool past_deadline() {
    if (has_deadline && !budget_hit && Clock::now() >= deadline) budget_hit = true;
    return budget_hit;
  }

  bool next(std::unique_lock<std::mutex>& lock, Unit& u) {
    for (;;) {
      if (stop || past_deadline() || !fatal.empty()) return false;
      if (!queue.empty()) {
        u = queue.front();
        queue.pop_front();
        return true;
      }
      if (!strategy->finished()) {
        if (std::optional<Trial> t = strategy->ask()) {
          TrialRow& r = add_trial(*t);
          log({{"ask", t->id}, {"settings", settings_json(t->settings)}, {"resource", t->resource}});
          enqueue_missing(r);
          emit(r);
          continue;
        }
      }
      if (running == 0) return false;  // nothing left to ask and nothing in flight
      cv.wait_for(lock, std::chrono::milliseconds(200));
    }
  }

  void worker() {
    std::unique_ptr<RunStore> wstore;  // each worker writes its runs through its own connection
    if (store && !opt.store_path.empty()) {
      try {
        wstore = std::make_unique<RunStore>(opt.store_path);
      } catch (const std::exception&) {
      }
    }
    std::unique_lock<std::mutex> lock(mu);
    Unit u;
    while (next(lock, u)) {
      ++running;
      TrialRow& r = rows[u.trial];
      r.status = "running", r.epoch = 0, r.current = kNone;
      emit(r);
      lock.unlock();
      run_unit(u, wstore.get());
      lock.lock();
      --running;
      cv.notify_all();
    }
    cv.notify_all();
  }

  void run_unit(const Unit& u, RunStore* wstore) {
    Trial t;
    {
      std::lock_guard<std::mutex> lock(mu);
      const TrialRow& r = rows[u.trial];
      t.id = r.id, t.settings = r.settings, t.resource = r.resource, t.rung = r.rung, t.bracket = r.bracket;
    }
    ConfigResult cr = trial_config(spec, t, u.repeat);
    RunResult res;
    int64_t run_id = 0;
    if (!cr.ok()) {
      res.status = RunStatus::Failed, res.reason = "invalid trial config: " + cr.error_text();
    } else {
      ExperimentConfig cfg = cr.config;
      if (threads > 0) cfg.training.threads = threads;
      std::shared_ptr<const LoadedData> data;
      try {
        data = cache.get(cfg.data, cfg.training.seed);
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu);
        if (fatal.empty()) fatal = e.what();  // the data is the sweep's, not the trial's: stop
        return;
      }
      Trainer trainer(cfg);
      trainer.set_data(data);
      {
        std::lock_guard<std::mutex> lock(mu);
        active[u.trial].push_back(&trainer);
      }
      RecordingOptions ro;
      ro.tags = "sweep:" + spec.name + (opt.tag.empty() ? "" : "," + opt.tag);
      ro.show_pretraining = false;  // a pretraining's epochs are not the trial's
      RunRecording rec(wstore, cfg, ro);
      RunCallbacks rc;
      // (A cancelled trial's trainers are stopped by cancel_trial.)
      rc.on_batch = [this](const BatchEvent&) {
        return !stop && !budget_hit && !(has_deadline && Clock::now() >= deadline);
      };
      rc.on_epoch = [this, &u](const EpochEvent& e) {
        std::lock_guard<std::mutex> lock(mu);
        TrialRow& r = rows[u.trial];
        r.epoch = e.epoch, r.current = epoch_metric(e, spec.metric);
        if (cb.on_event) {
          SweepEvent ev;
          ev.kind = SweepEvent::Kind::Epoch, ev.trial = r, ev.repeat = u.repeat, ev.epoch = e;
          cb.on_event(ev);
        }
        return true;
      };
      res = rec.run(trainer, rc);
      run_id = rec.run_id();
      std::lock_guard<std::mutex> lock(mu);
      auto& a = active[u.trial];
      a.erase(std::remove(a.begin(), a.end(), &trainer), a.end());
      ++runs_trained;
      train_seconds += res.seconds;
    }
    std::lock_guard<std::mutex> lock(mu);
    TrialRow& r = rows[u.trial];
    const bool trial_cancelled = cancelled.count(u.trial) > 0;
    if (res.status == RunStatus::Cancelled && !trial_cancelled) {
      // Stopped with the sweep (or its time budget): not a result; it runs again on resume.
      r.status = "queued";
      emit(r);
      return;
    }
    if (store && run_id) {
      try {
        store->link_run(run_id, sweep_id, u.trial, u.repeat);
      } catch (const std::exception&) {
      }
    }
    record_result(r, u.repeat, cr.config, res, run_id, trial_cancelled);
  }

  // A repeat's result: logged; the trial is told once none is left (under mu).
  void record_result(TrialRow& r, int repeat, const ExperimentConfig& c, const RunResult& res, int64_t run_id,
                     bool trial_cancelled) {
    // The run's value: the objective at its selected epoch, as every table
    // reports it (train/numbers.h); NaN for a diverged or failed run: the worst.
    // Its test accuracy there is kept beside it, only to be reported.
    const RunNumbers n = run_numbers(c, res.history, res);
    double v = n.value(spec.metric), test = n.test_accuracy;
    if (res.status == RunStatus::Diverged || res.status == RunStatus::Failed) v = test = kNone;
    const std::string st = trial_cancelled ? "cancelled" : status_name(res.status);
    r.values[repeat] = v, r.tests[repeat] = test, r.run_ids[repeat] = run_id, r.run_status[repeat] = st;
    ++r.repeats_done;
    if (!res.reason.empty() && res.status != RunStatus::Completed && res.status != RunStatus::EarlyStopped)
      r.reason = res.reason;
    log({{"result", r.id}, {"repeat", repeat}, {"value", num_or_null(v)}, {"test", num_or_null(test)}, {"run", run_id}, {"status", st}});
    queue.erase(std::remove_if(queue.begin(), queue.end(),
                               [&](const Unit& u) { return u.trial == r.id && u.repeat == repeat; }),
                queue.end());
    if (--pending[r.id] <= 0 && !told[r.id]) tell(r, false);
    else r.status = "running";
    emit(r);
  }

  void open();
  SweepOutcome make_outcome();
  bool opened = false, already_complete = false;
};

SweepRunner::SweepRunner(SweepSpec spec, SweepOptions options) : d_(std::make_unique<Impl>()) {
  d_->spec = std::move(spec);
  d_->opt = std::move(options);
}

SweepRunner::~SweepRunner() = default;

void SweepRunner::request_stop() {
  d_->stop = true;
  d_->cv.notify_all();
}

void SweepRunner::cancel_trial(int trial) {
  Impl& D = *d_;
  std::lock_guard<std::mutex> lock(D.mu);
  if (!D.rows.count(trial) || D.told[trial] || D.cancelled.count(trial)) return;
  D.cancelled.insert(trial);
  D.log({{"cancel", trial}});
  const size_t before = D.queue.size();
  D.queue.erase(std::remove_if(D.queue.begin(), D.queue.end(), [&](const Impl::Unit& u) { return u.trial == trial; }),
                D.queue.end());
  D.pending[trial] -= static_cast<int>(before - D.queue.size());
  for (Trainer* t : D.active[trial]) t->request_stop();
  TrialRow& r = D.rows[trial];
  if (D.pending[trial] <= 0) D.tell(r, false);
  D.emit(r);
  D.cv.notify_all();
}

// Opens the store, and finds and replays the sweep's earlier sessions (under mu).
void SweepRunner::Impl::open() {
  if (opened) return;
  opened = true;
  strategy = make_strategy(spec);
  if (!opt.store_path.empty()) {
    try {
      store = std::make_unique<RunStore>(opt.store_path);
      if (store->read_only()) throw StoreError(store->read_only_reason());
    } catch (const std::exception& e) {
      store.reset();
      store_warning = std::string("the sweep's runs are not recorded (and it cannot be resumed): ") + e.what();
    }
  }
  if (!store) return;
  const std::string identity = sweep_identity(spec);
  std::optional<SweepSummary> prev;
  if (!opt.fresh)
    for (const SweepSummary& w : store->list_sweeps())
      if (w.name == spec.name && w.spec == identity) prev = w;
  if (prev && prev->status == "running")
    throw std::runtime_error("sweep \"" + spec.name + "\" (" + std::to_string(prev->id) +
                             ") is running in another process");
  if (prev) {
    sweep_id = prev->id;
    replay(store->sweep_log(prev->id));
    already_complete = prev->status == "completed";
    if (!already_complete) store->reopen_sweep(prev->id);
  } else {
    sweep_id = store->begin_sweep(spec.name, identity);
  }
}

SweepOutcome SweepRunner::Impl::make_outcome() {
  SweepOutcome out;
  out.sweep_id = sweep_id;
  if (!fatal.empty()) out.status = "failed", out.message = fatal;
  else if (already_complete) out.status = "completed", out.message = "already completed earlier: nothing to run (start it anew to run it again)";
  else if (stop) out.status = "stopped", out.message = "stopped; run the sweep again to resume it";
  else if (budget_hit) out.status = "budget", out.message = "the time budget ran out; run the sweep again to resume it";
  else if (!strategy || !strategy->finished() || !queue.empty()) out.status = "stopped", out.message = "trials are waiting for results";
  else out.status = "completed";
  if (!store_warning.empty()) out.message += (out.message.empty() ? "" : "; ") + store_warning;
  for (int id : order) {
    const TrialRow& r = rows[id];
    out.trials.push_back(r);
    if (!told[id]) continue;
    ++out.trials_done;
    if (r.resumed) ++out.resumed_trials;
    if (std::isfinite(r.value) &&
        (!std::isfinite(out.best_value) || (spec.maximize ? r.value > out.best_value : r.value < out.best_value)))
      out.best_value = r.value, out.best_trial = id;
    for (int k = 0; k < spec.repeats; ++k)
      if (r.run_ids[k] && is_result_status(r.run_status[k])) out.run_ids.push_back(r.run_ids[k]);
  }
  out.runs_trained = runs_trained;
  out.train_seconds = train_seconds;
  return out;
}

SweepOutcome SweepRunner::run(const SweepCallbacks& cb) {
  Impl& D = *d_;
  D.cb = cb;
  const auto t0 = Clock::now();
  double setup_s = 0;
  const int workers = std::max(1, D.opt.workers > 0 ? D.opt.workers : D.spec.workers);
  if (workers > 1 || D.opt.threads > 0)
    D.threads = D.opt.threads > 0 ? D.opt.threads : std::max(1, physical_cores() / workers);
  const double limit_s = D.opt.time_limit_s >= 0 ? D.opt.time_limit_s : D.spec.time_limit_minutes * 60;
  if (limit_s > 0) {
    D.has_deadline = true;
    D.deadline = t0 + std::chrono::microseconds(static_cast<int64_t>(limit_s * 1e6));
  }
  try {
    {
      std::lock_guard<std::mutex> lock(D.mu);
      D.open();
      for (int id : D.order) D.emit(D.rows[id]);  // what earlier sessions did, for a dashboard
    }
    if (!D.already_complete) {
      // Load the data once, up front: a missing dataset stops the sweep here, with its reason.
      Trial first;
      ConfigResult c0 = trial_config(D.spec, first, 0);
      std::shared_ptr<const LoadedData> keep;
      if (c0.ok()) keep = D.cache.get(c0.config.data, c0.config.training.seed);
      setup_s = seconds_since(t0);
      std::vector<std::thread> pool;
      for (int i = 0; i < workers; ++i) pool.emplace_back([&D] { D.worker(); });
      for (std::thread& t : pool) t.join();
    }
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(D.mu);
    if (D.fatal.empty()) D.fatal = e.what();
  }
  std::lock_guard<std::mutex> lock(D.mu);
  SweepOutcome out = D.make_outcome();
  out.seconds = seconds_since(t0);
  out.setup_seconds = setup_s;
  if (D.store && D.sweep_id && !D.already_complete) {
    try {
      D.store->finish_sweep(D.sweep_id, out.status, out.message);
    } catch (const std::exception&) {
    }
  }
  return out;
}

std::vector<SweepRunner::Job> SweepRunner::plan(int max_new, std::string& error) {
  Impl& D = *d_;
  std::lock_guard<std::mutex> lock(D.mu);
  std::vector<Job> jobs;
  try {
    D.open();
    if (!D.store) throw std::runtime_error("planning needs the run history (--db), where the sweep is kept");
    int asked = 0;
    while (!D.strategy->finished() && (max_new <= 0 || asked < max_new)) {
      std::optional<Trial> t = D.strategy->ask();
      if (!t) break;
      TrialRow& r = D.add_trial(*t);
      D.log({{"ask", t->id}, {"settings", settings_json(t->settings)}, {"resource", t->resource}});
      D.enqueue_missing(r);
      ++asked;
    }
    for (const Impl::Unit& u : D.queue) {
      const TrialRow& r = D.rows[u.trial];
      Trial t;
      t.id = r.id, t.settings = r.settings, t.resource = r.resource, t.rung = r.rung, t.bracket = r.bracket;
      ConfigResult cr = trial_config(D.spec, t, u.repeat);
      if (!cr.ok()) throw std::runtime_error("trial " + std::to_string(r.id) + ": " + cr.error_text());
      jobs.push_back({"trial-" + std::to_string(u.trial) + "-r" + std::to_string(u.repeat + 1), u.trial, u.repeat,
                      cr.config});
    }
    D.store->finish_sweep(D.sweep_id, D.strategy->finished() && jobs.empty() ? "completed" : "stopped",
                          jobs.empty() ? "" : "planned: waiting for collected results");
  } catch (const std::exception& e) {
    error = e.what();
  }
  return jobs;
}

bool SweepRunner::collect(const Job& job, const ExperimentConfig& c, const RunResult& res, std::string& error) {
  Impl& D = *d_;
  std::lock_guard<std::mutex> lock(D.mu);
  try {
    D.open();
    if (!D.store) throw std::runtime_error("collecting needs the run history (--db), where the sweep is kept");
    auto it = D.rows.find(job.trial);
    if (it == D.rows.end() || job.repeat < 0 || job.repeat >= D.spec.repeats)
      throw std::runtime_error(job.name + ": no such trial in this sweep");
    TrialRow& r = it->second;
    if (!r.run_status[job.repeat].empty()) {
      error = job.name + ": already collected";
      return false;
    }
    Trial t;
    t.id = r.id, t.settings = r.settings, t.resource = r.resource;
    ConfigResult want = trial_config(D.spec, t, job.repeat);
    ExperimentConfig got = c;
    got.training.threads = want.config.training.threads;  // the cluster may choose its own threads
    if (!want.ok() || config_to_text(want.config) != config_to_text(got))
      throw std::runtime_error(job.name + ": its config.json is not this trial's config");
    RecordingOptions ro;
    ro.tags = "sweep:" + D.spec.name + (D.opt.tag.empty() ? "" : "," + D.opt.tag);
    RunRecording rec(D.store.get(), c, ro);
    rec.record(res);
    if (!rec.error().empty()) throw std::runtime_error(rec.error());
    const int64_t run_id = rec.run_id();
    D.store->link_run(run_id, D.sweep_id, job.trial, job.repeat);
    D.record_result(r, job.repeat, c, res, run_id, false);
    D.store->finish_sweep(D.sweep_id, D.strategy->finished() && D.queue.empty() ? "completed" : "stopped",
                          "");
    return true;
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
}

SweepOutcome SweepRunner::outcome() {
  std::lock_guard<std::mutex> lock(d_->mu);
  return d_->make_outcome();
}

}  // namespace hyperlab
