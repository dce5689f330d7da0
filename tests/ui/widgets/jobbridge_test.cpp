// The worker-to-GUI bridge: a producer far faster than the GUI's drain keeps
// the queue bounded by thinning batch events only, while every epoch event
// and the end arrive, in order; a newer snapshot replaces a queued one.
#include <gtest/gtest.h>

#include <QTest>

#include <atomic>
#include <thread>
#include <variant>
#include <vector>

#include "ui/widgets/jobbridge.h"
#include "ui_helpers.h"

using namespace hyperlab;
using namespace hyperlab::ui_test;

namespace {

struct Batch { int n; };
struct Epoch { int n; };
struct Snap { int n; bool final; };
struct End {};
using Item = std::variant<Batch, Epoch, Snap, End>;

BridgePolicy policy(const Item& i) {
  if (std::holds_alternative<Batch>(i)) return BridgePolicy::Thin;
  if (const Snap* s = std::get_if<Snap>(&i)) return s->final ? BridgePolicy::Keep : BridgePolicy::Latest;
  return BridgePolicy::Keep;
}

}  // namespace

TEST(JobBridge, AFastProducerStaysBoundedAndLosesNoEpochOrTheEnd) {
  QObject owner;
  std::vector<Item> got;
  size_t largest_delivery = 0;
  const size_t capacity = 1000;
  JobBridge<Item> bridge(
      &owner, &policy,
      [&](std::vector<Item>&& items) {
        largest_delivery = std::max(largest_delivery, items.size());
        for (Item& i : items) got.push_back(std::move(i));
        QTest::qSleep(30);  // a slow GUI
      },
      capacity);
  bridge.setInterval(50);
  auto queue = bridge.open();
  const int epochs = 40, per_epoch = 20000;
  std::atomic<bool> done{false};
  std::thread producer([&] {
    for (int e = 1; e <= epochs; ++e) {
      for (int b = 0; b < per_epoch; ++b) queue->push(Batch{(e - 1) * per_epoch + b});
      queue->push(Epoch{e});
    }
    queue->push(End{});
    done = true;
  });
  ASSERT_TRUE(wait_for([&] { return done.load() && !got.empty() && std::holds_alternative<End>(got.back()); }, 60000));
  producer.join();
  // Bounded: never more than the capacity plus the items that are never dropped.
  EXPECT_LE(queue->peak(), capacity + epochs + 1);
  EXPECT_LE(largest_delivery, capacity + epochs + 1);
  EXPECT_GT(queue->dropped(), 0u);  // the producer was faster: batches were thinned
  // Every epoch, in order, each after its own batches and before the next epoch's.
  std::vector<int> epoch_order;
  int last_batch = -1;
  for (const Item& i : got) {
    if (const Batch* b = std::get_if<Batch>(&i)) {
      EXPECT_GT(b->n, last_batch);  // batches stay in order too
      last_batch = b->n;
      EXPECT_EQ(b->n / per_epoch, static_cast<int>(epoch_order.size()));
    } else if (const Epoch* e = std::get_if<Epoch>(&i)) {
      epoch_order.push_back(e->n);
    }
  }
  ASSERT_EQ(static_cast<int>(epoch_order.size()), epochs);
  for (int e = 0; e < epochs; ++e) EXPECT_EQ(epoch_order[e], e + 1);
  EXPECT_TRUE(std::holds_alternative<End>(got.back()));
  EXPECT_EQ(got.size() + queue->dropped(), static_cast<size_t>(epochs) * per_epoch + epochs + 1);
}

TEST(JobBridge, ASlowProducerLosesNothingAndSnapshotsKeepTheNewest) {
  QObject owner;
  std::vector<Item> got;
  JobBridge<Item> bridge(&owner, &policy, [&](std::vector<Item>&& items) {
    for (Item& i : items) got.push_back(std::move(i));
  });
  auto queue = bridge.open();
  for (int b = 0; b < 500; ++b) queue->push(Batch{b});
  queue->push(Snap{1, false});
  queue->push(Epoch{1});
  queue->push(Snap{2, false});  // replaces snapshot 1, still queued
  queue->push(Snap{3, true});   // final: kept
  bridge.drain();
  ASSERT_EQ(got.size(), 503u);
  EXPECT_EQ(queue->dropped(), 0u);
  for (int b = 0; b < 500; ++b) EXPECT_EQ(std::get<Batch>(got[b]).n, b);
  EXPECT_EQ(std::get<Epoch>(got[500]).n, 1);
  EXPECT_EQ(std::get<Snap>(got[501]).n, 2);
  EXPECT_EQ(std::get<Snap>(got[502]).n, 3);
  // Closed, nothing more is delivered.
  queue->push(Epoch{2});
  bridge.close();
  bridge.drain();
  EXPECT_EQ(got.size(), 503u);
}
