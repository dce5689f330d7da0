// The CPU fast path behind conv2d (model/layer_modules.h): a convolution in
// channels-last memory (oneDNN's fast layout) over the flat tensor's NCHW weights.
// (A direct 2x2 max-pool with its own backward was tried on 2026-12-01: 3x
// faster forward alone, but cnn-small trained 20-30 % slower on 2 threads with
// it than with at::max_pool2d, and no faster on 1; at::max_pool2d stays.)
#include "model/layer_modules.h"

namespace hyperlab {

namespace {

constexpr auto kChannelsLast = at::MemoryFormat::ChannelsLast;

// t in channels-last memory, with channels-last strides even for one channel:
// there contiguous(ChannelsLast) keeps the NCHW strides (both layouts hold), and
// oneDNN, reading the layout from the strides, would take NCHW (measured 7x
// slower on Fashion-MNIST's first conv, forward and backward).
at::Tensor channels_last(const at::Tensor& t) {
  if (t.size(1) != 1) return t.contiguous(kChannelsLast);
  if (t.suggest_memory_format() == kChannelsLast) return t;
  return at::empty(t.sizes(), t.options().memory_format(kChannelsLast)).copy_(t);
}

}  // namespace

at::Tensor ConvImpl::forward(const at::Tensor& x) {
  if (!x.device().is_cpu() || x.dim() != 4) return torch::nn::Conv2dImpl::forward(x);
  // The weights stay NCHW in the flat tensor; the copy's gradient flows back into it.
  return at::conv2d(channels_last(x), channels_last(weight), bias, {stride_, stride_}, {padding_, padding_});
}

}  // namespace hyperlab
