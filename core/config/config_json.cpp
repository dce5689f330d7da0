#include "config/config_json.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "config/json_reader.h"
#include "config/presets.h"
#include "config/shapes.h"
#include "config/textfile.h"
#include "data/augment.h"
#include "data/download.h"
#include "data/folder.h"
#include "train/optimizers.h"
#include "model/init.h"
#include "model/layers.h"
#include "model/shorthands.h"

namespace hyperlab {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

std::string ConfigResult::error_text() const {
  std::string s;
  for (const auto& e : errors) s += e.str() + "\n";
  return s;
}

const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> names = {"train_loss", "train_accuracy", "val_loss",
                                                 "val_accuracy", "test_loss", "test_accuracy"};
  return names;
}

std::vector<std::string> watchable_metric_names() {
  std::vector<std::string> val, train;
  for (const std::string& m : metric_names()) {
    if (m.rfind("val_", 0) == 0) val.push_back(m);
    if (m.rfind("train_", 0) == 0) train.push_back(m);
  }
  val.insert(val.end(), train.begin(), train.end());
  return val;
}

namespace {

void read_init(ObjectReader& o, InitConfig& c) {
  std::vector<std::string> schemes;
  for (const InitScheme& s : init_schemes()) schemes.push_back(s.name);
  o.string("scheme", c.scheme, schemes);
  for (const InitField& f : init_fields()) {
    if (f.d) o.number(f.key, c.*(f.d), f.lo, f.hi, f.lo_open);
    else if (f.s) o.string(f.key, c.*(f.s), f.choices);
    else o.boolean(f.key, c.*(f.b));
  }
  if (o.valid() && c.a >= c.b) o.err("b", "must be greater than a for the uniform scheme");
  o.finish();
}

void read_layers(ObjectReader& o, const std::string& key, std::vector<LayerConfig>& out, std::vector<ConfigError>& errs);

// A layer, driven by its registry entry: its fields (defaults, ranges), its
// init and body; keys of other types are "not used by" it.
void read_layer(ObjectReader& o, LayerConfig& L, std::vector<ConfigError>& errs) {
  const json* t = o.get("type");
  if (!o.valid()) return;
  const std::vector<std::string> types = layer_type_names();
  if (!t) {
    std::string list;
    for (const std::string& n : types) list += (list.empty() ? "" : ", ") + n;
    o.err("type", "required (one of " + list + ")");
    return;
  }
  o.string("type", L.type, types);
  const LayerType* type = find_layer_type(L.type);
  if (!type) return;
  const std::string& ty = L.type;
  L = default_layer(ty);
  std::vector<std::string> mine;
  for (const LayerField& f : type->fields) {
    mine.push_back(f.key);
    if (f.required && !o.has(f.key)) o.err(f.key, "required for " + ty);
    for (const LayerField& g : type->fields)
      if (g.key == f.same_as) f.set_number(L, g.number(L));
    switch (f.kind) {
      case FieldKind::Int: o.integer(f.key, L.*(f.i), static_cast<long long>(f.lo), static_cast<long long>(f.hi)); break;
      case FieldKind::Number: o.number(f.key, L.*(f.d), f.lo, f.hi, f.lo_open, f.hi_open); break;
      case FieldKind::Bool: o.boolean(f.key, L.*(f.b)); break;
      case FieldKind::Choice: o.string(f.key, L.*(f.s), f.choices); break;
      case FieldKind::Text: o.string(f.key, L.*(f.s)); break;
    }
  }
  if (type->init) {
    mine.push_back("init");
    if (const json* ij = o.get("init")) {
      ObjectReader io(ij, o.at("init"), errs);
      InitConfig ic;
      read_init(io, ic);
      L.init = ic;
    }
  }
  if (type->body) {
    mine.push_back("body");
    if (!o.has("body")) o.err("body", "required for " + ty + " (a list of layers)");
    read_layers(o, "body", L.body, errs);
  }
  std::vector<std::string> unused;
  for (const std::string& k : layer_keys())
    if (std::find(mine.begin(), mine.end(), k) == mine.end()) unused.push_back(k);
  o.not_used(unused, "by " + ty + " layers");
  o.finish();
}

// A list of layers at `key` of o ("model.layers", "model.layers[3].body").
void read_layers(ObjectReader& o, const std::string& key, std::vector<LayerConfig>& out, std::vector<ConfigError>& errs) {
  const json* layers = o.get(key);
  if (!layers) return;
  if (!layers->is_array()) {
    o.err(key, "must be a list of layer objects, got " + describe_json(*layers));
    return;
  }
  if (layers->empty()) o.err(key, "must not be empty");
  for (size_t i = 0; i < layers->size(); ++i) {
    LayerConfig L;
    ObjectReader lo(&(*layers)[i], o.at(key) + "[" + std::to_string(i) + "]", errs);
    read_layer(lo, L, errs);
    out.push_back(L);
  }
}

void read_mlp(ObjectReader& mo, MlpConfig& c) {
  if (const json* h = mo.get("hidden")) {
    if (!h->is_array()) {
      mo.err("hidden", "must be a list of positive integers, got " + describe_json(*h));
    } else {
      for (size_t i = 0; i < h->size(); ++i) {
        const json& v = (*h)[i];
        if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > (1 << 24))
          mo.err("hidden[" + std::to_string(i) + "]", "must be a positive integer, got " + describe_json(v));
        else c.hidden.push_back(v.get<int>());
      }
    }
  }
  mo.string("activation", c.activation, activation_names());
  mo.number("dropout", c.dropout, 0, 1, false, true);
  mo.boolean("batchnorm", c.batchnorm);
  mo.finish();
}

void read_resnet(ObjectReader& ro, ResNetConfig& r) {
  ro.integer("depth", r.depth, 1, 10000);
  if (ro.has("depth") && !resnet_depth_ok(r.depth))
    ro.err("depth", "must be 18, 34 or 6n+2 (20, 32, 44, 56, 110, ...), got " + std::to_string(r.depth));
  if (resnet_is_cifar(r.depth)) ro.not_used({"stem"}, "by the CIFAR family (depth 6n+2: its stem is a 3x3 conv)");
  else ro.string("stem", r.stem, {"imagenet", "small"});
  ro.finish();
}

// model.init_from.pretrain names a config that can be read, and that starts from no pretraining itself.
void check_pretraining(ObjectReader& fo, const std::string& name) {
  if (name.empty()) return fo.err("pretrain", "must not be empty: a preset's name or a config file");
  // Inside a pretraining config its own pretrain is not followed (a file naming itself would not end):
  // the outer check reports it.
  static thread_local bool inside = false;
  if (inside) return;
  inside = true;
  const ConfigResult p = pretraining_config(name);
  inside = false;
  if (!p.ok()) return fo.err("pretrain", p.errors.front().str());
  if (!p.config.model.init_from.pretrain.empty())
    fo.err("pretrain", name + " starts from a pretraining itself (model.init_from.pretrain): one level only");
  else if (p.config.training.checkpoint_every <= 0)
    fo.err("pretrain", name + " keeps no checkpoint (training.checkpoint_every is 0), so nothing could start from it");
}

// model.init_from and model.freeze (transfer learning, model/transfer.h); the
// freeze's block names are checked against the model once it is read.
void read_transfer(ObjectReader& o, ModelConfig& m, std::string& freeze_up_to, std::vector<ConfigError>& errs) {
  if (const json* fj = o.get("init_from")) {
    ObjectReader fo(fj, o.at("init_from"), errs);
    if (fo.valid()) {
      int run = 0;
      fo.integer("run", run, 1);
      m.init_from.run = run;
      fo.string("file", m.init_from.file);
      fo.string("pretrain", m.init_from.pretrain);
      const int given = int(fo.has("run")) + int(fo.has("file")) + int(fo.has("pretrain"));
      if (given > 1)
        fo.err(fo.has("pretrain") ? "pretrain" : "file", "give one of \"run\", \"file\" and \"pretrain\", not more");
      if (given == 0)
        fo.err("", "needs {\"run\": ID} (a run of the history), {\"file\": \"resnet18.pt\"} (TorchScript) or "
                   "{\"pretrain\": \"PRESET-OR-CONFIG-FILE\"} (that config's run, trained first if there is none)");
      if (fo.has("file") && m.init_from.file.empty()) fo.err("file", "must not be empty");
      if (fo.has("pretrain")) check_pretraining(fo, m.init_from.pretrain);
      fo.finish();
    }
  }
  if (const json* zj = o.get("freeze")) {
    if (zj->is_array()) {
      for (size_t i = 0; i < zj->size(); ++i) {
        if ((*zj)[i].is_string()) m.freeze.push_back((*zj)[i].get<std::string>());
        else o.err("freeze", "must list block names such as [\"stem\", \"layer1\"], got " + describe_json((*zj)[i]));
      }
    } else if (zj->is_object()) {
      ObjectReader zo(zj, o.at("freeze"), errs);
      zo.string("up_to", freeze_up_to);
      if (!zo.has("up_to")) zo.err("up_to", "required: the last frozen block, e.g. \"layer3\"");
      zo.finish();
    } else {
      o.err("freeze", "must be a list of block names or {\"up_to\": \"layer3\"}, got " + describe_json(*zj));
    }
  }
}

void read_model(ObjectReader& o, ModelConfig& m, std::string& freeze_up_to, std::vector<ConfigError>& errs) {
  const json* layers = o.get("layers");
  const json* mlp = o.get("mlp");
  const json* resnet = o.get("resnet");
  if (o.valid() && !layers && !mlp && !resnet)
    o.err("", "needs \"layers\" (a list), \"mlp\" or \"resnet\" (the shorthands)");
  if (int(layers != nullptr) + int(mlp != nullptr) + int(resnet != nullptr) > 1)
    o.err(mlp ? "mlp" : "resnet", "give one of \"layers\", \"mlp\" and \"resnet\", not more");
  read_layers(o, "layers", m.layers, errs);
  if (mlp) {
    ObjectReader mo(mlp, o.at("mlp"), errs);
    MlpConfig c;
    read_mlp(mo, c);
    m.mlp = c;
  }
  if (resnet) {
    ObjectReader ro(resnet, o.at("resnet"), errs);
    ResNetConfig r;
    read_resnet(ro, r);
    m.resnet = r;
  }
  if (const json* ij = o.get("init")) {
    ObjectReader io(ij, o.at("init"), errs);
    read_init(io, m.init);
  }
  read_transfer(o, m, freeze_up_to, errs);
  o.finish();
}

/// Reads the settings of a table entry (an optimizer or a schedule); the
/// table's other settings are "not used by" it.
template <class C, class Kind>
void read_settings(ObjectReader& o, C& c, const std::vector<Setting<C>>& settings, const Kind& kind,
                   const std::string& what) {
  std::vector<std::string> unused;
  for (const Setting<C>& s : settings) {
    if (!kind.uses(s.key)) {
      unused.push_back(s.key);
      continue;
    }
    switch (s.kind) {
      case Setting<C>::Number: o.number(s.key, c.*s.number, s.lo, s.hi, s.lo_open, s.hi_open); break;
      case Setting<C>::Integer: o.integer(s.key, c.*s.integer, static_cast<long long>(s.lo)); break;
      case Setting<C>::Flag: o.boolean(s.key, c.*s.flag); break;
      case Setting<C>::Choice: o.string(s.key, c.*s.text, s.choices()); break;
    }
  }
  o.not_used(unused, "by the " + kind.name + " " + what);
}

// data.augment: a list of {"type": ..., its settings}, from the augmentation table.
void read_augment(ObjectReader& o, DataConfig& d, std::vector<ConfigError>& errs) {
  const json* aj = o.get("augment");
  if (!aj) return;
  if (!aj->is_array()) return o.err("augment", "must be a list such as [{\"type\": \"flip\"}], got " + describe_json(*aj));
  std::string names;
  for (const std::string& n : augment_names()) names += (names.empty() ? "" : ", ") + n;
  for (size_t i = 0; i < aj->size(); ++i) {
    ObjectReader ao(&(*aj)[i], o.at("augment") + "[" + std::to_string(i) + "]", errs);
    if (!ao.valid()) continue;
    AugmentConfig a;
    if (!ao.has("type")) ao.err("type", "required (one of " + names + ")");
    ao.string("type", a.type, augment_names());
    const AugmentKind* k = find_augment(a.type);
    if (!k) continue;
    a.p = k->default_p;
    read_settings(ao, a, augment_settings(), *k, "augmentation");
    ao.finish();
    d.augment.push_back(a);
  }
  if (!d.augment.empty() && data_spec(d).input.size() != 3)
    o.err("augment", "needs images, and " + d.dataset + (d.dataset == "synthetic" ? " " + d.synthetic.kind : "") +
                         " gives points");
}

// dataset "folder": its settings, and the folder itself listed (data/folder.h):
// a missing folder, no images or one class is an error at the key it names.
void read_folder(ObjectReader& o, DataConfig& d) {
  const std::vector<std::string> keys = {"image_size", "channels", "test_fraction"};
  if (d.dataset != "folder") return o.not_used(keys, "unless dataset is \"folder\"");
  o.integer("image_size", d.image_size, 4, 512);
  o.integer("channels", d.channels, 0, 3);
  if (d.channels == 2) o.err("channels", "must be 1 (grey), 3 (RGB) or 0 (3 if any image is colour), got 2");
  o.number("test_fraction", d.test_fraction, 0, 1, true, true);
  if (!o.valid()) return;
  const FolderSpec spec = folder_spec(d);
  if (spec.error.empty()) return;
  const std::string& e = spec.error;  // "data.path: ..."
  const size_t colon = e.find(": ");
  const std::string key = e.rfind("data.", 0) == 0 && colon != std::string::npos ? e.substr(5, colon - 5) : "path";
  o.err(key, colon != std::string::npos ? e.substr(colon + 2) : e);
}

void read_data(ObjectReader& o, DataConfig& d, std::vector<ConfigError>& errs) {
  o.string("dataset", d.dataset, {"fashion-mnist", "mnist", "cifar10", "synthetic", "folder"});
  o.string("path", d.path);
  o.number("validation_fraction", d.validation_fraction, 0, 1, false, true);
  o.integer("train_limit", d.train_limit, 0);
  o.integer("test_limit", d.test_limit, 0);
  o.string("normalization", d.normalization, {"none", "unit", "standardize", "imagenet"});
  o.integer("resize", d.resize, 0, 1024);
  if (const json* sj = o.get("synthetic")) {
    ObjectReader so(sj, o.at("synthetic"), errs);
    SyntheticConfig& s = d.synthetic;
    so.string("kind", s.kind, {"spirals", "circles", "xor", "blobs", "images"});
    so.integer("samples", s.samples, 1, 10000000);
    so.integer("test_samples", s.test_samples, 1, 10000000);
    so.number("noise", s.noise, 0, 100);
    so.integer("classes", s.classes, 2, 100);
    so.integer("image_size", s.image_size, 4, 256);
    if ((s.kind == "xor" || s.kind == "circles") && so.has("classes"))
      so.err("classes", "not used by " + s.kind + " (always 2 classes)");
    so.finish();
    if (so.valid() && d.dataset != "synthetic") o.err("synthetic", "only used when dataset is \"synthetic\"");
  }
  read_folder(o, d);
  read_augment(o, d, errs);  // after the synthetic kind: it says whether there are images
  if (d.resize > 0 && data_spec(d).input.size() != 3) o.err("resize", "needs images, and " + d.dataset + " gives points");
  if (d.normalization == "imagenet" && data_spec(d).input.size() != 3)
    o.err("normalization", "imagenet needs images, and " + d.dataset + " gives points");
  // Without a path: the folder a download puts it in (data/download.h), once it is there.
  const DatasetDownload* dl = dataset_download(d.dataset);
  if (dl && d.path.empty() && !is_downloaded(*dl, download_folder(d.dataset)))
    o.err("path", "required for " + d.dataset + " unless it is downloaded (hyperlab-cli data download " + d.dataset +
                      ", or Download on the Data page): the folder with " +
                      (d.dataset == "mnist" ? "train-images-idx3-ubyte(.gz) and the other three IDX files"
                                            : "data_batch_1.bin ... data_batch_5.bin and test_batch.bin"));
  o.finish();
}

void read_optimizer(ObjectReader& o, OptimizerConfig& c) {
  o.string("type", c.type, optimizer_names());
  const OptimizerKind* k = find_optimizer(c.type);
  if (!k) k = &optimizer_kinds().front();
  if (k->defaults) k->defaults(c);
  read_settings(o, c, optimizer_settings(), *k, "optimizer");
  std::string key;
  if (k->check) {
    const std::string why = k->check(c, key);
    if (!why.empty()) o.err(key, why);
  }
  if (const json* gj = o.get("lr_groups")) {  // per block; the names are checked with the model's
    if (!gj->is_object()) {
      o.err("lr_groups", "must map block names to learning rates, e.g. {\"head\": 0.01}, got " + describe_json(*gj));
    } else {
      for (auto it = gj->begin(); it != gj->end(); ++it) {
        if (!it->is_number() || !(it->get<double>() > 0))
          o.err("lr_groups." + it.key(), "must be a learning rate > 0, got " + describe_json(*it));
        else
          c.lr_groups.emplace_back(it.key(), it->get<double>());
      }
    }
  }
  o.finish();
}

void read_scheduler(ObjectReader& o, SchedulerConfig& s) {
  o.string("type", s.type, scheduler_names());
  const SchedulerKind* k = find_scheduler(s.type);
  if (!k) k = &scheduler_kinds().front();
  read_settings(o, s, scheduler_settings(), *k, "scheduler");
  o.finish();
}

void read_training(ObjectReader& o, TrainingConfig& t, std::vector<ConfigError>& errs) {
  o.integer("epochs", t.epochs, 1, 100000);
  o.integer("batch_size", t.batch_size, 1, 1 << 20);
  o.boolean("shuffle", t.shuffle);
  o.string("loss", t.loss, {"cross_entropy", "mse"});
  if (const json* oj = o.get("optimizer")) {
    ObjectReader oo(oj, o.at("optimizer"), errs);
    read_optimizer(oo, t.optimizer);
  }
  o.number("l1", t.l1, 0, INFINITY);
  o.number("l2", t.l2, 0, INFINITY);
  o.number("grad_noise_std", t.grad_noise_std, 0, INFINITY);
  o.number("clip_grad_norm", t.clip_grad_norm, 0, INFINITY);
  if (const json* sj = o.get("scheduler")) {
    ObjectReader so(sj, o.at("scheduler"), errs);
    read_scheduler(so, t.scheduler);
  }
  if (const json* ej = o.get("early_stopping")) {
    ObjectReader eo(ej, o.at("early_stopping"), errs);
    EarlyStoppingConfig& e = t.early_stopping;
    e.enabled = true;  // giving the section turns it on unless it says otherwise
    eo.boolean("enabled", e.enabled);
    eo.string("monitor", e.monitor, metric_names());
    eo.number("min_delta", e.min_delta, 0, INFINITY);
    eo.integer("patience", e.patience, 0);
    eo.boolean("restore_best", e.restore_best);
    eo.finish();
  }
  o.boolean("evaluate_test", t.evaluate_test);
  o.uint64("seed", t.seed);
  o.string("device", t.device);
  if (const json* dv = o.get("device"); dv && dv->is_string()) {
    const std::string& d = t.device;
    bool ok = d == "auto" || d == "cpu" || d == "cuda";
    if (d.rfind("cuda:", 0) == 0 && d.size() > 5)
      ok = std::all_of(d.begin() + 5, d.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    if (!ok) o.err("device", "must be auto, cpu, cuda or cuda:N, got \"" + d + "\"");
  }
  o.boolean("allow_cpu_fallback", t.allow_cpu_fallback);
  o.integer("threads", t.threads, 0, 1024);
  o.integer("checkpoint_every", t.checkpoint_every, 0, 1000000);
  o.boolean("cache_features", t.cache_features);
  o.boolean("cuda_graphs", t.cuda_graphs);
  o.finish();
}

bool uses_metric(const std::string& m, const ExperimentConfig& c) {
  return m.rfind("val_", 0) != 0 || c.data.validation_fraction > 0;
}

}  // namespace

std::vector<LayerConfig> expanded_layers(const ExperimentConfig& c) {
  if (c.model.mlp) return expand_mlp(*c.model.mlp, data_spec(c.data).classes);
  if (c.model.resnet) return expand_resnet(*c.model.resnet, data_spec(c.data).classes);
  return c.model.layers;
}

ConfigResult parse_config(const json& j) {
  ConfigResult r;
  auto& errs = r.errors;
  ExperimentConfig& c = r.config;
  std::string freeze_up_to;
  ObjectReader root(&j, "", errs);
  if (!root.valid()) return r;
  if (const json* v = root.get("version")) {
    if (!v->is_number_integer() || v->get<long long>() != kConfigVersion)
      root.err("version", "must be " + std::to_string(kConfigVersion) + ", got " + describe_json(*v));
  } else {
    root.err("version", "required (this Hyperlab reads version " + std::to_string(kConfigVersion) + ")");
  }
  root.string("name", c.name);
  root.string("description", c.description);
  ObjectReader data(root.get("data"), "data", errs);
  read_data(data, c.data, errs);
  if (const json* mj = root.get("model")) {
    ObjectReader model(mj, "model", errs);
    read_model(model, c.model, freeze_up_to, errs);
  } else {
    root.err("model", "required: {\"mlp\": {...}}, {\"resnet\": {...}} or {\"layers\": [...]}");
  }
  ObjectReader training(root.get("training"), "training", errs);
  read_training(training, c.training, errs);
  root.finish();

  // Cross-field rules.
  const TrainingConfig& t = c.training;
  // What chooses (the stopping epoch, the restored weights, the learning rate)
  // must never look at the test set: it is only reported.
  auto monitor_rule = [&](const std::string& key, const std::string& m) {
    if (m.rfind("test_", 0) == 0)
      errs.push_back({key, m + " would let the test set choose, and then the test result is no longer an "
                               "honest estimate: watch a validation metric (val_loss, val_accuracy) and set "
                               "data.validation_fraction, e.g. 0.1, or a training metric"});
    else if (!uses_metric(m, c))
      errs.push_back({key, m + " needs a validation set: set data.validation_fraction, e.g. 0.1"});
  };
  if (t.early_stopping.enabled) monitor_rule("training.early_stopping.monitor", t.early_stopping.monitor);
  if (t.scheduler.type == "plateau") monitor_rule("training.scheduler.monitor", t.scheduler.monitor);

  // Shapes, only when the layers themselves are valid.
  bool model_errors = std::any_of(errs.begin(), errs.end(), [&](const ConfigError& e) {
    return e.path.rfind("model", 0) == 0 || (c.data.dataset == "folder" && e.path.rfind("data.", 0) == 0);
  });
  if (!model_errors && (c.model.mlp || c.model.resnet || !c.model.layers.empty())) {
    // The blocks that model.freeze and lr_groups name.
    const std::vector<std::string> blocks = block_names(c.model, expanded_layers(c));
    std::string list;
    for (const std::string& b : blocks) list += (list.empty() ? "" : ", ") + b;
    auto known = [&](const std::string& b) { return std::find(blocks.begin(), blocks.end(), b) != blocks.end(); };
    for (size_t i = 0; i < c.model.freeze.size(); ++i)
      if (!known(c.model.freeze[i]))
        errs.push_back({"model.freeze[" + std::to_string(i) + "]",
                        "\"" + c.model.freeze[i] + "\" is not a block of this model (" + list + ")"});
    if (!freeze_up_to.empty()) {
      if (!known(freeze_up_to))
        errs.push_back({"model.freeze.up_to", "\"" + freeze_up_to + "\" is not a block of this model (" + list + ")"});
      else
        for (const std::string& b : blocks) {
          c.model.freeze.push_back(b);
          if (b == freeze_up_to) break;
        }
    }
    for (const auto& g : c.training.optimizer.lr_groups)
      if (!known(g.first))
        errs.push_back({"training.optimizer.lr_groups." + g.first,
                        "\"" + g.first + "\" is not a block of this model (" + list + ")"});
    ModelSummary s = summarize(c);
    for (const auto& e : s.errors) {
      auto colon = e.find(": ");
      errs.push_back({e.substr(0, colon), e.substr(colon + 2)});
    }
  }
  return r;
}

ConfigResult parse_config_text(const std::string& text, const std::string& source) {
  json j;
  std::string error;
  if (!parse_json(text, source, j, error)) {
    ConfigResult r;
    r.errors.push_back({"", error});
    return r;
  }
  return parse_config(j);
}

ConfigResult load_config_file(const std::string& file) {
  std::string text, error;
  if (!read_text_file(file, text, error)) {
    ConfigResult r;
    r.errors.push_back({"", error});
    return r;
  }
  return parse_config_text(text, file);
}

std::string apply_override(json& j, const std::string& assignment) {
  auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    return "--set needs key.path=value, got \"" + assignment + "\"";
  std::string path = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  json value;
  if (json_depth(text, kMaxJsonDepth) > kMaxJsonDepth)
    return path + ": the value is nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
  try {
    value = json::parse(text);
  } catch (...) {
    value = text;  // a bare word is a string
  }
  if (path.front() == '.' || path.back() == '.' || path.find("..") != std::string::npos ||
      path.find(".[") != std::string::npos)
    return path + ": a key path with an empty part (write it as training.optimizer.lr)";
  json* cur = &j;
  size_t i = 0;
  while (i < path.size()) {
    size_t end = path.find_first_of(".[", i);
    std::string key = path.substr(i, end == std::string::npos ? std::string::npos : end - i);
    if (!key.empty()) {
      if (!cur->is_object() && !cur->is_null()) return path + ": cannot set a key inside a non-object";
      cur = &(*cur)[key];
    }
    if (end == std::string::npos) break;
    if (path[end] == '[') {
      size_t close = path.find(']', end);
      if (close == std::string::npos) return path + ": missing ]";
      int idx = -1;
      try {
        idx = std::stoi(path.substr(end + 1, close - end - 1));
      } catch (...) {
      }
      if (!cur->is_array() || idx < 0 || idx >= static_cast<int>(cur->size()))
        return path + ": index " + path.substr(end + 1, close - end - 1) + " is out of range";
      cur = &(*cur)[idx];
      i = close + 1;
      if (i < path.size() && path[i] == '.') ++i;
    } else {
      i = end + 1;
    }
  }
  *cur = value;
  return "";
}

}  // namespace hyperlab
