#include "ui/widgets/pictureviews.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

#include "ui/widgets/metricchart.h"

namespace hyperlab {

QRgb diverging_color(double v) {
  v = std::clamp(v, -1.0, 1.0);
  // white at 0, (33,102,172) at -1, (178,24,43) at +1
  auto mix = [](int a, int b, double t) { return static_cast<int>(std::lround(a + (b - a) * t)); };
  if (v < 0) return qRgb(mix(255, 33, -v), mix(255, 102, -v), mix(255, 172, -v));
  return qRgb(mix(255, 178, v), mix(255, 24, v), mix(255, 43, v));
}

namespace {

QImage to_image(const ImageBatch& b, int i) {
  const int h = b.height, w = b.width, c = b.channels;
  QImage img(w, h, QImage::Format_RGB32);
  const uint8_t* p = b.image(i);
  for (int y = 0; y < h; ++y) {
    QRgb* row = reinterpret_cast<QRgb*>(img.scanLine(y));
    for (int x = 0; x < w; ++x) {
      if (c >= 3) row[x] = qRgb(p[y * w + x], p[h * w + y * w + x], p[2 * h * w + y * w + x]);
      else row[x] = qRgb(p[y * w + x], p[y * w + x], p[y * w + x]);
    }
  }
  return img;
}

constexpr int kLabelHeight = 30;

}  // namespace

// ---- ImageGridView ----

ImageGridView::ImageGridView(QWidget* parent) : QWidget(parent) {
  QSizePolicy sp(QSizePolicy::Preferred, QSizePolicy::Preferred);
  sp.setHeightForWidth(true);
  setSizePolicy(sp);
}

void ImageGridView::setImages(const ImageBatch& images, const QStringList& class_names) {
  images_ = images;
  names_ = class_names;
  predicted_.clear(), confidence_.clear();
  pictures_.clear();
  for (int i = 0; i < images_.count(); ++i) pictures_.push_back(to_image(images_, i));
  rebuild();
}

void ImageGridView::setPredictions(const std::vector<int>& predicted, const std::vector<float>& confidence) {
  predicted_ = predicted, confidence_ = confidence;
  rebuild();
}

void ImageGridView::setMisclassifiedOnly(bool on) {
  misclassified_only_ = on;
  rebuild();
}

void ImageGridView::setScale(int s) {
  scale_ = std::max(1, s);
  updateGeometry();
  update();
}

int ImageGridView::misclassifiedCount() const {
  int n = 0;
  for (size_t i = 0; i < predicted_.size() && i < images_.labels.size(); ++i) n += predicted_[i] != images_.labels[i];
  return n;
}

void ImageGridView::rebuild() {
  shown_.clear();
  for (int i = 0; i < images_.count(); ++i) {
    bool wrong = size_t(i) < predicted_.size() && predicted_[i] != images_.labels[i];
    if (!misclassified_only_ || wrong) shown_.push_back(i);
  }
  updateGeometry();
  update();
}

QSize ImageGridView::tileSize() const {
  int side = std::max(images_.width, images_.height) * scale_;
  side = std::max(side, 56);
  return QSize(std::max(side, 84), side + kLabelHeight);
}

int ImageGridView::heightForWidth(int w) const {
  QSize t = tileSize();
  int cols = std::max(1, w / (t.width() + 4));
  int rows = (shown_.size() + cols - 1) / cols;
  return std::max(1, rows) * (t.height() + 4) + 4;
}

QSize ImageGridView::sizeHint() const { return QSize(8 * (tileSize().width() + 4), heightForWidth(8 * (tileSize().width() + 4))); }

void ImageGridView::resizeEvent(QResizeEvent*) { updateGeometry(); }

void ImageGridView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().color(QPalette::Base));
  if (shown_.isEmpty()) {
    p.drawText(rect(), Qt::AlignCenter,
               images_.count() == 0 ? "No images (this dataset has none, or it is not loaded)"
                                    : "No misclassified images among these");
    return;
  }
  const QSize t = tileSize();
  const int cols = std::max(1, width() / (t.width() + 4));
  QFont small = font();
  small.setPointSizeF(std::max(6.0, font().pointSizeF() * 0.8));
  p.setFont(small);
  for (int k = 0; k < shown_.size(); ++k) {
    const int i = shown_[k];
    const QRect cell((k % cols) * (t.width() + 4) + 4, (k / cols) * (t.height() + 4) + 4, t.width(), t.height());
    const int side = t.height() - kLabelHeight;
    const QRect img_rect(cell.x() + (cell.width() - side) / 2, cell.y(), side, side);
    p.drawImage(img_rect, pictures_[i]);
    const int truth = images_.labels[i];
    auto name = [&](int c) { return c >= 0 && c < names_.size() ? names_[c] : QString::number(c); };
    QString text = name(truth);
    QColor col = palette().color(QPalette::Text);
    if (size_t(i) < predicted_.size()) {
      const bool wrong = predicted_[i] != truth;
      const QString conf = QString::number(100.0 * confidence_[i], 'f', 0) + "%";
      text = wrong ? name(predicted_[i]) + " " + conf + "\n(true: " + name(truth) + ")" : name(truth) + " " + conf;
      col = wrong ? QColor(200, 30, 30) : QColor(20, 120, 40);
      if (wrong) {
        p.setPen(QPen(QColor(220, 30, 30), 3));
        p.drawRect(img_rect.adjusted(-1, -1, 1, 1));
      }
    }
    p.setPen(col);
    p.drawText(QRect(cell.x(), cell.y() + side + 1, cell.width(), kLabelHeight - 1),
               Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap, text);
  }
}

// ---- FilterView ----

FilterView::FilterView(QWidget* parent) : QWidget(parent) { setMinimumSize(200, 200); }

void FilterView::clear() {
  tiles_.clear();
  caption_.clear();
  update();
}

void FilterView::setSnapshot(const Snapshot& s) {
  tiles_.clear();
  if (s.filter_count == 0) {
    caption_ = "The first layer's inputs are not pictures (e.g. 2-D points): no filters to show.";
    update();
    return;
  }
  const int c = s.filter_channels, h = s.filter_h, w = s.filter_w, per = c * h * w;
  for (int f = 0; f < s.filter_count; ++f) {
    const float* v = s.filters.data() + size_t(f) * per;
    double m = 1e-12;
    for (int i = 0; i < per; ++i) m = std::max(m, double(std::abs(v[i])));
    QImage img(w, h, QImage::Format_RGB32);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        if (c == 3) {  // colour kernels: each channel mapped to [0,255] around grey
          auto ch = [&](int k) { return static_cast<int>(std::lround(127.5 + 127.5 * v[k * h * w + y * w + x] / m)); };
          img.setPixel(x, y, qRgb(ch(0), ch(1), ch(2)));
        } else {
          double sum = 0;
          for (int k = 0; k < c; ++k) sum += v[k * h * w + y * w + x];
          img.setPixel(x, y, diverging_color(sum / c / m));
        }
      }
    tiles_.push_back(img);
  }
  caption_ = QString("%1: input weights of the first %2 units (%3x%4%5), epoch %6%7; blue negative, red positive")
                 .arg(QString::fromStdString(s.filter_layer))
                 .arg(s.filter_count)
                 .arg(h)
                 .arg(w)
                 .arg(c > 1 ? QString("x%1").arg(c) : QString())
                 .arg(s.epoch)
                 .arg(s.final ? " (final)" : "");
  update();
}

void FilterView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().color(QPalette::Base));
  p.setPen(palette().color(QPalette::Text));
  const int caption_h = fontMetrics().height() * 2 + 6;
  p.drawText(QRect(6, 2, width() - 12, caption_h), Qt::AlignLeft | Qt::TextWordWrap,
             caption_.isEmpty() ? QString("Filters appear after the first epoch.") : caption_);
  if (tiles_.isEmpty()) return;
  const int n = tiles_.size();
  const int cols = static_cast<int>(std::ceil(std::sqrt(double(n))));
  const int rows = (n + cols - 1) / cols;
  const int avail_w = width() - 12, avail_h = height() - caption_h - 8;
  const int side = std::max(4, std::min(avail_w / cols, avail_h / rows) - 3);
  for (int i = 0; i < n; ++i) {
    QRect r(6 + (i % cols) * (side + 3), caption_h + 4 + (i / cols) * (side + 3), side, side);
    p.drawImage(r, tiles_[i]);
  }
}

// ---- ConfusionView ----

ConfusionView::ConfusionView(QWidget* parent) : QWidget(parent) { setMinimumSize(300, 300); }

void ConfusionView::setMatrix(const std::vector<std::vector<int64_t>>& m, const QStringList& class_names) {
  m_ = m, names_ = class_names;
  update();
}

void ConfusionView::clear() {
  m_.clear();
  update();
}

void ConfusionView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().color(QPalette::Base));
  p.setPen(palette().color(QPalette::Text));
  if (m_.empty()) {
    p.drawText(rect(), Qt::AlignCenter, "The confusion matrix on the test set appears when a run ends.");
    return;
  }
  const int C = static_cast<int>(m_.size());
  auto name = [&](int c) { return c < names_.size() ? names_[c] : QString::number(c); };
  int label_w = 0;
  for (int c = 0; c < C; ++c) label_w = std::max(label_w, fontMetrics().horizontalAdvance(name(c)));
  label_w += 10;
  const int acc_w = fontMetrics().horizontalAdvance("accuracy  ") + 10;
  const int top = fontMetrics().height() * 2 + 8;
  const int cell = std::max(12, std::min((width() - label_w - acc_w - 10) / C, (height() - top - label_w - 10) / C));
  p.drawText(QRect(label_w, 0, C * cell, fontMetrics().height() + 2), Qt::AlignCenter, "predicted class →");
  for (int i = 0; i < C; ++i) {
    int64_t row = 0;
    for (int64_t v : m_[i]) row += v;
    for (int j = 0; j < C; ++j) {
      const double frac = row ? double(m_[i][j]) / row : 0;
      QRect r(label_w + j * cell, top + i * cell, cell, cell);
      // Diagonal in blue, errors in red, intensity by share of the true class.
      QColor c = i == j ? QColor::fromRgbF(1 - 0.8 * frac, 1 - 0.5 * frac, 1 - 0.15 * frac)
                        : QColor::fromRgbF(1 - 0.1 * std::min(1.0, 4 * frac), 1 - 0.8 * std::min(1.0, 4 * frac),
                                           1 - 0.8 * std::min(1.0, 4 * frac));
      p.fillRect(r, c);
      p.setPen(QColor(200, 200, 200));
      p.drawRect(r);
      if (cell >= 26) {
        p.setPen(frac > 0.6 ? Qt::white : Qt::black);
        p.drawText(r, Qt::AlignCenter, QString::number(m_[i][j]));
      }
    }
    p.setPen(palette().color(QPalette::Text));
    p.drawText(QRect(0, top + i * cell, label_w - 6, cell), Qt::AlignRight | Qt::AlignVCenter, name(i));
    p.drawText(QRect(label_w + C * cell + 6, top + i * cell, acc_w, cell), Qt::AlignLeft | Qt::AlignVCenter,
               row ? QString::number(100.0 * m_[i][i] / row, 'f', 1) + "%" : "-");
  }
  p.drawText(QRect(label_w + C * cell + 6, top - fontMetrics().height() - 2, acc_w + 20, fontMetrics().height()),
             Qt::AlignLeft, "accuracy");
  p.save();
  for (int j = 0; j < C; ++j) {
    p.translate(label_w + j * cell + cell / 2 + fontMetrics().ascent() / 2, top + C * cell + 4);
    p.rotate(-90);
    p.drawText(QRect(-label_w, -fontMetrics().ascent(), label_w, fontMetrics().height()), Qt::AlignRight, name(j));
    p.resetTransform();
  }
  p.restore();
  p.save();
  p.translate(fontMetrics().height() / 2.0, top + C * cell / 2.0);
  p.restore();
}

// ---- BoundaryView ----

BoundaryView::BoundaryView(QWidget* parent) : QWidget(parent) { setMinimumSize(300, 300); }

void BoundaryView::setData(const DataPreview& p) {
  data_ = p;
  map_ = QImage();
  update();
}

void BoundaryView::clear() {
  map_ = QImage();
  update();
}

void BoundaryView::setSnapshot(const Snapshot& s) {
  if (s.grid_w == 0) return;
  map_ = QImage(s.grid_w, s.grid_h, QImage::Format_RGB32);
  for (int y = 0; y < s.grid_h; ++y)
    for (int x = 0; x < s.grid_w; ++x) {
      const int i = y * s.grid_w + x;
      QColor c = series_color(s.grid_class[i]);
      // Pale where the model is unsure, stronger where it is confident.
      const int C = std::max<int>(2, data_.class_names.size());
      const double t = 0.15 + 0.45 * std::clamp((s.grid_confidence[i] - 1.0 / C) / (1 - 1.0 / C), 0.0, 1.0);
      map_.setPixel(x, y, qRgb(static_cast<int>(255 + (c.red() - 255) * t), static_cast<int>(255 + (c.green() - 255) * t),
                               static_cast<int>(255 + (c.blue() - 255) * t)));
    }
  epoch_ = s.epoch;
  update();
}

void BoundaryView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  p.fillRect(rect(), palette().color(QPalette::Base));
  if (!data_.points) {
    p.drawText(rect(), Qt::AlignCenter, "The decision map is for 2-D datasets (synthetic spirals, circles, xor, blobs).");
    return;
  }
  const int side = std::min(width(), height()) - 30;
  const QRect plane((width() - side) / 2, 24, side, side);
  if (!map_.isNull()) {
    p.setRenderHint(QPainter::SmoothPixmapTransform);
    p.drawImage(plane, map_);
  }
  p.setPen(QColor(120, 120, 120));
  p.drawRect(plane);
  p.setPen(palette().color(QPalette::Text));
  p.drawText(QRect(0, 2, width(), 20), Qt::AlignCenter,
             map_.isNull() ? QString("Training and test points (the model's map appears after the first epoch)")
                           : QString("Prediction over the plane after epoch %1; filled: training, hollow: test").arg(epoch_));
  auto to_px = [&](float x, float y) {
    return QPointF(plane.left() + (x - data_.x_min) / (data_.x_max - data_.x_min) * plane.width(),
                   plane.top() + (data_.y_max - y) / (data_.y_max - data_.y_min) * plane.height());
  };
  const double r = std::max(2.0, side / 160.0);
  for (int i = 0; i < data_.train_points.count(); ++i) {
    QColor c = series_color(data_.train_points.labels[i]);
    p.setPen(QPen(c.darker(150), 0.8));
    p.setBrush(c);
    p.drawEllipse(to_px(data_.train_points.xy[2 * i], data_.train_points.xy[2 * i + 1]), r, r);
  }
  p.setBrush(Qt::NoBrush);
  for (int i = 0; i < data_.test_points.count(); ++i) {
    p.setPen(QPen(series_color(data_.test_points.labels[i]).darker(130), 1.4));
    p.drawEllipse(to_px(data_.test_points.xy[2 * i], data_.test_points.xy[2 * i + 1]), r, r);
  }
}

}  // namespace hyperlab
