#include "ui/widgets/storeworker.h"

namespace hyperlab {

std::vector<RunRecord> load_runs(const std::string& path, const std::vector<int64_t>& ids) {
  RunStore store(path);
  std::vector<RunRecord> recs;
  for (int64_t id : ids)
    if (auto r = store.load(id)) recs.push_back(std::move(*r));
  return recs;
}

StoreWorker::StoreWorker(QObject* parent) : QObject(parent) {
  pool_.setMaxThreadCount(1);
  pool_.setExpiryTimeout(-1);  // one thread for the connection's whole life
}

StoreWorker::~StoreWorker() {
  pool_.clear();
  pool_.waitForDone();
}

void StoreWorker::delivered() {
  if (--pending_ > 0) return;
  end_busy(busy_widget_);
  Q_EMIT idle();
}

}  // namespace hyperlab
