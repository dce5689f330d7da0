// model.init_from {"pretrain": PRESET-OR-FILE}: the run a fine-tuning starts
// from, found in the run history by its config (run IDs differ on every
// machine, a config does not), or trained first and recorded like any run
// when the history has none. RunRecording hands it to the Trainer
// (Trainer::set_pretraining), so the window, the CLI and the sweep runner all
// do it the same way. Torch-free.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "config/experiment.h"
#include "train/trainer.h"

namespace hyperlab {

class RunStore;

/// What identifies a config for the lookup: its normalised JSON (config_to_json) without
/// the name and the description, which change nothing a run does.
std::string config_identity(const ExperimentConfig& c);

/// The newest run of `store` that completed (or stopped early) with a config of `c`'s
/// identity and whose checkpoint file is still there; 0 when there is none.
int64_t find_completed_run(const RunStore& store, const ExperimentConfig& c);

/// Where a pretraining trained now keeps its checkpoint: beside the history's database,
/// pretraining/NAME-HASH.pt (the same config, the same file).
std::string pretraining_checkpoint_file(const RunStore& store, const ExperimentConfig& c);

/// The pretraining's run: found (find_completed_run), or else trained now and recorded into
/// `store`, its events passed to `cb` (its RunStart's transfer text says it is the
/// pretraining) and stopped as soon as `stopped` says so. `name` is what
/// model.init_from.pretrain says (a preset's name or a file), for the log. One at a time
/// per process: a sweep's second trial waits for the first's pretraining, then finds it.
PretrainingRun find_or_pretrain(RunStore& store, const ExperimentConfig& pre, const std::string& name, const RunCallbacks& cb,
                            const std::function<bool()>& stopped);

}  // namespace hyperlab
