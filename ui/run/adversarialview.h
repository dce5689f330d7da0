// The Adversarial tab: the trained weights of the current run (or of a
// History run's checkpoint, through Evaluate) attacked on the test set with
// FGSM or PGD (core/train/attack.h) on a worker thread. It shows accuracy
// against epsilon as a chart (one series per method), and for the epsilon on
// the slider the images that were classified correctly before and wrongly
// after: original, the perturbation magnified, adversarial, with the
// predicted class and confidence before and after.
//
// Showing the tab with a model not attacked yet starts the attack with the
// form's settings (and so does a run finishing while the tab is shown);
// Attack runs it again with new settings. Nothing here touches LibTorch:
// the worker's rows arrive through a JobBridge, drained on the GUI thread.
#pragma once

#include <QString>
#include <QStringList>
#include <QWidget>

#include <memory>
#include <thread>
#include <variant>
#include <vector>

#include "train/attack.h"
#include "ui/widgets/jobbridge.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSlider;
class QSpinBox;

namespace hyperlab {

class LoadedData;
class MetricChart;

/// Triples of images painted side by side (original, perturbation, adversarial) with captions.
class AdversarialTriples : public QWidget {
  Q_OBJECT
 public:
  explicit AdversarialTriples(QWidget* parent = nullptr);
  void setExamples(const std::vector<AttackExample>& examples, int channels, int height, int width,
                   const QStringList& class_names, double epsilon);
  int count() const { return int(examples_.size()); }
  const std::vector<AttackExample>& examples() const { return examples_; }
  /// The two captions of triple k: the prediction before ("T-shirt 97%") and after.
  QStringList captions(int k) const;
  /// What the view says when it has no triples ("" when it has some).
  void setMessage(const QString& m);
  QString message() const { return message_; }
  QSize sizeHint() const override;
  int heightForWidth(int w) const override;
  bool hasHeightForWidth() const override { return true; }

 protected:
  void paintEvent(QPaintEvent*) override;

 private:
  int side() const;          ///< an image's side on screen
  QSize tripleSize() const;  ///< one triple with its captions
  int columns(int w) const;
  QImage picture(const std::vector<uint8_t>& pixels, bool diverging) const;
  std::vector<AttackExample> examples_;
  int channels_ = 1, height_ = 0, width_ = 0;
  QStringList names_;
  double epsilon_ = 0;
  QString message_;
};

class AdversarialView : public QWidget {
  Q_OBJECT
 public:
  explicit AdversarialView(QWidget* parent = nullptr);
  ~AdversarialView() override;  ///< stops the attack and waits for its thread (at most a batch)

  /// The trained weights to attack: a checkpoint file, the caption's name for
  /// it, and its data if loaded already (null: the worker loads it). The last
  /// results are cleared; attacked at once if the tab is shown.
  void setSource(const QString& checkpoint, const QString& title, std::shared_ptr<const LoadedData> data);
  /// Nothing to attack (a run is training, or it kept no checkpoint): says why.
  void clear(const QString& why);
  bool hasSource() const { return !checkpoint_.isEmpty(); }
  /// Starts an attack with the form's settings; false (with the reason in the
  /// status line) if there is nothing to attack, the settings are wrong, or one runs.
  bool start();
  void stop();
  bool running() const { return thread_.joinable(); }
  /// Larger images and thicker lines (the fonts follow the window's).
  void setPresentation(bool on);

  // For tests and the window.
  MetricChart* chart() const { return chart_; }
  QSlider* epsilonSlider() const { return slider_; }
  AdversarialTriples* triples() const { return triples_; }
  QComboBox* methodBox() const { return method_; }
  QLineEdit* epsilonsEdit() const { return epsilons_; }
  QSpinBox* imagesBox() const { return images_; }
  QSpinBox* stepsBox() const { return steps_; }
  QPushButton* attackButton() const { return attack_button_; }
  /// The epsilon the slider shows (NaN: no rows yet).
  double shownEpsilon() const;
  /// The last attack's rows (those in so far while it runs).
  const std::vector<AttackRow>& rows() const { return rows_; }
  const AttackStart& info() const { return info_; }
  /// The line over the chart: what is attacked, how, and how long each epsilon took (or why not).
  QString statusText() const;
  QString epsilonText() const;

 Q_SIGNALS:
  /// An attack ended (finished, stopped or failed); rows() holds what it measured.
  void attackFinished();

 protected:
  void showEvent(QShowEvent* e) override;

 private:
  using Item = std::variant<AttackStart, AttackRow, AttackResult>;
  void deliver(std::vector<Item>&& items);
  void addRow(const AttackRow& row);
  void finish(const AttackResult& r);
  void showEpsilon(int index);
  void updateForm();
  void stopAndWait();
  QString summary() const;

  QString checkpoint_, title_;
  std::shared_ptr<const LoadedData> data_;
  bool attacked_ = false;  ///< the current source was attacked (or is being)

  QComboBox* method_;
  QLineEdit* epsilons_;
  QSpinBox *images_, *steps_;
  QDoubleSpinBox* step_size_;
  QCheckBox* random_start_;
  QPushButton *attack_button_, *stop_button_;
  QLabel *status_, *epsilon_label_, *steps_label_, *step_size_label_;
  MetricChart* chart_;
  QSlider* slider_;
  AdversarialTriples* triples_;

  AttackStart info_;
  std::vector<AttackRow> rows_;
  QString series_name_;  ///< the running attack's series ("FGSM", "PGD")
  double seconds_ = 0;
  std::shared_ptr<Attack> attack_;
  std::thread thread_;
  JobBridge<Item> bridge_;
};

}  // namespace hyperlab
