// What the sweep dashboard and reports draw, computed without Qt: the summary
// per configuration (mean, SD, SE, 95 % CI, n, min, max of the objective over
// seeds; Welch's p against the best), mean ± SD/SE curves over epochs,
// box-plot statistics, the best-so-far curve, and parameter axes (log where
// the parameter is searched on a log scale). Tested against hand-computed
// values.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "store/compare.h"
#include "store/report.h"
#include "sweep/runner.h"

namespace hyperlab {

/// One configuration's row of the sweep summary.
struct ConfigSummary {
  int trial = 0;
  Settings settings;
  int resource = 0;
  std::string status;
  Stats stats;                 ///< of the objective over its seeds (finite values only)
  std::vector<double> values;  ///< per seed, as run
  std::vector<double> tests;   ///< per seed: test accuracy at the selected epoch (reported only)
  Stats test;                  ///< of those
  bool best = false;
  double p_vs_best = kNone;    ///< Welch's two-sided p of this configuration against the best one
};
/// Trials with a result, in trial order; the best by mean (maximize or not).
std::vector<ConfigSummary> summarize_sweep(const std::vector<TrialRow>& trials, bool maximize);
/// The swept keys in the sweep's order (its params), then any other key the
/// trials set: the order of the summary's columns, labels and charts.
std::vector<std::string> sweep_keys(const SweepSpec& spec, const std::vector<ConfigSummary>& s);
/// A configuration's label: "lr=0.01, dropout=0.2" in the keys' order (headers
/// from key_headers()); a named variant (a key without a dot) by its name alone.
std::string config_label(const Settings& settings, const std::vector<std::string>& keys);
/// What the summary shows, for its caption: "validation accuracy at the
/// best-validation epoch, mean ± SE over 5 seeds per configuration; ...".
std::string sweep_summary_caption(const std::vector<ConfigSummary>& s, const SweepSpec& spec, Spread spread);
/// The summary people read: the settings (in the sweep's order), epochs (when
/// the strategy set them), n, the objective as mean ± the chosen spread, its
/// 95 % CI, min, max, Welch's p against the best, and the test accuracy at the
/// same epochs (mean ± spread; reported, never used to choose).
ResultTable sweep_summary_table(const std::vector<ConfigSummary>& s, const SweepSpec& spec, Spread spread = Spread::SE);
std::string sweep_summary_markdown(const std::vector<ConfigSummary>& s, const SweepSpec& spec,
                                   Spread spread = Spread::SE);
std::string sweep_summary_latex(const std::vector<ConfigSummary>& s, const SweepSpec& spec, Spread spread = Spread::SE);
std::string sweep_summary_html(const std::vector<ConfigSummary>& s, const SweepSpec& spec, Spread spread = Spread::SE);
/// The numbers for a program: mean, SD, SE, the CI's ends, min, max, n and p
/// of the objective, and the test accuracy's mean, SD and SE, one column each.
std::string sweep_summary_csv(const std::vector<ConfigSummary>& s, const SweepSpec& spec);

/// Mean and spread over seeds of one configuration's per-epoch curve.
struct BandCurve {
  std::vector<int> epochs;
  std::vector<double> mean, sd, se;  ///< sd, se NaN where fewer than 2 seeds reached the epoch
  std::vector<int> n;
};
/// curves: one per seed, value per epoch (index 0 = epoch 1; NaN = missing).
BandCurve band_curve(const std::vector<std::vector<double>>& curves);

/// Tukey box-plot numbers (quartiles by linear interpolation, as numpy's default).
struct BoxStats {
  int n = 0;
  double min = kNone, q1 = kNone, median = kNone, q3 = kNone, max = kNone, mean = kNone;
};
BoxStats box_stats(std::vector<double> values);

/// The best value so far after each trial (NaN until the first finite one).
std::vector<double> best_so_far(const std::vector<double>& values, bool maximize);

/// A varied setting as a plot axis: numbers (log scale when searched on one)
/// or categories (strings, lists) in order of appearance.
struct ParamAxis {
  std::string key;
  bool numeric = true, log = false;
  double lo = 0, hi = 1;                  ///< numeric range of the values seen
  std::vector<std::string> categories;    ///< non-numeric: distinct values
  /// 0..1 along the axis (NaN if the value does not fit).
  double position(const std::string& value) const;
};
std::vector<ParamAxis> param_axes(const SweepSpec& spec, const std::vector<TrialRow>& trials);

/// The sweep's report, a short paper: what was searched and how, the summary
/// per configuration at full width, then charts (mean ± band curves per
/// configuration, the box plot of each seed's test accuracy, the objective
/// against each setting, best so far), one confusion matrix per configuration,
/// sample predictions, and per-run details in an appendix when asked.
ReportParts make_sweep_report(const SweepSpec& spec, const std::vector<TrialRow>& trials,
                              const std::vector<RunRecord>& runs, const ReportOptions& options = {});

}  // namespace hyperlab
