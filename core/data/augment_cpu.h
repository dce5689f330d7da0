// Direct CPU kernels behind the augmentations of data/augment.cpp (internal to
// data/): one pass over a uint8 batch [B,C,H,W] each, images in parallel
// (at::parallel_for), no random draws of their own, so the same draws give the
// same bytes whatever the thread count. Other devices use the ATen-op path.
#pragma once

#include <cstdint>
#include <vector>

namespace at {
class Tensor;
}

namespace hyperlab::augment_cpu {

/// out[b,c,i,j] = x[b,c,rows[b*H+i],cols[b*W+j]], 0 where either index is -1:
/// crops (zero or reflect padding) and mirrors, composed into one gather.
at::Tensor gather(const at::Tensor& x, const std::vector<int32_t>& rows, const std::vector<int32_t>& cols);

/// The inverse affine map of image b, in pixel indices: output pixel (row i, column j) reads
/// the input at column a[0]*j + a[1]*i + a[2], row a[3]*j + a[4]*i + a[5] (a = coef + 6*b).
/// keep[b] != 0 copies image b unchanged. Nearest (round half to even, as grid_sample) or
/// bilinear sampling; `fill` where the source is outside, rounded and clipped to 0..255.
at::Tensor affine(const at::Tensor& x, const std::vector<double>& coef, const std::vector<uint8_t>& keep, bool nearest,
                  double fill);

/// Sets rows [y0[b], y0[b]+size) x columns [x0[b], x0[b]+size) (cut at the border) of every
/// channel of image b to 0 where on[b], in place (x contiguous).
void cutout(at::Tensor& x, const std::vector<int64_t>& y0, const std::vector<int64_t>& x0, int64_t size,
            const std::vector<uint8_t>& on);

}  // namespace hyperlab::augment_cpu
