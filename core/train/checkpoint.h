// Checkpoint files: what trainer.cpp writes every few epochs and reads back
// to resume. One torch archive: tensors (parameters, buffers, optimizer and
// random-number state) and a "meta" string of JSON (epoch, config, history,
// schedule and early-stopping state). Internal to core.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/serialize/input-archive.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/output-archive.h>

#include "config/experiment.h"
#include "model/network.h"
#include "train/events.h"
#include "train/optim.h"
#include "train/selection.h"

namespace hyperlab {

struct CheckpointMeta {
  nlohmann::json json;  ///< everything, as stored
  ExperimentConfig config;
  int epoch = 0;
};

/// Opens FILE into `in` (when given) and reads its meta record; throws
/// std::runtime_error naming the file (missing, unreadable, not ours, bad config).
CheckpointMeta read_checkpoint(const std::string& file, torch::serialize::InputArchive* in = nullptr);
/// Writes the archive to FILE through FILE.tmp and a rename (write_file_atomic):
/// on a full disk or any write error the temporary is removed, the previous
/// checkpoint stays, and std::runtime_error names the file and the cause.
void write_checkpoint(torch::serialize::OutputArchive& out, const std::string& file);
/// What must match to resume: the config with training.epochs left out.
std::string checkpoint_key(ExperimentConfig c);

/// The trained weights only (parameters and batch-norm statistics after the
/// last saved epoch, what `evaluate` measures) into `net`, built from the
/// checkpoint's config; returns that epoch. Throws as read_checkpoint does,
/// or when the network's size does not match.
int load_checkpoint_weights(const std::string& file, Network& net);
/// The same from an archive read_checkpoint() opened (the file is read once).
void read_checkpoint_weights(torch::serialize::InputArchive& in, Network& net, const std::string& file);
/// The selected epoch's weights (EpochSelection keeps them when it selected an
/// earlier epoch than the last), else the last epoch's; returns that epoch.
int read_selected_weights(torch::serialize::InputArchive& in, const CheckpointMeta& meta, Network& net,
                          const std::string& file);

/// Everything of a training run that changes from epoch to epoch, as the
/// checkpointer saves and restores it (side by side, below).
struct TrainingState {
  const ExperimentConfig& config;
  Network& net;
  at::Tensor flat;  ///< the network's flat parameters
  at::Generator& gen;       ///< dropout, noise
  at::Generator& perm_gen;  ///< the shuffling
  torch::optim::Optimizer& optimizer;
  LrSchedule& schedule;
  EpochSelection& selection;
  int64_t& step;
  RunResult& result;  ///< its history
};
/// Saves the state after `epoch` to FILE (write_checkpoint: atomic, errors name the file).
void save_training_checkpoint(const std::string& file, int epoch, const TrainingState& s);
/// Restores the state from FILE (onto `dev`); returns the epoch it was saved
/// after. The history and selected epoch go into s.result.
int load_training_checkpoint(const std::string& file, TrainingState& s, const at::Device& dev);

}  // namespace hyperlab
