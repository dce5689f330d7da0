// Builds DataPreview and Snapshot (events.h) from tensors: the pictures the
// GUI shows of the data and of the model. Internal to core.
#pragma once

#include <functional>
#include <vector>

#include <ATen/ATen.h>

#include "config/experiment.h"
#include "data/dataset.h"
#include "model/network.h"
#include "train/events.h"

namespace hyperlab {

class SnapshotMaker {
 public:
  using Convert = std::function<at::Tensor(const at::Tensor&)>;
  /// layers: expanded; the tensors it needs are copied to dev once.
  SnapshotMaker(const LoadedData& data, const std::vector<LayerConfig>& layers, const at::Device& dev);
  /// Runs the model in eval mode (restores train mode afterwards); with
  /// activation_image >= 0, the layers' outputs for that preview test image too.
  Snapshot make(Network& net, const Convert& convert, int epoch, bool final, int activation_image = -1);
  /// Keeps the first layer's filters as they are now (the run's start), for every snapshot after.
  void remember_start(Network& net);

 private:
  at::Tensor test_x_;  // the preview test images, on the device
  at::Tensor test_y_;  // their labels, on the CPU
  std::vector<LayerConfig> layers_;
  int classes_ = 0;
  at::Tensor grid_x_;  // plane grid points [grid*grid, 2] (2-D data)
  int grid_ = 0;
  int filter_count_ = 0, filter_c_ = 0, filter_h_ = 0, filter_w_ = 0;
  std::string filter_layer_;
  std::vector<float> start_filters_;
  std::vector<float> filters_of(Network& net) const;  // empty when the first layer is not pictures
};

/// The top-level layers' outputs for one network input x [1, ...] (train/activations.cpp):
/// in evaluation mode under no-grad, the network's mode restored after. `layers`: expanded.
Activations layer_activations(Network& net, const std::vector<LayerConfig>& layers, const at::Tensor& x, int classes);

}  // namespace hyperlab
