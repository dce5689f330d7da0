// One row of the Activations view: a layer's output for one image, painted
// from the small struct core sends (train/events.h LayerActivation). Feature
// maps are a grid of small pictures at a whole number of screen pixels per
// value, on the filters' diverging scale (blue negative, white zero, red
// positive), one scale for the layer or each map stretched to its own; flat
// outputs are bars; the output layer, when it scores classes, is one
// horizontal bar per class with its probability, the prediction highlighted.
// Sizes follow the widget's font (presentation mode grows the pictures too).
#pragma once

#include <QImage>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include <vector>

#include "train/events.h"

namespace hyperlab {

class ActivationRow : public QWidget {
  Q_OBJECT
 public:
  explicit ActivationRow(QWidget* parent = nullptr);
  /// number: the row's place in the view (1-based); own_scale: each map to its own largest |value|.
  void setLayer(int number, const LayerActivation& a, bool own_scale);
  /// The output layer as classes: names, softmax probabilities, the predicted and the true class.
  void setClasses(const QStringList& names, const std::vector<float>& probabilities, int predicted, int label);
  void setOwnScale(bool on);

  QString title() const;    ///< "1 · conv2d(16) → relu"
  QString details() const;  ///< "16 × 28 × 28 · values 0 to 3.1 · 16 maps"
  int tileCount() const { return tiles_.size(); }
  QRect tileRect(int k) const;      ///< map k's picture in widget coordinates (empty: none)
  int pixelsPerValue() const;       ///< screen pixels per map value (0: no maps)
  int barCount() const;             ///< bars drawn (values, or classes)
  bool showsClasses() const { return !probabilities_.empty(); }
  QRect barRect(int k) const;       ///< bar k's full slot (the probability bar's track for classes)

  bool hasHeightForWidth() const override { return true; }
  int heightForWidth(int w) const override;
  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

 protected:
  void paintEvent(QPaintEvent*) override;
  void changeEvent(QEvent* e) override;

 private:
  struct Layout {
    int margin = 0, gap = 0, title_h = 0;
    int scale = 0, cols = 1, tile_w = 0, tile_h = 0;  // maps
    int label_w = 0, bar_w = 0, bars_h = 0;           // bars
    int class_row_h = 0, name_w = 0, pct_w = 0;       // classes
    int content_top = 0, content_h = 0, note_h = 0;
  };
  Layout layout(int width) const;
  void rebuildTiles();
  void paintMaps(QPainter& p, const Layout& L);
  void paintBars(QPainter& p, const Layout& L);
  void paintClasses(QPainter& p, const Layout& L);
  QString leftOutNote() const;
  QFont titleFont() const;

  int number_ = 0;
  LayerActivation a_;
  bool own_scale_ = false;
  QVector<QImage> tiles_;
  QStringList names_;
  std::vector<float> probabilities_;
  int predicted_ = -1, label_ = -1;
};

}  // namespace hyperlab
