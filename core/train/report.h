// The files a run leaves: config.json, metrics.csv, result.json. Torch-free.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "config/experiment.h"
#include "train/events.h"

namespace hyperlab {

/// One row per epoch, a column per metric of the run's table (train/metrics.h)
/// that has one; the header starts
/// epoch,train_loss,train_accuracy,val_loss,val_accuracy,test_loss,test_accuracy,lr,grad_ratio,seconds
/// then penalty, samples_per_s, per-layer gradient and weight norms, and the
/// metrics the run's callbacks declared. Missing values are empty.
std::string metrics_csv(const RunResult& r);
/// result.json: status, the run's numbers (run_numbers(): the selected epoch,
/// how it was selected, validation and test metrics there, the final epoch's
/// test metrics), confusion matrix, timings, and the history (one array per
/// epoch, fields named in "history_fields").
nlohmann::ordered_json result_json(const ExperimentConfig& c, const RunResult& r);
/// The epochs as compact JSON arrays (result.json, checkpoints) and back: one
/// array per epoch, its fields history_fields(metrics) ("epoch", "epochs", the
/// metrics' names, "best"). history_from reads by those names; without any (files
/// of older builds) by the fields history_json wrote before the metric table.
std::vector<std::string> history_fields(const std::vector<MetricInfo>& metrics);
nlohmann::json history_json(const std::vector<EpochEvent>& h, const std::vector<MetricInfo>& metrics);
std::vector<EpochEvent> history_from(const nlohmann::json& a, const std::vector<std::string>& fields = {});
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
/// The same for bytes made piece by piece (a checkpoint's archive), so that
/// they are never held whole in memory: `produce` hands each piece to the
/// writer it is given, which returns false once a write has failed (then
/// `produce` may stop or throw; the error named is the write's).
using ByteWriter = std::function<bool(const void* data, size_t size)>;
void write_file_atomic(const std::string& path, const std::function<void(const ByteWriter&)>& produce);

}  // namespace hyperlab
