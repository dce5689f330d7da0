#include "ui/run/adversarialview.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <initializer_list>

#include "ui/widgets/export.h"
#include "ui/widgets/metricchart.h"
#include "ui/widgets/pictureviews.h"

namespace hyperlab {

namespace {

QString class_name(const QStringList& names, int c) { return c >= 0 && c < names.size() ? names[c] : QString::number(c); }
QString percent(float p) { return QString::number(std::lround(100.0 * p)) + "%"; }
QString eps_text(double e) { return QString::number(e, 'g', 4); }
// "pgd, 10 steps of 2.5 eps/10" as "PGD, 10 steps of 2.5 ε/10".
QString method_name(const std::string& m) {
  QString s = QString::fromStdString(m);
  if (s.startsWith("fgsm")) s.replace(0, 4, "FGSM");
  if (s.startsWith("pgd")) s.replace(0, 3, "PGD");
  return s.replace("eps", "ε");
}

}  // namespace

// ---------------------------------------------------------------------------
// The triples.

AdversarialTriples::AdversarialTriples(QWidget* parent) : QWidget(parent) {
  QSizePolicy p(QSizePolicy::Preferred, QSizePolicy::Preferred);
  p.setHeightForWidth(true);
  setSizePolicy(p);
}

void AdversarialTriples::setExamples(const std::vector<AttackExample>& examples, int channels, int height, int width,
                                     const QStringList& class_names, double epsilon) {
  examples_ = examples;
  channels_ = channels, height_ = height, width_ = width;
  names_ = class_names;
  epsilon_ = epsilon;
  updateGeometry();
  update();
}

void AdversarialTriples::setMessage(const QString& m) {
  message_ = m;
  update();
}

QStringList AdversarialTriples::captions(int k) const {
  if (k < 0 || k >= count()) return {};
  const AttackExample& e = examples_[size_t(k)];
  return {class_name(names_, e.pred_before) + " " + percent(e.conf_before),
          class_name(names_, e.pred_after) + " " + percent(e.conf_after)};
}

// A whole number of screen pixels per image pixel, growing with the font
// (presentation mode), at least 64 pixels a side.
int AdversarialTriples::side() const {
  const int h = std::max(1, height_);
  const int want = std::max(64, fontMetrics().height() * 5);
  return std::max(1, (want + h - 1) / h) * h;
}

QSize AdversarialTriples::tripleSize() const {
  const int s = side(), gap = fontMetrics().height() / 3 + 2;
  return {3 * s + 2 * gap, s + 2 * fontMetrics().height() + gap};
}

int AdversarialTriples::columns(int w) const {
  const int cell = tripleSize().width() + fontMetrics().height();
  return std::max(1, (w + fontMetrics().height()) / cell);
}

QSize AdversarialTriples::sizeHint() const {
  const QSize t = tripleSize();
  return {2 * t.width() + fontMetrics().height(), heightForWidth(2 * t.width() + fontMetrics().height())};
}

int AdversarialTriples::heightForWidth(int w) const {
  if (examples_.empty()) return 3 * fontMetrics().height();
  const int cols = columns(w), rows = (count() + cols - 1) / cols;
  return rows * (tripleSize().height() + fontMetrics().height()) + 2 * fontMetrics().height();
}

QImage AdversarialTriples::picture(const std::vector<uint8_t>& px, bool diverging) const {
  const int H = height_, W = width_, C = channels_;
  QImage img(W, H, QImage::Format_RGB32);
  if (px.size() < size_t(C) * H * W) return img;
  for (int y = 0; y < H; ++y) {
    auto* line = reinterpret_cast<QRgb*>(img.scanLine(y));
    for (int x = 0; x < W; ++x) {
      const size_t i = size_t(y) * W + x, plane = size_t(H) * W;
      if (C >= 3) {
        line[x] = qRgb(px[i], px[i + plane], px[i + 2 * plane]);
      } else if (diverging) {
        // 128 is no change; blue darkens the pixel, red brightens it (by up to epsilon).
        line[x] = diverging_color((double(px[i]) - 128.0) / 127.0);
      } else {
        line[x] = qRgb(px[i], px[i], px[i]);
      }
    }
  }
  return img;
}

void AdversarialTriples::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().base());
  const QFontMetrics fm = fontMetrics();
  const int line = fm.height();
  if (examples_.empty()) {
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(rect().adjusted(line, line, -line, -line), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, message_);
    return;
  }
  const int s = side(), gap = line / 3 + 2;
  const QSize t = tripleSize();
  const int cols = columns(width());
  // The column titles once, over the first row.
  const QString titles[3] = {"original", QString("noise ×%1").arg(epsilon_ > 0 ? QString::number(1.0 / epsilon_, 'g', 3) : "-"),
                             "adversarial"};
  p.setPen(palette().color(QPalette::Text));
  for (int c = 0; c < std::min(cols, count()); ++c)
    for (int k = 0; k < 3; ++k) {
      const QRect r(c * (t.width() + line) + k * (s + gap), 0, s, line);
      p.drawText(r, Qt::AlignCenter, fm.elidedText(titles[k], Qt::ElideRight, s));
    }
  for (int i = 0; i < count(); ++i) {
    const AttackExample& e = examples_[size_t(i)];
    const int x0 = (i % cols) * (t.width() + line), y0 = line + (i / cols) * (t.height() + line);
    const QImage pics[3] = {picture(e.original, false), picture(e.perturbation, true), picture(e.adversarial, false)};
    for (int k = 0; k < 3; ++k) p.drawImage(QRect(x0 + k * (s + gap), y0, s, s), pics[k]);
    const QStringList cap = captions(i);
    const QRect before(x0, y0 + s + 2, s, line), after(x0 + 2 * (s + gap), y0 + s + 2, s, line);
    p.setPen(QColor(0, 120, 60));
    p.drawText(before, Qt::AlignCenter, fm.elidedText(cap[0], Qt::ElideMiddle, s));
    p.setPen(QColor(190, 0, 30));
    p.drawText(after, Qt::AlignCenter, fm.elidedText(cap[1], Qt::ElideMiddle, s));
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(QRect(x0, y0 + s + 2 + line, t.width(), line), Qt::AlignLeft,
               fm.elidedText(QString("test image %1, a %2").arg(e.index).arg(class_name(names_, e.label)),
                             Qt::ElideRight, t.width()));
  }
}

// ---------------------------------------------------------------------------
// The view.

AdversarialView::AdversarialView(QWidget* parent)
    : QWidget(parent),
      bridge_(this, [](const Item&) { return BridgePolicy::Keep; },
              [this](std::vector<Item>&& items) { deliver(std::move(items)); }) {
  method_ = new QComboBox;
  method_->addItem("FGSM", "fgsm");
  method_->addItem("PGD", "pgd");
  method_->setToolTip("FGSM moves every pixel by epsilon along the sign of the loss gradient.\n"
                      "PGD takes several smaller such steps, each projected back into the epsilon box.");
  epsilons_ = new QLineEdit("0, 0.01, 0.02, 0.05, 0.1");
  epsilons_->setToolTip("Largest change of any pixel, in pixel units (0 = black, 1 = white); 0.01 is about 2.5 of 255 levels");
  images_ = new QSpinBox;
  images_->setRange(0, 1000000);
  images_->setValue(1000);
  images_->setSpecialValueText("all");
  images_->setToolTip("Attack the first N test images (all: the whole test set)");
  steps_ = new QSpinBox;
  steps_->setRange(1, 1000);
  steps_->setValue(10);
  step_size_ = new QDoubleSpinBox;
  step_size_->setDecimals(4);
  step_size_->setRange(0, 1);
  step_size_->setSingleStep(0.001);
  step_size_->setSpecialValueText("auto");
  step_size_->setToolTip("Each PGD step's size in pixel units (auto: 2.5 ε / steps)");
  random_start_ = new QCheckBox("random start");
  random_start_->setToolTip("PGD starts at a random point of the epsilon box instead of at the image");
  attack_button_ = new QPushButton("Attack");
  stop_button_ = new QPushButton("Stop");

  // Two rows, so that it fits an 800-pixel screen in presentation fonts: what
  // and how much to attack; PGD's own settings (shown for PGD only) and the buttons.
  auto* form = new QVBoxLayout;
  auto* what = new QHBoxLayout;
  what->addWidget(method_);
  what->addWidget(new QLabel("ε"));
  what->addWidget(epsilons_, 1);
  what->addWidget(new QLabel("images"));
  what->addWidget(images_);
  auto* how = new QHBoxLayout;
  steps_label_ = new QLabel("steps");
  step_size_label_ = new QLabel("step size");
  how->addWidget(steps_label_);
  how->addWidget(steps_);
  how->addWidget(step_size_label_);
  how->addWidget(step_size_);
  how->addWidget(random_start_);
  how->addStretch(1);
  how->addWidget(attack_button_);
  how->addWidget(stop_button_);
  form->addLayout(what);
  form->addLayout(how);

  status_ = new QLabel;
  status_->setWordWrap(true);

  chart_ = new MetricChart("Accuracy against ε", "ε (pixel units, 0–1)", "test accuracy");
  chart_->setIntegerX(false);
  chart_->setXStart(0);

  slider_ = new QSlider(Qt::Horizontal);
  slider_->setRange(0, 0);
  slider_->setEnabled(false);
  slider_->setTickPosition(QSlider::TicksBelow);
  slider_->setTickInterval(1);
  slider_->setPageStep(1);
  epsilon_label_ = new QLabel;
  epsilon_label_->setWordWrap(true);
  triples_ = new AdversarialTriples;
  auto* scroll = new QScrollArea;
  scroll->setWidget(triples_);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  auto* right = new QWidget;
  auto* rv = new QVBoxLayout(right);
  rv->setContentsMargins(0, 0, 0, 0);
  auto* sl = new QHBoxLayout;
  sl->addWidget(new QLabel("ε"));
  sl->addWidget(slider_, 1);
  rv->addLayout(sl);
  rv->addWidget(epsilon_label_);
  rv->addWidget(scroll, 1);

  auto* split = new QSplitter;
  split->addWidget(chart_);
  split->addWidget(right);
  split->setStretchFactor(0, 2);
  split->setStretchFactor(1, 3);
  split->setChildrenCollapsible(false);

  auto* v = new QVBoxLayout(this);
  v->addLayout(form);
  v->addWidget(status_);
  v->addWidget(split, 1);

  install_export_menu(triples_, {"picture", "adversarial-examples", false, [this](const QString& ext) {
                                   return render_widget(triples_, ext, "adversarial-examples");
                                 }});
  connect(attack_button_, &QPushButton::clicked, this, [this] { start(); });
  connect(stop_button_, &QPushButton::clicked, this, &AdversarialView::stop);
  connect(slider_, &QSlider::valueChanged, this, &AdversarialView::showEpsilon);
  connect(method_, &QComboBox::currentIndexChanged, this, &AdversarialView::updateForm);
  clear("Train a run on images (or Evaluate one in the History): its trained weights are attacked here.");
}

AdversarialView::~AdversarialView() { stopAndWait(); }

void AdversarialView::stopAndWait() {
  if (!thread_.joinable()) return;
  attack_->request_stop();
  thread_.join();
  bridge_.close();
  attack_.reset();
}

void AdversarialView::updateForm() {
  const bool pgd = method_->currentData().toString() == "pgd";
  for (QWidget* w : std::initializer_list<QWidget*>{steps_label_, steps_, step_size_label_, step_size_, random_start_})
    w->setVisible(pgd);
  attack_button_->setEnabled(!running() && hasSource());
  stop_button_->setEnabled(running());
}

void AdversarialView::setSource(const QString& checkpoint, const QString& title,
                                std::shared_ptr<const LoadedData> data) {
  stopAndWait();
  checkpoint_ = checkpoint, title_ = title, data_ = std::move(data);
  attacked_ = false;
  rows_.clear(), info_ = AttackStart{};
  chart_->removeAllSeries();
  slider_->setRange(0, 0), slider_->setEnabled(false);
  epsilon_label_->clear();
  triples_->setExamples({}, 1, 0, 0, {}, 0);
  triples_->setMessage("");
  status_->setText(title_ + ": ready to attack (press Attack).");
  updateForm();
  if (isVisible()) start();
}

void AdversarialView::clear(const QString& why) {
  stopAndWait();
  checkpoint_.clear(), title_.clear(), data_.reset();
  attacked_ = false;
  rows_.clear(), info_ = AttackStart{};
  chart_->removeAllSeries();
  slider_->setRange(0, 0), slider_->setEnabled(false);
  epsilon_label_->clear();
  triples_->setExamples({}, 1, 0, 0, {}, 0);
  triples_->setMessage(why);
  status_->setText(why);
  updateForm();
}

void AdversarialView::showEvent(QShowEvent* e) {
  QWidget::showEvent(e);
  if (hasSource() && !attacked_ && !running()) start();
}

bool AdversarialView::start() {
  if (running()) return false;
  if (!hasSource()) {
    status_->setText("Nothing to attack: train a run on images, or Evaluate one in the History.");
    return false;
  }
  AttackOptions o;
  o.checkpoint = checkpoint_.toStdString();
  o.method = method_->currentData().toString().toStdString();
  o.steps = steps_->value(), o.step_size = step_size_->value(), o.random_start = random_start_->isChecked();
  o.limit = images_->value();
  o.data = data_;
  std::string err = parse_epsilons(epsilons_->text().toStdString(), o.epsilons);
  if (err.empty()) err = check_attack_options(o);
  if (!err.empty()) {
    status_->setText(QString::fromStdString(err).replace("--epsilon", "ε").replace("--", ""));
    return false;
  }
  attacked_ = true;
  epsilons_->setText([&] {
    QStringList l;
    for (double e : o.epsilons) l << eps_text(e);
    return l.join(", ");
  }());
  series_name_ = o.method == "pgd" ? QString("PGD, %1 steps").arg(o.steps) : QString("FGSM");
  rows_.clear();
  seconds_ = 0;
  slider_->setRange(0, 0), slider_->setEnabled(false);
  status_->setText(title_ + ": attacking…");
  attack_ = std::make_shared<Attack>(o);
  std::shared_ptr<JobBridge<Item>::Queue> feed = bridge_.open();
  std::shared_ptr<Attack> job = attack_;
  thread_ = std::thread([feed, job] {
    AttackResult r = job->run([&](const AttackStart& s) { feed->push(s); },
                              [&](const AttackRow& row) {
                                feed->push(row);
                                return true;
                              });  // never throws
    feed->push(std::move(r));
  });
  updateForm();
  return true;
}

void AdversarialView::stop() {
  if (attack_) attack_->request_stop();
}

void AdversarialView::setPresentation(bool on) {
  chart_->setPresentation(on);
  // The fonts are the larger ones by now: keep the chart readable beside the pictures.
  chart_->setMinimumWidth(on ? 16 * chart_->fontMetrics().height() : 0);
  triples_->updateGeometry();
}

void AdversarialView::deliver(std::vector<Item>&& items) {
  for (Item& item : items) {
    if (auto* s = std::get_if<AttackStart>(&item)) {
      info_ = *s;
      status_->setText(summary());
    } else if (auto* row = std::get_if<AttackRow>(&item)) {
      addRow(*row);
    } else if (auto* r = std::get_if<AttackResult>(&item)) {
      return finish(*r);
    }
  }
}

void AdversarialView::addRow(const AttackRow& row) {
  rows_.push_back(row);
  if (row.epsilon > 0) seconds_ += row.seconds;
  int series = -1;
  for (int i = 0; i < chart_->seriesCount(); ++i)
    if (chart_->seriesName(i) == series_name_) series = i;
  if (series < 0) series = chart_->addSeries(series_name_);
  QVector<QPointF> pts;
  for (const AttackRow& r : rows_) pts.push_back({r.epsilon, r.accuracy});
  chart_->setPoints(series, pts);
  // The slider follows the newest epsilon while the attack runs.
  const QSignalBlocker block(slider_);
  slider_->setRange(0, int(rows_.size()) - 1);
  slider_->setEnabled(rows_.size() > 1);
  slider_->setValue(int(rows_.size()) - 1);
  showEpsilon(slider_->value());
  status_->setText(summary());
}

void AdversarialView::finish(const AttackResult& r) {
  thread_.join();
  bridge_.close();
  attack_.reset();
  if (!r.ok && !r.cancelled) {
    status_->setText(title_ + ": " + QString::fromStdString(r.error));
    triples_->setMessage(QString::fromStdString(r.error));
  } else {
    status_->setText(summary() + (r.cancelled ? " · stopped" : ""));
    // The smallest epsilon with as many fooled images to show as any: the
    // least visible noise that still makes the point.
    int pick = int(rows_.size()) - 1;
    size_t most = 0;
    for (const AttackRow& row : rows_) most = std::max(most, row.examples.size());
    for (int i = 0; i < int(rows_.size()); ++i)
      if (rows_[size_t(i)].epsilon > 0 && rows_[size_t(i)].examples.size() == most) {
        pick = i;
        break;
      }
    if (pick >= 0) slider_->setValue(pick), showEpsilon(pick);
  }
  updateForm();
  Q_EMIT attackFinished();
}

double AdversarialView::shownEpsilon() const {
  const int i = slider_->value();
  return i >= 0 && i < int(rows_.size()) ? rows_[size_t(i)].epsilon : NAN;
}

void AdversarialView::showEpsilon(int index) {
  if (index < 0 || index >= int(rows_.size())) return;
  const AttackRow& row = rows_[size_t(index)];
  QStringList names;
  for (const std::string& n : info_.class_names) names << QString::fromStdString(n);
  triples_->setExamples(row.examples, info_.channels, info_.height, info_.width, names, row.epsilon);
  triples_->setMessage(row.epsilon == 0 ? "At ε = 0 nothing is changed: move the slider to a larger ε."
                                        : "No image that was classified correctly is wrong at this ε.");
  chart_->setMarker(row.epsilon, row.accuracy, "ε = " + eps_text(row.epsilon));
  epsilon_label_->setText(epsilonText());
}

QString AdversarialView::epsilonText() const {
  const int i = slider_->value();
  if (i < 0 || i >= int(rows_.size())) return QString();
  const AttackRow& row = rows_[size_t(i)];
  QString s = QString("ε = %1 (%2 of 255 levels): accuracy %3%").arg(eps_text(row.epsilon))
                  .arg(QString::number(row.epsilon * 255, 'g', 3))
                  .arg(QString::number(100 * row.accuracy, 'f', 1));
  if (row.epsilon > 0)
    s += QString(", %1 of %2 correctly classified images now wrong").arg(row.flipped)
             .arg(std::llround(info_.clean_accuracy * double(row.count)));
  return s;
}

QString AdversarialView::statusText() const { return status_->text(); }

QString AdversarialView::summary() const {
  if (info_.images == 0) return title_ + ": attacking…";
  QString s = QString("%1, weights after epoch %2 · %3 on %4 test images · clean accuracy %5%")
                  .arg(title_).arg(info_.epoch).arg(method_name(info_.method))
                  .arg(info_.images).arg(QString::number(100 * info_.clean_accuracy, 'f', 1));
  int n = 0;
  for (const AttackRow& r : rows_) n += r.epsilon > 0;
  if (n > 0) s += QString(" · %1 s per ε").arg(QString::number(seconds_ / n, 'f', 2));
  if (running()) s += " · attacking…";
  return s;
}

}  // namespace hyperlab
