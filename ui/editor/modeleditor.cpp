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
#include <QLocale>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include "config/config_json.h"
#include "config/presets.h"
#include "model/init.h"
#include "model/layers.h"
#include "model/shorthands.h"
#include "ui/editor/layerlist.h"
#include "ui/editor/forms.h"
#include "ui/widgets/fields.h"

namespace hyperlab {

namespace {


}  // namespace

ModelEditor::ModelEditor(std::function<ExperimentConfig()> current, QWidget* parent)
    : QWidget(parent), current_(std::move(current)) {
  auto* v = new QVBoxLayout(this);
  v->setContentsMargins(0, 0, 0, 0);
  auto* arch = new QGroupBox("Architecture");  // a form like the groups below, so its field lines up with theirs
  auto* af = compact_form(arch);
  mode_ = make_combo({"MLP builder", "Layer list", "ResNet"});
  mode_->setToolTip("MLP builder and ResNet are shorthands; the layer list edits every layer (and blocks of layers)");
  af->addRow("Build with", mode_);
  v->addWidget(arch);
  inputs_.push_back(mode_);
  v->addWidget(buildMlpBox());
  v->addWidget(buildResNetBox());
  layers_box_ = new QGroupBox("Layers");
  auto* lv = new QVBoxLayout(layers_box_);
  lv->setContentsMargins(6, 6, 6, 6);  // as the forms' (compact_form): the tree gets the width
  layer_list_ = new LayerListEditor;
  layer_list_->setInputShape([this] { return data_spec(current_().data).input; });
  lv->addWidget(layer_list_);
  connect(layer_list_, &LayerListEditor::edited, this, &ModelEditor::edited);
  v->addWidget(layers_box_);
  v->addWidget(buildInitBox());
  v->addWidget(buildTransferBox());
  v->addWidget(buildSummaryBox());
}

QGroupBox* ModelEditor::buildTransferBox() {
  auto* box = new QGroupBox("Transfer learning");
  transfer_form_ = compact_form(box);
  start_from_ = make_combo({"none", "run", "file", "pretraining"});
  // Its longest choice does not widen the page: the form gives the field more room than this.
  start_from_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  start_from_->setMinimumContentsLength(6);
  start_from_->setToolTip("Start from other weights (model.init_from): a run of the history (its checkpoint), a "
                          "TorchScript file such as torchvision's resnet18, or a pretraining config (its newest run "
                          "in the history, trained first if there is none); tensors map by name and shape");
  transfer_form_->addRow("Start from", start_from_);
  start_run_ = new QSpinBox;
  start_run_->setRange(1, 1 << 30);
  start_run_->setPrefix("run ");
  start_run_->setToolTip("The run's number in the history; it must have kept a checkpoint");
  transfer_form_->addRow("Run", start_run_);
  start_file_row_ = new QWidget;
  auto* fr = new QHBoxLayout(start_file_row_);
  fr->setContentsMargins(0, 0, 0, 0);
  start_file_ = new QLineEdit;
  start_file_->setPlaceholderText("resnet18.pt (TorchScript)");
  auto* choose = new QPushButton("Choose…");
  fr->addWidget(start_file_, 1);
  fr->addWidget(choose);
  connect(choose, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getOpenFileName(this, "Start from weights", start_file_->text(),
                                                   "TorchScript files (*.pt *.pth);;All files (*)");
    if (f.isEmpty()) return;
    start_file_->setText(f);
    Q_EMIT edited();
  });
  transfer_form_->addRow("File", start_file_row_);
  transfer_form_->addRow("Pretraining", buildPretrainRow());
  freeze_row_ = new QWidget;
  auto* zr = new QHBoxLayout(freeze_row_);
  zr->setContentsMargins(0, 0, 0, 0);
  zr->setSpacing(8);
  freeze_row_->setToolTip("Frozen blocks (model.freeze): no gradient, batch norm in eval mode");
  transfer_form_->addRow("Freeze", freeze_row_);
  inputs_.insert(inputs_.end(), {start_from_, start_run_, start_file_, start_pretrain_->lineEdit()});
  return box;
}

// model.init_from.pretrain: a preset from the list, or a config file typed or chosen.
QWidget* ModelEditor::buildPretrainRow() {
  start_pretrain_row_ = new QWidget;
  auto* pr = new QHBoxLayout(start_pretrain_row_);
  pr->setContentsMargins(0, 0, 0, 0);
  start_pretrain_ = new QComboBox;
  start_pretrain_->setEditable(true);
  start_pretrain_->setInsertPolicy(QComboBox::NoInsert);
  start_pretrain_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);  // not the longest name's width
  start_pretrain_->setMinimumContentsLength(10);
  for (const std::string& n : preset_names()) start_pretrain_->addItem(QString::fromStdString(n));
  start_pretrain_->setCurrentText(QString());
  start_pretrain_->lineEdit()->setPlaceholderText("a preset, or a config file (.json)");
  start_pretrain_->setToolTip("The pretraining (model.init_from.pretrain): the newest completed run of this config in "
                              "the history; when there is none it is trained first, recorded like any run");
  auto* choose = new QPushButton("Choose…");
  pr->addWidget(start_pretrain_, 1);
  pr->addWidget(choose);
  connect(choose, &QPushButton::clicked, this, [this] {
    const QString f = QFileDialog::getOpenFileName(this, "Pretraining config", QString(), "Configs (*.json);;All files (*)");
    if (!f.isEmpty()) start_pretrain_->setCurrentText(f);  // the line edit tells the editor
  });
  return start_pretrain_row_;
}

void ModelEditor::updateFreezeBoxes(const std::vector<std::string>& keep_frozen) {
  ExperimentConfig c = current_();
  c.model = ModelConfig{};
  const int mode = mode_->currentIndex();
  if (mode == kMlp) c.model.mlp = mlpFromForm();
  else if (mode == kResNet) c.model.resnet = resnetFromForm();
  else c.model.layers = layer_list_->layers(nullptr);
  std::vector<std::string> names;
  if (c.model.resnet ? resnet_depth_ok(c.model.resnet->depth) : true) names = block_names(c.model, expanded_layers(c));
  if (names == block_names_) return;
  block_names_ = names;
  for (QCheckBox* b : freeze_boxes_) delete b;
  freeze_boxes_.clear();
  for (const std::string& n : names) {
    auto* b = new QCheckBox(QString::fromStdString(n));
    b->setChecked(std::find(keep_frozen.begin(), keep_frozen.end(), n) != keep_frozen.end());
    connect(b, &QCheckBox::toggled, this, [this] {
      if (!loading_) Q_EMIT edited();
    });
    freeze_row_->layout()->addWidget(b);
    freeze_boxes_.push_back(b);
  }
}

std::vector<std::string> ModelEditor::frozenFromForm() const {
  std::vector<std::string> out;
  for (QCheckBox* b : freeze_boxes_)
    if (b->isChecked()) out.push_back(b->text().toStdString());
  return out;
}

QGroupBox* ModelEditor::buildMlpBox() {
  mlp_box_ = new QGroupBox("MLP");
  auto* mf = compact_form(mlp_box_);
  mlp_hidden_ = new QLineEdit;
  mlp_hidden_->setPlaceholderText("e.g. 500, 50 (empty: a linear model)");
  mf->addRow("Hidden sizes", mlp_hidden_);
  mlp_activation_ = make_combo(qt_list(activation_names()));
  mf->addRow("Activation", mlp_activation_);
  mlp_dropout_ = new NumberBox(0, 0.99, 0.1);
  mf->addRow("Dropout", mlp_dropout_);
  mlp_batchnorm_ = new QCheckBox("Batch norm before each activation");
  mf->addRow("", mlp_batchnorm_);
  auto* to_layers = new QPushButton("Edit as layer list");
  to_layers->setToolTip("Expand the MLP into layers to edit them one by one");
  mf->addRow("", to_layers);
  connect(to_layers, &QPushButton::clicked, this, &ModelEditor::toLayerList);
  inputs_.insert(inputs_.end(), {mlp_hidden_, mlp_activation_, mlp_dropout_, mlp_batchnorm_});
  return mlp_box_;
}

QGroupBox* ModelEditor::buildResNetBox() {
  resnet_box_ = new QGroupBox("ResNet (He et al. 2016)");
  resnet_form_ = compact_form(resnet_box_);
  resnet_depth_ = make_combo({"20", "32", "44", "56", "110", "18", "34"});
  resnet_depth_->setToolTip("20-110: the CIFAR family (16/32/64 channels); 18, 34: 64 to 512 channels");
  resnet_form_->addRow("Depth", resnet_depth_);
  resnet_stem_ = make_combo({"imagenet", "small"});
  resnet_stem_->setToolTip("imagenet: 7x7 conv stride 2 and a 3x3 max-pool; small: one 3x3 conv (for 32x32 images)");
  resnet_form_->addRow("Stem", resnet_stem_);
  auto* to_layers = new QPushButton("Edit as layer list");
  to_layers->setToolTip("Expand the ResNet into its blocks to edit them");
  resnet_form_->addRow("", to_layers);
  connect(to_layers, &QPushButton::clicked, this, &ModelEditor::toLayerList);
  inputs_.insert(inputs_.end(), {resnet_depth_, resnet_stem_});
  return resnet_box_;
}

QGroupBox* ModelEditor::buildInitBox() {
  auto* box = new QGroupBox("Initialisation");
  init_form_ = compact_form(box);
  std::vector<std::string> schemes;
  for (const InitScheme& s : init_schemes()) schemes.push_back(s.name);
  init_scheme_ = make_combo(qt_list(schemes));
  init_form_->addRow("Scheme", init_scheme_);
  inputs_.push_back(init_scheme_);
  for (const InitField& f : init_fields()) {
    QWidget* w = nullptr;
    if (f.d) w = new NumberBox(f.ui_lo, f.ui_hi, f.step);
    else if (f.s) w = make_combo(qt_list(f.choices));
    else w = new QCheckBox(QString::fromStdString(f.label));
    w->setToolTip(QString::fromStdString(f.doc));
    init_form_->addRow(f.b ? QString() : QString::fromStdString(f.label), w);
    init_widgets_.push_back(w);
    inputs_.push_back(w);
  }
  return box;
}

QGroupBox* ModelEditor::buildSummaryBox() {
  auto* box = new QGroupBox("Summary");
  auto* sv = new QVBoxLayout(box);
  summary_ = new QTableWidget(0, 3);
  summary_->setHorizontalHeaderLabels({"Layer", "Output", "Parameters"});
  // The numbers take what they need, the layer names the rest (not a third each).
  summary_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  summary_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  summary_->verticalHeader()->setVisible(false);
  summary_->verticalHeader()->setDefaultSectionSize(22);
  summary_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  summary_->setMinimumHeight(160);
  sv->addWidget(summary_);
  summary_total_ = new QLabel;
  summary_total_->setWordWrap(true);  // a long total wraps instead of widening the editor
  sv->addWidget(summary_total_);
  return box;
}

void ModelEditor::setModel(const ModelConfig& m) {
  loading_ = true;
  mode_->setCurrentIndex(m.mlp ? kMlp : m.resnet ? kResNet : kLayers);
  MlpConfig mlp = m.mlp.value_or(MlpConfig{});
  QStringList hs;
  for (int h : mlp.hidden) hs << QString::number(h);
  mlp_hidden_->setText(hs.join(", "));
  set_combo(mlp_activation_, mlp.activation);
  mlp_dropout_->setValue(mlp.dropout);
  mlp_batchnorm_->setChecked(mlp.batchnorm);
  const ResNetConfig rn = m.resnet.value_or(ResNetConfig{});
  const QString depth = QString::number(rn.depth);
  if (resnet_depth_->findText(depth) < 0) resnet_depth_->addItem(depth);
  set_combo(resnet_depth_, depth.toStdString());
  set_combo(resnet_stem_, rn.stem);
  layer_list_->setLayers(m.mlp || m.resnet ? std::vector<LayerConfig>{} : m.layers);
  set_combo(init_scheme_, m.init.scheme);
  for (size_t i = 0; i < init_fields().size(); ++i) {
    const InitField& f = init_fields()[i];
    if (f.d) static_cast<NumberBox*>(init_widgets_[i])->setValue(m.init.*(f.d));
    else if (f.s) set_combo(static_cast<QComboBox*>(init_widgets_[i]), m.init.*(f.s));
    else static_cast<QCheckBox*>(init_widgets_[i])->setChecked(m.init.*(f.b));
  }
  start_from_->setCurrentIndex(m.init_from.run > 0           ? 1
                               : !m.init_from.file.empty()   ? 2
                               : !m.init_from.pretrain.empty() ? 3
                                                             : 0);
  if (m.init_from.run > 0) start_run_->setValue(static_cast<int>(m.init_from.run));
  start_file_->setText(QString::fromStdString(m.init_from.file));
  start_pretrain_->setCurrentText(QString::fromStdString(m.init_from.pretrain));
  block_names_.clear();  // rebuilt for this model, ticked as it says
  updateFreezeBoxes(m.freeze);
  loading_ = false;
}

QStringList ModelEditor::hiddenParts() const {
  return mlp_hidden_->text().split(QRegularExpression("[,;\\s]+"), Qt::SkipEmptyParts);
}

MlpConfig ModelEditor::mlpFromForm() const {
  MlpConfig mlp;
  for (const QString& part : hiddenParts()) mlp.hidden.push_back(part.toInt());  // "abc" becomes 0; formProblems says why
  mlp.activation = combo_value(mlp_activation_);
  mlp.dropout = mlp_dropout_->value();
  mlp.batchnorm = mlp_batchnorm_->isChecked();
  return mlp;
}

ResNetConfig ModelEditor::resnetFromForm() const {
  ResNetConfig r;
  r.depth = resnet_depth_->currentText().toInt();
  r.stem = combo_value(resnet_stem_);
  return r;
}

InitConfig ModelEditor::initFromForm() const {
  InitConfig in;
  in.scheme = combo_value(init_scheme_);
  for (size_t i = 0; i < init_fields().size(); ++i) {
    const InitField& f = init_fields()[i];
    if (f.d) in.*(f.d) = static_cast<NumberBox*>(init_widgets_[i])->value();
    else if (f.s) in.*(f.s) = combo_value(static_cast<QComboBox*>(init_widgets_[i]));
    else in.*(f.b) = static_cast<QCheckBox*>(init_widgets_[i])->isChecked();
  }
  return in;
}

ModelConfig ModelEditor::model() const {
  ModelConfig m;
  const int mode = mode_->currentIndex();
  if (mode == kMlp) m.mlp = mlpFromForm();
  else if (mode == kResNet) m.resnet = resnetFromForm();
  else m.layers = layer_list_->layers(nullptr);
  m.init = initFromForm();
  const int start = start_from_->currentIndex();
  if (start == 1) m.init_from.run = start_run_->value();
  if (start == 2) m.init_from.file = start_file_->text().trimmed().toStdString();
  if (start == 3) m.init_from.pretrain = start_pretrain_->currentText().trimmed().toStdString();
  m.freeze = frozenFromForm();
  return m;
}

void ModelEditor::toLayerList() {
  ExperimentConfig c = current_();
  loading_ = true;
  layer_list_->setLayers(expanded_layers(c));
  mode_->setCurrentIndex(kLayers);
  loading_ = false;
  Q_EMIT edited();
}

void ModelEditor::updateVisibility() {
  const int mode = mode_->currentIndex();
  if (mode == kLayers && layer_list_->count() == 0 && !loading_) {
    // Switching to the layer list starts from the MLP it replaces.
    ExperimentConfig c = current_();
    c.model.layers.clear();
    c.model.resnet.reset();
    c.model.mlp = mlpFromForm();
    loading_ = true;
    layer_list_->setLayers(expanded_layers(c));
    loading_ = false;
  }
  mlp_box_->setVisible(mode == kMlp);
  resnet_box_->setVisible(mode == kResNet);
  layers_box_->setVisible(mode == kLayers);
  resnet_form_->setRowVisible(resnet_stem_, !resnet_is_cifar(resnetFromForm().depth));
  transfer_form_->setRowVisible(start_run_, start_from_->currentIndex() == 1);
  transfer_form_->setRowVisible(start_file_row_, start_from_->currentIndex() == 2);
  transfer_form_->setRowVisible(start_pretrain_row_, start_from_->currentIndex() == 3);
  updateFreezeBoxes(frozenFromForm());
  const InitConfig in = initFromForm();
  for (size_t i = 0; i < init_fields().size(); ++i)
    init_form_->setRowVisible(init_widgets_[i], init_field_applies(in, init_fields()[i]));
}

void ModelEditor::formProblems(QStringList& problems) const {
  const int mode = mode_->currentIndex();
  if (mode == kMlp) {
    for (const QString& part : hiddenParts()) {
      bool ok = false;
      part.toInt(&ok);
      if (!ok) problems << QString("model.mlp.hidden: \"%1\" is not a whole number").arg(part);
    }
  } else if (mode == kLayers) {
    layer_list_->layers(&problems);
  }
}

void ModelEditor::showSummary(const ModelSummary* s, const Shape& input) {
  summary_->setRowCount(0);
  if (!s) {
    summary_total_->setText("Fix the settings below to see the summary.");
    return;
  }
  summary_->setRowCount(static_cast<int>(s->layers.size()) + 1);
  summary_->setItem(0, 0, new QTableWidgetItem("input"));
  summary_->setItem(0, 1, new QTableWidgetItem(QString::fromStdString(shape_str(input))));
  summary_->setItem(0, 2, new QTableWidgetItem(""));
  for (size_t i = 0; i < s->layers.size(); ++i) {
    const LayerSummary& l = s->layers[i];
    const QString name = QString(4 * l.depth, ' ') + QString::fromStdString(l.name);  // a block's body, indented
    auto* item = new QTableWidgetItem(name);
    item->setToolTip(QString::fromStdString(l.name));  // whole, where the column is too narrow
    summary_->setItem(int(i) + 1, 0, item);
    summary_->setItem(int(i) + 1, 1, new QTableWidgetItem(QString::fromStdString(shape_str(l.output))));
    summary_->setItem(int(i) + 1, 2, new QTableWidgetItem(l.params ? QLocale().toString(qlonglong(l.params)) : ""));
  }
  summary_total_->setText(s->ok() ? QString("Total: %1 parameters, %2 MFLOP per sample (forward)")
                                        .arg(QLocale().toString(qlonglong(s->total_params)))
                                        .arg(s->forward_flops / 1e6, 0, 'f', 2)
                                  : QString("Shapes do not fit: see below"));
}

}  // namespace hyperlab
