// The Activations tab: what each layer makes of one test image. At the top
// the image (picked with a spin box and arrows, or by clicking it in the
// Samples tab), its class and the model's prediction; below, one row per
// layer (ui/run/activationrow.h), scrollable.
//
// Where the layers come from:
// - while a run trains: each epoch's snapshot carries them for the picked
//   image (the window passes the pick to RunController::setActivationImage);
//   another pick shows from the next epoch on;
// - before training, and after each edit of the model (debounced): the
//   network a run of the experiment starts with, its seed's initialisation,
//   computed off the GUI thread (core's compute_activations);
// - after a run: its final snapshot, and for another image the run's
//   checkpoint (its final weights).
// One computation at a time; a newer request supersedes an older one.
#pragma once

#include <QStringList>
#include <QTimer>
#include <QVector>
#include <QWidget>

#include <memory>

#include "config/experiment.h"
#include "train/activations.h"
#include "train/events.h"

class QCheckBox;
class QLabel;
class QScrollArea;
class QSpinBox;
class QToolButton;
class QVBoxLayout;

namespace hyperlab {

class ActivationRow;
class LoadedData;

class ActivationsView : public QWidget {
  Q_OBJECT
 public:
  explicit ActivationsView(QWidget* parent = nullptr);

  /// The preview test images to pick from (none: the data has no images, or did not load; `why` says so).
  void setImages(const ImageBatch& images, const QStringList& class_names);
  void clearImages(const QString& why);
  /// The experiment as edited (checked), with its loaded data (null: not loaded yet): the
  /// network it starts with is shown, unless a run is training. Debounced.
  void previewConfig(const ExperimentConfig& c, std::shared_ptr<const LoadedData> data);
  /// The experiment cannot be built as it is (the editor shows why): says so.
  void previewProblem(const QString& why);
  /// A run started: its snapshots are shown from now on.
  void runStarted();
  void setSnapshot(const Snapshot& s);
  /// The run ended: its weights for other images come from `checkpoint` ("" = it kept none).
  void runFinished(const ExperimentConfig& c, std::shared_ptr<const LoadedData> data, const QString& checkpoint);

  int image() const;
  /// Picks a preview test image (clamped); emits imageChanged when it changes.
  void setImage(int index);
  /// Shows these layers (what the computations and snapshots end in).
  void showActivations(const Activations& a);

  // For tests and the window.
  int rowCount() const { return rows_.size(); }
  ActivationRow* row(int i) const { return rows_.value(i); }
  const Activations& shown() const { return shown_; }
  /// The last computation asked for (its image, config and checkpoint).
  const ActivationRequest& request() const { return request_; }
  bool computing() const { return busy_ || timer_.isActive(); }
  QString caption() const;
  bool ownScale() const;
  void setOwnScale(bool on);
  QSpinBox* imagePicker() const { return spin_; }

 Q_SIGNALS:
  /// Another test image is picked (the run controller follows it).
  void imageChanged(int index);

 protected:
  void changeEvent(QEvent* e) override;

 private:
  enum class Source { None, Preview, Running, Trained };
  void buildHeader(QVBoxLayout* top);
  void schedule(int delay_ms);
  void compute();
  void finishComputing(unsigned generation, const Activations& a);
  void updateCaption();
  void updateThumb();
  QString sourceText() const;
  QString predictionText() const;

  Source source_ = Source::None;
  ImageBatch images_;
  QStringList names_;
  ExperimentConfig config_;
  std::shared_ptr<const LoadedData> data_;
  QString checkpoint_;
  QString note_;  ///< why nothing is shown, or what comes next
  int image_ = 0;
  Activations shown_;
  ActivationRequest request_;
  std::string request_key_;  ///< of the last computation asked for: an equal one is not repeated
  unsigned generation_ = 0;
  bool busy_ = false, again_ = false;
  QTimer timer_;

  QLabel *thumb_, *caption_, *legend_;
  QSpinBox* spin_;
  QToolButton *prev_, *next_;
  QCheckBox* own_scale_;
  QScrollArea* scroll_;
  QVBoxLayout* rows_layout_;
  QVector<ActivationRow*> rows_;
};

}  // namespace hyperlab
