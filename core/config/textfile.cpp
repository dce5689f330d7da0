#include "config/textfile.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace hyperlab {

namespace {

// file_problem, with the file's size when it is a readable regular file.
std::string problem(const std::string& path, uint64_t* size) {
  struct stat st {};
  if (path.empty()) return "no file name given";
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return path + ": not found";
    return path + ": cannot read the file (" + std::strerror(errno) + ")";
  }
  if (S_ISDIR(st.st_mode)) return path + ": is a folder, not a file";
  if (::access(path.c_str(), R_OK) != 0) return path + ": cannot read the file (" + std::strerror(errno) + ")";
  if (size) *size = static_cast<uint64_t>(st.st_size);
  return "";
}

}  // namespace

std::string file_problem(const std::string& path) { return problem(path, nullptr); }

bool read_text_file(const std::string& path, std::string& text, std::string& error, uint64_t max_bytes) {
  uint64_t size = 0;
  error = problem(path, &size);
  if (!error.empty()) return false;
  if (size > max_bytes) {
    error = path + ": is " + std::to_string(size >> 20) + " MB, more than the " + std::to_string(max_bytes >> 20) +
            " MB a text file may have here";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in || in.bad()) {
    error = path + ": cannot read the file (" + std::strerror(errno ? errno : EIO) + ")";
    return false;
  }
  text = ss.str();
  return true;
}

int json_depth(const std::string& text, int limit, size_t* where) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) {
        if (where) *where = i;
        return deepest;
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

bool parse_json(const std::string& text, const std::string& source, nlohmann::json& out, std::string& error) {
  size_t where = 0;
  if (json_depth(text, kMaxJsonDepth, &where) > kMaxJsonDepth) {
    error = source + ": nested deeper than " + std::to_string(kMaxJsonDepth) + " levels (at byte " +
            std::to_string(where + 1) + "); no config or sweep needs that many";
    return false;
  }
  try {
    out = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    error = source + " is not valid JSON: " + e.what();
    return false;
  }
  return true;
}

}  // namespace hyperlab
