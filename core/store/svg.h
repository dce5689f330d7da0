// Charts for reports as plain SVG documents, written without Qt (the CLI makes
// reports too; the window draws the same SVG into its PDF as vectors): lines
// with shaded bands, dots with error bars, box plots with each run's point.
// Ticks fall on round numbers (whole numbers for epochs and trials), legends
// and long labels wrap instead of being cut, and the chart grows to hold them.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace hyperlab {

struct SvgSeries {
  std::string name;   ///< legend entry ("" = none)
  std::string color;  ///< "#1f77b4"
  std::vector<std::pair<double, double>> points;
  /// Per point, (low, high): a shaded band around the line, or error bars on
  /// the dots; empty = none; a NaN end leaves that point without one.
  std::vector<std::pair<double, double>> band;
  bool markers = false;  ///< dots instead of a line
  double marker_radius = 3.5;
};

struct SvgChart {
  std::string title, x_label, y_label;
  bool log_x = false, log_y = false;
  bool integer_x = false;                 ///< ticks on whole numbers only (epochs, trials)
  std::vector<std::string> x_categories;  ///< x = 0, 1, ... stands for these names
  int width = 720, height = 300;          ///< without the legend, which adds rows below
  std::vector<SvgSeries> series;
};

/// A standalone SVG document: title, axes with round-number ticks and labels,
/// the series (bands under their lines), and a legend that wraps.
std::string svg_line_chart(const SvgChart& c);

/// One box of a box plot: the quartiles (as box_stats() gives them), and each
/// run's value drawn as a dot over the box.
struct SvgBox {
  std::string label;  ///< under the box; "a, b" parts go on lines of their own when it is narrow
  std::string color;
  double min = 0, q1 = 0, median = 0, q3 = 0, max = 0;
  std::vector<double> points;
};
std::string svg_box_chart(const std::string& title, const std::string& y_label, const std::vector<SvgBox>& boxes,
                          int width = 720, int height = 300);

/// Round-number ticks between lo and hi (1, 2 or 5 times a power of ten),
/// about n of them; whole numbers only when `integer`.
std::vector<double> nice_ticks(double lo, double hi, int n, bool integer = false);

}  // namespace hyperlab
