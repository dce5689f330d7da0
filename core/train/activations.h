// What each layer makes of one image: the outputs of a network's top-level
// layers for one preview test image, as small pictures (feature maps) and
// values (flat outputs), for the Activations view. Each epoch's Snapshot
// carries them for the image the window asks for (RunCallbacks::
// activation_image); before training, and for other images after it,
// compute_activations() builds the network from a config (with its seed's
// initialisation, or a run's checkpoint) and runs the image through it.
//
// Torch-free (the GUI includes it); the structs are in train/events.h.
// Everything runs in evaluation mode, under no-grad.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "train/events.h"

namespace hyperlab {

class LoadedData;

/// What compute_activations runs.
struct ActivationRequest {
  ExperimentConfig config;  ///< checked (check_config's); its data must be `data`
  std::shared_ptr<const LoadedData> data;  ///< loaded for config's data settings and seed
  int image = 0;            ///< a preview test image: 0 .. min(kPreviewTestImages, test size) - 1
  /// "" = the network as a run of config starts (its seed's initialisation, and
  /// model.init_from when it names a file); else a run's checkpoint: its weights.
  std::string checkpoint;
};

/// Builds the network and runs the image through it. Never throws: a bad
/// config, data without test images, an image out of range or an unreadable
/// checkpoint come back as Activations::error.
Activations compute_activations(const ActivationRequest& r);

}  // namespace hyperlab
