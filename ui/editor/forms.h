// Small layout helpers shared by the editor's tabs.
#pragma once

#include <QFormLayout>
#include <QStringList>

#include <string>
#include <vector>

namespace hyperlab {

/// A form with tight margins whose fields take the panel's width.
inline QFormLayout* compact_form(QWidget* parent) {
  auto* f = new QFormLayout(parent);
  f->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  f->setContentsMargins(6, 6, 6, 6);
  f->setVerticalSpacing(4);
  return f;
}

/// Names from a core table, for a combo box.
inline QStringList qt_list(const std::vector<std::string>& v) {
  QStringList l;
  for (const std::string& s : v) l << QString::fromStdString(s);
  return l;
}

}  // namespace hyperlab
