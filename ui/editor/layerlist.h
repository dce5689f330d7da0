// The model's layers as an editable tree: a row per layer (type, out, kernel,
// stride, padding, parameter, bias), only the type's own fields editable, as
// the layer registry (model/layers.h) lists them. Blocks (sequential,
// residual) hold their body as child rows, expanded or collapsed. Add,
// add inside a block, duplicate, remove and reorder. Per-layer initialisation
// from a file is kept with its row. "+ Conv block" and "+ Dense block" add a
// conv, activation and pool, or a linear, activation (and dropout), with
// their sizes taken from the layers before them. Emits edited() on every
// change made here.
#pragma once

#include <QWidget>

#include <functional>
#include <map>
#include <vector>

#include "config/experiment.h"
#include "config/shapes.h"

class QCheckBox;
class QPushButton;
class QToolButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace hyperlab {

class LayerListEditor : public QWidget {
  Q_OBJECT
 public:
  explicit LayerListEditor(QWidget* parent = nullptr);
  /// Replaces the rows (no edited() signal).
  void setLayers(const std::vector<LayerConfig>& layers);
  /// The rows as layers; a cell that is not a number is reported in errors
  /// ("model.layers[2].body[0].out: ...") and left at its default.
  std::vector<LayerConfig> layers(QStringList* errors) const;
  /// Appends a row at the top level.
  void addLayer(const LayerConfig& l);
  int count() const;  ///< top-level rows
  QTreeWidget* tree() const { return tree_; }
  /// The row at `path` (indices from the top level down), or null.
  QTreeWidgetItem* item(const std::vector<int>& path) const;
  /// Selects the row at `path`.
  void select(const std::vector<int>& path);
  /// The tool buttons, by their text ("Add", "Add inside", ...), for tests.
  QToolButton* button(const QString& text) const;
  /// The model's input shape (from the data), for the blocks' sizes and
  /// whether a dense block needs a flatten before it.
  void setInputShape(std::function<Shape()> input) { input_ = std::move(input); }
  QPushButton* convBlockButton() const { return conv_block_; }
  QPushButton* denseBlockButton() const { return dense_block_; }
  /// Whether "+ Dense block" adds a dropout after the activation.
  QCheckBox* denseDropoutBox() const { return dense_dropout_; }
  enum class Block { Conv, Dense };
  /// Inserts a block: inside a block's body after the selected row; at the
  /// top level a conv block after the last layer with [C,H,W] output (before
  /// the flatten) and a dense block before the output layer.
  void addBlock(Block kind);

 Q_SIGNALS:
  void edited();

 private:
  using Edit = void (*)(std::vector<LayerConfig>& siblings, int row, std::vector<int>& selection);
  void fill(QTreeWidgetItem* parent, const std::vector<LayerConfig>& layers);
  void refill(const std::vector<LayerConfig>& layers);  ///< setLayers, keeping the dropout choice
  void setItem(QTreeWidgetItem* it, const LayerConfig& l);
  /// The row as a layer (of `as_type` when given, else the combo's type).
  LayerConfig read(QTreeWidgetItem* it, const QString& path, QStringList* errors, const std::string& as_type = "") const;
  std::vector<int> pathOf(const QTreeWidgetItem* it) const;
  /// Reads the rows, applies `edit` to the selected row's siblings, refills
  /// the tree and selects what the edit left in `selection`.
  void change(Edit edit);
  void changeType(QTreeWidgetItem* it, const std::string& type);
  void updateButtons();
  void fitTree();  ///< decoration, height and width for the rows shown

  QTreeWidget* tree_;
  std::map<const QTreeWidgetItem*, InitConfig> inits_;  // per-layer init, kept with its row
  std::vector<QToolButton*> buttons_;
  QPushButton *conv_block_, *dense_block_;
  QCheckBox* dense_dropout_;
  std::function<Shape()> input_;
  bool filling_ = false;
};

}  // namespace hyperlab
