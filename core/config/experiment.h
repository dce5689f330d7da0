// Experiment configuration: one schema for JSON files, the CLI and the GUI.
// Plain value types with their defaults inline; no LibTorch, no Qt, so any
// target can include this header cheaply. docs/config.md documents every key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hyperlab {

constexpr int kConfigVersion = 1;

/// Settings for generated in-memory data (tests, demos, classroom).
struct SyntheticConfig {
  std::string kind = "spirals";  ///< spirals | circles | xor | blobs | images
  int samples = 1000;            ///< training samples (default 1000)
  int test_samples = 500;        ///< test samples (default 500)
  double noise = 0.1;            ///< noise level, in units of the pattern (default 0.1)
  int classes = 2;               ///< classes, for spirals, blobs and images (default 2)
  int image_size = 8;            ///< side of the square images for kind=images (default 8)
};

/// One augmentation of the training batches (data/augment.h lists them).
struct AugmentConfig {
  std::string type;            ///< crop | flip | noise | cutout | jitter | rotate
  double p = 1.0;              ///< probability per image (flip: default 0.5)
  int padding = 4;             ///< crop: pixels of padding on each side
  std::string mode = "zero";   ///< crop: zero | reflect padding
  double std = 8.0;            ///< noise: standard deviation, in pixel levels (0..255)
  int size = 8;                ///< cutout: side of the square set to 0
  double brightness = 0.2;     ///< jitter: factor drawn from [1-b, 1+b]
  double contrast = 0.2;       ///< jitter: factor drawn from [1-c, 1+c], around the image's mean
  double degrees = 15.0;       ///< rotate: angle drawn from [-degrees, degrees], counter-clockwise
  double scale = 0.0;          ///< rotate: zoom factor drawn from [1-s, 1+s] (default 0: none)
  double translate = 0.0;      ///< rotate: shift of up to this fraction of the side, each axis (default 0)
  std::string interpolation = "nearest";  ///< rotate: nearest | bilinear (torchvision's default is nearest too)
  double fill = 0.0;           ///< rotate: pixel level (0..255) where the image has no source
};

struct DataConfig {
  std::string dataset = "fashion-mnist";  ///< fashion-mnist | mnist | cifar10 | synthetic | folder
  std::string path;                       ///< folder with the files; "" = the dataset's default
  double validation_fraction = 0.0;       ///< taken from train, split by seed (default 0)
  int train_limit = 0;                    ///< use at most this many training samples (0 = all)
  int test_limit = 0;                     ///< use at most this many test samples (0 = all)
  std::string normalization = "unit";     ///< none | unit ([0,1]) | standardize (train mean/std) | imagenet ([0,1], then ImageNet's mean/std per channel)
  int resize = 0;                         ///< images resized to resize x resize per batch on the device, bilinear (0 = as they are)
  SyntheticConfig synthetic;
  // dataset "folder" (data/folder.h): data.path holds one subfolder of PNG/JPEG images per class.
  int image_size = 32;         ///< folder: side of the square the images are cropped and resized to (default 32)
  int channels = 0;            ///< folder: 1 (grey) | 3 (RGB) | 0 = 3 if any image is colour, else 1 (default 0)
  double test_fraction = 0.2;  ///< folder without train/ and test/: share of each class held out (default 0.2)
  /// Training batches only, in this order, on the uint8 images, drawn from the seed, epoch and batch.
  std::vector<AugmentConfig> augment;
};

/// Weight initialisation. The schemes, their fields and the kaiming
/// nonlinearities are described once, in model/init.h (init_schemes()).
struct InitConfig {
  std::string scheme = "default";  ///< default | normal | uniform | xavier_normal | xavier_uniform | kaiming_normal | kaiming_uniform | zeros
  double std = 0.01;               ///< normal: standard deviation (default 0.01)
  double mean = 0.0;               ///< normal: mean (default 0)
  double a = -0.05;                ///< uniform: lower bound (default -0.05)
  double b = 0.05;                 ///< uniform: upper bound (default 0.05)
  double gain = 1.0;               ///< xavier: gain (default 1)
  std::string mode = "fan_in";     ///< kaiming: fan_in | fan_out
  std::string nonlinearity = "relu";  ///< kaiming: relu | leaky_relu | linear | sigmoid | tanh | selu
  double negative_slope = 0.0;     ///< kaiming with leaky_relu (default 0)
  bool zero_bias = false;          ///< set biases to 0 (default false: the scheme's bias init)
};

/// One layer. Only the fields of its type are read; the rest keep defaults.
/// The types, their fields, defaults and docs are one table: model/layers.h
/// (layer_types()); docs/config.md shows it.
struct LayerConfig {
  std::string type;          ///< linear | conv2d | maxpool2d | avgpool2d | global_avgpool | flatten | dropout | batchnorm | layernorm | relu | leaky_relu | elu | selu | gelu | sigmoid | tanh | sequential | residual | torchscript
  int out = 0;               ///< linear: output features; conv2d: output channels
  bool bias = true;          ///< linear, conv2d (default true)
  int kernel = 3;            ///< conv2d, pools (default 3; pools default 2)
  int stride = 1;            ///< conv2d (default 1); pools default = kernel
  int padding = 0;           ///< conv2d, pools (default 0)
  double p = 0.5;            ///< dropout probability (default 0.5)
  double slope = 0.01;       ///< leaky_relu negative slope (default 0.01)
  double alpha = 1.0;        ///< elu alpha (default 1)
  std::string file;          ///< torchscript: the TorchScript file it runs (model/scripted.h)
  std::string shortcut = "auto";  ///< residual: auto (identity when the body keeps the shape, else projection) | identity | projection (1x1 conv + batch norm)
  std::vector<LayerConfig> body;  ///< sequential, residual: the layers inside
  std::optional<InitConfig> init;  ///< per-layer initialisation, overrides model.init (and an enclosing block's)
};

/// Shorthand that expands to flatten + [linear, (batchnorm), activation, (dropout)]* + linear.
struct MlpConfig {
  std::vector<int> hidden;       ///< hidden layer sizes, e.g. [500, 50]
  std::string activation = "relu";
  double dropout = 0.0;          ///< dropout after each hidden activation (0 = none)
  bool batchnorm = false;        ///< batch norm before each hidden activation
};

/// Shorthand for the residual networks of He et al. 2016 (basic blocks, conv
/// without bias, batch norm, projection shortcuts (option B) where the shape
/// changes, global average pool, linear head); model/shorthands.h expands it.
struct ResNetConfig {
  int depth = 20;                 ///< 6n+2 (20, 32, 44, 56, 110: CIFAR, 16/32/64 channels) or 18, 34 (64..512 channels)
  std::string stem = "imagenet";  ///< 18, 34: imagenet (7x7 conv stride 2, 3x3 max-pool stride 2) | small (3x3 conv, no max-pool)
};

/// Transfer learning (model/transfer.h): the weights a run starts from.
struct InitFromConfig {
  int64_t run = 0;   ///< a run of the history: its checkpoint's weights (0 = none)
  std::string file;  ///< or a TorchScript file (torchvision ResNet-18/34 names, or a Hyperlab model's); "" = none
  /// or a pretraining config (a preset's name or a config file): the newest completed run of
  /// the history with that config, trained first when there is none (store/pretraining.h); "" = none
  std::string pretrain;
  bool empty() const { return run == 0 && file.empty() && pretrain.empty(); }
};

struct ModelConfig {
  std::vector<LayerConfig> layers;  ///< explicit layers, or:
  std::optional<MlpConfig> mlp;     ///< the MLP shorthand, or:
  std::optional<ResNetConfig> resnet;  ///< the ResNet shorthand (exactly one of the three)
  InitConfig init;                  ///< model-wide initialisation
  InitFromConfig init_from;         ///< start from these weights (mapped by name and shape) instead of init
  /// Blocks (model_blocks(): resnet stem, layer1..4, head; else body, head) kept fixed:
  /// no gradient, batch norm in eval mode. {"up_to": "layer3"} in JSON reads as the list up to it.
  std::vector<std::string> freeze;
};

struct OptimizerConfig {
  std::string type = "sgd";  ///< sgd | adam | adamw | rmsprop | adagrad
  double lr = 0.01;          ///< learning rate (default 0.01)
  double weight_decay = 0.0; ///< decoupled for adamw, L2-in-gradient otherwise (default 0; adamw 0.01)
  double momentum = 0.0;     ///< sgd, rmsprop (default 0)
  double dampening = 0.0;    ///< sgd (default 0)
  bool nesterov = false;     ///< sgd (default false)
  double beta1 = 0.9;        ///< adam, adamw
  double beta2 = 0.999;      ///< adam, adamw
  double eps = 1e-8;         ///< adam, adamw, rmsprop, adagrad (adagrad default 1e-10)
  bool amsgrad = false;      ///< adam, adamw
  double alpha = 0.99;       ///< rmsprop smoothing constant
  bool centered = false;     ///< rmsprop
  double lr_decay = 0.0;     ///< adagrad
  double initial_accumulator_value = 0.0;  ///< adagrad
  /// Learning rate per block (model.freeze's names), e.g. {"layer4": 0.001, "head": 0.01};
  /// the other blocks use lr. A schedule scales every group by the same factor.
  std::vector<std::pair<std::string, double>> lr_groups;
};

struct SchedulerConfig {
  std::string type = "none";  ///< none | step | exponential | cosine | plateau (stepped once per epoch)
  int step_size = 10;         ///< step: epochs between decays
  double gamma = 0.1;         ///< step, exponential: decay factor
  int t_max = 0;              ///< cosine: period in epochs (0 = training.epochs)
  double eta_min = 0.0;       ///< cosine: floor
  std::string monitor = "val_loss";  ///< plateau: metric watched
  double factor = 0.1;        ///< plateau: lr *= factor
  int patience = 10;          ///< plateau: epochs without improvement
  double threshold = 1e-4;    ///< plateau: relative improvement that counts
  double min_lr = 0.0;        ///< plateau: floor
};

struct EarlyStoppingConfig {
  bool enabled = false;
  std::string monitor = "val_loss";  ///< train_loss | train_accuracy | val_loss | val_accuracy | test_loss | test_accuracy
  double min_delta = 0.0;            ///< improvement smaller than this does not count (epsilon)
  int patience = 5;                  ///< epochs without improvement before stopping
  bool restore_best = true;          ///< load the best epoch's weights at the end
};

struct TrainingConfig {
  int epochs = 10;
  int batch_size = 64;
  bool shuffle = true;
  std::string loss = "cross_entropy";  ///< cross_entropy | mse (on one-hot targets)
  OptimizerConfig optimizer;
  double l1 = 0.0;              ///< coefficient of sum|w| added to the loss (weights, not biases)
  double l2 = 0.0;              ///< coefficient of sum w^2 added to the loss (weights, not biases)
  double grad_noise_std = 0.0;  ///< std of Gaussian noise added to every gradient
  double clip_grad_norm = 0.0;  ///< clip total gradient norm to this (0 = off)
  SchedulerConfig scheduler;
  EarlyStoppingConfig early_stopping;
  bool evaluate_test = true;    ///< evaluate on the test set after every epoch
  uint64_t seed = 1;
  std::string device = "auto";  ///< auto | cpu | cuda | cuda:N
  bool allow_cpu_fallback = false;  ///< device cuda when none is there: fall back to CPU (true) or fail (default)
  int threads = 0;              ///< CPU threads (0 = choose: physical cores, 1 for tiny models)
  int checkpoint_every = 1;     ///< save a checkpoint every N epochs when the run has a folder for it (0 = never)
  /// With every block but the head frozen and no augmentation: compute the frozen part's
  /// features once per split and train the head on them (model/transfer.h); false = always the whole network.
  bool cache_features = true;
  /// On a CUDA device whose LibTorch has CUDA graphs: capture the training step once and replay
  /// it per batch (train/cuda_graph.h); false = launch every kernel of every step. CPU: no effect.
  bool cuda_graphs = true;
};

struct ExperimentConfig {
  int version = kConfigVersion;
  std::string name = "experiment";
  std::string description;  ///< one line, shown in preset lists
  DataConfig data;
  ModelConfig model;
  TrainingConfig training;
};

/// Default folder of a dataset ("" when it has none).
std::string default_data_path(const std::string& dataset);

}  // namespace hyperlab
