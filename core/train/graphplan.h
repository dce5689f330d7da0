// Whether a run's training step is captured into CUDA graphs
// (train/cuda_graph.h), decided once at the run's start from its config and
// what this build and device can do: one pure function, so the decision is
// tested without a GPU. Torch-free.
#pragma once

#include <cstdint>
#include <string>

#include "config/experiment.h"

namespace hyperlab {

/// What the decision looks at.
struct GraphNeeds {
  bool setting = true;      ///< training.cuda_graphs
  bool cuda = false;        ///< the run trains on a CUDA device
  bool available = false;   ///< this build's LibTorch has at::cuda::CUDAGraph (cuda_graphs_built())
  bool dropout = false;     ///< a dropout layer with p > 0 (it draws from the run's own CUDA generator)
  bool grad_noise = false;  ///< training.grad_noise_std > 0 (the same)
  int64_t train_size = 0, batch_size = 0;
  int epochs = 0;
  std::string optimizer;    ///< training.optimizer.type
};

/// The decision.
struct GraphPlan {
  bool on = false;         ///< full batches replay the captured step
  bool optimizer = false;  ///< the optimizer's step is in the graph too (else it runs after each replay)
  /// One line for the run's device ("CUDA graphs on: ...", "CUDA graphs off: why"); empty on the CPU.
  std::string note;
};

/// Warm-up steps (eager, on the capture's stream) before the step is captured.
constexpr int kGraphWarmup = 3;

/// From the config: everything but `cuda` and `available`, which the caller knows.
GraphNeeds graph_needs(const ExperimentConfig& c, int64_t train_size);
GraphPlan plan_cuda_graphs(const GraphNeeds& n);
/// True when this build was compiled with CUDA graphs (HYPERLAB_TORCH_CUDA and ATen/cuda/CUDAGraph.h).
bool cuda_graphs_built();

}  // namespace hyperlab
