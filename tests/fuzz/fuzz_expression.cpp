// libFuzzer target: the playground's expression parser (a typed-in f(x, y))
// and what runs the compiled program: values and gradients at a few points,
// a contour grid and a short optimizer run. The parser throws
// ExpressionError with a position; evaluation never throws.
#include <string>

#include "fuzz_common.h"
#include "playground/playground.h"

namespace pg = hyperlab::playground;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::guard("playground expression", [&] {
    pg::Function f;
    try {
      f = pg::expression_function(text);
    } catch (const pg::ExpressionError& e) {
      if (e.position > text.size()) fuzz::escaped("playground expression", "error position past the end: " + e.message);
      return;
    }
    volatile double sink = 0;
    for (double x : {0.0, 1.5, -2.0})
      for (double y : {0.0, -0.5, 3.0}) {
        pg::Eval v = f.eval(x, y);
        sink = sink + v.f + v.gx + v.gy;
      }
    (void)pg::grid_values(f, 4, 3);
    pg::OptimizerSpec adam;
    adam.type = "adam";
    adam.lr = 0.1;
    pg::Trajectory t = pg::run(f, adam, f.start_x, f.start_y, 20);
    // No points only when f or its gradient is not finite at the start.
    if (t.points.empty() && !t.diverged) fuzz::escaped("playground expression", "a run without its start point");
  });
  return 0;
}
