#include "ui/editor/layerlist.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QPushButton>
#include <QStyle>
#include <QStyleOptionComboBox>
#include <QHeaderView>
#include <QStyledItemDelegate>
#include <QTimer>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

#include "model/layers.h"
#include "ui/widgets/fields.h"

namespace hyperlab {

namespace {

enum Col { kType, kOut, kKernel, kStride, kPadding, kParam, kBias, kCols };
constexpr int kEditableRole = Qt::UserRole + 1;

// The column a field is edited in: its own for the common ones, else "Param".
int column_of(const LayerField& f) {
  if (f.key == "out") return kOut;
  if (f.key == "kernel") return kKernel;
  if (f.key == "stride") return kStride;
  if (f.key == "padding") return kPadding;
  if (f.key == "bias") return kBias;
  return kParam;
}

// A new layer of `type`: its defaults, required fields at their suggested values.
LayerConfig starting_layer(const std::string& type) {
  LayerConfig l = default_layer(type);
  if (const LayerType* t = find_layer_type(type))
    for (const LayerField& f : t->fields)
      if (f.required) f.set_number(l, f.suggested);
  return l;
}

// Only the cells of the row's own fields open an editor.
class CellDelegate : public QStyledItemDelegate {
 public:
  using QStyledItemDelegate::QStyledItemDelegate;
  QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem& o, const QModelIndex& i) const override {
    return i.data(kEditableRole).toBool() ? QStyledItemDelegate::createEditor(parent, o, i) : nullptr;
  }
};

// ---- the blocks' defaults, from the registry and the layers before them ----

const LayerField* field_of(const std::string& type, const std::string& key) {
  if (const LayerType* t = find_layer_type(type))
    for (const LayerField& f : t->fields)
      if (f.key == key) return &f;
  return nullptr;
}
bool is_activation(const LayerConfig& l) {
  const LayerType* t = find_layer_type(l.type);
  return t && t->activation;
}
// A pooling layer: a window but no weights of its own.
bool is_pool(const LayerConfig& l) { return field_of(l.type, "kernel") && !field_of(l.type, "out"); }

using Layers = std::vector<const LayerConfig*>;
void collect(const LayerConfig& l, Layers& out) {  // in order, a block's body after it
  out.push_back(&l);
  for (const LayerConfig& b : l.body) collect(b, out);
}
template <class Pred>
const LayerConfig* last_of(const Layers& ls, Pred pred) {
  for (auto i = ls.rbegin(); i != ls.rend(); ++i)
    if (pred(**i)) return *i;
  return nullptr;
}
// A copy of a layer's own settings, without a body or per-layer init.
LayerConfig settings_of(const LayerConfig& l) {
  LayerConfig c = l;
  c.body.clear();
  c.init.reset();
  return c;
}

// Shape inference over `layers` from `in` (empty: unknown, or they do not fit).
Shape shape_through(const std::vector<LayerConfig>& layers, const Shape& in) {
  if (in.empty()) return {};
  ModelSummary m;
  Shape out;
  return infer_layers(layers, in, "", m, out) ? out : Shape{};
}
bool fits(const std::vector<LayerConfig>& layers, const Shape& in) { return !shape_through(layers, in).empty(); }

// A conv block goes after the last layer whose output is an image (before
// the flatten or global pool); without shapes, before the first flatten.
int conv_place(const std::vector<LayerConfig>& layers, Shape s) {
  const int n = static_cast<int>(layers.size());
  for (int i = 0; i < n && s.size() == 3; ++i) {
    s = shape_through({layers[i]}, s);
    if (s.size() != 3 && !s.empty()) return i;
  }
  for (int i = 0; i < n; ++i)
    if (layers[i].type == "flatten") return i;
  return n;
}
// A dense block goes before the output layer (the last linear one).
int dense_place(const std::vector<LayerConfig>& layers) {
  for (int i = static_cast<int>(layers.size()) - 1; i >= 0; --i)
    if (layers[i].type == "linear") return i;
  return static_cast<int>(layers.size());
}

// The network's activation: the last one before, else its first, else the MLP's default.
LayerConfig activation_for(const Layers& before, const std::vector<LayerConfig>& all) {
  if (const LayerConfig* a = last_of(before, is_activation)) return settings_of(*a);
  Layers every;
  for (const LayerConfig& l : all) collect(l, every);
  for (const LayerConfig* a : every)
    if (is_activation(*a)) return settings_of(*a);
  return default_layer(MlpConfig{}.activation);
}

// conv (twice the previous conv's channels, its kernel, padding keeping the
// size), the activation, the previous pool (or the registry's max-pool).
std::vector<LayerConfig> conv_block(const Layers& before, const std::vector<LayerConfig>& all, const Shape& in) {
  LayerConfig conv = starting_layer("conv2d");
  if (const LayerConfig* prev = last_of(before, [](const LayerConfig& l) { return l.type == "conv2d"; })) {
    conv.out = 2 * prev->out;
    conv.kernel = prev->kernel;
    conv.bias = prev->bias;
  }
  if (field_of(conv.type, "padding")) conv.padding = conv.kernel / 2;
  const LayerConfig* pool = last_of(before, is_pool);
  std::vector<LayerConfig> block = {conv, activation_for(before, all),
                                    pool ? settings_of(*pool) : default_layer("maxpool2d")};
  if (!fits(block, in) && fits({block[0], block[1]}, in)) block.pop_back();  // the image is too small to pool
  return block;
}

// linear (the previous linear's width), the activation, a dropout (the
// previous one's p); a flatten first when the input is not flat yet.
std::vector<LayerConfig> dense_block(const Layers& before, const std::vector<LayerConfig>& all, const Shape& in,
                                     bool dropout) {
  LayerConfig linear = starting_layer("linear");
  if (const LayerConfig* prev = last_of(before, [](const LayerConfig& l) { return l.type == "linear"; })) {
    linear.out = prev->out;
    linear.bias = prev->bias;
  }
  std::vector<LayerConfig> block = {linear, activation_for(before, all)};
  if (dropout) {
    const LayerConfig* prev = last_of(before, [](const LayerConfig& l) { return l.type == "dropout"; });
    block.push_back(prev ? settings_of(*prev) : default_layer("dropout"));
  }
  const LayerConfig flatten = default_layer("flatten");
  if (!fits({linear}, in) && fits({flatten, linear}, in)) block.insert(block.begin(), flatten);
  return block;
}

QString param_tooltip() {
  QStringList parts;
  for (const LayerType& t : layer_types())
    for (const LayerField& f : t.fields)
      if (column_of(f) == kParam) parts << QString::fromStdString(t.name + ": " + f.key + " (" + f.doc + ")");
  return parts.join("\n");
}

}  // namespace

LayerListEditor::LayerListEditor(QWidget* parent) : QWidget(parent) {
  auto* lv = new QVBoxLayout(this);
  lv->setContentsMargins(0, 0, 0, 0);
  tree_ = new QTreeWidget;
  tree_->setColumnCount(kCols);
  tree_->setHeaderLabels({"Type", "Out", "Kernel", "Stride", "Pad", "Param", "Bias"});
  tree_->headerItem()->setToolTip(kParam, param_tooltip());
  tree_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
  tree_->header()->setSectionResizeMode(kType, QHeaderView::Stretch);
  tree_->header()->setStretchLastSection(false);
  tree_->header()->setMinimumSectionSize(36);
  tree_->setItemDelegate(new CellDelegate(tree_));
  tree_->setEditTriggers(QAbstractItemView::AllEditTriggers);
  tree_->setSelectionBehavior(QAbstractItemView::SelectRows);
  tree_->setSelectionMode(QAbstractItemView::SingleSelection);
  tree_->setIndentation(20);  // a block's body stands clearly inside it
  lv->addWidget(tree_);
  auto* tools = new QHBoxLayout;
  auto tool = [&](const QString& text, const QString& tip, Edit edit) {
    auto* b = new QToolButton;
    b->setText(text);
    b->setToolTip(tip);
    tools->addWidget(b);
    buttons_.push_back(b);
    connect(b, &QToolButton::clicked, this, [this, edit] { change(edit); });
  };
  tool("Add", "Add a layer after the selected one", [](std::vector<LayerConfig>& sib, int row, std::vector<int>& sel) {
    const int at = row < 0 ? static_cast<int>(sib.size()) : row + 1;
    sib.insert(sib.begin() + at, starting_layer("linear"));
    if (sel.empty()) sel.push_back(at);
    else sel.back() = at;
  });
  tool("Add inside", "Add a layer at the end of the selected block's body",
       [](std::vector<LayerConfig>& sib, int row, std::vector<int>& sel) {
         if (row < 0 || !find_layer_type(sib[row].type) || !find_layer_type(sib[row].type)->body) return;
         sib[row].body.push_back(starting_layer("linear"));
         sel.push_back(static_cast<int>(sib[row].body.size()) - 1);
       });
  tool("Duplicate", "Duplicate the selected layer", [](std::vector<LayerConfig>& sib, int row, std::vector<int>& sel) {
    if (row < 0) return;
    sib.insert(sib.begin() + row + 1, sib[row]);
    sel.back() = row + 1;
  });
  tool("Remove", "Remove the selected layer (and a block's body)",
       [](std::vector<LayerConfig>& sib, int row, std::vector<int>& sel) {
         if (row < 0) return;
         sib.erase(sib.begin() + row);
         if (sib.empty()) sel.pop_back();
         else sel.back() = std::min(row, static_cast<int>(sib.size()) - 1);
       });
  tool("Up", "Move the selected layer up", [](std::vector<LayerConfig>& sib, int row, std::vector<int>& sel) {
    if (row <= 0) return;
    std::swap(sib[row], sib[row - 1]);
    sel.back() = row - 1;
  });
  tool("Down", "Move the selected layer down", [](std::vector<LayerConfig>& sib, int row, std::vector<int>& sel) {
    if (row < 0 || row + 1 >= static_cast<int>(sib.size())) return;
    std::swap(sib[row], sib[row + 1]);
    sel.back() = row + 1;
  });
  for (auto [text, arrow] : {std::pair{"Up", QStyle::SP_ArrowUp}, std::pair{"Down", QStyle::SP_ArrowDown}}) {
    QToolButton* b = button(text);  // arrows keep the row narrow; the text stays the button's name
    b->setIcon(style()->standardIcon(arrow));
    b->setToolButtonStyle(Qt::ToolButtonIconOnly);
  }
  tools->addStretch(1);
  lv->addLayout(tools);
  auto* blocks = new QHBoxLayout;
  conv_block_ = new QPushButton("+ Conv block");
  conv_block_->setToolTip("Add conv2d (twice the previous conv's channels, same kernel, padding keeping the size), "
                          "the network's activation and a pool, after the last convolutional layer");
  dense_block_ = new QPushButton("+ Dense block");
  dense_block_->setToolTip("Add linear (the previous linear layer's width), the network's activation and, if "
                           "ticked, dropout, before the output layer (with a flatten first if the input is an image)");
  dense_dropout_ = new QCheckBox("with dropout");
  dense_dropout_->setToolTip("+ Dense block adds a dropout layer after the activation (the previous dropout's p)");
  blocks->addWidget(conv_block_);
  blocks->addWidget(dense_block_);
  blocks->addWidget(dense_dropout_);
  blocks->addStretch(1);
  lv->addLayout(blocks);
  connect(conv_block_, &QPushButton::clicked, this, [this] { addBlock(Block::Conv); });
  connect(dense_block_, &QPushButton::clicked, this, [this] { addBlock(Block::Dense); });
  connect(tree_, &QTreeWidget::itemChanged, this, [this] {
    if (!filling_) Q_EMIT edited();
  });
  connect(tree_, &QTreeWidget::currentItemChanged, this, &LayerListEditor::updateButtons);
  updateButtons();
}

int LayerListEditor::count() const { return tree_->topLevelItemCount(); }

QToolButton* LayerListEditor::button(const QString& text) const {
  for (QToolButton* b : buttons_)
    if (b->text() == text) return b;
  return nullptr;
}

void LayerListEditor::updateButtons() {
  QTreeWidgetItem* it = tree_->currentItem();
  const bool block = it && it->childIndicatorPolicy() == QTreeWidgetItem::ShowIndicator;
  if (QToolButton* b = button("Add inside")) b->setEnabled(block);
}

void LayerListEditor::setItem(QTreeWidgetItem* it, const LayerConfig& l) {
  const bool was = filling_;
  filling_ = true;
  const LayerType* t = find_layer_type(l.type);
  auto* type = make_combo([] {
    QStringList names;
    for (const std::string& n : layer_type_names()) names << QString::fromStdString(n);
    return names;
  }());
  set_combo(type, l.type);
  it->setData(kType, Qt::UserRole, QString::fromStdString(l.type));  // the type its cells show, when the combo changes
  if (t) type->setToolTip(QString::fromStdString(t->doc));
  tree_->setItemWidget(it, kType, type);
  connect(type, &QComboBox::currentIndexChanged, this, [this, type] {
    for (QTreeWidgetItemIterator i(tree_); *i; ++i)
      if (tree_->itemWidget(*i, kType) == type) changeType(*i, combo_value(type));
  });
  it->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsEditable | Qt::ItemIsUserCheckable);
  for (int c = 1; c < kCols; ++c) {
    it->setData(c, kEditableRole, false);
    it->setBackground(c, palette().color(QPalette::Window));
  }
  for (const LayerField& f : t ? t->fields : std::vector<LayerField>{}) {
    const int c = column_of(f);
    it->setBackground(c, QBrush());
    it->setToolTip(c, QString::fromStdString(f.key + ": " + f.doc));
    if (f.kind == FieldKind::Bool) {
      it->setCheckState(c, l.*(f.b) ? Qt::Checked : Qt::Unchecked);
    } else if (f.kind == FieldKind::Choice) {
      QStringList choices;
      for (const std::string& s : f.choices) choices << QString::fromStdString(s);
      auto* box = make_combo(choices);
      set_combo(box, l.*(f.s));
      box->setToolTip(it->toolTip(c));
      tree_->setItemWidget(it, c, box);
      connect(box, &QComboBox::currentIndexChanged, this, [this] {
        if (!filling_) Q_EMIT edited();
      });
    } else if (f.kind == FieldKind::Text) {
      it->setData(c, kEditableRole, true);
      it->setText(c, QString::fromStdString(l.*(f.s)));
    } else {
      it->setData(c, kEditableRole, true);
      it->setText(c, QString::number(f.number(l), 'g', 10));
    }
  }
  if (l.init) inits_[it] = *l.init;
  if (t && t->body) {
    QFont bold = type->font();
    bold.setBold(true);
    type->setFont(bold);
    it->setChildIndicatorPolicy(QTreeWidgetItem::ShowIndicator);
    it->setToolTip(kType, "A block: its body is the rows inside it (Add inside adds one)");
  }
  filling_ = was;
}

void LayerListEditor::fill(QTreeWidgetItem* parent, const std::vector<LayerConfig>& layers) {
  for (const LayerConfig& l : layers) {
    auto* it = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(tree_);
    setItem(it, l);
    fill(it, l.body);
  }
}

void LayerListEditor::setLayers(const std::vector<LayerConfig>& layers) {
  dense_dropout_->setChecked(contains_layer(layers, "dropout"));  // a network with dropout keeps using it
  refill(layers);
}

void LayerListEditor::refill(const std::vector<LayerConfig>& layers) {
  const bool was = filling_;
  filling_ = true;
  tree_->clear();
  inits_.clear();
  fill(nullptr, layers);
  tree_->expandAll();
  filling_ = was;
  fitTree();
  updateButtons();
}

void LayerListEditor::fitTree() {
  // The expand arrows' column only when a top-level row is a block: a plain
  // list gives its width to the type names.
  bool blocks = false;
  for (int r = 0; r < tree_->topLevelItemCount(); ++r)
    blocks |= tree_->topLevelItem(r)->childIndicatorPolicy() == QTreeWidgetItem::ShowIndicator;
  tree_->setRootIsDecorated(blocks);
  tree_->doItemsLayout();
  // Tall enough for every row (up to kMaxRows): no scroll bar of its own, so
  // the whole network is in view and the page scrolls instead.
  constexpr int kMaxRows = 30;
  int rows = 0, row_height = 0, type_width = 0;
  for (QTreeWidgetItemIterator i(tree_); *i; ++i) {
    ++rows;
    row_height = std::max(row_height, tree_->visualItemRect(*i).height());
    int depth = blocks ? 1 : 0;
    for (const QTreeWidgetItem* p = (*i)->parent(); p; p = p->parent()) ++depth;
    if (auto* type = qobject_cast<QComboBox*>(tree_->itemWidget(*i, kType))) {
      QStyleOptionComboBox opt;
      opt.initFrom(type);
      const QSize text(type->fontMetrics().horizontalAdvance(type->currentText()), type->fontMetrics().height());
      type_width = std::max(type_width, depth * tree_->indentation() +
                                            type->style()->sizeFromContents(QStyle::CT_ComboBox, &opt, text, type).width());
    }
  }
  // Wide enough for the longest type name in use (at its depth) beside the
  // other columns, up to what still fits beside the views at 1280 pixels;
  // past that (deeply nested blocks) the names keep their width and the
  // tree scrolls sideways to the other columns.
  constexpr int kMaxWidth = 370;
  const int frame = 2 * tree_->frameWidth();
  const int bar = tree_->style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, tree_);
  int others = 0;
  for (int c = kOut; c < kCols; ++c)
    others += std::max(tree_->header()->sectionSizeHint(c),
                       static_cast<const QAbstractItemView*>(tree_)->sizeHintForColumn(c));
  const int need = type_width + others + frame + (rows > kMaxRows ? bar : 0);
  const bool fits = need <= kMaxWidth;
  tree_->header()->setSectionResizeMode(kType, fits ? QHeaderView::Stretch : QHeaderView::Interactive);
  if (!fits) tree_->header()->resizeSection(kType, type_width);
  tree_->setMinimumWidth(std::min(kMaxWidth, need));
  tree_->setMinimumHeight(std::max(260, tree_->header()->sizeHint().height() + std::min(rows, kMaxRows) * row_height +
                                            frame + (fits ? 0 : bar)));
}

LayerConfig LayerListEditor::read(QTreeWidgetItem* it, const QString& path, QStringList* errors,
                                  const std::string& as_type) const {
  auto* type = qobject_cast<QComboBox*>(tree_->itemWidget(it, kType));
  LayerConfig l = default_layer(!as_type.empty() ? as_type : type ? combo_value(type) : "linear");
  if (const LayerType* t = find_layer_type(l.type)) {
    for (const LayerField& f : t->fields) {
      const int c = column_of(f);
      if (f.kind == FieldKind::Bool) {
        l.*(f.b) = it->checkState(c) == Qt::Checked;
      } else if (f.kind == FieldKind::Choice) {
        if (auto* box = qobject_cast<QComboBox*>(tree_->itemWidget(it, c))) l.*(f.s) = combo_value(box);
      } else if (f.kind == FieldKind::Text) {
        l.*(f.s) = it->text(c).trimmed().toStdString();
      } else {
        bool ok = false;
        const double v = it->text(c).trimmed().toDouble(&ok);
        if (ok) f.set_number(l, v);
        else if (errors)
          *errors << QString("%1.%2: \"%3\" is not a number").arg(path, QString::fromStdString(f.key), it->text(c));
      }
    }
  }
  if (auto i = inits_.find(it); i != inits_.end()) l.init = i->second;
  for (int k = 0; k < it->childCount(); ++k)
    l.body.push_back(read(it->child(k), QString("%1.body[%2]").arg(path).arg(k), errors));
  return l;
}

std::vector<LayerConfig> LayerListEditor::layers(QStringList* errors) const {
  std::vector<LayerConfig> out;
  for (int r = 0; r < tree_->topLevelItemCount(); ++r)
    out.push_back(read(tree_->topLevelItem(r), QString("model.layers[%1]").arg(r), errors));
  return out;
}

std::vector<int> LayerListEditor::pathOf(const QTreeWidgetItem* it) const {
  std::vector<int> path;
  for (; it; it = it->parent())
    path.insert(path.begin(), it->parent() ? it->parent()->indexOfChild(const_cast<QTreeWidgetItem*>(it))
                                           : tree_->indexOfTopLevelItem(const_cast<QTreeWidgetItem*>(it)));
  return path;
}

QTreeWidgetItem* LayerListEditor::item(const std::vector<int>& path) const {
  QTreeWidgetItem* it = nullptr;
  for (int k : path) {
    const int n = it ? it->childCount() : tree_->topLevelItemCount();
    if (k < 0 || k >= n) return nullptr;
    it = it ? it->child(k) : tree_->topLevelItem(k);
  }
  return it;
}

void LayerListEditor::select(const std::vector<int>& path) {
  if (QTreeWidgetItem* it = item(path)) tree_->setCurrentItem(it);
  updateButtons();
}

void LayerListEditor::change(Edit edit) {
  std::vector<LayerConfig> root = layers(nullptr);
  std::vector<int> sel = tree_->currentItem() ? pathOf(tree_->currentItem()) : std::vector<int>{};
  std::vector<LayerConfig>* siblings = &root;
  for (size_t k = 0; k + 1 < sel.size(); ++k) siblings = &(*siblings)[sel[k]].body;
  edit(*siblings, sel.empty() ? -1 : sel.back(), sel);
  refill(root);
  select(sel);
  Q_EMIT edited();
}

void LayerListEditor::changeType(QTreeWidgetItem* it, const std::string& type) {
  // Re-fill the tree (later: the combo that asks is part of it) so the type's
  // fields, and only those, are editable. Fields both types have, with the
  // same default, keep their values; a block keeps its body.
  const std::vector<int> path = pathOf(it);
  const LayerConfig old = read(it, QString(), nullptr, it->data(kType, Qt::UserRole).toString().toStdString());
  QTimer::singleShot(0, this, [this, path, type, old] {
    std::vector<LayerConfig> root = layers(nullptr);
    std::vector<LayerConfig>* siblings = &root;
    for (size_t k = 0; k + 1 < path.size(); ++k) siblings = &(*siblings)[path[k]].body;
    if (path.empty() || path.back() >= static_cast<int>(siblings->size())) return;
    LayerConfig fresh = starting_layer(type);
    const LayerType* t = find_layer_type(type);
    const LayerType* was = find_layer_type(old.type);
    for (const LayerField& f : t ? t->fields : std::vector<LayerField>{})
      for (const LayerField& g : was ? was->fields : std::vector<LayerField>{})
        if (g.key == f.key && g.default_text(default_layer(old.type)) == f.default_text(default_layer(type))) {
          if (f.s) fresh.*(f.s) = old.*(g.s);
          else if (!f.required || g.number(old) > 0) f.set_number(fresh, g.number(old));
        }
    if (t && t->body) fresh.body = old.body;
    if (t && t->init) fresh.init = old.init;
    (*siblings)[path.back()] = fresh;
    refill(root);
    select(path);
    Q_EMIT edited();
  });
}

void LayerListEditor::addBlock(Block kind) {
  std::vector<LayerConfig> root = layers(nullptr);
  std::vector<int> sel = tree_->currentItem() ? pathOf(tree_->currentItem()) : std::vector<int>{};
  if (sel.size() < 2) sel.clear();  // at the top level a block goes where it belongs, not after the row clicked last
  // The siblings it joins, the layers before it and the shape it receives.
  std::vector<LayerConfig>* siblings = &root;
  Layers before;
  Shape shape = input_ ? input_() : Shape{};
  for (size_t k = 0; k + 1 < sel.size(); ++k) {
    for (int i = 0; i < sel[k]; ++i) collect((*siblings)[i], before);
    shape = shape_through({siblings->begin(), siblings->begin() + sel[k]}, shape);
    siblings = &(*siblings)[sel[k]].body;
  }
  const int at = !sel.empty() ? sel.back() + 1 : kind == Block::Conv ? conv_place(root, shape) : dense_place(root);
  for (int i = 0; i < at; ++i) collect((*siblings)[i], before);
  shape = shape_through({siblings->begin(), siblings->begin() + at}, shape);
  const std::vector<LayerConfig> block =
      kind == Block::Conv ? conv_block(before, root, shape) : dense_block(before, root, shape, dense_dropout_->isChecked());
  siblings->insert(siblings->begin() + at, block.begin(), block.end());
  if (sel.empty()) sel.push_back(0);
  sel.back() = at + static_cast<int>(block.size()) - 1;
  refill(root);
  select(sel);
  tree_->scrollToItem(tree_->currentItem());
  Q_EMIT edited();
}

void LayerListEditor::addLayer(const LayerConfig& l) {
  const bool was = filling_;
  filling_ = true;
  fill(nullptr, {l});
  tree_->expandAll();
  filling_ = was;
  fitTree();
  Q_EMIT edited();
}

}  // namespace hyperlab
