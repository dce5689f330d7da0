// Expressions typed by the user ("(1-x)^2 + 100*(y-x^2)^2"): parsed to a
// postfix program and evaluated on dual numbers, so each point gives the
// value and the gradient exactly.
#include "playground/playground.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace hyperlab::playground {

namespace {

enum Code { kConst, kX, kY, kAdd, kSub, kMul, kDiv, kPow, kNeg, kSin, kCos, kTan, kExp, kLog, kSqrt, kAbs, kTanh };

struct Fn {
  const char* name;
  int code;
};
const Fn kFunctions[] = {{"sin", kSin}, {"cos", kCos},   {"tan", kTan}, {"exp", kExp},
                         {"log", kLog}, {"sqrt", kSqrt}, {"abs", kAbs}, {"tanh", kTanh}};

const char* kNames = "x, y, pi, e, sin, cos, tan, exp, log, sqrt, abs, tanh";

}  // namespace

class Parser {
 public:
  Parser(const std::string& s, std::vector<Expression::Op>& out) : s_(s), out_(out) {}

  void parse() {
    skip();
    if (i_ >= s_.size()) fail(i_, "the expression is empty");
    expr();
    skip();
    if (i_ < s_.size()) {
      if (s_[i_] == ')') fail(i_, "\")\" without a matching \"(\"");
      fail(i_, std::string("unexpected \"") + s_[i_] + "\"");
    }
  }

 private:
  [[noreturn]] void fail(size_t at, const std::string& what) {
    ExpressionError e;
    e.position = at;
    e.message = "position " + std::to_string(at + 1) + ": " + what;
    throw e;
  }
  void skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool starts_primary() {
    skip();
    if (i_ >= s_.size()) return false;
    const char c = s_[i_];
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '(' || c == '_';
  }
  void emit(int code, double v = 0) { out_.push_back({code, v}); }

  void expr() {
    term();
    for (;;) {
      skip();
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) {
        const char op = s_[i_++];
        term();
        emit(op == '+' ? kAdd : kSub);
      } else {
        return;
      }
    }
  }
  void term() {
    unary();
    for (;;) {
      skip();
      if (i_ < s_.size() && (s_[i_] == '*' || s_[i_] == '/')) {
        const char op = s_[i_++];
        unary();
        emit(op == '*' ? kMul : kDiv);
      } else if (starts_primary()) {  // implicit product: 100(y - x^2)^2, 2x
        unary();
        emit(kMul);
      } else {
        return;
      }
    }
  }
  // Every way to nest (parentheses, function calls, signs, powers) passes
  // through unary(): its depth bounds the recursion, so no input can overflow
  // the stack.
  static constexpr int kMaxDepth = 256;
  struct Nest {
    Parser& p;
    explicit Nest(Parser& parser) : p(parser) {
      if (++p.depth_ > kMaxDepth)
        p.fail(p.i_, "nested deeper than " + std::to_string(kMaxDepth) + " levels (parentheses, signs or powers)");
    }
    ~Nest() { --p.depth_; }
  };
  void unary() {
    Nest nest(*this);
    skip();
    if (i_ < s_.size() && (s_[i_] == '-' || s_[i_] == '+')) {
      const char op = s_[i_++];
      unary();
      if (op == '-') emit(kNeg);
      return;
    }
    power();
  }
  void power() {
    primary();
    skip();
    if (i_ < s_.size() && s_[i_] == '^') {
      ++i_;
      unary();  // right-associative; 2^-x allowed
      emit(kPow);
    }
  }
  void primary() {
    skip();
    if (i_ >= s_.size()) fail(i_, "the expression ends where a number, x, y, \"(\" or a function was expected");
    const size_t at = i_;
    const char c = s_[i_];
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      const char* begin = s_.c_str() + i_;
      char* end = nullptr;
      const double v = std::strtod(begin, &end);
      if (end == begin) fail(at, "a number was expected");
      i_ += static_cast<size_t>(end - begin);
      emit(kConst, v);
      return;
    }
    if (c == '(') {
      ++i_;
      expr();
      skip();
      if (i_ >= s_.size() || s_[i_] != ')') fail(i_, "\")\" expected to close the \"(\" at position " + std::to_string(at + 1));
      ++i_;
      return;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i_;
      while (j < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[j])) || s_[j] == '_')) ++j;
      const std::string name = s_.substr(i_, j - i_);
      i_ = j;
      if (name == "x") return emit(kX);
      if (name == "y") return emit(kY);
      if (name == "pi") return emit(kConst, M_PI);
      if (name == "e") return emit(kConst, M_E);
      for (const Fn& f : kFunctions)
        if (name == f.name) {
          skip();
          if (i_ >= s_.size() || s_[i_] != '(') fail(i_, std::string("\"(\" expected after ") + f.name);
          const size_t open = i_++;
          expr();
          skip();
          if (i_ >= s_.size() || s_[i_] != ')')
            fail(i_, "\")\" expected to close the \"(\" at position " + std::to_string(open + 1));
          ++i_;
          return emit(f.code);
        }
      fail(at, "unknown name \"" + name + "\" (use " + kNames + ")");
    }
    fail(at, std::string("unexpected \"") + c + "\" where a number, x, y, \"(\" or a function was expected");
  }

  const std::string& s_;
  std::vector<Expression::Op>& out_;
  size_t i_ = 0;
  int depth_ = 0;
};

Expression::Expression(const std::string& text) : text_(text) {
  Parser p(text_, program_);
  p.parse();
}

Eval Expression::eval(double x, double y) const {
  Eval st[64];
  Eval* heap = nullptr;
  std::vector<Eval> big;
  if (program_.size() > 64) big.resize(program_.size()), heap = big.data();
  Eval* s = heap ? heap : st;
  int n = 0;
  for (const Op& op : program_) {
    switch (op.code) {
      case kConst: s[n++] = {op.value, 0, 0}; break;
      case kX: s[n++] = {x, 1, 0}; break;
      case kY: s[n++] = {y, 0, 1}; break;
      case kNeg: s[n - 1] = {-s[n - 1].f, -s[n - 1].gx, -s[n - 1].gy}; break;
      case kAdd: case kSub: case kMul: case kDiv: case kPow: {
        const Eval b = s[--n], a = s[n - 1];
        Eval r;
        if (op.code == kAdd) r = {a.f + b.f, a.gx + b.gx, a.gy + b.gy};
        else if (op.code == kSub) r = {a.f - b.f, a.gx - b.gx, a.gy - b.gy};
        else if (op.code == kMul) r = {a.f * b.f, a.gx * b.f + a.f * b.gx, a.gy * b.f + a.f * b.gy};
        else if (op.code == kDiv) {
          const double q = a.f / b.f;
          r = {q, (a.gx - q * b.gx) / b.f, (a.gy - q * b.gy) / b.f};
        } else {
          const double v = std::pow(a.f, b.f);
          if (b.gx == 0 && b.gy == 0) {  // constant exponent: b a^(b-1) a'
            const double d = b.f == 0 ? 0 : b.f == 2 ? 2 * a.f : b.f * std::pow(a.f, b.f - 1);
            r = {v, d * a.gx, d * a.gy};
          } else {  // a^b (b' ln a + b a'/a)
            const double la = std::log(a.f);
            r = {v, v * (b.gx * la + b.f * a.gx / a.f), v * (b.gy * la + b.f * a.gy / a.f)};
          }
        }
        s[n - 1] = r;
        break;
      }
      default: {
        const Eval a = s[n - 1];
        double v = 0, d = 0;
        switch (op.code) {
          case kSin: v = std::sin(a.f), d = std::cos(a.f); break;
          case kCos: v = std::cos(a.f), d = -std::sin(a.f); break;
          case kTan: v = std::tan(a.f), d = 1 + v * v; break;
          case kExp: v = std::exp(a.f), d = v; break;
          case kLog: v = a.f > 0 ? std::log(a.f) : NAN, d = 1 / a.f; break;
          case kSqrt: v = a.f >= 0 ? std::sqrt(a.f) : NAN, d = 0.5 / v; break;
          case kAbs: v = std::fabs(a.f), d = a.f > 0 ? 1 : a.f < 0 ? -1 : 0; break;
          case kTanh: v = std::tanh(a.f), d = 1 - v * v; break;
        }
        s[n - 1] = {v, d * a.gx, d * a.gy};
      }
    }
  }
  return s[0];
}


}  // namespace hyperlab::playground
