// A trained run for plain PyTorch: its selected weights (as `evaluate`
// measures them) as a TorchScript module that torch.jit.load runs without
// Hyperlab, input normalisation included, and as a state_dict (.pth) whose
// names are the exported PyTorch script's (export/pytorch_script.h).
//
// The module takes raw values: images uint8 (or float) 0..255 as [N,C,H,W],
// the dataset's size (a run with data.resize resizes inside), features as
// [N,D]; it returns the logits [N,classes]. Extra files: config.json (the
// run's config), class_names.json and input.json (shape, range, normalisation).
// Each layer's TorchScript comes from its registry entry (LayerType::torchscript).
// Torch-free header: the CLI and the window call it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/experiment.h"

namespace hyperlab {

struct ModelExportOptions {
  std::string checkpoint;   ///< the run's checkpoint.pt (a run folder's)
  std::string torchscript;  ///< write the TorchScript module here ("" = no)
  std::string weights;      ///< write the state_dict here ("" = no)
};

struct ModelExportResult {
  bool ok = false;
  bool input_error = false;  ///< the checkpoint or its data is missing or unreadable
  std::string error;
  std::string run_name;
  int epoch = 0;            ///< the checkpoint's last epoch
  int selected_epoch = 0;   ///< whose weights were written (the validation's choice, else the last)
  int64_t parameters = 0;
  std::vector<int64_t> input;  ///< per-sample shape the module takes
  std::string input_text;      ///< "uint8 or float [N,1,28,28], pixel values 0..255"
};

/// Writes what `o` asks for; never throws.
ModelExportResult export_model(const ModelExportOptions& o);

/// The weights `hyperlab-cli run` starts config `c` from (its seed's initialisation, or
/// model.init_from's file) as a state_dict for the PyTorch script; throws std::runtime_error.
void write_initial_weights(const ExperimentConfig& c, const std::string& file);

}  // namespace hyperlab
