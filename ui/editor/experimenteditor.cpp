#include "ui/editor/experimenteditor.h"
#include "ui/editor/augmentpanel.h"
#include "ui/editor/layerlist.h"
#include "ui/editor/modeleditor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QLocale>
#include <QRegularExpression>
#include <QToolButton>
#include <QVBoxLayout>

#include <climits>

#include "config/config_json.h"
#include "config/shapes.h"
#include "ui/editor/datadownload.h"
#include "ui/editor/forms.h"
#include "ui/widgets/fields.h"
#include "train/trainer.h"

namespace hyperlab {

namespace {


// What may watch a run (early stopping, plateau schedules): never the test set.
const QStringList kMetrics = qt_list(watchable_metric_names());

QSpinBox* int_box(int lo, int hi, const QString& special = QString()) {
  auto* b = new QSpinBox;
  b->setRange(lo, hi);
  b->setKeyboardTracking(false);
  b->setAccelerated(true);
  if (!special.isEmpty()) b->setSpecialValueText(special);
  return b;
}

// The forms follow the panel's width, which is never less than they need;
// the page's group boxes share one label column.
QWidget* make_scroll(QWidget* inner) {
  align_label_columns(inner);
  return new FormScroll(inner);
}

// How the loss's L2 term differs from the optimizer's weight decay (whose
// doc, from the optimizer table, is the line under its field).
const char* kL2Hint =
    "A loss term l2·Σw² on the weights (not biases): their gradients get 2·l2·w. With sgd that is weight decay "
    "2·l2 without the biases; adamw's decay never enters the gradient.";

}  // namespace

ExperimentEditor::ExperimentEditor(QWidget* parent) : QWidget(parent) {
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(0, 0, 0, 0);
  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel("Name"));
  name_ = new QLineEdit;
  top->addWidget(name_);
  lay->addLayout(top);
  tabs_ = new QTabWidget;
  tabs_->addTab(make_scroll(buildDataTab()), "Data");
  model_ = new ModelEditor([this] { return config(); });
  tabs_->addTab(make_scroll(model_), "Model");
  tabs_->addTab(make_scroll(buildTrainingTab()), "Training");
  lay->addWidget(tabs_, 1);
  problems_label_ = new QLabel;
  problems_label_->setWordWrap(true);
  problems_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  problems_label_->setStyleSheet("QLabel { color: #b00020; }");
  lay->addWidget(problems_label_);
  watch(name_);
  for (QWidget* w : model_->inputs()) watch(w);
  connect(model_, &ModelEditor::edited, this, &ExperimentEditor::onEdited);
  setConfig(ExperimentConfig{});
}

void ExperimentEditor::watch(QWidget* w) {
  if (auto* b = qobject_cast<QDoubleSpinBox*>(w))
    connect(b, &QDoubleSpinBox::valueChanged, this, &ExperimentEditor::onEdited);
  else if (auto* s = qobject_cast<QSpinBox*>(w))
    connect(s, &QSpinBox::valueChanged, this, &ExperimentEditor::onEdited);
  else if (auto* c = qobject_cast<QComboBox*>(w))
    connect(c, &QComboBox::currentIndexChanged, this, &ExperimentEditor::onEdited);
  else if (auto* k = qobject_cast<QCheckBox*>(w))
    connect(k, &QCheckBox::toggled, this, &ExperimentEditor::onEdited);
  else if (auto* e = qobject_cast<QLineEdit*>(w))
    connect(e, &QLineEdit::textChanged, this, &ExperimentEditor::onEdited);
}

QWidget* ExperimentEditor::buildDataTab() {
  auto* page = new QWidget;
  auto* v = new QVBoxLayout(page);
  auto* box = new QGroupBox("Dataset");
  auto* f = compact_form(box);
  dataset_ = make_combo({"fashion-mnist", "mnist", "cifar10", "synthetic", "folder"});
  dataset_->setToolTip("folder: your own images, one subfolder of PNG or JPEG files per class");
  f->addRow("Dataset", dataset_);
  auto* row = new QHBoxLayout;
  path_ = new QLineEdit;
  auto* browse = new QToolButton;
  browse->setText("…");
  browse->setToolTip("Choose the folder with the dataset's files");
  row->addWidget(path_, 1);
  row->addWidget(browse);
  f->addRow("Folder", row);
  connect(browse, &QToolButton::clicked, this, [this] {
    QString d = QFileDialog::getExistingDirectory(this, "Dataset folder", path_->text().isEmpty() ? path_->placeholderText() : path_->text());
    if (!d.isEmpty()) path_->setText(d);
  });
  download_ = new DatasetDownloadRow;
  f->addRow("", download_);
  connect(download_, &DatasetDownloadRow::downloaded, this, &ExperimentEditor::onEdited);
  data_status_ = new QLabel;
  data_status_->setWordWrap(true);
  data_status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  f->addRow("Status", data_status_);
  val_fraction_ = new NumberBox(0, 0.95, 0.05);
  f->addRow("Validation fraction", val_fraction_);
  train_limit_ = int_box(0, INT_MAX, "all");
  train_limit_->setSingleStep(1000);
  f->addRow("Train samples", train_limit_);
  test_limit_ = int_box(0, INT_MAX, "all");
  test_limit_->setSingleStep(1000);
  f->addRow("Test samples", test_limit_);
  normalization_ = make_combo({"none", "unit", "standardize", "imagenet"});
  normalization_->setToolTip("none: raw values; unit: scaled to [0,1]; standardize: train mean/std per channel; imagenet: [0,1], then ImageNet's mean/std per channel (for pretrained weights)");
  f->addRow("Normalisation", normalization_);
  v->addWidget(box);

  synth_box_ = new QGroupBox("Synthetic data");
  synth_form_ = compact_form(synth_box_);
  synth_kind_ = make_combo({"spirals", "circles", "xor", "blobs", "images"});
  synth_form_->addRow("Kind", synth_kind_);
  synth_samples_ = int_box(1, 10'000'000);
  synth_form_->addRow("Training samples", synth_samples_);
  synth_test_ = int_box(0, 10'000'000);
  synth_form_->addRow("Test samples", synth_test_);
  synth_noise_ = new NumberBox(0, 10, 0.05);
  synth_form_->addRow("Noise", synth_noise_);
  synth_classes_ = int_box(2, 100);
  synth_form_->addRow("Classes", synth_classes_);
  synth_image_ = int_box(4, 256);
  synth_form_->addRow("Image size", synth_image_);
  v->addWidget(synth_box_);

  // dataset "folder": Folder above is the one with a subfolder per class.
  folder_box_ = new QGroupBox("Your images");
  folder_box_->setObjectName("folderBox");
  auto* ff = compact_form(folder_box_);
  folder_size_ = int_box(4, 512);
  folder_size_->setObjectName("folderImageSize");
  folder_size_->setSuffix(" px");
  folder_size_->setToolTip("Each image is cut to its centre square and resized to this side");
  ff->addRow("Image size", folder_size_);
  folder_channels_ = make_combo({"auto", "1", "3"});
  folder_channels_->setObjectName("folderChannels");
  folder_channels_->setItemText(1, "1 (grey)");
  folder_channels_->setItemText(2, "3 (RGB)");
  folder_channels_->setToolTip("auto: 3 (RGB) if any image is in colour, else 1 (grey)");
  ff->addRow("Channels", folder_channels_);
  folder_test_ = new NumberBox(0.05, 0.9, 0.05);
  folder_test_->setToolTip("Share of each class held out for testing, unless the folder has train/ and test/");
  ff->addRow("Test fraction", folder_test_);
  v->addWidget(folder_box_);
  // data.augment: the list of steps and a preview (ui/editor/augmentpanel.h).
  augment_box_ = new QGroupBox("Augmentation");
  auto* al = new QVBoxLayout(augment_box_);
  al->setContentsMargins(6, 6, 6, 6);
  augment_ = new AugmentPanel;
  al->addWidget(augment_);
  v->addWidget(augment_box_);
  connect(augment_, &AugmentPanel::edited, this, &ExperimentEditor::onEdited);

  v->addStretch(1);
  for (QWidget* w : std::initializer_list<QWidget*>{dataset_, path_, val_fraction_, train_limit_, test_limit_,
                                                    normalization_, synth_kind_, synth_samples_, synth_test_,
                                                    synth_noise_, synth_classes_, synth_image_, folder_size_,
                                                    folder_channels_, folder_test_})
    watch(w);
  return page;
}

QWidget* ExperimentEditor::buildTrainingTab() {
  auto* page = new QWidget;
  auto* v = new QVBoxLayout(page);
  auto* basics = new QGroupBox("Schedule");
  auto* bf = compact_form(basics);
  epochs_ = int_box(1, 100000);
  bf->addRow("Epochs", epochs_);
  batch_ = int_box(1, 1 << 20);
  bf->addRow("Batch size", batch_);
  shuffle_ = new QCheckBox("Shuffle every epoch");
  bf->addRow("", shuffle_);
  loss_ = make_combo({"cross_entropy", "mse"});
  bf->addRow("Loss", loss_);
  v->addWidget(basics);

  auto* ob = new QGroupBox("Optimizer");
  opt_form_ = compact_form(ob);
  opt_type_ = make_combo(qt_list(optimizer_names()));
  opt_form_->addRow("Type", opt_type_);
  opt_rows_.build(opt_form_, optimizer_settings());
  opt_rows_.addHint("weight_decay");
  v->addWidget(ob);

  auto* rb = new QGroupBox("Regularisation");
  auto* rf = compact_form(rb);
  l1_ = new NumberBox(0, 100, 1e-5);
  rf->addRow("L1 coefficient", l1_);
  l2_ = new NumberBox(0, 100, 1e-4);
  rf->addRow("L2 coefficient", with_hint(l2_, kL2Hint));
  noise_ = new NumberBox(0, 100, 0.01);
  rf->addRow("Gradient noise std", noise_);
  clip_ = new NumberBox(0, 1e6, 0.5);
  clip_->setSpecialValueText("off");
  rf->addRow("Clip gradient norm", clip_);
  v->addWidget(rb);

  auto* sb = new QGroupBox("Learning-rate schedule");
  sched_form_ = compact_form(sb);
  sched_type_ = make_combo(qt_list(scheduler_names()));
  sched_form_->addRow("Type", sched_type_);
  sched_rows_.build(sched_form_, scheduler_settings(), kMetrics);
  v->addWidget(sb);

  auto* eb = new QGroupBox("Early stopping");
  es_form_ = compact_form(eb);
  es_enabled_ = new QCheckBox("Stop when the monitored metric stops improving");
  es_form_->addRow(es_enabled_);  // across the row: the label column stays narrow
  es_monitor_ = make_combo(kMetrics);
  es_form_->addRow("Monitor", es_monitor_);
  es_min_delta_ = new NumberBox(0, 100, 1e-3);
  es_form_->addRow("Min improvement", es_min_delta_);
  es_patience_ = int_box(0, 100000);
  es_form_->addRow("Patience (epochs)", es_patience_);
  es_restore_ = new QCheckBox("Restore the best epoch's weights");
  es_form_->addRow(es_restore_);  // across the row: the label column stays narrow
  v->addWidget(eb);

  v->addWidget(buildRunBox());
  v->addStretch(1);
  std::vector<QWidget*> watched = {epochs_,    batch_,      shuffle_,     loss_,         opt_type_,
                                   l1_,        l2_,         noise_,       clip_,         sched_type_,
                                   es_enabled_, es_monitor_, es_min_delta_, es_patience_, es_restore_};
  for (const auto& rows : {opt_rows_.widgets(), sched_rows_.widgets()}) watched.insert(watched.end(), rows.begin(), rows.end());
  for (QWidget* w : watched) watch(w);
  return page;
}

QGroupBox* ExperimentEditor::buildRunBox() {
  auto* xb = new QGroupBox("Run");
  auto* xf = compact_form(xb);
  eval_test_ = new QCheckBox("Evaluate on the test set every epoch");
  xf->addRow(eval_test_);  // across the row: the label column stays narrow
  seed_ = int_box(0, INT_MAX);
  xf->addRow("Seed", seed_);
  QStringList devices = {"auto", "cpu"};
  for (int i = 0; i < cuda_device_count(); ++i) devices << QString("cuda:%1").arg(i);
  device_ = make_combo(devices);
  device_->setToolTip(cuda_device_count() ? QString("%1 CUDA device(s) found").arg(cuda_device_count())
                                          : QString("No CUDA device found: training runs on the CPU"));
  xf->addRow("Device", device_);
  fallback_ = new QCheckBox("Fall back to the CPU if the GPU is missing");
  xf->addRow(fallback_);  // across the row: the label column stays narrow
  threads_ = int_box(0, 1024, "auto");
  xf->addRow("CPU threads", threads_);
  checkpoint_every_ = int_box(0, 1000000, "never");
  checkpoint_every_->setToolTip("Save a checkpoint every N epochs, so an interrupted run can be resumed");
  checkpoint_every_->setSuffix(" epochs");  // a short label keeps the page's label column narrow
  connect(checkpoint_every_, &QSpinBox::valueChanged, checkpoint_every_,
          [b = checkpoint_every_](int n) { b->setSuffix(n == 1 ? " epoch" : " epochs"); });
  xf->addRow("Checkpoint every", checkpoint_every_);
  for (QWidget* w : std::initializer_list<QWidget*>{eval_test_, seed_, device_, fallback_, threads_, checkpoint_every_})
    watch(w);
  return xb;
}

QLineEdit* ExperimentEditor::hiddenEdit() const { return model_->hiddenEdit(); }
QComboBox* ExperimentEditor::modelModeBox() const { return model_->modeBox(); }
QTreeWidget* ExperimentEditor::layerTree() const { return model_->layerList()->tree(); }
LayerListEditor* ExperimentEditor::layerList() const { return model_->layerList(); }
QTableWidget* ExperimentEditor::summaryTable() const { return model_->summaryTable(); }

void ExperimentEditor::addLayer(const LayerConfig& l) { model_->layerList()->addLayer(l); }

// ---- config <-> forms ----

void ExperimentEditor::setConfig(const ExperimentConfig& c) {
  loading_ = true;
  base_ = c;
  name_->setText(QString::fromStdString(c.name));
  const DataConfig& d = c.data;
  set_combo(dataset_, d.dataset);
  path_->setText(QString::fromStdString(d.path));
  val_fraction_->setValue(d.validation_fraction);
  train_limit_->setValue(d.train_limit);
  test_limit_->setValue(d.test_limit);
  set_combo(normalization_, d.normalization);
  set_combo(synth_kind_, d.synthetic.kind);
  synth_samples_->setValue(d.synthetic.samples);
  synth_test_->setValue(d.synthetic.test_samples);
  synth_noise_->setValue(d.synthetic.noise);
  synth_classes_->setValue(d.synthetic.classes);
  synth_image_->setValue(d.synthetic.image_size);
  folder_size_->setValue(d.image_size);
  folder_channels_->setCurrentIndex(d.channels == 1 ? 1 : d.channels == 3 ? 2 : 0);
  folder_test_->setValue(d.test_fraction);
  augment_->setSteps(d.augment);

  model_->setModel(c.model);

  const TrainingConfig& t = c.training;
  epochs_->setValue(t.epochs);
  batch_->setValue(t.batch_size);
  shuffle_->setChecked(t.shuffle);
  set_combo(loss_, t.loss);
  const OptimizerConfig& o = t.optimizer;
  set_combo(opt_type_, o.type);
  opt_rows_.load(o);
  l1_->setValue(t.l1);
  l2_->setValue(t.l2);
  noise_->setValue(t.grad_noise_std);
  clip_->setValue(t.clip_grad_norm);
  const SchedulerConfig& s = t.scheduler;
  set_combo(sched_type_, s.type);
  sched_rows_.load(s);
  const EarlyStoppingConfig& e = t.early_stopping;
  es_enabled_->setChecked(e.enabled);
  set_combo(es_monitor_, e.monitor);
  es_min_delta_->setValue(e.min_delta);
  es_patience_->setValue(e.patience);
  es_restore_->setChecked(e.restore_best);
  eval_test_->setChecked(t.evaluate_test);
  seed_->setValue(static_cast<int>(std::min<uint64_t>(t.seed, INT_MAX)));
  set_combo(device_, t.device);
  fallback_->setChecked(t.allow_cpu_fallback);
  threads_->setValue(t.threads);
  checkpoint_every_->setValue(t.checkpoint_every);
  loading_ = false;
  updateVisibility();  // may complete the forms (an empty layer list gets a starting one)
  saved_text_ = config_to_text(config());  // the config as the forms give it back
  onEdited();
}

ExperimentConfig ExperimentEditor::config() const {
  ExperimentConfig c = base_;
  c.name = name_->text().toStdString();
  DataConfig& d = c.data;
  d.dataset = combo_value(dataset_);
  d.path = path_->text().trimmed().toStdString();
  d.validation_fraction = val_fraction_->value();
  d.train_limit = train_limit_->value();
  d.test_limit = test_limit_->value();
  d.normalization = combo_value(normalization_);
  d.synthetic.kind = combo_value(synth_kind_);
  d.synthetic.samples = synth_samples_->value();
  d.synthetic.test_samples = synth_test_->value();
  d.synthetic.noise = synth_noise_->value();
  d.synthetic.classes = synth_classes_->value();
  d.synthetic.image_size = synth_image_->value();
  d.image_size = folder_size_->value();
  d.channels = folder_channels_->currentIndex() == 1 ? 1 : folder_channels_->currentIndex() == 2 ? 3 : 0;
  d.test_fraction = folder_test_->value();
  d.augment = augment_->steps();

  c.model = model_->model();

  TrainingConfig& t = c.training;
  t.epochs = epochs_->value();
  t.batch_size = batch_->value();
  t.shuffle = shuffle_->isChecked();
  t.loss = combo_value(loss_);
  OptimizerConfig& o = t.optimizer;
  o.type = combo_value(opt_type_);
  opt_rows_.store(o);
  t.l1 = l1_->value();
  t.l2 = l2_->value();
  t.grad_noise_std = noise_->value();
  t.clip_grad_norm = clip_->value();
  SchedulerConfig& s = t.scheduler;
  s.type = combo_value(sched_type_);
  sched_rows_.store(s);
  EarlyStoppingConfig& e = t.early_stopping;
  e.enabled = es_enabled_->isChecked();
  e.monitor = combo_value(es_monitor_);
  e.min_delta = es_min_delta_->value();
  e.patience = es_patience_->value();
  e.restore_best = es_restore_->isChecked();
  t.evaluate_test = eval_test_->isChecked();
  t.seed = static_cast<uint64_t>(seed_->value());
  t.device = combo_value(device_);
  t.allow_cpu_fallback = fallback_->isChecked();
  t.threads = threads_->value();
  t.checkpoint_every = checkpoint_every_->value();
  return c;
}

void ExperimentEditor::onEdited() {
  if (loading_) return;
  updateVisibility();
  revalidate();
  updateModified();
  Q_EMIT changed();
}

void ExperimentEditor::markSaved(const std::string& text) {
  saved_text_ = text;
  updateModified();
}

void ExperimentEditor::updateModified() {
  const bool m = config_to_text(config()) != saved_text_;
  if (m == modified_) return;
  modified_ = m;
  Q_EMIT modifiedChanged(m);
}

void ExperimentEditor::updateVisibility() {
  const std::string ds = combo_value(dataset_);
  synth_box_->setVisible(ds == "synthetic");
  folder_box_->setVisible(ds == "folder");
  path_->setEnabled(ds != "synthetic");
  path_->setPlaceholderText(QString::fromStdString(default_data_path(ds)));
  download_->setDataset(ds, !path_->text().trimmed().isEmpty());
  const std::string kind = combo_value(synth_kind_);
  synth_form_->setRowVisible(synth_classes_, kind == "spirals" || kind == "blobs" || kind == "images");
  synth_form_->setRowVisible(synth_image_, kind == "images");
  // Augmentation is for images; a list kept on point data stays visible, so it can be removed.
  DataConfig dc;
  dc.dataset = ds, dc.synthetic.kind = kind;
  augment_box_->setVisible(data_spec(dc).input.size() == 3 || augment_->stepCount() > 0);
  model_->updateVisibility();
  opt_rows_.showFor(find_optimizer(combo_value(opt_type_)));
  sched_rows_.showFor(find_scheduler(combo_value(sched_type_)));
  const bool es = es_enabled_->isChecked();
  for (QWidget* w : std::initializer_list<QWidget*>{es_monitor_, es_min_delta_, es_patience_, es_restore_})
    es_form_->setRowVisible(w, es);
}

void ExperimentEditor::revalidate() {
  problems_.clear();
  model_->formProblems(problems_);
  ExperimentConfig c = config();
  ConfigResult r = check_config(c);
  for (const ConfigError& e : r.errors) problems_ << QString::fromStdString(e.path + ": " + e.message);
  if (r.ok()) {
    ModelSummary s = summarize(r.config);
    model_->showSummary(&s, data_spec(c.data).input);
    for (const std::string& e : s.errors) problems_ << QString::fromStdString(e);
  } else {
    model_->showSummary(nullptr, {});
  }
  problems_.removeDuplicates();
  problems_label_->setText(problems_.isEmpty() ? QString() : problems_.join("\n"));
  problems_label_->setVisible(!problems_.isEmpty());
}

void ExperimentEditor::setDataStatus(const QString& text, bool ok) {
  data_status_->setText(text);
  data_status_->setStyleSheet(ok ? "QLabel { color: #1b5e20; }" : "QLabel { color: #b00020; }");
}

QString ExperimentEditor::dataStatus() const { return data_status_->text(); }

void ExperimentEditor::setLocked(bool on) {
  tabs_->setEnabled(true);
  for (int i = 0; i < tabs_->count(); ++i) tabs_->widget(i)->setEnabled(!on);
  name_->setEnabled(!on);
}

}  // namespace hyperlab
