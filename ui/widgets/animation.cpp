#include "ui/widgets/animation.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QPointer>
#include <QProgressDialog>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QTimer>

#include <fcntl.h>
#include <gif_lib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

namespace hyperlab {

/// Where an export's frames go, in order: a GIF file or a folder of PNGs.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  /// Returns an error or "".
  virtual QString add(const QImage& frame) = 0;
  /// Completes the output. Returns an error or "".
  virtual QString finish() = 0;
};

QVector<int> frames_to_keep(int count, int every) {
  QVector<int> keep;
  if (count <= 0) return keep;
  every = std::max(1, every);
  for (int i = 0; i < count; i += every) keep.push_back(i);
  if (keep.back() != count - 1) keep.push_back(count - 1);
  return keep;
}

namespace {

constexpr int kMaxSide = 4096;
constexpr int kPaletteSamples = 8;  // frames painted first to choose the GIF's colours
constexpr int kQueued = 4;          // frames painted ahead of the background writer
constexpr int kTransparent = 255;   // the GIF's colour index for "as in the frame before"

QString check_options(const Animatable& a, const AnimationOptions& o) {
  if (!a.frames || !a.frame) return "Nothing to animate.";
  if (a.frames() <= 0) return "There are no frames to animate yet.";
  if (o.size.width() < 1 || o.size.height() < 1 || o.size.width() > kMaxSide || o.size.height() > kMaxSide)
    return QString("The size %1x%2 is not between 1x1 and %3x%3 pixels.")
        .arg(o.size.width())
        .arg(o.size.height())
        .arg(kMaxSide);
  if (!(o.fps > 0)) return "The frame rate must be above 0.";
  return {};
}

// Frame i as exactly `size` opaque RGB pixels, whatever the painter returned.
QImage paint_frame(const Animatable& a, int i, QSize size) {
  QImage img = a.frame(i, size);
  QImage out(size, QImage::Format_RGB32);
  out.fill(Qt::white);
  if (!img.isNull()) {
    QPainter p(&out);
    p.setRenderHint(QPainter::SmoothPixmapTransform);
    img.setDevicePixelRatio(1);
    p.drawImage(QRect(QPoint(0, 0), size), img);
  }
  return out;
}

// ---- colours: median cut over a 5-5-5 histogram of a few frames ----

int bin_of(QRgb c) { return ((qRed(c) >> 3) << 10) | ((qGreen(c) >> 3) << 5) | (qBlue(c) >> 3); }

struct Palette {
  std::vector<QRgb> colors;   // at most 256
  std::vector<uint8_t> lut;   // 32768 bins -> nearest colour
  uint8_t index(QRgb c) const { return lut[static_cast<size_t>(bin_of(c))]; }
};

struct Bin {
  uint64_t n = 0, r = 0, g = 0, b = 0;
};

// A box of histogram bins; split along its widest channel at the weighted median.
struct Box {
  std::vector<int> bins;
  uint64_t n = 0;
  double error = 0;  // sum of squared distances to the box's mean colour: what a split reduces
  int axis = 0;
};

Box make_box(std::vector<int> bins, const std::vector<Bin>& h) {
  Box b;
  b.bins = std::move(bins);
  double s[3] = {0, 0, 0}, q[3] = {0, 0, 0};
  for (int k : b.bins) {
    const Bin& x = h[static_cast<size_t>(k)];
    b.n += x.n;
    const double m[3] = {double(x.r) / x.n, double(x.g) / x.n, double(x.b) / x.n};
    for (int c = 0; c < 3; ++c) s[c] += m[c] * x.n, q[c] += m[c] * m[c] * x.n;
  }
  double best = -1;
  for (int c = 0; c < 3; ++c) {
    const double var = q[c] - s[c] * s[c] / std::max<double>(1, b.n);
    b.error += var;
    if (var > best) best = var, b.axis = c;
  }
  return b;
}

Palette make_palette(const std::vector<QImage>& samples, int max_colors = 256) {
  std::vector<Bin> h(32768);
  for (const QImage& img : samples)
    for (int y = 0; y < img.height(); ++y) {
      const QRgb* row = reinterpret_cast<const QRgb*>(img.constScanLine(y));
      for (int x = 0; x < img.width(); ++x) {
        Bin& b = h[static_cast<size_t>(bin_of(row[x]))];
        ++b.n, b.r += qRed(row[x]), b.g += qGreen(row[x]), b.b += qBlue(row[x]);
      }
    }
  std::vector<int> used;
  for (int k = 0; k < 32768; ++k)
    if (h[static_cast<size_t>(k)].n) used.push_back(k);
  std::vector<Box> boxes;
  if (!used.empty()) boxes.push_back(make_box(std::move(used), h));
  while (static_cast<int>(boxes.size()) < max_colors) {
    auto it = std::max_element(boxes.begin(), boxes.end(), [](const Box& a, const Box& b) {
      return (a.bins.size() < 2 ? -1 : a.error) < (b.bins.size() < 2 ? -1 : b.error);
    });
    if (it == boxes.end() || it->bins.size() < 2 || it->error <= 0) break;
    Box box = std::move(*it);
    boxes.erase(it);
    const int shift = box.axis == 0 ? 10 : box.axis == 1 ? 5 : 0;
    std::sort(box.bins.begin(), box.bins.end(), [shift](int a, int b) { return ((a >> shift) & 31) < ((b >> shift) & 31); });
    uint64_t half = 0;
    size_t cut = 1;
    for (; cut < box.bins.size(); ++cut) {
      half += h[static_cast<size_t>(box.bins[cut - 1])].n;
      if (half * 2 >= box.n) break;
    }
    cut = std::clamp<size_t>(cut, 1, box.bins.size() - 1);
    std::vector<int> lo(box.bins.begin(), box.bins.begin() + static_cast<std::ptrdiff_t>(cut));
    std::vector<int> hi(box.bins.begin() + static_cast<std::ptrdiff_t>(cut), box.bins.end());
    boxes.push_back(make_box(std::move(lo), h));
    boxes.push_back(make_box(std::move(hi), h));
  }
  Palette p;
  for (const Box& b : boxes) {
    uint64_t r = 0, g = 0, bl = 0;
    for (int k : b.bins) r += h[static_cast<size_t>(k)].r, g += h[static_cast<size_t>(k)].g, bl += h[static_cast<size_t>(k)].b;
    p.colors.push_back(qRgb(static_cast<int>(std::lround(double(r) / b.n)), static_cast<int>(std::lround(double(g) / b.n)),
                            static_cast<int>(std::lround(double(bl) / b.n))));
  }
  if (p.colors.empty()) p.colors.push_back(qRgb(255, 255, 255));
  // Nearest colour of each bin's centre, once: frames are then mapped by lookup.
  p.lut.resize(32768);
  for (int k = 0; k < 32768; ++k) {
    const int r = ((k >> 10) << 3) | 4, g = (((k >> 5) & 31) << 3) | 4, b = ((k & 31) << 3) | 4;
    int best = 0, best_d = INT32_MAX;
    for (size_t i = 0; i < p.colors.size(); ++i) {
      const int dr = qRed(p.colors[i]) - r, dg = qGreen(p.colors[i]) - g, db = qBlue(p.colors[i]) - b;
      const int d = 3 * dr * dr + 4 * dg * dg + 2 * db * db;  // green weighs most for the eye
      if (d < best_d) best_d = d, best = static_cast<int>(i);
    }
    p.lut[static_cast<size_t>(k)] = static_cast<uint8_t>(best);
  }
  return p;
}

// ---- where the frames go: a GIF file or a folder of PNGs ----

QString gif_error(const QString& file, int code) {
  return QString("Cannot write %1: %2").arg(file, QString::fromUtf8(GifErrorString(code)));
}

// Streams frames into FILE.part, renamed to FILE at the end: a failed or
// cancelled export leaves no half GIF behind, and an older one stays intact.
// After the first frame, each frame holds only the rectangle that changed
// (the rest is left in place), so a growing curve costs little.
class GifSink : public FrameSink {
 public:
  GifSink(QString file, const AnimationOptions& o, Palette palette)
      : file_(std::move(file)), part_(file_ + ".part"), o_(o), palette_(std::move(palette)) {}
  ~GifSink() override {
    close();
    if (!done_) QFile::remove(part_);
  }

  QString open() {
    // Opened here rather than by EGifOpenFileName, which makes files only its owner can read.
    const int fd = ::open(QFile::encodeName(part_).constData(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) return QString("Cannot write %1: %2").arg(file_, QString::fromLocal8Bit(std::strerror(errno)));
    int err = 0;
    gif_ = EGifOpenFileHandle(fd, &err);
    if (!gif_) return gif_error(file_, err);
    EGifSetGifVersion(gif_, true);
    const int bits = 8;  // 256 entries, whatever the frames use: index 255 is the transparent one
    std::vector<GifColorType> colors(size_t(1) << bits, GifColorType{255, 255, 255});
    for (size_t i = 0; i < palette_.colors.size(); ++i)
      colors[i] = GifColorType{static_cast<GifByteType>(qRed(palette_.colors[i])),
                               static_cast<GifByteType>(qGreen(palette_.colors[i])),
                               static_cast<GifByteType>(qBlue(palette_.colors[i]))};
    ColorMapObject* map = GifMakeMapObject(1 << bits, colors.data());
    if (!map) return gif_error(file_, E_GIF_ERR_NOT_ENOUGH_MEM);
    const int ok = EGifPutScreenDesc(gif_, o_.size.width(), o_.size.height(), 8, 0, map);
    GifFreeMapObject(map);
    if (ok == GIF_ERROR) return gif_error(file_, gif_->Error);
    if (o_.loop) {  // NETSCAPE2.0: repeat forever (loop count 0)
      static const GifByteType netscape[] = "NETSCAPE2.0";
      GifByteType repeat[3] = {1, 0, 0};
      if (EGifPutExtensionLeader(gif_, APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
          EGifPutExtensionBlock(gif_, 11, netscape) == GIF_ERROR || EGifPutExtensionBlock(gif_, 3, repeat) == GIF_ERROR ||
          EGifPutExtensionTrailer(gif_) == GIF_ERROR)
        return gif_error(file_, gif_->Error);
    }
    return {};
  }

  QString add(const QImage& frame) override {
    const int w = o_.size.width(), h = o_.size.height();
    std::vector<uint8_t> idx(size_t(w) * h);
    for (int y = 0; y < h; ++y) {
      const QRgb* row = reinterpret_cast<const QRgb*>(frame.constScanLine(y));
      for (int x = 0; x < w; ++x) idx[size_t(y) * w + x] = palette_.index(row[x]);
    }
    // The rectangle that changed since the last frame (all of the first one).
    int x0 = 0, y0 = 0, x1 = w - 1, y1 = h - 1;
    if (!prev_.empty()) {
      x0 = w, y0 = h, x1 = -1, y1 = -1;
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          if (idx[size_t(y) * w + x] != prev_[size_t(y) * w + x])
            x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
      if (x1 < 0) x0 = x1 = y0 = y1 = 0;  // unchanged: one pixel, to keep the frame's time
    }
    // Inside it, pixels as they were become the transparent index: the frame
    // below shows through, and long runs of one index compress well.
    const bool see_through = !prev_.empty();
    GraphicsControlBlock gcb;
    gcb.DisposalMode = DISPOSE_DO_NOT;
    gcb.UserInputFlag = false;
    gcb.DelayTime = std::clamp(static_cast<int>(std::lround(100.0 / o_.fps)), 2, 65535);
    gcb.TransparentColor = see_through ? kTransparent : NO_TRANSPARENT_COLOR;
    GifByteType ext[4];
    const size_t n = EGifGCBToExtension(&gcb, ext);
    if (EGifPutExtension(gif_, GRAPHICS_EXT_FUNC_CODE, static_cast<int>(n), ext) == GIF_ERROR ||
        EGifPutImageDesc(gif_, x0, y0, x1 - x0 + 1, y1 - y0 + 1, false, nullptr) == GIF_ERROR)
      return gif_error(file_, gif_->Error);
    std::vector<uint8_t> line(size_t(x1 - x0 + 1));
    for (int y = y0; y <= y1; ++y) {
      const uint8_t* now = idx.data() + size_t(y) * w;
      for (int x = x0; x <= x1; ++x)
        line[size_t(x - x0)] = see_through && now[x] == prev_[size_t(y) * w + x] ? kTransparent : now[x];
      if (EGifPutLine(gif_, line.data(), x1 - x0 + 1) == GIF_ERROR) return gif_error(file_, gif_->Error);
    }
    prev_ = std::move(idx);
    return {};
  }

  QString finish() override {
    int err = 0;
    if (!close(&err)) return gif_error(file_, err);
    // rename(2) replaces an older file in one step: a viewer never sees a missing or half GIF.
    if (std::rename(QFile::encodeName(part_).constData(), QFile::encodeName(file_).constData()) != 0)
      return QString("Cannot write %1: %2").arg(file_, QString::fromLocal8Bit(std::strerror(errno)));
    done_ = true;
    return {};
  }

 private:
  bool close(int* err = nullptr) {
    if (!gif_) return true;
    int e = 0;
    const int ok = EGifCloseFile(gif_, &e);  // frees gif_ either way
    gif_ = nullptr;
    if (err) *err = e;
    return ok != GIF_ERROR;
  }
  QString file_, part_;
  AnimationOptions o_;
  Palette palette_;
  GifFileType* gif_ = nullptr;
  std::vector<uint8_t> prev_;
  bool done_ = false;
};

class PngSink : public FrameSink {
 public:
  PngSink(QString dir, QString name, int count) : dir_(std::move(dir)), name_(std::move(name)) {
    digits_ = std::max(4, static_cast<int>(QString::number(count).size()));
  }
  QString open() {
    if (QFileInfo(dir_).exists() && !QFileInfo(dir_).isDir()) return "Cannot write into " + dir_ + ": it is a file.";
    if (!QDir().mkpath(dir_)) return "Cannot create the folder " + dir_;
    return {};
  }
  QString add(const QImage& frame) override {
    const QString file = QDir(dir_).filePath(QString("%1-%2.png").arg(name_).arg(++n_, digits_, 10, QChar('0')));
    if (!frame.save(file, "PNG")) return "Cannot write " + file;
    return {};
  }
  QString finish() override { return {}; }

 private:
  QString dir_, name_;
  int digits_ = 4, n_ = 0;
};

QString base_name(const Animatable& a) { return a.name.isEmpty() ? QString("animation") : a.name; }

// Opens the sink of a format, choosing the GIF's colours from a few of the kept frames.
std::unique_ptr<FrameSink> open_sink(AnimationFormat f, const QString& target, const Animatable& a,
                                     const AnimationOptions& o, const QVector<int>& keep, QString& error) {
  if (f == AnimationFormat::Png) {
    auto s = std::make_unique<PngSink>(target, base_name(a), keep.size());
    error = s->open();
    return error.isEmpty() ? std::move(s) : nullptr;
  }
  std::vector<QImage> samples;
  const int n = std::min<int>(kPaletteSamples, keep.size());
  for (int k = 0; k < n; ++k)
    samples.push_back(paint_frame(a, keep[n == 1 ? 0 : static_cast<int>(std::lround(double(k) * (keep.size() - 1) / (n - 1)))],
                                  o.size));
  auto s = std::make_unique<GifSink>(target, o, make_palette(samples, kTransparent));  // 255 colours and "unchanged"
  error = s->open();
  return error.isEmpty() ? std::move(s) : nullptr;
}

QString write_now(AnimationFormat f, const QString& target, const Animatable& a, const AnimationOptions& o) {
  QString error = check_options(a, o);
  if (!error.isEmpty()) return error;
  const QVector<int> keep = frames_to_keep(a.frames(), o.every);
  std::unique_ptr<FrameSink> sink = open_sink(f, target, a, o, keep, error);
  if (!sink) return error;
  for (int i : keep) {
    error = sink->add(paint_frame(a, i, o.size));
    if (!error.isEmpty()) return error;
  }
  return sink->finish();
}

}  // namespace

QString write_gif(const QString& file, const Animatable& a, const AnimationOptions& o) {
  return write_now(AnimationFormat::Gif, file, a, o);
}

QString write_png_sequence(const QString& dir, const Animatable& a, const AnimationOptions& o) {
  return write_now(AnimationFormat::Png, dir, a, o);
}

// ---- AnimationExport: painted here, encoded and written on a thread of its own ----

struct AnimationExport::Shared {
  std::mutex m;
  std::condition_variable cv;
  std::deque<QImage> queue;
  bool closed = false, cancelled = false;
};

AnimationExport::AnimationExport(Animatable a, AnimationOptions o, AnimationFormat f, QString target, QObject* parent)
    : QObject(parent), a_(std::move(a)), o_(o), format_(f), target_(std::move(target)), shared_(std::make_shared<Shared>()) {}

AnimationExport::~AnimationExport() {
  cancel();
  if (worker_.joinable()) worker_.join();
}

void AnimationExport::cancel() {
  {
    std::lock_guard<std::mutex> l(shared_->m);
    shared_->cancelled = true;
  }
  shared_->cv.notify_all();
}

void AnimationExport::start() {
  if (started_) return;
  started_ = true;
  QString error = check_options(a_, o_);
  if (error.isEmpty()) {
    keep_ = frames_to_keep(a_.frames(), o_.every);
    sink_ = open_sink(format_, target_, a_, o_, keep_, error);
  }
  if (!error.isEmpty()) {
    QTimer::singleShot(0, this, [this, error] { end(error); });
    return;
  }
  std::shared_ptr<Shared> sh = shared_;
  FrameSink* sink = sink_.get();
  const int total = keep_.size();
  // The worker only touches the queue's images and the sink; it reports back through queued calls.
  worker_ = std::thread([this, sh, sink, total] {
    QString err;
    int written = 0;
    try {
      for (;;) {
        QImage img;
        {
          std::unique_lock<std::mutex> l(sh->m);
          sh->cv.wait(l, [&] { return sh->cancelled || !sh->queue.empty() || sh->closed; });
          if (sh->cancelled) break;
          if (sh->queue.empty()) break;  // closed: everything is written
          img = std::move(sh->queue.front());
          sh->queue.pop_front();
        }
        err = sink->add(img);
        if (!err.isEmpty()) break;
        ++written;
        QMetaObject::invokeMethod(this, [this, written, total] { frameWritten(written, total); }, Qt::QueuedConnection);
      }
      bool cancelled;
      {
        std::lock_guard<std::mutex> l(sh->m);
        cancelled = sh->cancelled;
      }
      if (err.isEmpty() && cancelled) err = "Cancelled.";
      if (err.isEmpty()) err = sink->finish();
    } catch (const std::exception& e) {
      err = QString("Cannot write the animation: ") + e.what();
    }
    QMetaObject::invokeMethod(this, [this, err] { end(err); }, Qt::QueuedConnection);
  });
  schedule();
}

// Paints the next frame if the writer has room for it, one per pass of the event loop.
void AnimationExport::paintMore() {
  if (ended_ || next_ >= keep_.size()) return;
  {
    std::lock_guard<std::mutex> l(shared_->m);
    if (shared_->cancelled || static_cast<int>(shared_->queue.size()) >= kQueued) return;  // frameWritten() asks again
  }
  QImage img = paint_frame(a_, keep_[next_], o_.size);
  ++next_;
  {
    std::lock_guard<std::mutex> l(shared_->m);
    shared_->queue.push_back(std::move(img));
    if (next_ >= keep_.size()) shared_->closed = true;
  }
  shared_->cv.notify_all();
  schedule();
}

void AnimationExport::schedule() {
  if (scheduled_ || ended_ || next_ >= keep_.size()) return;
  scheduled_ = true;
  QTimer::singleShot(0, this, [this] {
    scheduled_ = false;
    paintMore();
  });
}

void AnimationExport::frameWritten(int done, int total) {
  Q_EMIT progress(done, total);
  schedule();
}

void AnimationExport::end(const QString& error) {
  if (ended_) return;
  ended_ = true;
  if (worker_.joinable()) worker_.join();
  sink_.reset();  // a GIF not finished is removed here
  Q_EMIT finished(error);
}

// ---- the dialog ----

namespace {

struct Choice {
  AnimationOptions options;
  AnimationFormat format = AnimationFormat::Gif;
};

bool ask_options(QWidget* parent, const Animatable& a, int count, Choice& c) {
  QSettings st;
  QDialog d(parent);
  d.setWindowTitle("Export animation");
  auto* form = new QFormLayout(&d);
  auto* size = new QComboBox;
  const QSize sizes[] = {{480, 360}, {640, 480}, {800, 600}, {1024, 768}, {1280, 720}, {1920, 1080}};
  for (QSize s : sizes) size->addItem(QString("%1 × %2").arg(s.width()).arg(s.height()), s);
  size->setCurrentIndex(std::max(0, size->findData(st.value("animation/size", QSize(800, 600)).toSize())));
  auto* fps = new QDoubleSpinBox;
  fps->setRange(0.5, 30), fps->setDecimals(1), fps->setSingleStep(1), fps->setSuffix(" frames/s");
  fps->setValue(st.value("animation/fps", 4.0).toDouble());
  auto* every = new QSpinBox;
  every->setRange(1, std::max(1, count - 1));
  every->setPrefix("every ");
  auto plural = [&a](int n) { return " " + a.unit + (n == 1 || a.unit.isEmpty() ? "" : "s"); };
  every->setValue(std::clamp((count + 99) / 100, 1, std::max(1, count - 1)));  // about 100 frames at most
  auto* format = new QComboBox;
  format->addItem("Animated GIF (one file)");
  format->addItem("Numbered PNG images (a folder)");
  format->setCurrentIndex(st.value("animation/format", 0).toInt() == 1 ? 1 : 0);
  auto* loop = new QCheckBox("Loop forever (GIF)");
  loop->setChecked(st.value("animation/loop", true).toBool());
  auto* summary = new QLabel;
  size->setObjectName("animationSize"), fps->setObjectName("animationFps"), every->setObjectName("animationEvery");
  format->setObjectName("animationFormat"), summary->setObjectName("animationSummary");
  auto update = [&] {
    const int n = frames_to_keep(count, every->value()).size();
    every->setSuffix(plural(every->value()));
    summary->setText(QString("%1 of %2%3 as frames: %4 s").arg(n).arg(count).arg(plural(count)).arg(n / fps->value(), 0, 'f', 1));
    loop->setEnabled(format->currentIndex() == 0);
  };
  QObject::connect(every, qOverload<int>(&QSpinBox::valueChanged), &d, update);
  QObject::connect(fps, qOverload<double>(&QDoubleSpinBox::valueChanged), &d, update);
  QObject::connect(format, qOverload<int>(&QComboBox::currentIndexChanged), &d, update);
  update();
  form->addRow("Size", size);
  form->addRow("Speed", fps);
  form->addRow("Frames", every);
  form->addRow("", summary);
  form->addRow("Write", format);
  form->addRow("", loop);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  QObject::connect(buttons, &QDialogButtonBox::accepted, &d, &QDialog::accept);
  QObject::connect(buttons, &QDialogButtonBox::rejected, &d, &QDialog::reject);
  form->addRow(buttons);
  if (d.exec() != QDialog::Accepted) return false;
  c.options.size = size->currentData().toSize();
  c.options.fps = fps->value();
  c.options.every = every->value();
  c.options.loop = loop->isChecked();
  c.format = format->currentIndex() == 1 ? AnimationFormat::Png : AnimationFormat::Gif;
  st.setValue("animation/size", c.options.size);
  st.setValue("animation/fps", c.options.fps);
  st.setValue("animation/loop", c.options.loop);
  st.setValue("animation/format", c.format == AnimationFormat::Png ? 1 : 0);
  return true;
}

}  // namespace

void export_animation_interactively(QWidget* parent, const Animatable& a) {
  const QString title = "Export animation";
  const int count = a.frames ? a.frames() : 0;
  if (count <= 0) {
    QMessageBox::information(parent, title, "There is nothing to animate yet: train a run first.");
    return;
  }
  Choice c;
  if (!ask_options(parent, a, count, c)) return;
  QString target;
  if (c.format == AnimationFormat::Gif) {
    target = QFileDialog::getSaveFileName(parent, title, base_name(a) + ".gif", "Animated GIF (*.gif)");
    if (!target.isEmpty() && QFileInfo(target).suffix().isEmpty()) target += ".gif";
  } else {
    target = QFileDialog::getExistingDirectory(parent, title + " (a folder for the numbered PNGs)");
  }
  if (target.isEmpty()) return;

  auto* job = new AnimationExport(a, c.options, c.format, target, parent);
  auto* progress = new QProgressDialog("Writing " + QFileInfo(target).fileName() + "…", "Cancel", 0,
                                       frames_to_keep(count, c.options.every).size(), parent);
  progress->setWindowTitle(title);
  progress->setMinimumDuration(500);
  progress->setAttribute(Qt::WA_DeleteOnClose);
  QObject::connect(progress, &QProgressDialog::canceled, job, &AnimationExport::cancel);
  QObject::connect(job, &AnimationExport::progress, progress, [progress](int done, int) { progress->setValue(done); });
  QPointer<QWidget> w(parent);
  QPointer<QProgressDialog> pd(progress);
  QObject::connect(job, &AnimationExport::finished, parent, [w, pd, job, title, target](const QString& error) {
    if (pd) pd->close();
    job->deleteLater();
    if (!error.isEmpty() && error != "Cancelled.") QMessageBox::warning(w, title, error);
    else if (error.isEmpty() && w)
      if (auto* win = qobject_cast<QMainWindow*>(w->window())) win->statusBar()->showMessage("Animation written to " + target, 5000);
  });
  job->start();
}

QAction* add_animation_action(QMenu& menu, QWidget* parent, const Animatable& a) {
  QAction* act = menu.addAction("Export animation…");
  QPointer<QWidget> w(parent);
  QObject::connect(act, &QAction::triggered, parent, [w, a] {
    if (w) export_animation_interactively(w, a);
  });
  act->setEnabled(a.frames && a.frames() > 0);
  return act;
}

}  // namespace hyperlab
