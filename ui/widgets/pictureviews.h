// Views painted with QPainter from the small structs core sends: image grids
// (samples and predictions), first-layer filters, the confusion matrix and the
// decision map of 2-D data. Each exports as a picture (ui/widgets/export.h).
#pragma once

#include <QImage>
#include <QStringList>
#include <QWidget>

#include "train/events.h"

namespace hyperlab {

/// Blue-white-red for v in [-1, 1].
QRgb diverging_color(double v);

/// A grid of images with their class, and after training their prediction.
class ImageGridView : public QWidget {
  Q_OBJECT
 public:
  explicit ImageGridView(QWidget* parent = nullptr);
  void setImages(const ImageBatch& images, const QStringList& class_names);
  /// Predictions for the images (empty: none yet).
  void setPredictions(const std::vector<int>& predicted, const std::vector<float>& confidence);
  void setMisclassifiedOnly(bool on);
  void setScale(int s);
  int shownCount() const { return shown_.size(); }
  int misclassifiedCount() const;
  QSize sizeHint() const override;
  int heightForWidth(int w) const override;
  bool hasHeightForWidth() const override { return true; }

 protected:
  void paintEvent(QPaintEvent*) override;
  void resizeEvent(QResizeEvent*) override;

 private:
  void rebuild();
  QSize tileSize() const;
  ImageBatch images_;
  QStringList names_;
  std::vector<int> predicted_;
  std::vector<float> confidence_;
  bool misclassified_only_ = false;
  int scale_ = 2;
  QVector<int> shown_;
  QVector<QImage> pictures_;
};

/// First-layer weights as tiles, one diverging colour scale per tile.
class FilterView : public QWidget {
  Q_OBJECT
 public:
  explicit FilterView(QWidget* parent = nullptr);
  void setSnapshot(const Snapshot& s);
  void clear();
  int tileCount() const { return tiles_.size(); }
  QString caption() const { return caption_; }

 protected:
  void paintEvent(QPaintEvent*) override;

 private:
  QVector<QImage> tiles_;
  QString caption_;
};

/// Confusion matrix heatmap with counts and per-class accuracy.
class ConfusionView : public QWidget {
  Q_OBJECT
 public:
  explicit ConfusionView(QWidget* parent = nullptr);
  void setMatrix(const std::vector<std::vector<int64_t>>& m, const QStringList& class_names);
  void clear();
  bool empty() const { return m_.empty(); }

 protected:
  void paintEvent(QPaintEvent*) override;

 private:
  std::vector<std::vector<int64_t>> m_;
  QStringList names_;
};

/// The model's prediction over the plane, with training (filled) and test
/// (hollow) points on it.
class BoundaryView : public QWidget {
  Q_OBJECT
 public:
  explicit BoundaryView(QWidget* parent = nullptr);
  void setData(const DataPreview& p);
  void setSnapshot(const Snapshot& s);
  void clear();
  bool hasMap() const { return !map_.isNull(); }

 protected:
  void paintEvent(QPaintEvent*) override;

 private:
  DataPreview data_;
  QImage map_;
  int epoch_ = 0;
};

}  // namespace hyperlab
