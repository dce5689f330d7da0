// Reading a JSON object against what it may hold, the way experiment configs
// and sweep files are read: every problem is collected (nothing throws), each
// with its key path and reason; values of the wrong type or range are named
// with what was found; keys nobody asked for are "unknown" (with a
// did-you-mean), so typos are errors. Torch-free.
#pragma once

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace hyperlab {

struct ConfigError {
  std::string path;     ///< e.g. "model.layers[3].out"
  std::string message;  ///< e.g. "must be a positive integer, got -5"
  std::string str() const { return path.empty() ? message : path + ": " + message; }
};

/// A JSON value as shown in an error: compact, cut to 40 characters.
std::string describe_json(const nlohmann::json& v);
/// Levenshtein distance (for did-you-mean suggestions).
size_t edit_distance(const std::string& a, const std::string& b);

/// One JSON object being read: remembers which keys were asked for, so that
/// finish() reports anything left over as unknown. A null `j` (a section that
/// is absent) reads as empty; a `j` that is not an object is an error, and
/// then reads as empty too. Each reader leaves `out` as it was when the key is
/// absent or wrong.
class ObjectReader {
 public:
  ObjectReader(const nlohmann::json* j, std::string path, std::vector<ConfigError>& errs);
  bool valid() const { return j_ != nullptr; }
  /// The path of `key` inside this object ("training" + "epochs" -> "training.epochs").
  std::string at(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  /// An error at `key` (or at this object itself when `key` is empty).
  void err(const std::string& key, const std::string& msg);
  /// The value of `key` (marking it known), or null when absent.
  const nlohmann::json* get(const std::string& key);
  bool has(const std::string& key) const;

  /// An integer in [lo, hi] (a float with an integral value counts).
  void integer(const std::string& key, int& out, long long lo, long long hi = std::numeric_limits<int>::max());
  void uint64(const std::string& key, uint64_t& out);
  /// A finite number with lo <= x (or lo < x if lo_open), x <= hi (or < if hi_open).
  void number(const std::string& key, double& out, double lo, double hi, bool lo_open = false, bool hi_open = false);
  void boolean(const std::string& key, bool& out);
  /// A string; when `allowed` is given, one of those.
  void string(const std::string& key, std::string& out, const std::vector<std::string>& allowed = {});
  /// Keys that belong to this object's schema but not to the chosen variant.
  void not_used(const std::vector<std::string>& keys, const std::string& why);
  /// Reports the keys nobody asked for.
  void finish();

 private:
  const nlohmann::json* j_;
  std::string path_;
  std::vector<ConfigError>& errs_;
  std::set<std::string> known_;
};

}  // namespace hyperlab
