// The Playground tab: optimizers racing on a 2-D function. Pick a function
// (or type one in x and y), set several optimizers side by side, click a start
// point on the contour map (drag it: the trajectories follow), and see the
// trajectories, log10(f - f*) and the distance to the minimum against the
// step, a step slider with animation, and each optimizer's final point, value
// and divergence. Everything is computed by core (playground/); the figure
// exports as PNG/SVG/PDF, the trajectories as CSV, the race as an animation
// (raceAnimation: one frame per slice of steps, the map with its legend).
#pragma once

#include <QTimer>
#include <QWidget>

#include <vector>

#include "ui/playground/contourview.h"
#include "ui/widgets/animation.h"
#include "playground/playground.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QScrollArea;
class QSlider;
class QSpinBox;
class QTableWidget;

namespace hyperlab {

class MetricChart;
class NumberBox;

class PlaygroundView : public QWidget {
  Q_OBJECT
 public:
  explicit PlaygroundView(QWidget* parent = nullptr);

  void loadPreset(const QString& name);
  /// A built-in function by name, or "expression" with the text in the field.
  void setFunction(const QString& name);
  /// Returns the error (with its position) or "". minimum: "x, y" of its
  /// known minimum ("" = none known).
  QString setExpression(const QString& text, const QString& minimum = QString());
  void setStart(double x, double y);
  void setSteps(int steps);
  /// Replaces the optimizers ("adam,lr=0.001" each).
  void setOptimizers(const QStringList& specs);
  /// Recomputes every trajectory (max_steps > 0: at most that many, for dragging).
  void recompute(int max_steps = 0);

  const std::vector<playground::Trajectory>& trajectories() const { return traj_; }
  ContourView* contour() const { return contour_; }
  MetricChart* errorChart() const { return error_; }
  MetricChart* distanceChart() const { return distance_; }
  QString legendText() const;
  QString error() const { return error_text_; }
  QString exportFigure(const QString& file);
  QString exportCsv(const QString& file) const;
  /// The race as frames: frame i = every path up to step i * steps / (frames - 1),
  /// on the map with its legend, at any size (unit "step").
  Animatable raceAnimation();
  /// The step frame i of raceAnimation() shows.
  int raceFrameStep(int i) const;
  int raceFrames() const;
  /// The settings column (function, start, optimizers), in its scroll area.
  QScrollArea* settingsArea() const { return settings_; }

 protected:
  void changeEvent(QEvent* e) override;
  bool eventFilter(QObject* o, QEvent* e) override;

 private:
  void buildControls(QWidget* host);
  QWidget* buildFunctionBox();
  QWidget* buildOptimizerBox();
  void connectFunctionControls();
  void addOptimizerRow(const playground::OptimizerSpec& o);
  std::vector<playground::OptimizerSpec> optimizers(QString* error) const;
  void updateViews();
  void onStep(int step);
  void fitSettings();
  void fitColumn();
  void showContextMenu(const QPoint& pos);
  void askExportFigure();
  void askExportCsv();
  int racedSteps() const;

  playground::Function f_;
  std::vector<playground::Trajectory> traj_;
  std::vector<QColor> colors_;
  std::vector<int> styles_;  ///< each trajectory's line style and marker: its row
  QScrollArea* settings_;
  QComboBox *preset_, *function_;
  QLineEdit *expr_, *minimum_;
  QLabel *formula_, *expr_error_, *legend_;
  NumberBox *param_, *start_x_, *start_y_;
  QSpinBox* steps_;
  QTableWidget* opts_;
  ContourView* contour_;
  MetricChart *error_, *distance_;
  QSlider* slider_;
  QPushButton* play_;
  QTimer anim_;
  QString error_text_;
  bool loading_ = false;
};

}  // namespace hyperlab
