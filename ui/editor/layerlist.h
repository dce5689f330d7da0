// The model's layer list as an editable table: a row per layer (type, out,
// kernel, stride, padding, parameter, bias), only the type's own fields
// editable; add, duplicate, remove and reorder. Per-layer initialisation from
// a file is kept with its row. Emits edited() on every change made here.
#pragma once

#include <QWidget>

#include <optional>
#include <vector>

#include "config/experiment.h"

class QTableWidget;

namespace hyperlab {

class LayerListEditor : public QWidget {
  Q_OBJECT
 public:
  explicit LayerListEditor(QWidget* parent = nullptr);
  /// Replaces the rows (no edited() signal).
  void setLayers(const std::vector<LayerConfig>& layers);
  /// The rows as layers; a cell that is not a number is reported in errors
  /// ("model.layers[2].out: ...") and left at its default.
  std::vector<LayerConfig> layers(QStringList* errors) const;
  /// Appends a row.
  void addLayer(const LayerConfig& l);
  int count() const;
  QTableWidget* table() const { return layers_; }

 Q_SIGNALS:
  void edited();

 private:
  void setRow(int row, const LayerConfig& l);
  LayerConfig row(int row, QString* error) const;
  void moveRow(int from, int to);

  QTableWidget* layers_;
  std::vector<std::optional<InitConfig>> layer_inits_;
  bool filling_ = false;
};

}  // namespace hyperlab
