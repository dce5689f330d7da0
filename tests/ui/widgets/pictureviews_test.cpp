// The picture views as a student sees them: filters with clear gaps, a colour
// bar and a shared or per-filter scale; image captions elided with the full
// text in a tooltip; the confusion matrix's axis titles. Checked on the
// grabbed pixels and through the views' layout accessors.
#include <gtest/gtest.h>

#include <QApplication>
#include <QCheckBox>
#include <QHelpEvent>
#include <QImage>
#include <QTest>
#include <QToolTip>

#include <cmath>
#include <vector>

#include "ui/widgets/pictureviews.h"

using namespace hyperlab;

namespace {

// A first layer of `filters` (each c x h x w, flattened) as a Snapshot carries it.
Snapshot filter_snapshot(const std::vector<std::vector<float>>& filters, int h, int w, int c = 1) {
  Snapshot s;
  s.epoch = 3;
  s.filter_layer = "conv1";
  s.filter_count = static_cast<int>(filters.size());
  s.filter_channels = c, s.filter_h = h, s.filter_w = w;
  for (const auto& f : filters) s.filters.insert(s.filters.end(), f.begin(), f.end());
  return s;
}

// A 5x5 filter with no weight near zero: +-amp in a checkerboard, +amp at (2, 2).
std::vector<float> checker(float amp) {
  std::vector<float> f(25);
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 5; ++x) f[y * 5 + x] = ((x + y) % 2 ? -amp : amp) * (0.6f + 0.08f * x);
  f[2 * 5 + 2] = amp;
  return f;
}

int channel_distance(QRgb a, QRgb b) {
  return std::max({std::abs(qRed(a) - qRed(b)), std::abs(qGreen(a) - qGreen(b)), std::abs(qBlue(a) - qBlue(b))});
}

QImage grab(QWidget& w) { return w.grab().toImage().convertToFormat(QImage::Format_RGB32); }

// The colour at the centre of weight (x, y) of tile i.
QRgb weight_pixel(const FilterView& v, const QImage& img, int i, int x, int y) {
  const QRect r = v.tileRect(i);
  const double s = v.pixelsPerWeight();
  return img.pixel(r.x() + static_cast<int>((x + 0.5) * s), r.y() + static_cast<int>((y + 0.5) * s));
}

// Pixels in r that differ clearly from the background (text, ticks, ramp).
int ink_in(const QImage& img, const QRect& r, QRgb background) {
  int n = 0;
  const QRect in = r.intersected(img.rect());
  for (int y = in.top(); y <= in.bottom(); ++y)
    for (int x = in.left(); x <= in.right(); ++x) n += channel_distance(img.pixel(x, y), background) > 60;
  return n;
}

QFont sized(const QWidget& w, double points) {
  QFont f = w.font();
  f.setPointSizeF(points);
  return f;
}

}  // namespace

TEST(PictureViewsFilters, GapsBetweenFiltersAreBackgroundAndClearlyWide) {
  FilterView v;
  v.resize(700, 560);
  v.setSnapshot(filter_snapshot({checker(0.4f), checker(0.3f), checker(0.2f), checker(0.1f)}, 5, 5));
  ASSERT_EQ(v.tileCount(), 4);
  const QImage img = grab(v);
  const QRgb bg = v.palette().color(QPalette::Base).rgb();

  // Whole screen pixels per weight, and tiles of that size.
  const double s = v.pixelsPerWeight();
  ASSERT_GE(s, 1.0);
  EXPECT_EQ(s, std::floor(s));
  const QRect a = v.tileRect(0), b = v.tileRect(1);
  EXPECT_EQ(a.width(), static_cast<int>(5 * s));
  ASSERT_EQ(a.top(), b.top()) << "the first two filters share a row";
  ASSERT_GT(b.left(), a.right());

  // The tiles are painted (no weight is near zero, so no pixel is white)...
  for (int i = 0; i < 4; ++i) EXPECT_NE(weight_pixel(v, img, i, 1, 1), bg) << "tile " << i;
  // ...and on every row through them, the run of background between them is at least 6 pixels wide.
  for (int y = a.top(); y <= a.bottom(); ++y) {
    int run = 0, longest = 0;
    for (int x = a.right() + 1; x < b.left(); ++x) {
      run = img.pixel(x, y) == bg ? run + 1 : 0;
      longest = std::max(longest, run);
    }
    ASSERT_GE(longest, 6) << "row " << y;
    const int mid = (a.right() + b.left()) / 2;
    ASSERT_EQ(img.pixel(mid, y), bg) << "row " << y;
  }
}

TEST(PictureViewsFilters, ColorBarShowsTheScaleWithMinZeroAndMaxLabels) {
  FilterView v;
  v.resize(700, 560);
  const float big = 0.5f;
  v.setSnapshot(filter_snapshot({checker(big), checker(0.05f)}, 5, 5));
  v.setSharedScale(true);
  const QStringList labels = v.colorBarLabels();
  ASSERT_EQ(labels.size(), 3);
  const QString max_text = QString::number(double(big), 'g', 2);
  EXPECT_EQ(labels[2], max_text);
  EXPECT_EQ(labels[1], "0");
  EXPECT_TRUE(labels[0].endsWith(max_text) && labels[0].size() == max_text.size() + 1) << labels[0].toStdString();
  EXPECT_NE(labels[0][0], QChar('0'));

  // The ramp runs from the scale's blue end through white to its red end.
  const QImage img = grab(v);
  const QRect bar = v.colorBarRect();
  ASSERT_FALSE(bar.isEmpty());
  const int y = bar.center().y();
  EXPECT_LE(channel_distance(img.pixel(bar.left() + 1, y), diverging_color(-1)), 12);
  EXPECT_LE(channel_distance(img.pixel(bar.right() - 1, y), diverging_color(1)), 12);
  EXPECT_LE(channel_distance(img.pixel(bar.center().x(), y), diverging_color(0)), 12);
  // Labels are drawn under both ends and the middle.
  const QRgb bg = v.palette().color(QPalette::Base).rgb();
  const int lh = v.fontMetrics().height(), third = bar.width() / 3;
  EXPECT_GT(ink_in(img, QRect(bar.left() - lh, bar.bottom() + 4, third, lh), bg), 5);
  EXPECT_GT(ink_in(img, QRect(bar.center().x() - third / 2, bar.bottom() + 4, third, lh), bg), 2);
  EXPECT_GT(ink_in(img, QRect(bar.right() - third + lh, bar.bottom() + 4, third, lh), bg), 5);

  // Per-filter: the bar says so, and its title gives the range of the filters' maxima.
  v.setSharedScale(false);
  EXPECT_NE(v.colorBarLabels(), labels);
  EXPECT_TRUE(v.colorBarTitle().contains(max_text)) << v.colorBarTitle().toStdString();
  EXPECT_TRUE(v.colorBarTitle().contains(QString::number(0.05, 'g', 2))) << v.colorBarTitle().toStdString();

  // The bar and its labels follow the widget's font.
  v.setFont(sized(v, 9));
  const QRect small = v.colorBarRect();
  v.setFont(sized(v, 20));
  EXPECT_GT(v.colorBarRect().height(), small.height());
}

TEST(PictureViewsFilters, SharedScaleKeepsAWeakFilterPalePerFilterStretchesIt) {
  FilterView v;
  v.resize(600, 500);
  v.setSnapshot(filter_snapshot({checker(1.0f), checker(0.05f)}, 5, 5));
  ASSERT_FALSE(v.sharedScale());

  // Per filter (the default): the weak filter's largest weight takes the full red.
  QImage img = grab(v);
  EXPECT_LE(channel_distance(weight_pixel(v, img, 1, 2, 2), diverging_color(1)), 6);
  EXPECT_LE(channel_distance(weight_pixel(v, img, 0, 2, 2), diverging_color(1)), 6);

  // Shared, switched with the view's own check box: it is near white, the strong one still full red.
  QCheckBox* box = v.sharedScaleToggle();
  ASSERT_TRUE(box);
  box->click();
  ASSERT_TRUE(v.sharedScale());
  img = grab(v);
  const QRgb weak = weight_pixel(v, img, 1, 2, 2);
  EXPECT_LE(channel_distance(weak, diverging_color(0)), 20) << std::hex << weak;
  EXPECT_LE(channel_distance(weak, diverging_color(0.05)), 4);
  EXPECT_LE(channel_distance(weight_pixel(v, img, 0, 2, 2), diverging_color(1)), 6);

  box->click();
  EXPECT_FALSE(v.sharedScale());
  img = grab(v);
  EXPECT_LE(channel_distance(weight_pixel(v, img, 1, 2, 2), diverging_color(1)), 6);
}

TEST(PictureViewsFilters, LargeFontsKeepTilesWholePixelBlocksAndWidenTheGaps) {
  FilterView v;
  v.resize(900, 700);
  std::vector<std::vector<float>> fs(16, checker(0.3f));
  v.setSnapshot(filter_snapshot(fs, 5, 5));
  v.setFont(sized(v, 9));
  const int gap_small = v.tileRect(1).left() - v.tileRect(0).right();
  v.setFont(sized(v, 24));
  const int gap_large = v.tileRect(1).left() - v.tileRect(0).right();
  EXPECT_GT(gap_large, gap_small);
  const double s = v.pixelsPerWeight();
  EXPECT_GE(s, 1.0);
  EXPECT_EQ(s, std::floor(s));
  // Every tile lies inside the widget and none overlaps the colour bar.
  for (int i = 0; i < v.tileCount(); ++i) {
    EXPECT_TRUE(v.rect().contains(v.tileRect(i))) << i;
    EXPECT_FALSE(v.tileRect(i).intersects(v.colorBarRect())) << i;
  }
}

TEST(PictureViewsFilters, ChannelsDrawnSideBySideHaveGapsToo) {
  FilterView v;
  v.resize(700, 500);
  std::vector<float> two = checker(0.4f);
  const std::vector<float> second = checker(-0.4f);
  two.insert(two.end(), second.begin(), second.end());
  v.setSnapshot(filter_snapshot({two, two}, 5, 5, 2));
  ASSERT_EQ(v.tileCount(), 2);
  const QImage img = grab(v);
  const QRgb bg = v.palette().color(QPalette::Base).rgb();
  const QRect r = v.tileRect(0);
  const int part = static_cast<int>(5 * v.pixelsPerWeight());
  ASSERT_GT(r.width(), 2 * part + 2);
  // Between the two channels' blocks, some column is background all the way down.
  bool found = false;
  for (int x = r.left() + part; x < r.right() - part + 1 && !found; ++x) {
    bool all = true;
    for (int y = r.top(); y <= r.bottom() && all; ++y) all = img.pixel(x, y) == bg;
    found = all;
  }
  EXPECT_TRUE(found);
}

TEST(PictureViewsFilters, ColourKernelsAreRgbAroundGreyWithAGreyBar) {
  FilterView v;
  v.resize(600, 500);
  v.show();  // the check box shows only with filters
  // One 3x3 RGB kernel: red channel +0.2, green -0.2, blue 0.
  std::vector<float> f(27, 0.0f);
  for (int i = 0; i < 9; ++i) f[i] = 0.2f, f[9 + i] = -0.2f;
  v.setSnapshot(filter_snapshot({f}, 3, 3, 3));
  ASSERT_EQ(v.tileCount(), 1);
  EXPECT_TRUE(v.sharedScaleToggle()->isVisible());
  const QImage img = grab(v);
  const QRgb px = weight_pixel(v, img, 0, 1, 1);
  EXPECT_LE(channel_distance(px, qRgb(255, 0, 128)), 2) << std::hex << px;
  const QRect bar = v.colorBarRect();
  const QRgb low = img.pixel(bar.left() + 1, bar.center().y()), high = img.pixel(bar.right() - 1, bar.center().y());
  EXPECT_EQ(qRed(low), qBlue(low));
  EXPECT_LT(qRed(low), 30);
  EXPECT_GT(qRed(high), 225);
  EXPECT_EQ(qRed(high), qGreen(high));
  // No filters: no bar, no check box.
  v.clear();
  EXPECT_TRUE(v.colorBarRect().isEmpty());
  EXPECT_TRUE(v.colorBarLabels().isEmpty());
  EXPECT_FALSE(v.sharedScaleToggle()->isVisible());
}

TEST(PictureViewsImages, LongCaptionIsElidedAndTheTooltipHasTheFullText) {
  ImageGridView v;
  ImageBatch b;
  b.channels = 1, b.height = b.width = 28;
  b.pixels.assign(3 * 28 * 28, 128);
  b.labels = {0, 1, 1};
  const QString long_name = "Ankle boot of a very particular and long-winded kind";
  v.setImages(b, {long_name, "Bag"});
  v.setPredictions({1, 1, 0}, {0.9f, 0.8f, 0.97f});  // wrong, right, wrong with the long name predicted
  v.resize(600, 400);

  const QStringList lines = v.captionLines(0);
  ASSERT_EQ(lines.size(), 2);
  EXPECT_TRUE(lines[1].endsWith(QChar(0x2026))) << lines[1].toStdString();
  EXPECT_TRUE(lines[1].startsWith("(true: ")) << lines[1].toStdString();
  const QString full = "(true: " + long_name + ")";
  const QString tip = v.toolTipAt(v.cellRect(0).center());
  EXPECT_TRUE(tip.contains(full)) << tip.toStdString();
  // A long predicted name is shortened, its confidence kept whole; the tooltip has both in full.
  const QStringList third = v.captionLines(2);
  ASSERT_EQ(third.size(), 2);
  EXPECT_TRUE(third[0].endsWith(QChar(0x2026) + QString(" 97%"))) << third[0].toStdString();
  EXPECT_TRUE(v.toolTipAt(v.cellRect(2).center()).startsWith(long_name + " 97%"));
  // Every drawn line fits its cell.
  const QFontMetrics caption_metrics(v.captionFont());
  for (int k = 0; k < 3; ++k)
    for (const QString& line : v.captionLines(k))
      EXPECT_LE(caption_metrics.horizontalAdvance(line), v.cellRect(k).width()) << line.toStdString();
  // A caption that fits is whole and has no tooltip.
  EXPECT_FALSE(v.captionLines(1).join("").contains(QChar(0x2026)));
  EXPECT_TRUE(v.toolTipAt(v.cellRect(1).center()).isEmpty());

  // Qt's own tooltip event shows the same text.
  v.show();
  ASSERT_TRUE(QTest::qWaitForWindowExposed(&v));
  const QPoint at = v.cellRect(0).center();
  QHelpEvent help(QEvent::ToolTip, at, v.mapToGlobal(at));
  QApplication::sendEvent(&v, &help);
  EXPECT_TRUE(QToolTip::text().contains(full)) << QToolTip::text().toStdString();
  QToolTip::hideText();
}

TEST(PictureViewsImages, CaptionsFollowTheWidgetsFont) {
  ImageGridView v;
  ImageBatch b;
  b.channels = 1, b.height = b.width = 28;
  b.pixels.assign(28 * 28, 200);
  b.labels = {0};
  v.setImages(b, {"Sneaker"});
  v.setPredictions({0}, {0.75f});
  v.resize(800, 400);
  v.setFont(sized(v, 9));
  const QRect small = v.cellRect(0);
  v.setFont(sized(v, 22));
  const QRect large = v.cellRect(0);
  EXPECT_GT(large.height(), small.height());
  EXPECT_GT(large.width(), small.width());
  EXPECT_GT(v.captionFont().pointSizeF(), 15.0);
  EXPECT_FALSE(v.captionLines(0).join("").contains(QChar(0x2026)));  // "Sneaker 75%" still fits
  // The caption is drawn below the image, inside the cell.
  const QImage img = grab(v);
  const QRgb bg = v.palette().color(QPalette::Base).rgb();
  const QRect caption(large.x(), large.y() + 60, large.width(), large.height() - 60);
  EXPECT_GT(ink_in(img, caption, bg), 20);
}

TEST(PictureViewsConfusion, AxisTitlesAreDrawnAndGrowWithTheFont) {
  ConfusionView v;
  v.resize(700, 600);
  v.setMatrix({{50, 3, 2}, {4, 40, 6}, {1, 9, 45}}, {"cat", "dog", "bird"});
  EXPECT_EQ(ConfusionView::trueAxisTitle(), "true class");
  EXPECT_EQ(ConfusionView::predictedAxisTitle(), "predicted class");
  v.setFont(sized(v, 10));
  const QRect t = v.trueAxisTitleRect(), p = v.predictedAxisTitleRect();
  ASSERT_FALSE(t.isEmpty());
  ASSERT_FALSE(p.isEmpty());
  // Rows are true classes: the title reads upwards along the left; columns are
  // predicted: across, under the column names, inside the view.
  EXPECT_GT(t.height(), t.width());
  EXPECT_GT(p.width(), p.height());
  EXPECT_LT(t.right(), v.width() / 4);
  EXPECT_GT(p.top(), v.height() / 2);
  EXPECT_LE(p.bottom(), v.height());

  QImage img = grab(v);
  const QRgb bg = v.palette().color(QPalette::Base).rgb();
  EXPECT_GT(ink_in(img, t, bg), 20);
  EXPECT_GT(ink_in(img, p, bg), 20);

  v.setFont(sized(v, 20));
  const QRect t2 = v.trueAxisTitleRect(), p2 = v.predictedAxisTitleRect();
  EXPECT_GT(t2.width(), t.width());
  EXPECT_GT(t2.height(), t.height());
  EXPECT_GT(p2.height(), p.height());
  EXPECT_GT(p2.width(), p.width());
  img = grab(v);
  EXPECT_GT(ink_in(img, t2, bg), 20);
  EXPECT_GT(ink_in(img, p2, bg), 20);
  // Nothing drawn outside the view.
  EXPECT_TRUE(v.rect().contains(t2));
  EXPECT_TRUE(v.rect().contains(p2));
}

TEST(PictureViewsConfusion, NoMatrixNoTitles) {
  ConfusionView v;
  v.resize(400, 400);
  EXPECT_TRUE(v.trueAxisTitleRect().isEmpty());
  EXPECT_TRUE(v.predictedAxisTitleRect().isEmpty());
  v.setMatrix({{1, 0}, {0, 1}}, {"a", "b"});
  EXPECT_FALSE(v.trueAxisTitleRect().isEmpty());
  v.clear();
  EXPECT_TRUE(v.empty());
}

// Before and after (transfer learning): with the starting filters in the snapshot each tile is the
// start beside the current filter, and the relative L2 change is computed per filter.
TEST(FilterView, ComparesTheStartingFiltersWithTheCurrentOnes) {
  Snapshot s = filter_snapshot({checker(1.0f), checker(0.5f)}, 5, 5);
  FilterView plain;
  plain.resize(500, 400);
  plain.setSnapshot(s);
  EXPECT_FALSE(plain.comparing());
  // Filter 0 unchanged; filter 1 started at checker(0.25): w - w0 = w0, a change of 100 %.
  std::vector<float> start = checker(1.0f), f1 = checker(0.25f);
  start.insert(start.end(), f1.begin(), f1.end());
  s.start_filters = start;
  FilterView v;
  v.resize(500, 400);
  v.show();
  v.setSnapshot(s);
  ASSERT_TRUE(v.comparing());
  ASSERT_EQ(v.changes().size(), 2u);
  EXPECT_NEAR(v.changes()[0], 0.0, 1e-9);
  EXPECT_NEAR(v.changes()[1], 1.0, 1e-6);
  EXPECT_NE(v.caption().indexOf("at the start (left) and now (right)"), -1) << v.caption().toStdString();
  // Each pair is about twice as wide as high (two 5x5 pictures and a gap), and they do not overlap.
  const QRect a = v.tileRect(0), b = v.tileRect(1);
  EXPECT_GT(a.width(), 2 * a.height() - 1);
  EXPECT_FALSE(a.intersects(b));
  // The left half of tile 1 is the start (a weaker checkerboard) on the pair's scale: paler than the right.
  const QImage img = grab(v);
  const double px = v.pixelsPerWeight();
  const QRgb left = img.pixel(b.x() + int(2.5 * px), b.y() + int(2.5 * px));
  const QRgb right = img.pixel(b.x() + b.width() - int(2.5 * px), b.y() + int(2.5 * px));
  EXPECT_GT(qGreen(left), qGreen(right));  // (2,2) is +amp: red; weaker means more white (more green)
  v.clear();
  EXPECT_FALSE(v.comparing());
}
