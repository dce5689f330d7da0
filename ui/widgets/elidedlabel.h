// A one-line label that shortens its text with "…" when it has less room than
// the text needs (the status bar beside its figures, in presentation fonts),
// and then shows the whole text as its tooltip. text() is always the whole text.
#pragma once

#include <QLabel>
#include <QPainter>

namespace hyperlab {

class ElidedLabel : public QLabel {
 public:
  using QLabel::QLabel;
  QSize minimumSizeHint() const override { return {fontMetrics().averageCharWidth() * 8, QLabel::minimumSizeHint().height()}; }
  /// What is drawn now (the whole text, or its shortened form).
  QString shownText() const { return fontMetrics().elidedText(text(), Qt::ElideRight, contentsRect().width()); }

 protected:
  void paintEvent(QPaintEvent*) override {
    QPainter p(this);
    const QString shown = shownText();
    p.setPen(palette().color(foregroundRole()));
    p.drawText(contentsRect(), static_cast<int>(alignment() | Qt::AlignVCenter), shown);
    setToolTip(shown == text() ? QString() : text());
  }
};

}  // namespace hyperlab
