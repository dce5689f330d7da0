// Adversarial examples: a trained run's weights (its checkpoint) attacked on
// the test set with FGSM or PGD, at several perturbation sizes epsilon.
//
// Perturbations live in the model's input pixel space [0, 1] (a uint8 pixel
// v is v / 255), before the dataset's normalisation, which is part of the
// differentiated function; the adversarial image is clipped to [0, 1] and
// to the max-norm ball of radius epsilon around the original. The model is
// in evaluation mode (batch norm's running statistics, no dropout), and only
// the input gradient is computed. At epsilon 0 nothing is perturbed: the
// accuracy is the clean one, measured as `hyperlab-cli evaluate` measures it.
//
// Torch-free, for the window: options in, plain rows and uint8 images out.
// The job runs on the caller's thread (the window's worker, the CLI's main);
// request_stop() from any thread ends it at the next batch.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace hyperlab {

class LoadedData;

struct AttackOptions {
  /// A run's checkpoint.pt (its final weights are attacked, as evaluate measures them).
  std::string checkpoint;
  /// fgsm | pgd (default fgsm).
  std::string method = "fgsm";
  /// Perturbation sizes in pixel units (0..1); sorted and deduplicated by check_attack_options.
  std::vector<double> epsilons = {0, 0.01, 0.02, 0.05, 0.1};
  /// PGD: gradient steps (default 10).
  int steps = 10;
  /// PGD: each step's size in pixel units (default 0: 2.5 * epsilon / steps).
  double step_size = 0;
  /// PGD: start at a uniformly random point of the epsilon ball (default false: at the image).
  bool random_start = false;
  /// Attack the first N test images (default 0: all of them).
  int limit = 0;
  /// Images kept per epsilon for display: correct before, wrong after (default 8).
  int examples = 8;
  /// PGD's random start (default 1).
  uint64_t seed = 1;
  /// The checkpoint's data, already loaded (same data config and seed); null: loaded here.
  std::shared_ptr<const LoadedData> data;
};

/// "" when the options can run; else what is wrong, naming the option
/// (epsilon out of [0, 1], no epsilon, unknown method, steps < 1 ...).
/// Sorts and deduplicates o.epsilons.
std::string check_attack_options(AttackOptions& o);
/// Reads "0,0.01,0.05" into `out`; returns "" or a message naming the bad entry.
std::string parse_epsilons(const std::string& text, std::vector<double>& out);

/// One test image attacked: the original, the perturbation magnified to the
/// full range (128 = none, 0 and 255 = -epsilon and +epsilon) and the
/// adversarial image, each uint8 [channels][height][width]; the predictions
/// are the model's on the float images.
struct AttackExample {
  int index = 0;  ///< in the test set
  int label = 0;
  int pred_before = 0, pred_after = 0;
  float conf_before = 0, conf_after = 0;  ///< softmax probability of the predicted class
  std::vector<uint8_t> original, perturbation, adversarial;
};

/// The attack at one epsilon.
struct AttackRow {
  double epsilon = 0;
  double accuracy = 0;    ///< on the adversarial images
  int64_t correct = 0, count = 0;
  int64_t flipped = 0;    ///< correct before, wrong after
  double max_perturbation = 0;  ///< largest |adversarial - original| over every pixel, pixel units
  double min_pixel = 0, max_pixel = 0;  ///< range of the adversarial images' pixels
  double seconds = 0;
  std::vector<AttackExample> examples;  ///< up to AttackOptions::examples flipped images, most confidently wrong first
};

/// What is attacked, before the first row.
struct AttackStart {
  std::string run_name;
  int epoch = 0;        ///< the checkpoint's last epoch (the weights attacked)
  int64_t images = 0;   ///< test images attacked
  int channels = 0, height = 0, width = 0;
  std::vector<std::string> class_names;
  double clean_accuracy = 0;
  std::string method;   ///< "fgsm", or "pgd, 10 steps of 0.25 eps, random start"
};

struct AttackResult {
  bool ok = false;
  bool input_error = false;  ///< the checkpoint, its data or the options (not a failure while running)
  bool cancelled = false;
  std::string error;
  AttackStart info;
  std::vector<AttackRow> rows;  ///< one per epsilon, ascending
  double seconds = 0;
};

class Attack {
 public:
  explicit Attack(AttackOptions o);
  /// Loads the checkpoint and data, then attacks at each epsilon in turn;
  /// on_start once, on_row after each epsilon (false: stop). Never throws.
  AttackResult run(const std::function<void(const AttackStart&)>& on_start = {},
                   const std::function<bool(const AttackRow&)>& on_row = {});
  void request_stop() { stop_ = true; }

 private:
  AttackOptions o_;
  std::atomic<bool> stop_{false};
};

/// The rows as CSV: epsilon,accuracy,correct,count,flipped,max_perturbation,seconds.
std::string attack_csv(const AttackResult& r);
/// "fgsm" or "pgd, 10 steps of 2.5 eps/10, random start": how the method ran.
std::string attack_method_text(const AttackOptions& o);

}  // namespace hyperlab
