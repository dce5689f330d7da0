#include "export/pytorch_script.h"

#include <stdexcept>

#include "config/config_json.h"
#include "config/shapes.h"
#include "data/augment.h"
#include "export/model_code.h"
#include "model/layers.h"
#include "model/shorthands.h"
#include "model/transfer.h"
#include "train/numbers.h"
#include "train/optimizers.h"

namespace hyperlab {

extern const char* const kScriptData;   // export/pytorch_script_text.cpp
extern const char* const kScriptAugment;
extern const char* const kScriptModel;
extern const char* const kScriptTrain;

namespace {

using pycode::boolean;
using pycode::number;
using pycode::string;

std::string header(const ExperimentConfig& c) {
  std::string title = c.name + (c.description.empty() ? "" : ": " + c.description);
  for (size_t i = 0; (i = title.find_first_of("\\\"", i)) != std::string::npos; i += 2) title.insert(i, "\\");
  return "#!/usr/bin/env python3\n\"\"\"" + title + R"py(

Written by `hyperlab-cli export-pytorch` from a Hyperlab config (CONFIG, at the
end). It trains the same network the same way with PyTorch alone: the same
layers and parameter names, initialisation schemes, optimizer, learning-rate
schedule, weight decay, L1/L2 terms, gradient noise and clipping, augmentation,
validation split, frozen layers, epoch selection and early stopping, and the
same shuffling order; it prints each epoch as `hyperlab-cli run` does.

    python3 train.py [--epochs N] [--data DIR] [--train-limit N] [--device cpu|cuda]
                     [--weights START.pth] [--save MODEL.pth]

--weights starts from a state_dict: `hyperlab-cli export-pytorch CONFIG --weights
START.pth` writes the one Hyperlab starts from (then the first batch's loss is
Hyperlab's), `hyperlab-cli export RUN --weights MODEL.pth` a trained run's.
Augmentation draws Hyperlab's numbers too (the same generator and seeds); other
random draws (a fresh initialisation, dropout, gradient noise) are PyTorch's.
"""
import argparse
import gzip
import math
import os
import time

import torch
import torch.nn.functional as F
from torch import nn
)py";
}

std::string int_list(const std::vector<int>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

std::string data_settings(const ExperimentConfig& c) {
  const DataConfig& d = c.data;
  const DataSpec spec = data_spec(d);
  std::string names = "[";
  for (size_t i = 0; i < spec.class_names.size(); ++i) names += (i ? ", " : "") + string(spec.class_names[i]);
  const SyntheticConfig& y = d.synthetic;
  std::string s = "\n# ---- Settings, from the config ----\n\nNAME = " + string(c.name) + "\nDATASET = " + string(d.dataset) +
                  "\nDATA_PATH = " + string(d.path.empty() ? default_data_path(d.dataset) : d.path) +
                  "  # --data\nINPUT = " + pycode::list(spec.input) + "  # per sample\nCLASSES = " +
                  std::to_string(spec.classes) + "\nCLASS_NAMES = " + names + "]\nTRAIN_LIMIT = " +
                  std::to_string(d.train_limit) + "  # --train-limit; 0 = all\nTEST_LIMIT = " + std::to_string(d.test_limit) +
                  "\nVALIDATION_FRACTION = " + number(d.validation_fraction) + "\nNORMALIZATION = " +
                  string(d.normalization) + "  # none | unit | standardize | imagenet\nRESIZE = " + std::to_string(d.resize) +
                  "  # 0 = as they are\n";
  if (d.dataset == "synthetic")
    s += "SYNTHETIC = {\"kind\": " + string(y.kind) + ", \"samples\": " + std::to_string(y.samples) +
         ", \"test_samples\": " + std::to_string(y.test_samples) + ", \"noise\": " + number(y.noise) +
         ", \"classes\": " + std::to_string(y.classes) + "}\n";
  return s;
}

std::string training_settings(const ExperimentConfig& c, const std::vector<LayerConfig>& layers) {
  const TrainingConfig& t = c.training;
  const EarlyStoppingConfig& es = t.early_stopping;
  std::vector<int> frozen;
  const std::vector<bool> f = frozen_layers(c, layers);
  for (size_t i = 0; i < f.size(); ++i)
    if (f[i]) frozen.push_back(static_cast<int>(i));
  std::string blocks = "[", groups = "{";
  for (const std::string& b : layer_blocks(c.model, layers)) blocks += (blocks.size() > 1 ? ", " : "") + string(b);
  for (const auto& [b, lr] : t.optimizer.lr_groups) groups += (groups.size() > 1 ? ", " : "") + string(b) + ": " + number(lr);
  return "SEED = " + std::to_string(t.seed) + "\nEPOCHS = " + std::to_string(t.epochs) + "  # --epochs\nBATCH_SIZE = " +
         std::to_string(t.batch_size) + "\nEVAL_BATCH = " + (contains_layer(layers, "conv2d") ? "128" : "1000") +
         "\nSHUFFLE = " + boolean(t.shuffle) + "\nLOSS = " + string(t.loss) + "  # cross_entropy | mse (one-hot)\nLR = " +
         number(t.optimizer.lr) + "\nL1 = " + number(t.l1) + "  # l1 * sum|w| on the weights (not biases)\nL2 = " +
         number(t.l2) + "  # l2 * sum w^2 on the weights\nGRAD_NOISE_STD = " + number(t.grad_noise_std) +
         "\nCLIP_GRAD_NORM = " + number(t.clip_grad_norm) + "  # 0 = off\nEVALUATE_TEST = " + boolean(t.evaluate_test) +
         "\nSELECT_BY = " + string(selection_monitor(c)) + "  # the metric that selects the epoch (\"\" = the last)" +
         "\nEARLY_STOPPING = " + boolean(es.enabled) + "\nPATIENCE = " + std::to_string(es.patience) +
         "\nMIN_DELTA = " + number(es.enabled ? es.min_delta : 0.0) + "\nRESTORE_BEST = " + boolean(es.restore_best) +
         "\nSCHEDULE_MONITOR = " + string(t.scheduler.monitor) + "\nFROZEN = " + int_list(frozen) +
         "  # top-level layers kept fixed (model.freeze)\nBLOCKS = " + blocks + "]  # each top-level layer's block\n" +
         "LR_GROUPS = " + groups + "}  # learning rate per block (optimizer.lr_groups)\n";
}

// data.augment as a list of dicts, each step with its type and every setting.
std::string augment_settings_code(const std::vector<AugmentConfig>& steps) {
  if (steps.empty()) return "AUGMENT = []  # data.augment: none\n";
  std::string s = "AUGMENT = [  # data.augment, in order, on the uint8 training batches\n";
  for (const AugmentConfig& a : steps) {
    s += "    {\"type\": " + string(a.type);
    for (const AugmentSetting& f : augment_settings()) s += ", " + string(f.key) + ": " + pycode::setting(augment_settings(), a, f.key);
    s += "},\n";
  }
  return s + "]\n";
}

std::string model_code(const ExperimentConfig& c, const std::vector<LayerConfig>& layers) {
  const Shape in = model_input(c.data);
  std::string s = "\n\ndef build_model():\n    \"\"\"The network, named as Hyperlab names it (state_dict keys \"1.weight\", "
                  "\"4.body.0.weight\").\"\"\"\n    return " + pycode::model(layers, in, 4) + "\n\n\n";
  s += "MODEL_INIT = lambda w: " + pycode::init_call(c.model.init) + "  # model.init\n";
  s += "INITS = [  # (module, its weight's initialisation, biases start at 0)\n";
  for (const auto& [name, init] : pycode::weight_inits(layers, in, c.model.init)) {
    const std::string call = pycode::init_call(init);
    const bool same = call == pycode::init_call(c.model.init);
    s += "    (" + string(name) + ", " + (same ? std::string("MODEL_INIT") : "lambda w: " + call) + ", " +
         boolean(pycode::init_zero_bias(init)) + "),\n";
  }
  return s + "]\n";
}

std::string optimizer_code(const ExperimentConfig& c) {
  const OptimizerConfig& o = c.training.optimizer;
  const SchedulerConfig& sc = c.training.scheduler;
  const OptimizerKind* k = find_optimizer(o.type);
  const SchedulerKind* s = find_scheduler(sc.type);
  if (!k || !s) throw std::invalid_argument("training.optimizer: unknown optimizer or scheduler");
  auto opt = [&](const std::string& key) { return pycode::setting(optimizer_settings(), o, key); };
  auto sch = [&](const std::string& key) { return pycode::setting(scheduler_settings(), sc, key); };
  return "\n\ndef make_optimizer(params):\n    \"\"\"optimizer.type " + o.type + ": " + k->doc + ".\"\"\"\n    return " +
         pycode::fill(k->pytorch, opt) + "\n\n\ndef lr_after_epoch(epoch, lr, metric, state, epochs):\n    \"\"\"scheduler.type " +
         sc.type + ": " + s->doc + ".\"\"\"\n    base = LR\n    return " +
         (s->pytorch.empty() ? std::string("lr") : pycode::fill(s->pytorch, sch)) + "\n";
}

}  // namespace

std::string pytorch_script(const ExperimentConfig& c) {
  if (c.data.dataset == "folder")
    throw std::invalid_argument("data.dataset: the PyTorch script reads IDX, CIFAR and synthetic data, not image folders");
  if (c.data.dataset == "synthetic" && c.data.synthetic.kind == "images")
    throw std::invalid_argument("data.synthetic.kind: the PyTorch script does not generate images");
  const std::vector<LayerConfig> layers = expanded_layers(c);
  std::string s = header(c) + data_settings(c) + training_settings(c, layers);
  s += augment_settings_code(c.data.augment);
  if (!c.model.init_from.empty())
    s += "# model.init_from: start from `hyperlab-cli export-pytorch CONFIG --weights START.pth` (--weights).\n";
  s += kScriptData;
  if (!c.data.augment.empty()) s += kScriptAugment;
  s += kScriptModel + model_code(c, layers);
  s += optimizer_code(c);
  s += kScriptTrain;
  s += "\n\nCONFIG = r\"\"\"\n" + config_to_text(c) + "\"\"\"  # the Hyperlab config this script was written from\n";
  return s + "\n\nif __name__ == \"__main__\":\n    main()\n";
}

}  // namespace hyperlab
