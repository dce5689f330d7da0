// Shared by the hyperlab-cli commands (main.cpp, runs.cpp, sweep.cpp).
#pragma once

#include <csignal>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "store/runstore.h"

namespace hyperlab::cli {

constexpr int kExitOk = 0, kExitFailed = 1, kExitBadInput = 2, kExitDiverged = 3, kExitCancelled = 130;

extern volatile std::sig_atomic_t g_interrupted;
void on_sigint(int);

/// Prints each line of msg as "error: ..." on stderr; returns kExitBadInput.
int bad_input(const std::string& msg);
/// "0.1234", or "-" for NaN.
std::string fmt(double v, const char* f = "%.4f");

struct Args {
  std::string command, config_file, preset, out, db, format;
  std::string dir;  ///< data download --dir
  bool no_db = false;
  RunFilter filter;
  // runs compare, runs report
  std::string spread;     ///< --spread se|sd ("" = se)
  bool appendix = false;  ///< --appendix
  // sweep
  int workers = 0, threads = 0, batch = 0;
  double time_limit_min = -1;
  bool fresh = false;
  bool quick = false;  ///< sweep --preset: its quick form
  std::string plan, collect;
  // playground
  std::string function, expr, start, minimum;
  std::vector<std::string> optimizers;
  double lr = 0, param = 0;
  int steps = 0, every = 1;
  bool list = false;
  // attack
  std::string epsilon, method;
  double step_size = 0;
  int limit = 0;
  bool random_start = false;
  // export, export-pytorch
  std::string torchscript, weights;
  std::vector<std::string> sets, positionals;
};

extern const char* const kHelp;  ///< --help (help.cpp)

int cmd_runs(const Args& a);   // runs.cpp
int cmd_sweep(const Args& a);  // sweep.cpp
int cmd_sweeps(const Args& a); // sweep.cpp
int cmd_playground(const Args& a);  // playground.cpp
int cmd_data(const Args& a);  // data.cpp
int cmd_attack(const Args& a);  // attack.cpp
int cmd_export(const Args& a);  // export.cpp
int cmd_export_pytorch(const Args& a, const ExperimentConfig& cfg);  // export.cpp

}  // namespace hyperlab::cli
