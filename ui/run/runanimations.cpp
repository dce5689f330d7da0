#include "ui/run/runanimations.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

#include "ui/run/runmodel.h"
#include "ui/widgets/chartstyle.h"
#include "ui/widgets/export.h"
#include "ui/widgets/metricchart.h"
#include "ui/widgets/pictureviews.h"

namespace hyperlab {

// ---- RunFrames ----

namespace {

std::shared_ptr<const RunFrames::Frame> compress(const Snapshot& s) {
  auto f = std::make_shared<RunFrames::Frame>();
  f->epoch = s.epoch;
  if (s.grid_w > 0 && s.grid_class.size() == size_t(s.grid_w) * s.grid_h &&
      s.grid_confidence.size() == s.grid_class.size()) {
    f->grid_w = s.grid_w, f->grid_h = s.grid_h;
    f->grid_class = s.grid_class;
    f->grid_confidence.reserve(s.grid_confidence.size());
    for (float c : s.grid_confidence)
      f->grid_confidence.push_back(static_cast<uint8_t>(std::lround(std::clamp(c, 0.0f, 1.0f) * 255)));
  }
  const size_t per = size_t(s.filter_channels) * s.filter_h * s.filter_w;
  if (s.filter_count > 0 && per > 0 && s.filters.size() >= per * s.filter_count) {
    f->filter_layer = s.filter_layer;
    f->filter_count = s.filter_count, f->filter_channels = s.filter_channels;
    f->filter_h = s.filter_h, f->filter_w = s.filter_w;
    f->filters.resize(per * s.filter_count);
    for (int k = 0; k < s.filter_count; ++k) {
      const float* v = s.filters.data() + per * k;
      float m = 0;
      for (size_t i = 0; i < per; ++i) m = std::max(m, std::abs(v[i]));
      f->filter_scale.push_back(m);
      for (size_t i = 0; i < per; ++i)
        f->filters[per * k + i] = static_cast<int8_t>(m > 0 ? std::lround(v[i] / m * 127) : 0);
    }
  }
  return f;
}

Snapshot expand(const RunFrames::Frame& f) {
  Snapshot s;
  s.epoch = f.epoch;
  s.grid_w = f.grid_w, s.grid_h = f.grid_h;
  s.grid_class = f.grid_class;
  s.grid_confidence.reserve(f.grid_confidence.size());
  for (uint8_t c : f.grid_confidence) s.grid_confidence.push_back(c / 255.0f);
  s.filter_layer = f.filter_layer;
  s.filter_count = f.filter_count, s.filter_channels = f.filter_channels;
  s.filter_h = f.filter_h, s.filter_w = f.filter_w;
  const size_t per = size_t(f.filter_channels) * f.filter_h * f.filter_w;
  s.filters.resize(f.filters.size());
  for (size_t i = 0; i < f.filters.size(); ++i) s.filters[i] = f.filters[i] / 127.0f * f.filter_scale[i / per];
  return s;
}

}  // namespace

void RunFrames::clear() {
  frames_.clear();
  latest_.reset();
  bytes_ = 0, stride_ = 1, first_epoch_ = 0;
}

void RunFrames::add(const Snapshot& s) {
  if (s.final) return;
  if (frames_.empty() && !latest_) first_epoch_ = s.epoch;
  const int newest = latest_ ? latest_->epoch : frames_.empty() ? 0 : frames_.back()->epoch;
  if (count() > 0 && s.epoch <= newest) return;  // not a new epoch of this run
  std::shared_ptr<const Frame> f = compress(s);
  if ((s.epoch - first_epoch_) % stride_ != 0) {
    latest_ = std::move(f);
    return;
  }
  latest_.reset();
  bytes_ += f->bytes();
  frames_.push_back(std::move(f));
  while (frames_.size() > 2 && (static_cast<int>(frames_.size()) > kMaxFrames || bytes_ > kMaxBytes)) thin();
}

// Keeps the epochs on a stride twice as long. The newest frame, if it falls
// off the new stride, stays as the latest one.
void RunFrames::thin() {
  stride_ *= 2;
  std::vector<std::shared_ptr<const Frame>> kept;
  bytes_ = 0;
  for (size_t i = 0; i < frames_.size(); ++i) {
    if ((frames_[i]->epoch - first_epoch_) % stride_ == 0) {
      bytes_ += frames_[i]->bytes();
      kept.push_back(frames_[i]);
    } else if (i + 1 == frames_.size()) {
      latest_ = frames_[i];
    }
  }
  frames_.swap(kept);
}

Snapshot RunFrames::at(int i) const {
  if (i >= 0 && i < static_cast<int>(frames_.size())) return expand(*frames_[static_cast<size_t>(i)]);
  if (latest_ && i == static_cast<int>(frames_.size())) return expand(*latest_);
  return {};
}

int RunFrames::epochOf(int i) const {
  if (i >= 0 && i < static_cast<int>(frames_.size())) return frames_[static_cast<size_t>(i)]->epoch;
  if (latest_ && i == static_cast<int>(frames_.size())) return latest_->epoch;
  return 0;
}

bool RunFrames::hasMaps() const { return count() > 0 && (latest_ ? latest_ : frames_.back())->grid_w > 0; }
bool RunFrames::hasFilters() const { return count() > 0 && (latest_ ? latest_ : frames_.back())->filter_count > 0; }

// ---- painting ----

namespace {

// Frames are laid out for about 800x600 logical pixels: larger sizes scale
// text and lines up with them, so a 1920x1080 slide is as legible as the window.
double scale_for(QSize size) { return std::max(1.0, std::min(size.width() / 800.0, size.height() / 600.0)); }

QImage render_view(QWidget& view, QSize size) {
  const double s = scale_for(size);
  view.resize(QSize(static_cast<int>(size.width() / s), static_cast<int>(size.height() / s)));
  QImage img(size, QImage::Format_RGB32);
  img.setDevicePixelRatio(s);
  img.fill(Qt::white);
  view.render(&img, QPoint(), QRegion(), QWidget::DrawWindowBackground);  // the picture, not the view's controls
  img.setDevicePixelRatio(1);
  return img;
}

struct Curve {
  QString name;
  QColor color;
  std::vector<QPointF> points;  // (epoch, value), finite values only
};

struct Panel {
  QString title, unit;
  std::vector<Curve> curves;
  double y0 = 0, y1 = 1, step = 0.2;  // the range, and its ticks' step (the range is whole steps)
};

// The panel's y range over every epoch (not only the ones drawn), rounded out to ticks.
void fix_range(Panel& p, double lo_limit, double hi_limit) {
  double lo = INFINITY, hi = -INFINITY;
  for (const Curve& c : p.curves)
    for (const QPointF& q : c.points) lo = std::min(lo, q.y()), hi = std::max(hi, q.y());
  if (!std::isfinite(lo)) lo = lo_limit, hi = std::isfinite(hi_limit) ? hi_limit : 1;
  if (hi - lo < 1e-9) lo -= 0.5, hi += 0.5;
  const double step = nice_step((hi - lo) / 5);  // about 5 ticks
  p.y0 = std::max(lo_limit, std::floor(lo / step) * step);
  p.y1 = std::min(hi_limit, std::ceil(hi / step) * step);
  if (p.y1 <= p.y0) p.y1 = p.y0 + step;
  p.step = step;
}

QString tick_text(double v, double step) {
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
  return QString::number(v, 'f', decimals);
}

void paint_panel(QPainter& p, const QRectF& r, const Panel& panel, int x0, int x1, int upto_epoch) {
  const QFontMetricsF fm(p.font());
  p.setPen(QColor(30, 30, 30));
  QFont bold = p.font();
  bold.setBold(true);
  p.save();
  p.setFont(bold);
  p.drawText(QRectF(r.left(), r.top(), r.width(), fm.height() * 1.4), Qt::AlignCenter, panel.title);
  p.restore();
  const double ystep = panel.step;
  double label_w = 0;
  for (double v = panel.y0; v <= panel.y1 + ystep * 1e-6; v += ystep)
    label_w = std::max(label_w, fm.horizontalAdvance(tick_text(v, ystep) + panel.unit));
  // Title, then the legend on a line of its own, then the plot.
  const double line_h = fm.height();
  const QRectF plot(r.left() + label_w + 10, r.top() + line_h * 2.9, r.width() - label_w - 18, r.height() - line_h * 4.9);
  {
    p.save();
    auto width_of = [&](const QFontMetricsF& m) {
      double total = 0;
      for (const Curve& c : panel.curves) total += 28 + m.horizontalAdvance(c.name) + 14;
      return total;
    };
    double total = width_of(fm);
    if (total > r.width()) {  // small frames: a smaller legend rather than one running into the next panel
      QFont small = p.font();
      small.setPointSizeF(std::max(5.0, small.pointSizeF() * r.width() / total));
      p.setFont(small);
      total = width_of(QFontMetricsF(small));
    }
    const QFontMetricsF lm(p.font());
    double x = std::max(r.left(), plot.center().x() - total / 2);
    const double y = r.top() + line_h * 1.5;
    for (const Curve& c : panel.curves) {
      p.setPen(QPen(c.color, 3));
      p.drawLine(QPointF(x, y + line_h / 2), QPointF(x + 22, y + line_h / 2));
      p.setPen(QColor(30, 30, 30));
      const double tw = lm.horizontalAdvance(c.name);
      p.drawText(QRectF(x + 28, y, tw + 4, line_h), Qt::AlignLeft | Qt::AlignVCenter, c.name);
      x += 28 + tw + 14;
    }
    p.restore();
  }
  // Values map into the plot less a margin, so points on the range's edge stay inside the frame.
  const QRectF inner = plot.adjusted(7, 7, -7, -7);
  auto X = [&](double e) { return inner.left() + (x1 > x0 ? (e - x0) / (x1 - x0) : 0.5) * inner.width(); };
  auto Y = [&](double v) { return inner.bottom() - (v - panel.y0) / (panel.y1 - panel.y0) * inner.height(); };
  // Grid and ticks: fixed, whatever epoch is drawn.
  p.setPen(QPen(QColor(225, 225, 225), 1));
  for (double v = panel.y0; v <= panel.y1 + ystep * 1e-6; v += ystep)
    p.drawLine(QPointF(plot.left(), Y(v)), QPointF(plot.right(), Y(v)));
  // As many epoch ticks as their labels leave room for.
  const double label_room = fm.horizontalAdvance(QString::number(x1)) * 2.2;
  const double xstep = std::max(1.0, nice_step(double(x1 - x0) / std::max(1, static_cast<int>(inner.width() / label_room))));
  const double first_x = std::ceil(x0 / xstep) * xstep;
  for (double e = first_x; e <= x1 + 1e-9; e += xstep) p.drawLine(QPointF(X(e), plot.top()), QPointF(X(e), plot.bottom()));
  p.setPen(QColor(90, 90, 90));
  p.setBrush(Qt::NoBrush);
  p.drawRect(plot);
  for (double v = panel.y0; v <= panel.y1 + ystep * 1e-6; v += ystep)
    p.drawText(QRectF(r.left(), Y(v) - line_h / 2, label_w + 4, line_h), Qt::AlignRight | Qt::AlignVCenter,
               tick_text(v, ystep) + panel.unit);
  for (double e = first_x; e <= x1 + 1e-9; e += xstep)
    p.drawText(QRectF(X(e) - 40, plot.bottom() + 3, 80, line_h), Qt::AlignHCenter | Qt::AlignTop, QString::number(e, 'f', 0));
  p.drawText(QRectF(plot.left(), plot.bottom() + line_h + 4, plot.width(), line_h), Qt::AlignCenter, "epoch");
  // The curves so far, each ending in a dot.
  p.save();
  p.setClipRect(plot);
  for (const Curve& c : panel.curves) {
    QPainterPath path;
    QPointF last;
    bool any = false;
    for (const QPointF& q : c.points) {
      if (q.x() > upto_epoch) break;
      last = QPointF(X(q.x()), Y(q.y()));
      if (!any) path.moveTo(last);
      else path.lineTo(last);
      any = true;
    }
    if (!any) continue;
    p.setPen(QPen(c.color, 2.2, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p.setBrush(Qt::NoBrush);
    p.drawPath(path);
    p.setBrush(c.color);
    p.drawEllipse(last, 3.5, 3.5);
  }
  p.restore();
}

Curve curve_of(const std::vector<EpochEvent>& h, const QString& name, int color, double EpochEvent::*field, double factor) {
  Curve c{name, series_color(color), {}};
  for (const EpochEvent& e : h)
    if (std::isfinite(e.*field)) c.points.emplace_back(e.epoch, e.*field * factor);
  return c;
}

}  // namespace

QImage paint_curves(const std::vector<EpochEvent>& history, int upto, QSize size) {
  QImage img(size, QImage::Format_RGB32);
  img.fill(Qt::white);
  if (history.empty()) return img;
  upto = std::clamp(upto, 1, static_cast<int>(history.size()));
  Panel loss{"Loss", "", {}}, acc{"Accuracy", "%", {}};
  const std::pair<QString, double EpochEvent::*> losses[] = {
      {"train", &EpochEvent::train_loss}, {"validation", &EpochEvent::val_loss}, {"test", &EpochEvent::test_loss}};
  const std::pair<QString, double EpochEvent::*> accs[] = {
      {"train", &EpochEvent::train_accuracy}, {"validation", &EpochEvent::val_accuracy}, {"test", &EpochEvent::test_accuracy}};
  for (int k = 0; k < 3; ++k) {
    Curve l = curve_of(history, losses[k].first, k, losses[k].second, 1);
    if (!l.points.empty()) loss.curves.push_back(std::move(l));
    Curve a = curve_of(history, accs[k].first, k, accs[k].second, 100);
    if (!a.points.empty()) acc.curves.push_back(std::move(a));
  }
  fix_range(loss, 0, INFINITY);
  fix_range(acc, 0, 100);
  const int x0 = std::min(1, history.front().epoch), x1 = std::max(x0 + 1, history.back().epoch);
  const int epoch = history[static_cast<size_t>(upto - 1)].epoch;

  QPainter p(&img);
  p.setRenderHint(QPainter::Antialiasing);
  p.setRenderHint(QPainter::TextAntialiasing);
  const double s = scale_for(size);
  p.scale(s, s);
  const QRectF page(0, 0, size.width() / s, size.height() / s);
  QFont f = p.font();
  f.setPointSizeF(std::max(8.0, page.height() / 40));
  p.setFont(f);
  const QFontMetricsF fm(f);
  p.setPen(QColor(30, 30, 30));
  p.drawText(QRectF(page.left(), 6, page.width(), fm.height() * 1.3), Qt::AlignCenter,
             QString("Epoch %1 of %2").arg(epoch).arg(history.back().epoch));
  const QRectF body = page.adjusted(10, fm.height() * 1.6 + 6, -10, -6);
  const bool side_by_side = body.width() >= body.height() * 1.2;
  QRectF a = body, b = body;
  if (side_by_side) a.setRight(body.center().x() - 8), b.setLeft(body.center().x() + 8);
  else a.setBottom(body.center().y() - 6), b.setTop(body.center().y() + 6);
  paint_panel(p, a, loss, x0, x1, epoch);
  paint_panel(p, b, acc, x0, x1, epoch);
  return img;
}

// ---- RunAnimations ----

RunAnimations::RunAnimations(const RunModel* model, QObject* parent)
    : QObject(parent), model_(model), data_(std::make_shared<DataPreview>()) {}

// The run's own data: what is loaded when it begins, or loaded while it runs
// (the editor is locked then; a run started at once loads its data itself and
// the window's copy may come later), but not what is loaded after it ended
// for the next experiment, unless the run has no plane yet (only a run on
// points has maps, and only points data has a plane).
void RunAnimations::setData(const DataPreview& p) {
  pending_ = p;
  if (generation_ != model_->generation()) return;  // follow() takes it
  const bool running = model_->hasRun() && model_->result().status == RunStatus::Running;
  if (running || !data_->points) data_ = std::make_shared<DataPreview>(p);
}

void RunAnimations::follow() const {
  if (model_->generation() == generation_) return;
  generation_ = model_->generation();
  frames_.clear();
  data_ = std::make_shared<DataPreview>(pending_);
}

void RunAnimations::addSnapshot(const Snapshot& s) {
  follow();
  frames_.add(s);
}

const RunFrames& RunAnimations::frames() const {
  follow();
  return frames_;
}

namespace {

// The frames as they are now, shared with the recording (copying the list, not the pictures).
struct FrameList {
  std::vector<std::shared_ptr<const RunFrames::Frame>> frames;
  int count() const { return static_cast<int>(frames.size()); }
};

}  // namespace

Animatable RunAnimations::decisionMap() const {
  follow();
  auto list = std::make_shared<FrameList>();
  if (frames_.hasMaps() && data_->points) {
    list->frames = frames_.frames_;
    if (frames_.latest_) list->frames.push_back(frames_.latest_);
  }
  std::shared_ptr<const DataPreview> data = data_;
  Animatable a;
  a.name = file_name_of(QString::fromStdString(model_->config().name) + " decision map");
  a.frames = [list] { return list->count(); };
  a.frame = [list, data](int i, QSize size) {
    if (i < 0 || i >= list->count()) return QImage();
    BoundaryView view;
    view.setData(*data);
    view.setSnapshot(expand(*list->frames[static_cast<size_t>(i)]));
    return render_view(view, size);
  };
  return a;
}

Animatable RunAnimations::filters() const {
  follow();
  auto list = std::make_shared<FrameList>();
  if (frames_.hasFilters()) {
    list->frames = frames_.frames_;
    if (frames_.latest_) list->frames.push_back(frames_.latest_);
  }
  Animatable a;
  a.name = file_name_of(QString::fromStdString(model_->config().name) + " filters");
  a.frames = [list] { return list->count(); };
  a.frame = [list](int i, QSize size) {
    if (i < 0 || i >= list->count()) return QImage();
    FilterView view;
    view.setSnapshot(expand(*list->frames[static_cast<size_t>(i)]));
    return render_view(view, size);
  };
  return a;
}

Animatable RunAnimations::curves() const {
  auto history = std::make_shared<const std::vector<EpochEvent>>(model_->result().history);
  Animatable a;
  a.name = file_name_of(QString::fromStdString(model_->config().name) + " curves");
  a.frames = [history] { return static_cast<int>(history->size()); };
  a.frame = [history](int i, QSize size) { return paint_curves(*history, i + 1, size); };
  return a;
}

}  // namespace hyperlab
