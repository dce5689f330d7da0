// The sweep's definition as a form: its name, the settings to vary (a row
// each: key, how, values or range, grid points), named variants (bundles of
// settings, each edited in the experiment editor), the strategy and its
// options, seeds per configuration, the objective, trials at once and a time
// budget, on top of a base experiment. sweep() builds the sweep file's spec
// through core's parser, so errors name the key as they do for a file.
#pragma once

#include <QWidget>

#include "config/experiment.h"
#include "sweep/sweep.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFrame;
class QGroupBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QToolButton;
class QVBoxLayout;

namespace hyperlab {

class VariantsEditor;

class SweepForm : public QWidget {
  Q_OBJECT
 public:
  explicit SweepForm(QWidget* parent = nullptr);
  /// The experiment every trial starts from.
  void setBaseConfig(const ExperimentConfig& c);
  /// The sweep the form describes; errors name the key.
  SweepResult sweep() const;
  /// Fills the form from a spec (not its base: see setBaseConfig).
  void setSweep(const SweepSpec& s);
  /// Adds a row (kind: values, choice, linear, log, uniform, log_uniform).
  void addParam(const QString& key, const QString& kind, const QString& values, int points = 5);
  QString name() const;
  /// "Start anew": do not resume an unfinished sweep of this name.
  bool startAnew() const;
  VariantsEditor* variantsEditor() const { return variants_; }
  /// "8 configurations × 5 seeds = 40 runs", or why the sweep cannot start.
  QString planText() const;
  /// A setting to vary, as the form shows it: the key on a line of its own
  /// (shown whole), below it how it varies, its values and grid points.
  struct ParamRow {
    QFrame* frame;
    QComboBox* key;
    QComboBox* how;
    QLineEdit* values;
    QSpinBox* points;
    QToolButton* remove;
  };
  const std::vector<ParamRow>& paramRows() const { return rows_; }

 Q_SIGNALS:
  /// Any edit (the plan line is updated already).
  void changed();

 private:
  ExperimentConfig base_;
  std::string description_;  // of a sweep read from a file or preset, kept as it was
  QLineEdit* name_;
  QLabel* base_label_;
  QVBoxLayout* params_;  // a frame per ParamRow
  std::vector<ParamRow> rows_;
  void removeParam(QFrame* frame);
  QComboBox *strategy_, *metric_, *mode_;
  QSpinBox *trials_n_, *min_epochs_, *max_epochs_, *repeats_, *workers_, *seed_;
  QDoubleSpinBox *eta_, *time_limit_;
  QCheckBox* fresh_;
  VariantsEditor* variants_;
  int variants_at_ = 0;  // where the edited variants stand among the sweep's parameters
  std::vector<std::pair<int, ParamSpec>> extra_variants_;  // further sets of variants, kept as read
  QLabel* plan_;
  void updatePlan();
  QGroupBox* buildSearch();
  QGroupBox* buildRunning();
};

}  // namespace hyperlab
