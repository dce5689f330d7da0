// Writing configs as JSON, in schema order, with only the fields that apply.
#include <nlohmann/json.hpp>

#include "config/config_json.h"
#include "config/resources.h"
#include "data/augment.h"
#include "train/optimizers.h"
#include "model/init.h"
#include "model/layers.h"
#include "model/shorthands.h"

namespace hyperlab {

using ojson = nlohmann::ordered_json;

namespace {

ojson init_json(const InitConfig& i) {
  ojson j = {{"scheme", i.scheme}};
  if (const InitScheme* s = find_init_scheme(i.scheme))
    for (const std::string& key : s->fields)
      for (const InitField& f : init_fields())
        if (f.key == key && init_field_applies(i, f)) {
          if (f.d) j[key] = i.*(f.d);
          else if (f.s) j[key] = i.*(f.s);
          else j[key] = i.*(f.b);
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
ojson layers_json(const std::vector<LayerConfig>& layers) {
  ojson out = ojson::array();
  for (const LayerConfig& L : layers) {
    ojson l = {{"type", L.type}};
    if (const LayerType* t = find_layer_type(L.type)) {
      for (const LayerField& f : t->fields) {
        switch (f.kind) {
          case FieldKind::Int: l[f.key] = L.*(f.i); break;
          case FieldKind::Number: l[f.key] = L.*(f.d); break;
          case FieldKind::Bool: l[f.key] = L.*(f.b); break;
          case FieldKind::Choice:
          case FieldKind::Text: l[f.key] = L.*(f.s); break;
        }
      }
      if (t->body) l["body"] = layers_json(L.body);
    }
    if (L.init) l["init"] = init_json(*L.init);
    out.push_back(l);
  }
  return out;
}

ojson model_json(const ModelConfig& m) {
  ojson mj;
  if (m.mlp) {
    mj["mlp"] = {{"hidden", m.mlp->hidden}, {"activation", m.mlp->activation}, {"dropout", m.mlp->dropout},
                 {"batchnorm", m.mlp->batchnorm}};
  } else if (m.resnet) {
    mj["resnet"] = {{"depth", m.resnet->depth}};
    if (!resnet_is_cifar(m.resnet->depth)) mj["resnet"]["stem"] = m.resnet->stem;
  } else {
    mj["layers"] = layers_json(m.layers);
  }
  mj["init"] = init_json(m.init);
  // Transfer learning, only when set (older configs keep their text, and checkpoints their key).
  if (m.init_from.run > 0) mj["init_from"] = {{"run", m.init_from.run}};
  else if (!m.init_from.file.empty()) mj["init_from"] = {{"file", m.init_from.file}};
  else if (!m.init_from.pretrain.empty()) mj["init_from"] = {{"pretrain", m.init_from.pretrain}};
  if (!m.freeze.empty()) mj["freeze"] = m.freeze;
  return mj;
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
  if (d.resize > 0) dj["resize"] = d.resize;  // only when set (older configs keep their text)
  if (d.dataset == "synthetic") {
    const SyntheticConfig& s = d.synthetic;
    dj["synthetic"] = {{"kind", s.kind}, {"samples", s.samples}, {"test_samples", s.test_samples},
                       {"noise", s.noise}};
    if (s.kind != "xor" && s.kind != "circles") dj["synthetic"]["classes"] = s.classes;
    dj["synthetic"]["image_size"] = s.image_size;
  }
  if (d.dataset == "folder") {
    dj["image_size"] = d.image_size;
    dj["channels"] = d.channels;
    dj["test_fraction"] = d.test_fraction;
  }
  if (!d.augment.empty()) {  // only when there is some, so older configs keep their text (and checkpoints their key)
    ojson steps = ojson::array();
    for (const AugmentConfig& a : d.augment) {
      ojson aj = {{"type", a.type}};
      if (const AugmentKind* k = find_augment(a.type)) write_settings(aj, a, augment_settings(), *k);
      steps.push_back(aj);
    }
    dj["augment"] = steps;
  }
  j["data"] = dj;
  j["model"] = model_json(c.model);
  const bool cache_off = !c.training.cache_features;
  const TrainingConfig& t = c.training;
  const OptimizerConfig& o = t.optimizer;
  ojson oj = {{"type", o.type}};
  if (const OptimizerKind* k = find_optimizer(o.type)) write_settings(oj, o, optimizer_settings(), *k);
  if (!o.lr_groups.empty()) {
    ojson groups = ojson::object();
    for (const auto& g : o.lr_groups) groups[g.first] = g.second;
    oj["lr_groups"] = groups;
  }
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
  if (cache_off) j["training"]["cache_features"] = false;  // only when off (older configs keep their text)
  if (!t.cuda_graphs) j["training"]["cuda_graphs"] = false;  // the same
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
