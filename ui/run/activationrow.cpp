#include "ui/run/activationrow.h"

#include <QEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

#include "ui/widgets/pictureviews.h"

namespace hyperlab {

namespace {

// Two significant digits and a real minus sign: "−0.52", "3.1".
QString number(double v) {
  QString t = QString::number(std::abs(v), 'g', 2);
  return v < 0 ? QString(QChar(0x2212)) + t : t;
}

const QColor kFrame(150, 150, 150);

}  // namespace

ActivationRow::ActivationRow(QWidget* parent) : QWidget(parent) {
  QSizePolicy sp(QSizePolicy::Preferred, QSizePolicy::Preferred);
  sp.setHeightForWidth(true);
  setSizePolicy(sp);
}

void ActivationRow::setLayer(int number, const LayerActivation& a, bool own_scale) {
  number_ = number, a_ = a, own_scale_ = own_scale;
  probabilities_.clear(), names_.clear();
  predicted_ = label_ = -1;
  rebuildTiles();
  updateGeometry();
  update();
}

void ActivationRow::setClasses(const QStringList& names, const std::vector<float>& probabilities, int predicted,
                               int label) {
  names_ = names, probabilities_ = probabilities, predicted_ = predicted, label_ = label;
  updateGeometry();
  update();
}

void ActivationRow::setOwnScale(bool on) {
  if (own_scale_ == on) return;
  own_scale_ = on;
  rebuildTiles();
  update();
}

QString ActivationRow::title() const {
  QString t = QString("%1 · %2").arg(number_).arg(QString::fromStdString(a_.layer));
  for (const std::string& s : a_.then) t += QString::fromUtf8(" → ") + QString::fromStdString(s);
  return t;
}

QString ActivationRow::details() const {
  QStringList dims;
  for (int64_t d : a_.shape) dims << QString::number(d);
  QString t = dims.join(QString::fromUtf8(" × ")) + " · values " + number(a_.min) + " to " + number(a_.max);
  if (a_.has_maps()) t += QString(" · %1 maps").arg(a_.maps + a_.left_out);
  if (showsClasses()) t += " · as class probabilities (softmax)";
  return t;
}

QString ActivationRow::leftOutNote() const {
  if (a_.left_out <= 0) return {};
  return a_.has_maps() ? QString("The first %1 maps shown; %2 more not sent.").arg(a_.maps).arg(a_.left_out)
                       : QString("The first %1 values shown; %2 more not sent.").arg(a_.values.size()).arg(a_.left_out);
}

QFont ActivationRow::titleFont() const {
  QFont f = font();
  f.setBold(true);
  return f;
}

// One image pixel per value: on the layer's scale (its largest |value| over
// the shown maps) or each map's own, white at zero.
void ActivationRow::rebuildTiles() {
  tiles_.clear();
  if (!a_.has_maps()) return;
  const int h = a_.height, w = a_.width;
  double layer_max = 0;
  for (int k = 0; k < a_.maps; ++k) layer_max = std::max({layer_max, double(std::abs(a_.map_min[k])), double(std::abs(a_.map_max[k]))});
  for (int k = 0; k < a_.maps; ++k) {
    const double own = std::max(std::abs(a_.map_min[k]), std::abs(a_.map_max[k]));
    const double m = std::max(1e-12, own_scale_ ? own : layer_max);
    QImage img(w, h, QImage::Format_RGB32);
    for (int y = 0; y < h; ++y) {
      QRgb* line = reinterpret_cast<QRgb*>(img.scanLine(y));
      for (int x = 0; x < w; ++x) line[x] = diverging_color(a_.map_value(k, size_t(y) * w + x) / m);
    }
    tiles_.push_back(img);
  }
}

// Title line, then the maps (tiles about four lines of text high, at a whole
// number of pixels per value), the bars (five lines high) or a line per class.
ActivationRow::Layout ActivationRow::layout(int width) const {
  Layout L;
  const QFontMetrics fm(font());
  L.margin = std::max(4, fm.height() / 2);
  L.gap = std::max(4, fm.height() / 3);
  L.title_h = QFontMetrics(titleFont()).height();
  L.content_top = L.margin + L.title_h + L.gap;
  L.note_h = leftOutNote().isEmpty() ? 0 : fm.height() + L.gap;
  const int inner = std::max(1, width - 2 * L.margin);
  if (showsClasses()) {
    L.class_row_h = fm.height() + L.gap;
    for (int k = 0; k < int(probabilities_.size()); ++k)
      L.name_w = std::max(L.name_w, QFontMetrics(titleFont()).horizontalAdvance(k < names_.size() ? names_[k] : QString("class %1").arg(k)));
    L.name_w += fm.averageCharWidth() * 2;
    L.pct_w = QFontMetrics(titleFont()).horizontalAdvance("100%  (true class)") + 2 * fm.averageCharWidth();
    L.bar_w = std::max(40, std::min(inner - L.name_w - L.pct_w, 40 * fm.averageCharWidth()));
    L.content_h = int(probabilities_.size()) * L.class_row_h;
  } else if (a_.has_maps()) {
    const int side = std::max(a_.height, a_.width);
    L.scale = std::max(1, static_cast<int>(std::floor(4.0 * fm.height() / std::max(1, side))));
    L.tile_w = a_.width * L.scale, L.tile_h = a_.height * L.scale;
    L.cols = std::max(1, (inner + L.gap) / (L.tile_w + L.gap));
    const int rows = (a_.maps + L.cols - 1) / L.cols;
    L.content_h = rows * L.tile_h + (rows - 1) * L.gap;
  } else if (!a_.values.empty()) {
    L.label_w = fm.horizontalAdvance(QString(QChar(0x2212)) + "0.00") + fm.averageCharWidth();
    const int n = int(a_.values.size());
    L.bar_w = std::clamp((inner - L.label_w) / n, 2, 2 * fm.height());
    L.bars_h = 4 * fm.height();
    L.content_h = L.bars_h;
  }
  return L;
}

int ActivationRow::heightForWidth(int w) const {
  const Layout L = layout(w);
  return L.content_top + L.content_h + L.gap + L.note_h + L.margin;
}

QSize ActivationRow::sizeHint() const {
  const int w = std::max(400, parentWidget() ? parentWidget()->width() : 600);
  return QSize(w, heightForWidth(w));
}

QSize ActivationRow::minimumSizeHint() const { return QSize(200, heightForWidth(std::max(200, width()))); }

void ActivationRow::changeEvent(QEvent* e) {
  if (e->type() == QEvent::FontChange) updateGeometry();
  QWidget::changeEvent(e);
}

QRect ActivationRow::tileRect(int k) const {
  if (k < 0 || k >= tiles_.size() || showsClasses()) return {};
  const Layout L = layout(width());
  return QRect(L.margin + (k % L.cols) * (L.tile_w + L.gap), L.content_top + (k / L.cols) * (L.tile_h + L.gap), L.tile_w,
               L.tile_h);
}

int ActivationRow::pixelsPerValue() const { return tiles_.isEmpty() || showsClasses() ? 0 : layout(width()).scale; }

int ActivationRow::barCount() const {
  if (showsClasses()) return int(probabilities_.size());
  return a_.has_maps() ? 0 : int(a_.values.size());
}

QRect ActivationRow::barRect(int k) const {
  if (k < 0 || k >= barCount()) return {};
  const Layout L = layout(width());
  if (showsClasses()) return QRect(L.margin + L.name_w, L.content_top + k * L.class_row_h, L.bar_w, L.class_row_h - L.gap);
  return QRect(L.margin + L.label_w + k * L.bar_w, L.content_top, L.bar_w, L.bars_h);
}

void ActivationRow::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().color(QPalette::Base));
  const Layout L = layout(width());
  const QFontMetrics fm(font()), tm(titleFont());
  p.setPen(palette().color(QPalette::Text));
  p.setFont(titleFont());
  const QString t = title();
  p.drawText(QRect(L.margin, L.margin, width() - 2 * L.margin, L.title_h), Qt::AlignLeft | Qt::AlignVCenter, t);
  const int tx = L.margin + tm.horizontalAdvance(t) + 2 * fm.averageCharWidth();
  p.setFont(font());
  p.setPen(palette().color(QPalette::PlaceholderText));
  p.drawText(QRect(tx, L.margin, std::max(0, width() - L.margin - tx), L.title_h), Qt::AlignLeft | Qt::AlignVCenter,
             fm.elidedText(details(), Qt::ElideRight, std::max(0, width() - L.margin - tx)));
  p.setPen(palette().color(QPalette::Text));
  if (showsClasses()) paintClasses(p, L);
  else if (a_.has_maps()) paintMaps(p, L);
  else paintBars(p, L);
  if (L.note_h > 0) {
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(QRect(L.margin, L.content_top + L.content_h + L.gap, width() - 2 * L.margin, fm.height()),
               Qt::AlignLeft | Qt::AlignVCenter, leftOutNote());
  }
  // A rule under the row separates it from the next.
  p.setPen(palette().color(QPalette::Mid));
  p.drawLine(L.margin, height() - 1, width() - L.margin, height() - 1);
}

// Each value a block of whole screen pixels (nearest neighbour), a thin grey
// frame just outside each map so that white (zero) edges stay visible.
void ActivationRow::paintMaps(QPainter& p, const Layout& L) {
  for (int k = 0; k < tiles_.size(); ++k) {
    const QRect r = tileRect(k);
    p.drawImage(r, tiles_[k].scaled(r.size(), Qt::IgnoreAspectRatio, Qt::FastTransformation));
    p.setPen(kFrame);
    p.drawRect(r.adjusted(-1, -1, 0, 0));
  }
  (void)L;
}

// Bars from a zero line: red up (positive), blue down (negative), on the layer's range.
void ActivationRow::paintBars(QPainter& p, const Layout& L) {
  if (a_.values.empty()) return;
  const QFontMetrics fm(font());
  const double hi = std::max(0.0f, a_.max), lo = std::min(0.0f, a_.min);
  const double span = std::max(1e-12, hi - lo);
  const QRect area(L.margin + L.label_w, L.content_top, L.bar_w * int(a_.values.size()), L.bars_h);
  const int zero_y = area.top() + static_cast<int>(std::lround(area.height() * hi / span));
  for (int k = 0; k < int(a_.values.size()); ++k) {
    const double v = a_.values[k];
    const int y = area.top() + static_cast<int>(std::lround(area.height() * (hi - v) / span));
    const QRect bar(area.x() + k * L.bar_w, std::min(y, zero_y), std::max(1, L.bar_w - (L.bar_w > 3 ? 1 : 0)),
                    std::max(1, std::abs(y - zero_y)));
    p.fillRect(bar, QColor::fromRgb(diverging_color(v >= 0 ? 0.85 : -0.85)));
  }
  p.setPen(kFrame);
  p.drawLine(area.left(), zero_y, area.right(), zero_y);
  p.setPen(palette().color(QPalette::Text));
  const QRect labels(L.margin, area.top(), L.label_w - fm.averageCharWidth() / 2, area.height());
  p.drawText(labels, Qt::AlignRight | Qt::AlignTop, number(hi));
  p.drawText(labels, Qt::AlignRight | Qt::AlignBottom, lo < 0 ? number(lo) : QString("0"));
  if (zero_y > area.top() + fm.height() && zero_y < area.bottom() - fm.height())
    p.drawText(QRect(labels.x(), zero_y - fm.height() / 2, labels.width(), fm.height()), Qt::AlignRight | Qt::AlignVCenter, "0");
}

// One line per class: its name, its probability as a bar and a number; the
// prediction in strong red, the true class named.
void ActivationRow::paintClasses(QPainter& p, const Layout& L) {
  const QFontMetrics fm(font());
  for (int k = 0; k < int(probabilities_.size()); ++k) {
    const QRect track = barRect(k);
    const bool predicted = k == predicted_, truth = k == label_;
    const QString name = k < names_.size() ? names_[k] : QString("class %1").arg(k);
    p.setFont(predicted || truth ? titleFont() : font());
    p.setPen(palette().color(QPalette::Text));
    p.drawText(QRect(L.margin, track.y(), L.name_w - fm.averageCharWidth(), track.height()), Qt::AlignRight | Qt::AlignVCenter,
               name);
    p.fillRect(track, palette().color(QPalette::AlternateBase));
    const int w = static_cast<int>(std::lround(track.width() * std::clamp(double(probabilities_[k]), 0.0, 1.0)));
    const QColor fill = predicted ? QColor::fromRgb(diverging_color(1.0)) : QColor::fromRgb(diverging_color(0.45));
    p.fillRect(QRect(track.x(), track.y(), w, track.height()), fill);
    p.setPen(kFrame);
    p.drawRect(track.adjusted(0, 0, -1, -1));
    p.setPen(palette().color(QPalette::Text));
    const QString pct = QString::number(100.0 * probabilities_[k], 'f', 0) + "%" + (truth ? "  (true class)" : "");
    p.drawText(QRect(track.right() + fm.averageCharWidth(), track.y(), L.pct_w, track.height()), Qt::AlignLeft | Qt::AlignVCenter,
               pct);
  }
  p.setFont(font());
}

}  // namespace hyperlab
