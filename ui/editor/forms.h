// Small layout helpers shared by the editor's tabs and the sweep form.
#pragma once

#include <QEvent>
#include <QFormLayout>
#include <QLabel>
#include <QScrollArea>
#include <QScrollBar>
#include <QStringList>
#include <QStyle>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
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

namespace detail {
// A wrapping label whose minimum height is one line: its height comes from
// the width it gets (height for width), not from the many lines it would
// take at its narrowest, which would pad the page with empty space.
class HintLabel : public QLabel {
 public:
  using QLabel::QLabel;
  QSize minimumSizeHint() const override {
    return {QLabel::minimumSizeHint().width(), fontMetrics().height()};
  }
};
}  // namespace detail

/// A grey, wrapping line that explains the row above it.
inline QLabel* hint_label(const QString& text) {
  auto* l = new detail::HintLabel(text);
  l->setWordWrap(true);
  l->setAlignment(Qt::AlignLeft | Qt::AlignTop);
  l->setStyleSheet("QLabel { color: #555; }");
  return l;
}

/// `field` with a hint line under it, as one form field (so the row's label
/// stays beside the field and the form's rows stay one per setting); the
/// field's tooltip says the same.
inline QWidget* with_hint(QWidget* field, const QString& text) {
  auto* host = new QWidget;
  auto* v = new QVBoxLayout(host);
  v->setContentsMargins(0, 0, 0, 0);
  v->setSpacing(2);
  v->addWidget(field);
  v->addWidget(hint_label(text));
  field->setToolTip(text);
  return host;
}

namespace detail {
// Every form label inside `page` gets the widest one's width.
inline void apply_label_columns(QWidget* page) {
  std::vector<QWidget*> labels;
  int w = 0;
  for (QFormLayout* f : page->findChildren<QFormLayout*>())
    for (int r = 0; r < f->rowCount(); ++r)
      if (QLayoutItem* it = f->itemAt(r, QFormLayout::LabelRole); it && it->widget()) {
        QWidget* l = it->widget();
        l->setMinimumWidth(0);
        labels.push_back(l);
        w = std::max(w, l->sizeHint().width());
      }
  for (QWidget* l : labels) l->setMinimumWidth(w);
}
// Measures the labels again when the page's font or style changes (once
// the change has reached the labels too).
class LabelColumns : public QObject {
 public:
  explicit LabelColumns(QWidget* page) : QObject(page), page_(page) { page->installEventFilter(this); }
  bool eventFilter(QObject* o, QEvent* e) override {
    if (o == page_ && (e->type() == QEvent::FontChange || e->type() == QEvent::StyleChange))
      QTimer::singleShot(0, this, [this] { apply_label_columns(page_); });
    return false;
  }

 private:
  QWidget* page_;
};
}  // namespace detail

/// One label column for every form (group box) of `page`: all their fields
/// start at the same x. Call once the page's forms are built.
inline void align_label_columns(QWidget* page) {
  detail::apply_label_columns(page);
  if (page->property("labelColumns").toBool()) return;  // measured again on font changes already
  page->setProperty("labelColumns", true);
  new detail::LabelColumns(page);
}

/// A vertical scroll area for a form that follows the panel's width: it is
/// never narrower than the form needs (so nothing is cut off on the right),
/// which its minimum size hint tells the splitter around it.
class FormScroll : public QScrollArea {
 public:
  explicit FormScroll(QWidget* inner, QWidget* parent = nullptr) : QScrollArea(parent) {
    setWidget(inner);
    setWidgetResizable(true);
    setFrameShape(QFrame::NoFrame);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  }
  QSize minimumSizeHint() const override {
    QSize s = QScrollArea::minimumSizeHint();
    if (widget()) {
      const int bar = style()->pixelMetric(QStyle::PM_ScrollBarExtent, nullptr, this);
      s.setWidth(widget()->minimumSizeHint().width() + bar + 2 * frameWidth());
    }
    return s;
  }
};

}  // namespace hyperlab
