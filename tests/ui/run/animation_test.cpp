// Animations for slides (issue 14): GIFs read back with giflib (frame count,
// size, delay, loop, colours), PNG sequences, the frames kept, the bounded
// per-epoch recording, errors, the background export, and a real run's
// decision-map, filters and curves animations.
#include <gtest/gtest.h>

#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDir>
#include <QFileDialog>
#include <QLineEdit>
#include <QMessageBox>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QSpinBox>
#include <QTimer>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QPainter>
#include <QSignalSpy>
#include <QTemporaryDir>

#include <gif_lib.h>

#include <cmath>
#include <cstring>

#include "ui/editor/experimenteditor.h"
#include "ui/mainwindow.h"
#include "ui/run/runanimations.h"
#include "ui/run/runmodel.h"
#include "ui/widgets/animation.h"
#include "ui/widgets/export.h"
#include "ui/widgets/pictureviews.h"
#include "ui_helpers.h"

using namespace hyperlab;
using namespace hyperlab::ui_test;

namespace {

// Frame i: a solid colour (frame 0 pure red), with a white square that moves.
QColor synthetic_color(int i) { return i == 0 ? QColor(255, 0, 0) : QColor::fromHsv((i * 37) % 360, 200, 220); }

Animatable synthetic(int n) {
  Animatable a;
  a.name = "synthetic";
  a.frames = [n] { return n; };
  a.frame = [](int i, QSize size) {
    QImage img(size, QImage::Format_RGB32);
    img.fill(synthetic_color(i));
    QPainter p(&img);
    p.fillRect(QRect(i * 3 % std::max(1, size.width() - 10), 2, 10, 10), Qt::white);
    return img;
  };
  return a;
}

// A GIF as giflib reads it back: each frame composited onto the canvas the way a viewer shows it.
struct ReadGif {
  QString error;
  int width = 0, height = 0;
  std::vector<QImage> frames;
  std::vector<int> delays;  // centiseconds
  bool loops = false;
};

bool is_netscape(const ExtensionBlock& b) {
  return b.Function == APPLICATION_EXT_FUNC_CODE && b.ByteCount == 11 && std::memcmp(b.Bytes, "NETSCAPE2.0", 11) == 0;
}

ReadGif read_gif(const QString& file) {
  ReadGif out;
  int err = 0;
  GifFileType* g = DGifOpenFileName(QFile::encodeName(file).constData(), &err);
  if (!g) return out.error = GifErrorString(err), out;
  if (DGifSlurp(g) == GIF_ERROR) {
    out.error = GifErrorString(g->Error);
    DGifCloseFile(g, &err);
    return out;
  }
  out.width = g->SWidth, out.height = g->SHeight;
  QImage canvas(out.width, out.height, QImage::Format_RGB32);
  canvas.fill(Qt::black);
  auto scan = [&](int count, const ExtensionBlock* blocks) {
    for (int k = 0; k < count; ++k)
      if (is_netscape(blocks[k]) && k + 1 < count && blocks[k + 1].ByteCount == 3 && blocks[k + 1].Bytes[0] == 1)
        out.loops = true;
  };
  scan(g->ExtensionBlockCount, g->ExtensionBlocks);
  for (int i = 0; i < g->ImageCount; ++i) {
    const SavedImage& s = g->SavedImages[i];
    scan(s.ExtensionBlockCount, s.ExtensionBlocks);
    GraphicsControlBlock gcb;
    gcb.TransparentColor = NO_TRANSPARENT_COLOR;
    out.delays.push_back(DGifSavedExtensionToGCB(g, i, &gcb) == GIF_OK ? gcb.DelayTime : -1);
    const ColorMapObject* map = s.ImageDesc.ColorMap ? s.ImageDesc.ColorMap : g->SColorMap;
    for (int y = 0; y < s.ImageDesc.Height; ++y)
      for (int x = 0; x < s.ImageDesc.Width; ++x) {
        const int index = s.RasterBits[y * s.ImageDesc.Width + x];
        if (index == gcb.TransparentColor) continue;  // the frame below shows through
        const GifColorType c = map->Colors[index];
        canvas.setPixel(s.ImageDesc.Left + x, s.ImageDesc.Top + y, qRgb(c.Red, c.Green, c.Blue));
      }
    out.frames.push_back(canvas.copy());
  }
  DGifCloseFile(g, &err);
  return out;
}

int distance(QRgb a, QColor b) {
  return std::abs(qRed(a) - b.red()) + std::abs(qGreen(a) - b.green()) + std::abs(qBlue(a) - b.blue());
}

// The share of pixels that differ between two images of one size.
double changed(const QImage& a, const QImage& b) {
  if (a.size() != b.size()) return 1;
  const QImage x = a.convertToFormat(QImage::Format_RGB32), y = b.convertToFormat(QImage::Format_RGB32);
  int n = 0;
  for (int r = 0; r < x.height(); ++r)
    for (int c = 0; c < x.width(); ++c) n += x.pixel(c, r) != y.pixel(c, r);
  return double(n) / (x.width() * x.height());
}

// Mean absolute difference per channel, 0..255.
double mean_difference(const QImage& a, const QImage& b) {
  if (a.size() != b.size()) return 255;
  const QImage x = a.convertToFormat(QImage::Format_RGB32), y = b.convertToFormat(QImage::Format_RGB32);
  double sum = 0;
  for (int r = 0; r < x.height(); ++r)
    for (int c = 0; c < x.width(); ++c) sum += distance(x.pixel(c, r), QColor(y.pixel(c, r))) / 3.0;
  return sum / (x.width() * x.height());
}

}  // namespace

TEST(AnimationFrames, FramesToKeepAreEveryKthAndTheLast) {
  EXPECT_TRUE(frames_to_keep(0, 3).isEmpty());
  EXPECT_TRUE(frames_to_keep(-4, 1).isEmpty());
  EXPECT_EQ(frames_to_keep(1, 5), QVector<int>({0}));
  EXPECT_EQ(frames_to_keep(5, 1), QVector<int>({0, 1, 2, 3, 4}));
  EXPECT_EQ(frames_to_keep(10, 3), QVector<int>({0, 3, 6, 9}));     // the last is on the step
  EXPECT_EQ(frames_to_keep(10, 4), QVector<int>({0, 4, 8, 9}));     // the last is added
  EXPECT_EQ(frames_to_keep(7, 0), frames_to_keep(7, 1));            // k < 1 counts as 1
  EXPECT_EQ(frames_to_keep(7, -2), frames_to_keep(7, 1));
  EXPECT_EQ(frames_to_keep(7, 100), QVector<int>({0, 6}));          // k past the end: first and last
  EXPECT_EQ(frames_to_keep(2, 2), QVector<int>({0, 1}));
  for (int n = 1; n < 40; ++n)
    for (int k = 1; k < 12; ++k) {
      const QVector<int> f = frames_to_keep(n, k);
      EXPECT_EQ(f.size(), (n - 1) / k + 1 + ((n - 1) % k != 0)) << n << " " << k;
      EXPECT_EQ(f.front(), 0);
      EXPECT_EQ(f.back(), n - 1);
      for (int j = 1; j < f.size(); ++j) EXPECT_GT(f[j], f[j - 1]);
    }
}

TEST(AnimationGif, ReadsBackWithTheKeptFramesSizeDelayLoopAndColours) {
  QTemporaryDir dir;
  const QString file = dir.filePath("s.gif");
  AnimationOptions o;
  o.size = QSize(120, 80), o.fps = 5, o.every = 4;
  ASSERT_EQ(write_gif(file, synthetic(10), o), "");
  EXPECT_FALSE(QFile::exists(file + ".part"));
  const ReadGif g = read_gif(file);
  ASSERT_EQ(g.error, "");
  EXPECT_EQ(g.width, 120);
  EXPECT_EQ(g.height, 80);
  const QVector<int> kept = frames_to_keep(10, 4);  // 0, 4, 8, 9
  ASSERT_EQ(static_cast<int>(g.frames.size()), kept.size());
  for (int d : g.delays) EXPECT_EQ(d, 20);  // 100 / 5 fps centiseconds
  EXPECT_TRUE(g.loops);
  // Frame 0 reads back red, and each kept frame its own colour, away from the moving square.
  EXPECT_LE(distance(g.frames[0].pixel(60, 60), QColor(255, 0, 0)), 12);
  for (size_t k = 0; k < g.frames.size(); ++k) {
    EXPECT_LE(distance(g.frames[k].pixel(100, 60), synthetic_color(kept[static_cast<int>(k)])), 30) << k;
    EXPECT_LE(distance(g.frames[k].pixel(kept[static_cast<int>(k)] * 3 % 110 + 5, 6), Qt::white), 12) << k;
  }

  // Other speeds and no loop.
  o.fps = 4, o.loop = false, o.every = 1;
  ASSERT_EQ(write_gif(file, synthetic(3), o), "");  // replaces the older file
  const ReadGif once = read_gif(file);
  ASSERT_EQ(once.error, "");
  EXPECT_EQ(once.frames.size(), 3u);
  for (int d : once.delays) EXPECT_EQ(d, 25);
  EXPECT_FALSE(once.loops);
}

TEST(AnimationGif, KeepsManyColoursApartInOneFrame) {
  // A frame of 64 flat colour bands: each must read back near itself (the palette is chosen from the frames).
  Animatable a;
  a.name = "bands";
  a.frames = [] { return 2; };
  a.frame = [](int, QSize size) {
    QImage img(size, QImage::Format_RGB32);
    QPainter p(&img);
    for (int k = 0; k < 64; ++k)
      p.fillRect(QRect(k * size.width() / 64, 0, size.width() / 64 + 1, size.height()), QColor::fromHsv(k * 359 / 63, 255, 255 - (k % 4) * 50));
    return img;
  };
  QTemporaryDir dir;
  AnimationOptions o;
  o.size = QSize(256, 20);
  ASSERT_EQ(write_gif(dir.filePath("bands.gif"), a, o), "");
  const ReadGif g = read_gif(dir.filePath("bands.gif"));
  ASSERT_EQ(g.frames.size(), 2u);
  for (int k = 0; k < 64; ++k)
    EXPECT_LE(distance(g.frames[1].pixel(k * 4 + 2, 10), QColor::fromHsv(k * 359 / 63, 255, 255 - (k % 4) * 50)), 30) << k;
}

TEST(AnimationPng, WritesNumberedFilesOfTheRequestedSize) {
  QTemporaryDir dir;
  const QString out = dir.filePath("frames/run");  // made if missing
  AnimationOptions o;
  o.size = QSize(64, 48), o.every = 2;
  ASSERT_EQ(write_png_sequence(out, synthetic(7), o), "");
  const QStringList files = QDir(out).entryList(QDir::Files, QDir::Name);
  const QVector<int> kept = frames_to_keep(7, 2);
  ASSERT_EQ(files.size(), kept.size()) << files.join(" ").toStdString();
  for (int k = 0; k < files.size(); ++k) {
    EXPECT_EQ(files[k], QString("synthetic-%1.png").arg(k + 1, 4, 10, QChar('0')));
    QImage img(QDir(out).filePath(files[k]));
    EXPECT_EQ(img.size(), QSize(64, 48));
    EXPECT_LE(distance(img.pixel(50, 40), synthetic_color(kept[k])), 3) << k;
  }
}

TEST(AnimationErrors, UnwritablePathsAndBadOptionsReturnAnError) {
  QTemporaryDir dir;
  const QString plain = dir.filePath("a-file");
  QFile f(plain);
  ASSERT_TRUE(f.open(QIODevice::WriteOnly));
  f.close();
  AnimationOptions o;
  o.size = QSize(40, 30);
  // A folder that cannot exist: below a plain file (fails as root too).
  QString e = write_gif(plain + "/x.gif", synthetic(3), o);
  EXPECT_NE(e, "");
  EXPECT_NE(e.indexOf("x.gif"), -1) << e.toStdString();
  EXPECT_NE(write_png_sequence(plain + "/frames", synthetic(3), o), "");
  EXPECT_NE(write_png_sequence(plain, synthetic(3), o), "");  // a file, not a folder
  EXPECT_NE(write_gif(dir.filePath("none.gif"), Animatable{}, o), "");
  EXPECT_NE(write_gif(dir.filePath("empty.gif"), synthetic(0), o), "");
  AnimationOptions bad = o;
  bad.size = QSize(0, 30);
  EXPECT_NE(write_gif(dir.filePath("bad.gif"), synthetic(3), bad), "");
  bad = o, bad.fps = 0;
  EXPECT_NE(write_gif(dir.filePath("bad.gif"), synthetic(3), bad), "");
  EXPECT_FALSE(QFile::exists(dir.filePath("bad.gif")));
}

TEST(AnimationExport, WritesInTheBackgroundReportsErrorsAndCancels) {
  QTemporaryDir dir;
  AnimationOptions o;
  o.size = QSize(200, 150), o.every = 3;
  {
    AnimationExport job(synthetic(20), o, AnimationFormat::Gif, dir.filePath("bg.gif"));
    QSignalSpy done(&job, &AnimationExport::finished), progress(&job, &AnimationExport::progress);
    job.start();
    ASSERT_TRUE(wait_for([&] { return done.count() == 1; }, 20000));
    EXPECT_EQ(done.at(0).at(0).toString(), "");
    EXPECT_EQ(progress.count(), frames_to_keep(20, 3).size());
    EXPECT_EQ(static_cast<int>(read_gif(dir.filePath("bg.gif")).frames.size()), frames_to_keep(20, 3).size());
  }
  {
    AnimationExport job(synthetic(20), o, AnimationFormat::Png, dir.filePath("pngs"));
    QSignalSpy done(&job, &AnimationExport::finished);
    job.start();
    ASSERT_TRUE(wait_for([&] { return done.count() == 1; }, 20000));
    EXPECT_EQ(done.at(0).at(0).toString(), "");
    EXPECT_EQ(QDir(dir.filePath("pngs")).entryList(QDir::Files).size(), frames_to_keep(20, 3).size());
  }
  {
    AnimationExport job(synthetic(5), o, AnimationFormat::Gif, dir.filePath("bg.gif") + "/below-a-file.gif");
    QSignalSpy done(&job, &AnimationExport::finished);
    job.start();
    ASSERT_TRUE(wait_for([&] { return done.count() == 1; }, 20000));
    EXPECT_NE(done.at(0).at(0).toString(), "");
  }
  {
    // Cancelled at once: no GIF, and no half file.
    AnimationOptions big = o;
    big.size = QSize(1600, 1200), big.every = 1;
    AnimationExport job(synthetic(400), big, AnimationFormat::Gif, dir.filePath("cancelled.gif"));
    QSignalSpy done(&job, &AnimationExport::finished);
    job.start();
    job.cancel();
    ASSERT_TRUE(wait_for([&] { return done.count() == 1; }, 20000));
    EXPECT_EQ(done.at(0).at(0).toString(), "Cancelled.");
    EXPECT_FALSE(QFile::exists(dir.filePath("cancelled.gif")));
    EXPECT_FALSE(QFile::exists(dir.filePath("cancelled.gif.part")));
  }
}

TEST(AnimationDialog, AsksForSizeSpeedFramesAndFormat) {
  QWidget parent;
  bool seen = false;
  QTimer poll;
  QObject::connect(&poll, &QTimer::timeout, [&] {
    auto* d = qobject_cast<QDialog*>(QApplication::activeModalWidget());
    if (!d) return;
    poll.stop();
    seen = true;
    auto* size = d->findChild<QComboBox*>("animationSize");
    auto* every = d->findChild<QSpinBox*>("animationEvery");
    auto* format = d->findChild<QComboBox*>("animationFormat");
    auto* summary = d->findChild<QLabel*>("animationSummary");
    ASSERT_TRUE(size && every && format && summary);
    EXPECT_GE(size->findData(QSize(1920, 1080)), 0);
    EXPECT_EQ(every->maximum(), 249);
    EXPECT_EQ(every->value(), 3);  // about 100 frames of 250
    EXPECT_EQ(format->count(), 2);
    every->setValue(10);
    EXPECT_NE(summary->text().indexOf(QString("%1 of 250").arg(frames_to_keep(250, 10).size())), -1)
        << summary->text().toStdString();
    if (!qEnvironmentVariableIsEmpty("HYPERLAB_ANIMATION_OUT"))
      d->grab().save(qEnvironmentVariable("HYPERLAB_ANIMATION_OUT") + "/dialog.png");
    d->reject();
  });
  poll.start(20);
  export_animation_interactively(&parent, synthetic(250));
  EXPECT_TRUE(seen);
}

// The whole path a user takes: the options, the file dialog, the progress, and
// a message box for an error. Modal dialogs are answered as they come.
TEST(AnimationDialog, ExportsThroughTheDialogsAndShowsAnError) {
  QTemporaryDir dir;
  auto run = [&](const QString& target, QString& message) {
    QWidget parent;
    bool options = false, file = false;
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, [&] {
      QWidget* m = QApplication::activeModalWidget();
      if (auto* fd = qobject_cast<QFileDialog*>(m)) {
        file = true;
        // Typed in, as a user does: selectFile() alone can be overridden by the
        // dialog's own initial selection while its folder is still being read.
        fd->selectFile(target);
        if (auto* name = fd->findChild<QLineEdit*>("fileNameEdit")) name->setText(target);
        QMetaObject::invokeMethod(fd, "accept");  // a protected slot
      } else if (auto* box = qobject_cast<QMessageBox*>(m)) {
        message = box->text();
        box->accept();
      } else if (auto* d = qobject_cast<QDialog*>(m); d && d->findChild<QComboBox*>("animationSize")) {
        options = true;
        auto* size = d->findChild<QComboBox*>("animationSize");
        size->setCurrentIndex(size->findData(QSize(480, 360)));
        d->findChild<QComboBox*>("animationFormat")->setCurrentIndex(0);  // GIF
        d->findChild<QSpinBox*>("animationEvery")->setValue(2);
        d->accept();
      }
    });
    poll.start(20);
    export_animation_interactively(&parent, synthetic(9));
    EXPECT_TRUE(options);
    EXPECT_TRUE(file);
    // Written in the background: wait for the file or the message.
    wait_for([&] { return QFile::exists(target) || !message.isEmpty(); }, 20000);
    QTest::qWait(100);
  };
  QString message;
  run(dir.filePath("ok.gif"), message);
  EXPECT_EQ(message, "");
  const ReadGif g = read_gif(dir.filePath("ok.gif"));
  EXPECT_EQ(g.width, 480);
  EXPECT_EQ(static_cast<int>(g.frames.size()), frames_to_keep(9, 2).size());
  // /proc takes no new files, even from root.
  run("/proc/hyperlab-animation.gif", message);
  EXPECT_NE(message.indexOf("Cannot write /proc/hyperlab-animation.gif"), -1) << message.toStdString();
}

TEST(AnimationRecording, FramesAreBoundedEvenlySpreadAndKeepTheNewest) {
  auto snap = [](int epoch, int filters_side) {
    Snapshot s;
    s.epoch = epoch;
    s.grid_w = s.grid_h = 10;
    s.grid_class.assign(100, static_cast<uint8_t>(epoch % 3));
    s.grid_confidence.assign(100, 0.5f + 0.004f * (epoch % 100));
    s.filter_layer = "conv2d 1", s.filter_count = 4, s.filter_channels = 3, s.filter_h = s.filter_w = filters_side;
    for (int i = 0; i < 4 * 3 * filters_side * filters_side; ++i) s.filters.push_back(float((i * 7 + epoch) % 29) / 14 - 1);
    return s;
  };
  RunFrames few;
  for (int e = 1; e <= 30; ++e) few.add(snap(e, 5));
  few.add([&] { Snapshot s = snap(30, 5); s.final = true; return s; }());  // the end of the run is not an epoch
  EXPECT_EQ(few.count(), 30);
  EXPECT_EQ(few.stride(), 1);
  for (int i = 0; i < 30; ++i) EXPECT_EQ(few.epochOf(i), i + 1);
  // 8 bits per value: the pictures survive (filters within 1/127 of their tile's scale).
  const Snapshot in = snap(7, 5), back = few.at(6);
  ASSERT_EQ(back.filters.size(), in.filters.size());
  for (size_t i = 0; i < in.filters.size(); ++i) EXPECT_NEAR(back.filters[i], in.filters[i], 1.0 / 127);
  for (size_t i = 0; i < in.grid_confidence.size(); ++i) EXPECT_NEAR(back.grid_confidence[i], in.grid_confidence[i], 1.0 / 255);
  EXPECT_EQ(back.grid_class, in.grid_class);

  // Many epochs: at most kMaxFrames, from the first, at one stride, and the newest.
  RunFrames many;
  for (int e = 1; e <= 1000; ++e) many.add(snap(e, 5));
  EXPECT_LE(many.count(), RunFrames::kMaxFrames);
  EXPECT_GE(many.count(), RunFrames::kMaxFrames / 2);
  EXPECT_EQ(many.epochOf(0), 1);
  EXPECT_EQ(many.epochOf(many.count() - 1), 1000);
  for (int i = 1; i + 1 < many.count(); ++i) EXPECT_EQ(many.epochOf(i) - many.epochOf(i - 1), many.stride()) << i;

  // Large frames: the byte bound comes first.
  RunFrames large;
  for (int e = 1; e <= 80; ++e) large.add(snap(e, 300));  // 4 x 3 x 300 x 300 bytes ~ 1 MB a frame
  EXPECT_LE(large.bytes(), RunFrames::kMaxBytes + 2 * 1100000);
  EXPECT_GE(large.stride(), 2);
  EXPECT_LT(large.count(), 70);
  EXPECT_EQ(large.epochOf(large.count() - 1), 80);
  large.clear();
  EXPECT_EQ(large.count(), 0);
  EXPECT_EQ(large.bytes(), 0u);
}

TEST(AnimationCurves, AxesStayFixedWhileTheCurvesGrow) {
  std::vector<EpochEvent> h;
  for (int e = 1; e <= 20; ++e) {
    EpochEvent ev;
    ev.epoch = e, ev.epochs = 20;
    ev.train_loss = 2.0 / e, ev.val_loss = 2.2 / e + 0.05;
    ev.train_accuracy = 1 - 0.6 / e, ev.val_accuracy = 1 - 0.7 / e;
    h.push_back(ev);
  }
  const QSize size(800, 600);
  const QImage first = paint_curves(h, 1, size), mid = paint_curves(h, 10, size), last = paint_curves(h, 20, size);
  EXPECT_EQ(first.size(), size);
  if (!qEnvironmentVariableIsEmpty("HYPERLAB_ANIMATION_OUT")) {
    first.save(qEnvironmentVariable("HYPERLAB_ANIMATION_OUT") + "/curves-first.png");
    last.save(qEnvironmentVariable("HYPERLAB_ANIMATION_OUT") + "/curves-last.png");
  }
  EXPECT_GT(changed(first, last), 0.002);  // the curves grew
  EXPECT_GT(changed(mid, last), 0.001);
  // The y tick labels on the left and the x labels along the bottom do not move.
  EXPECT_EQ(first.copy(0, 60, 45, 480), last.copy(0, 60, 45, 480));
  EXPECT_EQ(first.copy(0, 552, 800, 48), last.copy(0, 552, 800, 48));
  EXPECT_EQ(mid.copy(0, 552, 800, 48), last.copy(0, 552, 800, 48));
}

TEST(AnimationRun, A2DRunHasADecisionMapAndCurvesFramePerEpoch) {
  MainWindow w;
  w.show();
  const int epochs = 6;
  w.editor()->setConfig(quick_spirals(epochs));
  // File > Export animation: each entry is enabled once it has frames.
  QMenu* menu = nullptr;
  for (QMenu* m : w.menuBar()->findChildren<QMenu*>())
    if (m->title().remove('&') == "Export animation") menu = m;
  ASSERT_TRUE(menu);
  ASSERT_EQ(menu->actions().size(), 3);
  auto enabled = [&] {
    Q_EMIT menu->aboutToShow();
    QString on;
    for (QAction* a : menu->actions()) on += a->isEnabled() ? '1' : '0';
    return on;
  };
  EXPECT_EQ(enabled(), "000");
  ASSERT_TRUE(wait_for([&] { return w.trainAction()->isEnabled(); }));
  QSignalSpy done(&w, &MainWindow::runFinished);
  click_train(w);
  ASSERT_TRUE(wait_for([&] { return done.count() == 1; }));
  ASSERT_EQ(w.lastResult().status, RunStatus::Completed) << w.lastResult().reason;
  auto* anims = w.findChild<RunAnimations*>("runAnimations");
  ASSERT_TRUE(anims);
  ASSERT_TRUE(wait_for([&] { return enabled() == "101"; }, 10000)) << enabled().toStdString();  // map, no filters, curves
  // The window loads the points (the plane) off the GUI thread: a run started
  // at once may end before they are there.
  ASSERT_TRUE(wait_for([&] { return anims->decisionMap().frames() > 0; }, 10000));
  const Animatable map = anims->decisionMap(), curves = anims->curves();
  ASSERT_EQ(map.frames(), epochs);
  ASSERT_EQ(curves.frames(), epochs);
  EXPECT_EQ(map.name.toStdString(), file_name_of(QString::fromStdString(w.runModel()->config().name)).toStdString() + "-decision-map");
  for (int i = 0; i < epochs; ++i) EXPECT_EQ(anims->frames().epochOf(i), i + 1);
  EXPECT_EQ(anims->filters().frames(), 0);  // 2-D points: no filters to show
  const QSize size(640, 480);
  const QImage m0 = map.frame(0, size), mlast = map.frame(epochs - 1, size);
  EXPECT_EQ(m0.size(), size);
  EXPECT_GT(changed(m0, mlast), 0.01);  // the map moved
  EXPECT_GT(changed(curves.frame(0, size), curves.frame(epochs - 1, size)), 0.002);
  // Written and read back: one frame per epoch.
  QTemporaryDir dir;
  AnimationOptions o;
  o.size = size;
  ASSERT_EQ(write_gif(dir.filePath("map.gif"), map, o), "");
  const ReadGif g = read_gif(dir.filePath("map.gif"));
  EXPECT_EQ(static_cast<int>(g.frames.size()), epochs);
  EXPECT_GT(changed(g.frames.front(), g.frames.back()), 0.01);
  // Each frame as shown (frames after the first hold only what changed) is the painted one, up to its 255 colours.
  for (int k = 0; k < epochs; ++k) EXPECT_LT(mean_difference(g.frames[static_cast<size_t>(k)], map.frame(k, size)), 3) << k;
  if (!qEnvironmentVariableIsEmpty("HYPERLAB_ANIMATION_OUT")) {  // to look at the frames
    const QString out = qEnvironmentVariable("HYPERLAB_ANIMATION_OUT");
    QDir().mkpath(out);
    write_gif(out + "/decision-map.gif", map, o);
    write_gif(out + "/curves.gif", curves, o);
    map.frame(epochs - 1, QSize(1920, 1080)).save(out + "/map-1920.png");
    curves.frame(epochs - 1, QSize(1920, 1080)).save(out + "/curves-1920.png");
    curves.frame(epochs - 1, QSize(480, 360)).save(out + "/curves-480.png");
    for (size_t k = 0; k < g.frames.size(); ++k) g.frames[k].save(QString("%1/map-read-%2.png").arg(out).arg(k));
  }

  // A new run forgets the old frames, but an animation taken before keeps its own.
  w.editor()->setConfig(quick_spirals(2));
  ASSERT_TRUE(wait_for([&] { return w.trainAction()->isEnabled(); }));
  click_train(w);
  ASSERT_TRUE(wait_for([&] { return done.count() == 2; }));
  EXPECT_EQ(anims->decisionMap().frames(), 2);
  EXPECT_EQ(map.frames(), epochs);
}

TEST(AnimationRun, AnImageRunHasAFiltersFramePerEpoch) {
  MainWindow w;
  w.show();
  ExperimentConfig c = quick_spirals(3);
  c.data.synthetic.kind = "images";
  c.data.synthetic.image_size = 10;
  c.data.synthetic.classes = 3;
  w.editor()->setConfig(c);
  ASSERT_TRUE(wait_for([&] { return w.trainAction()->isEnabled() && w.trainImages()->shownCount() > 0; }));
  QSignalSpy done(&w, &MainWindow::runFinished);
  click_train(w);
  ASSERT_TRUE(wait_for([&] { return done.count() == 1; }));
  ASSERT_EQ(w.lastResult().status, RunStatus::Completed) << w.lastResult().reason;
  auto* anims = w.findChild<RunAnimations*>("runAnimations");
  ASSERT_TRUE(anims);
  const Animatable f = anims->filters();
  ASSERT_EQ(f.frames(), 3);
  EXPECT_EQ(anims->decisionMap().frames(), 0);  // images: no plane
  const QSize size(480, 360);
  EXPECT_GT(changed(f.frame(0, size), f.frame(2, size)), 0.01);
  QTemporaryDir dir;
  AnimationOptions o;
  o.size = size;
  ASSERT_EQ(write_png_sequence(dir.filePath("filters"), f, o), "");
  EXPECT_EQ(QDir(dir.filePath("filters")).entryList(QDir::Files).size(), 3);
  if (!qEnvironmentVariableIsEmpty("HYPERLAB_ANIMATION_OUT")) {
    write_gif(qEnvironmentVariable("HYPERLAB_ANIMATION_OUT") + "/filters.gif", f, o);
    f.frame(2, QSize(1920, 1080)).save(qEnvironmentVariable("HYPERLAB_ANIMATION_OUT") + "/filters-1920.png");
  }
}

TEST(AnimationRun, AConvRunHasAFiltersFramePerEpoch) {
  ConfigResult r = parse_config_text(R"({"version": 1, "name": "conv",
    "data": {"dataset": "synthetic", "validation_fraction": 0.2,
             "synthetic": {"kind": "images", "image_size": 8, "classes": 3, "samples": 600}},
    "model": {"layers": [{"type": "conv2d", "out": 8, "kernel": 5, "padding": 2}, {"type": "relu"},
                         {"type": "flatten"}, {"type": "linear", "out": 3}]},
    "training": {"epochs": 4, "optimizer": {"type": "adam", "lr": 0.01}, "seed": 3, "device": "cpu"}})");
  ASSERT_TRUE(r.ok()) << r.error_text();
  MainWindow w;
  w.show();
  w.editor()->setConfig(r.config);
  ASSERT_TRUE(wait_for([&] { return w.trainAction()->isEnabled(); }));
  QSignalSpy done(&w, &MainWindow::runFinished);
  click_train(w);
  ASSERT_TRUE(wait_for([&] { return done.count() == 1; }));
  ASSERT_EQ(w.lastResult().status, RunStatus::Completed) << w.lastResult().reason;
  const Animatable f = w.findChild<RunAnimations*>("runAnimations")->filters();
  ASSERT_EQ(f.frames(), 4);
  const QSize size(640, 480);
  EXPECT_GT(changed(f.frame(0, size), f.frame(3, size)), 0.01);
  if (!qEnvironmentVariableIsEmpty("HYPERLAB_ANIMATION_OUT")) {
    AnimationOptions o;
    o.size = size;
    write_gif(qEnvironmentVariable("HYPERLAB_ANIMATION_OUT") + "/conv-filters.gif", f, o);
  }
}
