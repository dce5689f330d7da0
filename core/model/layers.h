// The layer registry: one entry per layer type (its name, fields with their
// defaults and one-line docs, shape inference, the module it builds, its
// summary line and whether its weights can be shown as pictures). Config
// reading and writing, shapes, the network, snapshots, the store's brief,
// the editor and docs/config.md all read it. Torch-free: the entries' module
// builders take a BuildContext that only model/ (LibTorch) defines.
//
// Adding a layer type: one entry in model/layers.cpp, its row in
// docs/config.md (the test prints it) and a test.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/experiment.h"
#include "config/shapes.h"

namespace hyperlab {

enum class FieldKind { Int, Number, Bool, Choice, Text };

/// One field of a layer type, as read from and written to JSON.
struct LayerField {
  std::string key;   ///< the JSON key, e.g. "out"
  FieldKind kind = FieldKind::Int;
  std::string doc;   ///< one line
  int LayerConfig::*i = nullptr;          ///< Int
  double LayerConfig::*d = nullptr;       ///< Number
  bool LayerConfig::*b = nullptr;         ///< Bool
  std::string LayerConfig::*s = nullptr;  ///< Choice, Text (any string: a file name)
  double lo = 0, hi = 0;                  ///< Int, Number: the range
  bool lo_open = false, hi_open = false;  ///< Number: ends excluded
  std::vector<std::string> choices;       ///< Choice
  bool required = false;
  std::optional<double> def;   ///< Int, Number: the default when it is not LayerConfig's own
  std::string same_as;         ///< Int: defaults to this field's value (pools: stride = kernel)
  double suggested = 0;        ///< a required field's starting value in the editor

  std::string default_text(const LayerConfig& defaults) const;  ///< "3", "true", "= kernel", "required"
  double number(const LayerConfig& l) const;  ///< Int, Number, Bool as a number
  void set_number(LayerConfig& l, double v) const;
};

/// Where the pictures of a model's weights come from (SnapshotMaker): the
/// first layer with weights shows them when its fan-in has an image's shape.
struct FilterView {
  enum Kind { Stop, Pass, Show } kind = Stop;  ///< Pass: the layer does not change what the inputs mean
  int count = 0, channels = 0, height = 0, width = 0;
  std::string layer;  ///< "conv2d(16)"
};

struct BuildContext;  // model/layer_modules.h (LibTorch)

/// Shape inference's state: the summary being filled, the key path of the
/// layer at hand ("model.layers[3].body[1]") and its nesting depth.
struct InferContext {
  ModelSummary& summary;
  std::string path;
  int depth = 0;
  std::string type;
  /// Records "path: type why" and returns false.
  bool fail(const std::string& why);
};

struct LayerType {
  std::string name;
  std::string doc;                 ///< one line (docs/config.md, the editor's tooltip)
  std::vector<LayerField> fields;  ///< in schema order
  bool init = false;               ///< takes a per-layer `init` (for its weights, or its body's)
  bool body = false;               ///< holds layers (`body`): a block
  bool activation = false;         ///< an elementwise activation (the mlp shorthand's `activation`)
  /// Output shape for input `in`, filling the summary row (name, params,
  /// flops); false after ctx.fail("needs [C,H,W] input, got [500]").
  bool (*infer)(const LayerConfig& l, const Shape& in, Shape& out, LayerSummary& row, InferContext& ctx) = nullptr;
  /// Its part of a run's one-line model description (the store's model_brief); null = the type's name.
  std::string (*brief)(const LayerConfig& l) = nullptr;
  /// Its weights as pictures, given the model's image input shape [C,H,W].
  FilterView (*filters)(const LayerConfig& l, const Shape& image) = nullptr;
  /// Appends its module(s) for input `in` (model/layer_modules.h).
  void (*build)(const LayerConfig& l, const Shape& in, BuildContext& ctx) = nullptr;
  /// Its PyTorch equivalent (core/export): `pytorch`, the torch.nn module ("nn.Linear({in}, {out},
  /// bias={bias})"), and `torchscript`, its forward of x with its tensors as self.NAME. {key}: a
  /// field's value; {in}: the input's channels or features; {dims}: 1 or 2 by the input's rank;
  /// {shape}: the input shape; {bias_t}: self.bias or None; blocks: {body}, {shortcut}.
  std::string pytorch = "", torchscript = "";
};

/// Every layer type, in the order the editor and docs list them.
const std::vector<LayerType>& layer_types();
/// The entry of `name`, or null.
const LayerType* find_layer_type(const std::string& name);
std::vector<std::string> layer_type_names();
/// The activations (relu, leaky_relu, ...), with their default fields.
std::vector<std::string> activation_names();
/// Every JSON key some layer type reads (type, fields, init, body).
std::vector<std::string> layer_keys();

/// A layer of `type` with its type's defaults (pools: kernel 2, stride 2).
LayerConfig default_layer(const std::string& type);

/// Shapes through `layers` from `input`; rows (blocks first, then their body
/// one level deeper) and errors go into m, errors named from `path`
/// ("model.layers"). Returns false at the first layer that does not fit.
bool infer_layers(const std::vector<LayerConfig>& layers, const Shape& input, const std::string& path,
                  ModelSummary& m, Shape& out, int depth = 0);

/// "conv2d(16)-relu-residual(conv2d(16)-batchnorm)": layers for the store's model brief.
std::string layers_brief(const std::vector<LayerConfig>& layers);
/// The first weights worth showing as pictures (FilterView::Stop if none).
FilterView first_filters(const std::vector<LayerConfig>& layers, const Shape& input);
/// A residual's shortcut for input `in`: its 1x1 convolution (then a batchnorm), or none (the identity).
std::optional<LayerConfig> residual_projection(const LayerConfig& residual, const Shape& in);
/// Whether `type` occurs in `layers`, inside blocks too.
bool contains_layer(const std::vector<LayerConfig>& layers, const std::string& type);

/// The markdown table of layer types and fields that docs/config.md shows.
std::string layer_types_markdown();

}  // namespace hyperlab
