// Views painted with QPainter from the small structs core sends: image grids
// (samples and predictions), first-layer filters, the confusion matrix and the
// decision map of 2-D data. Each exports as a picture (ui/widgets/export.h).
#pragma once

#include <QImage>
#include <QStringList>
#include <QWidget>

#include <utility>
#include <vector>

#include "train/events.h"

class QCheckBox;

namespace hyperlab {

/// Blue-white-red for v in [-1, 1].
QRgb diverging_color(double v);

/// A grid of images with their class, and after training their prediction.
/// Captions are drawn in the widget's font; a line longer than its cell is
/// elided ("…") and the cell's tooltip gives the full text.
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
  /// The k-th shown image's cell (image and caption), in widget coordinates.
  QRect cellRect(int k) const;
  /// The caption lines of the k-th shown image as drawn: elided to the cell's
  /// width, a prediction's confidence always kept ("Ankle b… 97%").
  QStringList captionLines(int k) const;
  /// The captions' font: the widget's, a little smaller.
  QFont captionFont() const;
  /// The full caption of the image under pos, when one of its lines is elided ("" otherwise).
  QString toolTipAt(const QPoint& pos) const;
  /// The index (into the images set) of the image whose cell holds pos, or -1.
  int imageAt(const QPoint& pos) const;

 Q_SIGNALS:
  /// An image was clicked (index into the images set) or double-clicked.
  void imageClicked(int index);
  void imageDoubleClicked(int index);

 protected:
  bool event(QEvent* e) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseDoubleClickEvent(QMouseEvent* e) override;
  void paintEvent(QPaintEvent*) override;
  void resizeEvent(QResizeEvent*) override;

 private:
  void rebuild();
  QSize tileSize() const;
  int columns() const;
  int imageSide() const;
  /// The k-th shown image's caption lines, each as the part that may be
  /// shortened and a suffix kept whole (the confidence: "Shirt" + " 37%").
  std::vector<std::pair<QString, QString>> captionParts(int k) const;
  ImageBatch images_;
  QStringList names_;
  std::vector<int> predicted_;
  std::vector<float> confidence_;
  bool misclassified_only_ = false;
  int scale_ = 2;
  QVector<int> shown_;
  QVector<QImage> pictures_;
};

/// First-layer weights as tiles on a diverging scale (blue negative, white
/// zero, red positive; colour kernels as RGB around grey), scaled up by a whole
/// number of screen pixels per weight, with clear gaps between filters (and
/// between a filter's channels when they are drawn side by side), and a colour
/// bar with the scale. A check box in the view switches between one shared
/// scale (magnitudes compare across filters) and each filter stretched to its
/// own largest |weight| (patterns of weak filters show). All text follows the
/// widget's font.
class FilterView : public QWidget {
  Q_OBJECT
 public:
  explicit FilterView(QWidget* parent = nullptr);
  void setSnapshot(const Snapshot& s);
  void clear();
  int tileCount() const { return count_; }
  QString caption() const { return caption_; }

  /// One scale for all filters (true) or each filter to its own range (false, the default).
  bool sharedScale() const { return shared_; }
  void setSharedScale(bool on);
  QCheckBox* sharedScaleToggle() const { return shared_box_; }
  /// The colour bar's labels as drawn: its low end, "0", its high end.
  QStringList colorBarLabels() const;
  /// The colour bar's title (what the scale means in the current mode).
  QString colorBarTitle() const;
  /// Where the colour bar's ramp and tile i are drawn at the widget's size and font (empty: none).
  QRect colorBarRect() const;
  QRect tileRect(int i) const;
  /// Screen pixels per weight (a whole number when the filters fit at one or more).
  double pixelsPerWeight() const;
  /// Before and after: the snapshot carried the starting filters (Snapshot::start_filters), drawn
  /// left of each current one, with the relative L2 change ||w - w0|| / ||w0|| under the pair.
  bool comparing() const { return count_ > 0 && start_.size() == weights_.size(); }
  const std::vector<double>& changes() const { return change_; }  ///< per filter, when comparing

 protected:
  void paintEvent(QPaintEvent*) override;
  void resizeEvent(QResizeEvent*) override;
  void changeEvent(QEvent* e) override;

 private:
  struct Layout {
    int cols = 0, gap = 0, channel_gap = 0;
    double scale = 0;   ///< screen pixels per weight
    QRect caption, grid, bar, bar_labels, bar_title;
  };
  Layout computeLayout() const;
  QRect tileRect(const Layout& L, int i) const;
  void rebuildTiles();  ///< the scales; the pictures go stale
  void ensureTiles();   ///< the pictures, made when painted
  void placeToggle();
  std::vector<float> weights_;
  int count_ = 0, channels_ = 0, h_ = 0, w_ = 0;
  QVector<QImage> tiles_;  ///< one per filter, one image pixel per weight (empty until painted)
  std::vector<double> maxima_;  ///< each filter's largest |weight| (with its start's, comparing)
  std::vector<float> start_;       ///< the starting filters, same layout as weights_ (empty: no comparison)
  QVector<QImage> start_tiles_;    ///< drawn on the same scale as the current tile beside it
  std::vector<double> change_;
  double shared_max_ = 0, smallest_max_ = 0;
  QString caption_;
  bool shared_ = false;
  QCheckBox* shared_box_;
};

/// Confusion matrix heatmap with counts and per-class accuracy.
class ConfusionView : public QWidget {
  Q_OBJECT
 public:
  explicit ConfusionView(QWidget* parent = nullptr);
  void setMatrix(const std::vector<std::vector<int64_t>>& m, const QStringList& class_names);
  void clear();
  bool empty() const { return m_.empty(); }
  /// The axis titles: rows are the true class, columns the predicted one.
  static QString trueAxisTitle() { return QStringLiteral("true class"); }
  static QString predictedAxisTitle() { return QStringLiteral("predicted class"); }
  /// Where the titles are drawn at the widget's size and font (the true-class
  /// title reads bottom to top; its rect is the rotated text's box). Empty: no matrix.
  QRect trueAxisTitleRect() const;
  QRect predictedAxisTitleRect() const;

 protected:
  void paintEvent(QPaintEvent*) override;

 private:
  struct Layout {
    int cell = 0;
    QRect matrix, true_title, predicted_title;
    int label_w = 0, acc_w = 0;
  };
  Layout computeLayout() const;
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
