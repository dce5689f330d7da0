#include "ui/run/samplestab.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include "ui/widgets/pictureviews.h"

namespace hyperlab {

SamplesTab::SamplesTab(QWidget* parent) : QScrollArea(parent) {
  auto* samples = new QWidget;
  auto* sv = new QVBoxLayout(samples);
  sv->addWidget(new QLabel("<b>Training images</b> (the first 64, with their class)"));
  train_grid_ = new ImageGridView;
  sv->addWidget(train_grid_);
  auto* test_row = new QHBoxLayout;
  test_caption_ = new QLabel;
  test_caption_->setWordWrap(true);
  test_row->addWidget(test_caption_, 1);
  misclassified_only_ = new QCheckBox("Misclassified only");
  test_row->addWidget(misclassified_only_);
  sv->addLayout(test_row);
  test_grid_ = new ImageGridView;
  sv->addWidget(test_grid_);
  sv->addStretch(1);
  setWidget(samples);
  setWidgetResizable(true);
  connect(misclassified_only_, &QCheckBox::toggled, test_grid_, &ImageGridView::setMisclassifiedOnly);
  clearPredictions();
}

// New images have no predictions yet (the grid forgets them): the caption says so too.
void SamplesTab::setImages(const DataPreview& p, const QStringList& class_names) {
  train_grid_->setImages(p.train_images, class_names);
  test_grid_->setImages(p.test_images, class_names);
  clearPredictions();
}

void SamplesTab::clearImages() {
  train_grid_->setImages({}, {});
  test_grid_->setImages({}, {});
  clearPredictions();
}

void SamplesTab::clearPredictions() {
  test_grid_->setPredictions({}, {});
  test_caption_->setText("<b>Test predictions</b> appear after the first epoch. Click an image to see what each layer "
                         "makes of it (Activations tab; double-click to go there)");
}

QString SamplesTab::predictionsCaption() const { return test_caption_->text(); }

void SamplesTab::setSnapshot(const Snapshot& s) {
  test_grid_->setPredictions(s.predicted, s.confidence);
  if (s.predicted.empty()) return;
  test_caption_->setText(QString("<b>Test predictions</b> after epoch %1%2: %3 of the first %4 test images misclassified "
                                 "(red). Click one for its layers (Activations tab)")
                             .arg(s.epoch)
                             .arg(s.final ? " (final model)" : "")
                             .arg(test_grid_->misclassifiedCount())
                             .arg(s.predicted.size()));
}

}  // namespace hyperlab
