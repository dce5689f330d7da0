// The dashboard's statistics against hand-computed values, including the
// n = 1 and n = 2 edge cases (no division by zero, no fake intervals).
#include <gtest/gtest.h>

#include <cmath>

#include "sweep/analysis.h"
#include "sweep/sweep.h"

using namespace hyperlab;

namespace {
TrialRow row(int id, const std::string& lr, std::vector<double> values, const std::string& status = "done") {
  TrialRow r;
  r.id = id, r.settings = {{"training.optimizer.lr", lr}}, r.values = std::move(values), r.status = status;
  return r;
}
}  // namespace

TEST(SweepAnalysis, SummaryPerConfigurationMatchesHandComputedValues) {
  std::vector<TrialRow> t = {row(0, "0.1", {0.80, 0.82, 0.84}), row(1, "0.01", {0.70, 0.72}),
                             row(2, "0.001", {0.60}), row(3, "1", {NAN, NAN}, "diverged"),
                             row(4, "0.5", {0.5, 0.5}, "running")};
  auto s = summarize_sweep(t, true);
  ASSERT_EQ(s.size(), 4u);  // the running trial has no result yet
  const Stats& a = s[0].stats;
  EXPECT_EQ(a.n, 3);
  EXPECT_NEAR(a.mean, 0.82, 1e-12);
  EXPECT_NEAR(a.sd, 0.02, 1e-12);
  EXPECT_NEAR(a.se, 0.02 / std::sqrt(3.0), 1e-12);
  // t(0.975, 2) = 4.302653
  EXPECT_NEAR(a.ci95_lo, 0.82 - 4.302653 * 0.02 / std::sqrt(3.0), 1e-6);
  EXPECT_NEAR(a.ci95_hi, 0.82 + 4.302653 * 0.02 / std::sqrt(3.0), 1e-6);
  EXPECT_NEAR(a.min, 0.80, 1e-12);
  EXPECT_NEAR(a.max, 0.84, 1e-12);
  EXPECT_TRUE(s[0].best);
  // n = 2: t(0.975, 1) = 12.706205
  const Stats& b = s[1].stats;
  EXPECT_NEAR(b.sd, std::sqrt(0.0002), 1e-12);
  EXPECT_NEAR(b.ci95_hi - b.mean, 12.706205 * std::sqrt(0.0002) / std::sqrt(2.0), 1e-6);
  EXPECT_DOUBLE_EQ(s[1].p_vs_best, welch_p_value({0.70, 0.72}, {0.80, 0.82, 0.84}));
  EXPECT_LT(s[1].p_vs_best, 0.05);
  // n = 1: a mean, no spread, no interval, no test.
  const Stats& c = s[2].stats;
  EXPECT_EQ(c.n, 1);
  EXPECT_NEAR(c.mean, 0.60, 1e-12);
  EXPECT_TRUE(std::isnan(c.sd) && std::isnan(c.se) && std::isnan(c.ci95_lo));
  EXPECT_TRUE(std::isnan(s[2].p_vs_best));
  // Diverged: no values at all.
  EXPECT_EQ(s[3].stats.n, 0);
  EXPECT_TRUE(std::isnan(s[3].stats.mean));

  SweepSpec spec;  // no base config: the caption cannot say which epoch the runs selected
  spec.params.resize(1);
  spec.params[0].key = "training.optimizer.lr";
  const std::string md = sweep_summary_markdown(s, spec);
  EXPECT_EQ(md.rfind("Table: Validation accuracy at each run's selected epoch, mean ± SE (standard error of the mean) "
                     "over 1–3 seeds per configuration; 95 % CI of the mean (Student's t); p: Welch's t-test against "
                     "the best configuration (highest mean). The test accuracy at the same epochs is reported, never "
                     "used to choose.\n\n", 0), 0u) << md;
  EXPECT_NE(md.find("| lr | n | validation accuracy (mean ± SE) | 95 % CI | min | max | p vs best | "
                    "test accuracy (mean ± SE) |\n|---|--:|--:|--:|--:|--:|--:|--:|\n"), std::string::npos) << md;
  // 0.82 ± 0.02/√3; 0.71 ± 0.01 (SD 0.0141, CI 0.71 ± 12.706205 · 0.01).
  EXPECT_NE(md.find("| 0.1 | 3 | 0.8200 ± 0.0115 | 0.7703–0.8697 | 0.8000 | 0.8400 | best | – |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 0.01 | 2 | 0.7100 ± 0.0100 | 0.5829–0.8371 | 0.7000 | 0.7200 | "), std::string::npos) << md;
  EXPECT_NE(md.find("| 0.001 | 1 | 0.6000 | – | 0.6000 | 0.6000 | – | – |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 1 | 0 | – | – | – | – | – | – |"), std::string::npos) << md;  // diverged
  const std::string sd = sweep_summary_markdown(s, spec, Spread::SD);
  EXPECT_NE(sd.find("mean ± SD (standard deviation) over 1–3 seeds"), std::string::npos) << sd;
  EXPECT_NE(sd.find("| 0.1 | 3 | 0.8200 ± 0.0200 | 0.7703–0.8697 |"), std::string::npos) << sd;
  EXPECT_NE(sd.find("| 0.01 | 2 | 0.7100 ± 0.0141 | 0.5829–0.8371 |"), std::string::npos) << sd;
  const std::string csv = sweep_summary_csv(s, spec);
  EXPECT_EQ(csv.rfind("lr,n,val_accuracy_mean,val_accuracy_sd,val_accuracy_se,val_accuracy_ci95_low,"
                      "val_accuracy_ci95_high,val_accuracy_min,val_accuracy_max,best,p_vs_best,test_accuracy_mean,"
                      "test_accuracy_sd,test_accuracy_se\n", 0), 0u) << csv;
  EXPECT_NE(csv.find("\n0.1,3,0.82,0.02,0.011547,0.770317,0.869683,0.8,0.84,1,,,,\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n0.001,1,0.6,,,,,0.6,0.6,0,,,,\n"), std::string::npos) << csv;
  // LaTeX: the caption says which spread, and the CI and p columns are kept.
  const std::string tex = sweep_summary_latex(s, spec);
  EXPECT_NE(tex.find("\\begin{table}[htbp]\n\\centering\n\\small\n\\caption{Validation accuracy at each run's selected epoch, "
                     "mean $\\pm$ SE (standard error of the mean) over 1--3 seeds per configuration; 95 \\% CI"),
            std::string::npos) << tex;
  EXPECT_NE(tex.find("\\begin{tabular}{lrrrrrrr}\n\\toprule\nlr & n & validation accuracy & 95 \\% CI & min & max & "
                     "p vs best & test accuracy \\\\\n &  & (mean $\\pm$ SE) &  &  &  &  & (mean $\\pm$ SE) \\\\\n"
                     "\\midrule\n"),
            std::string::npos) << tex;
  EXPECT_NE(tex.find("0.1 & 3 & 0.8200 $\\pm$ 0.0115 & 0.7703--0.8697 & 0.8000 & 0.8400 & best & -- \\\\\n"),
            std::string::npos) << tex;
  EXPECT_NE(sweep_summary_latex(s, spec, Spread::SD).find("0.1 & 3 & 0.8200 $\\pm$ 0.0200 &"), std::string::npos);

  // Minimising: the lowest mean is best.
  auto m = summarize_sweep(t, false);
  EXPECT_TRUE(m[2].best);
}

TEST(SweepAnalysis, SummaryColumnsFollowTheSweepsParamsAndVariantsShowTheirNames) {
  // The sweep varies dropout, then lr, then a named variant: alphabetical order
  // would be dropout, lr, variant; the sweep's order must win.
  SweepSpec spec;
  spec.params.resize(3);
  spec.params[0].key = "training.optimizer.lr";
  spec.params[1].key = "variant";
  spec.params[2].key = "model.mlp.dropout";
  TrialRow a;
  a.id = 0, a.status = "done", a.values = {0.8, 0.9};
  a.settings = {{"model.mlp.dropout", "0.2"}, {"training.optimizer.lr", "0.01"}, {"variant", "\"L1+L2\""}};
  TrialRow b = a;
  b.id = 1, b.values = {0.7, 0.75}, b.settings["variant"] = "\"none\"";
  const auto s = summarize_sweep({a, b}, true);
  EXPECT_EQ(sweep_keys(spec, s), (std::vector<std::string>{"training.optimizer.lr", "variant", "model.mlp.dropout"}));
  const std::string md = sweep_summary_markdown(s, spec);
  EXPECT_NE(md.find("| lr | variant | dropout | n |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 0.01 | L1+L2 | 0.2 | 2 | 0.8500 ± 0.0500 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 0.01 | none | 0.2 | 2 | 0.7250 ± 0.0250 |"), std::string::npos) << md;
  EXPECT_EQ(sweep_summary_csv(s, spec).rfind("lr,variant,dropout,n,", 0), 0u);
  // Labels of rows, legend entries and boxes: key=value, a variant by its name.
  EXPECT_EQ(config_label(a.settings, sweep_keys(spec, s)), "lr=0.01, L1+L2, dropout=0.2");
}

TEST(SweepAnalysis, BandCurveBoxStatsAndBestSoFar) {
  BandCurve b = band_curve({{1, 2, 5}, {3, 4}});
  ASSERT_EQ(b.epochs, (std::vector<int>{1, 2, 3}));
  EXPECT_DOUBLE_EQ(b.mean[0], 2);
  EXPECT_DOUBLE_EQ(b.sd[0], std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(b.se[0], 1);
  EXPECT_EQ(b.n[2], 1);
  EXPECT_DOUBLE_EQ(b.mean[2], 5);
  EXPECT_TRUE(std::isnan(b.sd[2])) << "one seed: no band";

  BoxStats x = box_stats({4, 1, 3, 2, NAN});
  EXPECT_EQ(x.n, 4);
  EXPECT_DOUBLE_EQ(x.min, 1);
  EXPECT_DOUBLE_EQ(x.q1, 1.75);  // numpy.percentile([1,2,3,4], 25)
  EXPECT_DOUBLE_EQ(x.median, 2.5);
  EXPECT_DOUBLE_EQ(x.q3, 3.25);
  EXPECT_DOUBLE_EQ(x.max, 4);
  EXPECT_DOUBLE_EQ(x.mean, 2.5);
  BoxStats one = box_stats({7});
  EXPECT_DOUBLE_EQ(one.q1, 7);
  EXPECT_DOUBLE_EQ(one.q3, 7);
  EXPECT_EQ(box_stats({}).n, 0);

  auto best = best_so_far({NAN, 0.5, 0.4, 0.7, 0.6}, true);
  EXPECT_TRUE(std::isnan(best[0]));
  EXPECT_EQ(std::vector<double>(best.begin() + 1, best.end()), (std::vector<double>{0.5, 0.5, 0.7, 0.7}));
  EXPECT_EQ(best_so_far({3, 1, 2}, false), (std::vector<double>{3, 1, 1}));
}

TEST(SweepAnalysis, ParameterAxesAreLogForLogSearchesAndCategoriesForWords) {
  SweepSpec spec;
  ParamSpec lr;
  lr.key = "training.optimizer.lr", lr.kind = ParamSpec::Kind::LogUniform, lr.lo = 1e-4, lr.hi = 1;
  ParamSpec opt;
  opt.key = "training.optimizer.type", opt.kind = ParamSpec::Kind::Choice;
  ParamSpec drop;
  drop.key = "model.mlp.dropout", drop.kind = ParamSpec::Kind::Uniform;
  spec.params = {lr, opt, drop};
  std::vector<TrialRow> t(3);
  t[0].settings = {{lr.key, "0.001"}, {opt.key, "\"sgd\""}, {drop.key, "0.1"}};
  t[1].settings = {{lr.key, "0.1"}, {opt.key, "\"adam\""}, {drop.key, "0.5"}};
  t[2].settings = {{lr.key, "0.01"}, {opt.key, "\"sgd\""}, {drop.key, "0.3"}};
  auto axes = param_axes(spec, t);
  ASSERT_EQ(axes.size(), 3u);
  EXPECT_TRUE(axes[0].numeric && axes[0].log);
  EXPECT_DOUBLE_EQ(axes[0].position("0.01"), 0.5);  // halfway between 1e-3 and 1e-1 in decades
  EXPECT_FALSE(axes[1].numeric);
  EXPECT_EQ(axes[1].categories, (std::vector<std::string>{"\"sgd\"", "\"adam\""}));
  EXPECT_DOUBLE_EQ(axes[1].position("\"adam\""), 1.0);
  EXPECT_TRUE(axes[2].numeric && !axes[2].log);
  EXPECT_DOUBLE_EQ(axes[2].position("0.3"), 0.5);
  EXPECT_TRUE(std::isnan(axes[2].position("zebra")));
}

TEST(SweepAnalysis, SettingsReadAsPeopleWriteThem) {
  EXPECT_EQ(display_value("60000"), "60000");  // whole numbers in full, not 6e+04
  EXPECT_EQ(display_value("0"), "0");
  EXPECT_EQ(display_value("0.004641588834"), "0.004642");
  EXPECT_EQ(display_value("1e-05"), "1e-05");
  EXPECT_EQ(display_value("\"adam\""), "adam");
  EXPECT_EQ(display_value("[500,50]"), "[500,50]");
}
