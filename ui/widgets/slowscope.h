// HYPERLAB_TRACE_UI=1 prints every GUI handler that takes 10 ms or more: the
// event loop must never stall 50 ms while a run trains.
#pragma once

#include <QElapsedTimer>
#include <QtGlobal>

#include <cstdio>

namespace hyperlab {

struct SlowScope {
  const char* what;
  QElapsedTimer t;
  explicit SlowScope(const char* w) : what(w) { t.start(); }
  ~SlowScope() {
    static const bool on = qEnvironmentVariableIsSet("HYPERLAB_TRACE_UI");
    if (on && t.elapsed() >= 10) std::fprintf(stderr, "hyperlab: %s took %lld ms\n", what, static_cast<long long>(t.elapsed()));
  }
};

}  // namespace hyperlab
