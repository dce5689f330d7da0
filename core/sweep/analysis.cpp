#include "sweep/analysis.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <set>

#include "config/config_json.h"
#include "train/numbers.h"

namespace hyperlab {

namespace {

std::string cell(double v, const char* f = "%.4f") { return number_text(v, f); }

bool with_epochs(const std::vector<ConfigSummary>& s) {
  for (const ConfigSummary& c : s)
    if (c.resource > 0) return true;
  return false;
}

std::string csv_cell(const std::string& c) {
  if (c.find_first_of(",\"\n") == std::string::npos) return c;
  std::string q = "\"";
  for (char ch : c) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

// "validation accuracy at the best-validation epoch": the objective at the epoch
// the runs select, by the sweep's base config (each run's, when there is none to read).
std::string objective_at(const SweepSpec& spec) {
  const ConfigResult base = parse_config_text(spec.base_text, "base");
  return base.ok() ? at_selected_text(spec.metric, selection_monitor(base.config))
                   : metric_label(spec.metric) + " at each run's selected epoch";
}

}  // namespace

std::vector<std::string> sweep_keys(const SweepSpec& spec, const std::vector<ConfigSummary>& s) {
  std::vector<std::string> keys;
  for (const ParamSpec& p : spec.params)
    if (std::find(keys.begin(), keys.end(), p.key) == keys.end()) keys.push_back(p.key);
  std::set<std::string> others;  // set by the trials but not a parameter (an older sweep's): after them, sorted
  for (const ConfigSummary& c : s)
    for (const auto& kv : c.settings)
      if (std::find(keys.begin(), keys.end(), kv.first) == keys.end()) others.insert(kv.first);
  keys.insert(keys.end(), others.begin(), others.end());
  return keys;
}

std::string config_label(const Settings& settings, const std::vector<std::string>& keys) {
  const std::vector<std::string> heads = key_headers(keys);
  std::string out;
  for (size_t i = 0; i < keys.size(); ++i) {
    auto it = settings.find(keys[i]);
    if (it == settings.end()) continue;
    const bool variant = keys[i].find('.') == std::string::npos;
    out += (out.empty() ? "" : ", ") + (variant ? "" : heads[i] + "=") + display_value(it->second);
  }
  return out;
}

std::string sweep_summary_caption(const std::vector<ConfigSummary>& s, const SweepSpec& spec, Spread spread) {
  int fewest = 0, most = 0;
  for (const ConfigSummary& c : s)
    if (c.stats.n > 0) fewest = fewest == 0 ? c.stats.n : std::min(fewest, c.stats.n), most = std::max(most, c.stats.n);
  std::string t = objective_at(spec);
  t[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(t[0])));
  return t + ", mean ± " + spread_name(spread) + " (" + spread_words(spread) + ") " + seeds_text(fewest, most) +
         " per configuration; 95 % CI of the mean (Student's t); p: Welch's t-test against the best configuration (" +
         (spec.maximize ? "highest" : "lowest") + " mean). The test accuracy at the same epochs is reported, never "
         "used to choose.";
}

ResultTable sweep_summary_table(const std::vector<ConfigSummary>& s, const SweepSpec& spec, Spread spread) {
  const std::vector<std::string> keys = sweep_keys(spec, s);
  const bool ep = with_epochs(s);
  ResultTable t;
  t.caption = sweep_summary_caption(s, spec, spread);
  t.head = key_headers(keys);
  t.text_columns = t.head.size();
  const std::string pm = " (mean ± " + spread_name(spread) + ")";
  if (ep) t.head.push_back("epochs");
  for (std::string h : {std::string("n"), metric_label(spec.metric) + pm, std::string("95 % CI"), std::string("min"),
                        std::string("max"), std::string("p vs best"), "test accuracy" + pm})
    t.head.push_back(h);
  for (const ConfigSummary& c : s) {
    std::vector<std::string> r;
    for (const std::string& k : keys) r.push_back(c.settings.count(k) ? display_value(c.settings.at(k)) : "–");
    if (ep) r.push_back(std::to_string(c.resource));
    const Stats& st = c.stats;
    r.push_back(std::to_string(st.n));
    r.push_back(mean_spread_text(st, spread, 1, "%.4f"));
    r.push_back(ci_text(st, 1, "%.4f"));
    r.push_back(st.n ? cell(st.min) : "–");
    r.push_back(st.n ? cell(st.max) : "–");
    r.push_back(c.best ? "best" : std::isfinite(c.p_vs_best) ? cell(c.p_vs_best, "%.3g") : "–");
    r.push_back(mean_spread_text(c.test, spread, 1, "%.4f"));
    t.rows.push_back(r);
  }
  return t;
}

std::string sweep_summary_markdown(const std::vector<ConfigSummary>& s, const SweepSpec& spec, Spread spread) {
  return table_markdown(sweep_summary_table(s, spec, spread));
}
std::string sweep_summary_latex(const std::vector<ConfigSummary>& s, const SweepSpec& spec, Spread spread) {
  return table_latex(sweep_summary_table(s, spec, spread));
}
std::string sweep_summary_html(const std::vector<ConfigSummary>& s, const SweepSpec& spec, Spread spread) {
  return table_html(sweep_summary_table(s, spec, spread));
}

std::string sweep_summary_csv(const std::vector<ConfigSummary>& s, const SweepSpec& spec) {
  const std::vector<std::string> keys = sweep_keys(spec, s);
  const bool ep = with_epochs(s);
  const std::string m = spec.metric;
  std::string out;
  for (const std::string& h : key_headers(keys)) out += csv_cell(h) + ",";
  if (ep) out += "epochs,";
  out += "n," + m + "_mean," + m + "_sd," + m + "_se," + m + "_ci95_low," + m + "_ci95_high," + m + "_min," + m +
         "_max,best,p_vs_best,test_accuracy_mean,test_accuracy_sd,test_accuracy_se\n";
  for (const ConfigSummary& c : s) {
    for (const std::string& k : keys) out += csv_cell(c.settings.count(k) ? display_value(c.settings.at(k)) : "") + ",";
    if (ep) out += std::to_string(c.resource) + ",";
    const Stats& st = c.stats;
    out += std::to_string(st.n);
    for (double v : {st.mean, st.sd, st.se, st.ci95_lo, st.ci95_hi, st.min, st.max}) out += "," + cell(v, "%.6g");
    out += std::string(",") + (c.best ? "1" : "0") + "," + cell(c.p_vs_best, "%.6g");
    for (double v : {c.test.mean, c.test.sd, c.test.se}) out += "," + cell(v, "%.6g");
    out += "\n";
  }
  return out;
}

std::vector<ConfigSummary> summarize_sweep(const std::vector<TrialRow>& trials, bool maximize) {
  std::vector<ConfigSummary> out;
  for (const TrialRow& t : trials) {
    if (t.status == "queued" || t.status == "running") continue;
    ConfigSummary c;
    c.trial = t.id, c.settings = t.settings, c.resource = t.resource, c.status = t.status, c.values = t.values;
    c.stats = stats_of(t.values);
    c.tests = t.tests;
    c.test = stats_of(t.tests);
    out.push_back(c);
  }
  int best = -1;
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i].stats.n > 0 &&
        (best < 0 || (maximize ? out[i].stats.mean > out[best].stats.mean : out[i].stats.mean < out[best].stats.mean)))
      best = static_cast<int>(i);
  if (best >= 0) {
    out[best].best = true;
    auto finite = [](const std::vector<double>& v) {
      std::vector<double> f;
      for (double x : v)
        if (std::isfinite(x)) f.push_back(x);
      return f;
    };
    const std::vector<double> b = finite(out[best].values);
    for (size_t i = 0; i < out.size(); ++i)
      if (static_cast<int>(i) != best) out[i].p_vs_best = welch_p_value(finite(out[i].values), b);
  }
  return out;
}

BandCurve band_curve(const std::vector<std::vector<double>>& curves) {
  BandCurve b;
  size_t len = 0;
  for (const auto& c : curves) len = std::max(len, c.size());
  for (size_t e = 0; e < len; ++e) {
    std::vector<double> v;
    for (const auto& c : curves)
      if (e < c.size()) v.push_back(c[e]);
    Stats s = stats_of(v);
    if (s.n == 0) continue;
    b.epochs.push_back(static_cast<int>(e) + 1);
    b.mean.push_back(s.mean), b.sd.push_back(s.sd), b.se.push_back(s.se), b.n.push_back(s.n);
  }
  return b;
}

BoxStats box_stats(std::vector<double> values) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double x) { return !std::isfinite(x); }), values.end());
  BoxStats b;
  b.n = static_cast<int>(values.size());
  if (values.empty()) return b;
  std::sort(values.begin(), values.end());
  auto q = [&](double p) {
    const double pos = p * (values.size() - 1);
    const size_t i = static_cast<size_t>(std::floor(pos));
    const double f = pos - i;
    return i + 1 < values.size() ? values[i] + f * (values[i + 1] - values[i]) : values[i];
  };
  b.min = values.front(), b.max = values.back(), b.q1 = q(0.25), b.median = q(0.5), b.q3 = q(0.75);
  double sum = 0;
  for (double x : values) sum += x;
  b.mean = sum / values.size();
  return b;
}

std::vector<double> best_so_far(const std::vector<double>& values, bool maximize) {
  std::vector<double> out;
  double best = kNone;
  for (double v : values) {
    if (std::isfinite(v) && (!std::isfinite(best) || (maximize ? v > best : v < best))) best = v;
    out.push_back(best);
  }
  return out;
}

double ParamAxis::position(const std::string& value) const {
  if (!numeric) {
    auto it = std::find(categories.begin(), categories.end(), value);
    if (it == categories.end()) return kNone;
    return categories.size() == 1 ? 0.5 : double(it - categories.begin()) / (categories.size() - 1);
  }
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  if (end == value.c_str() || !std::isfinite(v) || (log && v <= 0)) return kNone;
  if (hi <= lo) return 0.5;
  return log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) : (v - lo) / (hi - lo);
}

std::vector<ParamAxis> param_axes(const SweepSpec& spec, const std::vector<TrialRow>& trials) {
  std::vector<ParamAxis> axes;
  for (const ParamSpec& p : spec.params) {
    ParamAxis a;
    a.key = p.key;
    a.log = p.kind == ParamSpec::Kind::Log || p.kind == ParamSpec::Kind::LogUniform;
    bool any = false;
    for (const TrialRow& t : trials) {
      auto it = t.settings.find(p.key);
      if (it == t.settings.end()) continue;
      char* end = nullptr;
      const double v = std::strtod(it->second.c_str(), &end);
      const bool is_num = end != it->second.c_str() && *end == '\0' && std::isfinite(v);
      if (!is_num) a.numeric = false;
      if (std::find(a.categories.begin(), a.categories.end(), it->second) == a.categories.end())
        a.categories.push_back(it->second);
      if (is_num) {
        if (!any || v < a.lo) a.lo = v;
        if (!any || v > a.hi) a.hi = v;
        any = true;
      }
    }
    if (!a.numeric) a.log = false;
    else a.categories.clear();
    // A list of values spanning more than two decades reads best on a log axis too.
    if (a.numeric && p.kind == ParamSpec::Kind::List && a.lo > 0 && a.hi / a.lo >= 100) a.log = true;
    axes.push_back(a);
  }
  return axes;
}

namespace {

std::string html_esc(const std::string& t) {
  std::string o;
  for (char c : t) o += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
  return o;
}

std::string upper_first(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

// What was searched and how.
std::string sweep_description(const SweepSpec& spec) {
  std::string b = "<p>Strategy <b>" + spec.strategy + "</b>, " + std::to_string(spec.repeats) +
                  " seed(s) per configuration, objective: " + (spec.maximize ? "maximise" : "minimise") + " <b>" +
                  html_esc(metric_label(spec.metric)) + "</b> at each run's selected epoch; the test accuracy there is "
                  "reported beside it and never chose anything. Settings varied:</p>\n<ul>";
  for (const ParamSpec& p : spec.params) {
    b += "<li>" + html_esc(p.key) + ": ";
    if (!p.values.empty()) {
      for (size_t i = 0; i < p.values.size(); ++i) b += (i ? ", " : "") + html_esc(display_value(p.values[i]));
    } else {
      b += cell(p.lo, "%g") + " to " + cell(p.hi, "%g");
      b += p.kind == ParamSpec::Kind::Log ? " (log grid)" : p.kind == ParamSpec::Kind::Linear ? " (linear grid)"
           : p.kind == ParamSpec::Kind::LogUniform ? " (log-uniform)" : " (uniform)";
    }
    b += "</li>";
  }
  return b + "</ul>\n";
}

// The objective against each setting: each configuration's mean ± spread, and each seed's value.
void add_setting_charts(ReportParts& r, const SweepSpec& spec, const std::vector<TrialRow>& trials,
                        const std::vector<ConfigSummary>& sum, Spread spread) {
  const std::vector<ParamAxis> axes = param_axes(spec, trials);
  if (!axes.empty()) r.body += "<h2>Against each setting</h2>\n";
  for (const ParamAxis& a : axes) {
    SvgChart ch;
    ch.title = upper_first(metric_label(spec.metric)) + " against " + a.key + ": mean ± " + spread_name(spread) +
               " per configuration (each seed: grey dot)";
    ch.x_label = a.key + (a.log ? " (log scale)" : ""), ch.y_label = metric_label(spec.metric);
    ch.log_x = a.numeric && a.log;
    if (!a.numeric)
      for (const std::string& cat : a.categories) ch.x_categories.push_back(display_value(cat));
    SvgSeries seeds{"each seed", "#9e9e9e", {}, {}, true, 2.5}, means{"mean ± " + spread_name(spread), run_color(0), {}, {}, true, 4};
    for (const ConfigSummary& c : sum) {
      auto it = c.settings.find(a.key);
      if (it == c.settings.end()) continue;
      double x = kNone;
      if (a.numeric) x = std::strtod(it->second.c_str(), nullptr);
      else x = double(std::find(a.categories.begin(), a.categories.end(), it->second) - a.categories.begin());
      for (double v : c.values) seeds.points.push_back({x, v});
      const double sp = spread == Spread::SD ? c.stats.sd : c.stats.se;
      means.points.push_back({x, c.stats.mean});
      means.band.push_back({c.stats.mean - sp, c.stats.mean + sp});
    }
    ch.series = {seeds, means};
    add_chart(r, svg_line_chart(ch));
  }
}

void add_best_so_far(ReportParts& r, const SweepSpec& spec, const std::vector<TrialRow>& trials) {
  SvgChart best;
  best.title = "Best " + metric_label(spec.metric) + " so far, trial by trial";
  best.x_label = "trial", best.y_label = metric_label(spec.metric), best.integer_x = true;
  std::vector<double> vals;
  for (const TrialRow& t : trials)
    if (t.status != "queued" && t.status != "running") vals.push_back(t.value);
  const std::vector<double> bsf = best_so_far(vals, spec.maximize);
  SvgSeries each{"trial value (mean over its seeds)", "#90a4ae", {}, {}, true, 3}, line{"best so far", run_color(0), {}, {}, false, 3};
  for (size_t i = 0; i < vals.size(); ++i) {
    if (std::isfinite(vals[i])) each.points.push_back({double(i + 1), vals[i]});
    if (std::isfinite(bsf[i])) line.points.push_back({double(i + 1), bsf[i]});
  }
  best.series = {each, line};
  add_chart(r, svg_line_chart(best));
}

}  // namespace

ReportParts make_sweep_report(const SweepSpec& spec, const std::vector<TrialRow>& trials,
                              const std::vector<RunRecord>& runs, const ReportOptions& o) {
  ReportParts r;
  r.title = "Sweep " + spec.name;
  r.body = "<h1>" + html_esc(r.title) + "</h1>\n" + sweep_description(spec);
  const std::vector<ConfigSummary> sum = summarize_sweep(trials, spec.maximize);
  r.body += "<h2>Summary per configuration</h2>\n" +
            (sum.empty() ? std::string("<p>No trial has a result yet.</p>\n") : sweep_summary_html(sum, spec, o.spread));
  // The configurations' runs, ranked by the objective's mean.
  const std::vector<std::string> keys = sweep_keys(spec, sum);
  const bool ep = with_epochs(sum);
  std::vector<ReportGroup> groups;
  std::vector<const ConfigSummary*> of;
  for (const ConfigSummary& c : sum) {
    ReportGroup g;
    g.label = config_label(c.settings, keys) + (ep ? ", " + std::to_string(c.resource) + " epochs" : "");
    for (const RunRecord& x : runs)
      if (x.summary.trial == c.trial) g.runs.push_back(&x);
    if (g.runs.empty()) continue;
    groups.push_back(g);
    of.push_back(&c);
  }
  for (size_t i = 0; i < groups.size(); ++i)
    for (size_t k = 0; k < groups.size(); ++k) {
      const double a = of[i]->stats.mean, b = of[k]->stats.mean;
      const bool better = std::isfinite(b) && (!std::isfinite(a) || (spec.maximize ? b > a : b < a) || (b == a && k < i));
      if (k != i && better) ++groups[i].rank;
    }
  add_group_charts(r, groups, spec.metric, o.spread);
  add_setting_charts(r, spec, trials, sum, o.spread);
  add_best_so_far(r, spec, trials);
  add_group_details(r, groups, runs, o);
  return r;
}

}  // namespace hyperlab
