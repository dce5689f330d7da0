// A plain MLP's training step written out by hand, without autograd: what the
// small models are bound by is the per-batch cost of building and walking the
// autograd graph (a node, saved tensors and an AccumulateGrad per op), not
// their matrix products. For a network of flatten, linear, relu, sigmoid, tanh
// and dropout layers trained with cross entropy on the CPU, the step calls the
// very kernels autograd would (addmm forward; the activation's backward on its
// output; the two gradient products and the bias sum; log-softmax and NLL and
// their backward), in the same order on the same layouts, into buffers kept
// from batch to batch, with each gradient product written straight into its
// slice of the network's flat gradient (model/network.h). So the loss, the
// logits and every gradient are autograd's to the bit (tests/core/train/
// mlp_step_test.cpp). Anything else (other layers, frozen blocks, mse, a GPU)
// goes through autograd as before. Internal to core (LibTorch).
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "model/network.h"

namespace hyperlab {

class MlpStep {
 public:
  /// The step for `net` when it is a plain MLP that trains with `loss` on the CPU in float with
  /// nothing frozen; else null (the loop then uses autograd).
  static std::unique_ptr<MlpStep> make(Network& net, const std::string& loss);
  /// Batches stored as uint8 become float(x) * scale (BatchMath::unit_scale); NaN: not converted here.
  void set_input_scale(double scale) { scale_ = static_cast<float>(scale); convert_ = scale == scale; }
  /// Rows perm[from, from + n) (perm undefined: in order) of the stored uint8 images `x` as the
  /// network's float input [n, features], gathered and converted in one pass into a kept buffer;
  /// undefined when this step does not convert `x` (set_input_scale, or not uint8 and contiguous).
  at::Tensor gather(const at::Tensor& x, const at::Tensor& perm, int64_t from, int64_t n);
  /// Rows perm[from, from + n) of the stored targets (int64), into a kept buffer; undefined when not int64 on the CPU.
  at::Tensor gather_targets(const at::Tensor& y, const at::Tensor& perm, int64_t from, int64_t n);
  /// Forward, loss and backward of the input batch `x` (the network's input) with targets `y`:
  /// every gradient of the network's flat gradient is overwritten. `logits` and `loss` are what
  /// Network::forward and BatchMath::loss give (views of buffers the next call reuses).
  void run(const at::Tensor& x, const at::Tensor& y, at::Tensor& logits, at::Tensor& loss);

 private:
  enum class Kind { Linear, Relu, Sigmoid, Tanh, Dropout };
  struct Op {
    Kind kind = Kind::Linear;
    int64_t width = 0;               ///< output features
    at::Tensor w, b, wgrad, bgrad;   ///< linear: views of the flat parameters and gradient (b: none without a bias)
    at::Tensor wt;                   ///< w transposed (a view), as at::linear multiplies by it
    SeededDropoutImpl* dropout = nullptr;
    at::Tensor out_buf, grad_buf;    ///< [rows, width]: the output and the gradient wrt this op's input
    at::Tensor in, out, mask;        ///< this batch's input and output (views), dropout's mask
  };
  MlpStep() = default;
  /// Appends the op of one top-level module (a flatten adds none); false: a module the step does not take.
  bool add(torch::nn::Module& m, const at::Tensor& flat, const at::Tensor& grad);
  void reserve(int64_t rows);
  void forward(const at::Tensor& x, int64_t rows);
  at::Tensor loss_and_grad(const at::Tensor& logits, const at::Tensor& y, at::Tensor& loss);
  void backward(at::Tensor g, int64_t rows);

  std::vector<Op> ops_;
  size_t first_linear_ = 0;  ///< ops before it need no gradient
  int64_t features_ = 0;     ///< the network's input features
  int64_t rows_ = 0;         ///< batch rows the buffers hold
  at::Tensor input_, targets_, logp_, logp_grad_, logits_grad_, loss_, total_weight_, one_;
  float scale_ = 1;
  bool convert_ = false;
};

}  // namespace hyperlab
