// The editor's rows for a table of settings (train/optimizers.h): one field
// per setting, built from its kind, range, label and doc, shown only for the
// optimizer or schedule that uses it. The forms follow the tables, so a new
// optimizer or setting needs no editor code.
#pragma once

#include <QCheckBox>
#include <QFormLayout>
#include <QLabel>
#include <QSpinBox>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "train/optimizers.h"
#include "ui/editor/forms.h"
#include "ui/widgets/fields.h"

namespace hyperlab {

template <class C>
class SettingRows {
 public:
  /// Adds a row per setting to `form`. `choices` gives a Choice setting's
  /// values where the editor offers fewer than the config accepts.
  void build(QFormLayout* form, const std::vector<Setting<C>>& settings,
             const QStringList& monitor_choices = QStringList()) {
    form_ = form;
    for (const Setting<C>& s : settings) {
      QWidget* w = make(s, monitor_choices);
      w->setToolTip(QString::fromStdString(s.doc));
      form->addRow(s.kind == Setting<C>::Flag ? QString() : QString::fromStdString(s.label), w);
      rows_.emplace_back(&s, w);
    }
  }
  void load(const C& c) const {
    for (const auto& [s, w] : rows_) {
      switch (s->kind) {
        case Setting<C>::Number: static_cast<NumberBox*>(w)->setValue(c.*s->number); break;
        case Setting<C>::Integer: static_cast<QSpinBox*>(w)->setValue(c.*s->integer); break;
        case Setting<C>::Flag: static_cast<QCheckBox*>(w)->setChecked(c.*s->flag); break;
        case Setting<C>::Choice: set_combo(static_cast<QComboBox*>(w), c.*s->text); break;
      }
    }
  }
  void store(C& c) const {
    for (const auto& [s, w] : rows_) {
      switch (s->kind) {
        case Setting<C>::Number: c.*s->number = static_cast<NumberBox*>(w)->value(); break;
        case Setting<C>::Integer: c.*s->integer = static_cast<QSpinBox*>(w)->value(); break;
        case Setting<C>::Flag: c.*s->flag = static_cast<QCheckBox*>(w)->isChecked(); break;
        case Setting<C>::Choice: c.*s->text = combo_value(static_cast<QComboBox*>(w)); break;
      }
    }
  }
  /// Shows `key`'s doc (or `text`) as a grey line under its field, in the
  /// same row; the field's tooltip says it too.
  void addHint(const std::string& key, const QString& text = QString()) {
    for (const auto& [s, w] : rows_) {
      if (s->key != key || hosts_.count(w)) continue;
      int row = -1;
      QFormLayout::ItemRole role;
      form_->getWidgetPosition(w, &row, &role);
      if (row < 0) continue;
      const QFormLayout::TakeRowResult taken = form_->takeRow(row);
      QWidget* label = taken.labelItem ? taken.labelItem->widget() : nullptr;
      delete taken.labelItem;
      delete taken.fieldItem;
      QWidget* host = with_hint(w, text.isEmpty() ? QString::fromStdString(s->doc) : text);
      if (label) form_->insertRow(row, label, host);
      else form_->insertRow(row, host);
      hosts_[w] = host;
    }
  }
  /// Shows the rows `kind` (an OptimizerKind or SchedulerKind, or null: none) uses.
  template <class Kind>
  void showFor(const Kind* kind) const {
    for (const auto& [s, w] : rows_) {
      const auto h = hosts_.find(w);
      form_->setRowVisible(h == hosts_.end() ? w : h->second, kind && kind->uses(s->key));
    }
  }
  QWidget* widget(const std::string& key) const {
    for (const auto& [s, w] : rows_)
      if (s->key == key) return w;
    return nullptr;
  }
  std::vector<QWidget*> widgets() const {
    std::vector<QWidget*> v;
    for (const auto& r : rows_) v.push_back(r.second);
    return v;
  }

 private:
  static QWidget* make(const Setting<C>& s, const QStringList& monitor_choices) {
    switch (s.kind) {
      case Setting<C>::Number:
        if (s.log_scale) return new LogNumberBox(s.ui_lo, s.ui_hi);
        return new NumberBox(s.ui_lo, s.ui_hi, s.ui_step);
      case Setting<C>::Integer: {
        auto* b = new QSpinBox;
        b->setRange(static_cast<int>(s.lo), static_cast<int>(std::min(s.ui_hi, 1e9)));
        b->setKeyboardTracking(false);
        b->setAccelerated(true);
        if (!s.special.empty()) b->setSpecialValueText(QString::fromStdString(s.special));
        return b;
      }
      case Setting<C>::Flag: return new QCheckBox(QString::fromStdString(s.label));
      case Setting<C>::Choice: break;
    }
    QStringList values = monitor_choices;
    if (values.isEmpty())
      for (const std::string& v : s.choices()) values << QString::fromStdString(v);
    return make_combo(values);
  }

  QFormLayout* form_ = nullptr;
  std::vector<std::pair<const Setting<C>*, QWidget*>> rows_;
  std::map<const QWidget*, QWidget*> hosts_;  // a field with a hint -> the form's widget holding both
};

}  // namespace hyperlab
