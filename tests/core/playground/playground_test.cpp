// The playground without LibTorch: functions and their minima, typed-in
// expressions (values, automatic derivatives, errors at the right position),
// divergence and undefined values stopping a trajectory with the reason,
// optimizer settings, and the CSV.
#include <gtest/gtest.h>

#include <cmath>

#include "playground/playground.h"

using namespace hyperlab::playground;

TEST(Functions, MinimaAreWhereTheySayAndGradientsVanishThere) {
  for (const std::string& name : function_names()) {
    const Function f = builtin_function(name);
    for (auto [x, y] : f.minima) {
      const Eval e = f.eval(x, y);
      EXPECT_NEAR(e.f, f.f_min, 1e-9) << name;
      EXPECT_NEAR(e.gx, 0, 1e-4) << name;
      EXPECT_NEAR(e.gy, 0, 1e-4) << name;
    }
  }
  EXPECT_EQ(builtin_function("rosenbrock").formula, "(1 - x)^2 + 100 (y - x^2)^2");
  EXPECT_DOUBLE_EQ(builtin_function("rosenbrock").eval(-4, -2).f, 25 + 100 * 18 * 18);
  EXPECT_TRUE(std::isnan(builtin_function("saddle").f_min));
  EXPECT_DOUBLE_EQ(builtin_function("quadratic", 100).eval(1, 1).f, 50.5);
  EXPECT_THROW(builtin_function("rosenbrok"), std::invalid_argument);
}

TEST(Expressions, MatchTheBuiltInFunctionsValueAndGradient) {
  const std::pair<const char*, const char*> same[] = {
      {"rosenbrock", "(1 - x)^2 + 100 (y - x^2)^2"},
      {"himmelblau", "(x^2 + y - 11)^2 + (x + y^2 - 7)^2"},
      {"beale", "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2"},
      {"rastrigin", "20 + x^2 - 10 cos(2 pi x) + y^2 - 10*cos(2*pi*y)"},
      {"saddle", "x^2 - y^2"}};
  for (auto [name, text] : same) {
    const Function a = builtin_function(name), b = expression_function(text);
    for (auto [x, y] : {std::pair{-1.3, 0.7}, std::pair{2.1, -1.9}, std::pair{0.4, 0.25}}) {
      const Eval ea = a.eval(x, y), eb = b.eval(x, y);
      EXPECT_NEAR(eb.f, ea.f, 1e-10 * std::max(1.0, std::fabs(ea.f))) << text;
      EXPECT_NEAR(eb.gx, ea.gx, 1e-9 * std::max(1.0, std::fabs(ea.gx))) << text;
      EXPECT_NEAR(eb.gy, ea.gy, 1e-9 * std::max(1.0, std::fabs(ea.gy))) << text;
    }
  }
  // Functions, unary minus, right-associative powers, division.
  const Eval e = expression_function("-x^2 + exp(y)/2 + sqrt(abs(x)) + log(y) + sin(x)*cos(y) + 2^-1 + tanh(x)").eval(0.5, 2);
  EXPECT_NEAR(e.f, -0.25 + std::exp(2.0) / 2 + std::sqrt(0.5) + std::log(2.0) + std::sin(0.5) * std::cos(2.0) + 0.5 +
                       std::tanh(0.5), 1e-12);
  EXPECT_NEAR(e.gx, -1 + 0.5 / std::sqrt(0.5) + std::cos(0.5) * std::cos(2.0) + 1 - std::tanh(0.5) * std::tanh(0.5), 1e-12);
  EXPECT_NEAR(e.gy, std::exp(2.0) / 2 + 0.5 - std::sin(0.5) * std::sin(2.0), 1e-12);
  EXPECT_DOUBLE_EQ(expression_function("2^3^2").eval(0, 0).f, 512);
  Function typed = expression_function("(x - 1)^2 + y^2 + 3");
  EXPECT_TRUE(std::isnan(typed.f_min));
  set_minimum(typed, 1, 0);
  EXPECT_DOUBLE_EQ(typed.f_min, 3);
  ASSERT_EQ(typed.minima.size(), 1u);
  // x^y: both derivatives.
  const Eval p = expression_function("x^y").eval(2, 3);
  EXPECT_NEAR(p.gx, 3 * 4, 1e-12);
  EXPECT_NEAR(p.gy, 8 * std::log(2.0), 1e-12);
}

TEST(Expressions, MistakesAreReportedAtTheirPosition) {
  auto error = [](const std::string& t) {
    try {
      expression_function(t);
    } catch (const ExpressionError& e) {
      return std::make_pair(e.position, e.message);
    }
    return std::make_pair(size_t(999), std::string());
  };
  EXPECT_EQ(error("(1 - x^2 + 100"), std::make_pair(size_t(14), std::string("position 15: \")\" expected to close the \"(\" at position 1")));
  EXPECT_EQ(error("x + z").first, 4u);
  EXPECT_NE(error("x + z").second.find("unknown name \"z\""), std::string::npos);
  EXPECT_EQ(error("x * * y").first, 4u);
  EXPECT_EQ(error("x +").first, 3u);
  EXPECT_NE(error("x +").second.find("ends"), std::string::npos);
  EXPECT_EQ(error("sin x").first, 4u);
  EXPECT_EQ(error("x)").second, "position 2: \")\" without a matching \"(\"");
  EXPECT_EQ(error("").second, "position 1: the expression is empty");
  EXPECT_EQ(error("x # y").first, 2u);
}

TEST(Trajectories, DivergenceAndUndefinedValuesStopWithTheReason) {
  const Function r = builtin_function("rosenbrock");
  Trajectory m = run(r, parse_optimizer("momentum,lr=0.001"), -4, -2, 100000);
  EXPECT_TRUE(m.diverged);
  EXPECT_GT(m.diverged_step, 0);
  EXPECT_LT(m.diverged_step, 100);
  EXPECT_NE(m.reason.find("at step " + std::to_string(m.diverged_step)), std::string::npos) << m.reason;
  EXPECT_EQ(static_cast<int>(m.points.size()), m.steps_done + 1);
  for (const Point& q : m.points) EXPECT_TRUE(std::isfinite(q.f));
  Trajectory sparse = run(r, parse_optimizer("momentum,lr=0.001"), -4, -2, 100000, 1000);
  ASSERT_EQ(sparse.points.size(), 2u) << "the start and the last good point";
  EXPECT_EQ(sparse.points.back().step, m.steps_done);
  EXPECT_EQ(sparse.points.back().x, m.points.back().x);
  Trajectory a = run(r, parse_optimizer("adam,lr=0.001"), -4, -2, 20000);
  EXPECT_FALSE(a.diverged) << a.reason;
  EXPECT_EQ(a.steps_done, 20000);
  EXPECT_LT(a.points.back().f, a.points.front().f);

  // log(x) is undefined left of 0: gradient descent walks there and stops.
  Trajectory u = run(expression_function("log(x) + y^2"), parse_optimizer("gd,lr=0.5"), 0.3, 1, 100);
  EXPECT_TRUE(u.diverged);
  EXPECT_NE(u.reason.find("undefined"), std::string::npos) << u.reason;
  // A start where f is undefined: no step at all.
  Trajectory s = run(expression_function("sqrt(x)"), parse_optimizer("gd,lr=0.1"), -1, 0, 10);
  EXPECT_TRUE(s.diverged);
  EXPECT_TRUE(s.points.empty());
  // Leaving the box.
  Trajectory b = run(builtin_function("saddle"), parse_optimizer("gd,lr=0.1"), 0.5, 1, 10000, 1, 100);
  EXPECT_TRUE(b.diverged);
  EXPECT_NE(b.reason.find("left the box"), std::string::npos) << b.reason;
}

TEST(Trajectories, GradientDescentOnAQuadraticFollowsTheClosedForm) {
  // f = (x^2 + k y^2)/2: x_t = x0 (1 - lr)^t, y_t = y0 (1 - lr k)^t.
  const Trajectory t = run(builtin_function("quadratic", 10), parse_optimizer("gd,lr=0.05"), -4, 3, 50);
  ASSERT_EQ(t.points.size(), 51u);
  EXPECT_NEAR(t.points[50].x, -4 * std::pow(0.95, 50), 1e-12);
  EXPECT_NEAR(t.points[50].y, 3 * std::pow(0.5, 50), 1e-20);
}

TEST(Optimizers, SettingsParseWithTorchDefaultsAndClearErrors) {
  OptimizerSpec m = parse_optimizer("momentum");
  EXPECT_EQ(m.momentum, 0.9);
  EXPECT_FALSE(m.nesterov);
  OptimizerSpec n = parse_optimizer("nesterov,lr=0.01,momentum=0.95");
  EXPECT_TRUE(n.nesterov);
  EXPECT_EQ(n.momentum, 0.95);
  EXPECT_EQ(n.lr, 0.01);
  OptimizerSpec a = parse_optimizer("adam,beta1=0.8,amsgrad=true");
  EXPECT_EQ(a.beta1, 0.8);
  EXPECT_TRUE(a.amsgrad);
  EXPECT_EQ(parse_optimizer("adamw").weight_decay, 1e-2);
  EXPECT_EQ(parse_optimizer("adagrad").eps, 1e-10);
  EXPECT_THROW(parse_optimizer("adamm"), std::invalid_argument);
  EXPECT_THROW(parse_optimizer("adam,beta3=1"), std::invalid_argument);
  EXPECT_THROW(parse_optimizer("adam,lr=fast"), std::invalid_argument);
  EXPECT_THROW(parse_optimizer("sgd,lr=-1"), std::invalid_argument);
}

TEST(Trajectories, CsvHasEveryKthStepAndTheLast) {
  const Function r = builtin_function("rosenbrock");
  Trajectory t = run(r, parse_optimizer("adam,lr=0.01"), -4, -2, 10, 3);
  std::string csv = trajectories_csv({t});
  EXPECT_EQ(csv.substr(0, 11), "step,x,y,f\n");
  int rows = 0;
  for (char c : csv) rows += c == '\n';
  EXPECT_EQ(rows, 1 + 5);  // 0, 3, 6, 9 and the last (10)
  EXPECT_NE(csv.find("\n10,"), std::string::npos);
  Trajectory full = run(r, parse_optimizer("adam,lr=0.01"), -4, -2, 10);
  EXPECT_EQ(trajectories_csv({full}, 3), csv) << "every k-th at writing equals every k-th at running";
  const std::string two = trajectories_csv({full, full});
  EXPECT_EQ(two.substr(0, 21), "optimizer,step,x,y,f\n");
}
