// Hyper-parameter search strategies as ask/tell objects, independent of
// training: a strategy proposes trials (settings + a resource, here epochs),
// is told each trial's objective, and decides what to try or promote next.
// Tested on cheap synthetic objectives; the sweep runner feeds them real runs.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace hyperlab {

/// Settings of one trial: key -> JSON text.
using Settings = std::map<std::string, std::string>;

/// One setting to vary: a config key and where its values come from.
///
/// Named variants: a parameter whose values are names, each a bundle of
/// settings on any keys ("dropout 0.2" -> {model.mlp.dropout: 0.2}). Its key
/// is a label without dots ("variant"), `values` hold the names as JSON
/// strings (so strategies treat it as a list) and `variants` the bundles.
struct ParamSpec {
  enum class Kind { List, Linear, Log, Uniform, LogUniform, Choice };
  std::string key;               ///< config key path, e.g. "training.optimizer.lr"
  Kind kind = Kind::List;
  std::vector<std::string> values;  ///< List / Choice: values as JSON text ("0.1", "\"adam\"", "[500,50]")
  double lo = 0, hi = 1;         ///< ranges and distributions
  int points = 5;                ///< Linear / Log: grid points
  bool integer = false;          ///< round sampled values
  std::vector<std::pair<std::string, Settings>> variants;  ///< named variants, in order (empty: none)
  bool is_variants() const { return !variants.empty(); }
  /// The bundle of the variant named by `value` (JSON text of the name); nullptr if none.
  const Settings* variant(const std::string& value) const;
  /// The grid values of List/Linear/Log (and Choice), as JSON text.
  std::vector<std::string> grid() const;
  /// One random value (Uniform/LogUniform/Choice; List as Choice; Linear/Log over their range).
  std::string sample(std::mt19937_64& rng) const;
};

struct Trial {
  int id = 0;
  Settings settings;
  int resource = 0;   ///< epochs to train (0 = the config's own)
  int rung = 0;       ///< successive halving: 0 = first, k = promoted k times
  int bracket = 0;    ///< hyperband: the bracket s
  int parent = -1;    ///< promoted from this trial (same settings, more resource)
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  /// The next trial to run, or nothing now (all waiting on results, or finished).
  virtual std::optional<Trial> ask() = 0;
  /// The objective of a finished trial (lower is better; maximising callers negate).
  virtual void tell(int trial, double objective) = 0;
  virtual bool finished() const = 0;
};

/// Every combination of the grid values, in order (first key varies slowest).
std::unique_ptr<Strategy> make_grid(const std::vector<ParamSpec>& params);
/// `trials` independent samples, reproducible from `seed`.
std::unique_ptr<Strategy> make_random(const std::vector<ParamSpec>& params, int trials, uint64_t seed);

struct HalvingOptions {
  double eta = 3;          ///< keep the top 1/eta at each rung
  int min_resource = 1;    ///< epochs at rung 0
  int max_resource = 27;   ///< epochs at the top rung
  int configs = 27;        ///< configurations started at rung 0
  uint64_t seed = 1;
};
/// Asynchronous successive halving (ASHA): a trial is promoted as soon as it
/// is in the top 1/eta of the results known at its rung, so parallel workers
/// never wait for a rung to fill.
std::unique_ptr<Strategy> make_successive_halving(const std::vector<ParamSpec>& params, const HalvingOptions& o);

/// Hyperband's brackets (Li et al., 2017): for s = s_max..0, n configs at r epochs.
struct Bracket {
  int s = 0, configs = 0, resource = 0;
};
std::vector<Bracket> hyperband_brackets(int max_resource, double eta);
/// Hyperband: the brackets above, each run as successive halving.
std::unique_ptr<Strategy> make_hyperband(const std::vector<ParamSpec>& params, int max_resource, double eta, uint64_t seed);

/// Bayesian optimisation with a Tree-structured Parzen Estimator (Bergstra et
/// al., 2011): after `startup` random trials, each new trial maximises
/// l(x)/g(x), where l is a Parzen density of the best 25 % of results and g of
/// the rest (each setting on its own; log scale for Log/LogUniform).
std::unique_ptr<Strategy> make_tpe(const std::vector<ParamSpec>& params, int trials, uint64_t seed, int startup = 10);

}  // namespace hyperlab
