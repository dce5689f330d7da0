#include "ui/run/runstatusbar.h"

#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QStatusBar>

#include <cmath>

#include "train/numbers.h"
#include "ui/run/runmodel.h"
#include "ui/widgets/elidedlabel.h"

namespace hyperlab {

RunStatusBar::RunStatusBar(QStatusBar* bar) : QObject(bar) {
  status_ = new ElidedLabel("Ready");  // shortened, not cut, beside the figures
  epoch_ = new QLabel;
  progress_ = new QProgressBar;
  progress_->setMaximumWidth(180);
  progress_->setTextVisible(false);
  speed_ = new QLabel;
  eta_ = new QLabel;
  device_ = new QLabel;
  bar->addWidget(status_, 1);
  for (QWidget* w : std::initializer_list<QWidget*>{epoch_, progress_, speed_, eta_, device_}) bar->addPermanentWidget(w);
}

void RunStatusBar::setText(const QString& text) { status_->setText(text); }
QString RunStatusBar::text() const { return status_->text(); }
void RunStatusBar::setRunning(bool running) { progress_->setVisible(running); }

void RunStatusBar::clear(const QString& text) {
  status_->setText(text);
  for (QLabel* l : {epoch_, speed_, eta_, device_}) l->clear();
  device_->setToolTip(QString());
  progress_->setValue(0);
  clock_.invalidate();  // the next run's first batch shows at once
}

void RunStatusBar::starting(int epochs) {
  clear(status_->text());
  epoch_->setText(QString("epoch 0/%1").arg(epochs));
}

void RunStatusBar::started(const RunStart& s) {
  device_->setText(QString::fromStdString(s.device) +
                   (s.threads ? QString(" · %1 thread%2").arg(s.threads).arg(s.threads > 1 ? "s" : "") : ""));
  device_->setToolTip(QString::fromStdString(s.blas));
  status_->setText(QString("Training %1 parameters on %2 samples")
                       .arg(QLocale().toString(qlonglong(s.parameters)))
                       .arg(QLocale().toString(qlonglong(s.train_size))));
}

void RunStatusBar::progress(const BatchEvent& last, int epochs, double seconds_left) {
  if (clock_.isValid() && clock_.elapsed() < 250) return;
  clock_.start();
  epoch_->setText(QString("epoch %1/%2").arg(last.epoch).arg(epochs));
  progress_->setMaximum(last.batches);
  progress_->setValue(last.batch);
  speed_->setText(QString("%1 samples/s").arg(QLocale().toString(qlonglong(std::llround(last.samples_per_s)))));
  if (std::isfinite(seconds_left)) eta_->setText("ETA " + format_duration(seconds_left));
}

void RunStatusBar::finished(const ExperimentConfig& c, const RunResult& r) {
  QString text = "Run " + QString(status_name(r.status));
  // The run's numbers, as every table gives them (train/numbers.h).
  const RunNumbers n = run_numbers(c, r.history, r);
  if (std::isfinite(n.test_accuracy))
    text += QString(" · test accuracy %1% at the selected epoch: %2")
                .arg(100 * n.test_accuracy, 0, 'f', 2)
                .arg(QString::fromStdString(n.selection_text()));
  if (n.selected_epoch != n.final_epoch && std::isfinite(n.final_test_accuracy))
    text += QString(" · final epoch %1%").arg(100 * n.final_test_accuracy, 0, 'f', 2);
  text += " · " + format_duration(r.seconds);
  status_->setText(text);
  // The last batches' figures may have been skipped (updates are throttled): the run's end is exact.
  epoch_->setText(QString("epoch %1/%2").arg(r.epochs_run).arg(c.training.epochs));
  eta_->clear();
}

}  // namespace hyperlab
