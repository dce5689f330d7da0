// The Data page's Download button: fetches MNIST or CIFAR-10 (core's
// data/download.h) off the GUI thread, with a progress bar and Cancel beside
// it, into the folder a config without data.path reads.
#pragma once

#include <QWidget>

#include <atomic>
#include <memory>
#include <string>

class QLabel;
class QProgressBar;
class QPushButton;

namespace hyperlab {

class DatasetDownloadRow : public QWidget {
  Q_OBJECT
 public:
  explicit DatasetDownloadRow(QWidget* parent = nullptr);
  /// Shows the button when `dataset` can be downloaded and is not there yet (and no folder is given).
  void setDataset(const std::string& dataset, bool has_path);
  QPushButton* button() const { return button_; }
  QString statusText() const;
  bool busy() const { return cancel_ != nullptr; }

 Q_SIGNALS:
  void downloaded();  ///< the files are in place: the editor validates again

 private:
  void start();
  void progress(const QString& text, int permille);
  void finish(const QString& error);

  std::string dataset_;
  QPushButton* button_;
  QProgressBar* bar_;
  QLabel* status_;
  std::shared_ptr<std::atomic<bool>> cancel_;
};

}  // namespace hyperlab
