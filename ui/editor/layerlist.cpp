#include "ui/editor/layerlist.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QTableWidget>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include "ui/widgets/fields.h"

namespace hyperlab {

namespace {

const QStringList kLayerTypes = {"linear", "conv2d", "maxpool2d", "avgpool2d", "flatten", "dropout",
                                 "batchnorm", "layernorm", "relu", "leaky_relu", "elu", "selu",
                                 "gelu", "sigmoid", "tanh"};
enum Col { kType, kOut, kKernel, kStride, kPadding, kParam, kBias, kCols };

}  // namespace

LayerListEditor::LayerListEditor(QWidget* parent) : QWidget(parent) {
  auto* lv = new QVBoxLayout(this);
  lv->setContentsMargins(0, 0, 0, 0);
  layers_ = new QTableWidget(0, kCols);
  layers_->setHorizontalHeaderLabels({"Type", "Out", "Kernel", "Stride", "Pad", "Param", "Bias"});
  layers_->horizontalHeaderItem(kParam)->setToolTip("dropout: p; leaky_relu: negative slope; elu: alpha");
  layers_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  layers_->horizontalHeader()->setSectionResizeMode(kType, QHeaderView::Stretch);
  layers_->horizontalHeader()->setMinimumSectionSize(36);
  layers_->verticalHeader()->setMinimumWidth(22);
  layers_->verticalHeader()->setDefaultSectionSize(24);
  layers_->setSelectionBehavior(QAbstractItemView::SelectRows);
  layers_->setSelectionMode(QAbstractItemView::SingleSelection);
  layers_->setMinimumHeight(260);
  lv->addWidget(layers_);
  auto* tools = new QHBoxLayout;
  auto tool = [&](const QString& text, const QString& tip) {
    auto* b = new QToolButton;
    b->setText(text);
    b->setToolTip(tip);
    tools->addWidget(b);
    return b;
  };
  QToolButton* add = tool("Add", "Add a layer after the selected one");
  QToolButton* dup = tool("Duplicate", "Duplicate the selected layer");
  QToolButton* rem = tool("Remove", "Remove the selected layer");
  QToolButton* up = tool("Up", "Move the selected layer up");
  QToolButton* down = tool("Down", "Move the selected layer down");
  tools->addStretch(1);
  lv->addLayout(tools);
  connect(add, &QToolButton::clicked, this, [this] {
    int r = layers_->currentRow() < 0 ? layers_->rowCount() : layers_->currentRow() + 1;
    LayerConfig l;
    l.type = "linear", l.out = 64;
    layers_->insertRow(r);
    layer_inits_.insert(layer_inits_.begin() + r, std::nullopt);
    setRow(r, l);
    layers_->selectRow(r);
    Q_EMIT edited();
  });
  connect(dup, &QToolButton::clicked, this, [this] {
    int r = layers_->currentRow();
    if (r < 0) return;
    LayerConfig l = row(r, nullptr);
    layers_->insertRow(r + 1);
    layer_inits_.insert(layer_inits_.begin() + r + 1, layer_inits_[r]);
    setRow(r + 1, l);
    layers_->selectRow(r + 1);
    Q_EMIT edited();
  });
  connect(rem, &QToolButton::clicked, this, [this] {
    int r = layers_->currentRow();
    if (r < 0) return;
    layers_->removeRow(r);
    layer_inits_.erase(layer_inits_.begin() + r);
    Q_EMIT edited();
  });
  connect(up, &QToolButton::clicked, this, [this] {
    int r = layers_->currentRow();
    if (r > 0) moveRow(r, r - 1);
  });
  connect(down, &QToolButton::clicked, this, [this] {
    int r = layers_->currentRow();
    if (r >= 0 && r + 1 < layers_->rowCount()) moveRow(r, r + 1);
  });
  connect(layers_, &QTableWidget::itemChanged, this, [this] {
    if (!filling_) Q_EMIT edited();
  });
}

int LayerListEditor::count() const { return layers_->rowCount(); }

void LayerListEditor::setRow(int r, const LayerConfig& l) {
  const bool was = filling_;
  filling_ = true;
  auto* type = new QComboBox;
  type->addItems(kLayerTypes);
  set_combo(type, l.type);
  layers_->setCellWidget(r, kType, type);
  connect(type, &QComboBox::currentIndexChanged, this, [this, type] {
    // Re-fill the row so the type's fields (and only those) are editable.
    for (int i = 0; i < layers_->rowCount(); ++i)
      if (layers_->cellWidget(i, kType) == type) {
        LayerConfig l = row(i, nullptr);
        if ((l.type == "linear" || l.type == "conv2d") && l.out <= 0) l.out = l.type == "linear" ? 64 : 16;
        if (l.type.find("pool") != std::string::npos) l.kernel = l.stride = 2;
        QTimer::singleShot(0, this, [this, i, l] {
          if (i < layers_->rowCount()) setRow(i, l), Q_EMIT edited();
        });
      }
  });
  const bool weights = l.type == "linear" || l.type == "conv2d";
  const bool spatial = l.type == "conv2d" || l.type.find("pool") != std::string::npos;
  const bool param = l.type == "dropout" || l.type == "leaky_relu" || l.type == "elu";
  auto cell = [&](int col, bool on, const QString& text) {
    auto* it = new QTableWidgetItem(on ? text : QString());
    if (!on) it->setFlags(Qt::ItemIsEnabled), it->setBackground(palette().color(QPalette::Window));
    layers_->setItem(r, col, it);
  };
  cell(kOut, weights, QString::number(l.out));
  cell(kKernel, spatial, QString::number(l.kernel));
  cell(kStride, spatial, QString::number(l.stride));
  cell(kPadding, spatial, QString::number(l.padding));
  double pv = l.type == "dropout" ? l.p : l.type == "leaky_relu" ? l.slope : l.alpha;
  cell(kParam, param, QString::number(pv, 'g', 10));
  auto* bias = new QTableWidgetItem;
  if (weights) {
    bias->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable | Qt::ItemIsSelectable);
    bias->setCheckState(l.bias ? Qt::Checked : Qt::Unchecked);
  } else {
    bias->setFlags(Qt::ItemIsEnabled);
    bias->setBackground(palette().color(QPalette::Window));
  }
  layers_->setItem(r, kBias, bias);
  filling_ = was;
}

LayerConfig LayerListEditor::row(int r, QString* error) const {
  LayerConfig l;
  auto* type = qobject_cast<QComboBox*>(layers_->cellWidget(r, kType));
  l.type = type ? combo_value(type) : "linear";
  const bool pool = l.type.find("pool") != std::string::npos;
  if (pool) l.kernel = l.stride = 2;
  auto num = [&](int col, double& out, const char* what) {
    QTableWidgetItem* it = layers_->item(r, col);
    if (!it || !(it->flags() & Qt::ItemIsEditable)) return;
    bool ok = false;
    double v = it->text().trimmed().toDouble(&ok);
    if (ok) out = v;
    else if (error && error->isEmpty())
      *error = QString("model.layers[%1].%2: \"%3\" is not a number").arg(r).arg(what, it->text());
  };
  double out = l.out, kernel = l.kernel, stride = l.stride, padding = l.padding, param = 0;
  num(kOut, out, "out");
  num(kKernel, kernel, "kernel");
  num(kStride, stride, "stride");
  num(kPadding, padding, "padding");
  l.out = static_cast<int>(out), l.kernel = static_cast<int>(kernel), l.stride = static_cast<int>(stride);
  l.padding = static_cast<int>(padding);
  if (l.type == "dropout") param = l.p, num(kParam, param, "p"), l.p = param;
  if (l.type == "leaky_relu") param = l.slope, num(kParam, param, "slope"), l.slope = param;
  if (l.type == "elu") param = l.alpha, num(kParam, param, "alpha"), l.alpha = param;
  if (QTableWidgetItem* b = layers_->item(r, kBias); b && (b->flags() & Qt::ItemIsUserCheckable))
    l.bias = b->checkState() == Qt::Checked;
  if (size_t(r) < layer_inits_.size()) l.init = layer_inits_[r];
  return l;
}

void LayerListEditor::addLayer(const LayerConfig& l) {
  int r = layers_->rowCount();
  layers_->insertRow(r);
  layer_inits_.push_back(l.init);
  setRow(r, l);
  Q_EMIT edited();
}

void LayerListEditor::moveRow(int from, int to) {
  LayerConfig a = row(from, nullptr), b = row(to, nullptr);
  std::swap(layer_inits_[from], layer_inits_[to]);
  a.init = layer_inits_[to], b.init = layer_inits_[from];
  setRow(to, a);
  setRow(from, b);
  layers_->selectRow(to);
  Q_EMIT edited();
}

void LayerListEditor::setLayers(const std::vector<LayerConfig>& layers) {
  layers_->setRowCount(0);
  layer_inits_.clear();
  layers_->setRowCount(static_cast<int>(layers.size()));
  for (size_t i = 0; i < layers.size(); ++i) {
    layer_inits_.push_back(layers[i].init);
    setRow(static_cast<int>(i), layers[i]);
  }
}

std::vector<LayerConfig> LayerListEditor::layers(QStringList* errors) const {
  std::vector<LayerConfig> out;
  for (int r = 0; r < layers_->rowCount(); ++r) {
    QString err;
    out.push_back(row(r, &err));
    if (!err.isEmpty() && errors) errors->push_back(err);
  }
  return out;
}

}  // namespace hyperlab
