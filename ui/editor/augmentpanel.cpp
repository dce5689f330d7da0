#include "ui/editor/augmentpanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <exception>

#include "data/augment.h"
#include "ui/editor/forms.h"
#include "ui/editor/settingrows.h"
#include "ui/widgets/fields.h"

namespace hyperlab {

namespace {

QImage picture(const ImageBatch& b, int i) {
  const int h = b.height, w = b.width, c = b.channels;
  QImage img(w, h, QImage::Format_RGB32);
  const uint8_t* p = b.image(i);
  for (int y = 0; y < h; ++y) {
    QRgb* row = reinterpret_cast<QRgb*>(img.scanLine(y));
    for (int x = 0; x < w; ++x) {
      const int k = y * w + x;
      row[x] = c >= 3 ? qRgb(p[k], p[h * w + k], p[2 * h * w + k]) : qRgb(p[k], p[k], p[k]);
    }
  }
  return img;
}

// The first n images of b.
ImageBatch first_images(const ImageBatch& b, int n) {
  ImageBatch out;
  out.channels = b.channels, out.height = b.height, out.width = b.width;
  n = std::min(n, b.count());
  const size_t per = size_t(b.channels) * b.height * b.width;
  if (b.pixels.size() < per * n) return out;
  out.pixels.assign(b.pixels.begin(), b.pixels.begin() + per * n);
  out.labels.assign(b.labels.begin(), b.labels.begin() + n);
  return out;
}

constexpr int kGap = 4, kPairGap = 12;

}  // namespace

// ---- AugmentPairsView ----

AugmentPairsView::AugmentPairsView(QWidget* parent) : QWidget(parent) {
  QSizePolicy sp(QSizePolicy::Preferred, QSizePolicy::Preferred);
  sp.setHeightForWidth(true);
  setSizePolicy(sp);
}

void AugmentPairsView::setImages(const ImageBatch& originals, const ImageBatch& augmented) {
  originals_ = originals, augmented_ = augmented;
  updateGeometry();
  update();
}

// Screen pixels of an image's side: whole multiples of its size, at least 56.
int AugmentPairsView::side() const {
  const int s = std::max(originals_.width, originals_.height);
  if (s <= 0) return 56;
  return s * std::max(1, (56 + s - 1) / s);
}

int AugmentPairsView::columns(int w) const { return std::max(1, (w + kPairGap) / (2 * side() + kGap + kPairGap)); }

int AugmentPairsView::heightForWidth(int w) const {
  const int rows = (count() + columns(w) - 1) / columns(w);
  return std::max(1, rows) * (side() + kGap);
}

QSize AugmentPairsView::sizeHint() const {
  const int w = 4 * (2 * side() + kGap + kPairGap);
  return QSize(w, heightForWidth(w));
}

void AugmentPairsView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  const int n = std::min(originals_.count(), augmented_.count()), s = side(), cols = columns(width());
  for (int i = 0; i < n; ++i) {
    const int x = (i % cols) * (2 * s + kGap + kPairGap), y = (i / cols) * (s + kGap);
    p.drawImage(QRect(x, y, s, s), picture(originals_, i));
    p.drawImage(QRect(x + s + kGap, y, s, s), picture(augmented_, i));
  }
}

// ---- AugmentPanel ----

struct AugmentPanel::StepRow {
  QGroupBox* box = nullptr;
  QFormLayout* form = nullptr;
  SettingRows<AugmentConfig> rows;
};

AugmentPanel::AugmentPanel(QWidget* parent) : QWidget(parent) {
  auto* v = new QVBoxLayout(this);
  v->setContentsMargins(0, 0, 0, 0);
  auto* intro = hint_label(
      "Training batches only, in this order: each step changes an image with probability p. Validation and test "
      "images stay as they are.");
  v->addWidget(intro);
  auto* pv = new QGroupBox("Preview");
  auto* pl = new QVBoxLayout(pv);
  pl->setContentsMargins(6, 6, 6, 6);
  auto* top = new QHBoxLayout;
  preview_note_ = hint_label(QString());
  top->addWidget(preview_note_, 1);
  refresh_ = new QPushButton("Refresh");
  refresh_->setToolTip("Augment the same images again with new random draws");
  top->addWidget(refresh_, 0, Qt::AlignTop);
  pl->addLayout(top);
  pairs_ = new AugmentPairsView;
  pl->addWidget(pairs_);
  v->addWidget(pv);
  list_ = new QVBoxLayout;
  list_->setSpacing(4);
  v->addLayout(list_);
  empty_ = hint_label("No augmentation: the network sees every training image as it is.");
  v->addWidget(empty_);

  auto* add_row = new QHBoxLayout;
  add_type_ = make_combo(qt_list(augment_names()));
  add_type_->setToolTip("The augmentation to add at the end of the list");
  add_ = new QPushButton("Add");
  add_row->addWidget(add_type_, 1);
  add_row->addWidget(add_);
  v->addLayout(add_row);
  add_doc_ = hint_label(QString());
  v->addWidget(add_doc_);
  auto show_doc = [this] {
    const AugmentKind* k = find_augment(combo_value(add_type_));
    add_doc_->setText(k ? QString::fromStdString(k->doc) : QString());
  };
  connect(add_type_, &QComboBox::currentIndexChanged, this, show_doc);
  show_doc();
  connect(add_, &QPushButton::clicked, this, [this] { addStep(combo_value(add_type_)); });

  connect(refresh_, &QPushButton::clicked, this, &AugmentPanel::refresh);
  clearImages("Load an image dataset to see its first training images augmented.");
  rebuild();
}

AugmentPanel::~AugmentPanel() = default;

void AugmentPanel::setSteps(const std::vector<AugmentConfig>& steps) {
  steps_ = steps;
  rebuild();
  ++draw_;
  updatePreview();
}

void AugmentPanel::setImages(const ImageBatch& images) {
  images_ = first_images(images, kPreviewImages);
  updatePreview();
}

void AugmentPanel::clearImages(const QString& why) {
  images_ = ImageBatch{};
  preview_note_->setText(why);
  updatePreview();
}

void AugmentPanel::addStep(const std::string& type) {
  const AugmentKind* k = find_augment(type);
  if (!k) return;
  AugmentConfig a;
  a.type = type, a.p = k->default_p;
  steps_.push_back(a);
  onStructureChanged();
}

void AugmentPanel::removeStep(int i) {
  if (i < 0 || i >= stepCount()) return;
  steps_.erase(steps_.begin() + i);
  onStructureChanged();
}

void AugmentPanel::moveStep(int i, int delta) {
  const int j = i + delta;
  if (i < 0 || i >= stepCount() || j < 0 || j >= stepCount()) return;
  std::swap(steps_[i], steps_[j]);
  onStructureChanged();
}

void AugmentPanel::refresh() {
  ++draw_;
  updatePreview();
}

void AugmentPanel::onStructureChanged() {
  rebuild();
  refresh();
  Q_EMIT edited();
}

void AugmentPanel::onFieldEdited(int i) {
  if (building_ || i >= stepCount()) return;
  rows_[i]->rows.store(steps_[i]);
  refresh();
  Q_EMIT edited();
}

QWidget* AugmentPanel::field(int i, const std::string& key) const {
  return i >= 0 && i < stepCount() ? rows_[i]->rows.widget(key) : nullptr;
}

std::vector<std::string> AugmentPanel::shownKeys(int i) const {
  std::vector<std::string> keys;
  if (i < 0 || i >= stepCount()) return keys;
  const StepRow& r = *rows_[i];
  for (const AugmentSetting& s : augment_settings())
    if (QWidget* w = r.rows.widget(s.key)) {
      int row = -1;
      QFormLayout::ItemRole role;
      r.form->getWidgetPosition(w, &row, &role);
      if (row >= 0 && r.form->isRowVisible(row)) keys.push_back(s.key);
    }
  return keys;
}

std::vector<QWidget*> AugmentPanel::inputs() const {
  std::vector<QWidget*> v = {add_type_, add_, refresh_};
  for (const auto& r : rows_) {
    const std::vector<QWidget*> w = r->rows.widgets();
    v.insert(v.end(), w.begin(), w.end());
  }
  return v;
}

// One group box per step: its number and type, its doc, buttons to move and
// remove it, and the table's fields that its type uses.
void AugmentPanel::rebuild() {
  building_ = true;
  for (auto& r : rows_) {
    r->box->hide();
    r->box->deleteLater();  // a button of it may be sending the signal that got here
  }
  rows_.clear();
  const int n = stepCount();
  for (int i = 0; i < n; ++i) {
    const AugmentConfig& a = steps_[i];
    const AugmentKind* k = find_augment(a.type);
    auto row = std::make_unique<StepRow>();
    row->box = new QGroupBox(QString("%1. %2").arg(i + 1).arg(QString::fromStdString(a.type)));
    row->form = compact_form(row->box);
    auto* head = new QHBoxLayout;
    head->addWidget(hint_label(k ? QString::fromStdString(k->doc) : QString("unknown augmentation")), 1);
    auto tool = [&](const QString& text, const QString& tip, bool enabled) {
      auto* b = new QToolButton;
      b->setText(text);
      b->setToolTip(tip);
      b->setEnabled(enabled);
      head->addWidget(b, 0, Qt::AlignTop);
      return b;
    };
    QToolButton* up = tool(QString::fromUtf8("\u2191"), "Move up: applied earlier", i > 0);
    QToolButton* down = tool(QString::fromUtf8("\u2193"), "Move down: applied later", i + 1 < n);
    QToolButton* remove = tool(QString::fromUtf8("\u2715"), "Remove this step", true);
    row->form->addRow(head);
    connect(up, &QToolButton::clicked, this, [this, i] { moveStep(i, -1); });
    connect(down, &QToolButton::clicked, this, [this, i] { moveStep(i, +1); });
    connect(remove, &QToolButton::clicked, this, [this, i] { removeStep(i); });
    row->rows.build(row->form, augment_settings());
    row->rows.load(a);
    row->rows.showFor(k);
    for (QWidget* w : row->rows.widgets()) {
      if (auto* b = qobject_cast<QDoubleSpinBox*>(w))
        connect(b, &QDoubleSpinBox::valueChanged, this, [this, i] { onFieldEdited(i); });
      else if (auto* s = qobject_cast<QSpinBox*>(w))
        connect(s, &QSpinBox::valueChanged, this, [this, i] { onFieldEdited(i); });
      else if (auto* c = qobject_cast<QComboBox*>(w))
        connect(c, &QComboBox::currentIndexChanged, this, [this, i] { onFieldEdited(i); });
      else if (auto* f = qobject_cast<QCheckBox*>(w))
        connect(f, &QCheckBox::toggled, this, [this, i] { onFieldEdited(i); });
    }
    list_->addWidget(row->box);
    rows_.push_back(std::move(row));
  }
  empty_->setVisible(n == 0);
  // The page's forms share one label column (ui/editor/forms.h): measure again with these rows.
  for (QWidget* p = parentWidget(); p; p = p->parentWidget())
    if (p->property("labelColumns").toBool()) {
      align_label_columns(p);
      break;
    }
  building_ = false;
}

void AugmentPanel::updatePreview() {
  originals_ = images_;
  augmented_ = images_;
  if (images_.count() == 0) {
    pairs_->setImages({}, {});
    pairs_->setVisible(false);
    refresh_->setEnabled(false);
    return;
  }
  pairs_->setVisible(true);
  refresh_->setEnabled(true);
  QString note = QString("The first %1 training images, each beside a copy augmented by the steps below")
                     .arg(images_.count());
  try {
    QElapsedTimer t;
    t.start();
    augmented_ = augment_preview(images_, steps_, draw_);
    last_ms_ = t.nsecsElapsed() / 1e6;
    note += steps_.empty() ? QString(" (no steps: the copies are the same).") : QString(". Refresh draws again.");
  } catch (const std::exception& e) {
    note = QString("The augmentation cannot apply to these images: ") + e.what();
  }
  preview_note_->setText(note);
  pairs_->setImages(originals_, augmented_);
}

}  // namespace hyperlab
