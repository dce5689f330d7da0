// Datasets held as one tensor per split: images as uint8 [N,C,H,W] (converted
// per batch), 2-D point sets as float [N,2]; labels int64 [N].
#pragma once

#include <stdexcept>
#include <string>

#include <ATen/ATen.h>

#include "config/experiment.h"
#include "config/shapes.h"

namespace hyperlab {

struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Split {
  at::Tensor x, y;
  int64_t size() const { return y.defined() ? y.size(0) : 0; }
};

class LoadedData {
 public:
  Split train, val, test;
  DataSpec spec;
  /// Per-batch conversion x_float = x * scale + shift (per channel, broadcast over
  /// [C,H,W] or [D]); scale/shift are float tensors of shape [C,1,1] or [D].
  at::Tensor scale, shift;
  bool unit_scale_only = false;  ///< shift is zero and scale a single value
  double scalar_scale = 1.0;
  /// What the loader left out, for people ("skipped 2 of 503 images: ..."); "" if nothing.
  std::string note;
};

/// IDX (MNIST format) file, plain or gzip. Throws DataError naming the file.
at::Tensor read_idx(const std::string& file, int expected_dims);
/// Finds "name" or "name.gz" in dir; throws if neither exists.
std::string find_idx(const std::string& dir, const std::string& name);
/// CIFAR-10 binary batch: returns images uint8 [N,3,32,32] and labels int64 [N].
void read_cifar_batch(const std::string& file, at::Tensor& x, at::Tensor& y);
/// Generated data; same seed, same data.
void make_synthetic(const SyntheticConfig& s, int n, uint64_t seed, at::Tensor& x, at::Tensor& y);

}  // namespace hyperlab
