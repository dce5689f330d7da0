// Search strategies on cheap synthetic objectives, no training: grid gives
// the full product, random follows its distributions and seed, successive
// halving promotes the top 1/eta at each rung, Hyperband's brackets follow
// the published schedule.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "sweep/strategy.h"
#include "sweep/sweep.h"

using namespace hyperlab;
using Kind = ParamSpec::Kind;

namespace {
ParamSpec spec(const std::string& key, Kind k, double lo = 0, double hi = 1, int points = 5) {
  ParamSpec p;
  p.key = key, p.kind = k, p.lo = lo, p.hi = hi, p.points = points;
  return p;
}
ParamSpec list(const std::string& key, std::vector<std::string> v, Kind k = Kind::List) {
  ParamSpec p;
  p.key = key, p.kind = k, p.values = std::move(v);
  return p;
}
double x_of(const Trial& t) { return std::stod(t.settings.at("x")); }
}  // namespace

TEST(Grid, YieldsTheFullProductInOrder) {
  auto g = make_grid({list("lr", {"0.1", "0.01"}), list("opt", {"\"sgd\"", "\"adam\""}),
                      spec("dropout", Kind::Linear, 0, 0.5, 3)});
  std::vector<Settings> seen;
  while (auto t = g->ask()) seen.push_back(t->settings);
  ASSERT_EQ(seen.size(), 12u);
  EXPECT_EQ(std::set<Settings>(seen.begin(), seen.end()).size(), 12u);  // all different
  EXPECT_EQ(seen[0].at("lr"), "0.1");
  EXPECT_EQ(seen[5].at("lr"), "0.1");  // the first key varies slowest
  EXPECT_EQ(seen[6].at("lr"), "0.01");
  EXPECT_EQ(seen[0].at("dropout"), "0");
  EXPECT_EQ(seen[1].at("dropout"), "0.25");
  EXPECT_EQ(seen[2].at("dropout"), "0.5");
  EXPECT_FALSE(g->finished());
  for (int i = 0; i < 12; ++i) g->tell(i, 0);
  EXPECT_TRUE(g->finished());
  EXPECT_EQ(spec("lr", Kind::Log, 1e-4, 1e-2, 3).grid(), (std::vector<std::string>{"0.0001", "0.001", "0.01"}));
  ParamSpec units = spec("hidden", Kind::Linear, 10, 100, 4);
  units.integer = true;
  EXPECT_EQ(units.grid(), (std::vector<std::string>{"10", "40", "70", "100"}));
}

TEST(Random, FollowsItsDistributionsAndSeed) {
  const std::vector<ParamSpec> ps = {spec("lr", Kind::LogUniform, 1e-4, 1), spec("p", Kind::Uniform, 0.2, 0.6),
                                     list("opt", {"\"sgd\"", "\"adam\"", "\"rmsprop\""}, Kind::Choice)};
  auto draw = [&](uint64_t seed, int n) {
    auto r = make_random(ps, n, seed);
    std::vector<Settings> v;
    while (auto t = r->ask()) v.push_back(t->settings);
    return v;
  };
  const auto a = draw(7, 4000), b = draw(7, 4000), c = draw(8, 4000);
  ASSERT_EQ(a.size(), 4000u);
  EXPECT_EQ(a, b);  // same seed, same trials
  EXPECT_NE(a, c);
  int below = 0, adam = 0;
  double p_sum = 0;
  for (const Settings& s : a) {
    const double lr = std::stod(s.at("lr")), p = std::stod(s.at("p"));
    ASSERT_GE(lr, 1e-4);
    ASSERT_LE(lr, 1.0);
    ASSERT_GE(p, 0.2);
    ASSERT_LE(p, 0.6);
    below += lr < 1e-2;  // log-uniform over 4 decades: half below 1e-2
    p_sum += p;
    adam += s.at("opt") == "\"adam\"";
  }
  EXPECT_NEAR(below / 4000.0, 0.5, 0.03);
  EXPECT_NEAR(p_sum / 4000, 0.4, 0.01);
  EXPECT_NEAR(adam / 4000.0, 1.0 / 3, 0.03);
}

TEST(SuccessiveHalving, PromotesTheTopThirdAtEachRung) {
  HalvingOptions o;
  o.eta = 3, o.min_resource = 1, o.max_resource = 9, o.configs = 27, o.seed = 5;
  auto sh = make_successive_halving({spec("x", Kind::Uniform, 0, 1)}, o);
  std::map<int, std::vector<Trial>> by_rung;
  std::map<int, double> objective;
  // Synchronous use: everything that can run, then all the results.
  while (!sh->finished()) {
    std::vector<Trial> batch;
    while (auto t = sh->ask()) batch.push_back(*t);
    ASSERT_FALSE(batch.empty());
    for (const Trial& t : batch) {
      by_rung[t.rung].push_back(t);
      objective[t.id] = x_of(t) / t.resource;  // the ranking by x never changes with more epochs
      sh->tell(t.id, objective[t.id]);
    }
  }
  ASSERT_EQ(by_rung[0].size(), 27u);
  ASSERT_EQ(by_rung[1].size(), 9u);
  ASSERT_EQ(by_rung[2].size(), 3u);
  EXPECT_EQ(by_rung.size(), 3u);
  EXPECT_EQ(by_rung[0][0].resource, 1);
  EXPECT_EQ(by_rung[1][0].resource, 3);
  EXPECT_EQ(by_rung[2][0].resource, 9);
  // The promoted ones are exactly the best of the rung below.
  for (int k = 1; k <= 2; ++k) {
    std::vector<double> below;
    for (const Trial& t : by_rung[k - 1]) below.push_back(x_of(t));
    std::sort(below.begin(), below.end());
    std::vector<double> up;
    for (const Trial& t : by_rung[k]) {
      up.push_back(x_of(t));
      EXPECT_GE(t.parent, 0);
    }
    std::sort(up.begin(), up.end());
    EXPECT_EQ(up, std::vector<double>(below.begin(), below.begin() + static_cast<long>(up.size()))) << "rung " << k;
  }
}

TEST(SuccessiveHalving, PromotesWithoutWaitingForTheWholeRung) {
  HalvingOptions o;
  o.eta = 3, o.min_resource = 1, o.max_resource = 9, o.configs = 27;
  auto sh = make_successive_halving({spec("x", Kind::Uniform, 0, 1)}, o);
  std::vector<Trial> first;
  for (int i = 0; i < 3; ++i) first.push_back(*sh->ask());
  for (const Trial& t : first) sh->tell(t.id, x_of(t));
  // Three results at rung 0: the best of them goes up at once (asynchronous promotion).
  auto next = sh->ask();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->rung, 1);
  double best = std::min({x_of(first[0]), x_of(first[1]), x_of(first[2])});
  EXPECT_EQ(x_of(*next), best);
}

TEST(Hyperband, BracketsFollowThePublishedSchedule) {
  // Li et al. (2017), Table 1: R = 81, eta = 3.
  auto b = hyperband_brackets(81, 3);
  ASSERT_EQ(b.size(), 5u);
  const int n[] = {81, 34, 15, 8, 5}, r[] = {1, 3, 9, 27, 81};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(b[i].s, 4 - i);
    EXPECT_EQ(b[i].configs, n[i]) << "s = " << 4 - i;
    EXPECT_EQ(b[i].resource, r[i]) << "s = " << 4 - i;
  }
  // Run to the end on a synthetic objective: each bracket halves as it should.
  auto hb = make_hyperband({spec("x", Kind::Uniform, 0, 1)}, 81, 3, 11);
  std::map<std::pair<int, int>, int> count;  // (bracket, rung) -> trials
  while (!hb->finished()) {
    std::vector<Trial> batch;
    while (auto t = hb->ask()) batch.push_back(*t);
    ASSERT_FALSE(batch.empty());
    for (const Trial& t : batch) {
      ++count[{t.bracket, t.rung}];
      hb->tell(t.id, x_of(t));
    }
  }
  EXPECT_EQ(count[std::make_pair(4, 0)], 81);
  EXPECT_EQ(count[std::make_pair(4, 1)], 27);
  EXPECT_EQ(count[std::make_pair(4, 4)], 1);
  EXPECT_EQ(count[std::make_pair(3, 0)], 34);
  EXPECT_EQ(count[std::make_pair(3, 1)], 11);  // floor(34 / 3)
  EXPECT_EQ(count[std::make_pair(0, 0)], 5);
  EXPECT_EQ(count.count(std::make_pair(0, 1)), 0u);  // the last bracket trains 5 configs fully, no halving
}

TEST(Bayesian, TpeReachesTheTargetInClearlyFewerTrialsThanRandom) {
  // A learning-rate / dropout surface with its optimum at lr = 10^-2.5, p = 0.3.
  const std::vector<ParamSpec> ps = {spec("lr", Kind::LogUniform, 1e-5, 1), spec("p", Kind::Uniform, 0, 1),
                                     list("opt", {"\"sgd\"", "\"adam\"", "\"rmsprop\""}, Kind::Choice)};
  auto f = [](const Settings& s) {
    const double l = std::log10(std::stod(s.at("lr"))) + 2.5, p = std::stod(s.at("p")) - 0.3;
    return l * l + 4 * p * p + (s.at("opt") == "\"adam\"" ? 0.0 : 0.05);
  };
  const int cap = 300;
  auto trials_to_target = [&](std::unique_ptr<Strategy> st) {
    for (int n = 1; n <= cap; ++n) {
      auto t = st->ask();
      if (!t) return cap;
      const double v = f(t->settings);
      st->tell(t->id, v);
      if (v < 0.04) return n;
    }
    return cap;
  };
  double tpe = 0, rnd = 0;
  const int seeds = 30;
  for (int seed = 1; seed <= seeds; ++seed) {
    tpe += trials_to_target(make_tpe(ps, cap, seed));
    rnd += trials_to_target(make_random(ps, cap, seed + 1000));
  }
  tpe /= seeds, rnd /= seeds;
  std::printf("mean trials to reach the target over %d seeds: TPE %.1f, random %.1f\n", seeds, tpe, rnd);
  EXPECT_LT(tpe, 0.6 * rnd);
}

TEST(Bayesian, TpeFindsBetterSettingsForTheSameBudget) {
  // A different surface: a narrow valley in (log lr, momentum), 60 trials each.
  const std::vector<ParamSpec> ps = {spec("lr", Kind::LogUniform, 1e-6, 1), spec("m", Kind::Uniform, 0, 0.99)};
  auto f = [](const Settings& s) {
    const double l = std::log10(std::stod(s.at("lr"))) + 3.3, m = std::stod(s.at("m")) - 0.9;
    return l * l + 25 * m * m;
  };
  auto best_of = [&](std::unique_ptr<Strategy> st) {
    double best = INFINITY;
    while (auto t = st->ask()) {
      const double v = f(t->settings);
      st->tell(t->id, v);
      best = std::min(best, v);
    }
    return best;
  };
  double tpe = 0, rnd = 0;
  for (int seed = 1; seed <= 30; ++seed) tpe += best_of(make_tpe(ps, 60, seed)), rnd += best_of(make_random(ps, 60, seed + 500));
  std::printf("mean best value after 60 trials over 30 seeds: TPE %.4f, random %.4f\n", tpe / 30, rnd / 30);
  EXPECT_LT(tpe, 0.5 * rnd);
}


TEST(SweepFile, ReadsTheSpecAndBuildsTrialConfigs) {
  SweepResult r = parse_sweep_text(R"({"version": 1, "name": "s", "base": {"preset": "spirals"},
    "params": [{"key": "training.optimizer.lr", "log_uniform": [1e-4, 1e-1]},
               {"key": "model.mlp.hidden", "choice": [[8], [16, 16]]}],
    "strategy": {"type": "hyperband", "max_epochs": 9, "eta": 3}, "repeats": 3,
    "objective": {"metric": "val_loss", "mode": "min"}})", "test");
  ASSERT_TRUE(r.ok()) << r.errors.front().path << ": " << r.errors.front().message;
  EXPECT_EQ(r.spec.params.size(), 2u);
  EXPECT_FALSE(r.spec.maximize);
  auto st = make_strategy(r.spec);
  auto t = st->ask();
  ASSERT_TRUE(t);
  EXPECT_EQ(t->resource, 1);  // hyperband's first bracket starts at 1 epoch
  ConfigResult c0 = trial_config(r.spec, *t, 0), c2 = trial_config(r.spec, *t, 2);
  ASSERT_TRUE(c0.ok()) << c0.error_text();
  EXPECT_EQ(c0.config.training.epochs, 1);
  EXPECT_EQ(c2.config.training.seed, c0.config.training.seed + 2);  // repeats differ only in seed
  EXPECT_DOUBLE_EQ(c0.config.training.optimizer.lr, std::stod(t->settings.at("training.optimizer.lr")));
  EXPECT_EQ(c0.config.model.mlp->hidden.size(), t->settings.at("model.mlp.hidden") == "[8]" ? 1u : 2u);

  // Errors name their key.
  SweepResult bad = parse_sweep_text(R"({"base": {"preset": "nope"}, "params": [{"key": "training.optimizr.lr", "values": [1]}],
                                        "objective": {"metric": "accuracy"}})", "test");
  std::string all;
  for (const ConfigError& e : bad.errors) all += e.path + ": " + e.message + "\n";
  EXPECT_NE(all.find("base.preset: no preset named \"nope\""), std::string::npos) << all;
  EXPECT_NE(all.find("objective.metric: must be one of"), std::string::npos) << all;
  SweepResult unknown = parse_sweep_text(R"({"base": {"preset": "spirals"}, "params": [{"key": "training.optimizr.lr", "values": [1]}]})", "t");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.errors.front().path.find("training.optimizr"), std::string::npos) << unknown.errors.front().path;
}
