// A network's flat parameters as a leaf copy, handed out in the network's
// order, for tests that write the same network out in functional ops and
// compare outputs and gradients: weights by index, then the other parameters
// (biases, norm parameters) one after another.
#pragma once

#include <ATen/ATen.h>

#include "model/network.h"

namespace hyperlab {

struct FlatParams {
  explicit FlatParams(Network& net)
      : flat(net.flat().detach().clone().requires_grad_(true)), off(net.weight_numel()), net_(net) {}
  /// Weight k in `shape`.
  at::Tensor w(size_t k, at::IntArrayRef shape) const {
    return flat.narrow(0, net_.weights()[k].offset, net_.weights()[k].numel).view(shape);
  }
  /// The next n other parameters.
  at::Tensor next(int64_t n) {
    at::Tensor t = flat.narrow(0, off, n);
    off += n;
    return t;
  }
  /// Training-mode batch norm with the next c weights and c biases.
  at::Tensor bn(const at::Tensor& x, int64_t c) {
    at::Tensor g = next(c), b = next(c);
    return at::batch_norm(x, g, b, {}, {}, true, 0.1, 1e-5, false);
  }
  at::Tensor flat;
  int64_t off;  ///< where the next other parameter starts (all used: off == flat.numel())

 private:
  Network& net_;
};

}  // namespace hyperlab
