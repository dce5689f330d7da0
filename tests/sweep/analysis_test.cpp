// The dashboard's statistics against hand-computed values, including the
// n = 1 and n = 2 edge cases (no division by zero, no fake intervals).
#include <gtest/gtest.h>

#include <cmath>

#include "sweep/analysis.h"

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

  const std::string md = sweep_summary_markdown(s, "val_accuracy");
  EXPECT_NE(md.find("| lr | n | val_accuracy mean | SD | SE | 95 % CI | min | max | p vs best |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 0.1 | 3 | 0.8200 | 0.0200 | 0.0115 | 0.7703–0.8697 | 0.8000 | 0.8400 | best |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 0.001 | 1 | 0.6000 |  |  |  | 0.6000 | 0.6000 |  |"), std::string::npos) << md;
  EXPECT_NE(sweep_summary_csv(s, "val_accuracy").find("0.1,3,0.8200,0.0200,0.0115,0.7703;0.8697"), std::string::npos);
  EXPECT_NE(sweep_summary_latex(s, "val_accuracy").find("\\toprule"), std::string::npos);

  // Minimising: the lowest mean is best.
  auto m = summarize_sweep(t, false);
  EXPECT_TRUE(m[2].best);
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
