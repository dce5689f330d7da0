// The Data page's augmentation: the list of data.augment's steps (add, remove,
// move up and down), each step's probability and settings as fields made from
// the augmentation table (data/augment.h), and a preview of 16 training images
// beside the same images augmented, drawn anew on Refresh and on every change.
// The augmenting is core's (augment_preview); this panel only edits and shows.
#pragma once

#include <QWidget>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "train/events.h"

class QComboBox;
class QLabel;
class QPushButton;
class QVBoxLayout;

namespace hyperlab {

/// Pairs of pictures, original and augmented side by side, in rows that fill the width.
class AugmentPairsView : public QWidget {
  Q_OBJECT
 public:
  explicit AugmentPairsView(QWidget* parent = nullptr);
  void setImages(const ImageBatch& originals, const ImageBatch& augmented);
  int count() const { return originals_.count(); }
  QSize sizeHint() const override;
  int heightForWidth(int w) const override;
  bool hasHeightForWidth() const override { return true; }

 protected:
  void paintEvent(QPaintEvent*) override;

 private:
  int side() const;
  int columns(int w) const;
  ImageBatch originals_, augmented_;
};

class AugmentPanel : public QWidget {
  Q_OBJECT
 public:
  /// Images shown in the preview.
  static constexpr int kPreviewImages = 16;

  explicit AugmentPanel(QWidget* parent = nullptr);
  ~AugmentPanel() override;

  /// Shows these steps (no edited() signal).
  void setSteps(const std::vector<AugmentConfig>& steps);
  const std::vector<AugmentConfig>& steps() const { return steps_; }
  /// The training images to preview (the first kPreviewImages are used); none: the preview says why.
  void setImages(const ImageBatch& images);
  void clearImages(const QString& why);

  /// Appends a step of this type with the table's defaults (its p too).
  void addStep(const std::string& type);
  void removeStep(int i);
  /// Moves step i by delta places (-1: up).
  void moveStep(int i, int delta);
  /// Augments the preview's images again with new random draws.
  void refresh();

  // For tests and the editor.
  int stepCount() const { return static_cast<int>(steps_.size()); }
  /// Step i's field for `key` (p or one of its settings), or null.
  QWidget* field(int i, const std::string& key) const;
  /// The keys of step i's visible fields, in order.
  std::vector<std::string> shownKeys(int i) const;
  QComboBox* addTypeBox() const { return add_type_; }
  QPushButton* addButton() const { return add_; }
  QPushButton* refreshButton() const { return refresh_; }
  const ImageBatch& originals() const { return originals_; }
  const ImageBatch& augmented() const { return augmented_; }
  AugmentPairsView* pairsView() const { return pairs_; }
  /// Milliseconds the last preview took to augment.
  double lastPreviewMs() const { return last_ms_; }
  std::vector<QWidget*> inputs() const;

 Q_SIGNALS:
  /// The steps changed by the user.
  void edited();

 private:
  struct StepRow;
  void rebuild();
  void onStructureChanged();
  void onFieldEdited(int i);
  void updatePreview();

  std::vector<AugmentConfig> steps_;
  std::vector<std::unique_ptr<StepRow>> rows_;
  QVBoxLayout* list_;
  QLabel* empty_;
  QComboBox* add_type_;
  QLabel* add_doc_;
  QPushButton* add_;
  QPushButton* refresh_;
  QLabel* preview_note_;
  AugmentPairsView* pairs_;
  ImageBatch images_, originals_, augmented_;
  uint64_t draw_ = 1;
  double last_ms_ = 0;
  bool building_ = false;
};

}  // namespace hyperlab
