// What changes the gradient besides the data loss, as the training loop
// applies it to the flat gradient each batch: the L1 and L2 terms on the
// weights (not the biases), then Gaussian gradient noise and clipping of the
// gradient norm (as torch.nn.utils.clip_grad_norm_). And the penalty itself,
// for the epoch's record.
#pragma once

#include <ATen/ATen.h>

#include "config/experiment.h"

namespace hyperlab {

class Regularisers {
 public:
  /// flat[0:weights) are the weights; `gen` draws the noise.
  Regularisers(const TrainingConfig& t, const at::Tensor& flat, const at::Tensor& grad, int64_t weights,
               at::Generator& gen);
  /// After backward: adds the L1 and L2 terms' gradients.
  void add_penalty_gradients();
  /// After the diagnostics have read the objective's gradient: noise, then clipping.
  void noise_and_clip();
  /// l1 * sum|w| + l2 * sum w^2 now.
  double penalty() const;

 private:
  double l1_, l2_, noise_std_, clip_;
  at::Tensor grad_, wflat_, wgrad_, noise_;
  at::Generator& gen_;
  at::Generator device_gen_;  ///< gradient noise on a GPU (model/network.h: generator_for)
};

}  // namespace hyperlab
