// Reading sweep files: every problem reported at once with its key path, as
// experiment configs are read; nothing thrown; --set changing the base config.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/temp_dir.h"
#include "config/presets.h"
#include "sweep/sweep.h"

using namespace hyperlab;

namespace {

// A valid sweep: the spirals preset, one setting. `extra` adds or replaces
// top-level keys (a JSON object's text).
std::string sweep_text(const std::string& extra = "{}") {
  nlohmann::json j = nlohmann::json::parse(R"({"version": 1, "name": "t", "base": {"preset": "spirals"},
    "params": [{"key": "training.optimizer.lr", "values": [0.01, 0.1]}]})");
  j.update(nlohmann::json::parse(extra));
  return j.dump();
}

// The errors of reading `text` (never throwing), as "path: message".
std::vector<std::string> errors_of(const std::string& text, const std::vector<std::string>& sets = {}) {
  SweepResult r;
  EXPECT_NO_THROW(r = parse_sweep_text(text, "test.json", sets));
  std::vector<std::string> out;
  for (const ConfigError& e : r.errors) out.push_back(e.str());
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

::testing::AssertionResult has(const std::vector<std::string>& errors, const std::string& want) {
  for (const auto& e : errors)
    if (e == want) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no \"" << want << "\" among:\n" << joined(errors);
}

}  // namespace

TEST(SweepFileCheck, TheValidSweepOfTheseTestsReads) {
  EXPECT_TRUE(errors_of(sweep_text()).empty()) << joined(errors_of(sweep_text()));
}

TEST(SweepFileCheck, ValuesOfTheWrongTypeAreErrorsWithTheirKeyPath) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"strategy": "grid"})", "strategy: must be an object, got \"grid\""},
      {R"({"strategy": {"type": 5}})", "strategy.type: must be a string, got 5"},
      {R"({"strategy": {"type": "annealing"}})",
       "strategy.type: must be one of grid, random, halving, hyperband, bayes, got \"annealing\""},
      {R"({"strategy": {"trials": 2.5}})", "strategy.trials: must be an integer, got 2.5"},
      {R"({"strategy": {"eta": "3"}})", "strategy.eta: must be a number, got \"3\""},
      {R"({"strategy": {"eta": 1}})", "strategy.eta: must be a number > 1, got 1"},
      {R"({"strategy": {"seed": -1}})", "strategy.seed: must be an integer >= 0, got -1"},
      {R"({"strategy": {"min_epochs": 5, "max_epochs": 2}})", "strategy.max_epochs: must be at least min_epochs (5), got 2"},
      {R"({"repeats": "3"})", "repeats: must be an integer, got \"3\""},
      {R"({"repeats": 0})", "repeats: must be a positive integer, got 0"},
      {R"({"params": [5]})", "params[0]: must be an object, got 5"},
      {R"({"params": {"key": "x"}})", "params: must be a list of settings to vary, got {\"key\":\"x\"}"},
      {R"({"params": []})", "params: needs at least one setting to vary"},
      {R"({"base": {"preset": 5}})", "base.preset: must be a string, got 5"},
      {R"({"base": 5})", "base: must be an object, got 5"},
      {R"({"objective": "x"})", "objective: must be an object, got \"x\""},
      {R"({"objective": {"metric": "accuracy"}})",
       "objective.metric: must be one of train_loss, train_accuracy, val_loss, val_accuracy, test_loss, "
       "test_accuracy, got \"accuracy\""},
      {R"({"objective": {"mode": true}})", "objective.mode: must be a string, got true"},
      {R"({"run": {"workers": "2"}})", "run.workers: must be an integer, got \"2\""},
      {R"({"run": 3})", "run: must be an object, got 3"},
      {R"({"run": {"time_limit_minutes": -1}})", "run.time_limit_minutes: must be a number >= 0, got -1"},
      {R"({"name": ["a"]})", "name: must be a string, got [\"a\"]"},
      {R"({"version": "1"})", "version: must be 1, got \"1\""},
  };
  for (const auto& [extra, want] : cases) EXPECT_TRUE(has(errors_of(sweep_text(extra)), want)) << extra;
}

TEST(SweepFileCheck, UnknownKeysAreErrorsWithASuggestion) {
  EXPECT_TRUE(has(errors_of(sweep_text(R"({"stratgy": {"type": "grid"}})")),
                  "stratgy: unknown key (did you mean \"strategy\"?)"));
  EXPECT_TRUE(has(errors_of(sweep_text(R"({"strategy": {"tpye": "grid"}})")),
                  "strategy.tpye: unknown key (did you mean \"type\"?)"));
  EXPECT_TRUE(has(errors_of(sweep_text(R"({"params": [{"key": "training.seed", "vaules": [1]}]})")),
                  "params[0].vaules: unknown key (did you mean \"values\"?)"));
  EXPECT_TRUE(has(errors_of(sweep_text(R"({"run": {"workrs": 2}})")), "run.workrs: unknown key (did you mean \"workers\"?)"));
  EXPECT_TRUE(has(errors_of(sweep_text(R"({"objective": {"metric": "val_loss", "mod": "min"}})")),
                  "objective.mod: unknown key (did you mean \"mode\"?)"));
  EXPECT_TRUE(has(errors_of(sweep_text(R"({"zzzzzzzz": 1})")), "zzzzzzzz: unknown key"));
}

TEST(SweepFileCheck, EveryProblemIsReportedAtOnce) {
  const auto e = errors_of(R"({"base": {"preset": 5}, "params": [5, {"key": 7, "values": [1]}],
    "strategy": "grid", "repeats": "3", "objective": "x", "run": {"workers": "2"}, "stratgy": 1})");
  EXPECT_TRUE(has(e, "base.preset: must be a string, got 5"));
  EXPECT_TRUE(has(e, "params[0]: must be an object, got 5"));
  EXPECT_TRUE(has(e, "params[1].key: must be a config key such as training.optimizer.lr, got 7"));
  EXPECT_TRUE(has(e, "strategy: must be an object, got \"grid\""));
  EXPECT_TRUE(has(e, "repeats: must be an integer, got \"3\""));
  EXPECT_TRUE(has(e, "objective: must be an object, got \"x\""));
  EXPECT_TRUE(has(e, "run.workers: must be an integer, got \"2\""));
  EXPECT_TRUE(has(e, "stratgy: unknown key (did you mean \"strategy\"?)"));
  EXPECT_EQ(e.size(), 8u) << joined(e);

  // A setting's key is checked against the base even when other sections are wrong.
  const auto k = errors_of(sweep_text(R"({"params": [{"key": "training.optimizr.lr", "values": [1]}], "repeats": 0})"));
  EXPECT_TRUE(has(k, "repeats: must be a positive integer, got 0"));
  EXPECT_NE(joined(k).find("params (training.optimizr"), std::string::npos) << joined(k);
}

TEST(SweepFileCheck, NotJsonNotAnObjectOrTooDeep) {
  EXPECT_NE(joined(errors_of("{\"base\": ")).find("test.json is not valid JSON"), std::string::npos);
  EXPECT_TRUE(has(errors_of("[1, 2]"), "test.json: a sweep is a JSON object, got [1,2]"));
  const std::string deep = R"({"params": )" + std::string(100000, '[') + std::string(100000, ']') + "}";
  const auto e = errors_of(deep);
  ASSERT_EQ(e.size(), 1u) << joined(e);
  EXPECT_NE(e[0].find("nested deeper than 200 levels"), std::string::npos) << e[0];
}

TEST(SweepFileCheck, TheBaseConfigIsChecked) {
  auto with_base = [](const std::string& base) {
    return R"({"base": )" + base + R"(, "params": [{"key": "training.seed", "values": [1, 2]}]})";
  };
  EXPECT_TRUE(has(errors_of(R"({"params": [{"key": "training.seed", "values": [1]}]})"),
                  "base: required: {\"preset\": NAME}, {\"file\": PATH} or {\"config\": {...}}"));
  EXPECT_TRUE(has(errors_of(with_base("{}")), "base: needs {\"preset\": NAME}, {\"file\": PATH} or {\"config\": {...}}"));
  EXPECT_TRUE(has(errors_of(with_base(R"({"preset": "spirals", "file": "x.json"})")),
                  "base: give one of preset, file or config, not several"));
  EXPECT_TRUE(has(errors_of(with_base(R"({"presett": "spirals"})")), "base.presett: unknown key (did you mean \"preset\"?)"));
  const auto nope = errors_of(with_base(R"({"preset": "nope"})"));
  ASSERT_EQ(nope.size(), 1u) << joined(nope);
  EXPECT_EQ(nope[0].rfind("base.preset: no preset named \"nope\" (presets: ", 0), 0u) << nope[0];
  EXPECT_TRUE(has(errors_of(with_base(R"({"file": 5})")), "base.file: must be a string, got 5"));

  TempDir d;
  EXPECT_TRUE(has(errors_of(with_base(R"({"file": ")" + d.path + R"(/nope.json"})")),
                  "base.file: " + d.path + "/nope.json: not found"));
  EXPECT_TRUE(has(errors_of(with_base(R"({"file": ")" + d.path + R"("})")),
                  "base.file: " + d.path + ": is a folder, not a file"));
  const std::string bad = d.write("bad.json", "{\"version\": 1,");
  EXPECT_NE(joined(errors_of(with_base(R"({"file": ")" + bad + R"("})"))).find("base.file: " + bad + " is not valid JSON"),
            std::string::npos);
  const std::string deep = d.write("deep.json", "{\"model\": " + std::string(5000, '[') + std::string(5000, ']') + "}");
  EXPECT_NE(joined(errors_of(with_base(R"({"file": ")" + deep + R"("})"))).find("nested deeper than 200 levels"),
            std::string::npos);
  const std::string good = d.write("good.json", preset_text("spirals"));
  EXPECT_TRUE(errors_of(with_base(R"({"file": ")" + good + R"("})")).empty());
  const std::string wrong = d.write("wrong.json", R"({"version": 1, "model": {"mlp": {}}, "training": {"epochs": "2"}})");
  EXPECT_TRUE(has(errors_of(with_base(R"({"file": ")" + wrong + R"("})")), "base.training.epochs: must be an integer, got \"2\""));

  // Given inline: the same checks, named by their path in the sweep file.
  EXPECT_TRUE(has(errors_of(with_base(R"({"config": {"version": 1, "model": {"mlp": {}}, "training": {"epochs": "2"}}})")),
                  "base.config.training.epochs: must be an integer, got \"2\""));
  EXPECT_TRUE(has(errors_of(with_base(R"({"config": {"version": 1, "model": {"mlp": {}}, "trainin": {}}})")),
                  "base.config.trainin: unknown key (did you mean \"training\"?)"));
  EXPECT_TRUE(has(errors_of(with_base(R"({"config": 5})")), "base.config: must be an object, got 5"));
  EXPECT_TRUE(has(errors_of(with_base(R"({"config": {"model": {"mlp": {}}}})")),
                  "base.config.version: required (this Hyperlab reads version 1)"));
}

TEST(SweepFileCheck, SettingsToVaryAreChecked) {
  auto with_param = [](const std::string& p) { return sweep_text(R"({"params": [)" + p + "]}"); };
  EXPECT_TRUE(has(errors_of(with_param(R"({"values": [1]})")),
                  "params[0].key: required (a config key such as training.optimizer.lr)"));
  EXPECT_TRUE(has(errors_of(with_param(R"({"key": "", "values": [1]})")),
                  "params[0].key: must be a config key such as training.optimizer.lr, got \"\""));
  EXPECT_TRUE(has(errors_of(with_param(R"({"key": ["training.seed"], "values": [1]})")),
                  "params[0].key: must be a config key such as training.optimizer.lr, got [\"training.seed\"]"));
  EXPECT_TRUE(has(errors_of(with_param(R"({"key": "training.seed"})")),
                  "params[0]: needs one of values, choice, linear, log, uniform, log_uniform, variants"));
  const auto no_kind = errors_of(with_param(R"({"key": "training.seed", "points": 3})"));
  EXPECT_EQ(joined(no_kind), "params[0]: needs one of values, choice, linear, log, uniform, log_uniform, variants\n");
  EXPECT_TRUE(has(errors_of(with_param(R"({"key": "training.seed", "values": [1]}, {"key": "training.seed", "values": [2]})")),
                  "params[1].key: training.seed is varied already by params[0]"));
  EXPECT_TRUE(has(errors_of(with_param(R"({"key": "training.seed", "values": 1})")),
                  "params[0].values: needs a non-empty list of values, got 1"));
  EXPECT_TRUE(has(errors_of(with_param(R"({"key": "training.seed", "choice": []})")),
                  "params[0].choice: needs a non-empty list of values, got []"));
  EXPECT_TRUE(has(errors_of(with_param(R"({"key": "training.seed", "values": [1], "linear": [1, 2]})")),
                  "params[0].linear: give only one of values, choice, linear, log, uniform, log_uniform, not also values"));
  EXPECT_TRUE(has(errors_of(with_param(R"({"key": "training.optimizer.lr", "linear": ["a", 2]})")),
                  "params[0].linear: needs [low, high] with low < high, got [\"a\",2]"));
  EXPECT_TRUE(has(errors_of(with_param(R"({"key": "training.optimizer.lr", "uniform": [2, 1]})")),
                  "params[0].uniform: needs [low, high] with low < high, got [2,1]"));
  EXPECT_TRUE(has(errors_of(with_param(R"({"key": "training.optimizer.lr", "log": [0, 1]})")),
                  "params[0].log: a log scale needs low > 0"));
  EXPECT_TRUE(has(errors_of(with_param(R"({"key": "training.optimizer.lr", "log": [0.001, 1], "points": "4"})")),
                  "params[0].points: must be an integer, got \"4\""));
  EXPECT_TRUE(has(errors_of(with_param(R"({"key": "training.optimizer.lr", "log": [0.001, 1], "points": 0})")),
                  "params[0].points: must be an integer in [1, 10000], got 0"));
  EXPECT_TRUE(has(errors_of(with_param(R"({"key": "training.batch_size", "linear": [8, 64], "integer": 1})")),
                  "params[0].integer: must be true or false, got 1"));
  EXPECT_TRUE(has(errors_of(with_param(R"({"key": "training.seed", "values": [1], "points": 3})")),
                  "params[0].points: not used by values (only linear and log have grid points)"));
  EXPECT_TRUE(has(errors_of(with_param(R"({"key": "training.optimizer.lr", "uniform": [0.1, 1], "points": 3})")),
                  "params[0].points: not used by uniform (only linear and log have grid points)"));
  EXPECT_TRUE(has(errors_of(with_param(R"({"key": "training.seed", "choice": [1, 2], "integer": true})")),
                  "params[0].integer: not used by choice (its values are used as they are)"));
  // Values may be any JSON; the key must name a config key of the base.
  EXPECT_TRUE(errors_of(with_param(R"({"key": "model.mlp.hidden", "values": [[8], [16, 16]]})")).empty());
  const auto k = errors_of(with_param(R"({"key": "training.optimizr.lr", "values": [0.1]})"));
  ASSERT_FALSE(k.empty());
  EXPECT_NE(k[0].find("params (training.optimizr): unknown key"), std::string::npos) << joined(k);
  // Well-typed ranges read as given.
  SweepResult r = parse_sweep_text(
      with_param(R"({"key": "training.batch_size", "linear": [8, 64], "points": 3, "integer": true})"), "t");
  ASSERT_TRUE(r.ok()) << r.errors[0].str();
  EXPECT_EQ(r.spec.params[0].grid(), (std::vector<std::string>{"8", "36", "64"}));
}

// Whatever the GUI and sweep_to_text write must read back, to the same sweep.
TEST(SweepFileCheck, ASavedSweepReadsBackAsTheSameSweep) {
  SweepResult r = parse_sweep_text(sweep_text(R"({"params": [
      {"key": "training.optimizer.lr", "log": [0.001, 0.1], "points": 3},
      {"key": "training.batch_size", "uniform": [8, 64], "integer": true},
      {"key": "model.mlp.hidden", "choice": [[8], [16, 16]]}],
    "strategy": {"type": "halving", "trials": 9, "eta": 3, "min_epochs": 1, "max_epochs": 9, "seed": 4},
    "repeats": 2, "objective": {"metric": "val_loss", "mode": "min"},
    "run": {"workers": 2, "time_limit_minutes": 1.5}})"), "t");
  ASSERT_TRUE(r.ok()) << r.errors[0].str();
  SweepResult again = parse_sweep_text(sweep_to_text(r.spec), "saved");
  ASSERT_TRUE(again.ok()) << again.errors[0].str();
  EXPECT_EQ(sweep_identity(again.spec), sweep_identity(r.spec));
  EXPECT_EQ(again.spec.workers, 2);
  EXPECT_DOUBLE_EQ(again.spec.time_limit_minutes, 1.5);
}

TEST(SweepFileCheck, SetChangesTheBaseConfigAndTheSweepsIdentity) {
  const std::string text = sweep_text();
  SweepResult plain = parse_sweep_text(text, "t");
  SweepResult set = parse_sweep_text(text, "t", {"training.epochs=3", "data.synthetic.samples=300"});
  ASSERT_TRUE(plain.ok() && set.ok()) << joined(errors_of(text, {"training.epochs=3"}));
  Trial t;
  t.settings["training.optimizer.lr"] = "0.1";
  ConfigResult c = trial_config(set.spec, t, 0);
  ASSERT_TRUE(c.ok()) << c.error_text();
  EXPECT_EQ(c.config.training.epochs, 3);
  EXPECT_EQ(c.config.data.synthetic.samples, 300);
  EXPECT_DOUBLE_EQ(c.config.training.optimizer.lr, 0.1);
  EXPECT_EQ(trial_config(plain.spec, t, 0).config.training.epochs, 200);  // the preset's
  // The changed base is part of the sweep: the same --set resumes it, another does not.
  EXPECT_NE(sweep_identity(set.spec), sweep_identity(plain.spec));
  SweepResult same = parse_sweep_text(text, "t", {"training.epochs=3", "data.synthetic.samples=300"});
  EXPECT_EQ(sweep_identity(same.spec), sweep_identity(set.spec));
  // An inline base and a base file change the same way.
  const std::string inline_base = R"({"base": {"config": )" + preset_text("spirals") +
                                  R"(}, "params": [{"key": "training.seed", "values": [1]}]})";
  SweepResult in = parse_sweep_text(inline_base, "t", {"training.epochs=4"});
  ASSERT_TRUE(in.ok()) << in.errors[0].str();
  EXPECT_NE(in.spec.base_text.find("\"epochs\": 4"), std::string::npos) << in.spec.base_text;
}

TEST(SweepFileCheck, BadSetsAreErrorsNamedByKey) {
  const std::string text = sweep_text();
  EXPECT_TRUE(has(errors_of(text, {"training.epochs=0"}), "base.training.epochs: must be an integer in [1, 100000], got 0"));
  EXPECT_TRUE(has(errors_of(text, {"training.optimizer.momentun=0.9"}),
                  "base.training.optimizer.momentun: unknown key (did you mean \"momentum\"?)"));
  EXPECT_TRUE(has(errors_of(text, {"epochs"}), "--set needs key.path=value, got \"epochs\""));
  EXPECT_TRUE(has(errors_of(text, {"training.epochs.x=1"}), "training.epochs.x: cannot set a key inside a non-object"));
  // What the sweep itself sets is refused, not silently overridden.
  EXPECT_TRUE(has(errors_of(text, {"training.optimizer.lr=0.5"}),
                  "--set training.optimizer.lr: the sweep varies training.optimizer.lr (params[0]): change the sweep "
                  "file instead"));
  EXPECT_TRUE(has(errors_of(sweep_text(R"({"strategy": {"type": "hyperband", "max_epochs": 9}})"), {"training.epochs=5"}),
                  "--set training.epochs: hyperband sets each trial's epochs (strategy.min_epochs, max_epochs)"));
  EXPECT_TRUE(has(errors_of(text, {"name=x"}), "--set name: each trial is named after the sweep (its \"name\")"));
  EXPECT_TRUE(errors_of(sweep_text(R"({"strategy": {"type": "random", "trials": 2}})"), {"training.epochs=5"}).empty());
}

TEST(SweepFileCheck, LoadingAFileSaysWhyItCannot) {
  TempDir d;
  SweepResult missing = load_sweep_file(d.path + "/nope.json");
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_EQ(missing.errors[0].str(), d.path + "/nope.json: not found");
  SweepResult folder = load_sweep_file(d.path);
  ASSERT_EQ(folder.errors.size(), 1u);
  EXPECT_EQ(folder.errors[0].str(), d.path + ": is a folder, not a file");
  const std::string f = d.write("s.json", sweep_text());
  SweepResult ok = load_sweep_file(f, {"training.epochs=2"});
  ASSERT_TRUE(ok.ok()) << ok.errors[0].str();
  EXPECT_NE(ok.spec.base_text.find("\"epochs\": 2"), std::string::npos);
}

// Named variants: bundles of settings on any keys, compared as one parameter.
namespace {
const char* kVariants = R"([
  {"key": "regularisation", "variants": {"none": {}, "dropout 0.2": {"model.mlp.dropout": 0.2},
                                         "L2 1e-4": {"training.l2": 1e-4},
                                         "L1+L2": {"training.l1": 1e-5, "training.l2": 1e-4}}},
  {"key": "training.optimizer.lr", "values": [0.01, 0.1]}])";
}  // namespace

TEST(SweepVariants, BundlesApplyToAnyKeysInTheFilesOrderAndCombineWithOtherParameters) {
  // The file's own text (sweep_text() would re-sort the keys through nlohmann::json).
  SweepResult r = parse_sweep_text(std::string(R"({"version": 1, "name": "t", "base": {"preset": "spirals"},
                                                   "repeats": 2, "params": )") + kVariants + "}", "t.json");
  ASSERT_TRUE(r.ok()) << r.errors[0].str();
  const SweepSpec& s = r.spec;
  ASSERT_EQ(s.params.size(), 2u);
  const ParamSpec& v = s.params[0];
  EXPECT_TRUE(v.is_variants());
  EXPECT_EQ(v.key, "regularisation");
  ASSERT_EQ(v.variants.size(), 4u);
  // In the order written, not sorted (JSON objects have no order of their own).
  EXPECT_EQ(v.variants[0].first, "none");
  EXPECT_EQ(v.variants[1].first, "dropout 0.2");
  EXPECT_EQ(v.variants[2].first, "L2 1e-4");
  EXPECT_EQ(v.variants[3].first, "L1+L2");
  EXPECT_EQ(planned_trials(s), 8);  // 4 variants x 2 learning rates
  // A grid asks every combination; each trial's config carries its bundle.
  auto strategy = make_strategy(s);
  std::map<std::string, int> seen;
  while (auto t = strategy->ask()) {
    strategy->tell(t->id, 0);
    const std::string label = settings_label(s, t->settings);
    ++seen[label];
    for (int repeat = 0; repeat < 2; ++repeat) {
      ConfigResult c = trial_config(s, *t, repeat);
      ASSERT_TRUE(c.ok()) << label << ": " << c.error_text();
      const ExperimentConfig& e = c.config;
      const std::string name = display_value(t->settings.at("regularisation"));
      EXPECT_DOUBLE_EQ(e.model.mlp->dropout, name == "dropout 0.2" ? 0.2 : 0.0) << label;
      EXPECT_DOUBLE_EQ(e.training.l2, name == "L2 1e-4" || name == "L1+L2" ? 1e-4 : 0.0) << label;
      EXPECT_DOUBLE_EQ(e.training.l1, name == "L1+L2" ? 1e-5 : 0.0) << label;
    }
  }
  EXPECT_EQ(seen.size(), 8u);
  EXPECT_EQ(seen.count("dropout 0.2, lr=0.01"), 1u);  // labelled by the variant's name
  EXPECT_EQ(seen.count("none, lr=0.1"), 1u);
  // Saved and read back: the same sweep, variants in the same order.
  SweepResult back = parse_sweep_text(sweep_to_text(s), "saved.json");
  ASSERT_TRUE(back.ok()) << back.errors[0].str();
  EXPECT_EQ(sweep_identity(back.spec), sweep_identity(s));
  EXPECT_EQ(back.spec.params[0].variants, s.params[0].variants);
  // The key is optional.
  SweepResult plain = parse_sweep_text(sweep_text(R"({"params": [{"variants": {"a": {}, "b": {"training.l2": 0.01}}}]})"), "t");
  ASSERT_TRUE(plain.ok()) << plain.errors[0].str();
  EXPECT_EQ(plain.spec.params[0].key, "variant");
}

TEST(SweepVariants, MistakesNameTheVariantAndTheKey) {
  auto errs = errors_of(sweep_text(R"({"params": [{"key": "reg", "variants": {
      "none": {}, "typo": {"model.mlp.dropot": 0.2}, "range": {"model.mlp.dropout": 2},
      "not a key": {"dropout": 0.1}, "not an object": 3}}]})"));
  const std::string all = joined(errs);
  EXPECT_TRUE(has(errs, "params[0].variants[\"not a key\"].dropout: is not a config key (such as model.mlp.dropout)"))
      << all;
  EXPECT_TRUE(has(errs, "params[0].variants[\"not an object\"]: must be an object of settings {KEY: VALUE, ...}, got 3"))
      << all;
  errs = errors_of(sweep_text(R"({"params": [{"key": "reg", "variants": {
      "none": {}, "typo": {"model.mlp.dropot": 0.2}, "range": {"model.mlp.dropout": 2}}}]})"));
  bool typo = false, range = false;
  for (const std::string& e : errs) {
    typo |= e.rfind("params[0].variants[\"typo\"] (model.mlp.dropot)", 0) == 0;
    range |= e.rfind("params[0].variants[\"range\"] (model.mlp.dropout)", 0) == 0;
  }
  EXPECT_TRUE(typo) << joined(errs);
  EXPECT_TRUE(range) << joined(errs);
  // A key one variant sets may not be varied by another parameter too.
  errs = errors_of(sweep_text(R"({"params": [{"key": "reg", "variants": {"a": {}, "b": {"training.l2": 0.01}}},
                                             {"key": "training.l2", "values": [0, 0.1]}]})"));
  EXPECT_TRUE(has(errs, "params[0].variants[\"b\"].training.l2: is varied by params[1] too")) << joined(errs);
  // Variants and values in one parameter; a dotted label; a plain key without dots.
  errs = errors_of(sweep_text(R"({"params": [{"key": "a.b", "variants": {"x": {}}, "values": [1]}]})"));
  EXPECT_TRUE(has(errs, "params[0].key: names the variants (a label without dots, such as \"regularisation\"), got \"a.b\""))
      << joined(errs);
  EXPECT_TRUE(has(errs, "params[0].values: a parameter of named variants takes no values")) << joined(errs);
  errs = errors_of(sweep_text(R"({"params": [{"key": "lr", "values": [0.1, 0.2]}]})"));
  EXPECT_TRUE(has(errs, "params[0].key: \"lr\" is not a config key (such as training.optimizer.lr); to compare named "
                        "bundles of settings, give \"variants\"")) << joined(errs);
  // --set on a key a variant sets is refused.
  errs = errors_of(sweep_text(R"({"params": [{"key": "reg", "variants": {"a": {}, "b": {"training.l2": 0.01}}}]})"),
                   {"training.l2=0.5"});
  EXPECT_TRUE(has(errs, "--set training.l2: the sweep varies training.l2 (params[0]): change the sweep file instead"))
      << joined(errs);
}

// The homework studies shipped as sweep presets: each reads, in its full and its quick form.
TEST(SweepPresets, EveryHomeworkStudyReadsInItsFullAndItsQuickForm) {
  const std::vector<std::string> names = sweep_preset_names();
  for (const char* want : {"regularisation-study", "fashion-configurations", "lr-sweep-shallow",
                           "depth-vanishing-gradient", "optimizer-comparison-cnn", "random-search-asha"})
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  for (const std::string& n : names) {
    SweepResult full = load_sweep_preset(n, false), quick = load_sweep_preset(n, true);
    ASSERT_TRUE(full.ok()) << n << ": " << full.errors[0].str();
    ASSERT_TRUE(quick.ok()) << n << " --quick: " << quick.errors[0].str();
    EXPECT_FALSE(full.spec.description.empty()) << n;
    EXPECT_EQ(quick.spec.name, n + "-quick");
    EXPECT_NE(sweep_identity(full.spec), sweep_identity(quick.spec)) << n;
    // The quick form trains on less: a train limit on every trial.
    Trial t;
    for (const ParamSpec& p : quick.spec.params) t.settings[p.key] = p.grid().front();
    ConfigResult c = trial_config(quick.spec, t, 0);
    ASSERT_TRUE(c.ok()) << n << ": " << c.error_text();
    EXPECT_GT(c.config.data.train_limit, 0) << n;
    EXPECT_LE(quick.spec.repeats, full.spec.repeats) << n;
    // Nothing in a study lets the test set choose.
    EXPECT_EQ(full.spec.metric.rfind("test_", 0), std::string::npos) << n;
  }
  SweepResult reg = load_sweep_preset("regularisation-study", false);
  ASSERT_EQ(reg.spec.params.size(), 1u);
  EXPECT_EQ(reg.spec.params[0].variants.size(), 7u);
  EXPECT_EQ(reg.spec.params[0].variants[0].first, "none");  // in the file's order
  EXPECT_EQ(reg.spec.repeats, 10);
  EXPECT_EQ(load_sweep_preset("fashion-configurations", false).spec.params[0].variants.size(), 15u);
  EXPECT_EQ(load_sweep_preset("random-search-asha", false).spec.strategy, "halving");
  SweepResult none = load_sweep_preset("no-such-study", false);
  ASSERT_EQ(none.errors.size(), 1u);
  EXPECT_NE(none.errors[0].message.find("regularisation-study"), std::string::npos) << none.errors[0].message;
}
