#include "store/runstore.h"

#include <sqlite3.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sstream>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "model/layers.h"
#include "model/shorthands.h"
#include "store/sqlite_util.h"
#include "train/metrics.h"

namespace hyperlab {

using namespace store_detail;

namespace {

using json = nlohmann::json;

json vec_json(const std::vector<double>& v) {
  json a = json::array();
  for (double x : v) a.push_back(std::isfinite(x) ? json(x) : json(nullptr));
  return a;
}

std::vector<double> json_vec(const std::string& s) {
  std::vector<double> v;
  if (s.empty()) return v;
  json a = json::parse(s, nullptr, false);
  if (!a.is_array()) return v;
  for (const auto& x : a) v.push_back(x.is_number() ? x.get<double>() : kNone);
  return v;
}

const char* kSummaryColumns =
    "id, name, created, status, reason, dataset, model, optimizer, lr, batch_size, seed, epochs_run, epochs, "
    "best_epoch, best_val_accuracy, test_accuracy, test_loss, seconds, device, tags, notes, sweep_id, trial, "
    "trial_repeat, final_test_accuracy, final_test_loss, selected_by";
constexpr int kSummaryCount = 27;  // the columns above

RunSummary read_summary(const Stmt& s) {
  RunSummary r;
  r.id = s.i64(0), r.name = s.text(1), r.created = s.text(2), r.status = s.text(3), r.reason = s.text(4);
  r.dataset = s.text(5), r.model = s.text(6), r.optimizer = s.text(7), r.lr = s.real(8);
  r.batch_size = s.i64(9), r.seed = static_cast<uint64_t>(s.i64(10));
  r.epochs_run = static_cast<int>(s.i64(11)), r.epochs = static_cast<int>(s.i64(12));
  r.best_epoch = static_cast<int>(s.i64(13));
  r.best_val_accuracy = s.real(14), r.test_accuracy = s.real(15), r.test_loss = s.real(16);
  r.seconds = s.real(17);
  if (!std::isfinite(r.seconds)) r.seconds = 0;
  r.device = s.text(18), r.tags = s.text(19), r.notes = s.text(20);
  r.sweep_id = s.i64(21), r.trial = static_cast<int>(s.i64(22)), r.repeat = static_cast<int>(s.i64(23));
  r.final_test_accuracy = s.real(24), r.final_test_loss = s.real(25), r.selected_by = s.text(26);
  return r;
}


}  // namespace

RunNumbers run_numbers(const RunRecord& r) {
  RunResult end;  // the trainer's measurements after training, as the store keeps them
  end.best_epoch = r.summary.best_epoch;
  end.test_accuracy = r.summary.test_accuracy, end.test_loss = r.summary.test_loss;
  end.final_test_accuracy = r.summary.final_test_accuracy, end.final_test_loss = r.summary.final_test_loss;
  return run_numbers(r.config, r.history, end);
}

std::string model_brief(const ExperimentConfig& c) {
  if (c.model.mlp) {
    std::string s = "mlp ";
    for (size_t i = 0; i < c.model.mlp->hidden.size(); ++i) s += (i ? "-" : "") + std::to_string(c.model.mlp->hidden[i]);
    if (c.model.mlp->hidden.empty()) s += "linear";
    s += " " + c.model.mlp->activation;
    if (c.model.mlp->dropout > 0) s += " dropout";
    if (c.model.mlp->batchnorm) s += " bn";
    return s;
  }
  if (c.model.resnet) return resnet_brief(*c.model.resnet);
  return layers_brief(c.model.layers);
}

std::string RunStore::default_path() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  std::string base = xdg && *xdg ? xdg : std::string(std::getenv("HOME") ? std::getenv("HOME") : ".") + "/.local/share";
  return base + "/hyperlab/runs.db";
}

RunStore::~RunStore() {
  if (db_) sqlite3_close(db_);
}

void RunStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    throw StoreError(path_ + ": " + m);
  }
}


int64_t RunStore::begin_run(const ExperimentConfig& c, const RunStart& info) {
  writable();
  json versions = {{"hyperlab", HYPERLAB_VERSION}, {"libtorch", info.libtorch}, {"blas", info.blas}};
  json inf = {{"threads", info.threads}, {"train_size", info.train_size}, {"val_size", info.val_size},
              {"test_size", info.test_size}, {"batches_per_epoch", info.batches_per_epoch},
              {"parameters", info.parameters}, {"class_names", info.class_names}, {"layer_names", info.layer_names},
              {"metrics", metric_infos_json(info.metrics)}};
  Stmt s(db_,
         "INSERT INTO runs (name, created, status, dataset, model, optimizer, lr, batch_size, seed, epochs, device, "
         "versions, config, info, pid, host) VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
         path_);
  s.bind(1, c.name).bind(2, now_utc()).bind(3, c.data.dataset).bind(4, model_brief(c)).bind(5, c.training.optimizer.type);
  s.bind(6, c.training.optimizer.lr).bind(7, c.training.batch_size).bind(8, static_cast<int64_t>(c.training.seed));
  s.bind(9, c.training.epochs).bind(10, info.device).bind(11, versions.dump()).bind(12, config_to_text(c));
  s.bind(13, inf.dump()).bind(14, static_cast<int64_t>(::getpid())).bind(15, host_name());
  s.run();
  const int64_t id = sqlite3_last_insert_rowid(db_);
  Stmt u(db_, "UPDATE runs SET selected_by = ? WHERE id = ?", path_);
  u.bind(1, selection_monitor(c)).bind(2, id);
  u.run();
  return id;
}

void RunStore::add_epoch(int64_t run, const EpochEvent& e, const std::vector<float>& losses) {
  writable();
  Transaction t(db_, path_);
  {
    // Every metric by name, in one JSON column (schema v6): a new metric needs no schema change.
    Stmt s(db_, "INSERT OR REPLACE INTO epochs (run_id, epoch, best, metrics, batch_losses) VALUES (?, ?, ?, ?, ?)",
           path_);
    s.bind(1, run).bind(2, e.epoch).bind(3, e.best ? 1 : 0).bind(4, metrics_json(e).dump());
    s.bind_blob(5, losses.data(), losses.size() * sizeof(float));
    s.run();
  }
  {
    Stmt u(db_,
           "UPDATE runs SET epochs_run = ?1, best_epoch = CASE WHEN ?2 THEN ?1 ELSE best_epoch END, "
           "best_val_accuracy = CASE WHEN ?2 THEN ?3 ELSE best_val_accuracy END, "
           "test_accuracy = CASE WHEN ?2 THEN ?4 ELSE test_accuracy END, "
           "test_loss = CASE WHEN ?2 THEN ?5 ELSE test_loss END, final_test_accuracy = ?4, final_test_loss = ?5, "
           "seconds = seconds + ?6 WHERE id = ?7",
           path_);
    u.bind(1, e.epoch).bind(2, e.best ? 1 : 0).bind(3, e.val_accuracy).bind(4, e.test_accuracy);
    u.bind(5, e.test_loss).bind(6, e.seconds).bind(7, run);
    u.run();
  }
  t.commit();
}

void RunStore::finish_run(int64_t run, const RunResult& r) {
  writable();
  json cm = r.confusion;
  Stmt s(db_,
         "UPDATE runs SET status = ?, reason = ?, finished = ?, epochs_run = ?, seconds = max(seconds, ?), "
         "device = CASE WHEN ? = '' THEN device ELSE ? END, confusion = ?, per_class_accuracy = ? WHERE id = ?",
         path_);
  s.bind(1, std::string(status_name(r.status))).bind(2, r.reason).bind(3, now_utc()).bind(4, r.epochs_run);
  s.bind(5, r.seconds).bind(6, r.device).bind(7, r.device).bind(8, cm.dump());
  s.bind(9, vec_json(r.per_class_accuracy).dump()).bind(10, run);
  s.run();
  // The run's numbers, by the one definition, from its config and recorded epochs
  // (the metrics only: no batch losses, no pictures).
  const ExperimentConfig c = parse_config_text(config_text(run), path_ + " run " + std::to_string(run)).config;
  store_numbers(run, run_numbers(c, epoch_metrics(run), r));
}

std::vector<EpochEvent> RunStore::epoch_metrics(int64_t run) const {
  Stmt s(db_, "SELECT epoch, metrics FROM epochs WHERE run_id = ? ORDER BY epoch", path_);
  s.bind(1, run);
  std::vector<EpochEvent> h;
  while (s.step()) {
    EpochEvent e;
    e.epoch = static_cast<int>(s.i64(0));
    metrics_from_json(e, json::parse(s.text(1), nullptr, false));
    h.push_back(e);
  }
  return h;
}

std::string RunStore::config_text(int64_t run) const {
  Stmt s(db_, "SELECT config FROM runs WHERE id = ?", path_);
  s.bind(1, run);
  return s.step() ? s.text(0) : std::string();
}

void RunStore::store_numbers(int64_t run, const RunNumbers& n) {
  Stmt u(db_,
         "UPDATE runs SET best_epoch = ?, best_val_accuracy = ?, test_accuracy = ?, test_loss = ?, "
         "final_test_accuracy = ?, final_test_loss = ?, selected_by = ? WHERE id = ?",
         path_);
  u.bind(1, n.selected_epoch).bind(2, n.selected.val_accuracy).bind(3, n.test_accuracy).bind(4, n.test_loss);
  u.bind(5, n.final_test_accuracy).bind(6, n.final_test_loss).bind(7, n.selected_by).bind(8, run);
  u.run();
}

std::vector<RunSummary> RunStore::list(const RunFilter& f) const {
  std::string sql = std::string("SELECT ") + kSummaryColumns +
                    " FROM runs WHERE (?1 = '' OR instr(lower(name || ' ' || tags || ' ' || notes), lower(?1)) > 0)"
                    " AND (?2 = '' OR status = ?2) AND (?3 = '' OR dataset = ?3)"
                    " AND (?4 = '' OR instr(',' || replace(tags, ' ', '') || ',', ',' || ?4 || ',') > 0)"
                    " AND (?5 = 0 OR sweep_id = ?5) ORDER BY id";
  Stmt s(db_, sql.c_str(), path_);
  s.bind(1, f.text).bind(2, f.status).bind(3, f.dataset).bind(4, f.tag).bind(5, f.sweep_id);
  std::vector<RunSummary> out;
  while (s.step()) out.push_back(read_summary(s));
  return out;
}

bool RunStore::exists(int64_t run) const {
  Stmt s(db_, "SELECT 1 FROM runs WHERE id = ?", path_);
  s.bind(1, run);
  return s.step();
}

std::optional<RunRecord> RunStore::load(int64_t run) const {
  RunRecord r;
  {
    std::string sql = std::string("SELECT ") + kSummaryColumns +
                      ", config, confusion, per_class_accuracy, versions, info, samples FROM runs WHERE id = ?";
    Stmt s(db_, sql.c_str(), path_);
    s.bind(1, run);
    if (!s.step()) return std::nullopt;
    r.summary = read_summary(s);
    r.config_json = s.text(kSummaryCount);
    json cm = json::parse(s.text(kSummaryCount + 1), nullptr, false);
    if (cm.is_array())
      for (const auto& row : cm) r.confusion.push_back(row.get<std::vector<int64_t>>());
    r.per_class_accuracy = json_vec(s.text(kSummaryCount + 2));
    r.versions = s.text(kSummaryCount + 3);
    json info = json::parse(s.text(kSummaryCount + 4), nullptr, false);
    if (info.is_object() && info.contains("class_names") && info["class_names"].is_array())
      r.class_names = info["class_names"].get<std::vector<std::string>>();
    if (info.is_object() && info.contains("layer_names") && info["layer_names"].is_array())
      r.layer_names = info["layer_names"].get<std::vector<std::string>>();
    if (info.is_object()) r.metrics = metric_infos_from(info.value("metrics", json::array()));
    const std::string blob = s.blob(kSummaryCount + 5);
    const size_t nul = blob.find('\0');
    if (nul != std::string::npos) {
      json head = json::parse(blob.substr(0, nul), nullptr, false);
      if (head.is_object()) {
        ImageBatch& b = r.samples;
        b.channels = head.value("c", 0), b.height = head.value("h", 0), b.width = head.value("w", 0);
        b.labels = head.value("labels", std::vector<int>{});
        b.pixels.assign(blob.begin() + static_cast<long>(nul) + 1, blob.end());
        r.sample_predicted = head.value("predicted", std::vector<int>{});
        r.sample_confidence = head.value("confidence", std::vector<float>{});
        if (b.pixels.size() != size_t(b.count()) * b.channels * b.height * b.width) r.samples = ImageBatch{};
      }
    }
  }
  ConfigResult c = parse_config_text(r.config_json, path_ + " run " + std::to_string(run));
  r.config = c.config;  // stored configs were valid when they ran
  r.summary.epochs = r.config.training.epochs;
  Stmt s(db_, "SELECT epoch, best, metrics, batch_losses FROM epochs WHERE run_id = ? ORDER BY epoch", path_);
  s.bind(1, run);
  while (s.step()) {
    EpochEvent e;
    e.epoch = static_cast<int>(s.i64(0)), e.epochs = r.config.training.epochs;
    e.best = s.i64(1) != 0;
    metrics_from_json(e, json::parse(s.text(2), nullptr, false));
    r.history.push_back(e);
    r.batch_losses.push_back(s.floats(3));
  }
  return r;
}

void RunStore::rename(int64_t run, const std::string& name) {
  writable();
  Stmt s(db_, "UPDATE runs SET name = ? WHERE id = ?", path_);
  s.bind(1, name).bind(2, run).run();
}

void RunStore::set_tags(int64_t run, const std::string& tags) {
  writable();
  Stmt s(db_, "UPDATE runs SET tags = ? WHERE id = ?", path_);
  s.bind(1, tags).bind(2, run).run();
}

void RunStore::set_notes(int64_t run, const std::string& notes) {
  writable();
  Stmt s(db_, "UPDATE runs SET notes = ? WHERE id = ?", path_);
  s.bind(1, notes).bind(2, run).run();
}

// Samples as one blob: a JSON header (shape, labels, predictions), a NUL, then the pixels.
void RunStore::set_samples(int64_t run, const ImageBatch& images, const std::vector<int>& predicted,
                           const std::vector<float>& confidence) {
  writable();
  json head = {{"c", images.channels}, {"h", images.height}, {"w", images.width}, {"labels", images.labels},
               {"predicted", predicted}, {"confidence", confidence}};
  std::string blob = head.dump();
  blob.push_back('\0');
  blob.append(reinterpret_cast<const char*>(images.pixels.data()), images.pixels.size());
  Stmt s(db_, "UPDATE runs SET samples = ? WHERE id = ?", path_);
  s.bind_blob(1, blob.data(), blob.size()).bind(2, run).run();
}

void RunStore::set_checkpoint(int64_t run, const std::string& file) {
  writable();
  Stmt s(db_, "UPDATE runs SET checkpoint = ? WHERE id = ?", path_);
  s.bind(1, file).bind(2, run).run();
}

std::string RunStore::checkpoint(int64_t run) const {
  Stmt s(db_, "SELECT checkpoint FROM runs WHERE id = ?", path_);
  s.bind(1, run);
  return s.step() ? s.text(0) : std::string();
}

int64_t RunStore::find_by_checkpoint(const std::string& file) const {
  Stmt s(db_, "SELECT id FROM runs WHERE checkpoint = ? ORDER BY id DESC LIMIT 1", path_);
  s.bind(1, file);
  return s.step() ? s.i64(0) : 0;
}

void RunStore::reopen_run(int64_t run) {
  writable();
  Stmt s(db_, "UPDATE runs SET status = 'running', reason = '', finished = NULL, pid = ?, host = ? WHERE id = ?", path_);
  s.bind(1, static_cast<int64_t>(::getpid())).bind(2, host_name()).bind(3, run).run();
}

bool RunStore::remove(int64_t run) {
  writable();
  Transaction t(db_, path_);
  { Stmt(db_, "DELETE FROM epochs WHERE run_id = ?", path_).bind(1, run).run(); }
  Stmt s(db_, "DELETE FROM runs WHERE id = ?", path_);
  s.bind(1, run).run();
  const bool removed = sqlite3_changes(db_) > 0;
  t.commit();
  return removed;
}

// ---- recorder ----

RunRecorder::RunRecorder(RunStore& store, const ExperimentConfig& c) : store_(store), config_(c) {}

void RunRecorder::continue_run(int64_t id) {
  try {
    store_.reopen_run(id);
    id_ = id;
  } catch (const std::exception& e) {
    error_ = e.what();
  }
}

void RunRecorder::on_start(const RunStart& s) {
  if (id_ || !error_.empty()) return;  // continuing a run
  try {
    id_ = store_.begin_run(config_, s);
    if (!checkpoint_.empty()) store_.set_checkpoint(id_, checkpoint_);
  } catch (const std::exception& e) {
    error_ = e.what();
  }
}

void RunRecorder::on_batch(const BatchEvent& b) {
  if (id_) losses_.push_back(static_cast<float>(b.loss));
}

void RunRecorder::on_epoch(const EpochEvent& e) {
  if (!id_ || !error_.empty()) return;
  try {
    store_.add_epoch(id_, e, losses_);
  } catch (const std::exception& x) {
    error_ = x.what();
  }
  losses_.clear();
}

void RunRecorder::on_finish(const RunResult& r) {
  if (!error_.empty()) return;
  try {
    if (!id_) id_ = store_.begin_run(config_, r.info);  // failed before it started: still remembered
    store_.finish_run(id_, r);
    // Sample predictions: misclassified first, then correct ones, up to 64.
    const ImageBatch& imgs = preview_.test_images;
    if (final_.final && imgs.count() > 0 && final_.predicted.size() == size_t(imgs.count())) {
      std::vector<int> order;
      for (int pass = 0; pass < 2; ++pass)
        for (int i = 0; i < imgs.count() && order.size() < 64; ++i)
          if ((final_.predicted[i] != imgs.labels[i]) == (pass == 0)) order.push_back(i);
      ImageBatch pick;
      pick.channels = imgs.channels, pick.height = imgs.height, pick.width = imgs.width;
      std::vector<int> pred;
      std::vector<float> conf;
      const size_t per = size_t(imgs.channels) * imgs.height * imgs.width;
      for (int i : order) {
        pick.pixels.insert(pick.pixels.end(), imgs.image(i), imgs.image(i) + per);
        pick.labels.push_back(imgs.labels[i]);
        pred.push_back(final_.predicted[i]), conf.push_back(final_.confidence[i]);
      }
      store_.set_samples(id_, pick, pred, conf);
    }
  } catch (const std::exception& e) {
    error_ = e.what();
  }
}

RunCallbacks RunRecorder::wrap(RunCallbacks cb) {
  RunCallbacks out = cb;
  out.on_start = [this, f = cb.on_start](const RunStart& s) {
    on_start(s);
    if (f) f(s);
  };
  out.on_batch = [this, f = cb.on_batch](const BatchEvent& b) {
    on_batch(b);
    return f ? f(b) : true;
  };
  out.on_epoch = [this, f = cb.on_epoch](const EpochEvent& e) {
    on_epoch(e);
    return f ? f(e) : true;
  };
  if (cb.on_snapshot)
    out.on_snapshot = [this, f = cb.on_snapshot](const Snapshot& s) {
      on_snapshot(s);
      f(s);
    };
  return out;
}

// ---- exports ----

namespace {
std::string store_csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}
std::string store_num(double v) {
  if (!std::isfinite(v)) return "";
  std::ostringstream o;
  o.precision(10);
  o << v;
  return o.str();
}
}  // namespace

std::string runs_csv(const std::vector<RunSummary>& runs) {
  std::string out =
      "id,name,created,status,dataset,model,optimizer,lr,batch_size,seed,epochs_run,epochs,best_epoch,"
      "best_val_accuracy,test_accuracy,test_loss,seconds,device,tags,notes\n";
  for (const RunSummary& r : runs) {
    out += std::to_string(r.id) + "," + store_csv_field(r.name) + "," + r.created + "," + r.status + "," +
           store_csv_field(r.dataset) + "," + store_csv_field(r.model) + "," + r.optimizer + "," + store_num(r.lr) + "," +
           std::to_string(r.batch_size) + "," + std::to_string(r.seed) + "," + std::to_string(r.epochs_run) + "," +
           std::to_string(r.epochs) + "," + std::to_string(r.best_epoch) + "," + store_num(r.best_val_accuracy) + "," +
           store_num(r.test_accuracy) + "," + store_num(r.test_loss) + "," + store_num(r.seconds) + "," + store_csv_field(r.device) + "," +
           store_csv_field(r.tags) + "," + store_csv_field(r.notes) + "\n";
  }
  return out;
}

std::string run_json(const RunRecord& r) {
  const RunSummary& s = r.summary;
  json epochs = json::array();
  for (const EpochEvent& e : r.history) {
    auto n = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
    epochs.push_back({{"epoch", e.epoch}, {"train_loss", n(e.train_loss)}, {"train_accuracy", n(e.train_accuracy)},
                      {"val_loss", n(e.val_loss)}, {"val_accuracy", n(e.val_accuracy)}, {"test_loss", n(e.test_loss)},
                      {"test_accuracy", n(e.test_accuracy)}, {"lr", n(e.lr)}, {"grad_ratio", n(e.grad_ratio)},
                      {"grad_norms", vec_json(e.grad_norms)}, {"seconds", n(e.seconds)}, {"best", e.best}});
  }
  json j = {{"id", s.id}, {"name", s.name}, {"created", s.created}, {"status", s.status}, {"reason", s.reason},
            {"device", s.device}, {"tags", s.tags}, {"notes", s.notes}, {"epochs_run", s.epochs_run},
            {"best_epoch", s.best_epoch},
            {"test_accuracy", std::isfinite(s.test_accuracy) ? json(s.test_accuracy) : json(nullptr)},
            {"seconds", s.seconds}, {"versions", json::parse(r.versions.empty() ? "{}" : r.versions, nullptr, false)},
            {"config", json::parse(r.config_json, nullptr, false)}, {"epochs", epochs}, {"confusion", r.confusion},
            {"per_class_accuracy", vec_json(r.per_class_accuracy)}};
  return j.dump(2) + "\n";
}

}  // namespace hyperlab
