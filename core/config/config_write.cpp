// Writing configs as JSON, in schema order, with only the fields that apply.
#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "config/resources.h"
#include "train/optimizers.h"

namespace hyperlab {

using ojson = nlohmann::ordered_json;

namespace {
ojson init_json(const InitConfig& i) {
  ojson j = {{"scheme", i.scheme}};
  if (i.scheme == "normal") j["mean"] = i.mean, j["std"] = i.std;
  if (i.scheme == "uniform") j["a"] = i.a, j["b"] = i.b;
  if (i.scheme.rfind("xavier", 0) == 0) j["gain"] = i.gain;
  if (i.scheme.rfind("kaiming", 0) == 0) {
    j["mode"] = i.mode;
    j["nonlinearity"] = i.nonlinearity;
    if (i.nonlinearity == "leaky_relu") j["negative_slope"] = i.negative_slope;
  }
  j["zero_bias"] = i.zero_bias;
  return j;
}

/// The settings a table entry uses, in the order its saved config writes them.
template <class C, class Kind>
void write_settings(ojson& j, const C& c, const std::vector<Setting<C>>& settings, const Kind& kind) {
  for (const std::string& key : kind.written_keys()) {
    const Setting<C>& s = *find_setting(settings, key);
    switch (s.kind) {
      case Setting<C>::Number: j[key] = c.*s.number; break;
      case Setting<C>::Integer: j[key] = c.*s.integer; break;
      case Setting<C>::Flag: j[key] = c.*s.flag; break;
      case Setting<C>::Choice: j[key] = c.*s.text; break;
    }
  }
}
}  // namespace

ojson config_to_json(const ExperimentConfig& c) {
  ojson j;
  j["version"] = c.version;
  j["name"] = c.name;
  if (!c.description.empty()) j["description"] = c.description;
  const DataConfig& d = c.data;
  ojson dj = {{"dataset", d.dataset}, {"path", d.path}, {"validation_fraction", d.validation_fraction},
              {"train_limit", d.train_limit}, {"test_limit", d.test_limit},
              {"normalization", d.normalization}};
  if (d.dataset == "synthetic") {
    const SyntheticConfig& s = d.synthetic;
    dj["synthetic"] = {{"kind", s.kind}, {"samples", s.samples}, {"test_samples", s.test_samples},
                       {"noise", s.noise}};
    if (s.kind != "xor" && s.kind != "circles") dj["synthetic"]["classes"] = s.classes;
    dj["synthetic"]["image_size"] = s.image_size;
  }
  j["data"] = dj;
  ojson mj;
  if (c.model.mlp) {
    const MlpConfig& m = *c.model.mlp;
    mj["mlp"] = {{"hidden", m.hidden}, {"activation", m.activation}, {"dropout", m.dropout},
                 {"batchnorm", m.batchnorm}};
  } else {
    ojson layers = ojson::array();
    for (const LayerConfig& L : c.model.layers) {
      ojson l = {{"type", L.type}};
      if (L.type == "linear" || L.type == "conv2d") l["out"] = L.out;
      if (L.type == "conv2d" || L.type.find("pool") != std::string::npos)
        l["kernel"] = L.kernel, l["stride"] = L.stride, l["padding"] = L.padding;
      if (L.type == "linear" || L.type == "conv2d") l["bias"] = L.bias;
      if (L.type == "dropout") l["p"] = L.p;
      if (L.type == "leaky_relu") l["slope"] = L.slope;
      if (L.type == "elu") l["alpha"] = L.alpha;
      if (L.init) l["init"] = init_json(*L.init);
      layers.push_back(l);
    }
    mj["layers"] = layers;
  }
  mj["init"] = init_json(c.model.init);
  j["model"] = mj;
  const TrainingConfig& t = c.training;
  const OptimizerConfig& o = t.optimizer;
  ojson oj = {{"type", o.type}};
  if (const OptimizerKind* k = find_optimizer(o.type)) write_settings(oj, o, optimizer_settings(), *k);
  const SchedulerConfig& s = t.scheduler;
  ojson sj = {{"type", s.type}};
  if (const SchedulerKind* k = find_scheduler(s.type)) write_settings(sj, s, scheduler_settings(), *k);
  const EarlyStoppingConfig& e = t.early_stopping;
  j["training"] = {{"epochs", t.epochs}, {"batch_size", t.batch_size}, {"shuffle", t.shuffle},
                   {"loss", t.loss}, {"optimizer", oj}, {"l1", t.l1}, {"l2", t.l2},
                   {"grad_noise_std", t.grad_noise_std}, {"clip_grad_norm", t.clip_grad_norm},
                   {"scheduler", sj},
                   {"early_stopping", {{"enabled", e.enabled}, {"monitor", e.monitor},
                                       {"min_delta", e.min_delta}, {"patience", e.patience},
                                       {"restore_best", e.restore_best}}},
                   {"evaluate_test", t.evaluate_test}, {"seed", t.seed}, {"device", t.device},
                   {"allow_cpu_fallback", t.allow_cpu_fallback}, {"threads", t.threads},
                   {"checkpoint_every", t.checkpoint_every}};
  return j;
}

ConfigResult check_config(const ExperimentConfig& c) {
  ConfigResult r = parse_config(config_to_json(c));
  if (r.ok())
    for (ConfigError& e : check_resources(r.config)) r.errors.push_back(std::move(e));
  return r;
}

std::string config_to_text(const ExperimentConfig& c) { return config_to_json(c).dump(2) + "\n"; }

}  // namespace hyperlab
