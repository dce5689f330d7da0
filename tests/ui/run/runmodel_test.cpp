// The run model: the time left from the speed and the epochs' measured
// times; a resumed run's earlier epochs replayed, cut at the checkpoint,
// before its own, even when they arrive after the run started.
#include <gtest/gtest.h>

#include <QSignalSpy>

#include <cmath>

#include "ui/run/runmodel.h"

using namespace hyperlab;

namespace {

BatchEvent batch(int epoch, int k, int of, double speed) {
  BatchEvent b;
  b.epoch = epoch, b.batch = k, b.batches = of, b.samples_per_s = speed, b.loss = 1;
  return b;
}

EpochEvent epoch_event(int k, double seconds, double loss) {
  EpochEvent e;
  e.epoch = k, e.seconds = seconds, e.train_loss = loss, e.lr = 0.1 * k;
  return e;
}

RunRecord earlier_run(int epochs, int batches) {
  RunRecord r;
  for (int k = 1; k <= epochs; ++k) {
    r.history.push_back(epoch_event(k, 2.0, 1.0 / k));
    std::vector<float> losses;
    for (int b = 0; b < batches; ++b) losses.push_back(static_cast<float>(k * 10 + b));
    r.batch_losses.push_back(losses);
  }
  return r;
}

}  // namespace

TEST(RunModel, TheTimeLeftFollowsTheSpeedThenTheMeasuredEpochs) {
  RunModel m;
  m.begin(ExperimentConfig{}, 10);
  RunStart s;
  s.train_size = 1000;
  m.addStart(s);
  EXPECT_TRUE(std::isnan(m.secondsLeft(batch(1, 5, 10, 0))));  // no speed yet
  // Half of epoch 1 left at 500 samples/s: 1 s, then 9 epochs of 1000/500 = 2 s each.
  EXPECT_DOUBLE_EQ(m.secondsLeft(batch(1, 5, 10, 500)), 1.0 + 9 * 2.0);
  // Once an epoch took 3 s (evaluation included), the epochs to come take that.
  m.addEpoch(epoch_event(1, 3.0, 0.5));
  EXPECT_DOUBLE_EQ(m.secondsLeft(batch(2, 2, 10, 250)), 0.8 * 1000 / 250 + 8 * 3.0);
  EXPECT_EQ(format_duration(19), "19 s");
  EXPECT_EQ(format_duration(200), "3 min 20 s");
  EXPECT_EQ(format_duration(3900), "1 h 5 min");
  EXPECT_EQ(format_duration(NAN), "–");
}

TEST(RunModel, ItKeepsTheHistoryAndTheResultOfARun) {
  RunModel m;
  m.begin(ExperimentConfig{}, 3);
  QSignalSpy epochs(&m, &RunModel::epoch);
  for (int k = 1; k <= 3; ++k) {
    EpochEvent e = epoch_event(k, 1, 1.0 / k);
    e.best = k == 2;
    m.addEpoch(e);
  }
  EXPECT_EQ(epochs.count(), 3);
  EXPECT_EQ(m.result().history.size(), 3u);
  EXPECT_EQ(m.result().epochs_run, 3);
  EXPECT_EQ(m.result().best_epoch, 2);
  RunResult r;
  r.status = RunStatus::Completed, r.history = m.result().history;
  m.finish(r);
  EXPECT_EQ(m.result().status, RunStatus::Completed);
  m.begin(ExperimentConfig{}, 5);  // the next run forgets it
  EXPECT_TRUE(m.result().history.empty());
}

TEST(RunModel, AResumedRunReplaysItsEarlierEpochsCutAtTheCheckpointFirst) {
  RunModel m;
  m.begin(ExperimentConfig{}, 6);
  std::vector<std::string> order;
  std::vector<std::vector<BatchEvent>> replayed;
  QObject::connect(&m, &RunModel::started, [&](const RunStart&) { order.push_back("start"); });
  QObject::connect(&m, &RunModel::batches, [&](const std::vector<BatchEvent>& b) {
    order.push_back("batches " + std::to_string(b.front().epoch));
    replayed.push_back(b);
  });
  QObject::connect(&m, &RunModel::epoch, [&](const EpochEvent& e) { order.push_back("epoch " + std::to_string(e.epoch)); });
  QObject::connect(&m, &RunModel::finished, [&](const RunResult&) { order.push_back("end"); });
  m.expectEarlierHistory();
  // The run starts and trains epoch 4 before the history has been read: it waits.
  m.addStart(RunStart{});
  m.addBatches({batch(4, 1, 1, 100)});
  m.addEpoch(epoch_event(4, 1, 0.2));
  RunResult end;
  end.status = RunStatus::Completed;
  m.finish(end);
  EXPECT_TRUE(order.empty());
  EXPECT_TRUE(m.waitingForHistory());
  // The history holds 4 epochs; the checkpoint was after 3 (epoch 4 is trained again).
  m.setEarlierHistory(earlier_run(4, 2), 3);
  const std::vector<std::string> want = {"start",     "batches 1", "epoch 1", "batches 2", "epoch 2", "batches 3",
                                         "epoch 3",   "batches 4", "epoch 4", "end"};
  EXPECT_EQ(order, want);
  ASSERT_EQ(replayed.size(), 4u);
  ASSERT_EQ(replayed[1].size(), 2u);
  EXPECT_EQ(replayed[1][1].loss, 21.0f);  // epoch 2, its second batch
  EXPECT_EQ(replayed[1][1].batch, 2);
  EXPECT_EQ(replayed[1][1].batches, 2);
  EXPECT_DOUBLE_EQ(replayed[1][1].lr, 0.2);
  EXPECT_EQ(m.result().status, RunStatus::Completed);
}

TEST(RunModel, AResumedRunWhoseHistoryIsAlreadyThereStartsWithIt) {
  RunModel m;
  m.begin(ExperimentConfig{}, 4);
  m.expectEarlierHistory();
  m.setEarlierHistory(earlier_run(2, 3), 2);
  QSignalSpy epochs(&m, &RunModel::epoch), batches(&m, &RunModel::batches);
  m.addStart(RunStart{});
  EXPECT_EQ(epochs.count(), 2);
  EXPECT_EQ(batches.count(), 2);
  EXPECT_EQ(m.result().history.size(), 2u);
  m.addEpoch(epoch_event(3, 1, 0.1));
  EXPECT_EQ(m.result().history.size(), 3u);
  EXPECT_EQ(m.result().history[1].train_loss, 0.5);
  // No earlier history at all (it could not be read): the run simply starts.
  m.begin(ExperimentConfig{}, 4);
  m.expectEarlierHistory();
  m.setEarlierHistory(std::nullopt, 2);
  QSignalSpy started(&m, &RunModel::started);
  m.addStart(RunStart{});
  EXPECT_EQ(started.count(), 1);
  EXPECT_TRUE(m.result().history.empty());
}
