// CUDA graphs for the training step (issue 17). On a CUDA device whose
// LibTorch has at::cuda::CUDAGraph (2.x built with CUDA; this unit is
// compiled with HYPERLAB_TORCH_CUDA=1 there), a full batch's step is launched
// as two captured graphs instead of some hundred kernels:
//   head: zero the gradient, forward, loss, backward, the L1/L2 terms;
//   then every callback's after_backward, uncaptured (the gradient diagnostics);
//   tail: clipping and, for SGD, the optimizer's step (other optimizers step
//         after it, uncaptured: LibTorch computes their step-dependent factors on the CPU).
// The batch is copied into static input and target buffers of the batch size;
// the first kGraphWarmup full batches run uncaptured (the first as the loop's
// own step, which makes the optimizer's state; the others on the capture's
// side stream, for its lazy state: cuBLAS workspaces), the next one captures
// and every later one replays. The smaller last batch of an epoch
// runs uncaptured. A learning rate that changed since the tail was captured
// (a schedule's new epoch) recaptures the tail. The loop's train_batch calls
// replay() first and trains the batch itself when it returns false. Elsewhere
// (the CPU, LibTorch 1.13) the piece is a no-op. What decides is
// train/graphplan.h. Internal to core (LibTorch).
#pragma once

#include <memory>
#include <vector>

#include "train/graphplan.h"
#include "train/loop.h"

namespace hyperlab {

class CudaGraphs : public Callback {
 public:
  explicit CudaGraphs(GraphPlan plan);
  ~CudaGraphs() override;
  const GraphPlan& plan() const { return plan_; }
  /// graph_batches, when the plan is on: the share of the epoch's batches replayed.
  std::vector<MetricInfo> metrics() const override;
  /// The plan's note onto the run's device line (RunStart::device).
  void run_begin(Loop& l) override;
  void epoch_begin(Loop& l) override;
  void epoch_end(Loop& l) override;
  void run_end(Loop& l) override;
  /// The batch's step (warm-up, capture or replay) with l.logits and l.loss set; false:
  /// not this batch (off, a smaller batch, a capture that failed): the loop trains it.
  bool replay(Loop& l, const std::vector<Callback*>& cbs, const at::Tensor& x, const at::Tensor& y);
  struct Impl;  ///< the graphs, streams and static buffers (cuda_graph.cpp)

 private:
  void turn_off(Loop& l, const std::string& why);
  GraphPlan plan_;
  bool declared_ = false;  // graph_batches (the plan was on at the start)
  std::unique_ptr<Impl> d_;
  int replayed_ = 0;  // this epoch's batches replayed
};

}  // namespace hyperlab
