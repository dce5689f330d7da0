// Opening the run history: read-write with WAL and the schema migrated (the
// migrations are here too), or
// read-only where it cannot be written (a read-only file system, no
// permission), and marking what a dead process left "running".
#include "store/runstore.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "config/config_json.h"
#include "store/sqlite_util.h"
#include <nlohmann/json.hpp>

#include "train/metrics.h"
#include "train/numbers.h"

namespace hyperlab {

using namespace store_detail;

namespace {

// Why the database at PATH can only be read, or "" when it can be written:
// a read-only file system, or no permission for the file or (WAL needs its
// -wal and -shm files beside it) for its folder.
std::string read_only_cause(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY)) return "it is on a read-only file system";
  if (::access(path.c_str(), F_OK) == 0 && ::access(path.c_str(), W_OK) != 0)
    return std::string("the file cannot be written (") + std::strerror(errno) + ")";
  if (::access(dir.c_str(), W_OK) != 0) return "its folder " + dir + " cannot be written (" + std::strerror(errno) + ")";
  return "";
}

std::string sqlite_uri(std::string path, const char* query) {
  while (path.rfind("//", 0) == 0) path.erase(0, 1);  // "file://x" would name a host
  std::string u = "file:";
  for (unsigned char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      char b[4];
      std::snprintf(b, sizeof b, "%%%02X", c);
      u += b;
    } else {
      u += static_cast<char>(c);
    }
  }
  return u + "?" + query;
}

}  // namespace

RunStore::RunStore(const std::string& path) : path_(path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw StoreError(path + ": is a folder, not a run database file");
  // Create the folder (one level is enough for the default location's last part).
  auto slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    std::string dir = path.substr(0, slash);
    for (size_t i = 1; i <= dir.size(); ++i)
      if (i == dir.size() || dir[i] == '/') ::mkdir(dir.substr(0, i).c_str(), 0755);
  }
  const std::string cause = read_only_cause(path);
  if (!cause.empty() && ::access(path.c_str(), F_OK) != 0)
    throw StoreError(path + ": cannot create the run database: " + cause);
  try {
    if (cause.empty()) open_read_write();
    else open_read_only(cause);
  } catch (const StoreError& e) {
    sqlite3_close(db_);
    db_ = nullptr;
    std::string m = e.what();
    if (m.find("file is not a database") != std::string::npos || m.find("malformed") != std::string::npos)
      throw StoreError(path + ": not a Hyperlab run database, or corrupt (" + m.substr(path.size() + 2) +
                       "); move it aside to start a new one");
    if (m.find("readonly") != std::string::npos || m.find("read-only") != std::string::npos)
      throw StoreError(path + ": the run database is read-only (" + m.substr(path.size() + 2) + ")");
    throw;
  }
}

void RunStore::open_read_only(const std::string& cause) {
  read_only_ = path_ + ": opened read-only (" + cause + "): runs can be listed and reported, not recorded or changed";
  // Plain read-only first (sees a live WAL); where its -shm file cannot be
  // made, as immutable (what a closed database on read-only media needs).
  for (const char* query : {"mode=ro", "mode=ro&immutable=1"}) {
    if (db_) sqlite3_close(db_), db_ = nullptr;
    if (sqlite3_open_v2(sqlite_uri(path_, query).c_str(), &db_,
                        SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK)
      continue;
    sqlite3_busy_timeout(db_, 5000);  // a writer elsewhere checkpointing its WAL: wait, do not fail
    if (sqlite3_exec(db_, "PRAGMA user_version", nullptr, nullptr, nullptr) == SQLITE_OK) break;
  }
  int version = -1;
  {
    Stmt s(db_, "PRAGMA user_version", path_);
    if (s.step()) version = static_cast<int>(s.i64(0));
  }
  if (version != kStoreSchemaVersion)
    throw StoreError(path_ + ": " + cause + ", and its schema (" + std::to_string(version) + ") is not this Hyperlab's (" +
                     std::to_string(kStoreSchemaVersion) + "); open it once where it can be written to upgrade it");
}

void RunStore::writable() const {
  if (!read_only_.empty()) throw StoreError(read_only_);
}

void RunStore::open_read_write() {
  const std::string& path = path_;
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string m = db_ ? sqlite3_errmsg(db_) : "out of memory";
    throw StoreError(path + ": cannot open the run database (" + m + ")");
  }
  sqlite3_busy_timeout(db_, 5000);  // another Hyperlab writing: wait, do not fail
  // Switching a new file to WAL, or reading one another connection is just
  // creating, can answer "locked" without waiting: then try again, as long.
  for (int tries = 0;; ++tries) {
    try {
      exec("PRAGMA journal_mode=WAL");
      exec("PRAGMA synchronous=NORMAL");  // WAL + NORMAL: a committed epoch survives a process crash
      exec("PRAGMA foreign_keys=ON");
      migrate();
      break;
    } catch (const StoreError&) {
      const int code = sqlite3_errcode(db_) & 0xff;
      if ((code != SQLITE_BUSY && code != SQLITE_LOCKED) || tries >= 250) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  // Runs and sweeps whose process is gone (crash, kill -9, power cut) are "interrupted".
  interrupted_ = mark_interrupted("runs",
                                  "the process ended before the run did (crash, kill or power loss); completed "
                                  "epochs are kept");
  mark_interrupted("sweeps", "the process ended before the sweep did; run it again to resume it");
}

int RunStore::mark_interrupted(const char* table, const char* reason) {
  std::vector<int64_t> dead;
  {
    Stmt s(db_, (std::string("SELECT id, pid, host FROM ") + table + " WHERE status = 'running'").c_str(), path_);
    const std::string host = host_name();
    while (s.step())
      if (s.text(2) != host || !process_alive(s.i64(1))) dead.push_back(s.i64(0));
  }
  const std::string update = std::string("UPDATE ") + table +
                             " SET status = 'interrupted', reason = ? WHERE id = ? AND status = 'running'";
  for (int64_t id : dead) Stmt(db_, update.c_str(), path_).bind(1, std::string(reason)).bind(2, id).run();
  return static_cast<int>(dead.size());
}

// The first schema (v1); migrate() takes it to the current one.
void RunStore::create_schema_v1() {
  exec(R"(CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL, created TEXT NOT NULL, finished TEXT,
    status TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',
    dataset TEXT NOT NULL DEFAULT '', model TEXT NOT NULL DEFAULT '', optimizer TEXT NOT NULL DEFAULT '',
    lr REAL, batch_size INTEGER, seed INTEGER, epochs INTEGER,
    epochs_run INTEGER NOT NULL DEFAULT 0, best_epoch INTEGER NOT NULL DEFAULT 0,
    best_val_accuracy REAL, test_accuracy REAL, test_loss REAL, seconds REAL NOT NULL DEFAULT 0,
    device TEXT NOT NULL DEFAULT '', versions TEXT NOT NULL DEFAULT '{}', config TEXT NOT NULL,
    info TEXT NOT NULL DEFAULT '{}', confusion TEXT NOT NULL DEFAULT '[]', per_class_accuracy TEXT NOT NULL DEFAULT '[]',
    tags TEXT NOT NULL DEFAULT '', notes TEXT NOT NULL DEFAULT '',
    pid INTEGER, host TEXT NOT NULL DEFAULT ''))");
  exec(R"(CREATE TABLE epochs (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    train_loss REAL, train_accuracy REAL, val_loss REAL, val_accuracy REAL, test_loss REAL, test_accuracy REAL,
    lr REAL, penalty REAL, grad_ratio REAL, grad_norms TEXT, weight_norms TEXT,
    seconds REAL, train_seconds REAL, diag_seconds REAL, samples_per_s REAL, best INTEGER NOT NULL DEFAULT 0,
    batch_losses BLOB,
    PRIMARY KEY (run_id, epoch)) WITHOUT ROWID)");
  exec("CREATE INDEX runs_created ON runs(created)");
  exec("PRAGMA user_version = 1");
}

void RunStore::migrate() {
  auto read_version = [&] {
    Stmt s(db_, "PRAGMA user_version", path_);
    return s.step() ? static_cast<int>(s.i64(0)) : 0;
  };
  int version = read_version();
  if (version == kStoreSchemaVersion) return;
  if (version > kStoreSchemaVersion)
    throw StoreError(path_ + ": written by a newer Hyperlab (schema " + std::to_string(version) + ", this one knows " +
                     std::to_string(kStoreSchemaVersion) + ")");
  // One write transaction for every step, the version read again inside it:
  // two processes (or a sweep's workers) opening an old or new file at once
  // migrate it once; the second waits, then finds it done.
  Transaction t(db_, path_);
  version = read_version();
  if (version == 0) {
    // Anything else in a version-0 file means it is not ours.
    Stmt s(db_, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", path_);
    if (s.step() && s.i64(0) > 0)
      throw StoreError(path_ + ": has tables but no Hyperlab schema version: not a Hyperlab run database");
    create_schema_v1();
    version = 1;
  }
  if (version == 1) {  // v2: where a run's checkpoint is, to resume it
    exec("ALTER TABLE runs ADD COLUMN checkpoint TEXT NOT NULL DEFAULT ''");
    exec("PRAGMA user_version = 2");
    version = 2;
  }
  if (version == 2) {  // v3: sample predictions of the final model, for reports
    exec("ALTER TABLE runs ADD COLUMN samples BLOB");
    exec("PRAGMA user_version = 3");
    version = 3;
  }
  if (version == 3) {  // v4: sweeps, their event logs (to resume them), and each run's sweep and trial
    exec(R"(CREATE TABLE sweeps (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL, created TEXT NOT NULL, finished TEXT,
      status TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', spec TEXT NOT NULL,
      pid INTEGER, host TEXT NOT NULL DEFAULT ''))");
    exec(R"(CREATE TABLE sweep_log (
      sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
      seq INTEGER NOT NULL, event TEXT NOT NULL,
      PRIMARY KEY (sweep_id, seq)) WITHOUT ROWID)");
    exec("ALTER TABLE runs ADD COLUMN sweep_id INTEGER NOT NULL DEFAULT 0");
    exec("ALTER TABLE runs ADD COLUMN trial INTEGER NOT NULL DEFAULT -1");
    exec("ALTER TABLE runs ADD COLUMN trial_repeat INTEGER NOT NULL DEFAULT 0");
    exec("CREATE INDEX runs_sweep ON runs(sweep_id)");
    exec("PRAGMA user_version = 4");
    version = 4;
  }
  if (version == 4) {
    // v5: one definition of a run's result (train/numbers.h). The columns hold
    // the selected epoch's numbers and the final epoch's test metrics; runs
    // recorded before are re-read with that definition (a run without a
    // validation set selected its epoch on the test set then: now its last).
    exec("ALTER TABLE runs ADD COLUMN final_test_accuracy REAL");
    exec("ALTER TABLE runs ADD COLUMN final_test_loss REAL");
    exec("ALTER TABLE runs ADD COLUMN selected_by TEXT NOT NULL DEFAULT ''");
    reread_results_v5();
    exec("PRAGMA user_version = 5");
    version = 5;
  }
  if (version == 5) {
    // v6: an epoch's metrics by name in one JSON column (train/metrics.h), so
    // that a new metric needs no schema change; the columns of each metric go.
    epochs_by_name_v6();
    exec("PRAGMA user_version = 6");
    version = 6;
  }
  // Future schema changes follow the same pattern: if (version == 6) { ...; PRAGMA user_version = 7; }
  t.commit();
}

namespace {

// The epochs as the v1-v5 schema holds them, a column per metric (all runs' when run is 0).
struct OldEpoch {
  int64_t run;
  EpochEvent e;
  bool best;
  std::string batch_losses;
};
std::vector<OldEpoch> epochs_v5(sqlite3* db, const std::string& path, int64_t run) {
  Stmt s(db,
         "SELECT run_id, epoch, train_loss, train_accuracy, val_loss, val_accuracy, test_loss, test_accuracy, lr, "
         "penalty, grad_ratio, grad_norms, weight_norms, seconds, train_seconds, diag_seconds, samples_per_s, best, "
         "batch_losses FROM epochs WHERE ?1 = 0 OR run_id = ?1 ORDER BY run_id, epoch",
         path);
  s.bind(1, run);
  auto layers = [](const std::string& text) {
    std::vector<double> v;
    nlohmann::json a = nlohmann::json::parse(text.empty() ? "[]" : text, nullptr, false);
    if (a.is_array())
      for (const auto& x : a) v.push_back(x.is_number() ? x.get<double>() : kNone);
    return v;
  };
  std::vector<OldEpoch> out;
  while (s.step()) {
    EpochEvent e;
    e.epoch = static_cast<int>(s.i64(1));
    e.train_loss = s.real(2), e.train_accuracy = s.real(3), e.val_loss = s.real(4), e.val_accuracy = s.real(5);
    e.test_loss = s.real(6), e.test_accuracy = s.real(7), e.lr = s.real(8), e.penalty = s.real(9);
    e.grad_ratio = s.real(10), e.grad_norms = layers(s.text(11)), e.weight_norms = layers(s.text(12));
    e.seconds = s.real(13), e.train_seconds = s.real(14), e.diag_seconds = s.real(15), e.samples_per_s = s.real(16);
    out.push_back({s.i64(0), e, s.i64(17) != 0, s.blob(18)});
  }
  return out;
}

}  // namespace

// v6: the epochs table rebuilt with one JSON column of named metrics.
void RunStore::epochs_by_name_v6() {
  const std::vector<OldEpoch> old = epochs_v5(db_, path_, 0);
  exec(R"(CREATE TABLE epochs_v6 (
      run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      epoch INTEGER NOT NULL,
      best INTEGER NOT NULL DEFAULT 0,
      metrics TEXT NOT NULL DEFAULT '{}',
      batch_losses BLOB,
      PRIMARY KEY (run_id, epoch)) WITHOUT ROWID)");
  {
    Stmt ins(db_, "INSERT INTO epochs_v6 (run_id, epoch, best, metrics, batch_losses) VALUES (?, ?, ?, ?, ?)", path_);
    for (const OldEpoch& o : old) {
      ins.reset().bind(1, o.run).bind(2, o.e.epoch).bind(3, o.best ? 1 : 0).bind(4, metrics_json(o.e).dump());
      ins.bind_blob(5, o.batch_losses.data(), o.batch_losses.size());
      ins.run();
    }
  }
  exec("DROP TABLE epochs");
  exec("ALTER TABLE epochs_v6 RENAME TO epochs");
}

// v5: runs recorded before are re-read with the one definition of a result.
// Only what the v4 schema holds is read (not load(), which reads the current
// schema). A v4 run's test_accuracy was measured on its final model, unless
// early stopping restored the best weights: then on the best epoch's.
void RunStore::reread_results_v5() {
  Stmt runs(db_, "SELECT id, config, best_epoch, test_accuracy, test_loss, epochs_run FROM runs", path_);
  Stmt flag(db_, "UPDATE epochs SET best = ? WHERE run_id = ? AND epoch = ?", path_);
  struct Old {
    int64_t id;
    std::string config;
    int best_epoch, epochs_run;
    double test_accuracy, test_loss;
  };
  std::vector<Old> old;  // read first: the loop below updates the table
  while (runs.step())
    old.push_back({runs.i64(0), runs.text(1), static_cast<int>(runs.i64(2)), static_cast<int>(runs.i64(5)),
                   runs.real(3), runs.real(4)});
  for (const Old& o : old) {
    const int64_t id = o.id;
    const ExperimentConfig c = parse_config_text(o.config, path_ + " run " + std::to_string(id)).config;
    std::vector<EpochEvent> h;  // v4 has these columns too
    for (const OldEpoch& e : epochs_v5(db_, path_, id)) h.push_back(e.e);
    if (h.empty()) continue;  // nothing to re-read: its numbers stay
    RunResult end;
    const bool restored = c.training.early_stopping.enabled && c.training.early_stopping.restore_best;
    end.best_epoch = restored ? o.best_epoch : o.epochs_run;
    end.test_accuracy = o.test_accuracy, end.test_loss = o.test_loss;
    if (!restored) end.final_test_accuracy = end.test_accuracy, end.final_test_loss = end.test_loss;
    const std::vector<bool> flags = selection_flags(c, h);
    for (size_t i = 0; i < flags.size(); ++i) {
      flag.reset().bind(1, flags[i] ? 1 : 0).bind(2, id).bind(3, h[i].epoch);
      flag.run();
    }
    store_numbers(id, run_numbers(c, h, end));
  }
}

}  // namespace hyperlab
