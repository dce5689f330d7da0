// Reading user files and JSON text safely: one place that says what is wrong
// with a path (missing, a folder, unreadable and why) and that refuses JSON
// nested deeper than any config needs (nlohmann's recursive dump/compare
// would otherwise overflow the stack). Torch-free.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace hyperlab {

/// Deepest nesting of arrays and objects accepted in any JSON we read.
constexpr int kMaxJsonDepth = 200;

/// What is wrong with `path` as a file to read, or "" when it is a readable
/// regular file: "PATH: not found", "PATH: is a folder, not a file",
/// "PATH: cannot read the file (Permission denied)".
std::string file_problem(const std::string& path);

/// Reads a whole file. On failure returns false and sets `error` to a
/// message starting with the path (see file_problem). Files larger than
/// `max_bytes` are refused with their size.
bool read_text_file(const std::string& path, std::string& text, std::string& error,
                    uint64_t max_bytes = 256ull << 20);

/// Parses JSON text. On failure returns false and sets `error` to
/// "SOURCE is not valid JSON: ..." or "SOURCE: nested deeper than 200 levels
/// (at byte N)". Never throws.
bool parse_json(const std::string& text, const std::string& source, nlohmann::json& out, std::string& error);

/// The deepest nesting of [ and { outside strings in `text` (0 for a scalar).
/// Stops counting at `limit` + 1; `where` gets the byte offset it got there.
int json_depth(const std::string& text, int limit, size_t* where = nullptr);

}  // namespace hyperlab
