#include "sweep/strategy.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace hyperlab {

namespace {

std::string num_text(double v, bool integer) {
  if (integer) return std::to_string(static_cast<long long>(std::llround(v)));
  char b[32];
  std::snprintf(b, sizeof b, "%.10g", v);
  return b;
}

Settings sample_all(const std::vector<ParamSpec>& params, std::mt19937_64& rng) {
  Settings s;
  for (const ParamSpec& p : params) s[p.key] = p.sample(rng);
  return s;
}

class GridStrategy : public Strategy {
 public:
  explicit GridStrategy(const std::vector<ParamSpec>& params) {
    std::vector<Settings> all{Settings{}};
    for (const ParamSpec& p : params) {
      std::vector<Settings> next;
      for (const Settings& s : all)
        for (const std::string& v : p.grid()) {
          Settings t = s;
          t[p.key] = v;
          next.push_back(t);
        }
      all.swap(next);
    }
    trials_ = all;
  }
  std::optional<Trial> ask() override {
    if (next_ >= trials_.size()) return std::nullopt;
    Trial t;
    t.id = static_cast<int>(next_);
    t.settings = trials_[next_++];
    return t;
  }
  void tell(int, double) override { ++told_; }
  bool finished() const override { return told_ >= trials_.size(); }

 private:
  std::vector<Settings> trials_;
  size_t next_ = 0, told_ = 0;
};

class RandomStrategy : public Strategy {
 public:
  RandomStrategy(const std::vector<ParamSpec>& params, int trials, uint64_t seed)
      : params_(params), trials_(trials), rng_(seed) {}
  std::optional<Trial> ask() override {
    if (asked_ >= trials_) return std::nullopt;
    Trial t;
    t.id = asked_++;
    t.settings = sample_all(params_, rng_);
    return t;
  }
  void tell(int, double) override { ++told_; }
  bool finished() const override { return told_ >= trials_; }

 private:
  std::vector<ParamSpec> params_;
  int trials_, asked_ = 0, told_ = 0;
  std::mt19937_64 rng_;
};

// Asynchronous successive halving over rungs min_resource * eta^k.
class HalvingStrategy : public Strategy {
 public:
  HalvingStrategy(const std::vector<ParamSpec>& params, const HalvingOptions& o, int id_base = 0, int bracket = 0)
      : params_(params), o_(o), rng_(o.seed), next_id_(id_base), bracket_(bracket) {
    for (double r = o.min_resource; r <= o.max_resource * (1 + 1e-9); r *= o.eta)
      rungs_.push_back(static_cast<int>(std::lround(r)));
    if (rungs_.empty()) rungs_.push_back(o.max_resource);
    results_.resize(rungs_.size());
    promoted_.resize(rungs_.size());
  }
  std::optional<Trial> ask() override {
    // Promotions first, from the highest rung down: the top 1/eta of what is known at a rung.
    for (int k = static_cast<int>(rungs_.size()) - 2; k >= 0; --k) {
      auto done = results_[k];
      std::sort(done.begin(), done.end(), [](auto& a, auto& b) { return a.second < b.second; });
      const size_t allowed = static_cast<size_t>(std::floor(done.size() / o_.eta));
      for (size_t i = 0; i < allowed; ++i) {
        const int id = done[i].first;
        if (promoted_[k].count(id)) continue;
        promoted_[k].insert(id);
        Trial t = trials_.at(id);
        t.parent = id, t.id = next_id_++, t.rung = k + 1, t.resource = rungs_[k + 1];
        return start(t);
      }
    }
    if (started_ < o_.configs) {
      ++started_;
      Trial t;
      t.id = next_id_++, t.settings = sample_all(params_, rng_), t.rung = 0, t.resource = rungs_[0];
      return start(t);
    }
    return std::nullopt;
  }
  void tell(int trial, double objective) override {
    auto it = trials_.find(trial);
    if (it == trials_.end() || !pending_.count(trial)) return;
    pending_.erase(trial);
    results_[it->second.rung].push_back({trial, std::isfinite(objective) ? objective : INFINITY});
  }
  bool finished() const override {
    if (started_ < o_.configs || !pending_.empty()) return false;
    for (size_t k = 0; k + 1 < rungs_.size(); ++k)
      if (promoted_[k].size() < static_cast<size_t>(std::floor(results_[k].size() / o_.eta))) return false;
    return true;
  }
  bool owns(int id) const { return trials_.count(id) > 0; }
  int next_id() const { return next_id_; }
  const std::vector<int>& rungs() const { return rungs_; }

 private:
  Trial start(Trial t) {
    t.bracket = bracket_;
    trials_[t.id] = t;
    pending_.insert(t.id);
    return t;
  }
  std::vector<ParamSpec> params_;
  HalvingOptions o_;
  std::mt19937_64 rng_;
  std::vector<int> rungs_;
  std::vector<std::vector<std::pair<int, double>>> results_;  // per rung: (trial, objective)
  std::vector<std::set<int>> promoted_;                       // per rung: trials promoted from it
  std::map<int, Trial> trials_;
  std::set<int> pending_;
  int started_ = 0, next_id_ = 0, bracket_ = 0;
};

class HyperbandStrategy : public Strategy {
 public:
  HyperbandStrategy(const std::vector<ParamSpec>& params, int max_resource, double eta, uint64_t seed) {
    int id = 0;
    for (const Bracket& b : hyperband_brackets(max_resource, eta)) {
      HalvingOptions o;
      o.eta = eta, o.min_resource = b.resource, o.max_resource = max_resource, o.configs = b.configs;
      o.seed = seed + static_cast<uint64_t>(b.s) * 7919;
      auto h = std::make_unique<HalvingStrategy>(params, o, id, b.s);
      id += 1000000;  // ids stay unique across brackets
      brackets_.push_back(std::move(h));
    }
  }
  std::optional<Trial> ask() override {
    // Brackets one after another; a later one starts while the earlier waits on results.
    for (auto& b : brackets_)
      if (!b->finished())
        if (auto t = b->ask()) return t;
    return std::nullopt;
  }
  void tell(int trial, double objective) override {
    for (auto& b : brackets_)
      if (b->owns(trial)) return b->tell(trial, objective);
  }
  bool finished() const override {
    return std::all_of(brackets_.begin(), brackets_.end(), [](auto& b) { return b->finished(); });
  }

 private:
  std::vector<std::unique_ptr<HalvingStrategy>> brackets_;
};

class TpeStrategy : public Strategy {
 public:
  TpeStrategy(const std::vector<ParamSpec>& params, int trials, uint64_t seed, int startup)
      : params_(params), trials_(trials), startup_(startup), rng_(seed) {}
  std::optional<Trial> ask() override {
    if (asked_ >= trials_) return std::nullopt;
    Trial t;
    t.id = asked_++;
    t.settings = results_.size() < static_cast<size_t>(startup_) ? sample_all(params_, rng_) : propose();
    settings_[t.id] = t.settings;
    return t;
  }
  void tell(int trial, double objective) override {
    auto it = settings_.find(trial);
    if (it == settings_.end()) return;
    results_.push_back({it->second, std::isfinite(objective) ? objective : INFINITY});
    ++told_;
  }
  bool finished() const override { return told_ >= trials_; }

 private:
  static bool log_scale(const ParamSpec& p) { return p.kind == ParamSpec::Kind::Log || p.kind == ParamSpec::Kind::LogUniform; }
  static bool categorical(const ParamSpec& p) {
    return p.kind == ParamSpec::Kind::List || p.kind == ParamSpec::Kind::Choice;
  }

  Settings propose() {
    std::vector<std::pair<Settings, double>> sorted = results_;
    std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.second < b.second; });
    // The "good" set as Optuna chooses it: the best 10 %, at least 1, at most 25.
    const size_t n_good =
        std::clamp<size_t>(static_cast<size_t>(std::ceil(0.1 * double(sorted.size()))), 1, 25);
    Settings out;
    for (const ParamSpec& p : params_) {
      std::vector<std::string> good, bad;
      for (size_t i = 0; i < sorted.size(); ++i) (i < n_good ? good : bad).push_back(sorted[i].first.at(p.key));
      out[p.key] = categorical(p) ? pick_category(p, good, bad) : pick_number(p, good, bad);
    }
    return out;
  }

  std::string pick_category(const ParamSpec& p, const std::vector<std::string>& good, const std::vector<std::string>& bad) {
    auto weight = [&](const std::vector<std::string>& obs, const std::string& v) {
      return (std::count(obs.begin(), obs.end(), v) + 1.0) / (obs.size() + p.values.size());
    };
    std::vector<double> w;
    for (const std::string& v : p.values) w.push_back(weight(good, v));
    std::discrete_distribution<size_t> d(w.begin(), w.end());
    std::string best;
    double best_ratio = -1;
    for (int k = 0; k < 24; ++k) {
      const std::string& v = p.values[d(rng_)];
      double ratio = weight(good, v) / weight(bad, v);
      if (ratio > best_ratio) best_ratio = ratio, best = v;
    }
    return best;
  }

  std::string pick_number(const ParamSpec& p, const std::vector<std::string>& good_s, const std::vector<std::string>& bad_s) {
    const bool lg = log_scale(p);
    auto tx = [&](double v) { return lg ? std::log(v) : v; };
    const double lo = tx(p.lo), hi = tx(p.hi), span = hi - lo;
    auto to_num = [&](const std::vector<std::string>& v) {
      std::vector<double> out;
      for (const std::string& s : v) out.push_back(tx(std::stod(s)));
      return out;
    };
    const std::vector<double> good = to_num(good_s), bad = to_num(bad_s);
    // Adaptive Parzen estimator (as hyperopt): a Gaussian at each observation,
    // as wide as the larger gap to its neighbours (range ends count as
    // neighbours), clipped to [span / min(100, n + 1), span], plus a uniform prior.
    struct Parzen {
      std::vector<double> mu, sigma;
      double lo, hi;
      double pdf(double x) const {
        double sum = 1.0 / (hi - lo);
        for (size_t i = 0; i < mu.size(); ++i)
          sum += std::exp(-0.5 * (x - mu[i]) * (x - mu[i]) / (sigma[i] * sigma[i])) / (sigma[i] * std::sqrt(2 * M_PI));
        return sum / (mu.size() + 1);
      }
    };
    auto fit = [&](std::vector<double> obs) {
      Parzen pz;
      pz.lo = lo, pz.hi = hi;
      // As hyperopt: the prior's mean (mid-range) joins the sorted points, and
      // each point's width is the larger gap to its neighbours in that list.
      std::vector<double> pts = obs;
      pts.push_back((lo + hi) / 2);
      std::sort(pts.begin(), pts.end());
      const double min_sigma = span / std::min(100.0, pts.size() + 0.0);
      for (size_t i = 0; i < pts.size(); ++i) {
        if (pts[i] == (lo + hi) / 2 && std::find(obs.begin(), obs.end(), pts[i]) == obs.end()) continue;
        const double left = i == 0 ? 0 : pts[i] - pts[i - 1];
        const double right = i + 1 == pts.size() ? 0 : pts[i + 1] - pts[i];
        pz.mu.push_back(pts[i]);
        pz.sigma.push_back(std::clamp(std::max(left, right), min_sigma, span));
      }
      return pz;
    };
    const Parzen l = fit(good), g = fit(bad);
    // Candidates come from l's Gaussians only: drawing from its flat prior too
    // would favour the far, empty corners, where the prior alone makes l/g large.
    std::uniform_int_distribution<size_t> which(0, l.mu.size() - 1);
    std::uniform_real_distribution<double> uni(lo, hi);
    double best = uni(rng_), best_ratio = -1;
    for (int k = 0; k < 24; ++k) {
      const size_t c = which(rng_);
      const double x = std::normal_distribution<double>(l.mu[c], l.sigma[c])(rng_);
      if (x < lo || x > hi) continue;  // outside the range: draw again rather than pile up at the ends
      double ratio = l.pdf(x) / g.pdf(x);
      if (ratio > best_ratio) best_ratio = ratio, best = x;
    }
    return num_text(lg ? std::exp(best) : best, p.integer);
  }

  std::vector<ParamSpec> params_;
  int trials_, startup_, asked_ = 0, told_ = 0;
  std::mt19937_64 rng_;
  std::map<int, Settings> settings_;
  std::vector<std::pair<Settings, double>> results_;
};

}  // namespace

std::unique_ptr<Strategy> make_tpe(const std::vector<ParamSpec>& params, int trials, uint64_t seed, int startup) {
  return std::make_unique<TpeStrategy>(params, trials, seed, startup);
}

const Settings* ParamSpec::variant(const std::string& value) const {
  for (size_t i = 0; i < variants.size() && i < values.size(); ++i)
    if (values[i] == value) return &variants[i].second;
  return nullptr;
}

std::vector<std::string> ParamSpec::grid() const {
  std::vector<std::string> out;
  switch (kind) {
    case Kind::List:
    case Kind::Choice: return values;
    case Kind::Linear:
      for (int i = 0; i < points; ++i)
        out.push_back(num_text(points == 1 ? lo : lo + (hi - lo) * i / (points - 1), integer));
      return out;
    case Kind::Log:
      for (int i = 0; i < points; ++i)
        out.push_back(num_text(points == 1 ? lo : std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * i / (points - 1)),
                               integer));
      return out;
    case Kind::Uniform:
    case Kind::LogUniform: {  // a grid over a distribution: its range, 5 points
      ParamSpec p = *this;
      p.kind = kind == Kind::Uniform ? Kind::Linear : Kind::Log;
      return p.grid();
    }
  }
  return out;
}

std::string ParamSpec::sample(std::mt19937_64& rng) const {
  switch (kind) {
    case Kind::List:
    case Kind::Choice: {
      std::uniform_int_distribution<size_t> d(0, values.empty() ? 0 : values.size() - 1);
      return values.empty() ? "null" : values[d(rng)];
    }
    case Kind::Linear:
    case Kind::Uniform: return num_text(std::uniform_real_distribution<double>(lo, hi)(rng), integer);
    case Kind::Log:
    case Kind::LogUniform:
      return num_text(std::exp(std::uniform_real_distribution<double>(std::log(lo), std::log(hi))(rng)), integer);
  }
  return "null";
}

std::vector<Bracket> hyperband_brackets(int max_resource, double eta) {
  const int s_max = static_cast<int>(std::floor(std::log(double(max_resource)) / std::log(eta) + 1e-9));
  const double B = (s_max + 1.0) * max_resource;
  std::vector<Bracket> out;
  for (int s = s_max; s >= 0; --s) {
    Bracket b;
    b.s = s;
    b.configs = static_cast<int>(std::ceil(B / max_resource * std::pow(eta, s) / (s + 1) - 1e-9));
    b.resource = static_cast<int>(std::lround(max_resource * std::pow(eta, -s)));
    out.push_back(b);
  }
  return out;
}

std::unique_ptr<Strategy> make_grid(const std::vector<ParamSpec>& params) {
  return std::make_unique<GridStrategy>(params);
}
std::unique_ptr<Strategy> make_random(const std::vector<ParamSpec>& params, int trials, uint64_t seed) {
  return std::make_unique<RandomStrategy>(params, trials, seed);
}
std::unique_ptr<Strategy> make_successive_halving(const std::vector<ParamSpec>& params, const HalvingOptions& o) {
  return std::make_unique<HalvingStrategy>(params, o);
}
std::unique_ptr<Strategy> make_hyperband(const std::vector<ParamSpec>& params, int max_resource, double eta,
                                         uint64_t seed) {
  return std::make_unique<HyperbandStrategy>(params, max_resource, eta, seed);
}

}  // namespace hyperlab
