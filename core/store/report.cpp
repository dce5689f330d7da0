#include "store/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <zlib.h>

#include "config/config_json.h"
#include "store/compare.h"

namespace hyperlab {

namespace {

std::string f(const char* fmt, double v) {
  char b[64];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

// Ticks at 1, 2 or 5 times a power of ten, about n of them.
std::vector<double> nice_ticks(double lo, double hi, int n) {
  std::vector<double> t;
  if (!(hi > lo)) return {lo};
  double raw = (hi - lo) / n, p = std::pow(10, std::floor(std::log10(raw))), step = p;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw) {
      step = m * p;
      break;
    }
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) t.push_back(std::abs(v) < step * 1e-9 ? 0 : v);
  return t;
}

std::string pct(const Stats& s) {
  if (s.n == 0) return "–";
  return f("%.2f", 100 * s.mean) + (s.n >= 2 ? " ± " + f("%.2f", 100 * s.sd) : "");
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

}  // namespace

std::string png_image(const uint8_t* px, int channels, int height, int width, int scale) {
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

std::string svg_line_chart(const SvgChart& c) {
  const double W = c.width, H = c.height, L = 70, R = 20, T = 36, B = 52 + 18.0 * ((c.series.size() + 3) / 4);
  const double pw = W - L - R, ph = H - T - B;
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const auto& s : c.series)
    for (auto [x, y] : s.points) {
      if (!std::isfinite(y) || (c.log_y && y <= 0)) continue;
      x0 = std::min(x0, x), x1 = std::max(x1, x);
      double v = c.log_y ? std::log10(y) : y;
      y0 = std::min(y0, v), y1 = std::max(y1, v);
    }
  if (!std::isfinite(x0)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (x1 <= x0) x1 = x0 + 1;
  if (c.log_y) y0 = std::floor(y0), y1 = std::ceil(y1);
  if (y1 <= y0) y1 = y0 + 1;
  if (!c.log_y) {
    double pad = (y1 - y0) * 0.05;
    y0 -= pad, y1 += pad;
  }
  auto X = [&](double x) { return L + (x - x0) / (x1 - x0) * pw; };
  auto Y = [&](double y) { return T + (1 - ((c.log_y ? std::log10(y) : y) - y0) / (y1 - y0)) * ph; };
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + f("%.0f", W) + "\" height=\"" + f("%.0f", H) +
                  "\" viewBox=\"0 0 " + f("%.0f", W) + " " + f("%.0f", H) +
                  "\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"12\">\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"" + f("%.1f", W / 2) + "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">" +
       esc(c.title) + "</text>\n";
  // Grid and ticks.
  std::vector<double> yt;
  if (c.log_y) {
    for (double d = y0; d <= y1 + 1e-9; d += std::max(1.0, std::round((y1 - y0) / 6))) yt.push_back(std::pow(10, d));
  } else {
    yt = nice_ticks(y0, y1, 5);
  }
  for (double v : yt) {
    double y = Y(v);
    s += "<line x1=\"" + f("%.1f", L) + "\" y1=\"" + f("%.1f", y) + "\" x2=\"" + f("%.1f", L + pw) + "\" y2=\"" +
         f("%.1f", y) + "\" stroke=\"#e0e0e0\"/>\n";
    s += "<text x=\"" + f("%.1f", L - 6) + "\" y=\"" + f("%.1f", y + 4) + "\" text-anchor=\"end\">" +
         (c.log_y ? f("%.0e", v) : f("%g", v)) + "</text>\n";
  }
  for (double v : nice_ticks(x0, x1, 6)) {
    double x = X(v);
    s += "<line x1=\"" + f("%.1f", x) + "\" y1=\"" + f("%.1f", T) + "\" x2=\"" + f("%.1f", x) + "\" y2=\"" +
         f("%.1f", T + ph) + "\" stroke=\"#eeeeee\"/>\n";
    s += "<text x=\"" + f("%.1f", x) + "\" y=\"" + f("%.1f", T + ph + 16) + "\" text-anchor=\"middle\">" + f("%g", v) +
         "</text>\n";
  }
  s += "<rect x=\"" + f("%.1f", L) + "\" y=\"" + f("%.1f", T) + "\" width=\"" + f("%.1f", pw) + "\" height=\"" +
       f("%.1f", ph) + "\" fill=\"none\" stroke=\"#888\"/>\n";
  s += "<text x=\"" + f("%.1f", L + pw / 2) + "\" y=\"" + f("%.1f", T + ph + 34) + "\" text-anchor=\"middle\">" +
       esc(c.x_label) + "</text>\n";
  s += "<text transform=\"translate(16," + f("%.1f", T + ph / 2) + ") rotate(-90)\" text-anchor=\"middle\">" +
       esc(c.y_label) + "</text>\n";
  // Series, then the legend under the plot.
  for (size_t i = 0; i < c.series.size(); ++i) {
    const SvgSeries& se = c.series[i];
    std::string pts;
    for (auto [x, y] : se.points)
      if (std::isfinite(y) && (!c.log_y || y > 0)) pts += f("%.1f", X(x)) + "," + f("%.1f", Y(y)) + " ";
    if (!pts.empty())
      s += "<polyline fill=\"none\" stroke=\"" + se.color + "\" stroke-width=\"1.8\" points=\"" + pts + "\"/>\n";
    const double lx = L + (i % 4) * (pw / 4), ly = T + ph + 50 + 18.0 * (i / 4);
    s += "<rect x=\"" + f("%.1f", lx) + "\" y=\"" + f("%.1f", ly - 9) + "\" width=\"12\" height=\"10\" fill=\"" +
         se.color + "\"/>\n";
    s += "<text x=\"" + f("%.1f", lx + 16) + "\" y=\"" + f("%.1f", ly) + "\">" + esc(se.name) + "</text>\n";
  }
  return s + "</svg>\n";
}

ReportParts make_report(const std::vector<RunRecord>& runs, const std::string& title) {
  ReportParts r;
  r.title = title;
  std::string& b = r.body;
  b += "<h1>" + esc(title) + "</h1>\n";
  b += "<h2>Runs</h2>\n<table class=\"t\"><tr><th>#</th><th>name</th><th>date (UTC)</th><th>status</th><th>dataset</th>"
       "<th>model</th><th>optimizer</th><th>lr</th><th>seed</th><th>epochs</th><th>best val. acc.</th>"
       "<th>test acc.</th><th>seconds</th></tr>\n";
  for (const RunRecord& x : runs) {
    const RunSummary& s = x.summary;
    auto p = [](double v) { return std::isfinite(v) ? f("%.2f%%", 100 * v) : std::string("–"); };
    b += "<tr><td><span style=\"color:" + run_color(s.id) + "\">■</span> " + std::to_string(s.id) + "</td><td>" +
         esc(s.name) + "</td><td>" + esc(s.created) + "</td><td>" + esc(s.status) + "</td><td>" + esc(s.dataset) +
         "</td><td>" + esc(s.model) + "</td><td>" + esc(s.optimizer) + "</td><td>" + f("%g", s.lr) + "</td><td>" +
         std::to_string(s.seed) + "</td><td>" + std::to_string(s.epochs_run) + "/" + std::to_string(s.epochs) +
         "</td><td>" + p(s.best_val_accuracy) + "</td><td>" + p(s.test_accuracy) + "</td><td>" + f("%.1f", s.seconds) +
         "</td></tr>\n";
  }
  b += "</table>\n";

  Comparison c = compare_runs(runs);
  b += "<h2>Comparison</h2>\n<p>Runs whose settings differ only in their seed form one row: mean ± standard deviation "
       "over the n runs, the standard error of the mean and its 95 % confidence interval (Student's t), and Welch's "
       "t-test of each row against the best one (a small p: the difference is unlikely to be noise).</p>\n"
       "<table class=\"t\"><tr>";
  for (const std::string& k : c.settings) b += "<th>" + esc(k) + "</th>";
  b += "<th>n</th><th>test accuracy % (mean ± SD)</th><th>SE</th><th>95 % CI</th><th>p vs best (Welch)</th>"
       "<th>best val. accuracy % (mean ± SD)</th><th>runs</th></tr>\n";
  for (const RunGroup& g : c.groups) {
    b += "<tr>";
    for (const std::string& v : g.values) b += "<td>" + esc(v) + "</td>";
    std::string ids;
    for (int64_t id : g.run_ids) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
    b += "<td>" + std::to_string(g.test_accuracy.n) + "</td><td>" + pct(g.test_accuracy) + "</td><td>" +
         (g.test_accuracy.n >= 2 ? f("%.2f", 100 * g.test_accuracy.se) : std::string("–")) + "</td><td>" +
         (g.test_accuracy.n >= 2 ? f("%.2f", 100 * g.test_accuracy.ci95_lo) + "–" + f("%.2f", 100 * g.test_accuracy.ci95_hi)
                                 : std::string("–")) + "</td><td>" +
         (g.best ? std::string("best") : std::isfinite(g.p_vs_best) ? f("%.3g", g.p_vs_best) : std::string("–")) +
         "</td><td>" + pct(g.best_val_accuracy) + "</td><td>" + ids + "</td></tr>\n";
  }
  b += "</table>\n";

  // Charts: one series per run, in the run's colour.
  auto chart = [&](const std::string& t, const std::string& y, bool log_y, auto value) {
    SvgChart ch;
    ch.title = t, ch.x_label = "epoch", ch.y_label = y, ch.log_y = log_y;
    for (const RunRecord& x : runs) {
      SvgSeries s;
      s.name = "#" + std::to_string(x.summary.id) + " " + x.summary.name;
      s.color = run_color(x.summary.id);
      for (const EpochEvent& e : x.history) s.points.push_back({double(e.epoch), value(e)});
      ch.series.push_back(s);
    }
    b += "<div class=\"chart\"><!--chart:" + std::to_string(r.charts.size()) + "--></div>\n";
    r.charts.push_back(svg_line_chart(ch));
  };
  b += "<h2>Curves</h2>\n";
  chart("Validation accuracy", "accuracy", false,
        [](const EpochEvent& e) { return std::isfinite(e.val_accuracy) ? e.val_accuracy : e.test_accuracy; });
  chart("Training loss", "loss", false, [](const EpochEvent& e) { return e.train_loss; });
  chart("Gradient ratio |∇W first| / |∇W last|", "ratio (log scale)", true,
        [](const EpochEvent& e) { return e.grad_ratio; });

  b += "<h2>Confusion matrices (test set)</h2>\n";
  for (const RunRecord& x : runs) {
    if (x.confusion.empty()) continue;
    b += "<h3>#" + std::to_string(x.summary.id) + " " + esc(x.summary.name) + "</h3>\n<table class=\"cm\"><tr><th>true \\ predicted</th>";
    const size_t C = x.confusion.size();
    auto label = [&](size_t i) { return i < x.class_names.size() ? esc(x.class_names[i]) : std::to_string(i); };
    for (size_t j = 0; j < C; ++j) b += "<th>" + label(j) + "</th>";
    b += "<th>accuracy</th></tr>\n";
    for (size_t i = 0; i < C; ++i) {
      int64_t row = 0;
      for (int64_t v : x.confusion[i]) row += v;
      b += "<tr><th>" + label(i) + "</th>";
      for (size_t j = 0; j < C; ++j) {
        double share = row ? double(x.confusion[i][j]) / row : 0;
        int shade = static_cast<int>(255 - 160 * std::min(1.0, i == j ? share : 4 * share));
        std::string bg = i == j ? "rgb(" + std::to_string(shade) + "," + std::to_string(shade + (255 - shade) / 3) + ",255)"
                                : "rgb(255," + std::to_string(shade) + "," + std::to_string(shade) + ")";
        b += "<td style=\"background:" + bg + "\">" + std::to_string(x.confusion[i][j]) + "</td>";
      }
      b += "<td>" + (row ? f("%.1f%%", 100.0 * x.confusion[i][i] / row) : std::string("–")) + "</td></tr>\n";
    }
    b += "</table>\n";
  }
  b += "<h2>Sample predictions (test set, final model)</h2>\n";
  bool any = false;
  for (const RunRecord& x : runs) {
    const ImageBatch& im = x.samples;
    if (im.count() == 0 || x.sample_predicted.size() != size_t(im.count())) continue;
    any = true;
    int wrong = 0;
    for (int i = 0; i < im.count(); ++i) wrong += x.sample_predicted[i] != im.labels[i];
    b += "<h3>#" + std::to_string(x.summary.id) + " " + esc(x.summary.name) + "</h3>\n<p>" + std::to_string(wrong) +
         " misclassified (red) and " + std::to_string(im.count() - wrong) + " correct, from the first test images.</p>\n"
         "<table class=\"samples\"><tr>";
    auto label = [&](int c) { return c >= 0 && size_t(c) < x.class_names.size() ? esc(x.class_names[c]) : std::to_string(c); };
    const int scale = std::max(1, 56 / std::max(1, im.height));
    for (int i = 0; i < im.count(); ++i) {
      if (i > 0 && i % 8 == 0) b += "</tr><tr>";
      const std::string name = "sample-" + std::to_string(x.summary.id) + "-" + std::to_string(i) + ".png";
      r.images.push_back({name, png_image(im.image(i), im.channels, im.height, im.width, scale)});
      const bool ok = x.sample_predicted[i] == im.labels[i];
      b += "<td style=\"text-align:center\"><img src=\"" + name + "\"><br><span style=\"color:" +
           std::string(ok ? "#1b5e20" : "#b00020") + "\">" + label(x.sample_predicted[i]) + " " +
           f("%.0f%%", 100.0 * x.sample_confidence[i]) + "</span>" +
           (ok ? std::string() : "<br><small>true: " + label(im.labels[i]) + "</small>") + "</td>";
    }
    b += "</tr></table>\n";
  }
  if (!any) b += "<p>None of these runs kept sample predictions (2-D point data, or a run without test images).</p>\n";

  b += "<h2>Configurations</h2>\n";
  for (const RunRecord& x : runs)
    b += "<h3>#" + std::to_string(x.summary.id) + " " + esc(x.summary.name) + "</h3>\n<pre>" + esc(x.config_json) + "</pre>\n";
  return r;
}

std::string report_html(const ReportParts& r) {
  std::string body = r.body;
  for (size_t i = 0; i < r.charts.size(); ++i) {
    const std::string mark = "<!--chart:" + std::to_string(i) + "-->";
    size_t at = body.find(mark);
    if (at != std::string::npos) body.replace(at, mark.size(), r.charts[i]);
  }
  for (const auto& [name, png] : r.images) {
    const std::string from = "src=\"" + name + "\"", to = "src=\"data:image/png;base64," + base64(png) + "\"";
    size_t at = body.find(from);
    if (at != std::string::npos) body.replace(at, from.size(), to);
  }
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + esc(r.title) +
         "</title>\n<style>body{font-family:'DejaVu Sans',sans-serif;margin:2em;color:#222}"
         "table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #bbb;padding:3px 7px;text-align:right}"
         "th{background:#f2f2f2}pre{background:#f7f7f7;padding:0.6em;font-size:11px;overflow:auto}"
         ".chart{margin:0.5em 0}</style></head><body>\n" +
         body + "</body></html>\n";
}

}  // namespace hyperlab
