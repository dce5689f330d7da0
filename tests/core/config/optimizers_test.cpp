// The optimizer and schedule tables (train/optimizers.h) drive config reading,
// writing and docs/config.md: every setting an entry uses survives a round
// trip, every other one is refused by name, and the page shows the tables.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "train/optimizers.h"

using namespace hyperlab;

namespace {

// A value of each kind that differs from `now` and that the setting accepts.
template <class C>
void change(C& c, const Setting<C>& s) {
  switch (s.kind) {
    case Setting<C>::Number: {
      double& v = c.*s.number;
      const double hi = std::isfinite(s.hi) ? s.hi : v * 2 + 1;
      v = v == (s.lo + hi) / 2 ? (s.lo + 3 * hi) / 4 : (s.lo + hi) / 2;
      if (!std::isfinite(s.hi) && v == 0) v = 0.5;
      break;
    }
    case Setting<C>::Integer: c.*s.integer += 3; break;
    case Setting<C>::Flag: c.*s.flag = !(c.*s.flag); break;
    case Setting<C>::Choice: {
      const auto& all = s.choices();
      for (const std::string& v : all)
        if (v != c.*s.text && v.rfind("val_", 0) == 0) c.*s.text = v;
      break;
    }
  }
}

template <class C>
bool same(const C& a, const C& b, const Setting<C>& s) {
  switch (s.kind) {
    case Setting<C>::Number: return a.*s.number == b.*s.number;
    case Setting<C>::Integer: return a.*s.integer == b.*s.integer;
    case Setting<C>::Flag: return a.*s.flag == b.*s.flag;
    case Setting<C>::Choice: return a.*s.text == b.*s.text;
  }
  return false;
}

ExperimentConfig base() {
  ExperimentConfig c;
  c.data.dataset = "synthetic";
  c.data.validation_fraction = 0.2;  // a plateau schedule may watch val_*
  c.model.mlp = MlpConfig{{8}};
  return c;
}

std::string read_text(const std::string& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(OptimizerTable, EverySettingAnOptimizerUsesSurvivesAWriteAndARead) {
  for (const OptimizerKind& k : optimizer_kinds()) {
    ExperimentConfig c = base();
    c.training.optimizer.type = k.name;
    if (k.defaults) k.defaults(c.training.optimizer);
    for (const OptimizerSetting& s : optimizer_settings())
      if (k.uses(s.key)) change(c.training.optimizer, s);
    if (k.name == "sgd") c.training.optimizer.dampening = 0;  // Nesterov needs it (the table's own rule)
    ConfigResult r = parse_config(config_to_json(c));
    ASSERT_TRUE(r.ok()) << k.name << ": " << r.error_text();
    for (const OptimizerSetting& s : optimizer_settings()) {
      if (!k.uses(s.key)) continue;
      EXPECT_TRUE(same(c.training.optimizer, r.config.training.optimizer, s)) << k.name << "." << s.key;
    }
  }
}

TEST(OptimizerTable, ASettingAnotherOptimizerUsesIsRefusedByName) {
  for (const OptimizerKind& k : optimizer_kinds()) {
    for (const OptimizerSetting& s : optimizer_settings()) {
      if (k.uses(s.key)) continue;
      nlohmann::json j = nlohmann::json::parse(config_to_json(base()).dump());
      j["training"]["optimizer"] = {{"type", k.name}, {s.key, s.kind == OptimizerSetting::Flag ? nlohmann::json(true)
                                                                                                : nlohmann::json(0.5)}};
      ConfigResult r = parse_config(j);
      EXPECT_NE(r.error_text().find("training.optimizer." + s.key + ": not used by the " + k.name + " optimizer"),
                std::string::npos)
          << r.error_text();
    }
  }
}

TEST(SchedulerTable, EverySettingAScheduleUsesSurvivesAWriteAndARead) {
  for (const SchedulerKind& k : scheduler_kinds()) {
    ExperimentConfig c = base();
    c.training.scheduler.type = k.name;
    for (const SchedulerSetting& s : scheduler_settings())
      if (k.uses(s.key)) change(c.training.scheduler, s);
    ConfigResult r = parse_config(config_to_json(c));
    ASSERT_TRUE(r.ok()) << k.name << ": " << r.error_text();
    for (const SchedulerSetting& s : scheduler_settings()) {
      if (!k.uses(s.key)) continue;
      EXPECT_TRUE(same(c.training.scheduler, r.config.training.scheduler, s)) << k.name << "." << s.key;
    }
  }
}

TEST(SchedulerTable, TheScheduleMathMatchesItsFormula) {
  SchedulerConfig c;
  ScheduleState st;
  st.base = st.lr = 0.1, st.epochs = 10;
  c.type = "step", c.step_size = 3, c.gamma = 0.5;
  EXPECT_DOUBLE_EQ(find_scheduler("step")->after_epoch(c, st, 7, 0), 0.1 * 0.25);  // floor(7/3) = 2 decays
  c.type = "cosine", c.t_max = 0, c.eta_min = 0.01;
  EXPECT_NEAR(find_scheduler("cosine")->after_epoch(c, st, 5, 0), 0.01 + 0.09 * 0.5, 1e-15);  // halfway through 10
  EXPECT_EQ(find_scheduler("none")->after_epoch, nullptr);
}

TEST(OptimizerTable, DocsConfigMdShowsTheTables) {
  const std::string page = read_text(std::string(HYPERLAB_SOURCE_DIR) + "/docs/config.md");
  ASSERT_FALSE(page.empty());
  EXPECT_NE(page.find(optimizers_markdown()), std::string::npos)
      << "docs/config.md should contain the optimizer table, as made from train/optimizers.cpp:\n"
      << optimizers_markdown();
  EXPECT_NE(page.find(schedulers_markdown()), std::string::npos)
      << "docs/config.md should contain the schedule table, as made from train/optimizers.cpp:\n"
      << schedulers_markdown();
}
