// The one bridge from a worker thread to the GUI thread: the worker pushes
// small items into a bounded queue under a mutex (never waiting for the GUI),
// and a timer on the GUI thread takes everything queued about ten times a
// second and hands it over in order, as one batch.
//
// Bounded: when the GUI falls behind and the queue is full, items the policy
// calls Thin (batch events) are thinned, every other one of those queued
// dropped, so the curve keeps its shape; Keep items (epochs, the end of a run)
// are never dropped; a Latest item (a snapshot) replaces the Latest one still
// queued. The run and sweep controllers both use it.
#pragma once

#include <QObject>
#include <QTimer>

#include <algorithm>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace hyperlab {

enum class BridgePolicy { Keep, Thin, Latest };

template <class Item>
class JobBridge {
 public:
  using Policy = std::function<BridgePolicy(const Item&)>;
  using Deliver = std::function<void(std::vector<Item>&&)>;

  /// The queue the worker writes to; shared, so it may outlive the bridge.
  class Queue {
   public:
    Queue(Policy policy, size_t capacity) : policy_(std::move(policy)), capacity_(capacity) {}
    /// Worker side: enqueue, thinning Thin items when full. Never blocks on the GUI.
    void push(Item item) {
      const BridgePolicy p = policy_(item);
      std::lock_guard<std::mutex> l(m_);
      if (p == BridgePolicy::Latest) {
        auto it = std::find_if(items_.begin(), items_.end(),
                               [this](const Item& q) { return policy_(q) == BridgePolicy::Latest; });
        if (it != items_.end()) items_.erase(it);
      } else if (p == BridgePolicy::Thin && items_.size() >= capacity_) {
        thin();
      }
      items_.push_back(std::move(item));
      peak_ = std::max(peak_, items_.size());
    }
    /// GUI side: everything queued, in order.
    std::vector<Item> take() {
      std::lock_guard<std::mutex> l(m_);
      std::vector<Item> out(std::make_move_iterator(items_.begin()), std::make_move_iterator(items_.end()));
      items_.clear();
      return out;
    }
    size_t size() const {
      std::lock_guard<std::mutex> l(m_);
      return items_.size();
    }
    size_t peak() const {
      std::lock_guard<std::mutex> l(m_);
      return peak_;
    }
    size_t dropped() const {
      std::lock_guard<std::mutex> l(m_);
      return dropped_;
    }
    size_t capacity() const { return capacity_; }

   private:
    // Drops every other Thin item (under the lock); amortised O(1) per push.
    void thin() {
      std::deque<Item> kept;
      bool drop = false;
      for (Item& q : items_) {
        if (policy_(q) == BridgePolicy::Thin && (drop = !drop)) {
          ++dropped_;
          continue;
        }
        kept.push_back(std::move(q));
      }
      items_.swap(kept);
    }
    Policy policy_;
    const size_t capacity_;
    mutable std::mutex m_;
    std::deque<Item> items_;
    size_t peak_ = 0, dropped_ = 0;
  };

  /// Build it on the GUI thread: the timer runs there, and deliver() is called there (in owner's context).
  JobBridge(QObject* owner, Policy policy, Deliver deliver, size_t capacity = 1 << 16)
      : policy_(std::move(policy)), deliver_(std::move(deliver)), capacity_(capacity) {
    timer_.setInterval(100);
    QObject::connect(&timer_, &QTimer::timeout, owner, [this] { drain(); });
  }
  JobBridge(const JobBridge&) = delete;
  JobBridge& operator=(const JobBridge&) = delete;

  /// A fresh queue for a new job, and the timer started; give the queue to the worker.
  std::shared_ptr<Queue> open() {
    queue_ = std::make_shared<Queue>(policy_, capacity_);
    timer_.start();
    return queue_;
  }
  /// Stops draining and forgets the queue (what is left in it is not delivered).
  void close() {
    timer_.stop();
    queue_.reset();
  }
  /// Delivers what is queued now (the timer does this on its own).
  void drain() {
    if (!queue_) return;
    std::shared_ptr<Queue> q = queue_;  // deliver() may close()
    std::vector<Item> items = q->take();
    if (!items.empty()) deliver_(std::move(items));
  }
  void setInterval(int ms) { timer_.setInterval(ms); }
  bool active() const { return static_cast<bool>(queue_); }
  const Queue* queue() const { return queue_.get(); }

 private:
  QTimer timer_;
  Policy policy_;
  Deliver deliver_;
  size_t capacity_;
  std::shared_ptr<Queue> queue_;
};

}  // namespace hyperlab
