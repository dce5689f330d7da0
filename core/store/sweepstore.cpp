// The sweeps' part of the run store: a row per sweep and its event log.
#include <sqlite3.h>

#include "store/runstore.h"
#include "store/sqlite_util.h"

namespace hyperlab {

using namespace store_detail;

namespace {
const char* kSweepColumns =
    "id, name, created, COALESCE(finished, ''), status, reason, spec, "
    "(SELECT count(*) FROM runs WHERE runs.sweep_id = sweeps.id)";
SweepSummary read_sweep(const Stmt& s) {
  SweepSummary w;
  w.id = s.i64(0), w.name = s.text(1), w.created = s.text(2), w.finished = s.text(3), w.status = s.text(4);
  w.reason = s.text(5), w.spec = s.text(6), w.runs = static_cast<int>(s.i64(7));
  return w;
}
}  // namespace

int64_t RunStore::begin_sweep(const std::string& name, const std::string& spec) {
  writable();
  Stmt s(db_, "INSERT INTO sweeps (name, created, status, spec, pid, host) VALUES (?, ?, 'running', ?, ?, ?)", path_);
  s.bind(1, name).bind(2, now_utc()).bind(3, spec).bind(4, static_cast<int64_t>(::getpid())).bind(5, host_name()).run();
  return sqlite3_last_insert_rowid(db_);
}

void RunStore::reopen_sweep(int64_t id) {
  writable();
  Stmt s(db_, "UPDATE sweeps SET status = 'running', reason = '', finished = NULL, pid = ?, host = ? WHERE id = ?", path_);
  s.bind(1, static_cast<int64_t>(::getpid())).bind(2, host_name()).bind(3, id).run();
}

void RunStore::finish_sweep(int64_t id, const std::string& status, const std::string& reason) {
  writable();
  Stmt s(db_, "UPDATE sweeps SET status = ?, reason = ?, finished = ? WHERE id = ?", path_);
  s.bind(1, status).bind(2, reason).bind(3, now_utc()).bind(4, id).run();
}

void RunStore::append_sweep_log(int64_t id, const std::string& event) {
  writable();
  Stmt s(db_,
         "INSERT INTO sweep_log (sweep_id, seq, event) VALUES "
         "(?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM sweep_log WHERE sweep_id = ?1), ?2)",
         path_);
  s.bind(1, id).bind(2, event).run();
}

std::vector<std::string> RunStore::sweep_log(int64_t id) const {
  Stmt s(db_, "SELECT event FROM sweep_log WHERE sweep_id = ? ORDER BY seq", path_);
  s.bind(1, id);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::vector<SweepSummary> RunStore::list_sweeps() const {
  std::string sql = std::string("SELECT ") + kSweepColumns + " FROM sweeps ORDER BY id";
  Stmt s(db_, sql.c_str(), path_);
  std::vector<SweepSummary> out;
  while (s.step()) out.push_back(read_sweep(s));
  return out;
}

std::optional<SweepSummary> RunStore::sweep(int64_t id) const {
  std::string sql = std::string("SELECT ") + kSweepColumns + " FROM sweeps WHERE id = ?";
  Stmt s(db_, sql.c_str(), path_);
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_sweep(s);
}

void RunStore::link_run(int64_t run, int64_t sweep, int trial, int repeat) {
  writable();
  Stmt s(db_, "UPDATE runs SET sweep_id = ?, trial = ?, trial_repeat = ? WHERE id = ?", path_);
  s.bind(1, sweep).bind(2, trial).bind(3, repeat).bind(4, run).run();
}

}  // namespace hyperlab
