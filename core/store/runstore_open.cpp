// Opening the run history: read-write with WAL and the schema migrated, or
// read-only where it cannot be written (a read-only file system, no
// permission), and marking what a dead process left "running".
#include "store/runstore.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "store/sqlite_util.h"

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
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=NORMAL");  // WAL + NORMAL: a committed epoch survives a process crash
  exec("PRAGMA foreign_keys=ON");
  migrate();
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

}  // namespace hyperlab
