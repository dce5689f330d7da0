// Work off the GUI thread: file writes and store reads run on a pool thread,
// and their result comes back to the GUI thread through a queued call, so the
// window keeps answering while they run. Widgets show a busy cursor meanwhile.
#pragma once

#include <QByteArray>
#include <QCoreApplication>
#include <QMetaObject>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QThreadPool>
#include <QWidget>

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

namespace hyperlab {

/// A busy cursor on a widget's window while at least one job runs for it.
void begin_busy(QWidget* w);
void end_busy(QWidget* w);

/// Runs work() on pool (the global one by default), then done(result) on the
/// GUI thread; nothing is delivered if context is gone by then. work must not
/// touch context: give it copies.
template <class Work, class Done>
void run_in_background(QObject* context, Work work, Done done, QThreadPool* pool = QThreadPool::globalInstance()) {
  using R = std::invoke_result_t<Work&>;
  QPointer<QObject> ctx(context);
  auto deliver = std::make_shared<Done>(std::move(done));
  pool->start([ctx, work = std::move(work), deliver]() mutable {
    auto result = std::make_shared<R>(work());
    // Queued to the application object (it outlives every view); context is checked there.
    QMetaObject::invokeMethod(
        QCoreApplication::instance(),
        [ctx, result, deliver] {
          if (ctx) (*deliver)(std::move(*result));
        },
        Qt::QueuedConnection);
  });
}

/// run_in_background with a busy cursor on w's window until done() has run.
template <class Work, class Done>
void run_with_busy(QWidget* w, Work work, Done done) {
  begin_busy(w);
  QPointer<QWidget> guard(w);
  run_in_background(w, std::move(work), [guard, done = std::move(done)](auto result) mutable {
    end_busy(guard);
    done(std::move(result));
  });
}

/// Writes bytes to file (all or nothing: a QSaveFile) off the GUI thread;
/// done(error or "") on the GUI thread. The widget shows busy meanwhile.
void write_in_background(QWidget* context, const QString& file, const QByteArray& bytes,
                         std::function<void(const QString& error)> done);
/// The same, now, on this thread.
QString write_bytes(const QString& file, const QByteArray& bytes);
/// Runs job (it returns an error or "") off the GUI thread with a busy
/// cursor on parent; an error is shown in a message box titled title.
void run_file_job(QWidget* parent, const QString& title, std::function<QString()> job);

}  // namespace hyperlab
