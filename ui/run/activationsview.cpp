#include "ui/run/activationsview.h"

#include <QCheckBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QPixmap>
#include <QScrollArea>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "ui/run/activationrow.h"
#include "ui/widgets/background.h"

namespace hyperlab {

namespace {

// What the layers' outputs depend on: the model, the data, the seed (not the
// optimizer or the epochs), the image and the weights' file.
std::string key_of(const ActivationRequest& r) {
  const nlohmann::json j = config_to_json(r.config);
  nlohmann::json k = {{"model", j["model"]}, {"data", j["data"]}, {"seed", r.config.training.seed},
                      {"loss", r.config.training.loss}, {"image", r.image}, {"checkpoint", r.checkpoint}};
  k["data"].erase("augment");  // training batches only
  return k.dump();
}

QImage picture_of(const ImageBatch& b, int i) {
  const int h = b.height, w = b.width, c = b.channels;
  QImage img(w, h, QImage::Format_RGB32);
  const uint8_t* p = b.image(i);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const size_t o = size_t(y) * w + x, plane = size_t(h) * w;
      img.setPixel(x, y, c >= 3 ? qRgb(p[o], p[plane + o], p[2 * plane + o]) : qRgb(p[o], p[o], p[o]));
    }
  return img;
}

}  // namespace

ActivationsView::ActivationsView(QWidget* parent) : QWidget(parent) {
  auto* top = new QVBoxLayout(this);
  buildHeader(top);
  auto* host = new QWidget;
  rows_layout_ = new QVBoxLayout(host);
  rows_layout_->setContentsMargins(0, 0, 0, 0);
  rows_layout_->setSpacing(0);
  rows_layout_->addStretch(1);
  scroll_ = new QScrollArea;
  scroll_->setWidget(host);
  scroll_->setWidgetResizable(true);
  scroll_->setFrameShape(QFrame::NoFrame);
  top->addWidget(scroll_, 1);
  timer_.setSingleShot(true);
  connect(&timer_, &QTimer::timeout, this, &ActivationsView::compute);
  clearImages("Load an image dataset: this tab shows what each layer makes of a test image.");
}

void ActivationsView::buildHeader(QVBoxLayout* top) {
  auto* header = new QHBoxLayout;
  thumb_ = new QLabel;
  thumb_->setAlignment(Qt::AlignCenter);
  header->addWidget(thumb_, 0, Qt::AlignTop);
  auto* right = new QVBoxLayout;
  auto* pick = new QHBoxLayout;
  pick->addWidget(new QLabel("Test image"));
  prev_ = new QToolButton;
  prev_->setArrowType(Qt::LeftArrow);
  prev_->setToolTip("The previous test image");
  next_ = new QToolButton;
  next_->setArrowType(Qt::RightArrow);
  next_->setToolTip("The next test image");
  spin_ = new QSpinBox;
  spin_->setToolTip("Which test image (the Samples tab's order; click one there to pick it)");
  pick->addWidget(prev_);
  pick->addWidget(spin_);
  pick->addWidget(next_);
  pick->addSpacing(16);
  own_scale_ = new QCheckBox("Each map on its own scale");
  own_scale_->setToolTip("Checked: every feature map stretched to its own largest |value|, so weak maps show their pattern.\n"
                         "Unchecked: one scale per layer, so the maps' strengths compare.");
  pick->addWidget(own_scale_);
  pick->addStretch(1);
  right->addLayout(pick);
  caption_ = new QLabel;
  caption_->setWordWrap(true);
  caption_->setTextFormat(Qt::RichText);
  right->addWidget(caption_);
  legend_ = new QLabel;
  legend_->setWordWrap(true);
  right->addWidget(legend_);
  right->addStretch(1);
  header->addLayout(right, 1);
  top->addLayout(header);
  connect(spin_, &QSpinBox::valueChanged, this, [this](int v) { setImage(v - 1); });
  connect(prev_, &QToolButton::clicked, this, [this] { setImage(image_ - 1); });
  connect(next_, &QToolButton::clicked, this, [this] { setImage(image_ + 1); });
  connect(own_scale_, &QCheckBox::toggled, this, &ActivationsView::setOwnScale);
}

void ActivationsView::setImages(const ImageBatch& images, const QStringList& class_names) {
  images_ = images, names_ = class_names;
  const int n = images_.count();
  spin_->blockSignals(true);
  spin_->setRange(n > 0 ? 1 : 0, std::max(n, 0));
  spin_->setSuffix(QString(" of %1").arg(n));
  const int before = image_;
  image_ = std::clamp(image_, 0, std::max(0, n - 1));
  spin_->setValue(image_ + 1);
  spin_->blockSignals(false);
  if (image_ != before) Q_EMIT imageChanged(image_);  // fewer images than the pick: the run follows too
  for (QWidget* w : {static_cast<QWidget*>(spin_), static_cast<QWidget*>(prev_), static_cast<QWidget*>(next_)})
    w->setEnabled(n > 0);
  updateThumb();
  updateCaption();
}

void ActivationsView::clearImages(const QString& why) {
  setImages({}, {});
  ++generation_;
  source_ = Source::None;
  request_key_.clear();
  showActivations({});
  note_ = why;
  updateCaption();
}

void ActivationsView::previewConfig(const ExperimentConfig& c, std::shared_ptr<const LoadedData> data) {
  if (source_ == Source::Running) return;
  if (data && images_.count() == 0) return;  // no images: clearImages said why
  source_ = Source::Preview;
  config_ = c, data_ = std::move(data), checkpoint_.clear();
  if (!data_) {
    note_ = "Waiting for the data to load…";
    updateCaption();
    return;
  }
  schedule(250);
}

void ActivationsView::previewProblem(const QString& why) {
  if (source_ == Source::Running) return;
  source_ = Source::Preview;
  ++generation_;  // a computation in flight is of the model before
  request_key_.clear();
  showActivations({});
  note_ = "The model cannot be built as it is: " + why;
  updateCaption();
}

void ActivationsView::runStarted() {
  source_ = Source::Running;
  ++generation_;
  timer_.stop();
  request_key_.clear();
  note_ = shown_.empty() ? "Training: the layers appear after the first epoch."
                         : "Training: these are the starting network's layers until the first epoch ends.";
  updateCaption();
}

void ActivationsView::setSnapshot(const Snapshot& s) {
  if (s.activations.empty()) return;
  note_.clear();
  showActivations(s.activations);
}

void ActivationsView::runFinished(const ExperimentConfig& c, std::shared_ptr<const LoadedData> data,
                                  const QString& checkpoint) {
  source_ = Source::Trained;
  config_ = c, data_ = std::move(data), checkpoint_ = checkpoint;
  request_.config = c, request_.data = data_, request_.image = shown_.image, request_.checkpoint = checkpoint.toStdString();
  request_key_ = shown_.empty() ? std::string() : key_of(request_);
  note_.clear();
  if (shown_.image != image_) schedule(0);
  updateCaption();
}

int ActivationsView::image() const { return image_; }

void ActivationsView::setImage(int index) {
  const int n = images_.count();
  if (n == 0) return;
  index = std::clamp(index, 0, n - 1);
  if (index == image_) return;
  image_ = index;
  spin_->blockSignals(true);
  spin_->setValue(index + 1);
  spin_->blockSignals(false);
  updateThumb();
  Q_EMIT imageChanged(index);
  if (source_ == Source::Running) {
    note_ = QString("Image %1's layers appear when this epoch ends.").arg(index + 1);
  } else if (source_ == Source::Trained && checkpoint_.isEmpty()) {
    note_ = "This run kept no checkpoint (training.checkpoint_every is 0): only the image it ended on has layers to show.";
  } else if (source_ != Source::None) {
    note_.clear();
    schedule(60);
  }
  updateCaption();
}

void ActivationsView::schedule(int delay_ms) {
  timer_.start(delay_ms);
  updateCaption();
}

// One computation at a time, off the GUI thread; a request made meanwhile runs after it.
void ActivationsView::compute() {
  if (source_ != Source::Preview && source_ != Source::Trained) return;
  if (busy_) {
    again_ = true;
    return;
  }
  ActivationRequest r;
  r.config = config_, r.data = data_, r.image = image_;
  r.checkpoint = source_ == Source::Trained ? checkpoint_.toStdString() : std::string();
  if (!r.data || (source_ == Source::Trained && r.checkpoint.empty())) return;
  const std::string key = key_of(r);
  if (key == request_key_) return;  // shown already (or on its way)
  request_ = r, request_key_ = key;
  busy_ = true;
  const unsigned generation = ++generation_;
  run_in_background(
      this, [r] { return compute_activations(r); },
      [this, generation](const Activations& a) { finishComputing(generation, a); });
  updateCaption();
}

void ActivationsView::finishComputing(unsigned generation, const Activations& a) {
  busy_ = false;
  if (generation == generation_ && source_ != Source::Running) {
    if (!a.error.empty()) {
      showActivations({});
      note_ = "No layers to show: " + QString::fromStdString(a.error);
      request_key_.clear();
    } else {
      note_.clear();
      showActivations(a);
    }
    updateCaption();
  }
  if (again_) {
    again_ = false;
    compute();
  }
}

void ActivationsView::showActivations(const Activations& a) {
  shown_ = a;
  while (rows_.size() > int(a.layers.size())) delete rows_.takeLast();
  while (rows_.size() < int(a.layers.size())) {
    auto* row = new ActivationRow;
    rows_layout_->insertWidget(rows_.size(), row);
    rows_.push_back(row);
  }
  for (int i = 0; i < rows_.size(); ++i) {
    rows_[i]->setLayer(i + 1, a.layers[i], ownScale());
    if (i + 1 == rows_.size() && !a.probabilities.empty()) rows_[i]->setClasses(names_, a.probabilities, a.predicted, a.label);
  }
  // The key to what is drawn: only the kinds of rows there are.
  QStringList key;
  if (std::any_of(a.layers.begin(), a.layers.end(), [](const LayerActivation& l) { return l.has_maps(); }))
    key << "Feature maps: one small picture per channel, blue negative, white zero, red positive.";
  if (std::any_of(a.layers.begin(), a.layers.end() - (a.probabilities.empty() ? 0 : 1),
                  [](const LayerActivation& l) { return !l.has_maps(); }))
    key << "Flat layers: one bar per unit (value).";
  if (!a.probabilities.empty()) key << "The last layer: the model's probability for each class.";
  legend_->setText(key.join(" "));
  legend_->setVisible(!key.isEmpty());
  updateCaption();
}

bool ActivationsView::ownScale() const { return own_scale_->isChecked(); }

void ActivationsView::setOwnScale(bool on) {
  if (own_scale_->isChecked() != on) own_scale_->setChecked(on);  // comes back through toggled
  for (ActivationRow* r : rows_) r->setOwnScale(on);
}

QString ActivationsView::sourceText() const {
  if (shown_.empty()) return {};
  if (shown_.epoch == 0)
    return QString("Before training: the network a run starts with (seed %1's initial weights). "
                   "Edit the model and the layers follow.")
        .arg(config_.training.seed);
  if (shown_.final) return QString("The trained model (after epoch %1).").arg(shown_.epoch);
  return QString("After epoch %1 (updated every epoch while it trains).").arg(shown_.epoch);
}

QString ActivationsView::predictionText() const {
  if (shown_.empty() || shown_.image < 0) return {};
  auto name = [&](int c) { return c >= 0 && c < names_.size() ? names_[c] : QString("class %1").arg(c); };
  QString t = QString("<b>Test image %1</b> · true class: <b>%2</b>").arg(shown_.image + 1).arg(name(shown_.label).toHtmlEscaped());
  if (shown_.predicted >= 0 && size_t(shown_.predicted) < shown_.probabilities.size()) {
    const bool right = shown_.predicted == shown_.label;
    t += QString(" · predicted: <b style=\"color:%1\">%2 (%3%)</b>")
             .arg(right ? "#147828" : "#c81e1e", name(shown_.predicted).toHtmlEscaped())
             .arg(100.0 * shown_.probabilities[size_t(shown_.predicted)], 0, 'f', 0);
  }
  return t;
}

QString ActivationsView::caption() const { return caption_->text(); }

void ActivationsView::updateCaption() {
  QStringList parts;
  if (const QString p = predictionText(); !p.isEmpty()) parts << p;
  if (const QString s = sourceText(); !s.isEmpty()) parts << s.toHtmlEscaped();
  if (!note_.isEmpty()) parts << "<i>" + note_.toHtmlEscaped() + "</i>";
  if (busy_ || timer_.isActive()) parts << "<i>Computing…</i>";
  caption_->setText(parts.join("<br>"));
}

// The picked image at a whole number of screen pixels per pixel, about six lines of text high.
void ActivationsView::updateThumb() {
  if (images_.count() == 0) {
    thumb_->clear();
    thumb_->setFixedSize(0, 0);
    return;
  }
  const int side = std::max(images_.width, images_.height);
  const int scale = std::max(1, static_cast<int>(std::floor(6.0 * fontMetrics().height() / std::max(1, side))));
  const QImage img = picture_of(images_, image_);
  const QSize size(images_.width * scale, images_.height * scale);
  thumb_->setPixmap(QPixmap::fromImage(img.scaled(size, Qt::IgnoreAspectRatio, Qt::FastTransformation)));
  thumb_->setFixedSize(size + QSize(4, 4));
}

void ActivationsView::changeEvent(QEvent* e) {
  if (e->type() == QEvent::FontChange) updateThumb();
  QWidget::changeEvent(e);
}

}  // namespace hyperlab
