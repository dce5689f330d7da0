// The run history read (and changed) off the GUI thread: one RunStore
// connection that lives on one worker thread of its own. Jobs run one at a
// time, in the order given, so no connection is ever shared between threads
// at once and a change is seen by the reads queued after it; each job's
// result, or the store's error in words, comes back on the GUI thread.
#pragma once

#include <QObject>
#include <QPointer>
#include <QString>
#include <QThreadPool>

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "store/runstore.h"
#include "ui/widgets/background.h"

namespace hyperlab {

/// The runs with these ids (those that exist), read through a connection of
/// this thread's own; for jobs such as reports. Throws StoreError.
std::vector<RunRecord> load_runs(const std::string& path, const std::vector<int64_t>& ids);

class StoreWorker : public QObject {
  Q_OBJECT
 public:
  explicit StoreWorker(QObject* parent = nullptr);
  ~StoreWorker() override;  ///< drops queued jobs, waits for the one running

  /// The database the next jobs use (opened by the first of them).
  void setPath(const QString& path) { path_ = path.toStdString(); }
  QString path() const { return QString::fromStdString(path_); }
  /// job(store) on the worker thread, then done(result, error) here; error is
  /// "" or why the store could not be opened or read (result is then R{}).
  template <class Job, class Done>
  void run(Job job, Done done);
  /// Jobs queued or running whose results have not come back yet.
  bool busy() const { return pending_ > 0; }
  /// A widget whose window shows a busy cursor while jobs are out.
  void setBusyWidget(QWidget* w) { busy_widget_ = w; }

 Q_SIGNALS:
  /// The last job's result was delivered.
  void idle();

 private:
  struct Connection {
    std::unique_ptr<RunStore> store;  // used by one job at a time only
  };
  void delivered();
  std::string path_;
  std::shared_ptr<Connection> connection_ = std::make_shared<Connection>();
  QThreadPool pool_;
  int pending_ = 0;
  QPointer<QWidget> busy_widget_;
};

template <class Job, class Done>
void StoreWorker::run(Job job, Done done) {
  using R = std::invoke_result_t<Job&, RunStore&>;
  struct Answer {
    R result{};
    QString error;
  };
  if (pending_++ == 0) begin_busy(busy_widget_);
  run_in_background(
      this,
      [connection = connection_, path = path_, job = std::move(job)]() mutable {
        Answer a;
        try {
          if (!connection->store || connection->store->path() != path) {
            connection->store.reset();
            connection->store = std::make_unique<RunStore>(path);
          }
          a.result = job(*connection->store);
        } catch (const std::exception& e) {
          a.error = QString::fromStdString(e.what());
        }
        return a;
      },
      [this, done = std::move(done)](Answer a) mutable {
        done(std::move(a.result), a.error);
        delivered();
      },
      &pool_);
}

}  // namespace hyperlab
