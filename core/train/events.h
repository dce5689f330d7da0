// What a run reports: small value structs, no LibTorch, no Qt, so the GUI,
// the CLI and the store can include them cheaply.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace hyperlab {

enum class RunStatus { Running, Completed, EarlyStopped, Cancelled, Diverged, Failed };
const char* status_name(RunStatus s);  ///< "completed", "early-stopped", ...

/// Sent once, after data and model are ready and before the first batch.
struct RunStart {
  std::string device;                   ///< "cpu" or "cuda:0"
  int threads = 1;                      ///< ATen threads used on CPU
  std::string blas;                     ///< e.g. "openblas (openmp)", or a warning
  int64_t train_size = 0, val_size = 0, test_size = 0;
  int batches_per_epoch = 0;
  int64_t parameters = 0;
  std::vector<std::string> class_names;
  std::vector<std::string> layer_names;  ///< layers with weights, in order (norm vectors follow it)
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
  bool best = false;          ///< best so far on the monitored metric
};

struct RunResult {
  RunStatus status = RunStatus::Running;
  std::string reason;        ///< why it failed, diverged or stopped
  bool input_error = false;  ///< failed because of bad input (data, config, device), not a bug
  int best_epoch = 0;        ///< 0 = none
  int epochs_run = 0;
  double test_loss = kNone, test_accuracy = kNone;  ///< final model (best one if restored)
  std::vector<std::vector<int64_t>> confusion;      ///< [true][predicted], test set
  std::vector<double> per_class_accuracy;
  int diverged_epoch = 0, diverged_batch = 0;
  double seconds = 0;
  std::string device;
  RunStart info;
  std::vector<EpochEvent> history;
};

}  // namespace hyperlab
