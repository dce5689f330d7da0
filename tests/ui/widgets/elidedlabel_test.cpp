// The status line's label: shortened with "…" and a tooltip when short of
// room, whole and without a tooltip when it fits.
#include <gtest/gtest.h>

#include <QTest>

#include "ui/widgets/elidedlabel.h"

namespace hyperlab {

TEST(ElidedLabel, ShortensWithATooltipOnlyWhenShortOfRoom) {
  const QString text = "Run completed · test accuracy 73.33% at the selected epoch: best validation accuracy "
                       "(epoch 2 of 2) · 4 s · run 1 in the history";
  ElidedLabel l(text);
  l.resize(l.fontMetrics().horizontalAdvance(text) / 3, 30);
  l.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&l));
  l.grab();  // paints
  EXPECT_TRUE(l.shownText().endsWith(QChar(0x2026))) << l.shownText().toStdString();
  EXPECT_LT(l.shownText().size(), text.size());
  EXPECT_EQ(l.toolTip(), text);
  EXPECT_EQ(l.text(), text);
  EXPECT_LT(l.minimumSizeHint().width(), l.width());  // the status bar may give it less than its text

  l.resize(l.fontMetrics().horizontalAdvance(text) + 20, 30);
  l.grab();
  EXPECT_EQ(l.shownText(), text);
  EXPECT_TRUE(l.toolTip().isEmpty());
}

}  // namespace hyperlab
