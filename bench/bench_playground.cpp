// hyperlab-bench-playground: how long the optimizer playground takes.
//   6 optimizers x 100,000 steps (the homework race), target < 1 s;
//   6 optimizers x 10,000 steps (a recompute while the start point is
//   dragged), target < 100 ms; both on the built-in Rosenbrock and on the
//   same function typed in as an expression. Each figure is the best of 5.
#include <chrono>
#include <cstdio>

#include "playground/playground.h"

using namespace hyperlab::playground;

namespace {
double seconds(const Function& f, const std::vector<OptimizerSpec>& opts, int steps) {
  double best = 1e30;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    size_t points = 0;
    for (const OptimizerSpec& o : opts) points += run(f, o, -4, -2, steps).points.size();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (points == 0) std::printf("(no points)\n");
    best = std::min(best, s);
  }
  return best;
}
}  // namespace

int main() {
  std::vector<OptimizerSpec> six;
  for (const Preset& p : playground_presets())
    if (p.name == "all-six") six = p.optimizers;
  const Function builtin = builtin_function("rosenbrock");
  const Function typed = expression_function("(1 - x)^2 + 100 (y - x^2)^2");
  std::printf("hyperlab-bench-playground: %zu optimizers on Rosenbrock from (-4, -2), every point kept\n\n", six.size());
  std::printf("%-30s %12s %12s\n", "", "built-in", "typed in");
  const double a = seconds(builtin, six, 100000), b = seconds(typed, six, 100000);
  std::printf("%-30s %9.1f ms %9.1f ms   target < 1000 ms: %s\n", "6 x 100,000 steps (race)", a * 1e3, b * 1e3,
              std::max(a, b) < 1 ? "met" : "MISSED");
  const double c = seconds(builtin, six, 10000), d = seconds(typed, six, 10000);
  std::printf("%-30s %9.1f ms %9.1f ms   target < 100 ms: %s\n", "6 x 10,000 steps (drag)", c * 1e3, d * 1e3,
              std::max(c, d) < 0.1 ? "met" : "MISSED");
  std::printf("\nper step and optimizer: %.0f ns built-in, %.0f ns typed in\n", a / 6e5 * 1e9, b / 6e5 * 1e9);
  return 0;
}
