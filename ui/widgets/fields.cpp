#include "ui/widgets/fields.h"

#include <cmath>

namespace hyperlab {

NumberBox::NumberBox(double lo, double hi, double step, QWidget* parent) : QDoubleSpinBox(parent) {
  setDecimals(12);
  setRange(lo, hi);
  setSingleStep(step);
  setKeyboardTracking(false);
  setAccelerated(true);
}

QString NumberBox::textFromValue(double v) const { return QString::number(v, 'g', 10); }

double NumberBox::valueFromText(const QString& text) const { return text.trimmed().toDouble(); }

QValidator::State NumberBox::validate(QString& text, int&) const {
  const QString t = text.trimmed();
  if (t.isEmpty() || t == "-" || t == "." || t.endsWith('e') || t.endsWith("e-")) return QValidator::Intermediate;
  bool ok = false;
  double v = t.toDouble(&ok);
  if (!ok) return QValidator::Invalid;
  return v >= minimum() && v <= maximum() ? QValidator::Acceptable : QValidator::Intermediate;
}

LogNumberBox::LogNumberBox(double lo, double hi, QWidget* parent) : NumberBox(lo, hi, 1, parent) {
  setToolTip("Steps on a log scale (1, 2, 5 per decade); type any value");
}

double LogNumberBox::step125(double v, bool up) {
  if (!(v > 0)) return up ? 1e-4 : 0;
  const double e = std::floor(std::log10(v) + 1e-9);
  const double base = std::pow(10.0, e);
  static const double m[] = {1, 2, 5, 10, 20};
  if (up) {
    for (double k : m)
      if (k * base > v * (1 + 1e-9)) return k * base;
    return 10 * base;
  }
  for (int i = 3; i >= 0; --i) {
    double k = i == 0 ? 0.5 : m[i - 1];
    if (k * base < v * (1 - 1e-9)) return k * base;
  }
  return base / 2;
}

void LogNumberBox::stepBy(int steps) {
  double v = value();
  for (int i = 0; i < std::abs(steps); ++i) v = step125(v, steps > 0);
  setValue(std::clamp(v, minimum(), maximum()));
}

QComboBox* make_combo(const QStringList& values, QWidget* parent) {
  auto* c = new QComboBox(parent);
  c->addItems(values);
  return c;
}

void set_combo(QComboBox* c, const std::string& value) {
  int i = c->findText(QString::fromStdString(value));
  if (i < 0) {  // keep a value this build does not list (e.g. a cuda device not present)
    c->addItem(QString::fromStdString(value));
    i = c->count() - 1;
  }
  c->setCurrentIndex(i);
}

std::string combo_value(const QComboBox* c) { return c->currentText().toStdString(); }

}  // namespace hyperlab
