#include "playground/playground.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace hyperlab::playground {

// ---- functions ----

namespace {
enum Kind { kRosenbrock = 1, kBeale, kHimmelblau, kBooth, kSaddle, kQuadratic, kRastrigin, kExpression };
}

std::vector<std::string> function_names() {
  return {"rosenbrock", "beale", "himmelblau", "booth", "saddle", "quadratic", "rastrigin"};
}

Function builtin_function(const std::string& name, double param) {
  Function f;
  f.name = name;
  if (name == "rosenbrock") {
    f.kind = kRosenbrock;
    f.formula = "(1 - x)^2 + 100 (y - x^2)^2";
    f.minima = {{1, 1}};
    f.x_lo = -5, f.x_hi = 5, f.y_lo = -4, f.y_hi = 26, f.start_x = -4, f.start_y = -2;
  } else if (name == "beale") {
    f.kind = kBeale;
    f.formula = "(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2";
    f.minima = {{3, 0.5}};
    f.x_lo = -4.5, f.x_hi = 4.5, f.y_lo = -4.5, f.y_hi = 4.5, f.start_x = 1, f.start_y = 1.5;
  } else if (name == "himmelblau") {
    f.kind = kHimmelblau;
    f.formula = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2";
    f.minima = {{3, 2}, {-2.805118, 3.131312}, {-3.779310, -3.283186}, {3.584428, -1.848126}};
    f.x_lo = -5, f.x_hi = 5, f.y_lo = -5, f.y_hi = 5, f.start_x = 0, f.start_y = 0;
  } else if (name == "booth") {
    f.kind = kBooth;
    f.formula = "(x + 2y - 7)^2 + (2x + y - 5)^2";
    f.minima = {{1, 3}};
    f.x_lo = -10, f.x_hi = 10, f.y_lo = -10, f.y_hi = 10, f.start_x = -8, f.start_y = -6;
  } else if (name == "saddle") {
    f.kind = kSaddle;
    f.formula = "x^2 - y^2";
    f.f_min = NAN;  // unbounded below
    f.x_lo = -2, f.x_hi = 2, f.y_lo = -2, f.y_hi = 2, f.start_x = -1.5, f.start_y = 0.001;
  } else if (name == "quadratic") {
    f.kind = kQuadratic;
    f.param = param > 0 ? param : 10;
    char b[96];
    std::snprintf(b, sizeof b, "(x^2 + %g y^2) / 2  (condition number %g)", f.param, f.param);
    f.formula = b;
    f.minima = {{0, 0}};
    f.x_lo = -5, f.x_hi = 5, f.y_lo = -5, f.y_hi = 5, f.start_x = -4, f.start_y = 3;
  } else if (name == "rastrigin") {
    f.kind = kRastrigin;
    f.formula = "20 + x^2 - 10 cos(2 pi x) + y^2 - 10 cos(2 pi y)";
    f.minima = {{0, 0}};
    f.x_lo = -5.12, f.x_hi = 5.12, f.y_lo = -5.12, f.y_hi = 5.12, f.start_x = 3.3, f.start_y = -2.6;
  } else {
    std::string all;
    for (const std::string& n : function_names()) all += (all.empty() ? "" : ", ") + n;
    throw std::invalid_argument("no function named \"" + name + "\" (choose " + all + ", or type an expression)");
  }
  return f;
}

Function expression_function(const std::string& text) {
  Function f;
  f.kind = kExpression;
  f.name = "expression";
  f.formula = text;
  f.expr = std::make_shared<const Expression>(text);
  f.f_min = NAN;  // unknown
  return f;
}

void set_minimum(Function& f, double x, double y) {
  f.minima = {{x, y}};
  f.f_min = f.eval(x, y).f;
}

Eval Function::eval(double x, double y) const {
  switch (kind) {
    case kRosenbrock: {
      const double a = 1 - x, b = y - x * x;
      return {a * a + 100 * b * b, -2 * a - 400 * x * b, 200 * b};
    }
    case kBeale: {
      const double y2 = y * y, y3 = y2 * y;
      const double a = 1.5 - x + x * y, b = 2.25 - x + x * y2, c = 2.625 - x + x * y3;
      return {a * a + b * b + c * c, 2 * a * (y - 1) + 2 * b * (y2 - 1) + 2 * c * (y3 - 1),
              2 * a * x + 2 * b * 2 * x * y + 2 * c * 3 * x * y2};
    }
    case kHimmelblau: {
      const double a = x * x + y - 11, b = x + y * y - 7;
      return {a * a + b * b, 4 * a * x + 2 * b, 2 * a + 4 * b * y};
    }
    case kBooth: {
      const double a = x + 2 * y - 7, b = 2 * x + y - 5;
      return {a * a + b * b, 2 * a + 4 * b, 4 * a + 2 * b};
    }
    case kSaddle: return {x * x - y * y, 2 * x, -2 * y};
    case kQuadratic: return {0.5 * (x * x + param * y * y), x, param * y};
    case kRastrigin: {
      const double w = 2 * M_PI;
      return {20 + x * x - 10 * std::cos(w * x) + y * y - 10 * std::cos(w * y), 2 * x + 10 * w * std::sin(w * x),
              2 * y + 10 * w * std::sin(w * y)};
    }
    case kExpression: return expr->eval(x, y);
  }
  return {NAN, NAN, NAN};
}

// ---- optimizers ----

std::string OptimizerSpec::name() const {
  if (!label.empty()) return label;
  char b[64];
  std::snprintf(b, sizeof b, "%s lr %g", type.c_str(), lr);
  return b;
}

OptimizerSpec parse_optimizer(const std::string& text) {
  OptimizerSpec o;
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i)
    if (i == text.size() || text[i] == ',') parts.push_back(text.substr(start, i - start)), start = i + 1;
  o.type = parts.empty() ? "" : parts[0];
  static const char* types[] = {"gd", "sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad"};
  if (std::find_if(std::begin(types), std::end(types), [&](const char* t) { return o.type == t; }) == std::end(types))
    throw std::invalid_argument("unknown optimizer \"" + o.type +
                                "\" (choose gd, sgd, momentum, nesterov, adam, adamw, rmsprop, adagrad)");
  if (o.type == "momentum" || o.type == "nesterov") o.momentum = 0.9, o.nesterov = o.type == "nesterov";
  if (o.type == "adamw") o.weight_decay = 1e-2;
  if (o.type == "rmsprop") o.lr = 1e-2;
  if (o.type == "adagrad") o.lr = 1e-2, o.eps = 1e-10;
  for (size_t i = 1; i < parts.size(); ++i) {
    const auto eq = parts[i].find('=');
    if (eq == std::string::npos) throw std::invalid_argument("\"" + parts[i] + "\": settings are key=value");
    const std::string k = parts[i].substr(0, eq), v = parts[i].substr(eq + 1);
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    const bool is_bool = v == "true" || v == "false";
    if (!is_bool && (end == v.c_str() || *end))
      throw std::invalid_argument("\"" + parts[i] + "\": " + k + " needs a number");
    const bool b = v == "true" || (!is_bool && d != 0);
    if (k == "lr") o.lr = d;
    else if (k == "momentum") o.momentum = d;
    else if (k == "dampening") o.dampening = d;
    else if (k == "weight_decay") o.weight_decay = d;
    else if (k == "nesterov") o.nesterov = b;
    else if (k == "beta1") o.beta1 = d;
    else if (k == "beta2") o.beta2 = d;
    else if (k == "eps") o.eps = d;
    else if (k == "amsgrad") o.amsgrad = b;
    else if (k == "alpha") o.alpha = d;
    else if (k == "centered") o.centered = b;
    else if (k == "lr_decay") o.lr_decay = d;
    else if (k == "initial_accumulator_value") o.initial_accumulator = d;
    else
      throw std::invalid_argument("\"" + k + "\" is not a setting of " + o.type +
                                  " (lr, momentum, dampening, weight_decay, nesterov, beta1, beta2, eps, amsgrad, "
                                  "alpha, centered, lr_decay, initial_accumulator_value)");
  }
  if (!(o.lr > 0)) throw std::invalid_argument("lr must be positive");
  if (o.nesterov && (o.momentum <= 0 || o.dampening != 0))
    throw std::invalid_argument("Nesterov momentum requires a momentum and zero dampening");
  return o;
}

namespace {

// One optimizer's state over the two coordinates, updated exactly as
// torch::optim does it (same operations in the same order, in double).
struct Stepper {
  OptimizerSpec o;
  int64_t step = 0;
  double buf[2] = {0, 0}, m[2] = {0, 0}, v[2] = {0, 0}, vmax[2] = {0, 0}, gavg[2] = {0, 0}, sum[2] = {0, 0};
  bool has_buf = false;

  enum Kind { kSgd, kAdam, kAdamW, kRmsprop, kAdagrad } kind = kSgd;

  explicit Stepper(const OptimizerSpec& s) : o(s) {
    sum[0] = sum[1] = s.initial_accumulator;
    kind = s.type == "adam" ? kAdam : s.type == "adamw" ? kAdamW : s.type == "rmsprop" ? kRmsprop
         : s.type == "adagrad" ? kAdagrad : kSgd;  // gd, sgd, momentum, nesterov
  }

  // torch's CPU kernels compute "a + alpha * b" and "a + v * t1 * t2" as one
  // fused multiply-add where its kernels are built with FMA (the AVX2 and
  // AVX-512 ones on x86, every one on ARM); fma() here gives the same
  // roundings, so trajectories agree to the last bit, not just closely.
  static double fmadd(double a, double b, double c) { return fused() ? std::fma(a, b, c) : a * b + c; }
  static bool fused() {
    static const bool on = [] {
      const char* cap = std::getenv("ATEN_CPU_CAPABILITY");
      if (cap && std::string(cap) == "default") return false;
#if defined(__x86_64__) || defined(__i386__)
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
      return true;
#endif
    }();
    return on;
  }

  void update(double* p, const double* grad) {
    ++step;
    double g[2] = {grad[0], grad[1]};
    if (kind == kSgd) {
      for (int i = 0; i < 2; ++i) {
        double d = g[i];
        if (o.weight_decay != 0) d = fmadd(o.weight_decay, p[i], d);
        if (o.momentum != 0) {
          if (!has_buf) buf[i] = d;
          else buf[i] = fmadd(1 - o.dampening, d, buf[i] * o.momentum);
          d = o.nesterov ? fmadd(o.momentum, buf[i], d) : buf[i];
        }
        p[i] = fmadd(-1 * o.lr, d, p[i]);
      }
      has_buf = true;
    } else if (kind == kAdam || kind == kAdamW) {
      const double bc1 = 1 - std::pow(o.beta1, static_cast<double>(step));
      const double bc2 = 1 - std::pow(o.beta2, static_cast<double>(step));
      const double step_size = o.lr / bc1;
      for (int i = 0; i < 2; ++i) {
        if (kind == kAdamW) p[i] = p[i] * (1 - o.lr * o.weight_decay);
        else if (o.weight_decay != 0) g[i] = fmadd(o.weight_decay, p[i], g[i]);
        m[i] = fmadd(1 - o.beta1, g[i], m[i] * o.beta1);
        v[i] = fmadd((1 - o.beta2) * g[i], g[i], v[i] * o.beta2);
        double denom;
        if (o.amsgrad) {
          vmax[i] = std::max(vmax[i], v[i]);
          denom = std::sqrt(vmax[i]) / std::sqrt(bc2) + o.eps;
        } else {
          denom = std::sqrt(v[i]) / std::sqrt(bc2) + o.eps;
        }
        p[i] = p[i] + (-step_size) * m[i] / denom;
      }
    } else if (kind == kRmsprop) {
      for (int i = 0; i < 2; ++i) {
        if (o.weight_decay != 0) g[i] = fmadd(o.weight_decay, p[i], g[i]);
        v[i] = fmadd((1 - o.alpha) * g[i], g[i], v[i] * o.alpha);
        double avg;
        if (o.centered) {
          gavg[i] = fmadd(1 - o.alpha, g[i], gavg[i] * o.alpha);
          avg = std::sqrt(fmadd(-1 * gavg[i], gavg[i], v[i])) + o.eps;
        } else {
          avg = std::sqrt(v[i]) + o.eps;
        }
        if (o.momentum > 0) {
          buf[i] = buf[i] * o.momentum + 1 * g[i] / avg;
          p[i] = fmadd(-o.lr, buf[i], p[i]);
        } else {
          p[i] = p[i] + (-o.lr) * g[i] / avg;
        }
      }
    } else if (kind == kAdagrad) {
      const double clr = o.lr / (1 + static_cast<double>(step - 1) * o.lr_decay);
      for (int i = 0; i < 2; ++i) {
        if (o.weight_decay != 0) g[i] = fmadd(o.weight_decay, p[i], g[i]);
        sum[i] = fmadd(1.0 * g[i], g[i], sum[i]);
        const double sd = std::sqrt(sum[i]) + o.eps;
        p[i] = p[i] + (-clr) * g[i] / sd;
      }
    }
  }
};

std::string at_step(int k) { return " at step " + std::to_string(k); }

}  // namespace

Trajectory run(const Function& f, const OptimizerSpec& o, double x0, double y0, int steps, int every, double box) {
  if (steps < 0 || steps > kMaxSteps)
    throw std::invalid_argument("steps must be from 0 to " + std::to_string(kMaxSteps) + ", got " +
                                std::to_string(steps));
  Trajectory t;
  t.optimizer = o;
  every = std::max(1, every);
  t.points.reserve(static_cast<size_t>(steps / every + 2));
  Stepper s(o);
  double p[2] = {x0, y0};
  Eval e = f.eval(p[0], p[1]);
  auto bad = [&](int k) {
    if (!std::isfinite(e.f)) {
      t.reason = (f.expr ? "f is undefined or not finite" : "f is not finite") + at_step(k);
      return true;
    }
    if (!std::isfinite(e.gx) || !std::isfinite(e.gy)) {
      t.reason = "the gradient is not finite" + at_step(k);
      return true;
    }
    return false;
  };
  if (bad(0)) {
    t.diverged = true;
    return t;
  }
  t.points.push_back({0, p[0], p[1], e.f});
  // On a divergence, the last good point is kept even between every-k-th ones.
  auto keep_last = [&](int k, const Point& last) {
    if (t.points.back().step != k) t.points.push_back(last);
  };
  for (int k = 1; k <= steps; ++k) {
    const double g[2] = {e.gx, e.gy};
    const Point last{k - 1, p[0], p[1], e.f};
    s.update(p, g);
    if (!std::isfinite(p[0]) || !std::isfinite(p[1]) || std::fabs(p[0]) > box || std::fabs(p[1]) > box) {
      char b[96];
      std::snprintf(b, sizeof b, "left the box |x|, |y| < %g", box);
      t.reason = b + at_step(k);
      t.diverged = true, t.diverged_step = k, t.steps_done = k - 1;
      keep_last(k - 1, last);
      return t;
    }
    e = f.eval(p[0], p[1]);
    if (bad(k)) {
      t.diverged = true, t.diverged_step = k, t.steps_done = k - 1;
      keep_last(k - 1, last);
      return t;
    }
    t.steps_done = k;
    if (k % every == 0 || k == steps) t.points.push_back({k, p[0], p[1], e.f});
  }
  return t;
}

std::vector<double> grid_values(const Function& f, int w, int h) {
  std::vector<double> out(static_cast<size_t>(w) * h);
  for (int r = 0; r < h; ++r) {
    const double y = f.y_hi - (f.y_hi - f.y_lo) * (r + 0.5) / h;
    for (int c = 0; c < w; ++c) {
      const double x = f.x_lo + (f.x_hi - f.x_lo) * (c + 0.5) / w;
      out[static_cast<size_t>(r) * w + c] = f.eval(x, y).f;
    }
  }
  return out;
}

std::vector<Preset> playground_presets() {
  auto opt = [](const std::string& type, double lr) {
    OptimizerSpec o = parse_optimizer(type);
    o.lr = lr;
    return o;
  };
  std::vector<Preset> p;
  p.push_back({"rosenbrock-lr1e-4", "Rosenbrock from (-4, -2), lr 1e-4, 100,000 steps: gradient descent, momentum, Adam",
               "rosenbrock", -4, -2, 100000, {opt("gd", 1e-4), opt("momentum", 1e-4), opt("adam", 1e-4)}});
  p.push_back({"rosenbrock-lr1e-3", "Rosenbrock from (-4, -2), lr 1e-3: momentum diverges, Adam does not",
               "rosenbrock", -4, -2, 100000, {opt("momentum", 1e-3), opt("adam", 1e-3)}});
  p.push_back({"adam-vs-momentum", "Rosenbrock from (-4, -2): Adam at lr 1e-2 against momentum at lr 1e-4",
               "rosenbrock", -4, -2, 100000, {opt("adam", 1e-2), opt("momentum", 1e-4)}});
  p.push_back({"all-six", "Rosenbrock from (-4, -2): six optimizers at their usual learning rates",
               "rosenbrock", -4, -2, 100000,
               {opt("gd", 1e-4), opt("momentum", 1e-4), opt("nesterov", 1e-4), opt("adam", 1e-2),
                opt("rmsprop", 1e-3), opt("adagrad", 0.5)}});
  return p;
}

std::string trajectories_csv(const std::vector<Trajectory>& ts, int every) {
  every = std::max(1, every);
  const bool several = ts.size() > 1;
  std::string out = several ? "optimizer,step,x,y,f\n" : "step,x,y,f\n";
  char b[160];
  for (const Trajectory& t : ts) {
    const int n = static_cast<int>(t.points.size());
    for (int i = 0; i < n; ++i) {
      const Point& q = t.points[i];
      if (q.step % every != 0 && i != n - 1) continue;
      std::snprintf(b, sizeof b, "%d,%.17g,%.17g,%.17g\n", q.step, q.x, q.y, q.f);
      if (several) out += "\"" + t.optimizer.name() + "\",";
      out += b;
    }
  }
  return out;
}

}  // namespace hyperlab::playground
