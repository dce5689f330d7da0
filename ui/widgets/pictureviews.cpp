#include "ui/widgets/pictureviews.h"

#include <QApplication>
#include <QCheckBox>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

#include "ui/widgets/chartstyle.h"
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

constexpr int kCellGap = 4;  // between image cells

// A number for a scale label: two significant digits, a real minus sign.
QString scale_number(double v) {
  QString t = QString::number(std::abs(v), 'g', 2);
  return v < 0 ? QString(QChar(0x2212)) + t : t;
}

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

QFont ImageGridView::captionFont() const { return scaled_font(font(), 0.85); }

// Screen pixels per image pixel: the set scale, grown by whole steps with the
// font (presentation mode: 2 -> 3 at 1.3 times the application's font).
int ImageGridView::imageSide() const {
  const double app = QApplication::font().pointSizeF(), own = font().pointSizeF();
  const double zoom = app > 0 && own > 0 ? std::max(1.0, own / app) : 1.0;
  const int s = std::max(scale_, static_cast<int>(std::lround(scale_ * zoom)));
  return std::max(std::max(images_.width, images_.height) * s, 56);
}

// The image's side, and under it two caption lines in the caption font; at
// least about 15 characters wide so most names with a confidence fit whole.
QSize ImageGridView::tileSize() const {
  const QFontMetrics fm(captionFont());
  const int side = imageSide();
  return QSize(std::max(side, 15 * fm.averageCharWidth()), side + 2 * fm.lineSpacing() + 4);
}

int ImageGridView::columns() const { return std::max(1, (width() - kCellGap) / (tileSize().width() + kCellGap)); }

int ImageGridView::heightForWidth(int w) const {
  QSize t = tileSize();
  int cols = std::max(1, (w - kCellGap) / (t.width() + kCellGap));
  int rows = (shown_.size() + cols - 1) / cols;
  return std::max(1, rows) * (t.height() + kCellGap) + kCellGap;
}

QSize ImageGridView::sizeHint() const {
  const int w = 8 * (tileSize().width() + kCellGap) + kCellGap;
  return QSize(w, heightForWidth(w));
}

void ImageGridView::resizeEvent(QResizeEvent*) { updateGeometry(); }

bool ImageGridView::event(QEvent* e) {
  if (e->type() == QEvent::FontChange) updateGeometry();
  if (e->type() == QEvent::ToolTip) {
    auto* he = static_cast<QHelpEvent*>(e);
    const QString tip = toolTipAt(he->pos());
    if (tip.isEmpty()) {
      QToolTip::hideText();
      e->ignore();
    } else {
      QToolTip::showText(he->globalPos(), tip, this);
    }
    return true;
  }
  return QWidget::event(e);
}

QRect ImageGridView::cellRect(int k) const {
  if (k < 0 || k >= shown_.size()) return {};
  const QSize t = tileSize();
  const int cols = columns();
  return QRect((k % cols) * (t.width() + kCellGap) + kCellGap, (k / cols) * (t.height() + kCellGap) + kCellGap, t.width(),
               t.height());
}

std::vector<std::pair<QString, QString>> ImageGridView::captionParts(int k) const {
  if (k < 0 || k >= shown_.size()) return {};
  const int i = shown_[k];
  const int truth = images_.labels[i];
  auto name = [&](int c) { return c >= 0 && c < names_.size() ? names_[c] : QString::number(c); };
  if (size_t(i) >= predicted_.size()) return {{name(truth), {}}};
  const QString conf = " " + QString::number(100.0 * (size_t(i) < confidence_.size() ? confidence_[i] : 0), 'f', 0) + "%";
  if (predicted_[i] == truth) return {{name(truth), conf}};
  return {{name(predicted_[i]), conf}, {"(true: " + name(truth) + ")", {}}};
}

QStringList ImageGridView::captionLines(int k) const {
  const QFontMetrics fm(captionFont());
  const int w = tileSize().width() - 2;
  QStringList lines;
  for (const auto& [text, keep] : captionParts(k)) {
    const int keep_w = fm.horizontalAdvance(keep);
    lines << (fm.horizontalAdvance(text + keep) <= w ? text + keep
                                                     : fm.elidedText(text, Qt::ElideRight, std::max(0, w - keep_w)) + keep);
  }
  return lines;
}

QString ImageGridView::toolTipAt(const QPoint& pos) const {
  for (int k = 0; k < shown_.size(); ++k)
    if (cellRect(k).contains(pos)) {
      QStringList full;
      for (const auto& [text, keep] : captionParts(k)) full << text + keep;
      return captionLines(k) == full ? QString() : full.join("\n");
    }
  return {};
}

int ImageGridView::imageAt(const QPoint& pos) const {
  for (int k = 0; k < shown_.size(); ++k)
    if (cellRect(k).contains(pos)) return shown_[k];
  return -1;
}

void ImageGridView::mousePressEvent(QMouseEvent* e) {
  const int i = e->button() == Qt::LeftButton ? imageAt(e->position().toPoint()) : -1;
  if (i >= 0) Q_EMIT imageClicked(i);
  else QWidget::mousePressEvent(e);
}

void ImageGridView::mouseDoubleClickEvent(QMouseEvent* e) {
  const int i = e->button() == Qt::LeftButton ? imageAt(e->position().toPoint()) : -1;
  if (i >= 0) Q_EMIT imageDoubleClicked(i);
  else QWidget::mouseDoubleClickEvent(e);
}

void ImageGridView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().color(QPalette::Base));
  if (shown_.isEmpty()) {
    p.drawText(rect(), Qt::AlignCenter,
               images_.count() == 0 ? "No images (this dataset has none, or it is not loaded)"
                                    : "No misclassified images among these");
    return;
  }
  const QFont small = captionFont();
  const QFontMetrics fm(small);
  p.setFont(small);
  const int side = imageSide();
  for (int k = 0; k < shown_.size(); ++k) {
    const int i = shown_[k];
    const QRect cell = cellRect(k);
    const QRect img_rect(cell.x() + (cell.width() - side) / 2, cell.y(), side, side);
    p.drawImage(img_rect, pictures_[i]);
    QColor col = palette().color(QPalette::Text);
    if (size_t(i) < predicted_.size()) {
      const bool wrong = predicted_[i] != images_.labels[i];
      col = wrong ? QColor(200, 30, 30) : QColor(20, 120, 40);
      if (wrong) {
        p.setPen(QPen(QColor(220, 30, 30), 3));
        p.drawRect(img_rect.adjusted(-1, -1, 1, 1));
      }
    }
    p.setPen(col);
    const QStringList lines = captionLines(k);
    for (int j = 0; j < lines.size(); ++j)
      p.drawText(QRect(cell.x(), cell.y() + side + 3 + j * fm.lineSpacing(), cell.width(), fm.lineSpacing()),
                 Qt::AlignHCenter | Qt::AlignTop, lines[j]);
  }
}

// ---- FilterView ----

FilterView::FilterView(QWidget* parent) : QWidget(parent) {
  setMinimumSize(200, 200);
  shared_box_ = new QCheckBox("One scale for all filters", this);
  shared_box_->setToolTip(
      "Checked: one colour scale for every filter, so their magnitudes compare.\n"
      "Unchecked: each filter stretched to its own largest |weight|, so weak filters show their pattern.");
  shared_box_->hide();
  connect(shared_box_, &QCheckBox::toggled, this, &FilterView::setSharedScale);
}

void FilterView::clear() {
  weights_.clear();
  count_ = 0;
  tiles_.clear();
  start_.clear(), start_tiles_.clear(), change_.clear();
  caption_.clear();
  shared_box_->hide();
  update();
}

void FilterView::setSharedScale(bool on) {
  if (shared_box_->isChecked() != on) shared_box_->setChecked(on);  // comes back here through toggled
  if (shared_ == on) return;
  shared_ = on;
  rebuildTiles();
  update();
}

void FilterView::setSnapshot(const Snapshot& s) {
  tiles_.clear();
  weights_.clear();
  count_ = 0;
  start_.clear(), start_tiles_.clear(), change_.clear();
  if (s.filter_count == 0) {
    caption_ = "The first layer's inputs are not pictures (e.g. 2-D points): no filters to show.";
    shared_box_->hide();
    update();
    return;
  }
  const int c = s.filter_channels, h = s.filter_h, w = s.filter_w;
  const size_t per = size_t(c) * h * w;
  if (per == 0 || s.filters.size() < per * s.filter_count) {
    caption_ = "The filters of this snapshot are incomplete: nothing to show.";
    shared_box_->hide();
    update();
    return;
  }
  weights_.assign(s.filters.begin(), s.filters.begin() + per * s.filter_count);
  count_ = s.filter_count, channels_ = c, h_ = h, w_ = w;
  if (s.start_filters.size() == s.filters.size()) {
    start_.assign(s.start_filters.begin(), s.start_filters.begin() + per * s.filter_count);
    for (int f = 0; f < count_; ++f) {
      double d = 0, n = 0;
      for (size_t i = 0; i < per; ++i) {
        const double a = start_[f * per + i], b = weights_[f * per + i];
        d += (b - a) * (b - a), n += a * a;
      }
      change_.push_back(std::sqrt(d) / std::max(std::sqrt(n), 1e-12));
    }
  }
  rebuildTiles();
  caption_ = QString("%1: input weights of the first %2 units (%3x%4%5), epoch %6%7; %8")
                 .arg(QString::fromStdString(s.filter_layer))
                 .arg(s.filter_count)
                 .arg(h)
                 .arg(w)
                 .arg(c > 1 ? QString("x%1").arg(c) : QString())
                 .arg(s.epoch)
                 .arg(s.final ? " (final)" : "")
                 .arg(c == 3 ? "each colour channel darker for negative, brighter for positive"
                             : "blue negative, white zero, red positive") +
             (start_.empty() ? QString()
                             : QString(". Each pair: at the start (left) and now (right), on one scale; under it the "
                                       "relative change ||w - w0|| / ||w0||"));
  shared_box_->show();
  placeToggle();
  update();
}

// Drawn side by side: a filter's channels unless they make one colour picture (RGB) or there is one.
static int drawn_parts(int channels) { return channels == 3 ? 1 : std::max(1, channels); }

// The scales now (the colour bar's labels need them); the pictures when the
// view is next painted: this runs on the GUI thread after every epoch, and
// most epochs nobody has the Filters tab open.
void FilterView::rebuildTiles() {
  tiles_.clear();
  start_tiles_.clear();
  if (count_ == 0) return;
  const int per = channels_ * h_ * w_;
  maxima_.assign(count_, 0.0);  // comparing: over the pair, so both halves share the filter's scale
  for (int f = 0; f < count_; ++f)
    for (int i = 0; i < per; ++i) {
      maxima_[f] = std::max(maxima_[f], double(std::abs(weights_[size_t(f) * per + i])));
      if (comparing()) maxima_[f] = std::max(maxima_[f], double(std::abs(start_[size_t(f) * per + i])));
    }
  shared_max_ = *std::max_element(maxima_.begin(), maxima_.end());
  smallest_max_ = *std::min_element(maxima_.begin(), maxima_.end());
}

void FilterView::ensureTiles() {
  if (count_ == 0 || !tiles_.isEmpty()) return;
  const int c = channels_, h = h_, w = w_, per = c * h * w, parts = drawn_parts(c);
  // Written a row at a time (setPixel costs ~10x more per pixel).
  auto tile = [&](const float* v, double m) {
    QImage img(w * parts, h, QImage::Format_RGB32);
    for (int y = 0; y < h; ++y) {
      auto* row = reinterpret_cast<QRgb*>(img.scanLine(y));
      for (int x = 0; x < w; ++x) {
        if (c == 3) {  // a colour kernel: each channel around grey
          auto ch = [&](int k) {
            return static_cast<int>(std::lround(std::clamp(127.5 + 127.5 * v[k * h * w + y * w + x] / m, 0.0, 255.0)));
          };
          row[x] = qRgb(ch(0), ch(1), ch(2));
        } else {
          for (int k = 0; k < parts; ++k) row[k * w + x] = diverging_color(v[k * h * w + y * w + x] / m);
        }
      }
    }
    return img;
  };
  for (int f = 0; f < count_; ++f) {
    const double m = std::max(1e-12, shared_ ? shared_max_ : maxima_[f]);
    tiles_.push_back(tile(weights_.data() + size_t(f) * per, m));
    if (comparing()) start_tiles_.push_back(tile(start_.data() + size_t(f) * per, m));
  }
}

QStringList FilterView::colorBarLabels() const {
  if (count_ == 0) return {};
  if (!shared_) return {QString(QChar(0x2212)) + "max", "0", "+max"};
  return {scale_number(-shared_max_), "0", scale_number(shared_max_)};
}

QString FilterView::colorBarTitle() const {
  if (count_ == 0) return {};
  const QString what = channels_ == 3 ? "Channel weight" : "Weight";
  if (shared_) return what + ", one scale:";
  return QString("%1 / the filter's largest |weight| (%2 to %3):")
      .arg(what, scale_number(smallest_max_), scale_number(shared_max_));
}

// Top to bottom: the caption, the tiles, the colour bar with its labels, the
// scale check box. The tiles take the largest whole number of screen pixels
// per weight at which all fit, over every column count.
FilterView::Layout FilterView::computeLayout() const {
  Layout L;
  const QFontMetrics fm(font());
  const int margin = 6, inner_w = std::max(1, width() - 2 * margin);
  const QString text = caption_.isEmpty() ? QString("Filters appear after the first epoch.") : caption_;
  const int caption_h = fm.boundingRect(QRect(0, 0, inner_w, 10000), Qt::AlignLeft | Qt::TextWordWrap, text).height();
  L.caption = QRect(margin, 4, inner_w, caption_h);
  if (count_ == 0) return L;

  const int toggle_h = shared_box_->sizeHint().height();
  const int ramp_h = std::max(10, fm.height());
  const int bottom_h = ramp_h + 2 + fm.height() + 6 + toggle_h + margin;
  L.grid = QRect(margin, L.caption.bottom() + 1 + margin, inner_w,
                 std::max(1, height() - L.caption.bottom() - 1 - margin - bottom_h - margin));

  L.gap = std::max(8, fm.height() * 2 / 3);
  // Comparing: each tile is the start's parts then the current ones, and a line of text under it.
  const int parts = drawn_parts(channels_) * (comparing() ? 2 : 1);
  const int text_h = comparing() ? fm.height() : 0;
  L.channel_gap = parts > 1 ? std::max(3, L.gap / 3) : 0;
  const int n = count_;
  double best = -1, best_whole = -1;
  for (int cols = 1; cols <= n; ++cols) {
    const int rows = (n + cols - 1) / cols;
    const double sx = double(L.grid.width() - (cols - 1) * L.gap - cols * (parts - 1) * L.channel_gap) / (cols * parts * w_);
    const double sy = double(L.grid.height() - (rows - 1) * L.gap - rows * text_h) / (rows * h_);
    const double s = std::min(sx, sy);
    const double whole = std::floor(s);
    if (whole > best_whole || (whole == best_whole && s > best)) best_whole = whole, best = s, L.cols = cols;
  }
  L.scale = best_whole >= 1 ? best_whole : std::max(0.05, best);

  const int bar_top = L.grid.bottom() + 1 + margin;
  const int title_w = std::min(fm.horizontalAdvance(colorBarTitle()) + 3 * fm.averageCharWidth(), inner_w / 2);
  const int ramp_w = std::min(inner_w - title_w, std::max(160, 30 * fm.averageCharWidth()));
  L.bar_title = QRect(margin, bar_top, title_w, ramp_h);
  L.bar = QRect(margin + title_w, bar_top, ramp_w, ramp_h);
  L.bar_labels = QRect(L.bar.x(), L.bar.bottom() + 3, ramp_w, fm.height());
  return L;
}

QRect FilterView::colorBarRect() const { return computeLayout().bar; }

double FilterView::pixelsPerWeight() const { return computeLayout().scale; }

QRect FilterView::tileRect(int i) const { return tileRect(computeLayout(), i); }

QRect FilterView::tileRect(const Layout& L, int i) const {
  if (i < 0 || i >= count_ || L.cols == 0) return {};
  const int parts = drawn_parts(channels_) * (comparing() ? 2 : 1);
  const int text_h = comparing() ? QFontMetrics(font()).height() : 0;
  const int tw = static_cast<int>(std::lround(parts * w_ * L.scale)) + (parts - 1) * L.channel_gap;
  const int th = static_cast<int>(std::lround(h_ * L.scale));
  const int used_w = L.cols * tw + (L.cols - 1) * L.gap;
  const int x0 = L.grid.x() + std::max(0, (L.grid.width() - used_w) / 2);
  return QRect(x0 + (i % L.cols) * (tw + L.gap), L.grid.y() + (i / L.cols) * (th + text_h + L.gap), tw, th);
}

void FilterView::placeToggle() {
  if (count_ == 0) return;
  const Layout L = computeLayout();
  const QSize hint = shared_box_->sizeHint();
  shared_box_->setGeometry(L.caption.x(), L.bar_labels.bottom() + 6, std::min(hint.width(), L.caption.width()),
                           hint.height());
}

void FilterView::resizeEvent(QResizeEvent*) { placeToggle(); }

void FilterView::changeEvent(QEvent* e) {
  if (e->type() == QEvent::FontChange) placeToggle();
  QWidget::changeEvent(e);
}

void FilterView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().color(QPalette::Base));
  p.setPen(palette().color(QPalette::Text));
  const Layout L = computeLayout();
  p.drawText(L.caption, Qt::AlignLeft | Qt::TextWordWrap,
             caption_.isEmpty() ? QString("Filters appear after the first epoch.") : caption_);
  ensureTiles();
  if (tiles_.isEmpty()) return;

  // Tiles, each weight a block of whole screen pixels (nearest neighbour), a
  // thin grey frame just outside each so white (zero) edges stay visible.
  const int parts = drawn_parts(channels_);
  const int part_w = static_cast<int>(std::lround(w_ * L.scale)), th = static_cast<int>(std::lround(h_ * L.scale));
  const QColor frame(150, 150, 150);
  for (int i = 0; i < tiles_.size(); ++i) {
    const QRect r = tileRect(L, i);
    const int halves = comparing() ? 2 : 1;
    for (int half = 0; half < halves; ++half) {
      const QImage& image = comparing() && half == 0 ? start_tiles_[i] : tiles_[i];
      for (int k = 0; k < parts; ++k) {
        const int slot = half * parts + k;
        const QRect part(r.x() + slot * (part_w + L.channel_gap), r.y(), part_w, th);
        const QImage src = image.copy(k * w_, 0, w_, h_);
        p.drawImage(part.topLeft(), src.scaled(part.size(), Qt::IgnoreAspectRatio, Qt::FastTransformation));
        p.setPen(frame);
        p.drawRect(part.adjusted(-1, -1, 0, 0));
      }
    }
    if (comparing() && size_t(i) < change_.size()) {
      p.setPen(palette().color(QPalette::Text));
      const QFontMetrics tm(font());
      p.drawText(QRect(r.x() - L.gap / 2, r.bottom() + 1, r.width() + L.gap, tm.height()), Qt::AlignHCenter | Qt::AlignTop,
                 QString::fromUtf8("\u0394 %1%").arg(100 * change_[i], 0, 'f', change_[i] < 0.1 ? 1 : 0));
    }
  }

  // The colour bar: the ramp from the scale's low end to its high end, ticks
  // and labels at both ends and at zero, its title to the left.
  const QFontMetrics fm(font());
  for (int x = 0; x < L.bar.width(); ++x) {
    const double v = -1 + 2 * (x + 0.5) / L.bar.width();
    const QColor c = channels_ == 3 ? QColor::fromRgb(qRgb(int(127.5 + 127.5 * v), int(127.5 + 127.5 * v), int(127.5 + 127.5 * v)))
                                    : QColor::fromRgb(diverging_color(v));
    p.fillRect(QRect(L.bar.x() + x, L.bar.y(), 1, L.bar.height()), c);
  }
  p.setPen(frame);
  p.drawRect(L.bar.adjusted(-1, -1, 0, 0));
  p.setPen(palette().color(QPalette::Text));
  p.drawText(L.bar_title.adjusted(0, 0, -fm.averageCharWidth(), 0), Qt::AlignRight | Qt::AlignVCenter,
             fm.elidedText(colorBarTitle(), Qt::ElideRight, L.bar_title.width() - fm.averageCharWidth()));
  const QStringList labels = colorBarLabels();
  const int ticks[] = {L.bar.left(), L.bar.center().x(), L.bar.right()};
  for (int k = 0; k < 3; ++k) {
    p.drawLine(ticks[k], L.bar.bottom() + 1, ticks[k], L.bar.bottom() + 3);
    const int lw = fm.horizontalAdvance(labels[k]);
    // Centred under its tick, kept inside the ramp's span at the ends.
    int x = ticks[k] - lw / 2;
    if (k == 0) x = std::max(x, L.bar.left() - fm.averageCharWidth());
    if (k == 2) x = std::min(x, L.bar.right() + fm.averageCharWidth() - lw);
    p.drawText(QRect(x, L.bar_labels.y(), lw + 1, L.bar_labels.height()), Qt::AlignLeft | Qt::AlignTop, labels[k]);
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

static QFont title_font(const QFont& f) {
  QFont b = f;
  b.setBold(true);
  return b;
}

// Left to right: the true-class title (rotated), the row names, the matrix,
// each row's accuracy. Top to bottom: the accuracy header, the matrix, the
// column names (rotated), the predicted-class title under the names it titles.
ConfusionView::Layout ConfusionView::computeLayout() const {
  Layout L;
  if (m_.empty()) return L;
  const QFontMetrics fm(font()), tm(title_font(font()));
  const int C = static_cast<int>(m_.size());
  auto name = [&](int c) { return c < names_.size() ? names_[c] : QString::number(c); };
  for (int c = 0; c < C; ++c) L.label_w = std::max(L.label_w, fm.horizontalAdvance(name(c)));
  L.label_w += 10;
  L.acc_w = fm.horizontalAdvance("accuracy") + 2 * fm.averageCharWidth() + 6;
  const int title_col = tm.height() + 8;
  const int top = 4 + fm.height() + 4;
  const int below = 5 + L.label_w + 4 + tm.height() + 4;  // the column names, then the title
  L.cell = std::max(12, std::min((width() - title_col - L.label_w - L.acc_w - 10) / C, (height() - top - below) / C));
  const int used_w = title_col + L.label_w + C * L.cell + 7 + L.acc_w;
  const int x0 = std::max(0, (width() - used_w) / 2);  // centred: a projector shows the middle best
  L.matrix = QRect(x0 + title_col + L.label_w, top, C * L.cell, C * L.cell);
  const int pw = tm.horizontalAdvance(predictedAxisTitle()), tw = tm.horizontalAdvance(trueAxisTitle());
  L.predicted_title = QRect(L.matrix.center().x() - pw / 2, L.matrix.bottom() + 5 + L.label_w + 4, pw, tm.height());
  L.true_title = QRect(x0 + 4, L.matrix.center().y() - tw / 2, tm.height(), tw);
  return L;
}

QRect ConfusionView::trueAxisTitleRect() const { return computeLayout().true_title; }
QRect ConfusionView::predictedAxisTitleRect() const { return computeLayout().predicted_title; }

void ConfusionView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().color(QPalette::Base));
  p.setPen(palette().color(QPalette::Text));
  if (m_.empty()) {
    p.drawText(rect(), Qt::AlignCenter, "The confusion matrix on the test set appears when a run ends.");
    return;
  }
  const Layout L = computeLayout();
  const QFontMetrics fm(font());
  const int C = static_cast<int>(m_.size()), cell = L.cell;
  auto name = [&](int c) { return c < names_.size() ? names_[c] : QString::number(c); };

  p.setFont(title_font(font()));
  p.drawText(L.predicted_title, Qt::AlignCenter, predictedAxisTitle());
  p.save();
  p.translate(L.true_title.left(), L.true_title.bottom() + 1);
  p.rotate(-90);
  p.drawText(QRect(0, 0, L.true_title.height(), L.true_title.width()), Qt::AlignCenter, trueAxisTitle());
  p.restore();
  p.setFont(font());

  for (int i = 0; i < C; ++i) {
    int64_t row = 0;
    for (int64_t v : m_[i]) row += v;
    for (int j = 0; j < C; ++j) {
      const double frac = row ? double(m_[i][j]) / row : 0;
      QRect r(L.matrix.x() + j * cell, L.matrix.y() + i * cell, cell, cell);
      // Diagonal in blue, errors in red, intensity by share of the true class.
      QColor c = i == j ? QColor::fromRgbF(1 - 0.8 * frac, 1 - 0.5 * frac, 1 - 0.15 * frac)
                        : QColor::fromRgbF(1 - 0.1 * std::min(1.0, 4 * frac), 1 - 0.8 * std::min(1.0, 4 * frac),
                                           1 - 0.8 * std::min(1.0, 4 * frac));
      p.fillRect(r, c);
      p.setPen(QColor(200, 200, 200));
      p.drawRect(r);
      const QString count = QString::number(m_[i][j]);
      if (fm.horizontalAdvance(count) + 4 <= cell && fm.height() <= cell) {
        p.setPen(frac > 0.6 ? Qt::white : Qt::black);
        p.drawText(r, Qt::AlignCenter, count);
      }
    }
    p.setPen(palette().color(QPalette::Text));
    p.drawText(QRect(L.matrix.x() - L.label_w, L.matrix.y() + i * cell, L.label_w - 6, cell),
               Qt::AlignRight | Qt::AlignVCenter, name(i));
    p.drawText(QRect(L.matrix.right() + 7, L.matrix.y() + i * cell, L.acc_w, cell), Qt::AlignLeft | Qt::AlignVCenter,
               row ? QString::number(100.0 * m_[i][i] / row, 'f', 1) + "%" : "-");
  }
  p.drawText(QRect(L.matrix.right() + 7, L.matrix.y() - fm.height() - 2, L.acc_w + 20, fm.height()), Qt::AlignLeft,
             "accuracy");
  for (int j = 0; j < C; ++j) {
    p.save();
    p.translate(L.matrix.x() + j * cell + cell / 2 + fm.ascent() / 2, L.matrix.bottom() + 5);
    p.rotate(-90);
    p.drawText(QRect(-L.label_w, -fm.ascent(), L.label_w, fm.height()), Qt::AlignRight, name(j));
    p.restore();
  }
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
  const int title_h = fontMetrics().height() + 4;
  const int side = std::max(10, std::min(width() - 12, height() - title_h - 8));
  const QRect plane((width() - side) / 2, title_h + 2, side, side);
  if (!map_.isNull()) {
    p.setRenderHint(QPainter::SmoothPixmapTransform);
    p.drawImage(plane, map_);
  }
  p.setPen(QColor(120, 120, 120));
  p.drawRect(plane);
  p.setPen(palette().color(QPalette::Text));
  p.drawText(QRect(0, 2, width(), title_h - 2), Qt::AlignCenter,
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
