#include "config/json_reader.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <nlohmann/json.hpp>

namespace hyperlab {

using json = nlohmann::json;

std::string describe_json(const json& v) {
  std::string s = v.dump();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> d(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) d[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t prev = d[0];
    d[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t t = d[j];
      d[j] = std::min({d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1)});
      prev = t;
    }
  }
  return d[b.size()];
}

ObjectReader::ObjectReader(const json* j, std::string path, std::vector<ConfigError>& errs)
    : j_(j), path_(std::move(path)), errs_(errs) {
  if (j_ && !j_->is_object()) {
    err("", "must be an object, got " + describe_json(*j_));
    j_ = nullptr;
  }
}

void ObjectReader::err(const std::string& key, const std::string& msg) {
  errs_.push_back({key.empty() ? path_ : at(key), msg});
}

const json* ObjectReader::get(const std::string& key) {
  known_.insert(key);
  if (!j_) return nullptr;
  auto it = j_->find(key);
  return it == j_->end() ? nullptr : &*it;
}

bool ObjectReader::has(const std::string& key) const { return j_ && j_->contains(key); }

void ObjectReader::integer(const std::string& key, int& out, long long lo, long long hi) {
  const json* v = get(key);
  if (!v) return;
  if (!v->is_number_integer() && !(v->is_number_float() && std::floor(v->get<double>()) == v->get<double>())) {
    err(key, "must be an integer, got " + describe_json(*v));
    return;
  }
  // Beyond long long (a huge float or unsigned) is out of range, never undefined behaviour.
  const bool fits = v->is_number_unsigned() ? v->get<uint64_t>() <= uint64_t(std::numeric_limits<long long>::max())
                    : v->is_number_integer() || std::fabs(v->get<double>()) < 9e18;
  const long long x = !fits ? 0 : v->is_number_integer() ? v->get<long long>() : static_cast<long long>(v->get<double>());
  if (!fits || x < lo || x > hi) {
    std::string range = lo == 1 && hi == std::numeric_limits<int>::max() ? "a positive integer"
                        : lo == 0 && hi == std::numeric_limits<int>::max()
                            ? "an integer >= 0"
                            : "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    err(key, "must be " + range + ", got " + describe_json(*v));
    return;
  }
  out = static_cast<int>(x);
}

void ObjectReader::uint64(const std::string& key, uint64_t& out) {
  const json* v = get(key);
  if (!v) return;
  if (!v->is_number_unsigned() && !(v->is_number_integer() && v->get<long long>() >= 0)) {
    err(key, "must be an integer >= 0, got " + describe_json(*v));
    return;
  }
  out = v->get<uint64_t>();
}

void ObjectReader::number(const std::string& key, double& out, double lo, double hi, bool lo_open, bool hi_open) {
  const json* v = get(key);
  if (!v) return;
  if (!v->is_number()) {
    err(key, "must be a number, got " + describe_json(*v));
    return;
  }
  double x = v->get<double>();
  bool ok = std::isfinite(x) && (lo_open ? x > lo : x >= lo) && (hi_open ? x < hi : x <= hi);
  if (!ok) {
    std::ostringstream r;
    if (std::isinf(hi)) r << (lo_open ? "> " : ">= ") << lo;
    else r << "in " << (lo_open ? "(" : "[") << lo << ", " << hi << (hi_open ? ")" : "]");
    err(key, "must be a number " + r.str() + ", got " + describe_json(*v));
    return;
  }
  out = x;
}

void ObjectReader::boolean(const std::string& key, bool& out) {
  const json* v = get(key);
  if (!v) return;
  if (!v->is_boolean()) {
    err(key, "must be true or false, got " + describe_json(*v));
    return;
  }
  out = v->get<bool>();
}

void ObjectReader::string(const std::string& key, std::string& out, const std::vector<std::string>& allowed) {
  const json* v = get(key);
  if (!v) return;
  if (!v->is_string()) {
    err(key, "must be a string, got " + describe_json(*v));
    return;
  }
  std::string s = v->get<std::string>();
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    err(key, "must be one of " + list + ", got \"" + s + "\"");
    return;
  }
  out = s;
}

void ObjectReader::not_used(const std::vector<std::string>& keys, const std::string& why) {
  for (const auto& k : keys) {
    known_.insert(k);
    if (has(k)) err(k, "not used " + why);
  }
}

void ObjectReader::finish() {
  if (!j_) return;
  for (auto it = j_->begin(); it != j_->end(); ++it) {
    if (known_.count(it.key())) continue;
    std::string best;
    size_t bd = 3;
    for (const auto& k : known_) {
      size_t d = edit_distance(it.key(), k);
      if (d < bd) bd = d, best = k;
    }
    err(it.key(), "unknown key" + (best.empty() ? std::string() : " (did you mean \"" + best + "\"?)"));
  }
}

}  // namespace hyperlab
