// The files a run leaves: config.json, metrics.csv, result.json. Torch-free.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "config/experiment.h"
#include "train/events.h"

namespace hyperlab {

/// One row per epoch; header starts
/// epoch,train_loss,train_accuracy,val_loss,val_accuracy,test_loss,test_accuracy,lr,grad_ratio,seconds
/// then penalty, samples_per_s and per-layer gradient and weight norms. Missing values are empty.
std::string metrics_csv(const RunResult& r);
/// result.json: status, the run's numbers (run_numbers(): the selected epoch,
/// how it was selected, validation and test metrics there, the final epoch's
/// test metrics), confusion matrix, timings, and the history (one array per
/// epoch, fields named in "history_fields").
nlohmann::ordered_json result_json(const ExperimentConfig& c, const RunResult& r);
/// The epochs as compact JSON arrays (result.json, checkpoints) and back.
nlohmann::json history_json(const std::vector<EpochEvent>& h);
std::vector<EpochEvent> history_from(const nlohmann::json& a);
/// Reads a run folder's config.json and result.json back (to import a run
/// trained elsewhere). Throws std::runtime_error naming the file.
void read_run_files(const std::string& dir, ExperimentConfig& c, RunResult& r);
/// Writes DIR/config.json, DIR/metrics.csv and DIR/result.json, each through a
/// temporary file and a rename, so no half-written file looks like a result.
/// Throws std::runtime_error naming the path on failure.
void write_run_files(const std::string& dir, const ExperimentConfig& c, const RunResult& r);
/// Writes a file atomically (PATH.tmp, then a rename), checking every write:
/// on any error (a full disk, a file size limit) the temporary is removed, an
/// existing PATH is left as it was, and std::runtime_error names the path and
/// the cause ("No space left on device").
void write_file_atomic(const std::string& path, const std::string& text);

}  // namespace hyperlab
