// Reports of runs, laid out like a short paper: the results table first (runs
// that differ only in seed form one configuration: mean ± SE or SD, n, 95 % CI,
// Welch's p), then full-width vector charts (curves with mean ± band per
// configuration, the box plot of each seed's test accuracy), one confusion
// matrix per configuration (summed over its seeds) and sample predictions;
// per-run details (runs table, configs, each run's confusion matrix and
// samples) follow in an appendix only when asked. Charts are plain SVG
// (store/svg.h), so the CLI makes reports without Qt; the window turns the
// same parts into a PDF.
#pragma once

#include <string>
#include <vector>

#include "store/runstore.h"
#include "store/svg.h"
#include "store/table.h"

namespace hyperlab {

struct ReportParts {
  std::string title;
  /// HTML body with "<!--chart:N-->" where chart N goes.
  std::string body;
  std::vector<std::string> charts;  ///< SVG documents
  /// Pictures the body names in <img src="NAME">: (NAME, PNG bytes).
  std::vector<std::pair<std::string, std::string>> images;
};

struct ReportOptions {
  /// Per-run details at the end (runs table, each run's confusion matrix,
  /// sample predictions and config); default false.
  bool appendix = false;
  /// The ± of the tables and the bands of the curves; default the standard error.
  Spread spread = Spread::SE;
};

ReportParts make_report(const std::vector<RunRecord>& runs, const std::string& title, const ReportOptions& options = {});

/// Runs of one configuration (they differ only in seed), as a report draws them.
struct ReportGroup {
  std::string label;                   ///< "lr=0.01, dropout=0.2", or a variant's name
  std::vector<const RunRecord*> runs;  ///< in run order
  int rank = 0;                        ///< 0 = the best configuration, 1 = the next, ...
};
/// Appends chart N's place to the body and the chart to the parts.
void add_chart(ReportParts& r, std::string svg);
/// The charts of a report, appended to `r`: `metric` and the training loss
/// over epochs (mean ± band per configuration, the best 6 when there are
/// more), the gradient ratio where measured, and the box plot of each run's
/// test accuracy at its selected epoch per configuration.
void add_group_charts(ReportParts& r, const std::vector<ReportGroup>& groups, const std::string& metric, Spread spread);
/// The rest, appended to `r`: one confusion matrix per configuration (summed
/// over its seeds), sample predictions of the best configuration's first run,
/// and the appendix when asked.
void add_group_details(ReportParts& r, const std::vector<ReportGroup>& groups, const std::vector<RunRecord>& runs,
                       const ReportOptions& options);
/// A self-contained HTML page (charts inline, at the page's width).
std::string report_html(const ReportParts& r);

/// A PNG file of one image (uint8, channel-first, 1 or 3 channels), scaled up by `scale`.
std::string png_image(const uint8_t* pixels, int channels, int height, int width, int scale = 1);

/// Colour of run `id` everywhere (reports and the window use the same palette).
std::string run_color(int64_t id);

}  // namespace hyperlab
