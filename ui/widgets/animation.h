// Animations for slides, in one place: a view that changes over a run (the
// decision map or the filters over epochs, the curves growing, the playground
// race) describes itself as an Animatable (how many frames, and how to paint
// frame i at a size); this writes the frames as an animated GIF (Debian's
// giflib) or as numbered PNGs, and offers the one "Export animation…" entry
// with its size, frames-per-second and every-k-th-frame choices.
#pragma once

#include <QImage>
#include <QSize>
#include <QString>
#include <QVector>

#include <QObject>

#include <functional>
#include <memory>
#include <thread>

class QAction;
class QMenu;
class QWidget;

namespace hyperlab {

/// What a view animates. Frames are numbered 0..frames()-1 in time order
/// (epochs or steps); frame(i, size) paints frame i at that size, on the GUI thread.
struct Animatable {
  QString name;                               ///< the suggested file name, without extension
  QString unit = "epoch";                     ///< what one frame is: "epoch", "step"
  std::function<int()> frames;                ///< how many frames there are now
  std::function<QImage(int i, QSize size)> frame;
};

/// The choices of one export.
struct AnimationOptions {
  QSize size = QSize(800, 600);
  double fps = 4;
  int every = 1;        ///< keep frame 0, every k-th, and always the last
  bool loop = true;     ///< GIF: loop forever (else play once)
};

/// The frame numbers an export keeps: 0, k, 2k, ... and the last one.
QVector<int> frames_to_keep(int count, int every);

/// Writes an animated GIF of the kept frames. Returns an error or "".
QString write_gif(const QString& file, const Animatable& a, const AnimationOptions& o);
/// Writes the kept frames as DIR/NAME-0001.png, -0002.png, ... Returns an error or "".
QString write_png_sequence(const QString& dir, const Animatable& a, const AnimationOptions& o);

enum class AnimationFormat { Gif, Png };

class FrameSink;  // where the frames go (animation.cpp)

/// One export in the background: frames are painted on the GUI thread (views
/// paint only there), one per pass of the event loop and at most a few ahead
/// of the writer, which quantises, encodes and writes them on a thread of its
/// own. A GIF is written to FILE.part and renamed when complete, so a failed
/// or cancelled export leaves no half file. finished("") when written,
/// finished(error) otherwise ("Cancelled." after cancel()).
class AnimationExport : public QObject {
  Q_OBJECT
 public:
  AnimationExport(Animatable a, AnimationOptions o, AnimationFormat f, QString target, QObject* parent = nullptr);
  ~AnimationExport() override;  ///< cancels and waits for the writer
  void start();
  void cancel();

 Q_SIGNALS:
  void progress(int written, int total);
  void finished(const QString& error);

 private:
  struct Shared;
  void paintMore();
  void schedule();
  void frameWritten(int done, int total);
  void end(const QString& error);
  Animatable a_;
  AnimationOptions o_;
  AnimationFormat format_;
  QString target_;
  std::shared_ptr<Shared> shared_;
  std::unique_ptr<FrameSink> sink_;
  QVector<int> keep_;
  int next_ = 0;
  bool started_ = false, ended_ = false, scheduled_ = false;
  std::thread worker_;
};

/// Asks for the size, fps, every k and a file (.gif, or a folder for PNGs), then writes it.
void export_animation_interactively(QWidget* parent, const Animatable& a);
/// Adds "Export animation…" to a context menu.
QAction* add_animation_action(QMenu& menu, QWidget* parent, const Animatable& a);

}  // namespace hyperlab
