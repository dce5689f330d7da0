// Comparing runs: which settings differ, runs grouped by config (runs that
// differ only in seed form a group), and per-group statistics — the
// coursework's results table ("Lr, Optimizer, Dropout, ..., Accuracy, SD"),
// made automatically, with CSV, Markdown, LaTeX (booktabs) and HTML output.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "store/runstore.h"
#include "store/table.h"

namespace hyperlab {

/// Mean, standard deviation (n-1), standard error and n of some values;
/// non-finite values are left out. sd and se are NaN when n < 2 (no fake
/// spread from one run), mean is NaN when n == 0.
struct Stats {
  int n = 0;
  double mean = kNone, sd = kNone, se = kNone, min = kNone, max = kNone;
  double ci95_lo = kNone, ci95_hi = kNone;  ///< mean ± t(0.975, n-1) SE; NaN when n < 2
};
Stats stats_of(const std::vector<double>& values);

/// Student's t distribution: P(T <= t) with df degrees of freedom (df > 0, not
/// necessarily whole), and its quantile.
double student_t_cdf(double t, double df);
double student_t_quantile(double p, double df);
/// Welch's two-sample t-test: the two-sided p-value for "the means differ"
/// (NaN when either side has fewer than 2 values or both have no spread).
double welch_p_value(const std::vector<double>& a, const std::vector<double>& b);

/// "82.00 ± 1.15": the mean and the chosen spread, times `scale`, in `format`;
/// "82.00" for one value (no spread from one run), "–" for none.
std::string mean_spread_text(const Stats& s, Spread spread, double scale, const char* format);
/// "77.03–86.97": the 95 % confidence interval, times `scale`; "–" with fewer than 2 values.
std::string ci_text(const Stats& s, double scale, const char* format);
/// "over 5 seeds", "over 2–5 seeds" (the smallest and largest n), "over 1 seed".
std::string seeds_text(int fewest, int most);

/// Config keys ("training.optimizer.lr") whose values differ among the runs,
/// in schema order; name, description and seed never count.
std::vector<std::string> differing_settings(const std::vector<RunRecord>& runs);
/// A run's value of a key, as short text ("0.01", "adam", "[500,50]"; "" if absent).
std::string setting_value(const RunRecord& run, const std::string& key);

/// Runs that differ only in seed. Every number is run_numbers()' (train/numbers.h):
/// validation and test accuracy at each run's selected epoch.
struct RunGroup {
  std::vector<int64_t> run_ids;
  std::vector<std::string> values;  ///< one per differing setting, as the sweep summary shows it ("0.01", "0", "adam")
  /// What its runs' configs call them (a sweep trial's "dropout 0.2, lr=0.01"),
  /// when all share one description and it tells the groups apart; else "".
  std::string label;
  std::vector<double> val_values, test_values, test_losses, final_test_values;  ///< per run, in run_ids order
  Stats best_val_accuracy;  ///< validation accuracy at the selected epoch
  Stats test_accuracy, test_loss, final_test_accuracy, epochs, seconds;
  bool best = false;         ///< highest mean of Comparison::ranked_by
  double p_vs_best = kNone;  ///< Welch's p of this group against the best one, on ranked_by
};

struct Comparison {
  std::vector<std::string> settings;  ///< the differing settings (columns)
  std::vector<RunGroup> groups;       ///< in order of first appearance
  std::string selected_by;  ///< the runs' selection monitor ("" = last epoch; "mixed")
  std::string ranked_by;    ///< val_accuracy, or test_accuracy when a group has no validation set
  /// What the table shows, for its caption: "Test accuracy (%) at the
  /// best-validation epoch, mean ± SE over 5 seeds; ...".
  std::string caption(Spread spread = Spread::SE) const;
  /// The group's settings as "lr=0.01, dropout=0.2" (headers of key_headers()).
  std::string label(const RunGroup& g) const;
};

/// Groups runs whose configs are equal but for seed and name.
Comparison compare_runs(const std::vector<RunRecord>& runs);

/// The table people read: the settings (headers from key_headers()), n, test
/// accuracy % as mean ± the chosen spread with its 95 % CI, validation accuracy
/// % (mean ± spread) with Welch's p against the best, and the test loss.
ResultTable comparison_table(const Comparison& c, Spread spread = Spread::SE);
std::string comparison_markdown(const Comparison& c, Spread spread = Spread::SE);
std::string comparison_latex(const Comparison& c, Spread spread = Spread::SE);
std::string comparison_html(const Comparison& c, Spread spread = Spread::SE);
/// The numbers for a program (pgfplots, pandas): one column each for mean, SD,
/// SE, the 95 % CI's ends, n and p, as fractions; both spreads, whatever a table shows.
std::string comparison_csv(const Comparison& c);

}  // namespace hyperlab
