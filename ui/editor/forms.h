// Small layout helpers shared by the editor's tabs.
#pragma once

#include <QFormLayout>

namespace hyperlab {

/// A form with tight margins whose fields take the panel's width.
inline QFormLayout* compact_form(QWidget* parent) {
  auto* f = new QFormLayout(parent);
  f->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  f->setContentsMargins(6, 6, 6, 6);
  f->setVerticalSpacing(4);
  return f;
}

}  // namespace hyperlab
