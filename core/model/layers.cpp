// The layer registry (model/layers.h): one entry per layer type, and the
// shape inference, briefs and filter views that walk a list of them.
#include "model/layers.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <limits>

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/modules/pooling.h>

#include "config/registry.h"
#include "model/layer_modules.h"
#include "model/scripted.h"

namespace hyperlab {

namespace nn = torch::nn;

namespace {

// Sizes of absurd configs (a conv2d with 2^31 channels, a linear layer after it)
// must not wrap around: products and sums of these non-negative counts
// saturate at kSaturated, which the memory check then refuses.
constexpr int64_t kSaturated = std::numeric_limits<int64_t>::max();
int64_t mul(int64_t a, int64_t b) {
  int64_t r = 0;
  return __builtin_mul_overflow(a, b, &r) ? kSaturated : r;
}
int64_t mul(std::initializer_list<int64_t> xs) {
  int64_t r = 1;
  for (int64_t x : xs) r = mul(r, x);
  return r;
}
int64_t add(int64_t a, int64_t b) {
  int64_t r = 0;
  return __builtin_add_overflow(a, b, &r) ? kSaturated : r;
}
int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (auto v : s) n = mul(n, v);
  return n;
}
std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%g", v);
  return b;
}

// ---- fields ----

LayerField int_field(std::string key, int LayerConfig::*m, double lo, double hi, std::string doc) {
  LayerField f;
  f.key = std::move(key), f.kind = FieldKind::Int, f.i = m, f.lo = lo, f.hi = hi, f.doc = std::move(doc);
  return f;
}
LayerField number_field(std::string key, double LayerConfig::*m, double lo, double hi, bool lo_open, bool hi_open,
                        std::string doc) {
  LayerField f;
  f.key = std::move(key), f.kind = FieldKind::Number, f.d = m, f.lo = lo, f.hi = hi, f.doc = std::move(doc);
  f.lo_open = lo_open, f.hi_open = hi_open;
  return f;
}
LayerField bool_field(std::string key, bool LayerConfig::*m, std::string doc) {
  LayerField f;
  f.key = std::move(key), f.kind = FieldKind::Bool, f.b = m, f.doc = std::move(doc);
  return f;
}
LayerField required(LayerField f) {
  f.required = true;
  return f;
}
LayerField with_default(LayerField f, double def) {
  f.def = def;
  return f;
}

LayerField out_field(const std::string& what, double suggested) {
  LayerField f = required(int_field("out", &LayerConfig::out, 1, INT_MAX, what));
  f.suggested = suggested;
  return f;
}
LayerField bias_field() { return bool_field("bias", &LayerConfig::bias, "adds a learned bias"); }
std::vector<LayerField> window_fields(bool pool) {
  LayerField k = int_field("kernel", &LayerConfig::kernel, 1, 1024, "window side");
  LayerField s = int_field("stride", &LayerConfig::stride, 1, 1024, "step between windows");
  if (pool) k = with_default(k, 2), s.same_as = "kernel";
  return {k, s, int_field("padding", &LayerConfig::padding, 0, 1024, "zeros added on each side")};
}

// ---- shape inference ----

bool infer_window(const LayerConfig& L, const Shape& in, int64_t& h, int64_t& w, bool pool, InferContext& ctx) {
  if (in.size() != 3) return ctx.fail("needs [C,H,W] input, got " + shape_str(in));
  const int64_t k = L.kernel, st = L.stride, pad = L.padding;
  h = (in[1] + 2 * pad - k) / st + 1, w = (in[2] + 2 * pad - k) / st + 1;
  if (in[1] + 2 * pad < k || in[2] + 2 * pad < k || h < 1 || w < 1)
    return ctx.fail("kernel " + std::to_string(k) + " does not fit input " + shape_str(in) + " with padding " +
                    std::to_string(pad));
  if (pool && 2 * pad > k)
    return ctx.fail("padding must be at most half the kernel, got padding " + std::to_string(pad) + " for kernel " +
                    std::to_string(k));
  return true;
}

bool infer_linear(const LayerConfig& L, const Shape& in, Shape& out, LayerSummary& s, InferContext& ctx) {
  s.name = "linear(" + std::to_string(L.out) + ")";
  if (in.size() != 1)
    return ctx.fail("needs a flat [features] input, got " + shape_str(in) + " (add a flatten layer before it)");
  s.params = add(mul(in[0], L.out), L.bias ? L.out : 0);
  s.flops = mul({2, in[0], L.out});
  out = {L.out};
  return true;
}

bool infer_conv(const LayerConfig& L, const Shape& in, Shape& out, LayerSummary& s, InferContext& ctx) {
  int64_t h = 0, w = 0;
  if (!infer_window(L, in, h, w, false, ctx)) return false;
  const int64_t k = L.kernel;
  s.name = "conv2d(" + std::to_string(L.out) + ", " + std::to_string(k) + "x" + std::to_string(k) + ")";
  s.params = add(mul({in[0], L.out, k, k}), L.bias ? L.out : 0);
  s.flops = mul({2, in[0], k, k, L.out, h, w});
  out = {L.out, h, w};
  return true;
}

bool infer_pool(const LayerConfig& L, const Shape& in, Shape& out, LayerSummary& s, InferContext& ctx) {
  int64_t h = 0, w = 0;
  if (!infer_window(L, in, h, w, true, ctx)) return false;
  s.name = L.type + "(" + std::to_string(L.kernel) + ")";
  out = {in[0], h, w};
  return true;
}

bool same_shape(const LayerConfig&, const Shape& in, Shape& out, LayerSummary&, InferContext&) {
  out = in;
  return true;
}

// The body of a block, one level deeper; the block's own row comes first.
bool infer_body(const LayerConfig& L, const Shape& in, Shape& out, InferContext& ctx) {
  if (L.body.empty()) return ctx.fail("needs at least one layer in its body");
  return infer_layers(L.body, in, ctx.path + ".body", ctx.summary, out, ctx.depth + 1);
}

// The stride of a 1x1 convolution that takes `in` to the body's output `out`, or 0.
int64_t projection_stride(const Shape& in, const Shape& out) {
  if (in.size() != 3 || out.size() != 3 || out[1] < 1 || out[2] < 1) return 0;
  const int64_t s = (in[1] + out[1] - 1) / out[1];
  return (in[1] - 1) / s + 1 == out[1] && (in[2] - 1) / s + 1 == out[2] ? s : 0;
}
bool needs_projection(const LayerConfig& L, const Shape& in, const Shape& out) {
  return L.shortcut == "projection" || (L.shortcut == "auto" && in != out);
}

bool infer_residual(const LayerConfig& L, const Shape& in, Shape& out, LayerSummary& s, InferContext& ctx) {
  if (!infer_body(L, in, out, ctx)) return false;
  s.name = "residual";
  if (!needs_projection(L, in, out)) {
    if (in != out)
      return ctx.fail("body changes the shape from " + shape_str(in) + " to " + shape_str(out) +
                      ", so the shortcut cannot be the identity (use \"auto\" or \"projection\")");
    s.name += " (identity)";
    return true;
  }
  const int64_t st = projection_stride(in, out);
  if (st == 0)
    return ctx.fail("a projection shortcut (1x1 conv) cannot take " + shape_str(in) + " to the body's output " +
                    shape_str(out));
  LayerSummary p;
  p.type = "projection", p.depth = ctx.depth + 1, p.kept = 2, p.output = out;
  p.name = "shortcut: conv2d(" + std::to_string(out[0]) + ", 1x1" + (st > 1 ? ", stride " + std::to_string(st) : "") +
           ") + batchnorm2d";
  p.params = add(mul(in[0], out[0]), mul(2, out[0]));
  p.flops = mul({2, in[0], out[0], out[1], out[2]});
  ctx.summary.total_params = add(ctx.summary.total_params, p.params);
  ctx.summary.forward_flops = add(ctx.summary.forward_flops, p.flops);
  ctx.summary.layers.push_back(p);
  s.name += " (projection)";
  return true;
}

Shape shape_after(const LayerConfig& L, const Shape& in) {
  ModelSummary scratch;
  Shape out;
  infer_layers({L}, in, "", scratch, out);
  return out;
}

// ---- modules ----

void build_linear(const LayerConfig& L, const Shape& in, BuildContext& c) {
  nn::Linear m(nn::LinearOptions(in[0], L.out).bias(L.bias));
  c.add_weight(m->weight, L.bias ? &m->bias : nullptr, L, "linear(" + std::to_string(L.out) + ")", in[0]);
  c.seq->push_back(m);
}
void build_conv(const LayerConfig& L, const Shape& in, BuildContext& c) {
  Conv m(in[0], L.out, L.kernel, L.stride, L.padding, L.bias);
  c.add_weight(m->weight, L.bias ? &m->bias : nullptr, L, "conv2d(" + std::to_string(L.out) + ")",
               in[0] * L.kernel * L.kernel);
  c.seq->push_back(m);
}
void build_batchnorm(const LayerConfig&, const Shape& in, BuildContext& c) {
  if (in.size() == 1) {
    nn::BatchNorm1d m(in[0]);
    c.seq->push_back(m);
    c.add_other(m->weight, m->bias);
  } else {
    nn::BatchNorm2d m(in[0]);
    c.seq->push_back(m);
    c.add_other(m->weight, m->bias);
  }
}
void build_residual(const LayerConfig& L, const Shape& in, BuildContext& c) {
  Residual r;
  BuildContext inner = c.inside(r->body, L);
  build_layers(L.body, in, inner);
  if (const std::optional<LayerConfig> p = residual_projection(L, in)) {
    Conv conv(in[0], p->out, 1, p->stride, 0, false);
    inner.add_weight(conv->weight, nullptr, L, "conv2d(" + std::to_string(p->out) + ", 1x1)", in[0]);
    nn::BatchNorm2d bn(p->out);
    r->shortcut->push_back(conv);
    r->shortcut->push_back(bn);
    inner.add_other(bn->weight, bn->bias);
  }
  c.seq->push_back(r);
}

/// An entry without fields whose module is `M` built from no options.
template <typename M>
void build_plain(const LayerConfig&, const Shape&, BuildContext& c) {
  c.seq->push_back(M());
}

FilterView show_conv(const LayerConfig& L, const Shape& image) {
  FilterView f;
  f.kind = FilterView::Show, f.layer = "conv2d(" + std::to_string(L.out) + ")", f.count = L.out;
  f.channels = static_cast<int>(image[0]), f.height = f.width = L.kernel;
  return f;
}
FilterView show_linear(const LayerConfig& L, const Shape& image) {
  FilterView f;  // a flattened image: each unit's weights are an image
  f.kind = FilterView::Show, f.layer = "linear(" + std::to_string(L.out) + ")", f.count = L.out;
  f.channels = static_cast<int>(image[0]), f.height = static_cast<int>(image[1]), f.width = static_cast<int>(image[2]);
  return f;
}
FilterView pass(const LayerConfig&, const Shape&) {
  FilterView f;
  f.kind = FilterView::Pass;
  return f;
}

std::string brief_out(const LayerConfig& L) { return L.type + "(" + std::to_string(L.out) + ")"; }
std::string brief_block(const LayerConfig& L) { return L.type + "(" + layers_brief(L.body) + ")"; }

// ---- the table ----

void add_weighted_and_pools(std::vector<LayerType>& t) {
  LayerType linear{"linear", "fully connected: out = W·x + b", {out_field("output features", 64), bias_field()}};
  linear.init = true, linear.infer = infer_linear, linear.brief = brief_out, linear.build = build_linear;
  linear.filters = show_linear;
  linear.pytorch = "nn.Linear({in}, {out}, bias={bias})", linear.torchscript = "torch.linear(x, self.weight, {bias_t})";
  t.push_back(linear);
  LayerType conv{"conv2d", "2-D convolution", {out_field("output channels", 16)}};
  for (const LayerField& f : window_fields(false)) conv.fields.push_back(f);
  conv.fields.push_back(bias_field());
  conv.init = true, conv.infer = infer_conv, conv.brief = brief_out, conv.build = build_conv, conv.filters = show_conv;
  conv.pytorch = "nn.Conv2d({in}, {out}, {kernel}, stride={stride}, padding={padding}, bias={bias})";
  conv.torchscript = "torch.conv2d(x, self.weight, {bias_t}, [{stride}, {stride}], [{padding}, {padding}])";
  t.push_back(conv);
  LayerType maxpool{"maxpool2d", "the largest value of each window", window_fields(true)};
  maxpool.infer = infer_pool, maxpool.pytorch = "nn.MaxPool2d({kernel}, stride={stride}, padding={padding})";
  maxpool.torchscript = "torch.max_pool2d(x, [{kernel}, {kernel}], [{stride}, {stride}], [{padding}, {padding}])";
  maxpool.build = [](const LayerConfig& L, const Shape&, BuildContext& c) {
    c.seq->push_back(nn::MaxPool2d(nn::MaxPool2dOptions(L.kernel).stride(L.stride).padding(L.padding)));
  };
  t.push_back(maxpool);
  LayerType avgpool{"avgpool2d", "the mean of each window", window_fields(true)};
  avgpool.infer = infer_pool, avgpool.pytorch = "nn.AvgPool2d({kernel}, stride={stride}, padding={padding})";
  avgpool.torchscript = "torch.avg_pool2d(x, [{kernel}, {kernel}], [{stride}, {stride}], [{padding}, {padding}])";
  avgpool.build = [](const LayerConfig& L, const Shape&, BuildContext& c) {
    c.seq->push_back(nn::AvgPool2d(nn::AvgPool2dOptions(L.kernel).stride(L.stride).padding(L.padding)));
  };
  t.push_back(avgpool);
  LayerType gap{"global_avgpool", "the mean of each channel: [C,H,W] to [C] (ResNet's head)", {}};
  gap.infer = [](const LayerConfig&, const Shape& in, Shape& out, LayerSummary&, InferContext& ctx) {
    if (in.size() != 3) return ctx.fail("needs [C,H,W] input, got " + shape_str(in));
    out = {in[0]};
    return true;
  };
  gap.build = [](const LayerConfig&, const Shape&, BuildContext& c) { c.seq->push_back(GlobalAvgPool()); };
  gap.pytorch = "GlobalAvgPool()", gap.torchscript = "torch.mean(x, [2, 3])";
  t.push_back(gap);
}

void add_shape_and_norm(std::vector<LayerType>& t) {
  LayerType flatten{"flatten", "[C,H,W] to [C·H·W]", {}};
  flatten.infer = [](const LayerConfig&, const Shape& in, Shape& out, LayerSummary& s, InferContext&) {
    out = {numel(in)}, s.kept = 0;
    return true;
  };
  flatten.build = build_plain<nn::Flatten>, flatten.filters = pass;
  flatten.pytorch = "nn.Flatten()", flatten.torchscript = "torch.flatten(x, 1)";
  t.push_back(flatten);
  LayerType dropout{"dropout", "zeroes each value with probability p while training (scaled by 1/(1-p))",
                    {number_field("p", &LayerConfig::p, 0, 1, false, true, "probability of dropping")}};
  dropout.infer = [](const LayerConfig& L, const Shape& in, Shape& out, LayerSummary& s, InferContext&) {
    out = in, s.name = "dropout(" + num(L.p) + ")", s.kept = 2;
    return true;
  };
  dropout.build = [](const LayerConfig& L, const Shape&, BuildContext& c) { c.seq->push_back(SeededDropout(L.p, c.gen)); };
  dropout.filters = pass, dropout.pytorch = "nn.Dropout({p})", dropout.torchscript = "torch.dropout(x, {p}, self.training)";
  t.push_back(dropout);
  LayerType bn{"batchnorm", "batch normalisation, 1-d or 2-d by the input's shape", {}};
  bn.infer = [](const LayerConfig&, const Shape& in, Shape& out, LayerSummary& s, InferContext& ctx) {
    if (in.size() != 1 && in.size() != 3) return ctx.fail("needs [features] or [C,H,W] input, got " + shape_str(in));
    s.name = in.size() == 1 ? "batchnorm1d" : "batchnorm2d";
    s.params = mul(2, in[0]), out = in;
    return true;
  };
  bn.build = build_batchnorm, bn.pytorch = "nn.BatchNorm{dims}d({in})";  // LibTorch's momentum 0.1, eps 1e-5 too
  bn.torchscript = "torch.batch_norm(x, self.weight, self.bias, self.running_mean, self.running_var, self.training, "
                   "0.1, 1e-05, False)";
  t.push_back(bn);
  LayerType ln{"layernorm", "layer normalisation over the whole sample", {}};
  ln.infer = [](const LayerConfig&, const Shape& in, Shape& out, LayerSummary& s, InferContext&) {
    s.params = mul(2, numel(in)), out = in;
    return true;
  };
  ln.build = [](const LayerConfig&, const Shape& in, BuildContext& c) {
    nn::LayerNorm m{nn::LayerNormOptions(in)};
    c.seq->push_back(m);
    c.add_other(m->weight, m->bias);
  };
  ln.pytorch = "nn.LayerNorm({shape})", ln.torchscript = "torch.layer_norm(x, {shape}, self.weight, self.bias, 1e-05, False)";
  t.push_back(ln);
}

void add_activations(std::vector<LayerType>& t) {
  // pytorch/torchscript: "ReLU|relu" stands for nn.ReLU() and torch.relu(x); {args} are the fields' values.
  auto act = [&](std::string name, std::string doc, void (*build)(const LayerConfig&, const Shape&, BuildContext&),
                 std::string torch, std::vector<LayerField> fields = {}) {
    LayerType a{std::move(name), std::move(doc), std::move(fields)};
    a.infer = same_shape, a.build = build, a.activation = true;
    const std::string args = a.fields.empty() ? "" : "{" + a.fields[0].key + "}";
    a.pytorch = "nn." + torch.substr(0, torch.find('|')) + "(" + args + ")";
    a.torchscript = "torch." + torch.substr(torch.find('|') + 1) + "(x" + (args.empty() ? "" : ", " + args) + ")";
    t.push_back(a);
  };
  act("relu", "max(0, x)", build_plain<nn::ReLU>, "ReLU|relu");
  act("leaky_relu", "x, or slope·x below 0",
      [](const LayerConfig& L, const Shape&, BuildContext& c) {
        c.seq->push_back(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(L.slope)));
      },
      "LeakyReLU|leaky_relu", {number_field("slope", &LayerConfig::slope, 0, INFINITY, false, false, "slope below 0")});
  act("elu", "x, or alpha·(eˣ−1) below 0",
      [](const LayerConfig& L, const Shape&, BuildContext& c) {
        c.seq->push_back(nn::ELU(nn::ELUOptions().alpha(L.alpha)));
      },
      "ELU|elu", {number_field("alpha", &LayerConfig::alpha, 0, INFINITY, true, false, "the value approached below 0")});
  act("selu", "scaled ELU (self-normalising)", build_plain<nn::SELU>, "SELU|selu");
  act("gelu", "x·Φ(x)", build_plain<nn::GELU>, "GELU|gelu");
  act("sigmoid", "1/(1+e⁻ˣ)", build_plain<nn::Sigmoid>, "Sigmoid|sigmoid");
  act("tanh", "tanh(x)", build_plain<nn::Tanh>, "Tanh|tanh");
}

void add_blocks(std::vector<LayerType>& t) {
  LayerType seq{"sequential", "a block: its `body` of layers in order", {}};
  seq.init = seq.body = true, seq.brief = brief_block;
  seq.infer = [](const LayerConfig& L, const Shape& in, Shape& out, LayerSummary& s, InferContext& ctx) {
    s.kept = 0;
    return infer_body(L, in, out, ctx);
  };
  seq.build = [](const LayerConfig& L, const Shape& in, BuildContext& c) {
    Block b;
    BuildContext inner = c.inside(b->body, L);
    build_layers(L.body, in, inner);
    c.seq->push_back(b);
  };
  seq.pytorch = "Block({body})", seq.torchscript = "self.body.forward(x)";
  t.push_back(seq);
  LayerField shortcut;
  shortcut.key = "shortcut", shortcut.kind = FieldKind::Choice, shortcut.s = &LayerConfig::shortcut;
  shortcut.choices = {"auto", "identity", "projection"};
  shortcut.doc = "auto: the identity when the body keeps the shape, else projection (a strided 1x1 conv without bias + "
                 "batchnorm, as in ResNet)";
  LayerType res{"residual", "body(x) + shortcut(x) (He et al. 2016); put the activation after it", {shortcut}};
  res.init = res.body = true, res.brief = brief_block, res.infer = infer_residual, res.build = build_residual;
  res.pytorch = "Residual({body}, {shortcut})", res.torchscript = "self.body.forward(x) + self.shortcut.forward(x)";
  t.push_back(res);
}

}  // namespace

bool InferContext::fail(const std::string& why) {
  summary.errors.push_back(path + ": " + type + " " + why);
  return false;
}

std::string LayerField::default_text(const LayerConfig& d) const {
  if (required) return "required";
  if (!same_as.empty()) return "= " + same_as;
  switch (kind) {
    case FieldKind::Int:
    case FieldKind::Number: return num(number(d));
    case FieldKind::Bool: return d.*b ? "true" : "false";
    case FieldKind::Choice:
    case FieldKind::Text: return "\"" + d.*s + "\"";
  }
  return "";
}

double LayerField::number(const LayerConfig& l) const {
  if (i) return l.*i;
  if (d) return l.*d;
  if (b) return l.*b ? 1 : 0;
  return 0;
}

void LayerField::set_number(LayerConfig& l, double v) const {
  if (i) l.*i = static_cast<int>(v);
  if (d) l.*d = v;
  if (b) l.*b = v != 0;
}

const std::vector<LayerType>& layer_types() {
  static const std::vector<LayerType> types = [] {
    std::vector<LayerType> t;
    add_weighted_and_pools(t);
    add_shape_and_norm(t);
    add_activations(t);
    add_blocks(t);
    t.push_back(scripted_layer_type());  // model/scripted.cpp
    return t;
  }();
  return types;
}

const LayerType* find_layer_type(const std::string& name) { return find_named(layer_types(), name); }
std::vector<std::string> layer_type_names() { return names_of(layer_types()); }

std::vector<std::string> activation_names() {
  std::vector<std::string> n;
  for (const LayerType& t : layer_types())
    if (t.activation) n.push_back(t.name);
  return n;
}

std::vector<std::string> layer_keys() {
  std::vector<std::string> keys;
  auto add_key = [&](const std::string& k) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  };
  for (const LayerType& t : layer_types()) {
    for (const LayerField& f : t.fields) add_key(f.key);
    if (t.init) add_key("init");
    if (t.body) add_key("body");
  }
  return keys;
}

LayerConfig default_layer(const std::string& type) {
  LayerConfig l;
  l.type = type;
  if (const LayerType* t = find_layer_type(type))
    for (const LayerField& f : t->fields) {
      if (f.def) f.set_number(l, *f.def);
      for (const LayerField& g : t->fields)
        if (g.key == f.same_as) f.set_number(l, g.number(l));
    }
  return l;
}

bool infer_layers(const std::vector<LayerConfig>& layers, const Shape& input, const std::string& path,
                  ModelSummary& m, Shape& out, int depth) {
  out = input;
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerConfig& L = layers[i];
    InferContext ctx{m, path + "[" + std::to_string(i) + "]", depth, L.type};
    const LayerType* t = find_layer_type(L.type);
    if (!t) return ctx.fail("is not a known layer type");
    const size_t row = m.layers.size();
    m.layers.push_back({});
    LayerSummary s;
    s.name = s.type = L.type, s.depth = depth;
    const int64_t params_before = m.total_params;
    Shape next;
    if (!t->infer(L, out, next, s, ctx)) {
      m.layers.resize(row);
      return false;
    }
    s.output = out = next;
    if (t->body) {
      s.params = m.total_params - params_before;  // the block's subtotal; its rows count themselves
    } else {
      m.total_params = add(m.total_params, s.params);
      m.forward_flops = add(m.forward_flops, s.flops);
    }
    m.layers[row] = s;
  }
  return true;
}

std::string layers_brief(const std::vector<LayerConfig>& layers) {
  std::string s;
  for (const LayerConfig& l : layers) {
    const LayerType* t = find_layer_type(l.type);
    s += (s.empty() ? "" : "-") + (t && t->brief ? t->brief(l) : l.type);
  }
  return s;
}

FilterView first_filters(const std::vector<LayerConfig>& layers, const Shape& input) {
  if (input.size() != 3) return {};
  for (const LayerConfig& l : layers) {
    const LayerType* t = find_layer_type(l.type);
    FilterView f = t && t->filters ? t->filters(l, input) : FilterView{};
    if (f.kind != FilterView::Pass) return f;
  }
  return {};
}

std::optional<LayerConfig> residual_projection(const LayerConfig& L, const Shape& in) {
  Shape out = in;
  for (const LayerConfig& b : L.body) out = shape_after(b, out);
  if (!needs_projection(L, in, out)) return std::nullopt;
  LayerConfig conv = default_layer("conv2d");
  conv.out = static_cast<int>(out[0]), conv.kernel = 1, conv.stride = static_cast<int>(projection_stride(in, out));
  conv.padding = 0, conv.bias = false;
  return conv;
}

bool contains_layer(const std::vector<LayerConfig>& layers, const std::string& type) {
  return std::any_of(layers.begin(), layers.end(),
                     [&](const LayerConfig& l) { return l.type == type || contains_layer(l.body, type); });
}

std::string layer_types_markdown() {
  std::string md = "| type | what it does | fields (default): meaning |\n|---|---|---|\n";
  for (const LayerType& t : layer_types()) {
    const LayerConfig d = default_layer(t.name);
    std::string fields;
    for (const LayerField& f : t.fields) {
      fields += (fields.empty() ? "" : "; ") + ("`" + f.key + "` (" + f.default_text(d) + "): " + f.doc);
      if (f.kind == FieldKind::Choice) {
        fields += " (";
        for (size_t i = 0; i < f.choices.size(); ++i) fields += (i ? ", `" : "`") + f.choices[i] + "`";
        fields += ")";
      }
    }
    if (t.body) fields += (fields.empty() ? "" : "; ") + std::string("`body` (required): its layers");
    if (t.init) fields += (fields.empty() ? "" : "; ") + std::string("`init`: its own initialisation");
    md += "| `" + t.name + "` | " + t.doc + " | " + (fields.empty() ? "—" : fields) + " |\n";
  }
  return md;
}

// ---- BuildContext ----

void BuildContext::add_weight(at::Tensor& w, at::Tensor* bias, const LayerConfig& l, const std::string& name,
                              int64_t fan_in) {
  init_weight(w, bias, l.init ? *l.init : *init, gen);
  weights->push_back({name + " #" + std::to_string(++*weighted), 0, 0, static_cast<int>(fan_in)});
  weight_params->push_back(w);
  if (bias) other_params->push_back(*bias);
}

void BuildContext::add_other(at::Tensor& w, at::Tensor& b) {
  other_params->push_back(w);
  other_params->push_back(b);
}

BuildContext BuildContext::inside(torch::nn::Sequential into, const LayerConfig& l) const {
  BuildContext c = *this;
  c.seq = std::move(into);
  if (l.init) c.init = &*l.init;
  return c;
}

void build_layers(const std::vector<LayerConfig>& layers, const Shape& in, BuildContext& ctx,
                  const std::function<void(size_t)>& after_each) {
  Shape cur = in;
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerConfig& L = layers[i];
    const LayerType* t = find_layer_type(L.type);
    if (!t) throw std::invalid_argument("unknown layer type " + L.type);
    t->build(L, cur, ctx);
    cur = shape_after(L, cur);
    if (after_each) after_each(i);
  }
}

}  // namespace hyperlab
