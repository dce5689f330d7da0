#include "store/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "sweep/sweep.h"

namespace hyperlab {

namespace {

using ojson = nlohmann::ordered_json;

// Flattens a config to (key path, value text), in schema order.
void flatten(const ojson& j, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    return;
  }
  std::string v = j.is_string() ? j.get<std::string>() : j.dump();
  out.push_back({prefix, v});
}

const std::string kAbsent = std::string(1, '\x01') + "absent";

bool ignored(const std::string& key) {
  return key == "name" || key == "description" || key == "version" || key == "training.seed";
}

std::vector<std::pair<std::string, std::string>> settings_of(const RunRecord& r) {
  std::vector<std::pair<std::string, std::string>> out;
  flatten(config_to_json(r.config), "", out);
  std::vector<std::pair<std::string, std::string>> kept;
  for (auto& kv : out)
    if (!ignored(kv.first)) kept.push_back(kv);
  return kept;
}

std::string plain(double v, const char* f = "%.6g") { return number_text(v, f); }

// A setting's value as the sweep summary shows it (display_value: "0.01",
// "0", not "0.0"), but whole numbers in full ("60000", not "6e+04").
std::string shown_value(const std::string& v) {
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (!v.empty() && *end == '\0' && std::isfinite(x) && x == std::floor(x) && std::abs(x) < 1e15)
    return number_text(x, "%.0f");
  return display_value(v);
}

std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

namespace {
// Regularised incomplete beta I_x(a, b), by its continued fraction (Lentz).
double beta_cf(double a, double b, double x) {
  const double tiny = 1e-300;
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  d = 1 / (std::abs(d) < tiny ? tiny : d);
  double h = d;
  for (int m = 1; m <= 300; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d, c = 1 + aa / c;
    d = 1 / (std::abs(d) < tiny ? tiny : d), c = std::abs(c) < tiny ? tiny : c;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d, c = 1 + aa / c;
    d = 1 / (std::abs(d) < tiny ? tiny : d), c = std::abs(c) < tiny ? tiny : c;
    const double del = d * c;
    h *= del;
    if (std::abs(del - 1) < 1e-15) break;
  }
  return h;
}
double incomplete_beta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log(1 - x));
  return x < (a + 1) / (a + b + 2) ? front * beta_cf(a, b, x) / a : 1 - front * beta_cf(b, a, 1 - x) / b;
}
}  // namespace

double student_t_cdf(double t, double df) {
  const double x = df / (df + t * t);
  const double tail = 0.5 * incomplete_beta(df / 2, 0.5, x);  // P(T > |t|)
  return t >= 0 ? 1 - tail : tail;
}

double student_t_quantile(double p, double df) {
  double lo = -1e6, hi = 1e6;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (student_t_cdf(mid, df) < p ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

double welch_p_value(const std::vector<double>& a, const std::vector<double>& b) {
  Stats x = stats_of(a), y = stats_of(b);
  if (x.n < 2 || y.n < 2) return kNone;
  const double va = x.sd * x.sd / x.n, vb = y.sd * y.sd / y.n;
  if (va + vb <= 0) return kNone;
  const double t = (x.mean - y.mean) / std::sqrt(va + vb);
  const double df = (va + vb) * (va + vb) / (va * va / (x.n - 1) + vb * vb / (y.n - 1));  // Welch–Satterthwaite
  return 2 * (1 - student_t_cdf(std::abs(t), df));
}

Stats stats_of(const std::vector<double>& values) {
  Stats s;
  double sum = 0;
  for (double v : values)
    if (std::isfinite(v)) {
      ++s.n, sum += v;
      s.min = std::isfinite(s.min) ? std::min(s.min, v) : v;
      s.max = std::isfinite(s.max) ? std::max(s.max, v) : v;
    }
  if (s.n == 0) return s;
  s.mean = sum / s.n;
  if (s.n >= 2) {
    double ss = 0;
    for (double v : values)
      if (std::isfinite(v)) ss += (v - s.mean) * (v - s.mean);
    s.sd = std::sqrt(ss / (s.n - 1));
    s.se = s.sd / std::sqrt(double(s.n));
    const double half = student_t_quantile(0.975, s.n - 1) * s.se;
    s.ci95_lo = s.mean - half, s.ci95_hi = s.mean + half;
  }
  return s;
}

std::vector<std::string> differing_settings(const std::vector<RunRecord>& runs) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::string>> values;  // key -> value per run ("" if absent)
  for (size_t r = 0; r < runs.size(); ++r)
    for (auto& kv : settings_of(runs[r])) {
      auto& v = values[kv.first];
      if (v.empty()) order.push_back(kv.first);
      v.resize(runs.size(), kAbsent);
      v[r] = kv.second;
    }
  // A key differs when two runs that have it disagree. A key only some runs
  // have (momentum for SGD, betas for Adam) follows from another setting that
  // differs (the optimizer type), and is not a difference of its own.
  std::vector<std::string> out;
  for (const std::string& k : order) {
    auto& v = values[k];
    const std::string* first = nullptr;
    for (const std::string& x : v) {
      if (x == kAbsent) continue;
      if (!first) first = &x;
      else if (x != *first) {
        out.push_back(k);
        break;
      }
    }
  }
  return out;
}

std::string setting_value(const RunRecord& run, const std::string& key) {
  for (auto& kv : settings_of(run))
    if (kv.first == key) return kv.second;
  return "";
}

Comparison compare_runs(const std::vector<RunRecord>& runs) {
  Comparison c;
  c.settings = differing_settings(runs);
  std::map<std::string, size_t> index;  // config without seed -> group
  std::vector<std::vector<const RunRecord*>> members;
  for (const RunRecord& r : runs) {
    std::string key;
    for (auto& kv : settings_of(r)) key += kv.first + "=" + kv.second + "\n";
    auto it = index.find(key);
    if (it == index.end()) {
      it = index.emplace(key, c.groups.size()).first;
      RunGroup g;
      for (const std::string& s : c.settings) g.values.push_back(shown_value(setting_value(r, s)));
      c.groups.push_back(g);
      members.emplace_back();
    }
    c.groups[it->second].run_ids.push_back(r.summary.id);
    members[it->second].push_back(&r);
  }
  // Every number from the one definition of a run's result (train/numbers.h).
  bool all_val = !c.groups.empty();
  std::set<std::string> selections;
  for (size_t i = 0; i < c.groups.size(); ++i) {
    RunGroup& g = c.groups[i];
    g.label = members[i].front()->config.description;
    for (const RunRecord* r : members[i])
      if (r->config.description != g.label) g.label.clear();
    std::vector<double> ep, sec;
    for (const RunRecord* r : members[i]) {
      const RunNumbers n = run_numbers(*r);
      g.val_values.push_back(n.selected.val_accuracy), g.test_values.push_back(n.test_accuracy);
      g.test_losses.push_back(n.test_loss), g.final_test_values.push_back(n.final_test_accuracy);
      ep.push_back(r->summary.epochs_run), sec.push_back(r->summary.seconds);
      selections.insert(n.selected_by);
    }
    g.best_val_accuracy = stats_of(g.val_values), g.test_accuracy = stats_of(g.test_values);
    g.test_loss = stats_of(g.test_losses), g.final_test_accuracy = stats_of(g.final_test_values);
    g.epochs = stats_of(ep), g.seconds = stats_of(sec);
    if (g.best_val_accuracy.n == 0) all_val = false;
  }
  c.selected_by = selections.size() == 1 ? *selections.begin() : "mixed";
  // Descriptions name the groups only when they tell every group apart (a
  // sweep's trials: "dropout 0.2, lr=0.01"), not when all share the preset's.
  std::set<std::string> labels;
  for (const RunGroup& g : c.groups) labels.insert(g.label);
  if (labels.size() != c.groups.size() || labels.count(""))
    for (RunGroup& g : c.groups) g.label.clear();
  // The best group: by mean validation accuracy, as a sweep ranks; without a
  // validation set, by test accuracy, which the table then says (a report, not a choice).
  c.ranked_by = all_val ? "val_accuracy" : "test_accuracy";
  auto rank_values = [&](const RunGroup& g) -> const std::vector<double>& {
    return all_val ? g.val_values : g.test_values;
  };
  auto rank_stats = [&](const RunGroup& g) { return all_val ? g.best_val_accuracy : g.test_accuracy; };
  size_t best = c.groups.size();
  for (size_t i = 0; i < c.groups.size(); ++i)
    if (rank_stats(c.groups[i]).n > 0 &&
        (best == c.groups.size() || rank_stats(c.groups[i]).mean > rank_stats(c.groups[best]).mean))
      best = i;
  if (best < c.groups.size()) {
    c.groups[best].best = true;
    for (size_t i = 0; i < c.groups.size(); ++i)
      if (i != best) c.groups[i].p_vs_best = welch_p_value(rank_values(c.groups[i]), rank_values(c.groups[best]));
  }
  return c;
}

std::string mean_spread_text(const Stats& s, Spread spread, double scale, const char* format) {
  if (s.n == 0) return "–";
  std::string t = number_text(scale * s.mean, format);
  if (s.n >= 2) t += " ± " + number_text(scale * (spread == Spread::SD ? s.sd : s.se), format);
  return t;
}

std::string ci_text(const Stats& s, double scale, const char* format) {
  if (s.n < 2) return "–";
  return number_text(scale * s.ci95_lo, format) + "–" + number_text(scale * s.ci95_hi, format);
}

std::string seeds_text(int fewest, int most) {
  if (most <= 1) return "over 1 seed";
  return "over " + (fewest == most ? std::to_string(most) : std::to_string(fewest) + "–" + std::to_string(most)) +
         " seeds";
}

std::string Comparison::caption(Spread spread) const {
  int fewest = 0, most = 0;
  for (const RunGroup& g : groups) {
    fewest = fewest == 0 ? g.test_accuracy.n : std::min(fewest, g.test_accuracy.n);
    most = std::max(most, g.test_accuracy.n);
  }
  const std::string at = selected_by == "mixed" ? "at each run's selected epoch" : at_selected_text("", selected_by);
  std::string s = "Test accuracy (%) " + at + ", mean ± " + spread_name(spread) + " (" + spread_words(spread) + ") " +
                  seeds_text(fewest, most) + " per row; 95 % CI of the mean (Student's t); ";
  s += ranked_by == "val_accuracy"
           ? "best row and p (Welch's t-test against it) by validation accuracy."
           : "no validation set, so the best row and p (Welch's t-test against it) are by test accuracy: reported, "
             "nothing was chosen by it.";
  return s;
}

std::string Comparison::label(const RunGroup& g) const {
  const std::vector<std::string> heads = key_headers(settings);
  std::string s;
  for (size_t i = 0; i < heads.size() && i < g.values.size(); ++i)
    s += (s.empty() ? "" : ", ") + heads[i] + "=" + g.values[i];
  return s.empty() ? "all runs" : s;
}

ResultTable comparison_table(const Comparison& c, Spread spread) {
  ResultTable t;
  t.caption = c.caption(spread);
  t.head = key_headers(c.settings);
  t.text_columns = t.head.size();
  const std::string pm = " (mean ± " + spread_name(spread) + ")";
  for (std::string h : {std::string("n"), "test accuracy %" + pm, std::string("95 % CI"), "val. accuracy %" + pm,
                        std::string("p vs best"), "test loss" + pm})
    t.head.push_back(h);
  for (const RunGroup& g : c.groups) {
    std::vector<std::string> r = g.values;
    r.push_back(std::to_string(g.test_accuracy.n));
    r.push_back(mean_spread_text(g.test_accuracy, spread, 100, "%.2f"));
    r.push_back(ci_text(g.test_accuracy, 100, "%.2f"));
    r.push_back(mean_spread_text(g.best_val_accuracy, spread, 100, "%.2f"));
    r.push_back(g.best ? std::string("best") : std::isfinite(g.p_vs_best) ? number_text(g.p_vs_best, "%.3g") : "–");
    r.push_back(mean_spread_text(g.test_loss, spread, 1, "%.4f"));
    t.rows.push_back(r);
  }
  return t;
}

std::string comparison_markdown(const Comparison& c, Spread spread) { return table_markdown(comparison_table(c, spread)); }
std::string comparison_latex(const Comparison& c, Spread spread) { return table_latex(comparison_table(c, spread)); }
std::string comparison_html(const Comparison& c, Spread spread) { return table_html(comparison_table(c, spread)); }

std::string comparison_csv(const Comparison& c) {
  std::string out;
  for (const std::string& s : key_headers(c.settings)) out += csv_quote(s) + ",";
  out += "n,runs,test_accuracy_mean,test_accuracy_sd,test_accuracy_se,test_accuracy_ci95_low,test_accuracy_ci95_high,"
         "best_val_accuracy_mean,best_val_accuracy_sd,best_val_accuracy_se,best,p_vs_best,test_loss_mean,test_loss_sd,"
         "test_loss_se,final_test_accuracy_mean,epochs_mean,seconds_mean\n";
  for (const RunGroup& g : c.groups) {
    for (const std::string& v : g.values) out += csv_quote(v) + ",";
    std::string ids;
    for (int64_t id : g.run_ids) ids += (ids.empty() ? "" : " ") + std::to_string(id);
    const Stats &ta = g.test_accuracy, &va = g.best_val_accuracy, &tl = g.test_loss;
    for (const std::string& cell :
         {std::to_string(ta.n), ids, plain(ta.mean), plain(ta.sd), plain(ta.se), plain(ta.ci95_lo), plain(ta.ci95_hi),
          plain(va.mean), plain(va.sd), plain(va.se), std::string(g.best ? "1" : "0"), plain(g.p_vs_best),
          plain(tl.mean), plain(tl.sd), plain(tl.se), plain(g.final_test_accuracy.mean), plain(g.epochs.mean)})
      out += cell + ",";
    out += plain(g.seconds.mean) + "\n";
  }
  return out;
}

}  // namespace hyperlab
