// Comparing runs: statistics against values worked out by hand and published
// tables, groups of seeds, the tables' columns and captions, and the report's charts.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "config/config_json.h"
#include "config/presets.h"
#include "store/compare.h"
#include "store/runstore.h"
#include "store/svg.h"

using namespace hyperlab;

namespace {
ExperimentConfig preset(const std::string& name) {
  ConfigResult r = parse_config_text(preset_text(name), name);
  EXPECT_TRUE(r.ok());
  return r.config;
}
}  // namespace
// ---- comparison and statistics, against values worked out by hand ----


namespace {
RunRecord run_with(int64_t id, double lr, uint64_t seed, double test_acc, double val_acc) {
  RunRecord r;
  r.config = preset("fashion-baseline");
  r.config.training.optimizer.lr = lr;
  r.config.training.seed = seed;
  r.config.name = "run" + std::to_string(id);  // names never make a difference
  r.config.data.validation_fraction = 0.1;
  r.summary.id = id;
  r.summary.epochs_run = 10, r.summary.seconds = 2.0 * id;
  // Two epochs; the first is the best by validation, so its numbers are the run's.
  for (int k = 1; k <= 2; ++k) {
    EpochEvent e;
    e.epoch = k, e.epochs = 2;
    e.val_accuracy = k == 1 ? val_acc : val_acc - 0.05;
    e.test_accuracy = k == 1 ? test_acc : test_acc + 0.05;  // the test set would pick epoch 2
    e.test_loss = 1 - e.test_accuracy;
    r.history.push_back(e);
  }
  return r;
}
}  // namespace

TEST(Compare, StatisticsMatchHandComputedValues) {
  Stats s = stats_of({0.80, 0.82, 0.84});
  EXPECT_EQ(s.n, 3);
  EXPECT_NEAR(s.mean, 0.82, 1e-12);
  EXPECT_NEAR(s.sd, 0.02, 1e-12);                     // sqrt((0.0004 + 0 + 0.0004) / 2)
  EXPECT_NEAR(s.se, 0.02 / std::sqrt(3.0), 1e-12);  // 0.011547
  EXPECT_DOUBLE_EQ(s.min, 0.80);
  EXPECT_DOUBLE_EQ(s.max, 0.84);
  Stats two = stats_of({0.70, 0.74});
  EXPECT_NEAR(two.sd, std::sqrt(0.0008), 1e-12);  // 0.028284
  EXPECT_NEAR(two.se, 0.02, 1e-12);
  // 95 % confidence interval: mean ± t(0.975, 2) · SE, t = 4.302653 (tables).
  EXPECT_NEAR(s.ci95_lo, 0.82 - 4.302653 * 0.02 / std::sqrt(3.0), 1e-6);
  EXPECT_NEAR(s.ci95_hi, 0.82 + 4.302653 * 0.02 / std::sqrt(3.0), 1e-6);
  Stats one = stats_of({0.5, kNone});  // NaN (not computed) is left out
  EXPECT_EQ(one.n, 1);
  EXPECT_DOUBLE_EQ(one.mean, 0.5);
  EXPECT_TRUE(std::isnan(one.sd));  // no spread from a single run
  EXPECT_TRUE(std::isnan(one.se));
  EXPECT_TRUE(std::isnan(one.ci95_lo));  // no interval from one run
  Stats none = stats_of({});
  EXPECT_EQ(none.n, 0);
  EXPECT_TRUE(std::isnan(none.mean));
}

TEST(Compare, StudentTAndWelchMatchPublishedValues) {
  // Two-sided 95 % quantiles from the t table.
  EXPECT_NEAR(student_t_quantile(0.975, 1), 12.706205, 1e-5);
  EXPECT_NEAR(student_t_quantile(0.975, 2), 4.302653, 1e-5);
  EXPECT_NEAR(student_t_quantile(0.975, 9), 2.262157, 1e-5);
  EXPECT_NEAR(student_t_quantile(0.975, 29), 2.045230, 1e-5);
  EXPECT_NEAR(student_t_cdf(0, 5), 0.5, 1e-12);
  EXPECT_NEAR(student_t_cdf(2.015048, 5), 0.95, 1e-6);  // t(0.95, 5)
  // Welch: t = 4.3301, df = 1.6842 (Welch-Satterthwaite); p from integrating
  // the t density numerically (independently of this code): 0.066496.
  EXPECT_NEAR(welch_p_value({0.80, 0.82, 0.84}, {0.70, 0.74}), 0.066496, 1e-5);
  EXPECT_NEAR(welch_p_value({0.70, 0.74}, {0.80, 0.82, 0.84}), 0.066496, 1e-5);  // symmetric
  EXPECT_TRUE(std::isnan(welch_p_value({0.8}, {0.7, 0.74})));  // n = 1: no test
  EXPECT_TRUE(std::isnan(welch_p_value({0.8, 0.8}, {0.7, 0.7})));  // no spread at all
  // Same means: p = 1.
  EXPECT_NEAR(welch_p_value({1, 2, 3}, {0, 2, 4}), 1.0, 1e-9);
}

TEST(Compare, RunsDifferingOnlyInSeedFormOneGroup) {
  std::vector<RunRecord> runs = {run_with(1, 0.01, 1, 0.80, 0.81), run_with(2, 0.1, 1, 0.70, 0.71),
                                 run_with(3, 0.01, 2, 0.82, 0.83), run_with(4, 0.01, 3, 0.84, 0.85),
                                 run_with(5, 0.1, 2, 0.74, 0.75),  run_with(6, 1.0, 1, 0.50, 0.52)};
  EXPECT_EQ(differing_settings(runs), (std::vector<std::string>{"training.optimizer.lr"}));
  Comparison c = compare_runs(runs);
  ASSERT_EQ(c.groups.size(), 3u);
  EXPECT_EQ(c.groups[0].values, (std::vector<std::string>{"0.01"}));
  EXPECT_EQ(c.groups[0].run_ids, (std::vector<int64_t>{1, 3, 4}));
  EXPECT_NEAR(c.groups[0].test_accuracy.mean, 0.82, 1e-12);
  EXPECT_NEAR(c.groups[0].test_accuracy.sd, 0.02, 1e-12);
  EXPECT_EQ(c.groups[1].run_ids, (std::vector<int64_t>{2, 5}));
  EXPECT_NEAR(c.groups[1].test_accuracy.se, 0.02, 1e-12);
  EXPECT_EQ(c.groups[2].test_accuracy.n, 1);

  // Markdown, mean ± SE by default. Worked by hand: lr 0.01 has test accuracy
  // 80, 82, 84 (SD 2, SE 2/√3 = 1.15, CI 82 ± 4.302653 · 1.1547 = 77.03..86.97),
  // validation 81, 83, 85, test loss 0.20, 0.18, 0.16; lr 0.1 has 70, 74 (SD 2.83,
  // SE 2, CI 72 ± 12.706205 · 2 = 46.59..97.41) and Welch p 0.0665 against the best.
  const std::string md = comparison_markdown(c);
  EXPECT_EQ(md.rfind("Table: Test accuracy (%) at the best-validation epoch, mean ± SE (standard error of the mean) "
                     "over 1–3 seeds per row; 95 % CI of the mean (Student's t); best row and p (Welch's t-test "
                     "against it) by validation accuracy.\n\n", 0), 0u) << md;
  EXPECT_NE(md.find("| lr | n | test accuracy % (mean ± SE) | 95 % CI | val. accuracy % (mean ± SE) | p vs best | "
                    "test loss (mean ± SE) |\n|---|--:|--:|--:|--:|--:|--:|\n"), std::string::npos) << md;
  EXPECT_NE(md.find("| 0.01 | 3 | 82.00 ± 1.15 | 77.03–86.97 | 83.00 ± 1.15 | best | 0.1800 ± 0.0115 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 0.1 | 2 | 72.00 ± 2.00 | 46.59–97.41 | 73.00 ± 2.00 | 0.0665 | 0.2800 ± 0.0200 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 1 | 1 | 50.00 | – | 52.00 | – | 0.5000 |"), std::string::npos) << md;  // n = 1: no fake spread
  EXPECT_TRUE(c.groups[0].best);
  EXPECT_NEAR(c.groups[1].p_vs_best, 0.066496, 1e-5);
  EXPECT_TRUE(std::isnan(c.groups[2].p_vs_best));
  // The same table with the standard deviation: only the ± changes (the CI is always the mean's).
  const std::string sd = comparison_markdown(c, Spread::SD);
  EXPECT_NE(sd.find("mean ± SD (standard deviation) over 1–3 seeds"), std::string::npos) << sd;
  EXPECT_NE(sd.find("| lr | n | test accuracy % (mean ± SD) |"), std::string::npos) << sd;
  EXPECT_NE(sd.find("| 0.01 | 3 | 82.00 ± 2.00 | 77.03–86.97 | 83.00 ± 2.00 | best | 0.1800 ± 0.0200 |"), std::string::npos) << sd;
  EXPECT_NE(sd.find("| 0.1 | 2 | 72.00 ± 2.83 | 46.59–97.41 | 73.00 ± 2.83 | 0.0665 | 0.2800 ± 0.0283 |"), std::string::npos) << sd;
  const std::string csv = comparison_csv(c);
  EXPECT_EQ(csv.rfind("lr,n,runs,test_accuracy_mean,test_accuracy_sd,test_accuracy_se,test_accuracy_ci95_low,"
                      "test_accuracy_ci95_high,best_val_accuracy_mean,best_val_accuracy_sd,best_val_accuracy_se,best,"
                      "p_vs_best,test_loss_mean,test_loss_sd,test_loss_se,final_test_accuracy_mean,epochs_mean,"
                      "seconds_mean\n", 0), 0u) << csv;
  EXPECT_NE(csv.find("\n0.01,3,1 3 4,0.82,0.02,0.011547,0.770317,0.869683,0.83,0.02,0.011547,1,,0.18,0.02,0.011547,"
                     "0.87,10,5.33333\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n0.1,2,2 5,0.72,0.0282843,0.02,0.465876,0.974124,0.73,0.0282843,0.02,0,0.066496,0.28,0.0282843,"
                     "0.02,0.77,10,7\n"),
            std::string::npos) << csv;
  EXPECT_NE(csv.find("\n1,1,6,0.5,,,,,0.52,,,0,,0.5,,,0.55,10,12\n"), std::string::npos) << csv;
}

TEST(Compare, LatexTableHasACaptionSayingWhichSpreadWithCiAndP) {
  std::vector<RunRecord> runs = {run_with(1, 0.01, 1, 0.80, 0.81), run_with(2, 0.1, 1, 0.70, 0.71),
                                 run_with(3, 0.01, 2, 0.82, 0.83), run_with(4, 0.01, 3, 0.84, 0.85),
                                 run_with(5, 0.1, 2, 0.74, 0.75),  run_with(6, 1.0, 1, 0.50, 0.52)};
  const Comparison c = compare_runs(runs);
  const std::string tex = comparison_latex(c);
  EXPECT_EQ(tex, "% needs \\usepackage{booktabs}\n\\begin{table}[htbp]\n\\centering\n\\small\n"
                 "\\caption{Test accuracy (\\%) at the best-validation epoch, mean $\\pm$ SE (standard error of the "
                 "mean) over 1--3 seeds per row; 95 \\% CI of the mean (Student's t); best row and p (Welch's t-test "
                 "against it) by validation accuracy.}\n"
                 "\\begin{tabular}{lrrrrrr}\n\\toprule\n"
                 "lr & n & test accuracy \\% & 95 \\% CI & val. accuracy \\% & p vs best & test loss \\\\\n"
                 " &  & (mean $\\pm$ SE) &  & (mean $\\pm$ SE) &  & (mean $\\pm$ SE) \\\\\n\\midrule\n"
                 "0.01 & 3 & 82.00 $\\pm$ 1.15 & 77.03--86.97 & 83.00 $\\pm$ 1.15 & best & 0.1800 $\\pm$ 0.0115 \\\\\n"
                 "0.1 & 2 & 72.00 $\\pm$ 2.00 & 46.59--97.41 & 73.00 $\\pm$ 2.00 & 0.0665 & 0.2800 $\\pm$ 0.0200 \\\\\n"
                 "1 & 1 & 50.00 & -- & 52.00 & -- & 0.5000 \\\\\n"
                 "\\bottomrule\n\\end{tabular}\n\\end{table}\n");
  const std::string sd = comparison_latex(c, Spread::SD);
  EXPECT_NE(sd.find("mean $\\pm$ SD (standard deviation) over 1--3 seeds"), std::string::npos) << sd;
  EXPECT_NE(sd.find("0.1 & 2 & 72.00 $\\pm$ 2.83 & 46.59--97.41 & 73.00 $\\pm$ 2.83 & 0.0665 &"), std::string::npos) << sd;
  // HTML: the caption, then numbers that cannot break across lines.
  const std::string html = comparison_html(c);
  EXPECT_EQ(html.rfind("<p class=\"caption\">Test accuracy (%) at the best-validation epoch", 0), 0u) << html;
  EXPECT_NE(html.find("<td class=\"n\" align=\"right\" style=\"white-space:nowrap\">82.00&nbsp;±&nbsp;1.15</td>"), std::string::npos) << html;
  // Without a validation set the last epoch stands, and the caption says that the ranking is by the test set.
  for (RunRecord& r : runs) {
    r.config.data.validation_fraction = 0;
    for (EpochEvent& e : r.history) e.val_accuracy = kNone;
  }
  const Comparison last = compare_runs(runs);
  EXPECT_NE(last.caption().find("Test accuracy (%) at the last epoch, mean ± SE"), std::string::npos) << last.caption();
  EXPECT_NE(last.caption().find("no validation set, so the best row and p"), std::string::npos) << last.caption();
}

TEST(Compare, ColumnHeadersAreTheKeysLastPartsUnlessTwoEndAlike) {
  EXPECT_EQ(key_headers({"training.optimizer.lr", "model.mlp.dropout", "variant"}),
            (std::vector<std::string>{"lr", "dropout", "variant"}));
  EXPECT_EQ(key_headers({"training.optimizer.lr", "training.schedule.lr", "training.l2"}),
            (std::vector<std::string>{"optimizer.lr", "schedule.lr", "l2"}));
  Spread s = Spread::SE;
  EXPECT_TRUE(parse_spread("SD", s));
  EXPECT_EQ(s, Spread::SD);
  EXPECT_TRUE(parse_spread("se", s));
  EXPECT_EQ(s, Spread::SE);
  EXPECT_FALSE(parse_spread("sem", s));
}

TEST(Compare, SeveralDifferingSettingsBecomeColumnsInSchemaOrder) {
  std::vector<RunRecord> runs = {run_with(1, 0.01, 1, 0.8, 0.8), run_with(2, 0.01, 1, 0.9, 0.9)};
  runs[1].config.training.optimizer.type = "adam";
  runs[1].config.model.mlp->hidden = {128};
  Comparison c = compare_runs(runs);
  EXPECT_EQ(c.settings, (std::vector<std::string>{"model.mlp.hidden", "training.optimizer.type"}));
  ASSERT_EQ(c.groups.size(), 2u);
  EXPECT_EQ(c.groups[1].values, (std::vector<std::string>{"[128]", "adam"}));
  // Numbers as the sweep summary shows them, whole ones in full.
  runs[1].config.data.train_limit = 60000;
  runs[1].config.training.optimizer.lr = 0.004641588834;
  const Comparison d = compare_runs(runs);
  ASSERT_EQ(d.settings.size(), 4u);
  EXPECT_EQ(d.groups[0].values, (std::vector<std::string>{"0", "[500,50]", "sgd", "0.01"})) << d.settings[0];
  EXPECT_EQ(d.groups[1].values, (std::vector<std::string>{"60000", "[128]", "adam", "0.004642"}));
}

// ---- the report's charts ----


namespace {
double svg_height(const std::string& svg) {
  const size_t at = svg.find("height=\"");
  return at == std::string::npos ? 0 : std::stod(svg.substr(at + 8));
}
}  // namespace

TEST(ReportCharts, RoundTicksWholeEpochsAndLabelsThatWrapInsteadOfBeingCut) {
  // Values from 0.659 to 0.683 get ticks at 0.66, 0.67, 0.68, never at the odd ends.
  const std::vector<double> t = nice_ticks(0.655, 0.685, 5);
  ASSERT_EQ(t.size(), 3u);
  for (size_t i = 0; i < t.size(); ++i) EXPECT_NEAR(t[i], 0.66 + 0.01 * i, 1e-12);
  EXPECT_EQ(nice_ticks(1, 3, 6, true), (std::vector<double>{1, 2, 3}));  // epochs: whole numbers only
  EXPECT_EQ(nice_ticks(1, 3, 6).size(), 5u);                             // 1, 1.5, 2, 2.5, 3 otherwise
  SvgChart c;
  c.title = "Validation accuracy over epochs", c.x_label = "epoch", c.integer_x = true;
  SvgSeries a;
  a.name = "a", a.color = "#1f77b4", a.points = {{1, 0.5}, {2, 0.6}, {3, 0.7}};
  a.band = {{0.45, 0.55}, {0.5, 0.7}, {0.65, 0.75}};
  c.series.push_back(a);
  const std::string one = svg_line_chart(c);
  EXPECT_NE(one.find(">2</text>"), std::string::npos);
  EXPECT_EQ(one.find(">1.5</text>"), std::string::npos);
  EXPECT_NE(one.find("<polygon"), std::string::npos);  // the band
  // Ten long legend entries wrap onto more rows: the chart grows, nothing is cut.
  for (int i = 0; i < 9; ++i) {
    SvgSeries b;
    b.name = "dropout=0.2, lr=0.001, l2=0.0001 #" + std::to_string(i), b.color = "#ff7f0e", b.points = {{1, 0.6}};
    c.series.push_back(b);
  }
  const std::string many = svg_line_chart(c);
  EXPECT_GT(svg_height(many), svg_height(one) + 40);
  for (int i = 0; i < 9; ++i) EXPECT_NE(many.find("l2=0.0001 #" + std::to_string(i) + "</text>"), std::string::npos);
  // Box labels: "key=value" parts on lines of their own, or upright when a word is wider than its box.
  std::vector<SvgBox> boxes(6);
  for (size_t i = 0; i < boxes.size(); ++i) {
    boxes[i].label = "dropout=0.2, lr=0.01, l2=0.0001", boxes[i].color = "#1f77b4";
    boxes[i].min = 60, boxes[i].q1 = 61, boxes[i].median = 62, boxes[i].q3 = 63, boxes[i].max = 64;
    boxes[i].points = {60, 62, 64};
  }
  const std::string stacked = svg_box_chart("Test accuracy", "test accuracy %", boxes);
  EXPECT_NE(stacked.find(">l2=0.0001</text>"), std::string::npos) << stacked;
  EXPECT_EQ(stacked.find("rotate(-90)\" text-anchor=\"end\""), std::string::npos);
  boxes[0].label = "a_very_long_variant_name_without_any_space";
  const std::string upright = svg_box_chart("Test accuracy", "test accuracy %", boxes);
  EXPECT_NE(upright.find(">a_very_long_variant_name_without_any_space</text>"), std::string::npos);
  EXPECT_NE(upright.find("rotate(-90)\" text-anchor=\"end\""), std::string::npos);
  EXPECT_GT(svg_height(upright), svg_height(stacked));
  size_t dots = 0;
  for (size_t at = stacked.find("<circle"); at != std::string::npos; at = stacked.find("<circle", at + 1)) ++dots;
  EXPECT_EQ(dots, 18u);  // each run's value
}
