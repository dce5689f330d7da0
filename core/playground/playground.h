// The optimizer playground: optimizers racing on 2-D functions, in double
// precision. Functions are built in (Rosenbrock, Beale, Himmelblau, Booth, a
// saddle, an anisotropic quadratic, Rastrigin) or typed in x and y and
// differentiated automatically. The optimizers' updates follow LibTorch's
// torch::optim (= PyTorch's) step by step, so trajectories match what
// students get there. Torch-free and Qt-free: the CLI, the window and the
// benchmark share it.
#pragma once

#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hyperlab::playground {

/// Value and gradient at a point (forward-mode: value, d/dx, d/dy).
struct Eval {
  double f = 0, gx = 0, gy = 0;
};

/// A typed-in expression, compiled: + - * / ^, unary minus, parentheses,
/// x, y, pi, e, numbers, and sin cos tan exp log sqrt abs tanh.
class Expression {
 public:
  /// Throws ExpressionError with the position (0-based) of the mistake.
  explicit Expression(const std::string& text);
  Eval eval(double x, double y) const;  ///< NaN where undefined (log of a negative number, ...)
  const std::string& text() const { return text_; }

 private:
  struct Op {
    int code;
    double value;
  };
  std::string text_;
  std::vector<Op> program_;  // postfix
  friend class Parser;
};

struct ExpressionError : std::exception {
  size_t position = 0;
  std::string message;  ///< "position 7: expected ')'"
  const char* what() const noexcept override { return message.c_str(); }
};

struct Function {
  std::string name;      ///< "rosenbrock", or "expression"
  std::string formula;   ///< as shown, e.g. "(1 - x)^2 + 100 (y - x^2)^2"
  double f_min = 0;      ///< the known minimum value (NaN: none, e.g. the saddle)
  std::vector<std::pair<double, double>> minima;  ///< where it is reached
  double x_lo = -5, x_hi = 5, y_lo = -5, y_hi = 5;  ///< a view that shows it well
  double start_x = -4, start_y = -2;                ///< a good start
  std::shared_ptr<const Expression> expr;           ///< typed-in functions
  int kind = 0;          ///< built-in (internal)
  double param = 0;      ///< quadratic: the condition number
  Eval eval(double x, double y) const;
};

/// Built-in functions: rosenbrock, beale, himmelblau, booth, saddle,
/// quadratic (condition number `param`, default 10), rastrigin.
std::vector<std::string> function_names();
/// Throws std::invalid_argument naming the choices for an unknown name.
Function builtin_function(const std::string& name, double param = 0);
/// A typed-in function (throws ExpressionError).
Function expression_function(const std::string& text);
/// Tells a function where its minimum is (a typed-in one has none known):
/// f* = f(x, y), for log10(f - f*) and the distance to the minimum.
void set_minimum(Function& f, double x, double y);

/// One optimizer and its settings (LibTorch's names and defaults).
struct OptimizerSpec {
  std::string type = "sgd";  ///< gd | sgd | momentum | nesterov | adam | adamw | rmsprop | adagrad
  double lr = 1e-3;
  double momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  bool amsgrad = false;
  double alpha = 0.99;      ///< rmsprop
  bool centered = false;    ///< rmsprop
  double lr_decay = 0, initial_accumulator = 0;  ///< adagrad
  std::string label;        ///< shown in legends ("" = made from the settings)
  std::string name() const;
};
/// "adam,lr=0.01,beta1=0.8" or "momentum,momentum=0.95": the type and settings
/// (momentum and nesterov: SGD with momentum 0.9 unless given). Throws
/// std::invalid_argument naming the bad part.
OptimizerSpec parse_optimizer(const std::string& text);

struct Point {
  int step = 0;
  double x = 0, y = 0, f = 0;
};

/// Where and why a trajectory stopped early.
struct Trajectory {
  OptimizerSpec optimizer;
  std::vector<Point> points;  ///< points[0] = the start, then after each step
  int steps_done = 0;
  bool diverged = false;
  int diverged_step = 0;
  std::string reason;         ///< "f is not finite at step 812", "left the box |x|,|y| < 1e6 at step 90", ...
};

/// The most steps one trajectory may take (the window's and the CLI's limit):
/// 10 million points of about 32 bytes each per optimizer.
constexpr int kMaxSteps = 10'000'000;

/// Runs `steps` updates (0 <= steps <= kMaxSteps, else std::invalid_argument) from (x0, y0). Stops at a non-finite value or
/// gradient, or outside |x|, |y| < box. Keeps every point (every is 1) or
/// every k-th and the last.
Trajectory run(const Function& f, const OptimizerSpec& o, double x0, double y0, int steps, int every = 1,
               double box = 1e6);

/// Values on a w x h grid over the view (row 0 = y_hi), for contour maps.
std::vector<double> grid_values(const Function& f, int w, int h);

/// A playground setup from the homework, ready to run.
struct Preset {
  std::string name, description;
  std::string function = "rosenbrock";
  double start_x = -4, start_y = -2;
  int steps = 100000;
  std::vector<OptimizerSpec> optimizers;
};
std::vector<Preset> playground_presets();

/// step,x,y,f rows (every k-th step and the last), with an optimizer column when several.
std::string trajectories_csv(const std::vector<Trajectory>& t, int every = 1);

}  // namespace hyperlab::playground
