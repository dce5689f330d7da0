// What a run did, as animations for slides (ui/widgets/animation.h): the
// decision map and the first-layer filters epoch by epoch, from the snapshots
// the run sends after each epoch (the views keep only the latest, so they are
// recorded here), and the loss and accuracy curves growing, from the run
// model's history, on axes fixed to the whole run's range.
#pragma once

#include <QImage>
#include <QObject>
#include <QSize>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "train/events.h"
#include "ui/widgets/animation.h"

namespace hyperlab {

class RunModel;

/// The per-epoch pictures of one run, bounded: at most kMaxFrames frames and
/// kMaxBytes of them. When either is reached, every other frame is dropped
/// (the first kept) and from then on only every 2nd (4th, ...) epoch is kept,
/// so the frames stay evenly spread over the run; the newest epoch is always
/// there. A frame keeps the decision map (class per cell, confidence in 8
/// bits) and the filters (8 bits per weight, one scale per filter, as the
/// Filters view scales each tile), not the test predictions: a 100x100 map is
/// 20 KB, 64 filters of 28x28 are 50 KB.
class RunFrames {
 public:
  static constexpr int kMaxFrames = 256;
  static constexpr size_t kMaxBytes = size_t(64) << 20;

  void clear();
  /// An epoch's snapshot (a final one is not an epoch: it is left out).
  void add(const Snapshot& s);
  int count() const { return static_cast<int>(frames_.size()) + (latest_ ? 1 : 0); }
  /// Frame i as a snapshot (the map and the filters), in epoch order.
  Snapshot at(int i) const;
  int epochOf(int i) const;
  size_t bytes() const { return bytes_ + (latest_ ? latest_->bytes() : 0); }
  /// Keeps every stride-th epoch (1 until the bound is first reached).
  int stride() const { return stride_; }
  bool hasMaps() const;
  bool hasFilters() const;

  struct Frame {
    int epoch = 0;
    int grid_w = 0, grid_h = 0;
    std::vector<uint8_t> grid_class, grid_confidence;  // confidence * 255
    std::string filter_layer;
    int filter_count = 0, filter_channels = 0, filter_h = 0, filter_w = 0;
    std::vector<int8_t> filters;      // weight / scale * 127
    std::vector<float> filter_scale;  // per filter: its largest |weight|
    size_t bytes() const { return sizeof(Frame) + grid_class.size() + grid_confidence.size() + filters.size() + 4 * filter_scale.size(); }
  };

 private:
  void thin();
  // Shared, so an export keeps the frames it animates while a new run records its own.
  std::vector<std::shared_ptr<const Frame>> frames_;
  std::shared_ptr<const Frame> latest_;  // the newest epoch when it is off the stride
  size_t bytes_ = 0;
  int stride_ = 1, first_epoch_ = 0;
  friend class RunAnimations;
};

/// Paints the loss (train, validation, test) and accuracy curves up to epoch
/// `upto` of history, on axes fixed to the whole history, at size.
QImage paint_curves(const std::vector<EpochEvent>& history, int upto, QSize size);

/// Records a run's per-epoch snapshots and offers its animations. A new run
/// of the model (RunModel::generation) starts a new recording.
class RunAnimations : public QObject {
  Q_OBJECT
 public:
  explicit RunAnimations(const RunModel* model, QObject* parent = nullptr);

  /// The data the next run trains on (the decision map's points and plane).
  void setData(const DataPreview& p);
  void addSnapshot(const Snapshot& s);
  /// The frames of the model's current run (none yet if it sent none).
  const RunFrames& frames() const;

  /// Each animation as it is now; it keeps its frames if another run starts meanwhile.
  Animatable decisionMap() const;
  Animatable filters() const;
  Animatable curves() const;

 private:
  void follow() const;  // forgets the last run's frames once the model began another
  const RunModel* model_;
  DataPreview pending_;                       // the data loaded now
  mutable std::shared_ptr<const DataPreview> data_;  // the data of the recorded run
  mutable RunFrames frames_;
  mutable int generation_ = -1;
};

}  // namespace hyperlab
