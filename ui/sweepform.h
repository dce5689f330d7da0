// The sweep's definition as a form: its name, the settings to vary (a row
// each: key, how, values or range, grid points), the strategy and its
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
class QLabel;
class QLineEdit;
class QSpinBox;
class QTableWidget;

namespace hyperlab {

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

 private:
  ExperimentConfig base_;
  QLineEdit* name_;
  QLabel* base_label_;
  QTableWidget* params_;
  QComboBox *strategy_, *metric_, *mode_;
  QSpinBox *trials_n_, *min_epochs_, *max_epochs_, *repeats_, *workers_, *seed_;
  QDoubleSpinBox *eta_, *time_limit_;
  QCheckBox* fresh_;
};

}  // namespace hyperlab
