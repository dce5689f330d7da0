#include "store/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include <zlib.h>

#include "store/compare.h"
#include "sweep/analysis.h"
#include "train/numbers.h"

namespace hyperlab {

// Helpers in their own namespace (the light unity group has other f() and esc()).
namespace report_impl {

std::string f(const char* fmt, double v) {
  char b[64];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) o += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : c == '"' ? "&quot;" : std::string(1, c);
  return o;
}

std::string capital(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

void put32(std::string& s, uint32_t v) {
  for (int k = 3; k >= 0; --k) s.push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
}

std::string base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += t[v >> 18], out += t[(v >> 12) & 63], out += t[(v >> 6) & 63], out += t[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += t[v >> 18], out += t[(v >> 12) & 63], out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += t[v >> 18], out += t[(v >> 12) & 63], out += t[(v >> 6) & 63], out += '=';
  }
  return out;
}

std::string swatch(const std::string& color) { return "<span style=\"color:" + color + "\">■</span> "; }

// "at the best-validation epoch" when every run selects alike.
std::string selected_words(const std::vector<ReportGroup>& groups) {
  std::set<std::string> by;
  for (const ReportGroup& g : groups)
    for (const RunRecord* r : g.runs) by.insert(run_numbers(*r).selected_by);
  return by.size() == 1 ? at_selected_text("", *by.begin()) : "at each run's selected epoch";
}

std::string group_seeds(const std::vector<ReportGroup>& groups) {
  int fewest = 0, most = 0;
  for (const ReportGroup& g : groups) {
    const int n = static_cast<int>(g.runs.size());
    fewest = fewest == 0 ? n : std::min(fewest, n), most = std::max(most, n);
  }
  return seeds_text(fewest, most);
}

// A metric's curve over epochs, mean ± band per configuration: the best `top` ones.
SvgChart band_chart(const std::vector<ReportGroup>& groups, const std::string& metric, Spread spread, bool band,
                    bool log_y, size_t top = 6) {
  const bool pct = metric.find("accuracy") != std::string::npos;
  const double scale = pct ? 100 : 1;
  SvgChart ch;
  ch.x_label = "epoch", ch.integer_x = true, ch.log_y = log_y;
  ch.y_label = metric == "grad_ratio" ? "gradient ratio (log scale)" : metric_label(metric) + (pct ? " %" : "");
  std::vector<size_t> order;
  for (size_t i = 0; i < groups.size(); ++i) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return groups[a].rank < groups[b].rank; });
  if (order.size() > top) order.resize(top);
  std::sort(order.begin(), order.end());  // drawn and listed in the table's order
  for (size_t i : order) {
    std::vector<std::vector<double>> curves;
    for (const RunRecord* r : groups[i].runs) {
      std::vector<double> c;
      for (const EpochEvent& e : r->history) {
        if (e.epoch < 1) continue;
        if (c.size() < size_t(e.epoch)) c.resize(e.epoch, kNone);
        c[e.epoch - 1] = metric == "grad_ratio" ? e.grad_ratio : epoch_metric(e, metric);
      }
      curves.push_back(c);
    }
    const BandCurve bc = band_curve(curves);
    SvgSeries s;
    s.name = groups[i].label, s.color = run_color(static_cast<int64_t>(i));
    for (size_t k = 0; k < bc.epochs.size(); ++k) {
      s.points.push_back({double(bc.epochs[k]), scale * bc.mean[k]});
      const double sp = spread == Spread::SD ? bc.sd[k] : bc.se[k];
      if (band) s.band.push_back({scale * (bc.mean[k] - sp), scale * (bc.mean[k] + sp)});
    }
    ch.series.push_back(s);
  }
  const std::string which = groups.size() > top ? " (the " + std::to_string(top) + " best of " +
                                                      std::to_string(groups.size()) + " configurations)"
                                                : " per configuration";
  ch.title = capital(metric == "grad_ratio" ? "gradient ratio |∇W first| / |∇W last|" : metric_label(metric)) +
             " over epochs, mean" + (band ? " ± " + spread_name(spread) : "") + " " + group_seeds(groups) + which;
  return ch;
}

bool any_finite(const std::vector<ReportGroup>& groups, double EpochEvent::*field) {
  for (const ReportGroup& g : groups)
    for (const RunRecord* r : g.runs)
      for (const EpochEvent& e : r->history)
        if (std::isfinite(e.*field) && e.*field > 0) return true;
  return false;
}

// A confusion matrix as a heat-map table with each class's accuracy. Compact:
// the columns numbered, the rows "0 T-shirt/top" (two fit side by side).
std::string confusion_table(const std::vector<std::vector<int64_t>>& m, const std::vector<std::string>& names,
                            bool compact = false) {
  const size_t C = m.size();
  auto label = [&](size_t i) { return i < names.size() ? esc(names[i]) : std::to_string(i); };
  std::string b = "<table class=\"cm\"><tr><th>" + std::string(compact ? "true \\ pred." : "true \\ predicted") + "</th>";
  for (size_t j = 0; j < C; ++j) b += "<th>" + (compact ? std::to_string(j) : label(j)) + "</th>";
  b += "<th>" + std::string(compact ? "acc." : "accuracy") + "</th></tr>\n";
  for (size_t i = 0; i < C; ++i) {
    int64_t row = 0;
    for (int64_t v : m[i]) row += v;
    b += "<tr><th align=\"left\"><nobr>" + (compact && i < names.size() ? std::to_string(i) + " " : "") + label(i) +
         "</nobr></th>";
    for (size_t j = 0; j < C && j < m[i].size(); ++j) {
      const double share = row ? double(m[i][j]) / row : 0;
      const int shade = static_cast<int>(255 - 160 * std::min(1.0, i == j ? share : 4 * share));
      const std::string bg = i == j ? "rgb(" + std::to_string(shade) + "," + std::to_string(shade + (255 - shade) / 3) + ",255)"
                                    : "rgb(255," + std::to_string(shade) + "," + std::to_string(shade) + ")";
      b += "<td align=\"right\" style=\"background:" + bg + "\">" + std::to_string(m[i][j]) + "</td>";
    }
    b += "<td align=\"right\">" + (row ? f("%.1f%%", 100.0 * m[i][i] / row) : std::string("–")) + "</td></tr>\n";
  }
  return b + "</table>\n";
}

double overall_accuracy(const std::vector<std::vector<int64_t>>& m) {
  int64_t right = 0, all = 0;
  for (size_t i = 0; i < m.size(); ++i)
    for (size_t j = 0; j < m[i].size(); ++j) all += m[i][j], right += i == j ? m[i][j] : 0;
  return all ? double(right) / all : kNone;
}

// One run's sample predictions (the first `limit`: misclassified ones come first) as
// a table of pictures, each added to r.images once.
std::string samples_html(ReportParts& r, const RunRecord& x, int limit = 1 << 30) {
  const ImageBatch& im = x.samples;
  const int count = std::min(im.count(), limit);
  int wrong = 0;
  for (int i = 0; i < count; ++i) wrong += x.sample_predicted[i] != im.labels[i];
  std::string b = "<p>" + std::to_string(wrong) + " misclassified (red) and " + std::to_string(count - wrong) +
                  " correct, from the first test images, by the final model.</p>\n<table class=\"samples\"><tr>";
  auto label = [&](int c) { return c >= 0 && size_t(c) < x.class_names.size() ? esc(x.class_names[c]) : std::to_string(c); };
  const int scale = std::max(1, 56 / std::max(1, im.height));
  for (int i = 0; i < count; ++i) {
    if (i > 0 && i % 8 == 0) b += "</tr><tr>";
    const std::string name = "sample-" + std::to_string(x.summary.id) + "-" + std::to_string(i) + ".png";
    if (std::none_of(r.images.begin(), r.images.end(), [&](const auto& p) { return p.first == name; }))
      r.images.push_back({name, png_image(im.image(i), im.channels, im.height, im.width, scale)});
    const bool ok = x.sample_predicted[i] == im.labels[i];
    b += "<td style=\"text-align:center\"><img src=\"" + name + "\"><br><span style=\"color:" +
         std::string(ok ? "#1b5e20" : "#b00020") + "\">" + label(x.sample_predicted[i]) + "&nbsp;" +
         f("%.0f%%", 100.0 * x.sample_confidence[i]) + "</span>" +
         (ok ? std::string() : "<br><small>true: " + label(im.labels[i]) + "</small>") + "</td>";
  }
  return b + "</tr></table>\n";
}

// One confusion matrix per configuration, the sum over its runs (seeds) of
// matrices of one shape (compact beyond 10 classes).
std::string group_confusions(const std::vector<ReportGroup>& groups) {
  std::vector<std::string> cells;
  for (size_t i = 0; i < groups.size(); ++i) {
    std::vector<std::vector<int64_t>> sum;
    const RunRecord* first = nullptr;
    int n = 0;
    for (const RunRecord* x : groups[i].runs) {
      if (x->confusion.empty() || (first && x->confusion.size() != sum.size())) continue;
      if (!first) first = x, sum.assign(x->confusion.size(), std::vector<int64_t>(x->confusion.size(), 0));
      for (size_t a = 0; a < sum.size(); ++a)
        for (size_t c = 0; c < sum.size() && c < x->confusion[a].size(); ++c) sum[a][c] += x->confusion[a][c];
      ++n;
    }
    if (!first) continue;
    cells.push_back("<p><b>" + swatch(run_color(static_cast<int64_t>(i))) + esc(groups[i].label) + "</b>: " +
                    std::to_string(n) + (n == 1 ? " run, " : " runs, ") + f("%.2f", 100 * overall_accuracy(sum)) +
                    " % correct</p>\n" + confusion_table(sum, first->class_names, sum.size() > 10));
  }
  if (cells.empty()) return "";
  std::string b = "<h2>Confusion matrices (test set), one per configuration</h2>\n<p>Each is the sum over the "
                  "configuration's runs (seeds); rows are the true classes, columns the predicted ones, and the last "
                  "column is each class's accuracy.</p>\n";
  for (const std::string& c : cells) b += c;
  return b;
}

bool has_samples(const RunRecord& x) {
  return x.samples.count() > 0 && x.sample_predicted.size() == size_t(x.samples.count());
}

// Each run: its number, name, status, the settings that differ among the runs, seed, and its numbers.
std::string runs_table(const std::vector<RunRecord>& runs) {
  const std::vector<std::string> keys = differing_settings(runs);
  ResultTable t;
  t.caption = "Each run, with the settings that differ among the runs; accuracies (%) at its selected epoch.";
  t.head = {"#", "name", "status"};
  for (const std::string& h : key_headers(keys)) t.head.push_back(h);
  t.text_columns = t.head.size();
  for (const char* h : {"seed", "epochs", "selected epoch", "val. acc. %", "test acc. %", "seconds"}) t.head.push_back(h);
  auto p = [](double v) { return std::isfinite(v) ? f("%.2f", 100 * v) : std::string("–"); };
  for (const RunRecord& x : runs) {
    const RunSummary& s = x.summary;
    const RunNumbers n = run_numbers(x);
    std::vector<std::string> row = {std::to_string(s.id), s.name, s.status};
    for (const std::string& k : keys) row.push_back(setting_value(x, k));
    for (const std::string& c : {std::to_string(x.config.training.seed),
                                 std::to_string(s.epochs_run) + "/" + std::to_string(s.epochs),
                                 std::to_string(n.selected_epoch), p(n.selected.val_accuracy), p(n.test_accuracy),
                                 f("%.1f", s.seconds)})
      row.push_back(c);
    t.rows.push_back(row);
  }
  return table_html(t);
}

// Per-run details: the runs, each one's confusion matrix, samples and config.
std::string appendix(ReportParts& r, const std::vector<RunRecord>& runs) {
  std::string b = "<h1 style=\"page-break-before: always\">Appendix: per-run details</h1>\n<h2>A. Runs</h2>\n" +
                  runs_table(runs) + "<h2>B. Confusion matrix of each run (test set)</h2>\n";
  for (const RunRecord& x : runs)
    if (!x.confusion.empty())
      b += "<h3>#" + std::to_string(x.summary.id) + " " + esc(x.summary.name) + "</h3>\n" +
           confusion_table(x.confusion, x.class_names);
  b += "<h2>C. Sample predictions of each run (test set)</h2>\n";
  bool any = false;
  for (const RunRecord& x : runs)
    if (has_samples(x)) {
      any = true;
      b += "<h3>#" + std::to_string(x.summary.id) + " " + esc(x.summary.name) + "</h3>\n" + samples_html(r, x);
    }
  if (!any) b += "<p>None of these runs kept sample predictions (2-D point data, or a run without test images).</p>\n";
  b += "<h2>D. Configuration of each run</h2>\n";
  for (const RunRecord& x : runs)
    b += "<h3>#" + std::to_string(x.summary.id) + " " + esc(x.summary.name) + "</h3>\n<pre>" + esc(x.config_json) + "</pre>\n";
  return b;
}

}  // namespace report_impl

std::string png_image(const uint8_t* px, int channels, int height, int width, int scale) {
  using report_impl::put32;
  const int W = width * scale, H = height * scale, C = channels >= 3 ? 3 : 1;
  std::string raw;
  raw.reserve(size_t(H) * (1 + W * C));
  for (int y = 0; y < H; ++y) {
    raw.push_back(0);  // no filter
    for (int x = 0; x < W; ++x)
      for (int c = 0; c < C; ++c)
        raw.push_back(static_cast<char>(px[(size_t(c) * height + y / scale) * width + x / scale]));
  }
  uLongf n = compressBound(raw.size());
  std::string z(n, '\0');
  compress2(reinterpret_cast<Bytef*>(&z[0]), &n, reinterpret_cast<const Bytef*>(raw.data()), raw.size(), 6);
  z.resize(n);
  auto chunk = [](std::string& out, const char* type, const std::string& data) {
    put32(out, static_cast<uint32_t>(data.size()));
    std::string body = std::string(type, 4) + data;
    out += body;
    put32(out, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(body.data()), body.size())));
  };
  std::string png = "\x89PNG\r\n\x1a\n", ihdr;
  put32(ihdr, W), put32(ihdr, H);
  ihdr += std::string{8, static_cast<char>(C == 3 ? 2 : 0), 0, 0, 0};  // 8-bit grey or RGB
  chunk(png, "IHDR", ihdr);
  chunk(png, "IDAT", z);
  chunk(png, "IEND", "");
  return png;
}

std::string run_color(int64_t id) {
  static const char* p[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                            "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return p[static_cast<size_t>(id % 10)];
}

void add_chart(ReportParts& r, std::string svg) {
  r.body += "<div class=\"chart\"><!--chart:" + std::to_string(r.charts.size()) + "--></div>\n";
  r.charts.push_back(std::move(svg));
}

void add_group_charts(ReportParts& r, const std::vector<ReportGroup>& groups, const std::string& metric, Spread spread) {
  using namespace report_impl;
  if (groups.empty()) return;
  r.body += "<h2>Curves</h2>\n";
  add_chart(r, svg_line_chart(band_chart(groups, metric, spread, true, false)));
  if (metric != "train_loss") add_chart(r, svg_line_chart(band_chart(groups, "train_loss", spread, true, false)));
  if (any_finite(groups, &EpochEvent::grad_ratio))
    add_chart(r, svg_line_chart(band_chart(groups, "grad_ratio", spread, false, true)));
  // Each seed's test accuracy per configuration.
  std::vector<SvgBox> boxes;
  bool any = false;
  for (size_t i = 0; i < groups.size(); ++i) {
    SvgBox box;
    box.label = groups[i].label, box.color = run_color(static_cast<int64_t>(i));
    for (const RunRecord* x : groups[i].runs) box.points.push_back(100 * run_numbers(*x).test_accuracy);
    const BoxStats s = box_stats(box.points);
    if (s.n == 0) box.median = kNone;
    else box.min = s.min, box.q1 = s.q1, box.median = s.median, box.q3 = s.q3, box.max = s.max, any = true;
    boxes.push_back(box);
  }
  if (!any) return;
  r.body += "<h2>Spread over seeds</h2>\n";
  add_chart(r, svg_box_chart("Test accuracy " + selected_words(groups) + ": each run (dot) and the quartiles, " +
                                 group_seeds(groups) + " per configuration",
                             "test accuracy %", boxes));
}

void add_group_details(ReportParts& r, const std::vector<ReportGroup>& groups, const std::vector<RunRecord>& runs,
                       const ReportOptions& o) {
  using namespace report_impl;
  std::string& b = r.body;
  b += group_confusions(groups);
  // Sample predictions: the best configuration's first run that kept them.
  const RunRecord* shown = nullptr;
  const ReportGroup* of = nullptr;
  for (int rank = 0; rank <= static_cast<int>(groups.size()) && !shown; ++rank)
    for (const ReportGroup& g : groups)
      for (const RunRecord* x : g.runs)
        if (!shown && g.rank == rank && has_samples(*x)) shown = x, of = &g;
  if (shown) {
    b += "<h2>Sample predictions (test set)</h2>\n<p>Run #" + std::to_string(shown->summary.id) + " (" +
         esc(of->label) + ", seed " + std::to_string(shown->config.training.seed) + ")" +
         (of->rank == 0 ? ", of the best configuration" : "") + ".</p>\n" + samples_html(r, *shown, 32);
  }
  if (o.appendix) b += appendix(r, runs);
  else b += "<p><small>Per-run details (each run's numbers, confusion matrix, sample predictions and config) are "
            "in the appendix when the report is made with it.</small></p>\n";
}

ReportParts make_report(const std::vector<RunRecord>& runs, const std::string& title, const ReportOptions& o) {
  using namespace report_impl;
  ReportParts r;
  r.title = title;
  const Comparison c = compare_runs(runs);
  std::map<int64_t, const RunRecord*> by_id;
  for (const RunRecord& x : runs) by_id[x.summary.id] = &x;
  std::vector<ReportGroup> groups;
  const bool by_val = c.ranked_by == "val_accuracy";
  for (const RunGroup& g : c.groups) {
    ReportGroup rg;
    rg.label = c.label(g);
    for (int64_t id : g.run_ids) rg.runs.push_back(by_id.at(id));
    groups.push_back(rg);
  }
  // Ranks by the table's ranking (validation accuracy, else test accuracy).
  for (size_t i = 0; i < groups.size(); ++i) {
    const Stats& mine = by_val ? c.groups[i].best_val_accuracy : c.groups[i].test_accuracy;
    for (size_t k = 0; k < groups.size(); ++k) {
      const Stats& other = by_val ? c.groups[k].best_val_accuracy : c.groups[k].test_accuracy;
      if (std::isfinite(other.mean) && (!std::isfinite(mine.mean) || other.mean > mine.mean || (other.mean == mine.mean && k < i)))
        ++groups[i].rank;
    }
  }
  std::string& b = r.body;
  b += "<h1>" + esc(title) + "</h1>\n<p>" + std::to_string(runs.size()) + (runs.size() == 1 ? " run" : " runs") +
       " in " + std::to_string(groups.size()) + (groups.size() == 1 ? " configuration" : " configurations") +
       " (runs that differ only in their seed form one configuration). Each run's numbers are taken " +
       (c.selected_by == "mixed" ? std::string("at its selected epoch") : at_selected_text("", c.selected_by)) +
       "; the test set chose nothing.</p>\n<h2>Results</h2>\n" + comparison_html(c, o.spread);
  bool val = false;
  for (const RunRecord& x : runs)
    for (const EpochEvent& e : x.history) val = val || std::isfinite(e.val_accuracy);
  add_group_charts(r, groups, val ? "val_accuracy" : "test_accuracy", o.spread);
  add_group_details(r, groups, runs, o);
  return r;
}

std::string report_html(const ReportParts& r) {
  using namespace report_impl;
  std::string body = r.body;
  auto replace_all = [&](const std::string& from, const std::string& to) {
    for (size_t at = body.find(from); at != std::string::npos; at = body.find(from, at + to.size()))
      body.replace(at, from.size(), to);
  };
  for (size_t i = 0; i < r.charts.size(); ++i) replace_all("<!--chart:" + std::to_string(i) + "-->", r.charts[i]);
  for (const auto& [name, png] : r.images)
    replace_all("src=\"" + name + "\"", "src=\"data:image/png;base64," + base64(png) + "\"");
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + esc(r.title) +
         "</title>\n<style>body{font-family:'DejaVu Sans',sans-serif;margin:2em auto;max-width:60em;color:#222}"
         "table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #bbb;padding:3px 7px;text-align:right}"
         "th{background:#f2f2f2}table.t{width:100%}td.n{white-space:nowrap}.caption{font-style:italic;margin-bottom:0.2em}"
         "pre{background:#f7f7f7;padding:0.6em;font-size:11px;overflow:auto}"
         ".chart{margin:0.5em 0}.chart svg{width:100%;height:auto}</style></head><body>\n" +
         body + "</body></html>\n";
}

}  // namespace hyperlab
