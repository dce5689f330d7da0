#include "train/cuda_graph.h"

#include <string>

#include "train/metrics.h"

// The CUDA part needs a LibTorch built with CUDA (CMake defines
// HYPERLAB_TORCH_CUDA=1 when Torch's CMake files found its CUDA libraries)
// and its CUDAGraph header; elsewhere (Debian's CPU LibTorch) the piece is a no-op.
#if defined(HYPERLAB_TORCH_CUDA) && HYPERLAB_TORCH_CUDA && __has_include(<ATen/cuda/CUDAGraph.h>)
#define HYPERLAB_CUDA_GRAPHS 1
#include <ATen/cuda/CUDAGraph.h>
#include <c10/core/Event.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#else
#define HYPERLAB_CUDA_GRAPHS 0
#endif
#if defined(HYPERLAB_REQUIRE_CUDA_GRAPHS) && !HYPERLAB_CUDA_GRAPHS  // packaging/torch2-check.sh --cuda
#error "the CUDA graphs are left out: HYPERLAB_TORCH_CUDA=1 and ATen/cuda/CUDAGraph.h are needed"
#endif

namespace hyperlab {

bool cuda_graphs_built() { return HYPERLAB_CUDA_GRAPHS != 0; }

namespace {

const char* const kGraphMetric = "graph_batches";

}  // namespace

#if HYPERLAB_CUDA_GRAPHS

namespace {

using Graph = at::cuda::CUDAGraph;
using c10::cuda::CUDAStream;

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

// `waiter` waits for the work queued on `on` so far (no wait on the CPU).
void wait_for(const CUDAStream& waiter, const CUDAStream& on) {
  c10::Event e(c10::DeviceType::CUDA);
  e.record(on);
  e.block(waiter);
}

// The step in two parts around the callbacks' after_backward, exactly as the
// loop's train_batch (train/loop.cpp) has it: keep the two in step.
void head_step(Loop& l, const at::Tensor& x, const at::Tensor& y, at::Tensor& logits, at::Tensor& loss) {
  logits = l.net.forward(l.math.input(x));
  loss = l.math.loss(logits, y);
  l.grad.zero_();
  if (loss.requires_grad()) loss.backward();  // not when every block is frozen (then the graphs turn off)
  l.regularisers.add_penalty_gradients();
}
void tail_step(Loop& l, bool optimizer) {
  l.regularisers.noise_and_clip();
  if (optimizer) l.opt.step();
}

std::vector<double> group_lrs(torch::optim::Optimizer& o) {
  std::vector<double> r;
  for (auto& g : o.param_groups()) r.push_back(g.options().get_lr());
  return r;
}

// Captures `body` on `side` into a new graph; a failure ends the capture before it is rethrown.
template <class F>
std::unique_ptr<Graph> capture(const CUDAStream& side, F&& body) {
  auto g = std::make_unique<Graph>();
  c10::cuda::CUDAStreamGuard guard(side);
  // Thread-local: another run's thread (a sweep's parallel trials) may use the device meanwhile.
  g->capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
  try {
    body();
  } catch (...) {
    try {
      g->capture_end();
    } catch (...) {
    }
    throw;
  }
  g->capture_end();
  return g;
}

}  // namespace

struct CudaGraphs::Impl {
  explicit Impl(c10::DeviceIndex dev) : device(dev), side(c10::cuda::getStreamFromPool(false, dev)) {}
  CUDAStream main() const { return c10::cuda::getCurrentCUDAStream(device); }
  /// Waits for every launch so far (before a graph is destroyed: its last replay may still run).
  void drain() const { main().synchronize(), side.synchronize(); }

  c10::DeviceIndex device;
  CUDAStream side;                  // warm-up and capture
  at::Tensor x, y, logits, loss;    // the static batch, the captured step's outputs
  std::unique_ptr<Graph> head, tail;
  bool tail_optimizer = false;      // the tail holds the optimizer's step
  std::vector<double> lrs;          // the learning rates it holds
  int warmed = 0, tail_captures = 0;  // tail_captures: this epoch's
};

namespace {

// An uncaptured step on the side stream, on the static buffers. The first
// warm-up is the loop's own step on the main stream (replay() declines it), so
// what lives on (the optimizer's state, the static buffers) is allocated there;
// what the main stream reads of this step's (logits, loss) is marked as used by it.
void warm_up(CudaGraphs::Impl& d, Loop& l, const std::vector<Callback*>& cbs, const at::Tensor& x,
             const at::Tensor& y) {
  const CUDAStream main = d.main();
  if (!d.x.defined()) d.x = at::empty_like(x), d.y = at::empty_like(y);
  wait_for(d.side, main);
  {
    c10::cuda::CUDAStreamGuard guard(d.side);
    d.x.copy_(x), d.y.copy_(y);
    head_step(l, d.x, d.y, l.logits, l.loss);
    for (Callback* c : cbs) c->after_backward(l);
    tail_step(l, true);
  }
  wait_for(main, d.side);
  l.logits.record_stream(main), l.loss.record_stream(main);
  ++d.warmed;
}

// The tail (clipping, and the optimizer's step when `optimizer`); none when it would be empty.
void capture_tail(CudaGraphs::Impl& d, Loop& l, bool optimizer) {
  d.tail.reset();
  d.tail_optimizer = optimizer, d.lrs = group_lrs(l.opt);
  ++d.tail_captures;
  if (!optimizer && !(l.cfg.training.clip_grad_norm > 0)) return;
  wait_for(d.side, d.main());
  d.tail = capture(d.side, [&] { tail_step(l, optimizer); });
  wait_for(d.main(), d.side);
}

}  // namespace

CudaGraphs::CudaGraphs(GraphPlan plan) : plan_(std::move(plan)), declared_(plan_.on) {}
CudaGraphs::~CudaGraphs() = default;

void CudaGraphs::run_begin(Loop& l) {
  if (!plan_.note.empty()) l.result.info.device += " (" + plan_.note + ")";
  if (plan_.on) d_ = std::make_unique<Impl>(l.flat.device().index());
}

bool CudaGraphs::replay(Loop& l, const std::vector<Callback*>& cbs, const at::Tensor& x, const at::Tensor& y) {
  if (!plan_.on || !d_ || x.size(0) != l.cfg.training.batch_size) return false;  // the smaller last batch
  Impl& d = *d_;
  if (d.x.defined() && (!d.x.sizes().equals(x.sizes()) || d.x.dtype() != x.dtype())) return false;
  if (d.warmed == 0) {  // the first warm-up: the loop's own step, on the main stream
    ++d.warmed;
    return false;
  }
  if (d.warmed < kGraphWarmup) {
    warm_up(d, l, cbs, x, y);
    if (!l.loss.requires_grad()) turn_off(l, "no block trains (model.freeze)");
    return true;
  }
  try {
    if (!d.head) {
      wait_for(d.side, d.main());
      d.head = capture(d.side, [&] { head_step(l, d.x, d.y, d.logits, d.loss); });
      wait_for(d.main(), d.side);
      capture_tail(d, l, plan_.optimizer);
    } else if (d.tail_optimizer && group_lrs(l.opt) != d.lrs) {  // a new learning rate: the tail holds the old one
      d.drain();
      const bool again = d.tail_captures > 0;  // a second change within the epoch: per-step rates
      capture_tail(d, l, !again);
      if (again) l.result.info.device += " (CUDA graphs: the learning rate changes within epochs, so the " +
                                         l.cfg.training.optimizer.type + " step runs after the replay)";
    }
  } catch (const std::exception& e) {
    turn_off(l, "the capture failed: " + first_line(e.what()));
    return false;
  }
  d.x.copy_(x), d.y.copy_(y);
  d.head->replay();
  l.logits = d.logits, l.loss = d.loss;
  for (Callback* c : cbs) c->after_backward(l);  // uncaptured: the gradient diagnostics read it here
  if (d.tail) d.tail->replay();
  else l.regularisers.noise_and_clip();  // nothing to do (the plan has no noise, the config no clipping)
  if (!d.tail_optimizer) l.opt.step();
  ++replayed_;
  return true;
}

void CudaGraphs::turn_off(Loop& l, const std::string& why) {
  plan_.on = false;
  l.result.info.device += " (CUDA graphs off from epoch " + std::to_string(l.epoch) + " batch " +
                          std::to_string(l.batch + 1) + ": " + why + ")";
  if (!d_) return;
  d_->drain();
  d_.reset();
}

void CudaGraphs::run_end(Loop&) {
  if (!d_) return;
  d_->drain();
  d_.reset();
}

#else  // no CUDA graphs in this build: the plan is never on

struct CudaGraphs::Impl {};

CudaGraphs::CudaGraphs(GraphPlan plan) : plan_(std::move(plan)) { plan_.on = false; }  // declared_ false
CudaGraphs::~CudaGraphs() = default;
void CudaGraphs::run_begin(Loop& l) {
  if (!plan_.note.empty()) l.result.info.device += " (" + plan_.note + ")";
}
bool CudaGraphs::replay(Loop&, const std::vector<Callback*>&, const at::Tensor&, const at::Tensor&) { return false; }
void CudaGraphs::turn_off(Loop&, const std::string&) {}
void CudaGraphs::run_end(Loop&) {}

#endif

std::vector<MetricInfo> CudaGraphs::metrics() const {
  if (!declared_) return {};
  MetricInfo m;
  m.name = kGraphMetric, m.label = "share of batches replayed from the CUDA graph", m.csv = kGraphMetric;
  m.higher_is_better = true;
  return {m};
}

void CudaGraphs::epoch_begin(Loop&) {
  replayed_ = 0;
#if HYPERLAB_CUDA_GRAPHS
  if (d_) d_->tail_captures = 0;
#endif
}

void CudaGraphs::epoch_end(Loop& l) {
  if (declared_) set_metric(l.event, kGraphMetric, l.batches > 0 ? double(replayed_) / l.batches : 0.0);
}

}  // namespace hyperlab
