#include "sweep/analysis.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace hyperlab {

namespace {

std::string cell(double v, const char* f = "%.4f") {
  if (!std::isfinite(v)) return "";
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string short_key(const std::string& k) {
  const auto dot = k.find_last_of('.');
  return dot == std::string::npos ? k : k.substr(dot + 1);
}

std::vector<std::string> keys_of(const std::vector<ConfigSummary>& s) {
  std::set<std::string> keys;
  for (const ConfigSummary& c : s)
    for (const auto& kv : c.settings) keys.insert(kv.first);
  return {keys.begin(), keys.end()};
}

bool with_epochs(const std::vector<ConfigSummary>& s) {
  for (const ConfigSummary& c : s)
    if (c.resource > 0) return true;
  return false;
}

// Rows of cells (header first) for the text formats.
std::vector<std::vector<std::string>> table(const std::vector<ConfigSummary>& s, const std::string& metric,
                                            const std::string& pm) {
  const std::vector<std::string> keys = keys_of(s);
  const bool ep = with_epochs(s);
  std::vector<std::string> head;
  for (const std::string& k : keys) head.push_back(short_key(k));
  if (ep) head.push_back("epochs");
  for (const char* h : {"n", "mean", "SD", "SE", "95 % CI", "min", "max", "p vs best", "test accuracy mean"})
    head.push_back(h);
  head[keys.size() + ep + 1] = metric + " mean";
  std::vector<std::vector<std::string>> rows{head};
  for (const ConfigSummary& c : s) {
    std::vector<std::string> r;
    for (const std::string& k : keys) r.push_back(c.settings.count(k) ? display_value(c.settings.at(k)) : "");
    if (ep) r.push_back(std::to_string(c.resource));
    const Stats& st = c.stats;
    r.push_back(std::to_string(st.n));
    r.push_back(cell(st.mean));
    r.push_back(cell(st.sd));
    r.push_back(cell(st.se));
    r.push_back(st.n >= 2 ? cell(st.ci95_lo) + pm + cell(st.ci95_hi) : "");
    r.push_back(cell(st.min));
    r.push_back(cell(st.max));
    r.push_back(c.best ? "best" : cell(c.p_vs_best, "%.3g"));
    r.push_back(cell(c.test.mean));
    rows.push_back(r);
  }
  return rows;
}

}  // namespace

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

std::string sweep_summary_csv(const std::vector<ConfigSummary>& s, const std::string& metric) {
  std::string out;
  for (auto r : table(s, metric, ";")) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      std::string c = r[i];
      if (c.find_first_of(",\"") != std::string::npos) {
        std::string q = "\"";
        for (char ch : c) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
        c = q + "\"";
      }
      line += (i ? "," : "") + c;
    }
    out += line + "\n";
  }
  return out;
}

std::string sweep_summary_markdown(const std::vector<ConfigSummary>& s, const std::string& metric) {
  auto rows = table(s, metric, "–");
  std::string out;
  for (size_t r = 0; r < rows.size(); ++r) {
    out += "|";
    for (const std::string& c : rows[r]) out += " " + c + " |";
    out += "\n";
    if (r == 0) {
      out += "|";
      for (size_t i = 0; i < rows[0].size(); ++i) out += "---|";
      out += "\n";
    }
  }
  return out;
}

std::string sweep_summary_latex(const std::vector<ConfigSummary>& s, const std::string& metric) {
  auto esc = [](const std::string& t) {
    std::string o;
    for (char c : t) {
      if (c == '_' || c == '%' || c == '&' || c == '#') o += '\\';
      o += c;
    }
    return o;
  };
  auto rows = table(s, metric, "--");
  std::string out = "\\begin{tabular}{" + std::string(rows[0].size(), 'l') + "}\n\\toprule\n";
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t i = 0; i < rows[r].size(); ++i) out += (i ? " & " : "") + esc(rows[r][i]);
    out += " \\\\\n";
    if (r == 0) out += "\\midrule\n";
  }
  return out + "\\bottomrule\n\\end{tabular}\n";
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
}  // namespace

ReportParts make_sweep_report(const SweepSpec& spec, const std::vector<TrialRow>& trials,
                              const std::vector<RunRecord>& runs) {
  ReportParts r;
  r.title = "Sweep " + spec.name;
  std::string& b = r.body;
  b += "<h1>" + html_esc(r.title) + "</h1>\n<p>Strategy <b>" + spec.strategy + "</b>, " + std::to_string(spec.repeats) +
       " seed(s) per configuration, objective: " + (spec.maximize ? "maximise" : "minimise") + " <b>" +
       spec.metric + "</b> at each run's selected epoch; the test accuracy there is reported beside it and never "
       "chose anything. Settings varied:</p>\n<ul>";
  for (const ParamSpec& p : spec.params) {
    b += "<li>" + html_esc(p.key) + ": ";
    if (!p.values.empty()) {
      for (size_t i = 0; i < p.values.size(); ++i) b += (i ? ", " : "") + html_esc(display_value(p.values[i]));
    } else {
      b += cell(p.lo, "%g") + " to " + cell(p.hi, "%g");
      const char* kind = p.kind == ParamSpec::Kind::Log ? " (log grid)" : p.kind == ParamSpec::Kind::Linear ? " (linear grid)"
                         : p.kind == ParamSpec::Kind::LogUniform ? " (log-uniform)" : " (uniform)";
      b += kind;
    }
    b += "</li>";
  }
  b += "</ul>\n";
  const std::vector<ConfigSummary> sum = summarize_sweep(trials, spec.maximize);
  b += "<h2>Summary per configuration</h2>\n<p>The objective over each configuration's seeds: mean, standard deviation, "
       "standard error, 95 % confidence interval (Student's t), n, min and max, and Welch's t-test against the best "
       "configuration (a small p: the difference is unlikely to be noise). With one seed there is no spread and no test.</p>\n"
       "<table class=\"t\">";
  auto rows = table(sum, spec.metric, "–");
  for (size_t i = 0; i < rows.size(); ++i) {
    b += "<tr>";
    for (const std::string& c : rows[i]) b += (i ? "<td>" : "<th>") + html_esc(c) + (i ? "</td>" : "</th>");
    b += "</tr>\n";
  }
  b += "</table>\n";
  // Best so far.
  SvgChart best;
  best.title = "Best " + spec.metric + " so far";
  best.x_label = "trial";
  best.y_label = spec.metric;
  std::vector<double> vals;
  for (const TrialRow& t : trials)
    if (t.status != "queued" && t.status != "running") vals.push_back(t.value);
  const std::vector<double> bsf = best_so_far(vals, spec.maximize);
  SvgSeries each{"trial value", "#90a4ae", {}}, line{"best so far", run_color(0), {}};
  for (size_t i = 0; i < vals.size(); ++i) {
    if (std::isfinite(vals[i])) each.points.push_back({double(i + 1), vals[i]});
    if (std::isfinite(bsf[i])) line.points.push_back({double(i + 1), bsf[i]});
  }
  best.series = {each, line};
  // Mean curves of the best configurations (up to 6).
  SvgChart mean;
  mean.title = spec.metric + " over epochs, mean over seeds (best configurations)";
  mean.x_label = "epoch";
  mean.y_label = spec.metric;
  std::vector<ConfigSummary> order = sum;
  std::sort(order.begin(), order.end(), [&](const ConfigSummary& a, const ConfigSummary& c) {
    if (!std::isfinite(a.stats.mean)) return false;
    if (!std::isfinite(c.stats.mean)) return true;
    return spec.maximize ? a.stats.mean > c.stats.mean : a.stats.mean < c.stats.mean;
  });
  for (size_t k = 0; k < order.size() && k < 6; ++k) {
    std::vector<std::vector<double>> curves;
    for (const RunRecord& run : runs) {
      if (run.summary.trial != order[k].trial) continue;
      std::vector<double> c;
      for (const EpochEvent& e : run.history) c.push_back(epoch_metric(e, spec.metric));
      curves.push_back(c);
    }
    const BandCurve bc = band_curve(curves);
    SvgSeries ser{settings_label(spec, order[k].settings), run_color(static_cast<int64_t>(k) + 1), {}};
    for (size_t i = 0; i < bc.epochs.size(); ++i) ser.points.push_back({double(bc.epochs[i]), bc.mean[i]});
    if (!ser.points.empty()) mean.series.push_back(ser);
  }
  r.charts.push_back(svg_line_chart(best));
  b += "<p><!--chart:0--></p>\n";
  if (!mean.series.empty()) {
    r.charts.push_back(svg_line_chart(mean));
    b += "<p><!--chart:1--></p>\n";
  }
  // The runs' own report, its charts numbered after ours.
  if (!runs.empty()) {
    ReportParts rr = make_report(runs, "Runs of sweep " + spec.name);
    std::string body = rr.body;
    for (size_t i = rr.charts.size(); i-- > 0;) {
      const std::string from = "<!--chart:" + std::to_string(i) + "-->";
      const std::string to = "<!--chart:" + std::to_string(i + r.charts.size()) + "-->";
      for (size_t pos; (pos = body.find(from)) != std::string::npos;) body.replace(pos, from.size(), to);
    }
    b += body;
    for (auto& c : rr.charts) r.charts.push_back(std::move(c));
    for (auto& im : rr.images) r.images.push_back(std::move(im));
  }
  return r;
}

}  // namespace hyperlab
