#include "ui/widgets/modelexport.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QWidget>

#include "export/pytorch_script.h"
#include "export/torchscript.h"
#include "train/report.h"
#include "ui/widgets/background.h"

namespace hyperlab {

void export_model_interactively(QWidget* parent, const QString& checkpoint, const QString& name) {
  const QString title = "Export model";
  if (checkpoint.isEmpty() || !QFileInfo::exists(checkpoint)) {
    QMessageBox::information(parent, title, "There are no trained weights to export: train a run (with "
                                            "training.checkpoint_every > 0) or pick one in the History.");
    return;
  }
  QString f = QFileDialog::getSaveFileName(parent, title, name + ".pt", "TorchScript (*.pt)");
  if (f.isEmpty()) return;
  if (!f.endsWith(".pt")) f += ".pt";
  ModelExportOptions o;
  o.checkpoint = checkpoint.toStdString(), o.torchscript = f.toStdString();
  o.weights = (f.chopped(3) + ".pth").toStdString();
  run_with_busy(parent, [o] { return export_model(o); }, [parent, o, title](const ModelExportResult& r) {
    if (!r.ok) {
      QMessageBox::warning(parent, title, QString::fromStdString(r.error));
      return;
    }
    QMessageBox::information(
        parent, title,
        QString("Wrote the weights of epoch %1:\n%2 (TorchScript: torch.jit.load, input %3)\n%4 (state_dict for the "
                "exported PyTorch script)")
            .arg(r.selected_epoch)
            .arg(QString::fromStdString(o.torchscript), QString::fromStdString(r.input_text),
                 QString::fromStdString(o.weights)));
  });
}

void export_script_interactively(QWidget* parent, const ExperimentConfig& config) {
  QString f = QFileDialog::getSaveFileName(parent, "Export as PyTorch script", QString::fromStdString(config.name) + ".py",
                                           "Python (*.py)");
  if (f.isEmpty()) return;
  const std::string file = f.toStdString();
  run_file_job(parent, "Export as PyTorch script", [config, file]() -> QString {
    try {
      write_file_atomic(file, pytorch_script(config));
    } catch (const std::exception& e) {
      return QString::fromStdString(e.what());
    }
    return {};
  });
}

}  // namespace hyperlab
