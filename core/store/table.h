// Result tables as people read them: a caption that says what the table shows,
// the settings first (left-aligned), then numbers (right-aligned, never broken
// across lines), written as Markdown, LaTeX (booktabs) or HTML. The History
// comparison (store/compare.h) and the sweep summary (sweep/analysis.h) each
// build one, so both read the same way in every format.
#pragma once

#include <string>
#include <vector>

namespace hyperlab {

/// Which spread the "mean ± spread" cells of a table show.
enum class Spread {
  SE,  ///< standard error of the mean: how well the mean is known (comparing settings over seeds)
  SD,  ///< standard deviation: how much single runs vary
};
/// "SE" or "SD".
std::string spread_name(Spread s);
/// "standard error of the mean" or "standard deviation".
std::string spread_words(Spread s);
/// "se" or "sd" (any case) into `out`; false for anything else.
bool parse_spread(const std::string& text, Spread& out);

struct ResultTable {
  std::string caption;                         ///< what the table shows, in words (one sentence or two)
  std::vector<std::string> head;               ///< column headers
  std::vector<std::vector<std::string>> rows;  ///< cells, one per header; "–" for none
  size_t text_columns = 0;                     ///< the first columns hold settings (left-aligned), the rest numbers
};
/// "Table: CAPTION" (pandoc's caption line), a blank line, then a pipe table
/// with the number columns right-aligned.
std::string table_markdown(const ResultTable& t);
/// A `table` float with \caption, booktabs rules (needs \usepackage{booktabs}); ± as $\pm$.
std::string table_latex(const ResultTable& t);
/// A caption paragraph and a full-width table whose number cells never wrap.
std::string table_html(const ResultTable& t);

/// Column headers of config keys: each key's last part ("lr", "dropout"), or
/// its last two parts where two keys end alike ("optimizer.lr", "schedule.lr").
/// A key without a dot (a named-variant parameter, "variant") is its own header.
std::vector<std::string> key_headers(const std::vector<std::string>& keys);

/// Printf-style formatting of one number ("" for NaN or infinity).
std::string number_text(double v, const char* format);

}  // namespace hyperlab
