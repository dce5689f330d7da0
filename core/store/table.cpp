#include "store/table.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>

namespace hyperlab {

// Helpers in their own namespace: the light unity group compiles this file
// with others that have an esc() or fmt() of their own.
namespace table_impl {

// Text symbols LaTeX needs spelled out, and the characters it reserves.
std::string latex_text(const std::string& s) {
  static const std::map<std::string, std::string> symbols = {
      {"±", "$\\pm$"}, {"–", "--"}, {"—", "---"}, {"×", "$\\times$"}, {"≤", "$\\leq$"}, {"≥", "$\\geq$"},
      {"∇", "$\\nabla$"}, {"\xc2\xa0", "~"}};
  std::string o;
  for (size_t i = 0; i < s.size();) {
    bool done = false;
    for (const auto& [from, to] : symbols)
      if (s.compare(i, from.size(), from) == 0) {
        o += to, i += from.size(), done = true;
        break;
      }
    if (done) continue;
    const char c = s[i++];
    if (c == '_' || c == '%' || c == '&' || c == '#' || c == '$' || c == '{' || c == '}') o += '\\', o += c;
    else if (c == '\\') o += "\\textbackslash{}";
    else if (c == '~') o += "\\textasciitilde{}";
    else if (c == '^') o += "\\textasciicircum{}";
    else o += c;
  }
  return o;
}

std::string html_text(const std::string& s) {
  std::string o;
  for (char c : s) o += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : c == '"' ? "&quot;" : std::string(1, c);
  return o;
}

// A number cell's text with its spaces made non-breaking ("82.00 ± 1.15" stays on one line).
std::string html_unbroken(const std::string& s) {
  std::string o;
  for (char c : s) o += c == ' ' ? std::string("&nbsp;") : std::string(1, c);
  return o;
}

std::string md_cell(const std::string& s) {
  std::string o;
  for (char c : s) o += c == '|' ? std::string("\\|") : std::string(1, c);
  return o;
}

}  // namespace table_impl

std::string spread_name(Spread s) { return s == Spread::SD ? "SD" : "SE"; }
std::string spread_words(Spread s) { return s == Spread::SD ? "standard deviation" : "standard error of the mean"; }

bool parse_spread(const std::string& text, Spread& out) {
  std::string t;
  for (char c : text) t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "se") out = Spread::SE;
  else if (t == "sd") out = Spread::SD;
  else return false;
  return true;
}

std::string number_text(double v, const char* format) {
  if (!std::isfinite(v)) return "";
  char b[64];
  std::snprintf(b, sizeof b, format, v);
  return b;
}

std::string table_markdown(const ResultTable& t) {
  using namespace table_impl;
  std::string out = t.caption.empty() ? "" : "Table: " + t.caption + "\n\n";
  std::string head = "|", rule = "|";
  for (size_t i = 0; i < t.head.size(); ++i) {
    head += " " + md_cell(t.head[i]) + " |";
    rule += i < t.text_columns ? "---|" : "--:|";
  }
  out += head + "\n" + rule + "\n";
  for (const auto& row : t.rows) {
    out += "|";
    for (const std::string& c : row) out += " " + md_cell(c) + " |";
    out += "\n";
  }
  return out;
}

std::string table_latex(const ResultTable& t) {
  using namespace table_impl;
  std::string cols;
  for (size_t i = 0; i < t.head.size(); ++i) cols += i < t.text_columns ? 'l' : 'r';
  std::string out = "% needs \\usepackage{booktabs}\n\\begin{table}[htbp]\n\\centering\n\\small\n";
  if (!t.caption.empty()) out += "\\caption{" + latex_text(t.caption) + "}\n";
  out += "\\begin{tabular}{" + cols + "}\n\\toprule\n";
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) out += (i ? " & " : "") + latex_text(cells[i]);
    out += " \\\\\n";
  };
  // Headers on two lines where they have a "(...)" part: "test accuracy %" over "(mean ± SE)".
  std::vector<std::string> top, bottom;
  for (const std::string& h : t.head) {
    const size_t at = h.find(" (");
    top.push_back(h.substr(0, at));
    bottom.push_back(at == std::string::npos ? "" : h.substr(at + 1));
  }
  line(top);
  if (bottom != std::vector<std::string>(bottom.size())) line(bottom);
  out += "\\midrule\n";
  for (const auto& row : t.rows) line(row);
  return out + "\\bottomrule\n\\end{tabular}\n\\end{table}\n";
}

std::string table_html(const ResultTable& t) {
  using namespace table_impl;
  std::string out;
  if (!t.caption.empty()) out += "<p class=\"caption\">" + html_text(t.caption) + "</p>\n";
  // A cell without spaces ("0.01", "relu", "[500,50]") is one word: it never wraps
  // (a narrow column would otherwise break "0.01" after its point).
  auto nowrap = [](const std::string& c) {
    return c.find(' ') == std::string::npos ? std::string(" style=\"white-space:nowrap\"") : std::string();
  };
  out += "<table class=\"t\" width=\"100%\"><tr>";
  for (size_t i = 0; i < t.head.size(); ++i)
    out += std::string(i < t.text_columns ? "<th align=\"left\"" : "<th") + nowrap(t.head[i]) + ">" +
           html_text(t.head[i]) + "</th>";
  out += "</tr>\n";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (size_t i = 0; i < row.size(); ++i)
      out += i < t.text_columns ? "<td align=\"left\"" + nowrap(row[i]) + ">" + html_text(row[i]) + "</td>"
                                : "<td class=\"n\" align=\"right\" style=\"white-space:nowrap\">" +
                                      html_unbroken(html_text(row[i])) + "</td>";
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::vector<std::string> key_headers(const std::vector<std::string>& keys) {
  auto tail = [](const std::string& k, int parts) {
    size_t at = k.size();
    for (int p = 0; p < parts; ++p) {
      const size_t dot = at == 0 ? std::string::npos : k.find_last_of('.', at - 1);
      if (dot == std::string::npos) return k;
      at = dot;
    }
    return k.substr(at + 1);
  };
  std::vector<std::string> out;
  for (const std::string& k : keys) {
    int parts = 1;
    for (bool clash = true; clash;) {
      clash = false;
      for (const std::string& other : keys)
        if (other != k && tail(other, parts) == tail(k, parts)) clash = true;
      if (clash && tail(k, parts) == k) break;  // the whole key: nothing longer to show
      if (clash) ++parts;
    }
    out.push_back(tail(k, parts));
  }
  return out;
}

}  // namespace hyperlab
