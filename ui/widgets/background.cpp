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
  run_with_busy(
      context, [file, bytes] { return write_bytes(file, bytes); },
      [done = std::move(done)](const QString& error) {
        if (done) done(error);
      });
}

void run_file_job(QWidget* parent, const QString& title, std::function<QString()> job) {
  QPointer<QWidget> w(parent);
  run_with_busy(parent, std::move(job), [w, title](const QString& error) {
    if (!error.isEmpty()) QMessageBox::warning(w, title, error);
  });
}

}  // namespace hyperlab
