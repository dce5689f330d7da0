// HYPERLAB_TRACE_UI=1 prints every GUI handler that takes 10 ms or more (a
// larger number sets another threshold in ms, e.g. HYPERLAB_TRACE_UI=3), with
// the CPU time it used: the event loop must never stall 50 ms while a run
// trains, and on a busy machine the wall time is mostly waiting for a core.
#pragma once

#include <QElapsedTimer>
#include <QtGlobal>

#include <time.h>

#include <cstdio>

namespace hyperlab {

struct SlowScope {
  const char* what;
  QElapsedTimer t;
  double cpu0;
  static double thread_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
  }
  static int threshold_ms() {
    static const int ms = [] {
      const int v = qEnvironmentVariableIntValue("HYPERLAB_TRACE_UI");
      return v <= 0 ? -1 : v == 1 ? 10 : v;  // unset: off
    }();
    return ms;
  }
  explicit SlowScope(const char* w) : what(w), cpu0(threshold_ms() > 0 ? thread_cpu_ms() : 0) { t.start(); }
  ~SlowScope() {
    const int at = threshold_ms();
    if (at > 0 && t.elapsed() >= at)
      std::fprintf(stderr, "hyperlab: %s took %lld ms (%.1f ms CPU)\n", what, static_cast<long long>(t.elapsed()),
                   thread_cpu_ms() - cpu0);
  }
};

}  // namespace hyperlab
