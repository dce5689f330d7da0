// The memory a run needs, estimated from its config before anything is
// allocated, and the check that refuses a run this machine cannot hold (a
// model of 1.6e12 parameters, 10,000,000 generated images of 256x256) with
// the key and the numbers instead of an allocator's message or the OOM killer.
// Parsing stays machine-independent: parse_config never calls this; the CLI
// (validate, summary, run, resume), check_config (the editor) and the trainer
// (before it allocates) do. Torch-free header.
#pragma once

#include <string>
#include <vector>

#include "config/config_json.h"

namespace hyperlab {

/// Bytes (in doubles: absurd configs must not wrap around) of each part of a run.
struct MemoryEstimate {
  double parameters = 0;        ///< model parameters (count)
  int state_copies = 0;         ///< copies of the parameters while training: weights, gradients, optimizer...
  double model_bytes = 0;       ///< those copies, on the training device
  double build_bytes = 0;       ///< host peak while the model is built (modules, flat weights and gradients)
  int64_t batch = 0;            ///< samples in a training batch (batch_size, at most the training set)
  double activation_bytes = 0;  ///< one batch forward and backward (or an evaluation batch)
  double data_bytes = 0;        ///< the dataset's tensors on the host (as read, plus split copies)
  std::string data_what;        ///< "10000000 + 500 images of 256x256"
  /// Host bytes: data, plus the model built there, plus (training on CPU) its state and activations.
  double host_bytes(bool model_on_cuda, bool count_data = true) const;
};

/// The one estimate: parameters from summarize(), optimizer state per type
/// (sgd with momentum 1 copy, adam 2, amsgrad 3, rmsprop 1-3, adagrad 1),
/// the best epoch's copy, activations of a batch (input + 2 x the layers'
/// outputs, float), the dataset (standard file sizes; generated data from its
/// settings). An estimate ("about"): allocator slack and small buffers left out.
MemoryEstimate estimate_memory(const ExperimentConfig& c);

struct MachineMemory {
  double available = 0;  ///< bytes a run may still use (0 = unknown: nothing is checked)
  bool cuda = false;     ///< the model trains on a CUDA device (its memory is left to CUDA)
};
/// MemAvailable from /proc/meminfo, capped by the cgroup's limit; 0 when unknown.
double memory_available();
/// This machine, and whether training.device puts the model on a CUDA device.
MachineMemory machine_memory(const TrainingConfig& t);

/// Errors for the parts that do not fit, e.g. "model: 1.6e12 parameters need
/// about 19 TB (weights, gradients, the model as built); this machine has 23 GB
/// of memory available". count_data false: the data is already loaded (and so
/// already taken out of `available`). Empty when everything fits, when the
/// model's shapes are invalid (validation says why) or the memory is unknown.
std::vector<ConfigError> check_resources(const ExperimentConfig& c, const MachineMemory& m, bool count_data = true);
/// On this machine.
std::vector<ConfigError> check_resources(const ExperimentConfig& c);

/// One line for `summary`: "memory: about 120 MB (model 3.2 MB, activations of a batch of 64 1.1 MB, data 55 MB)".
std::string memory_summary(const MemoryEstimate& e);

/// "7840 bytes" (exact below 10000), "12 kB", "1.2 MB", "47 GB", "19 TB" (powers of 1000).
std::string human_bytes(double bytes);
/// "60000000" below 1e10, else "1.6e12".
std::string human_count(double n);

}  // namespace hyperlab
