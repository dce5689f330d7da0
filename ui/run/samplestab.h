// The Samples tab: the first training images with their class, and the test
// images with the model's predictions after each epoch (misclassified ones
// framed in red, or shown alone).
#pragma once

#include <QScrollArea>
#include <QStringList>

#include "train/events.h"

class QCheckBox;
class QLabel;

namespace hyperlab {

class ImageGridView;

class SamplesTab : public QScrollArea {
  Q_OBJECT
 public:
  explicit SamplesTab(QWidget* parent = nullptr);
  /// The data's preview images (none: the dataset has none, or it did not load).
  void setImages(const DataPreview& p, const QStringList& class_names);
  void clearImages();
  /// Forgets the last run's predictions (the grid's and the caption's).
  void clearPredictions();
  /// The line over the test images: which epoch's predictions they show, or that none are there yet.
  QString predictionsCaption() const;
  void setSnapshot(const Snapshot& s);
  ImageGridView* trainImages() const { return train_grid_; }
  ImageGridView* testImages() const { return test_grid_; }

 private:
  ImageGridView *train_grid_, *test_grid_;
  QCheckBox* misclassified_only_;
  QLabel* test_caption_;
};

}  // namespace hyperlab
