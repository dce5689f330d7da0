// Augmentations of the training batches: one table entry each (its settings
// with ranges and docs, and what it does to a uint8 batch [B,C,H,W]). Config
// reading and writing and docs/config.md follow from the table. The random
// draws come from the run's seed, the epoch and the batch, so a run is
// reproducible bit for bit and a resumed run sees the same batches.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "config/setting.h"

namespace at {
class Tensor;
}

namespace hyperlab {

struct ImageBatch;  // train/events.h

using AugmentSetting = Setting<AugmentConfig>;

struct AugmentKind {
  std::string name;  ///< "crop"
  std::string doc;
  std::vector<std::string> keys;  ///< its settings besides p, in the order a saved config writes them
  double default_p = 1.0;
  bool uses(const std::string& key) const;
  std::vector<std::string> written_keys() const;  ///< p, then keys
};

const std::vector<AugmentSetting>& augment_settings();
const std::vector<AugmentKind>& augment_kinds();
const AugmentKind* find_augment(const std::string& name);
std::vector<std::string> augment_names();
/// docs/config.md's table of them (a test keeps the page equal).
std::string augment_markdown();

/// Augments a uint8 batch [B,C,H,W] (on any device) for `epoch` and `batch`
/// of a run seeded `seed`; returns a new tensor (the input is left as it is). On the CPU through
/// direct kernels (data/augment_cpu.h; crops and flips in one gather), elsewhere augment_batch_ops.
at::Tensor augment_batch(const at::Tensor& x, const std::vector<AugmentConfig>& steps, uint64_t seed, int epoch,
                         int batch);
/// The same through ATen ops, on any device: the same draws, so the same bytes as the CPU path
/// (rotate: as affine_images_grid against affine_images).
at::Tensor augment_batch_ops(const at::Tensor& x, const std::vector<AugmentConfig>& steps, uint64_t seed, int epoch,
                             int batch);

/// The affine map behind `rotate`, with given draws: image i of x (uint8 [B,C,H,W]) turned by
/// degrees[i] counter-clockwise about its centre, zoomed by zoom[i] and moved by shift[i] = (x, y)
/// fractions of its width and height (all [B] or [B,2] CPU tensors); nearest or bilinear
/// sampling, `fill` (0..255) where no source pixel is. On the CPU a direct kernel, elsewhere
/// affine_images_grid.
at::Tensor affine_images(const at::Tensor& x, const at::Tensor& degrees, const at::Tensor& zoom, const at::Tensor& shift,
                         bool nearest, double fill);
/// The same through one grid for the batch and at::grid_sampler (any device). It agrees with the
/// CPU kernel up to float rounding: nearest picks the other pixel only where a source coordinate
/// lies within ~1e-5 pixel of a rounding boundary; bilinear differs by at most 1 level.
at::Tensor affine_images_grid(const at::Tensor& x, const at::Tensor& degrees, const at::Tensor& zoom,
                              const at::Tensor& shift, bool nearest, double fill);

/// The preview of the editor's Data page, torch-free for the UI: `images` augmented by `steps`
/// with the random draws numbered `draw` (another draw, other random choices). Throws
/// std::exception when a step cannot apply to these images.
ImageBatch augment_preview(const ImageBatch& images, const std::vector<AugmentConfig>& steps, uint64_t draw);

}  // namespace hyperlab
