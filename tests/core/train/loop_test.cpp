// The training loop's callbacks and the named metrics: a callback that adds a
// metric reaches metrics.csv, the JSON history and the store with no other
// change; any callback may stop the run; the metric table keeps the files'
// columns.
#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "common/temp_dir.h"
#include "config/config_json.h"
#include "store/runstore.h"
#include "train/loop.h"
#include "train/metrics.h"
#include "train/report.h"
#include "train/trainer.h"

using namespace hyperlab;

namespace {

ExperimentConfig loop_config(int epochs) {
  nlohmann::json j = nlohmann::json::parse(R"({
    "version": 1, "name": "loop",
    "data": {"dataset": "synthetic", "validation_fraction": 0.2,
             "synthetic": {"kind": "blobs", "classes": 3, "samples": 300, "test_samples": 100, "noise": 0.1}},
    "model": {"mlp": {"hidden": [8], "activation": "relu"}},
    "training": {"batch_size": 32, "optimizer": {"type": "sgd", "lr": 0.1}, "seed": 5, "threads": 1}
  })");
  j["training"]["epochs"] = epochs;
  ConfigResult r = parse_config(j);
  EXPECT_TRUE(r.ok()) << r.error_text();
  return r.config;
}

// A test-only diagnostic: per epoch, how many batches it saw and the largest
// batch loss among them; declared with its own name, label and chart.
class BatchCounter : public Callback {
 public:
  std::vector<MetricInfo> metrics() const override {
    MetricInfo n;
    n.name = "batches_seen", n.label = "batches seen", n.csv = "batches_seen", n.chart = "Batches";
    MetricInfo m;
    m.name = "max_batch_loss", m.label = "largest batch loss", m.csv = "max_batch_loss", m.log_scale = true;
    return {n, m};
  }
  void epoch_begin(Loop&) override { count_ = 0, max_ = -1; }
  void batch_end(Loop& l) override { ++count_, max_ = std::max(max_, l.batch_result.loss); }
  void epoch_end(Loop& l) override {
    set_metric(l.event, "batches_seen", count_);
    set_metric(l.event, "max_batch_loss", max_);
  }

 private:
  int count_ = 0;
  double max_ = -1;
};

// Stops the run once it has seen `epochs` epochs.
class StopAfter : public Callback {
 public:
  explicit StopAfter(int epochs) : epochs_(epochs) {}
  void epoch_end(Loop& l) override {
    if (l.epoch >= epochs_) l.stop(RunStatus::EarlyStopped, "enough for this test");
  }

 private:
  int epochs_;
};

// Reads the batch metrics once per `every` batches, as the loop does on a GPU.
class ReadEvery : public Callback {
 public:
  explicit ReadEvery(int every) : every_(every) {}
  void run_begin(Loop& l) override { l.read_every = every_; }
  void batch_end(Loop& l) override { reads_ += l.batch_result.samples > 0; }
  int reads() const { return reads_; }

 private:
  int every_, reads_ = 0;
};

}  // namespace

TEST(TrainingLoop, ACallbacksMetricReachesTheCsvTheJsonHistoryAndTheStore) {
  const ExperimentConfig c = loop_config(3);
  Trainer t(c);
  t.add_callback(std::make_shared<BatchCounter>());
  TempDir dir;
  RunStore store(dir.file("runs.db"));
  RunRecorder rec(store, c);
  std::vector<double> live_max;  // what the GUI bridge saw, per batch
  RunCallbacks cb;
  cb.on_batch = [&](const BatchEvent& b) {
    if (b.batch == 1) live_max.push_back(-1);
    live_max.back() = std::max(live_max.back(), b.loss);
    return true;
  };
  RunResult r = t.run(rec.wrap(cb));
  rec.on_finish(r);
  ASSERT_EQ(r.status, RunStatus::Completed) << r.reason;
  ASSERT_EQ(r.history.size(), 3u);
  const int batches = r.info.batches_per_epoch;  // 240 training samples in batches of 32
  EXPECT_EQ(batches, 8);
  ASSERT_EQ(r.info.metrics.size(), 2u);
  EXPECT_EQ(r.info.metrics[0].name, "batches_seen");
  for (size_t k = 0; k < r.history.size(); ++k) {
    EXPECT_EQ(metric_value(r.history[k], "batches_seen"), batches);
    EXPECT_EQ(metric_value(r.history[k], "max_batch_loss"), live_max[k]);
    EXPECT_GE(metric_value(r.history[k], "max_batch_loss"), r.history[k].train_loss);
  }

  // metrics.csv: today's columns first, then the declared ones.
  const std::string csv = metrics_csv(r);
  const std::string header = csv.substr(0, csv.find('\n'));
  EXPECT_EQ(header.rfind("epoch,train_loss,train_accuracy,val_loss,val_accuracy,test_loss,test_accuracy,lr,"
                         "grad_ratio,seconds,penalty,samples_per_s,grad_norm_1,grad_norm_2,weight_norm_1,"
                         "weight_norm_2,batches_seen,max_batch_loss", 0),
            0u)
      << header;
  const std::string row1 = csv.substr(header.size() + 1, csv.find('\n', header.size() + 1) - header.size() - 1);
  EXPECT_NE(row1.find(",8,"), std::string::npos) << row1;

  // The JSON history, written and read back from the run's files.
  write_run_files(dir.file("run"), c, r);
  ExperimentConfig c2;
  RunResult back;
  read_run_files(dir.file("run"), c2, back);
  ASSERT_EQ(back.history.size(), 3u);
  ASSERT_EQ(back.info.metrics.size(), 2u);
  EXPECT_EQ(back.info.metrics[1].label, "largest batch loss");
  EXPECT_TRUE(back.info.metrics[1].log_scale);
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(metric_value(back.history[k], "batches_seen"), batches);
    EXPECT_EQ(metric_value(back.history[k], "max_batch_loss"), live_max[k]);
    EXPECT_EQ(back.history[k].val_loss, r.history[k].val_loss);
  }

  // The store: every epoch's metric by name, and its description with the run.
  std::optional<RunRecord> rr = store.load(rec.run_id());
  ASSERT_TRUE(rr);
  ASSERT_EQ(rr->history.size(), 3u);
  ASSERT_EQ(rr->metrics.size(), 2u);
  EXPECT_EQ(rr->metrics[0].chart, "Batches");
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(metric_value(rr->history[k], "batches_seen"), batches);
    EXPECT_EQ(metric_value(rr->history[k], "max_batch_loss"), live_max[k]);
    EXPECT_EQ(rr->history[k].grad_norms, r.history[k].grad_norms);
  }
}

// On a GPU the loop sums each batch's loss and accuracy on the device and reads
// them once per Loop::read_every batches. Done on the CPU here, the epochs'
// numbers and the weights are those of a loop that reads every batch.
TEST(TrainingLoop, ReadingBatchMetricsOncePerNBatchesChangesNoResult) {
  const ExperimentConfig c = loop_config(2);
  RunResult plain = Trainer(c).run();
  Trainer t(c);
  auto every4 = std::make_shared<ReadEvery>(4);
  t.add_callback(every4);
  RunResult with = t.run();
  ASSERT_EQ(plain.history.size(), with.history.size());
  const int batches = (240 + 31) / 32;  // 300 samples less 20 % validation, batch 32
  EXPECT_EQ(every4->reads(), 2 * ((batches + 3) / 4)) << "every 4th batch and each epoch's last";
  for (size_t k = 0; k < plain.history.size(); ++k) {
    EXPECT_NEAR(plain.history[k].train_loss, with.history[k].train_loss, 1e-9 * plain.history[k].train_loss);
    EXPECT_DOUBLE_EQ(plain.history[k].train_accuracy, with.history[k].train_accuracy);
    EXPECT_EQ(plain.history[k].val_loss, with.history[k].val_loss) << "the same weights";
  }
  EXPECT_EQ(plain.test_accuracy, with.test_accuracy);
}

// A NaN inside the batches between two reads is still caught, at the next read.
TEST(TrainingLoop, ADivergenceBetweenReadsStopsTheRunAtTheNextRead) {
  ExperimentConfig c = loop_config(3);
  c.training.optimizer.lr = 1e30;
  c.training.loss = "mse";
  Trainer t(c);
  t.add_callback(std::make_shared<ReadEvery>(4));
  RunResult r = t.run();
  EXPECT_EQ(r.status, RunStatus::Diverged) << r.reason;
  EXPECT_EQ(r.diverged_batch % 4, 0) << "found at a read: batch " << r.diverged_batch;
}

TEST(TrainingLoop, AnyCallbackMayStopTheRun) {
  Trainer t(loop_config(6));
  t.add_callback(std::make_shared<StopAfter>(2));
  RunResult r = t.run();
  EXPECT_EQ(r.status, RunStatus::EarlyStopped);
  EXPECT_EQ(r.reason, "enough for this test");
  EXPECT_EQ(r.epochs_run, 2);
  EXPECT_EQ(r.history.size(), 2u);
  EXPECT_TRUE(std::isfinite(r.final_test_accuracy));  // evaluated as any stopped run
}

TEST(TrainingLoop, AnAddedCallbackChangesNoResult) {
  const ExperimentConfig c = loop_config(2);
  RunResult plain = Trainer(c).run();
  Trainer t(c);
  t.add_callback(std::make_shared<BatchCounter>());
  RunResult with = t.run();
  ASSERT_EQ(plain.history.size(), with.history.size());
  for (size_t k = 0; k < plain.history.size(); ++k) {
    EXPECT_EQ(plain.history[k].train_loss, with.history[k].train_loss);
    EXPECT_EQ(plain.history[k].val_accuracy, with.history[k].val_accuracy);
    EXPECT_EQ(plain.history[k].grad_norms, with.history[k].grad_norms);
  }
  EXPECT_EQ(plain.test_accuracy, with.test_accuracy);
}

TEST(MetricTable, EveryEpochFieldIsNamedOnceAndRoundTripsByName) {
  EpochEvent e;
  e.epoch = 4, e.epochs = 9, e.best = true;
  double v = 0.5;
  for (const MetricInfo& m : builtin_metrics()) {
    if (m.per_layer) set_metric(e, m, {v, v + 1});
    else set_metric(e, m, {v});
    v += 0.25;
  }
  // Each name writes its own field: reading back by name gives what was set.
  v = 0.5;
  for (const MetricInfo& m : builtin_metrics()) {
    const std::vector<double> got = metric_values(e, m);
    const std::vector<double> want = m.per_layer ? std::vector<double>{v, v + 1} : std::vector<double>{v};
    EXPECT_EQ(got, want) << m.name;
    v += 0.25;
  }
  EXPECT_EQ(e.val_accuracy, metric_value(e, "val_accuracy"));
  EXPECT_EQ(epoch_metric(e, "grad_ratio"), e.grad_ratio);
  EpochEvent back;
  metrics_from_json(back, metrics_json(e));
  for (const MetricInfo& m : builtin_metrics()) EXPECT_EQ(metric_values(back, m), metric_values(e, m)) << m.name;
  // The JSON history: by the fields it names.
  RunStart info;
  const std::vector<EpochEvent> h = history_from(history_json({e}, run_metrics(info)), history_fields(run_metrics(info)));
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].epoch, 4);
  EXPECT_TRUE(h[0].best);
  for (const MetricInfo& m : builtin_metrics()) EXPECT_EQ(metric_values(h[0], m), metric_values(e, m)) << m.name;
}

TEST(MetricTable, TheStoresObjectLeavesOutOnlyWhatReadsBackAsItWas) {
  EpochEvent e;
  e.train_loss = 0.25, e.penalty = NAN;  // penalty's default is 0: a NaN there must be kept
  set_metric(e, "sharpness", 3.5);
  const nlohmann::json j = metrics_json(e);
  EXPECT_EQ(j.size(), 3u) << j.dump();
  EpochEvent back;
  metrics_from_json(back, j);
  for (const MetricInfo& m : builtin_metrics()) {
    const std::vector<double> a = metric_values(back, m), b = metric_values(e, m);
    ASSERT_EQ(a.size(), b.size()) << m.name;
    for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i]))) << m.name;
  }
  EXPECT_EQ(metric_value(back, "sharpness"), 3.5);
}

TEST(MetricTable, AHistoryWithoutFieldNamesIsReadInTheOldOrder) {
  // A checkpoint of an older build: arrays in the order history_json wrote before the table.
  const nlohmann::json old = nlohmann::json::parse(
      R"([[3, 10, 0.9, 0.6, 1.1, 0.55, null, null, 0.01, 0.002, 0.3, [2.5, 1.5], [0.7, 0.2], 4.5, 4.0, 0.1, 900, true]])");
  const std::vector<EpochEvent> h = history_from(old);
  ASSERT_EQ(h.size(), 1u);
  const EpochEvent& e = h[0];
  EXPECT_EQ(e.epoch, 3);
  EXPECT_EQ(e.epochs, 10);
  EXPECT_EQ(e.train_loss, 0.9);
  EXPECT_EQ(e.val_accuracy, 0.55);
  EXPECT_TRUE(std::isnan(e.test_loss));
  EXPECT_EQ(e.lr, 0.01);
  EXPECT_EQ(e.penalty, 0.002);
  EXPECT_EQ(e.grad_ratio, 0.3);
  EXPECT_EQ(e.weight_norms, (std::vector<double>{2.5, 1.5}));
  EXPECT_EQ(e.grad_norms, (std::vector<double>{0.7, 0.2}));
  EXPECT_EQ(e.seconds, 4.5);
  EXPECT_EQ(e.diag_seconds, 0.1);
  EXPECT_EQ(e.samples_per_s, 900);
  EXPECT_TRUE(e.best);
}
