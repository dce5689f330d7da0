#include "ui/editor/datadownload.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QMetaObject>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>

#include "data/download.h"
#include "ui/widgets/background.h"

namespace hyperlab {

DatasetDownloadRow::DatasetDownloadRow(QWidget* parent) : QWidget(parent) {
  auto* h = new QHBoxLayout(this);
  h->setContentsMargins(0, 0, 0, 0);
  button_ = new QPushButton("Download");
  bar_ = new QProgressBar;
  bar_->setRange(0, 1000);
  bar_->setTextVisible(false);
  bar_->hide();
  status_ = new QLabel;
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  h->addWidget(button_);
  h->addWidget(bar_, 1);
  h->addWidget(status_, 2);
  connect(button_, &QPushButton::clicked, this, [this] {
    if (cancel_) cancel_->store(true);
    else start();
  });
}

void DatasetDownloadRow::setDataset(const std::string& dataset, bool has_path) {
  if (busy()) return;
  dataset_ = dataset;
  const DatasetDownload* d = dataset_download(dataset);
  const bool missing = d && !has_path && !is_downloaded(*d, download_folder(dataset));
  setVisible(missing);
  if (missing) {
    button_->setToolTip(QString("Download %1 from its public mirrors (checked with their published MD5s) into %2")
                            .arg(QString::fromStdString(dataset), QString::fromStdString(download_folder(dataset))));
    if (status_->text().isEmpty()) status_->setText("not downloaded yet");
  }
}

QString DatasetDownloadRow::statusText() const { return status_->text(); }

void DatasetDownloadRow::start() {
  const DatasetDownload* d = dataset_download(dataset_);
  if (!d) return;
  cancel_ = std::make_shared<std::atomic<bool>>(false);
  button_->setText("Cancel");
  bar_->setValue(0);
  bar_->show();
  status_->setText("connecting…");
  QPointer<DatasetDownloadRow> self(this);
  auto cancel = cancel_;
  const DatasetDownload entry = *d;
  const std::string dir = download_folder(dataset_);
  run_in_background(
      this,
      [entry, dir, cancel, self]() -> QString {
        try {
          download_dataset(entry, dir, [&](const DownloadProgress& p) {
            const int permille = p.total > 0 ? static_cast<int>(1000 * p.done / p.total) : 0;
            const QString text = p.url.empty() ? QString("unpacking %1").arg(QString::fromStdString(p.file))
                                               : QString("%1 of %2: %3 MB")
                                                     .arg(p.index)
                                                     .arg(p.count)
                                                     .arg(p.done / 1e6, 0, 'f', 1);
            QMetaObject::invokeMethod(
                self, [self, text, permille] { if (self) self->progress(text, permille); }, Qt::QueuedConnection);
            return !cancel->load();
          });
          return QString();
        } catch (const std::exception& e) {
          return QString::fromStdString(e.what());
        }
      },
      [this](QString error) { finish(error); });
}

void DatasetDownloadRow::progress(const QString& text, int permille) {
  if (!busy()) return;
  status_->setText(text);
  bar_->setValue(permille);
}

void DatasetDownloadRow::finish(const QString& error) {
  cancel_.reset();
  button_->setText("Download");
  bar_->hide();
  if (!error.isEmpty()) {
    status_->setText(error);
    return;
  }
  status_->setText(QString("downloaded into %1").arg(QString::fromStdString(download_folder(dataset_))));
  Q_EMIT downloaded();
}

}  // namespace hyperlab
