#include "store/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hyperlab {

// Helpers in their own namespace (the light unity group has other f() and esc()).
namespace svg_impl {

constexpr double kFont = 12, kSmall = 11, kLine = 14;

std::string num(const char* fmt, double v) {
  char b[64];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}
std::string px(double v) { return num("%.1f", v); }

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) o += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : c == '"' ? "&quot;" : std::string(1, c);
  return o;
}

// Characters, not bytes, of UTF-8 text.
size_t chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}
// About how wide text is in DejaVu Sans (0.62 em a character, on average; a little more than less).
double text_width(const std::string& s, double size = kFont) { return 0.62 * size * chars(s); }

// Words into lines of at most `width` pixels; a word longer than that gets a line of its own.
std::vector<std::string> wrap(const std::string& text, double width, double size, const std::string& sep = " ") {
  std::vector<std::string> words, lines;
  for (size_t at = 0;;) {
    const size_t next = text.find(sep, at);
    words.push_back(text.substr(at, next == std::string::npos ? std::string::npos : next - at));
    if (next == std::string::npos) break;
    at = next + sep.size();
  }
  const std::string join = sep == " " ? " " : sep;
  for (const std::string& w : words) {
    if (!lines.empty() && text_width(lines.back() + join + w, size) <= width) lines.back() += join + w;
    else lines.push_back(w);
  }
  return lines;
}

std::string tick_label(double v, bool log) {
  if (!log) return num("%g", std::abs(v) < 1e-12 ? 0.0 : v);
  const int e = static_cast<int>(std::floor(std::log10(v) + 1e-9));
  const double mantissa = v / std::pow(10.0, e);
  if (e >= -3 && e <= 4) return num("%g", v);
  return (std::abs(mantissa - 1) < 1e-6 ? "" : num("%g", std::round(mantissa)) + "×") + "1e" + std::to_string(e);
}

std::string text(double x, double y, const std::string& s, const std::string& extra = "") {
  return "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\"" + (extra.empty() ? "" : " " + extra) + ">" + esc(s) + "</text>\n";
}
std::string line(double x1, double y1, double x2, double y2, const std::string& stroke, double w = 1) {
  return "<line x1=\"" + px(x1) + "\" y1=\"" + px(y1) + "\" x2=\"" + px(x2) + "\" y2=\"" + px(y2) + "\" stroke=\"" +
         stroke + "\" stroke-width=\"" + num("%g", w) + "\"/>\n";
}

std::string header(double W, double H) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num("%.0f", W) + "\" height=\"" + num("%.0f", H) +
         "\" viewBox=\"0 0 " + num("%.0f", W) + " " + num("%.0f", H) +
         "\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"" + num("%g", kFont) + "\">\n" +
         "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
}

// The title, wrapped to the width; returns the height it takes.
double title(std::string& s, const std::string& t, double W) {
  const std::vector<std::string> lines = wrap(t, W - 20, 14);
  for (size_t i = 0; i < lines.size(); ++i)
    s += text(W / 2, 20 + 17.0 * i, lines[i], "text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\"");
  return 10 + 17.0 * lines.size();
}

// Category labels under the plot, centred on `xs`: the ", " parts on lines of
// their own when they fit the slot, else each label turned upright. Returns the
// height they take (measure only when `s` is null).
double category_labels(std::string* s, const std::vector<std::string>& labels, const std::vector<double>& xs,
                       double slot, double y) {
  double widest = 0;
  size_t most_lines = 1;
  for (const std::string& l : labels) {
    for (const std::string& part : wrap(l, slot - 4, kSmall, ", ")) widest = std::max(widest, text_width(part, kSmall));
    most_lines = std::max(most_lines, wrap(l, slot - 4, kSmall, ", ").size());
  }
  const bool upright = widest > slot - 4;
  if (!s) {
    if (!upright) return 6 + kLine * most_lines;
    double longest = 0;
    for (const std::string& l : labels) longest = std::max(longest, text_width(l, kSmall));
    return 10 + longest;
  }
  for (size_t i = 0; i < labels.size() && i < xs.size(); ++i) {
    if (upright) {
      *s += "<text transform=\"translate(" + px(xs[i] + 4) + "," + px(y + 6) +
            ") rotate(-90)\" text-anchor=\"end\" font-size=\"" + num("%g", kSmall) + "\">" + esc(labels[i]) + "</text>\n";
      continue;
    }
    const std::vector<std::string> lines = wrap(labels[i], slot - 4, kSmall, ", ");
    for (size_t k = 0; k < lines.size(); ++k)
      *s += text(xs[i], y + 12 + kLine * k, lines[k], "text-anchor=\"middle\" font-size=\"" + num("%g", kSmall) + "\"");
  }
  return 0;
}

struct Legend {
  std::vector<std::pair<double, double>> at;  // per entry (x, row)
  int rows = 0;
};
Legend legend_layout(const std::vector<SvgSeries>& series, double left, double width) {
  Legend g;
  double x = left;
  for (const SvgSeries& se : series) {
    if (se.name.empty()) {
      g.at.push_back({-1, -1});
      continue;
    }
    const double w = 18 + text_width(se.name, kSmall) + 16;
    if (g.rows == 0) g.rows = 1;
    if (x > left && x + w > left + width) x = left, ++g.rows;
    g.at.push_back({x, g.rows - 1.0});
    x += w;
  }
  return g;
}

}  // namespace svg_impl

std::vector<double> nice_ticks(double lo, double hi, int n, bool integer) {
  std::vector<double> t;
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / std::max(1, n), p = std::pow(10, std::floor(std::log10(raw)));
  double step = 10 * p;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw) {
      step = m * p;
      break;
    }
  if (integer) step = std::max(1.0, std::round(step));
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    t.push_back(std::abs(v) < step * 1e-9 ? 0 : v);
  return t;
}

namespace svg_impl {

// Where a line chart's data goes: the plot frame (L, T, pw, ph) and the data
// ranges (x0..x1, y0..y1, in log10 units on a log axis).
struct Plot {
  const SvgChart& c;
  double L = 66, T = 0, pw = 0, ph = 0;
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  bool cats = false;
  bool fits(double x, double y) const {
    return std::isfinite(x) && std::isfinite(y) && (!c.log_x || cats || x > 0) && (!c.log_y || y > 0);
  }
  double X(double x) const { return L + ((c.log_x && !cats ? std::log10(x) : x) - x0) / (x1 - x0) * pw; }
  double Y(double y) const { return T + (1 - ((c.log_y ? std::log10(y) : y) - y0) / (y1 - y0)) * ph; }
};

// The ranges of what is drawn (bands included), with a little room around it.
void plot_ranges(Plot& p) {
  const SvgChart& c = p.c;
  auto take_y = [&](double y) {
    const double v = c.log_y ? std::log10(y) : y;
    p.y0 = std::min(p.y0, v), p.y1 = std::max(p.y1, v);
  };
  for (const SvgSeries& s : c.series)
    for (size_t i = 0; i < s.points.size(); ++i) {
      auto [x, y] = s.points[i];
      if (!p.fits(x, y)) continue;
      const double lx = c.log_x && !p.cats ? std::log10(x) : x;
      p.x0 = std::min(p.x0, lx), p.x1 = std::max(p.x1, lx);
      take_y(y);
      if (i < s.band.size())
        for (double b : {s.band[i].first, s.band[i].second})
          if (p.fits(x, b)) take_y(b);
    }
  if (!std::isfinite(p.x0)) p.x0 = 0, p.x1 = 1, p.y0 = 0, p.y1 = 1;
  if (p.cats) p.x0 = -0.5, p.x1 = c.x_categories.size() - 0.5;
  if (p.x1 <= p.x0) p.x0 -= 0.5, p.x1 += 0.5;
  // Dots keep off the frame: a little room at both ends.
  if (!p.cats && std::any_of(c.series.begin(), c.series.end(), [](const SvgSeries& s) { return s.markers; })) {
    const double pad = (p.x1 - p.x0) * 0.04;
    p.x0 -= pad, p.x1 += pad;
  }
  if (c.log_x && !p.cats) p.x0 = std::floor(p.x0 * 10) / 10 - 0.05, p.x1 = std::ceil(p.x1 * 10) / 10 + 0.05;
  if (c.log_y) p.y0 = std::floor(p.y0), p.y1 = std::ceil(p.y1);
  if (p.y1 <= p.y0) {
    const double half = c.log_y ? 1 : std::max(0.5, std::abs(p.y0) * 0.05);
    p.y0 -= half, p.y1 = p.y0 + 2 * half;
  }
  if (!c.log_y) {
    const double pad = (p.y1 - p.y0) * 0.05;
    p.y0 -= pad, p.y1 += pad;
  }
}

// Grid lines and tick labels of both axes (the categories' names are drawn by the caller).
std::string plot_grid(const Plot& p) {
  const SvgChart& c = p.c;
  std::string s;
  std::vector<double> yt;
  if (c.log_y) {
    const double every = std::max(1.0, std::round((p.y1 - p.y0) / 6));
    for (double d = p.y0; d <= p.y1 + 1e-9; d += every) {
      yt.push_back(std::pow(10, d));
      if (p.y1 - p.y0 <= 2)  // few decades: 2 and 5 between them too
        for (double m : {2.0, 5.0})
          if (d + std::log10(m) < p.y1) yt.push_back(m * std::pow(10, d));
    }
  } else {
    yt = nice_ticks(p.y0, p.y1, 5);
  }
  for (double v : yt) {
    s += line(p.L, p.Y(v), p.L + p.pw, p.Y(v), "#e3e3e3");
    s += text(p.L - 6, p.Y(v) + 4, tick_label(v, c.log_y), "text-anchor=\"end\"");
  }
  if (p.cats) return s;
  std::vector<double> xt;
  if (c.log_x)
    for (double d = std::ceil(p.x0); d <= p.x1 + 1e-9; d += std::max(1.0, std::round((p.x1 - p.x0) / 7)))
      xt.push_back(std::pow(10, d));
  else
    xt = nice_ticks(p.x0, p.x1, 6, c.integer_x);
  for (double v : xt) {
    s += line(p.X(v), p.T, p.X(v), p.T + p.ph, "#efefef");
    s += text(p.X(v), p.T + p.ph + 16, tick_label(v, c.log_x), "text-anchor=\"middle\"");
  }
  return s;
}

// The shaded bands of the line series, under every line.
std::string plot_bands(const Plot& p) {
  std::string s;
  for (const SvgSeries& se : p.c.series) {
    if (se.markers || se.band.empty()) continue;
    std::vector<std::pair<double, double>> up, down;
    auto flush = [&] {
      if (up.size() >= 2) {
        std::string pts;
        for (auto& q : up) pts += px(q.first) + "," + px(q.second) + " ";
        for (auto it = down.rbegin(); it != down.rend(); ++it) pts += px(it->first) + "," + px(it->second) + " ";
        s += "<polygon fill=\"" + se.color + "\" fill-opacity=\"0.16\" stroke=\"none\" points=\"" + pts + "\"/>\n";
      }
      up.clear(), down.clear();
    };
    for (size_t i = 0; i < se.points.size() && i < se.band.size(); ++i) {
      const double x = se.points[i].first, lo = se.band[i].first, hi = se.band[i].second;
      if (!p.fits(x, lo) || !p.fits(x, hi)) {
        flush();
        continue;
      }
      up.push_back({p.X(x), p.Y(hi)}), down.push_back({p.X(x), p.Y(lo)});
    }
    flush();
  }
  return s;
}

std::string circle(double x, double y, double r, const std::string& color, const std::string& extra = "") {
  return "<circle cx=\"" + px(x) + "\" cy=\"" + px(y) + "\" r=\"" + num("%g", r) + "\" fill=\"" + color + "\"" +
         (extra.empty() ? "" : " " + extra) + "/>\n";
}

// Lines, and dots with their error bars.
std::string plot_series(const Plot& p) {
  std::string s;
  for (const SvgSeries& se : p.c.series) {
    std::vector<std::pair<double, double>> at;
    for (size_t i = 0; i < se.points.size(); ++i) {
      auto [x, y] = se.points[i];
      if (!p.fits(x, y)) continue;
      at.push_back({p.X(x), p.Y(y)});
      if (!se.markers) continue;
      if (i < se.band.size() && p.fits(x, se.band[i].first) && p.fits(x, se.band[i].second)) {
        const double lo = p.Y(se.band[i].first), hi = p.Y(se.band[i].second), cx = p.X(x);
        s += line(cx, lo, cx, hi, se.color, 1.4) + line(cx - 4, lo, cx + 4, lo, se.color, 1.4) +
             line(cx - 4, hi, cx + 4, hi, se.color, 1.4);
      }
      s += circle(p.X(x), p.Y(y), se.marker_radius, se.color, "fill-opacity=\"0.85\"");
    }
    if (se.markers || at.empty()) continue;
    if (at.size() == 1) {
      s += circle(at[0].first, at[0].second, 3, se.color);
      continue;
    }
    std::string pts;
    for (auto& q : at) pts += px(q.first) + "," + px(q.second) + " ";
    s += "<polyline fill=\"none\" stroke=\"" + se.color + "\" stroke-width=\"1.8\" points=\"" + pts + "\"/>\n";
  }
  return s;
}

}  // namespace svg_impl

std::string svg_line_chart(const SvgChart& c) {
  using namespace svg_impl;
  const double W = c.width, R = 18;
  Plot p{c};
  p.pw = W - p.L - R;
  p.cats = !c.x_categories.empty();
  plot_ranges(p);
  // Heights: title, plot, x labels, legend rows.
  std::vector<double> cat_x, cat_px;
  for (size_t i = 0; i < c.x_categories.size(); ++i) cat_x.push_back(double(i));
  const double slot = p.cats ? p.pw / c.x_categories.size() : 0;
  const double xlab_h = p.cats ? category_labels(nullptr, c.x_categories, cat_x, slot, 0) : 20;
  const Legend lg = legend_layout(c.series, p.L, p.pw);
  std::string head;
  p.T = title(head, c.title, W) + 6;
  p.ph = std::max(120.0, c.height - p.T - 44);
  const double H = p.T + p.ph + xlab_h + 24 + (lg.rows ? 6 + 16.0 * lg.rows : 0);
  std::string s = header(W, H) + head + plot_grid(p);
  for (double i : cat_x) cat_px.push_back(p.X(i));
  if (p.cats) category_labels(&s, c.x_categories, cat_px, slot, p.T + p.ph);
  s += "<rect x=\"" + px(p.L) + "\" y=\"" + px(p.T) + "\" width=\"" + px(p.pw) + "\" height=\"" + px(p.ph) +
       "\" fill=\"none\" stroke=\"#888\"/>\n";
  s += text(p.L + p.pw / 2, p.T + p.ph + xlab_h + 16, c.x_label, "text-anchor=\"middle\"");
  s += "<text transform=\"translate(15," + px(p.T + p.ph / 2) + ") rotate(-90)\" text-anchor=\"middle\">" +
       esc(c.y_label) + "</text>\n";
  s += plot_bands(p) + plot_series(p);
  const double ly0 = p.T + p.ph + xlab_h + 24 + 14;
  for (size_t i = 0; i < c.series.size(); ++i) {
    if (lg.at[i].first < 0) continue;
    const double lx = lg.at[i].first, ly = ly0 + 16 * lg.at[i].second;
    s += "<rect x=\"" + px(lx) + "\" y=\"" + px(ly - 9) + "\" width=\"12\" height=\"10\" fill=\"" + c.series[i].color +
         "\"/>\n";
    s += text(lx + 16, ly, c.series[i].name, "font-size=\"" + num("%g", kSmall) + "\"");
  }
  return s + "</svg>\n";
}

std::string svg_box_chart(const std::string& title_text, const std::string& y_label, const std::vector<SvgBox>& boxes,
                          int width, int height) {
  using namespace svg_impl;
  const double W = width, L = 66, R = 18, pw = W - L - R;
  const size_t n = std::max<size_t>(1, boxes.size());
  const double slot = pw / n;
  double y0 = INFINITY, y1 = -INFINITY;
  for (const SvgBox& b : boxes)
    for (double v : {b.min, b.max})
      if (std::isfinite(v)) y0 = std::min(y0, v), y1 = std::max(y1, v);
  if (!std::isfinite(y0)) y0 = 0, y1 = 1;
  if (y1 <= y0) y0 -= 0.01 + std::abs(y0) * 0.02, y1 += 0.01 + std::abs(y1) * 0.02;
  const double pad = (y1 - y0) * 0.08;
  y0 -= pad, y1 += pad;
  std::vector<std::string> labels;
  std::vector<double> xs;
  for (size_t i = 0; i < boxes.size(); ++i) labels.push_back(boxes[i].label), xs.push_back(L + slot * (i + 0.5));
  const double xlab_h = category_labels(nullptr, labels, xs, slot, 0);
  std::string body;
  const double T = title(body, title_text, W) + 6;
  const double ph = std::max(120.0, height - T - 30);
  const double H = T + ph + xlab_h + 8;
  auto Y = [&](double y) { return T + (1 - (y - y0) / (y1 - y0)) * ph; };
  std::string s = header(W, H) + body;
  for (double v : nice_ticks(y0, y1, 5)) {
    s += line(L, Y(v), L + pw, Y(v), "#e3e3e3");
    s += text(L - 6, Y(v) + 4, tick_label(v, false), "text-anchor=\"end\"");
  }
  s += "<rect x=\"" + px(L) + "\" y=\"" + px(T) + "\" width=\"" + px(pw) + "\" height=\"" + px(ph) +
       "\" fill=\"none\" stroke=\"#888\"/>\n";
  s += "<text transform=\"translate(15," + px(T + ph / 2) + ") rotate(-90)\" text-anchor=\"middle\">" + esc(y_label) +
       "</text>\n";
  const double bw = std::min(slot * 0.5, 70.0);
  for (size_t i = 0; i < boxes.size(); ++i) {
    const SvgBox& b = boxes[i];
    const double x = xs[i];
    if (std::isfinite(b.median)) {
      s += line(x, Y(b.min), x, Y(b.q1), "#555") + line(x, Y(b.q3), x, Y(b.max), "#555");
      s += line(x - bw / 4, Y(b.min), x + bw / 4, Y(b.min), "#555") + line(x - bw / 4, Y(b.max), x + bw / 4, Y(b.max), "#555");
      s += "<rect x=\"" + px(x - bw / 2) + "\" y=\"" + px(Y(b.q3)) + "\" width=\"" + px(bw) + "\" height=\"" +
           px(std::max(1.0, Y(b.q1) - Y(b.q3))) + "\" fill=\"" + b.color + "\" fill-opacity=\"0.2\" stroke=\"" + b.color +
           "\" stroke-width=\"1.4\"/>\n";
      s += line(x - bw / 2, Y(b.median), x + bw / 2, Y(b.median), b.color, 2.4);
    }
    // Each run's value, spread evenly across the box so that equal values stay apart.
    std::vector<double> pts;
    for (double v : b.points)
      if (std::isfinite(v)) pts.push_back(v);
    for (size_t k = 0; k < pts.size(); ++k) {
      const double dx = pts.size() == 1 ? 0 : ((k + 0.5) / pts.size() - 0.5) * bw * 0.8;
      s += "<circle cx=\"" + px(x + dx) + "\" cy=\"" + px(Y(pts[k])) + "\" r=\"3.2\" fill=\"" + b.color +
           "\" stroke=\"#222\" stroke-width=\"0.6\"/>\n";
    }
  }
  category_labels(&s, labels, xs, slot, T + ph);
  return s + "</svg>\n";
}

}  // namespace hyperlab
