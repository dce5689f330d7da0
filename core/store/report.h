// Reports of runs: HTML with the runs table, the comparison table (runs that
// differ only in seed grouped: mean ± SD, SE, n), vector charts (validation
// accuracy, training loss, gradient ratio), confusion matrices and configs.
// Charts are plain SVG written here, so the CLI makes reports without Qt; the
// window turns the same parts into a PDF.
#pragma once

#include <string>
#include <vector>

#include "store/runstore.h"

namespace hyperlab {

struct SvgSeries {
  std::string name;
  std::string color;  ///< "#1f77b4"
  std::vector<std::pair<double, double>> points;
};

struct SvgChart {
  std::string title, x_label, y_label;
  bool log_y = false;
  int width = 640, height = 360;
  std::vector<SvgSeries> series;
};

/// A standalone SVG document (title, axes with ticks and labels, legend).
std::string svg_line_chart(const SvgChart& c);

struct ReportParts {
  std::string title;
  /// HTML body with "<!--chart:N-->" where chart N goes.
  std::string body;
  std::vector<std::string> charts;  ///< SVG documents
  /// Pictures the body names in <img src="NAME">: (NAME, PNG bytes).
  std::vector<std::pair<std::string, std::string>> images;
};

ReportParts make_report(const std::vector<RunRecord>& runs, const std::string& title);
/// A self-contained HTML page (charts inline).
std::string report_html(const ReportParts& r);

/// A PNG file of one image (uint8, channel-first, 1 or 3 channels), scaled up by `scale`.
std::string png_image(const uint8_t* pixels, int channels, int height, int width, int scale = 1);

/// Colour of run `id` everywhere (reports and the window use the same palette).
std::string run_color(int64_t id);

}  // namespace hyperlab
