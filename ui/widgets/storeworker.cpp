#include "ui/widgets/storeworker.h"

namespace hyperlab {

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
