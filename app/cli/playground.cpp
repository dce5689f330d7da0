// hyperlab-cli playground: optimizers on a 2-D function, headless.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "cli.h"
#include "playground/playground.h"
#include "train/report.h"

namespace hyperlab::cli {

using namespace hyperlab::playground;

int cmd_playground(const Args& a) {
  if (a.list) {
    std::printf("functions:\n");
    for (const std::string& n : function_names()) {
      const Function f = builtin_function(n);
      std::printf("  %-11s %s\n", n.c_str(), f.formula.c_str());
    }
    std::printf("  --expr      any expression in x and y\n");
    std::printf("optimizers: gd sgd momentum nesterov adam adamw rmsprop adagrad\n"
                "  settings: lr momentum dampening weight_decay nesterov beta1 beta2 eps amsgrad alpha centered\n"
                "            lr_decay initial_accumulator_value (LibTorch's names and defaults)\n");
    std::printf("presets:\n");
    for (const Preset& p : playground_presets()) std::printf("  %-18s %s\n", p.name.c_str(), p.description.c_str());
    return kExitOk;
  }
  if (!a.positionals.empty()) return bad_input("unexpected argument " + a.positionals[0]);
  Function f;
  std::vector<OptimizerSpec> opts;
  double x0 = NAN, y0 = NAN;
  int steps = a.steps;
  try {
    if (!a.preset.empty()) {
      const std::vector<Preset> presets = playground_presets();
      const Preset* found = nullptr;
      for (const Preset& p : presets)
        if (p.name == a.preset) found = &p;
      if (!found) return bad_input("no playground preset named \"" + a.preset + "\" (see hyperlab-cli playground --list)");
      f = builtin_function(found->function);
      opts = found->optimizers;
      x0 = found->start_x, y0 = found->start_y;
      if (!steps) steps = found->steps;
    }
    if (!a.function.empty() && !a.expr.empty()) return bad_input("give --function or --expr, not both");
    if (!a.function.empty()) f = builtin_function(a.function, a.param);
    else if (!a.expr.empty()) f = expression_function(a.expr);
    else if (a.preset.empty()) return bad_input("playground needs --function NAME, --expr \"...\" or --preset NAME");
    if (!a.optimizers.empty()) opts.clear();
    for (const std::string& o : a.optimizers) {
      OptimizerSpec s = parse_optimizer(o);
      if (a.lr > 0 && o.find("lr=") == std::string::npos) s.lr = a.lr;
      opts.push_back(s);
    }
    if (opts.empty()) return bad_input("playground needs at least one --optimizer NAME[,key=value...]");
  } catch (const ExpressionError& e) {
    // The expression with a caret under the mistake; a long one is cut to 70
    // characters around it.
    size_t from = e.position > 40 ? e.position - 40 : 0;
    std::string shown = a.expr.substr(from, 70);
    size_t caret_at = e.position - from;
    if (from > 0) shown = "..." + shown, caret_at += 3;
    if (from + 70 < a.expr.size()) shown += "...";
    return bad_input("--expr: " + e.message + "\n  " + shown + "\n  " + std::string(caret_at, ' ') + "^");
  } catch (const std::invalid_argument& e) {
    return bad_input(e.what());
  }
  auto point = [](const std::string& text, double& x, double& y) {
    char* end = nullptr;
    x = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != ',') return false;
    const char* ys = end + 1;
    y = std::strtod(ys, &end);
    return end != ys && !*end;
  };
  if (!a.start.empty() && !point(a.start, x0, y0)) return bad_input("--start needs X,Y, got \"" + a.start + "\"");
  if (!a.minimum.empty()) {
    double mx = 0, my = 0;
    if (!point(a.minimum, mx, my)) return bad_input("--minimum needs X,Y, got \"" + a.minimum + "\"");
    set_minimum(f, mx, my);
  }
  if (!std::isfinite(x0)) x0 = f.start_x, y0 = f.start_y;
  if (!steps) steps = 10000;

  std::vector<Trajectory> ts;
  for (const OptimizerSpec& o : opts) ts.push_back(run(f, o, x0, y0, steps, a.every));
  const std::string csv = trajectories_csv(ts, a.every);
  FILE* info = a.out.empty() ? stderr : stdout;
  std::fprintf(info, "%s from (%g, %g), %d steps", f.formula.c_str(), x0, y0, steps);
  if (std::isfinite(f.f_min)) std::fprintf(info, "; minimum %g", f.f_min);
  std::fprintf(info, "\n");
  for (const Trajectory& t : ts) {
    if (t.points.empty()) {
      std::fprintf(info, "  %-22s stopped before the first step: %s\n", t.optimizer.name().c_str(), t.reason.c_str());
      continue;
    }
    const Point& q = t.points.back();
    std::fprintf(info, "  %-22s (%.6g, %.6g)  f %.6g", t.optimizer.name().c_str(), q.x, q.y, q.f);
    if (std::isfinite(f.f_min)) std::fprintf(info, "  log10(f - f*) %.3g", std::log10(std::max(q.f - f.f_min, 1e-300)));
    if (t.diverged) std::fprintf(info, "  diverged: %s", t.reason.c_str());
    std::fprintf(info, "\n");
  }
  if (a.out.empty()) {
    std::fputs(csv.c_str(), stdout);
  } else {
    try {
      write_file_atomic(a.out, csv);
    } catch (const std::exception& e) {
      return bad_input(e.what());
    }
    std::printf("wrote %s\n", a.out.c_str());
  }
  return kExitOk;
}

}  // namespace hyperlab::cli
