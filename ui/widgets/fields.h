// Small form widgets shared by the editors.
#pragma once

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSpinBox>

namespace hyperlab {

/// A number field that shows values compactly (1e-05, 0.001, 250) and keeps
/// up to 12 decimals, so values from a config survive a round trip.
class NumberBox : public QDoubleSpinBox {
  Q_OBJECT
 public:
  explicit NumberBox(double lo = 0, double hi = 1e9, double step = 0.1, QWidget* parent = nullptr);
  QString textFromValue(double v) const override;
  double valueFromText(const QString& text) const override;
  QValidator::State validate(QString& text, int& pos) const override;
};

/// A learning-rate field stepping on a log scale: 1e-4, 2e-4, 5e-4, 1e-3, ...
class LogNumberBox : public NumberBox {
  Q_OBJECT
 public:
  explicit LogNumberBox(double lo = 1e-8, double hi = 100, QWidget* parent = nullptr);
  void stepBy(int steps) override;
  /// The next value of the 1-2-5 sequence above (up) or below (down) v.
  static double step125(double v, bool up);
};

/// A combo box of fixed string values.
QComboBox* make_combo(const QStringList& values, QWidget* parent = nullptr);
void set_combo(QComboBox* c, const std::string& value);
std::string combo_value(const QComboBox* c);

}  // namespace hyperlab
