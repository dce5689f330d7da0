#include "ui/widgets/background.h"

#include <QMessageBox>
#include <QSaveFile>

#include <algorithm>

namespace hyperlab {

namespace {
constexpr const char* kBusy = "hyperlabBusyJobs";
}

void begin_busy(QWidget* w) {
  if (!w) return;
  QWidget* win = w->window();
  const int n = win->property(kBusy).toInt();
  if (n == 0) win->setCursor(Qt::BusyCursor);
  win->setProperty(kBusy, n + 1);
}

void end_busy(QWidget* w) {
  if (!w) return;
  QWidget* win = w->window();
  const int n = std::max(0, win->property(kBusy).toInt() - 1);
  win->setProperty(kBusy, n);
  if (n == 0) win->unsetCursor();
}

QString write_bytes(const QString& file, const QByteArray& bytes) {
  QSaveFile f(file);
  if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit()) return "cannot write " + file;
  return {};
}

void write_in_background(QWidget* context, const QString& file, const QByteArray& bytes,
                         std::function<void(const QString& error)> done) {
  begin_busy(context);
  QPointer<QWidget> w(context);
  run_in_background(
      context, [file, bytes] { return write_bytes(file, bytes); },
      [w, done = std::move(done)](const QString& error) {
        end_busy(w);
        if (done) done(error);
      });
}

void run_file_job(QWidget* parent, const QString& title, std::function<QString()> job) {
  begin_busy(parent);
  QPointer<QWidget> w(parent);
  run_in_background(parent, std::move(job), [w, title](const QString& error) {
    end_busy(w);
    if (!error.isEmpty()) QMessageBox::warning(w, title, error);
  });
}

}  // namespace hyperlab
