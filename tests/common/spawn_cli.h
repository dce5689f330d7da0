// Starts the real hyperlab-cli (HYPERLAB_CLI, defined by the build) in a child
// process with its output discarded, for tests that kill it mid-run.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <string>
#include <vector>

inline pid_t spawn_cli(std::vector<std::string> args) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1), ::dup2(devnull, 2);
    std::vector<char*> argv{const_cast<char*>(HYPERLAB_CLI)};
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(HYPERLAB_CLI, argv.data());
    ::_exit(127);
  }
  return pid;
}
