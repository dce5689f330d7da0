#include "train/attack.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <torch/autograd.h>

#include "config/config_json.h"
#include "config/shapes.h"
#include "data/dataset.h"
#include "model/layers.h"
#include "model/network.h"
#include "train/checkpoint.h"
#include "train/evaluate.h"
#include "train/trainer.h"

namespace hyperlab {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string number(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}

// The network's input from pixels in [0, 1], differentiably: the dataset's
// normalisation of the uint8 value 255 * p (BatchMath::input's, out of place).
at::Tensor network_input(const LoadedData& D, const at::Tensor& scale, const at::Tensor& shift, const at::Tensor& p) {
  at::Tensor q = p * 255.0;
  if (D.unit_scale_only) return D.scalar_scale == 1.0 ? q : q * D.scalar_scale;
  return q * scale + shift;
}

// What one batch's attack needs.
struct Batch {
  at::Tensor pixels;  // the originals in [0, 1], float
  at::Tensor y;
  at::Tensor pred0, conf0;  // clean predictions
  int64_t offset = 0;
};

class Attacker {
 public:
  Attacker(const AttackOptions& o, const LoadedData& D, Network& net, const BatchMath& math, const at::Device& dev)
      : o_(o), D_(D), net_(net), math_(math), scale_(D.scale.to(dev)), shift_(D.shift.to(dev)),
        gen_(at::detail::createCPUGenerator(o.seed)) {}

  at::Tensor input(const at::Tensor& p) const { return network_input(D_, scale_, shift_, p); }

  // d loss / d pixels at `adv` (the loss summed over the batch: its sign is
  // what the attacks use, and a sum keeps small gradients from vanishing).
  at::Tensor input_gradient(const at::Tensor& adv, const at::Tensor& y) {
    at::AutoGradMode on(true);
    at::Tensor a = adv.detach().requires_grad_(true);
    at::Tensor loss = math_.loss(net_.forward(input(a)), y) * double(y.size(0));
    return torch::autograd::grad({loss}, {a})[0];
  }

  // The adversarial images of one batch at eps (under no-grad).
  at::Tensor adversarial(const Batch& b, double eps, const at::Tensor& fgsm_sign) {
    const at::Tensor& p = b.pixels;
    if (o_.method == "fgsm") return (p + fgsm_sign * eps).clamp_(0, 1);
    const double step = o_.step_size > 0 ? o_.step_size : 2.5 * eps / o_.steps;
    at::Tensor lo = (p - eps).clamp_(0, 1), hi = (p + eps).clamp_(0, 1);
    at::Tensor adv = p.clone();
    if (o_.random_start) {
      at::Tensor u = at::rand(p.sizes(), gen_, at::TensorOptions().dtype(at::kFloat)).to(p.device());
      adv = at::min(at::max(p + u.mul_(2 * eps).sub_(eps), lo), hi);
    }
    for (int s = 0; s < o_.steps; ++s) {
      at::Tensor g = input_gradient(adv, b.y);
      adv = at::min(at::max(adv.add_(g.sign_(), step), lo), hi);
    }
    return adv;
  }

 private:
  const AttackOptions& o_;
  const LoadedData& D_;
  Network& net_;
  const BatchMath& math_;
  at::Tensor scale_, shift_;
  at::Generator gen_;
};

std::vector<uint8_t> bytes_of(const at::Tensor& t) {
  at::Tensor c = t.to(at::kCPU).contiguous();
  return std::vector<uint8_t>(c.data_ptr<uint8_t>(), c.data_ptr<uint8_t>() + c.numel());
}
at::Tensor to_bytes(const at::Tensor& pixels01) { return pixels01.mul(255.0).round_().clamp_(0, 255).to(at::kByte); }

at::Device attack_device(const TrainingConfig& t) {
  if (t.device != "cpu" && cuda_device_count() > 0) {
    const int index = t.device.size() > 5 ? std::stoi(t.device.substr(5)) : 0;
    if (index < cuda_device_count()) return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  return at::kCPU;
}

}  // namespace

std::string parse_epsilons(const std::string& text, std::vector<double>& out) {
  out.clear();
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const size_t a = item.find_first_not_of(" \t"), b = item.find_last_not_of(" \t");
    const std::string s = a == std::string::npos ? "" : item.substr(a, b - a + 1);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end == s.c_str() || *end || !std::isfinite(v) || v < 0 || v > 1)
      return "--epsilon: \"" + s + "\" is not a number from 0 to 1 (epsilon is in pixel units; give a list like 0,0.01,0.05)";
    out.push_back(v);
  }
  if (out.empty()) return "--epsilon needs at least one value from 0 to 1 (e.g. 0,0.01,0.05)";
  return "";
}

std::string check_attack_options(AttackOptions& o) {
  if (o.method != "fgsm" && o.method != "pgd") return "--method is fgsm or pgd, got \"" + o.method + "\"";
  if (o.epsilons.empty()) return "--epsilon needs at least one value from 0 to 1";
  for (double e : o.epsilons)
    if (!std::isfinite(e) || e < 0 || e > 1)
      return "--epsilon: " + number(e) + " is not from 0 to 1 (epsilon is in pixel units)";
  if (o.epsilons.size() > 100) return "--epsilon: at most 100 values";
  std::sort(o.epsilons.begin(), o.epsilons.end());
  o.epsilons.erase(std::unique(o.epsilons.begin(), o.epsilons.end()), o.epsilons.end());
  if (o.method == "pgd" && (o.steps < 1 || o.steps > 10000)) return "--steps needs a whole number from 1 to 10000";
  if (!std::isfinite(o.step_size) || o.step_size < 0 || o.step_size > 1)
    return "--step-size needs a number from 0 to 1 (pixel units; 0 = 2.5 epsilon / steps)";
  if (o.limit < 0) return "--limit needs a whole number >= 0 (0 = the whole test set)";
  if (o.examples < 0) return "examples must be >= 0";
  return "";
}

std::string attack_method_text(const AttackOptions& o) {
  if (o.method != "pgd") return "fgsm";
  std::string s = "pgd, " + std::to_string(o.steps) + " step" + (o.steps == 1 ? "" : "s") + " of " +
                  (o.step_size > 0 ? number(o.step_size) : "2.5 eps/" + std::to_string(o.steps));
  if (o.random_start) s += ", random start";
  return s;
}

Attack::Attack(AttackOptions o) : o_(std::move(o)) {}

AttackResult Attack::run(const std::function<void(const AttackStart&)>& on_start,
                         const std::function<bool(const AttackRow&)>& on_row) {
  const auto t0 = Clock::now();
  AttackResult res;
  try {
    if (std::string e = check_attack_options(o_); !e.empty()) throw InputError(e);
    torch::serialize::InputArchive archive;
    const CheckpointMeta meta = read_checkpoint(o_.checkpoint, &archive);
    const ExperimentConfig& cfg = meta.config;
    std::shared_ptr<const LoadedData> data = o_.data ? o_.data : load_data(cfg.data, cfg.training.seed);
    const LoadedData& D = *data;
    if (D.test.size() == 0 || D.test.x.scalar_type() != at::kByte || D.spec.input.size() != 3)
      throw InputError(o_.checkpoint + ": adversarial examples need a run on images (its data is " + cfg.data.dataset +
                       (D.test.size() == 0 ? ", with no test set)" : ", not images)"));
    const at::Device dev = attack_device(cfg.training);
    const std::vector<LayerConfig> layers = expanded_layers(cfg);
    // One CPU thread unless the config asks for more: with no thread tuner
    // here (the trainer has one), two OpenMP threads on a core another
    // process uses spin at every barrier (shared/PERF.md), and measured on
    // this 2-core machine under load that made a tiny MLP's PGD 40x slower.
    const bool has_conv = contains_layer(layers, "conv2d");
    const int64_t B = has_conv ? 128 : 1000;  // the evaluator's batches: the clean pass is its pass
    const int threads = cfg.training.threads > 0 ? cfg.training.threads : 1;
    if (dev.is_cpu()) configure_threads(threads);

    at::Generator gen = at::detail::createCPUGenerator(cfg.training.seed);
    Network net(layers, D.spec.input, cfg.model.init, gen);
    net.to(dev);
    // The selected epoch's weights, the ones `evaluate` reports: ε = 0 is its accuracy.
    const int epoch = read_selected_weights(archive, meta, net, o_.checkpoint);
    net.train(false);  // batch norm's running statistics, no dropout
    const BatchMath math(D, dev, cfg.training.loss, D.spec.classes);
    Attacker attacker(o_, D, net, math, dev);

    at::NoGradGuard no_grad;  // everything but the input gradient
    const int64_t N = o_.limit > 0 ? std::min<int64_t>(o_.limit, D.test.size()) : D.test.size();
    const at::Tensor X = D.test.x.narrow(0, 0, N).to(dev), Y = D.test.y.narrow(0, 0, N).to(dev);
    AttackStart& info = res.info;
    info.run_name = cfg.name, info.epoch = epoch, info.images = N;
    info.channels = int(D.spec.input[0]), info.height = int(D.spec.input[1]), info.width = int(D.spec.input[2]);
    info.class_names = D.spec.class_names;
    info.method = attack_method_text(o_);

    // The clean pass, exactly as the evaluator measures the test set.
    std::vector<Batch> batches;
    at::Tensor clean_correct = at::zeros({}, at::TensorOptions().dtype(at::kLong).device(dev));
    for (int64_t i = 0; i < N; i += B) {
      if (stop_) break;
      const int64_t b = std::min(B, N - i);
      Batch bt;
      bt.offset = i;
      at::Tensor xb = X.narrow(0, i, b);
      bt.y = Y.narrow(0, i, b);
      at::Tensor prob = net.forward(math.input(xb)).softmax(1);
      std::tie(bt.conf0, bt.pred0) = prob.max(1);
      clean_correct.add_(bt.pred0.eq(bt.y).sum());
      bt.pixels = xb.to(at::kFloat).div_(255.0);
      batches.push_back(std::move(bt));
    }
    if (stop_) {
      res.cancelled = true, res.error = "stopped";
      res.seconds = since(t0);
      return res;
    }
    const int64_t clean = clean_correct.item<int64_t>();
    info.clean_accuracy = double(clean) / double(N);
    if (on_start) on_start(info);

    std::vector<at::Tensor> fgsm_signs;  // FGSM's gradient sign at the image does not depend on epsilon: once
    for (double eps : o_.epsilons) {
      const auto te = Clock::now();
      AttackRow row;
      row.epsilon = eps, row.count = N;
      if (eps == 0) {
        row.correct = clean, row.accuracy = info.clean_accuracy;
        row.min_pixel = batches.empty() ? 0 : 1, row.max_pixel = 0;
        for (const Batch& bt : batches) {
          row.min_pixel = std::min(row.min_pixel, bt.pixels.min().item<double>());
          row.max_pixel = std::max(row.max_pixel, bt.pixels.max().item<double>());
        }
      } else {
        at::Tensor correct = at::zeros({}, at::TensorOptions().dtype(at::kLong).device(dev)), flipped = correct.clone();
        at::Tensor max_d = at::zeros({}, at::TensorOptions().dtype(at::kFloat).device(dev));
        at::Tensor lo = at::full({}, 1.0, max_d.options()), hi = at::zeros({}, max_d.options());
        std::vector<std::pair<float, AttackExample>> picks;
        for (size_t k = 0; k < batches.size(); ++k) {
          if (stop_) break;
          const Batch& bt = batches[k];
          if (o_.method == "fgsm" && fgsm_signs.size() <= k)
            fgsm_signs.push_back(attacker.input_gradient(bt.pixels, bt.y).sign_());
          at::Tensor adv = attacker.adversarial(bt, eps, o_.method == "fgsm" ? fgsm_signs[k] : at::Tensor());
          at::Tensor prob = net.forward(attacker.input(adv)).softmax(1);
          auto [conf, pred] = prob.max(1);
          const at::Tensor ok = pred.eq(bt.y), was_ok = bt.pred0.eq(bt.y);
          correct.add_(ok.sum());
          const at::Tensor flip = was_ok.logical_and(ok.logical_not());
          flipped.add_(flip.sum());
          const at::Tensor d = (adv - bt.pixels).abs_();
          max_d = at::max(max_d, d.max()), lo = at::min(lo, adv.min()), hi = at::max(hi, adv.max());
          // The most confidently wrong of this batch's flips, for display.
          if (o_.examples <= 0) continue;
          at::Tensor idx = flip.nonzero().flatten();
          if (idx.numel() == 0) continue;
          at::Tensor c = conf.index_select(0, idx);
          const int64_t keep = std::min<int64_t>(o_.examples, idx.numel());
          at::Tensor top = std::get<1>(c.topk(keep));
          idx = idx.index_select(0, top).cpu();
          const at::Tensor a8 = to_bytes(adv), p8 = X.narrow(0, bt.offset, bt.y.size(0));
          const at::Tensor m8 = (adv - bt.pixels).div_(eps).mul_(127.0).add_(128.0).round_().clamp_(0, 255).to(at::kByte);
          const at::Tensor pred_c = pred.cpu(), conf_c = conf.cpu(), p0 = bt.pred0.cpu(), c0 = bt.conf0.cpu(),
                           yc = bt.y.cpu();
          for (int64_t j = 0; j < idx.numel(); ++j) {
            const int64_t i = idx[j].item<int64_t>();
            AttackExample ex;
            ex.index = int(bt.offset + i), ex.label = int(yc[i].item<int64_t>());
            ex.pred_before = int(p0[i].item<int64_t>()), ex.conf_before = c0[i].item<float>();
            ex.pred_after = int(pred_c[i].item<int64_t>()), ex.conf_after = conf_c[i].item<float>();
            ex.original = bytes_of(p8[i]), ex.perturbation = bytes_of(m8[i]), ex.adversarial = bytes_of(a8[i]);
            picks.emplace_back(ex.conf_after, std::move(ex));
          }
        }
        if (stop_) break;
        row.correct = correct.item<int64_t>(), row.flipped = flipped.item<int64_t>();
        row.accuracy = double(row.correct) / double(N);
        row.max_perturbation = max_d.item<double>(), row.min_pixel = lo.item<double>(), row.max_pixel = hi.item<double>();
        std::stable_sort(picks.begin(), picks.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
        if (int(picks.size()) > o_.examples) picks.resize(o_.examples);
        for (auto& p : picks) row.examples.push_back(std::move(p.second));
      }
      row.seconds = since(te);
      res.rows.push_back(row);
      if (on_row && !on_row(res.rows.back())) stop_ = true;
      if (stop_) break;
    }
    res.ok = !stop_;
    res.cancelled = stop_;
    if (res.cancelled) res.error = "stopped";
  } catch (const DataError& e) {
    res.ok = false, res.input_error = true, res.error = e.what();
  } catch (const InputError& e) {
    res.ok = false, res.input_error = true, res.error = e.what();
  } catch (const std::exception& e) {
    // read_checkpoint's errors (missing, unreadable, not ours) are the caller's input too.
    res.ok = false, res.error = error_message(e);
    res.input_error = res.rows.empty() && res.info.images == 0;
  } catch (...) {
    res.ok = false, res.error = "unknown error";
  }
  res.seconds = since(t0);
  return res;
}

std::string attack_csv(const AttackResult& r) {
  std::string s = "epsilon,accuracy,correct,count,flipped,max_perturbation,seconds\n";
  char b[256];
  for (const AttackRow& row : r.rows) {
    std::snprintf(b, sizeof b, "%.10g,%.10g,%lld,%lld,%lld,%.9g,%.4f\n", row.epsilon, row.accuracy,
                  (long long)row.correct, (long long)row.count, (long long)row.flipped, row.max_perturbation,
                  row.seconds);
    s += b;
  }
  return s;
}

}  // namespace hyperlab
