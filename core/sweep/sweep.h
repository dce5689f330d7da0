// A sweep file: which config to start from, which settings to vary and how,
// the search strategy, repeats (seeds) per configuration and the objective.
// Same conventions as the experiment config: JSON with a version, every
// error reported with its key path.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "config/config_json.h"
#include "sweep/strategy.h"

namespace hyperlab {

struct SweepSpec {
  std::string name = "sweep";
  std::string description;          ///< what the study shows, in words (optional)
  std::string base_text;            ///< the experiment config the trials start from (resolved JSON text)
  std::vector<ParamSpec> params;
  std::string strategy = "grid";    ///< grid | random | halving | hyperband | bayes
  int trials = 20;                  ///< random, bayes: trials; halving: configurations
  double eta = 3;                   ///< halving, hyperband
  int min_epochs = 1, max_epochs = 27;  ///< halving, hyperband: the resource range
  uint64_t seed = 1;
  int repeats = 1;                  ///< seeds per configuration
  std::string metric = "val_accuracy";  ///< objective: any metric of an epoch
  bool maximize = true;
  // How to run it (not part of its identity: a resumed sweep may change them).
  int workers = 1;                  ///< trials at once
  double time_limit_minutes = 0;    ///< wall-time budget per session (0: none)
};

struct SweepResult {
  SweepSpec spec;
  std::vector<ConfigError> errors;
  bool ok() const { return errors.empty(); }
};

/// Reads a sweep (base: {"preset": NAME} | {"file": PATH} | {"config": {...}}),
/// reporting every problem at once with its key path; never throws.
/// `base_sets` ("key.path=value", as --set takes them) change the base config
/// before the sweep is built, so they become part of its identity; one that
/// the sweep itself would override (a varied key, the epochs of halving) is an error.
SweepResult parse_sweep_text(const std::string& text, const std::string& source,
                             const std::vector<std::string>& base_sets = {});
SweepResult load_sweep_file(const std::string& file, const std::vector<std::string>& base_sets = {});
/// A homework study shipped with Hyperlab (resources/sweeps, `sweep_preset_names()`).
/// `quick`: its quick form (a preset's "quick" section: smaller data and
/// fewer epochs through `set`, fewer seeds or trials), minutes on 2 cores.
SweepResult load_sweep_preset(const std::string& name, bool quick, const std::vector<std::string>& base_sets = {});

/// The sweep as a file (version 1, base config inlined): what the GUI saves.
std::string sweep_to_text(const SweepSpec& s);
/// What makes two sweeps the same sweep (for resuming): the file without its
/// "run" section (workers, time limit), compact.
std::string sweep_identity(const SweepSpec& s);

/// A setting's JSON text as shown to people: strings without quotes, numbers
/// to 4 significant digits ("0.004641588834" -> "0.004642"), lists as they are.
std::string display_value(const std::string& json_text);

/// Trials the sweep will run, where that is known in advance (grid: the
/// product of the grid sizes; random, bayes: trials); 0 for halving and
/// Hyperband, whose promotions depend on results.
int planned_trials(const SweepSpec& s);

/// A base config (resolved JSON text) with settings (key -> JSON text) applied,
/// as a trial gets them; errors name the key.
ConfigResult apply_settings(const std::string& base_text, const Settings& set);
/// The settings that turn `base` into `changed` (leaf keys whose values differ;
/// lists as whole values; name and description left out): a named variant
/// edited in the experiment's own editor.
Settings config_changes(const ExperimentConfig& base, const ExperimentConfig& changed);

/// A trial's settings as config keys: named variants replaced by their bundles.
Settings config_settings(const SweepSpec& s, const Settings& settings);
/// A trial's settings for labels, in the sweep's parameter order: a variant by
/// its name, others as key=value ("dropout 0.2, lr=0.01").
std::string settings_label(const SweepSpec& s, const Settings& settings);

std::unique_ptr<Strategy> make_strategy(const SweepSpec& s);
/// The config of one trial: the base with the trial's settings, its epochs
/// (resource, if any) and seed base + repeat; errors name the key.
ConfigResult trial_config(const SweepSpec& s, const Trial& t, int repeat);

}  // namespace hyperlab
