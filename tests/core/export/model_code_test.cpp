// The registries' PyTorch templates (export/model_code.h), torch-free: every
// layer type, init scheme, optimizer and schedule has its PyTorch form, and
// the templates fill from a config's values.
#include <gtest/gtest.h>

#include "export/model_code.h"
#include "export/pytorch_script.h"
#include "model/init.h"
#include "model/layers.h"
#include "train/optimizers.h"

using namespace hyperlab;

TEST(ModelCode, PythonLiterals) {
  EXPECT_EQ(pycode::number(0.5), "0.5");
  EXPECT_EQ(pycode::number(1), "1.0");
  EXPECT_EQ(pycode::number(1e-5), "1e-05");
  EXPECT_EQ(pycode::number(0.1), "0.1");
  EXPECT_EQ(pycode::number(0.022), "0.022");
  EXPECT_EQ(pycode::boolean(true), "True");
  EXPECT_EQ(pycode::string("a \"b\""), "\"a \\\"b\\\"\"");
  EXPECT_EQ(pycode::list({1, 28, 28}), "[1, 28, 28]");
  EXPECT_THROW(pycode::fill("f({nope})", [](const std::string&) { return std::string(); }), std::logic_error);
}

// Every layer type's templates fill for its default layer on an input it takes.
TEST(ModelCode, EveryLayerTypeHasItsPyTorchForms) {
  for (const LayerType& t : layer_types()) {
    SCOPED_TRACE(t.name);
    if (t.name == "torchscript") continue;  // its file's module is exported as it is; export-pytorch refuses it
    EXPECT_FALSE(t.pytorch.empty());
    EXPECT_FALSE(t.torchscript.empty());
    LayerConfig l = default_layer(t.name);
    l.out = 4;
    if (t.body) l.body = {default_layer("relu")};
    const Shape in = t.name == "linear" ? Shape{8} : Shape{3, 8, 8};
    const std::map<std::string, std::string> blocks = {{"body", "nn.Sequential()"}, {"shortcut", "nn.Sequential()"}};
    const std::string py = pycode::layer(t.pytorch, l, in, blocks), ts = pycode::layer(t.torchscript, l, in, blocks);
    EXPECT_EQ(py.find('{'), std::string::npos) << py;
    EXPECT_EQ(ts.find('{'), std::string::npos) << ts;
  }
  LayerConfig conv = default_layer("conv2d");
  conv.out = 16, conv.padding = 1, conv.bias = false;
  EXPECT_EQ(pycode::layer(find_layer_type("conv2d")->pytorch, conv, {3, 32, 32}),
            "nn.Conv2d(3, 16, 3, stride=1, padding=1, bias=False)");
  EXPECT_EQ(pycode::layer(find_layer_type("conv2d")->torchscript, conv, {3, 32, 32}),
            "torch.conv2d(x, self.weight, None, [1, 1], [1, 1])");
  EXPECT_EQ(pycode::layer(find_layer_type("batchnorm")->pytorch, default_layer("batchnorm"), {50}), "nn.BatchNorm1d(50)");
}

TEST(ModelCode, EveryInitOptimizerAndScheduleHasItsPyTorchForm) {
  for (const InitScheme& s : init_schemes()) {
    InitConfig c;
    c.scheme = s.name;
    EXPECT_EQ(pycode::init_call(c).find('{'), std::string::npos) << s.name;
  }
  InitConfig k;
  k.scheme = "kaiming_normal", k.mode = "fan_out";
  EXPECT_EQ(pycode::init_call(k), "nn.init.kaiming_normal_(w, a=0.0, mode=\"fan_out\", nonlinearity=\"relu\")");
  for (const OptimizerKind& o : optimizer_kinds()) {
    OptimizerConfig c;
    c.type = o.name;
    const std::string code = pycode::fill(o.pytorch, [&](const std::string& key) { return pycode::setting(optimizer_settings(), c, key); });
    EXPECT_EQ(code.rfind("torch.optim.", 0), 0u) << code;
  }
  for (const SchedulerKind& s : scheduler_kinds()) EXPECT_EQ(s.pytorch.empty(), s.after_epoch == nullptr) << s.name;
}

// Weighted layers' initialisation by module name, a block's own init passed to its body and shortcut.
TEST(ModelCode, WeightInitsFollowBlocks) {
  LayerConfig res = default_layer("residual");
  LayerConfig conv = default_layer("conv2d");
  conv.out = 8, conv.stride = 2;
  res.body = {conv};
  InitConfig x;
  x.scheme = "xavier_normal";
  res.init = x;
  LayerConfig lin = default_layer("linear");
  lin.out = 10;
  const auto inits = pycode::weight_inits({res, default_layer("flatten"), lin}, {3, 8, 8}, InitConfig{});
  ASSERT_EQ(inits.size(), 3u);
  EXPECT_EQ(inits[0].first, "0.body.0");
  EXPECT_EQ(inits[1].first, "0.shortcut.0");
  EXPECT_EQ(inits[1].second.scheme, "xavier_normal");
  EXPECT_EQ(inits[2].first, "2");
  EXPECT_EQ(inits[2].second.scheme, "default");
}
