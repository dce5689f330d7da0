// The editor's Model tab: the architecture (the MLP builder, the ResNet
// shorthand or a layer tree), the initialisation and the live summary. Its
// layer types, fields, init schemes and nonlinearities come from core's
// registries (model/layers.h, model/init.h), so the form cannot drift from
// what a config file accepts.
#pragma once

#include <QWidget>

#include <functional>
#include <vector>

#include "config/experiment.h"
#include "config/shapes.h"

class QCheckBox;
class QComboBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTableWidget;

namespace hyperlab {

class LayerListEditor;
class NumberBox;

class ModelEditor : public QWidget {
  Q_OBJECT
 public:
  /// `current`: the experiment as the forms have it (its data gives the
  /// shorthands' output size when they turn into a layer list).
  explicit ModelEditor(std::function<ExperimentConfig()> current, QWidget* parent = nullptr);

  void setModel(const ModelConfig& m);
  ModelConfig model() const;
  /// The fields to watch for edits (the layer tree signals edited() itself).
  std::vector<QWidget*> inputs() const { return inputs_; }
  /// Problems the forms see before core does: sizes and cells that are not numbers.
  void formProblems(QStringList& problems) const;
  /// Shows the summary of a valid config (null: "fix the settings").
  void showSummary(const ModelSummary* s, const Shape& input);
  void updateVisibility();

  QComboBox* modeBox() const { return mode_; }
  QLineEdit* hiddenEdit() const { return mlp_hidden_; }
  LayerListEditor* layerList() const { return layer_list_; }
  QTableWidget* summaryTable() const { return summary_; }
  QComboBox* resnetDepthBox() const { return resnet_depth_; }
  QComboBox* startFromBox() const { return start_from_; }  ///< none | run | file | pretraining
  QSpinBox* startRunBox() const { return start_run_; }
  QLineEdit* startFileEdit() const { return start_file_; }
  /// model.init_from.pretrain: a preset's name (the list) or a config file (typed or chosen).
  QComboBox* startPretrainBox() const { return start_pretrain_; }
  /// The freeze check boxes, one per block of the model (model.freeze), in block order.
  const std::vector<QCheckBox*>& freezeBoxes() const { return freeze_boxes_; }

 Q_SIGNALS:
  void edited();

 private:
  enum Mode { kMlp = 0, kLayers = 1, kResNet = 2 };
  QGroupBox* buildMlpBox();
  QGroupBox* buildResNetBox();
  QGroupBox* buildInitBox();
  QGroupBox* buildTransferBox();  ///< start from (none / run / file / pretraining) and the blocks to freeze
  QWidget* buildPretrainRow();
  /// One check box per block of the model the form describes, keeping the ticks of the names that stay.
  void updateFreezeBoxes(const std::vector<std::string>& keep_frozen);
  std::vector<std::string> frozenFromForm() const;
  QGroupBox* buildSummaryBox();
  QStringList hiddenParts() const;  ///< the MLP's hidden sizes as typed
  MlpConfig mlpFromForm() const;
  ResNetConfig resnetFromForm() const;
  InitConfig initFromForm() const;
  void toLayerList();  ///< expands the shorthand shown into the layer tree

  std::function<ExperimentConfig()> current_;
  std::vector<QWidget*> inputs_;
  bool loading_ = false;
  QComboBox* mode_;
  QGroupBox *mlp_box_, *resnet_box_, *layers_box_;
  QLineEdit* mlp_hidden_;
  QComboBox* mlp_activation_;
  NumberBox* mlp_dropout_;
  QCheckBox* mlp_batchnorm_;
  QComboBox *resnet_depth_, *resnet_stem_;
  QFormLayout* resnet_form_;
  LayerListEditor* layer_list_;
  QComboBox* init_scheme_;
  std::vector<QWidget*> init_widgets_;  ///< one per init_fields(), in that order
  QFormLayout* init_form_;
  QTableWidget* summary_;
  QLabel* summary_total_;
  QComboBox* start_from_;
  QSpinBox* start_run_;
  QLineEdit* start_file_;
  QWidget* start_file_row_;
  QComboBox* start_pretrain_;
  QWidget* start_pretrain_row_;
  QFormLayout* transfer_form_;
  QWidget* freeze_row_;
  std::vector<QCheckBox*> freeze_boxes_;
  std::vector<std::string> block_names_;
};

}  // namespace hyperlab
