// Named variants in the Sweep form: a row per variant (its name and the
// settings it changes), each edited in the experiment's own editor, opened on
// the base config with the variant applied; what differs from the base becomes
// the variant's bundle of settings (core's config_changes).
#pragma once

#include <QGroupBox>

#include <string>
#include <utility>
#include <vector>

#include "config/experiment.h"
#include "sweep/strategy.h"

class QLineEdit;
class QTableWidget;

namespace hyperlab {

class VariantsEditor : public QGroupBox {
  Q_OBJECT
 public:
  using Variants = std::vector<std::pair<std::string, Settings>>;
  explicit VariantsEditor(QWidget* parent = nullptr);
  /// The config each variant changes.
  void setBase(const ExperimentConfig& c) { base_ = c; }
  void setVariants(const std::string& label, const Variants& v);
  Variants variants() const;
  std::string label() const;
  /// Adds a variant; with `edit`, opens its editor at once.
  void addVariant(const std::string& name, const Settings& set);
  /// Opens row `row` in the experiment editor (modal); true if accepted.
  bool editVariant(int row);
  QTableWidget* table() const { return table_; }

 Q_SIGNALS:
  void changed();

 private:
  void setRow(int row, const std::string& name, const Settings& set);
  ExperimentConfig base_;
  QLineEdit* label_;
  QTableWidget* table_;
};

}  // namespace hyperlab
