// N processes that each keep one core busy while this object lives: a user's
// machine is never idle (hyperlab-bench --load N, hyperlab-bench-gui --busy N).
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

struct BusyLoad {
  std::vector<pid_t> pids;
  explicit BusyLoad(int n) {
    for (int i = 0; i < n; ++i) {
      pid_t p = fork();
      if (p == 0) {
        volatile unsigned long x = 0;
        for (;;) x = x + 1;
      }
      if (p > 0) pids.push_back(p);
    }
    if (n > 0) usleep(200 * 1000);  // let the scheduler place them
  }
  ~BusyLoad() {
    for (pid_t p : pids) kill(p, SIGKILL);
    for (pid_t p : pids) waitpid(p, nullptr, 0);
  }
};
