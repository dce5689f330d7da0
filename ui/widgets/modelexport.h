// File > Export model… and File > Export as PyTorch script… (and the same on
// a History run): a file dialog, then core's export (export/torchscript.h,
// export/pytorch_script.h) off the GUI thread, and a message with the result.
#pragma once

#include <QString>

#include "config/experiment.h"

class QWidget;

namespace hyperlab {

/// Asks for FILE.pt, then writes the run's selected weights as TorchScript there and as a
/// state_dict beside it (FILE.pth). `checkpoint` "": the run kept none (a message says so).
void export_model_interactively(QWidget* parent, const QString& checkpoint, const QString& name);
/// Asks for FILE.py, then writes the config as a PyTorch training script.
void export_script_interactively(QWidget* parent, const ExperimentConfig& config);

}  // namespace hyperlab
