// The experiment editor: forms for data, architecture and training, bound to
// an ExperimentConfig. It only edits: config() builds the config from the
// forms, setConfig() fills them; validation and shapes come from core. It
// knows whether the experiment is modified: its config differs from the one
// it was last loaded or saved as (an edit undone by hand is no change).
#pragma once

#include <QWidget>

#include <optional>
#include <vector>

#include "config/experiment.h"
#include "ui/editor/settingrows.h"

class QCheckBox;
class QComboBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QTabWidget;
class QTreeWidget;

namespace hyperlab {

class NumberBox;
class LogNumberBox;
class LayerListEditor;
class DatasetDownloadRow;
class AugmentPanel;
class ModelEditor;

class ExperimentEditor : public QWidget {
  Q_OBJECT
 public:
  explicit ExperimentEditor(QWidget* parent = nullptr);

  /// Fills the forms; the experiment is unmodified after it.
  void setConfig(const ExperimentConfig& c);
  ExperimentConfig config() const;
  /// The config differs from the one last loaded (setConfig) or saved (markSaved).
  bool isModified() const { return modified_; }
  /// The config as it was last loaded or saved (config_to_text).
  const std::string& savedText() const { return saved_text_; }
  /// `text` (config_to_text of a config) is now on disk, or what the
  /// experiment counts as unmodified: isModified() compares with it.
  void markSaved(const std::string& text);
  /// Problems that prevent training, each "key.path: message" (empty = valid).
  QStringList problems() const { return problems_; }
  bool valid() const { return problems_.isEmpty(); }
  /// The data status line (set by the window from the data loader).
  void setDataStatus(const QString& text, bool ok);
  QString dataStatus() const;
  /// Read-only while a run uses the config.
  void setLocked(bool on);

  // For tests and the window: the forms' widgets.
  QComboBox* datasetBox() const { return dataset_; }
  LogNumberBox* learningRateBox() const { return static_cast<LogNumberBox*>(opt_rows_.widget("lr")); }
  QComboBox* optimizerBox() const { return opt_type_; }
  QLineEdit* hiddenEdit() const;
  QComboBox* modelModeBox() const;
  QTreeWidget* layerTree() const;
  LayerListEditor* layerList() const;
  ModelEditor* modelEditor() const { return model_; }
  QSpinBox* epochsBox() const { return epochs_; }
  QTableWidget* summaryTable() const;
  QTabWidget* tabs() const { return tabs_; }
  DatasetDownloadRow* downloadRow() const { return download_; }
  /// The Data page's augmentation list and preview (the window gives it the training images).
  AugmentPanel* augmentPanel() const { return augment_; }
  /// Appends a layer row (type, out) to the layer list.
  void addLayer(const LayerConfig& l);

 Q_SIGNALS:
  /// Any edit, and setConfig(); validity, problems and isModified() are already updated.
  void changed();
  void modifiedChanged(bool modified);

 private:
  QWidget* buildDataTab();
  QWidget* buildTrainingTab();
  QGroupBox* buildRunBox();  ///< the training tab's "Run" group (device, seed, threads, checkpoints)
  void watch(QWidget* w);
  void onEdited();
  void updateModified();
  void revalidate();
  void updateVisibility();

  ExperimentConfig base_;  // keeps what the forms do not show (description)
  bool loading_ = false;
  bool modified_ = false;
  std::string saved_text_;  // config_to_text at the last load or save
  QStringList problems_;

  QTabWidget* tabs_;
  QLineEdit* name_;
  // data
  QComboBox* dataset_;
  QLineEdit* path_;
  DatasetDownloadRow* download_;
  QLabel* data_status_;
  NumberBox* val_fraction_;
  QSpinBox *train_limit_, *test_limit_;
  QComboBox* normalization_;
  QGroupBox* synth_box_;
  QComboBox* synth_kind_;
  QSpinBox *synth_samples_, *synth_test_, *synth_classes_, *synth_image_;
  NumberBox* synth_noise_;
  QFormLayout* synth_form_;
  // data: dataset "folder" (your own images)
  QGroupBox* folder_box_;
  QSpinBox* folder_size_;
  QComboBox* folder_channels_;
  NumberBox* folder_test_;
  QGroupBox* augment_box_;
  AugmentPanel* augment_;
  // model
  ModelEditor* model_;
  QLabel* problems_label_;
  // training
  QSpinBox *epochs_, *batch_;
  QCheckBox* shuffle_;
  QComboBox* loss_;
  QComboBox* opt_type_;
  SettingRows<OptimizerConfig> opt_rows_;  // from the optimizer table (train/optimizers.h)
  QFormLayout* opt_form_;
  NumberBox *l1_, *l2_, *noise_, *clip_;
  QComboBox* sched_type_;
  SettingRows<SchedulerConfig> sched_rows_;
  QFormLayout* sched_form_;
  QCheckBox* es_enabled_;
  QComboBox* es_monitor_;
  NumberBox* es_min_delta_;
  QSpinBox* es_patience_;
  QCheckBox* es_restore_;
  QFormLayout* es_form_;
  QCheckBox* eval_test_;
  QSpinBox *seed_, *threads_, *checkpoint_every_;
  QComboBox* device_;
  QCheckBox* fallback_;
};

}  // namespace hyperlab
