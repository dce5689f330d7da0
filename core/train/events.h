// What a run reports: small value structs, no LibTorch, no Qt, so the GUI,
// the CLI and the store can include them cheaply.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace hyperlab {

enum class RunStatus { Running, Completed, EarlyStopped, Cancelled, Diverged, Failed };
const char* status_name(RunStatus s);  ///< "completed", "early-stopped", ...

/// One per-epoch metric, as the table in train/metrics.h describes it: the
/// CSV column, the JSON history, the store and the charts all come from it.
struct MetricInfo {
  std::string name;   ///< key in the store and the JSON history: "val_loss", "grad_norms"
  std::string label;  ///< in words: "validation loss"
  std::string unit;   ///< "" (a plain number), "s", "samples/s"
  bool log_scale = false;         ///< charted on a log axis
  bool higher_is_better = false;  ///< accuracies; losses and norms: lower is better
  bool per_layer = false;         ///< one value per layer with weights (RunStart::layer_names)
  /// In metrics.csv: the column (per layer: the prefix of name_1, name_2, ...); "" = not in the CSV.
  std::string csv;
  /// The live chart it is drawn in (metrics with the same chart share it); "" = not charted.
  std::string chart;
  std::string series;  ///< its series' name in that chart ("validation"); per layer: the layer names
  std::string axis;    ///< the chart's y-axis label ("loss")
  bool step = false;   ///< constant within an epoch (drawn as a step: the learning rate)
};

/// Sent once, after data and model are ready and before the first batch.
struct RunStart {
  std::string device;                   ///< "cpu" or "cuda:0"
  int threads = 1;                      ///< ATen threads used on CPU
  std::string blas;                     ///< e.g. "openblas (openmp)", or a warning
  std::string libtorch;                 ///< LibTorch version, e.g. "1.13.0"
  int64_t train_size = 0, val_size = 0, test_size = 0;
  int batches_per_epoch = 0;
  int epochs = 0;  ///< the epoch it is set to train up to (training.epochs; it may stop before)
  int64_t parameters = 0;
  std::vector<std::string> class_names;
  std::string data_note;                 ///< what the data loader skipped ("skipped 2 of 503 images: ..."), "" if none
  std::vector<std::string> layer_names;  ///< layers with weights, in order (norm vectors follow it)
  /// Transfer learning (model/transfer.h), for the log: what model.init_from mapped and
  /// did not, the replaced head, the frozen blocks, the feature cache; "" = none of it.
  std::string transfer;
  /// Metrics beyond the built-in table (train/metrics.h) that the run's
  /// callbacks declare; their values are in EpochEvent::extra.
  std::vector<MetricInfo> metrics;
};

struct BatchEvent {
  int epoch = 0;        ///< 1-based
  int batch = 0;        ///< 1-based within the epoch
  int batches = 0;      ///< per epoch
  int64_t step = 0;     ///< batches since the start of the run
  double loss = 0;      ///< data loss of this batch (before L1/L2 terms)
  double accuracy = 0;  ///< on this batch, in [0,1]
  double lr = 0;
  double samples_per_s = 0;  ///< since the start of the epoch
};

constexpr double kNone = NAN;  ///< metric not computed (e.g. no validation set)

struct EpochEvent {
  int epoch = 0, epochs = 0;
  double train_loss = kNone, train_accuracy = kNone;  ///< running means over the epoch's batches
  double val_loss = kNone, val_accuracy = kNone;
  double test_loss = kNone, test_accuracy = kNone;
  double lr = 0;              ///< learning rate used during this epoch
  double penalty = 0;         ///< L1 + L2 term at the end of the epoch
  double grad_ratio = kNone;  ///< mean over batches of |grad W first| / |grad W last|
  std::vector<double> weight_norms;  ///< per layer with weights, mean over the epoch's batches
  std::vector<double> grad_norms;    ///< per layer with weights, mean over the epoch's batches
  double seconds = 0;         ///< wall time of the epoch, evaluation included
  double train_seconds = 0;   ///< training part only
  double diag_seconds = 0;    ///< of which spent on the gradient/weight norms
  double samples_per_s = 0;   ///< training samples per second
  /// The selected epoch so far: best so far on the selection monitor, or, when
  /// nothing selects (no validation set), every epoch (the last one is selected).
  bool best = false;
  /// Metrics a callback declares (RunStart::metrics), by name; a per-layer one
  /// holds a value per layer, a scalar one a single value. The built-in metrics
  /// are the fields above (the trainer's typed, lookup-free path); every
  /// metric, built-in or not, is read and written by name through train/metrics.h.
  std::map<std::string, std::vector<double>> extra;
};

/// An epoch's scalar metric by name: any in the metric table (train/metrics.h)
/// or declared by the run's callbacks (anything else, or not measured: kNone).
double epoch_metric(const EpochEvent& e, const std::string& m);

struct RunResult {
  RunStatus status = RunStatus::Running;
  std::string reason;        ///< why it failed, diverged or stopped
  bool input_error = false;  ///< failed because of bad input (data, config, device), not a bug
  /// The selected epoch (see train/numbers.h): the best by the selection
  /// monitor, or the last one when nothing selects; 0 = none.
  int best_epoch = 0;
  int epochs_run = 0;
  /// test_* are measured on the selected epoch's model, final_test_* on the
  /// last epoch's; the run's numbers come from run_numbers(), never from here directly.
  double test_loss = kNone, test_accuracy = kNone;
  double final_test_loss = kNone, final_test_accuracy = kNone;
  std::vector<std::vector<int64_t>> confusion;      ///< [true][predicted], test set, selected model
  std::vector<double> per_class_accuracy;
  int diverged_epoch = 0, diverged_batch = 0;
  double seconds = 0;
  std::string device;
  /// With training.threads = 0 on a CPU of several cores: how the thread count
  /// followed the machine's load ("1 thread: 3.10x as fast as 2 (the machine
  /// is busy); 2 changes"), else empty.
  std::string threads_note;
  RunStart info;
  std::vector<EpochEvent> history;
};

/// Pictures for the GUI: a few images as stored (uint8, channel-first).
struct ImageBatch {
  int channels = 0, height = 0, width = 0;
  std::vector<uint8_t> pixels;  ///< [n][channels][height][width]
  std::vector<int> labels;
  int count() const { return static_cast<int>(labels.size()); }
  const uint8_t* image(int i) const { return pixels.data() + size_t(i) * channels * height * width; }
};

/// 2-D points with labels (the synthetic point sets), raw coordinates.
struct PointCloud {
  std::vector<float> xy;  ///< x0, y0, x1, y1, ...
  std::vector<int> labels;
  int count() const { return static_cast<int>(labels.size()); }
};

/// Test images whose predictions every Snapshot reports (the first ones of the test split).
constexpr int kPreviewTestImages = 500;

/// What the loaded data looks like, for the data status line and the sample views.
struct DataPreview {
  int64_t train_size = 0, val_size = 0, test_size = 0;
  std::vector<std::string> class_names;
  ImageBatch train_images;  ///< the first 64 training images (image datasets)
  ImageBatch test_images;   ///< the first kPreviewTestImages test images
  bool points = false;      ///< a 2-D point set (then the clouds and the plane are set)
  PointCloud train_points, test_points;
  double x_min = 0, x_max = 0, y_min = 0, y_max = 0;  ///< the plane shown by decision maps
  std::string summary() const;  ///< "60,000 train / 10,000 test images"
};

// ---- What each layer makes of one preview test image (train/activations.h) ----

/// Feature maps sent per layer, and values per flat output: the rest is counted, not sent.
constexpr int kMaxActivationMaps = 32;
constexpr int kMaxActivationValues = 64;

/// One row of the view: a top-level layer's output, with the elementwise and
/// shape-only layers that follow it folded in (conv2d then relu: one row,
/// showing the output after the relu; a flatten keeps the maps it flattens).
struct LayerActivation {
  std::string layer;              ///< the model summary's name: "conv2d(16, 3x3)", "linear(10)"
  std::string type;               ///< its layer type: "conv2d"
  std::vector<std::string> then;  ///< the layers folded in after it, in order: "relu", "dropout"
  std::vector<int64_t> shape;     ///< the shown output's per-sample shape: [C,H,W] or [D]
  float min = 0, max = 0;         ///< over the whole output (every channel or value)
  /// Feature maps ([C,H,W] outputs): the first `maps` channels, each stored
  /// stretched to its own range: pixel 0 is map_min[k], 255 is map_max[k].
  int maps = 0, height = 0, width = 0;
  std::vector<uint8_t> pixels;  ///< [maps][height][width]
  std::vector<float> map_min, map_max;
  /// Flat outputs ([D]): the first values.
  std::vector<float> values;
  int64_t left_out = 0;  ///< channels or values beyond the caps, not sent
  bool has_maps() const { return maps > 0; }
  /// Map k's value at pixel i, back from its stretched byte.
  float map_value(int k, size_t i) const {
    return map_min[k] + (map_max[k] - map_min[k]) * pixels[size_t(k) * height * width + i] / 255.0f;
  }
};

/// The layers' outputs for one image.
struct Activations {
  int image = -1;   ///< index into DataPreview::test_images; -1: none
  int label = -1;   ///< its true class
  int epoch = 0;    ///< the weights': after this epoch; 0: before training (the initial weights)
  bool final = false;  ///< after training (a run's final snapshot or its checkpoint)
  std::vector<LayerActivation> layers;
  /// The last layer as class probabilities (softmax), when it has one value per class.
  std::vector<float> probabilities;
  int predicted = -1;
  std::string error;  ///< why nothing was computed ("" = fine)
  bool empty() const { return layers.empty(); }
};

/// The model seen from outside, once per epoch and once at the end: predictions
/// on DataPreview::test_images, first-layer weights, the decision map.
struct Snapshot {
  int epoch = 0;
  bool final = false;  ///< after training (best weights restored if asked)
  std::vector<int> predicted;     ///< per preview test image
  std::vector<float> confidence;  ///< softmax probability of the predicted class
  /// First layer with weights, as pictures: count tiles of channels x h x w.
  std::string filter_layer;
  int filter_count = 0, filter_channels = 0, filter_h = 0, filter_w = 0;
  std::vector<float> filters;
  /// The same filters as the run started (its initialisation or model.init_from's weights), to compare.
  std::vector<float> start_filters;
  /// Decision map over the preview's plane (2-D data): grid_w x grid_h cells, row 0 at y_max.
  int grid_w = 0, grid_h = 0;
  std::vector<uint8_t> grid_class;
  std::vector<float> grid_confidence;
  /// The layers' outputs for the image RunCallbacks::activation_image names (empty: none asked).
  Activations activations;
};

}  // namespace hyperlab
