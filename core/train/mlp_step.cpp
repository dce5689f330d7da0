#include "train/mlp_step.h"

#include <ATen/core/LegacyTypeDispatch.h>
#include <ATen/ops/_log_softmax_backward_data_cpu_dispatch.h>
#include <ATen/ops/_log_softmax_cpu_dispatch.h>
#include <ATen/ops/addmm_cpu_dispatch.h>
#include <ATen/ops/mm_cpu_dispatch.h>
#include <ATen/ops/mul_cpu_dispatch.h>
#include <ATen/ops/nll_loss_backward_cpu_dispatch.h>
#include <ATen/ops/nll_loss_forward_cpu_dispatch.h>
#include <ATen/ops/relu_cpu_dispatch.h>
#include <ATen/ops/sigmoid_backward_cpu_dispatch.h>
#include <ATen/ops/sigmoid_cpu_dispatch.h>
#include <ATen/ops/sum_cpu_dispatch.h>
#include <ATen/ops/tanh_backward_cpu_dispatch.h>
#include <ATen/ops/tanh_cpu_dispatch.h>
#include <ATen/ops/threshold_backward_cpu_dispatch.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/linear.h>

#include <algorithm>
#include <array>

namespace hyperlab {

namespace {

// The view of `flat`'s storage that `p` (a parameter placed in the flat tensor `params`) occupies,
// in `into` (the flat parameters or gradient); undefined when p is not in the flat tensor.
at::Tensor slice_of(const at::Tensor& into, const at::Tensor& params, const at::Tensor& p) {
  if (!p.defined() || !p.is_contiguous() || !p.storage().is_alias_of(params.storage())) return {};
  return into.narrow(0, p.storage_offset() - params.storage_offset(), p.numel()).view(p.sizes());
}

// The first `rows` rows of a kept buffer (the whole buffer without a view op when it has as many).
at::Tensor first_rows(const at::Tensor& buf, int64_t rows) {
  return rows == buf.size(0) ? buf : buf.narrow(0, 0, rows);
}

}  // namespace

std::unique_ptr<MlpStep> MlpStep::make(Network& net, const std::string& loss) {
  const at::Tensor flat = net.flat(), grad = net.flat_grad();
  if (loss != "cross_entropy" || !flat.device().is_cpu() || flat.scalar_type() != at::kFloat || net.first_module() != 0)
    return nullptr;
  for (bool f : net.frozen())
    if (f) return nullptr;
  std::unique_ptr<MlpStep> s(new MlpStep);
  for (const auto& child : net.modules()->children())
    if (!s->add(*child, flat, grad)) return nullptr;  // any other layer: autograd
  if (s->features_ == 0) return nullptr;
  int64_t width = s->features_;
  for (Op& op : s->ops_) {
    if (op.kind == Kind::Linear && op.w.size(1) != width) return nullptr;
    width = op.kind == Kind::Linear ? op.width : (op.width = width);
  }
  const auto f = at::TensorOptions().dtype(at::kFloat);
  s->loss_ = at::empty({}, f), s->total_weight_ = at::empty({}, f), s->one_ = at::ones({}, f);
  return s;
}

bool MlpStep::add(torch::nn::Module& m, const at::Tensor& flat, const at::Tensor& grad) {
  Op op;
  if (auto* f = m.as<torch::nn::FlattenImpl>())  // adds no op: the step's input is [rows, features] already
    return f->options.start_dim() == 1 && f->options.end_dim() == -1;
  if (auto* lin = m.as<torch::nn::LinearImpl>()) {
    op.kind = Kind::Linear, op.width = lin->weight.size(0);
    op.w = slice_of(flat, flat, lin->weight), op.wgrad = slice_of(grad, flat, lin->weight);
    if (!op.w.defined()) return false;
    op.wt = op.w.t();
    if (lin->bias.defined()) {
      op.b = slice_of(flat, flat, lin->bias), op.bgrad = slice_of(grad, flat, lin->bias);
      if (!op.b.defined()) return false;
      op.bgrad = op.bgrad.view({1, op.width});  // as autograd sums the bias's gradient: over rows, kept dims
    }
    if (features_ == 0) first_linear_ = ops_.size(), features_ = lin->weight.size(1);
  } else if (m.as<torch::nn::ReLUImpl>()) {
    op.kind = Kind::Relu;
  } else if (m.as<torch::nn::SigmoidImpl>()) {
    op.kind = Kind::Sigmoid;
  } else if (m.as<torch::nn::TanhImpl>()) {
    op.kind = Kind::Tanh;
  } else if (auto* d = m.as<SeededDropoutImpl>()) {
    op.kind = Kind::Dropout, op.dropout = d;
  } else {
    return false;
  }
  ops_.push_back(std::move(op));
  return true;
}

void MlpStep::reserve(int64_t rows) {
  if (rows <= rows_) return;
  rows_ = rows;
  const auto f = at::TensorOptions().dtype(at::kFloat);
  input_ = at::empty({rows, features_}, f), targets_ = at::empty({rows}, f.dtype(at::kLong));
  int64_t in = features_;
  for (size_t i = 0; i < ops_.size(); ++i) {
    Op& op = ops_[i];
    if (op.kind == Kind::Linear || op.kind == Kind::Dropout) op.out_buf = at::empty({rows, op.width}, f);
    if (op.kind == Kind::Linear && i > first_linear_) op.grad_buf = at::empty({rows, in}, f);
    in = op.width;
  }
  logp_ = at::empty({rows, in}, f), logp_grad_ = at::empty({rows, in}, f), logits_grad_ = at::empty({rows, in}, f);
}

at::Tensor MlpStep::gather(const at::Tensor& x, const at::Tensor& perm, int64_t from, int64_t n) {
  const bool images = x.scalar_type() == at::kByte && x.device().is_cpu() && x.is_contiguous() && x.dim() >= 2 &&
                      x.size(0) > 0 && x.numel() / x.size(0) == features_;
  if (!convert_ || !images || (perm.defined() && (perm.scalar_type() != at::kLong || !perm.is_contiguous()))) return {};
  reserve(n);
  at::Tensor out = first_rows(input_, n);
  const uint8_t* src = x.data_ptr<uint8_t>();
  const int64_t* idx = perm.defined() ? perm.data_ptr<int64_t>() + from : nullptr;
  float* dst = out.data_ptr<float>();
  const int64_t F = features_;
  const float s = scale_;  // as BatchMath: the uint8 value as float, times the scale as float
  for (int64_t r = 0; r < n; ++r) {
    const uint8_t* row = src + (idx ? idx[r] : from + r) * F;
    float* o = dst + r * F;
    for (int64_t j = 0; j < F; ++j) o[j] = static_cast<float>(row[j]) * s;
  }
  // The next batch's rows, scattered over the training set, start coming into the cache now
  // (measured: waiting for them was most of this function's time).
  const int64_t next_end = idx ? std::min<int64_t>(perm.size(0), from + 2 * n) : 0;
  for (int64_t r = from + n; r < next_end; ++r) {
    const uint8_t* row = src + idx[r - from] * F;
    for (int64_t j = 0; j < F; j += 64) __builtin_prefetch(row + j);
    __builtin_prefetch(row + F - 1);
  }
  return out;
}

at::Tensor MlpStep::gather_targets(const at::Tensor& y, const at::Tensor& perm, int64_t from, int64_t n) {
  if (y.scalar_type() != at::kLong || !y.device().is_cpu() || !y.is_contiguous() || y.dim() != 1 ||
      (perm.defined() && (perm.scalar_type() != at::kLong || !perm.is_contiguous())))
    return {};
  if (!perm.defined()) return y.narrow(0, from, n);
  reserve(n);
  at::Tensor out = first_rows(targets_, n);
  const int64_t *src = y.data_ptr<int64_t>(), *idx = perm.data_ptr<int64_t>() + from;
  int64_t* dst = out.data_ptr<int64_t>();
  for (int64_t r = 0; r < n; ++r) dst[r] = src[idx[r]];
  return out;
}

// Each op as its module's forward computes it. An activation works in place on an output that
// nothing else needs (a linear layer's, a dropout's): its backward needs only its own output.
// Elsewhere (the input, which may be the stored data itself; another activation's output) it allocates.
void MlpStep::forward(const at::Tensor& x, int64_t rows) {
  at::Tensor h = x.dim() == 2 ? x : x.reshape({rows, features_});
  bool writable = false;
  for (Op& op : ops_) {
    op.in = h;
    switch (op.kind) {
      case Kind::Linear:
        op.out = first_rows(op.out_buf, rows);
        if (op.b.defined()) at::cpu::addmm_out(op.out, op.b, h, op.wt);  // as at::linear
        else at::cpu::mm_out(op.out, h, op.wt);
        writable = true;
        break;
      case Kind::Relu: op.out = writable ? at::cpu::relu_(h) : at::cpu::relu(h), writable = false; break;
      case Kind::Sigmoid: op.out = writable ? at::cpu::sigmoid_(h) : at::cpu::sigmoid(h), writable = false; break;
      case Kind::Tanh: op.out = writable ? at::cpu::tanh_(h) : at::cpu::tanh(h), writable = false; break;
      case Kind::Dropout:
        op.mask = op.dropout->is_training() && op.dropout->p() > 0 ? op.dropout->mask(h) : at::Tensor();
        op.out = op.mask.defined() ? first_rows(op.out_buf, rows) : h;
        if (op.mask.defined()) at::cpu::mul_out(op.out, h, op.mask), writable = true;
        break;
    }
    h = op.out;
  }
}

// at::cross_entropy_loss's log-softmax and mean NLL, and their backward from a gradient of 1 (loss.backward()).
at::Tensor MlpStep::loss_and_grad(const at::Tensor& logits, const at::Tensor& y, at::Tensor& loss) {
  const int64_t rows = logits.size(0);
  at::Tensor lp = first_rows(logp_, rows), glp = first_rows(logp_grad_, rows), g = first_rows(logits_grad_, rows);
  at::cpu::_log_softmax_out(lp, logits, 1, false);
  at::cpu::nll_loss_forward_out(loss_, total_weight_, lp, y, {}, at::Reduction::Mean, -100);
  at::cpu::nll_loss_backward_out(glp, one_, lp, y, {}, at::Reduction::Mean, -100, total_weight_);
  at::cpu::_log_softmax_backward_data_out(g, glp, lp, 1, at::kFloat);
  loss = loss_;
  return g;
}

// From the logits' gradient down to the first linear layer, as autograd's nodes compute it; the
// weight and bias gradients go straight into their slices of the flat gradient.
void MlpStep::backward(at::Tensor g, int64_t rows) {
  static const std::array<int64_t, 1> kRows{0};
  for (size_t i = ops_.size(); i-- > first_linear_;) {
    Op& op = ops_[i];
    switch (op.kind) {
      case Kind::Relu: at::cpu::threshold_backward_out(g, g, op.out, 0); break;
      case Kind::Sigmoid: at::cpu::sigmoid_backward_out(g, g, op.out); break;
      case Kind::Tanh: at::cpu::tanh_backward_out(g, g, op.out); break;
      case Kind::Dropout:
        if (op.mask.defined()) at::cpu::mul_out(g, g, op.mask);
        break;
      case Kind::Linear:
        at::cpu::mm_out(op.wgrad, g.t(), op.in);
        if (op.b.defined()) at::cpu::sum_out(op.bgrad, g, at::IntArrayRef(kRows), true);
        if (i > first_linear_) {
          at::Tensor gin = first_rows(op.grad_buf, rows);
          at::cpu::mm_out(gin, g, op.w);
          g = gin;
        }
        break;
    }
  }
}

void MlpStep::run(const at::Tensor& x, const at::Tensor& y, at::Tensor& logits, at::Tensor& loss) {
  at::AutoDispatchBelowADInplaceOrView below_autograd;  // no graph: nothing here needs one
  const int64_t rows = x.size(0);
  reserve(rows);
  forward(x, rows);
  logits = ops_.back().out;
  backward(loss_and_grad(logits, y, loss), rows);
}

}  // namespace hyperlab
