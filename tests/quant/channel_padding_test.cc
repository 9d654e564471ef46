// A Concat that appends zero channels becomes a 1x1 identity Conv with the same output, bit
// for bit; near misses (int8 regions, other fills, other axes, unknown shapes) stay.
#include <gtest/gtest.h>

#include "quant/channel_padding.h"
#include "support/model_builder.h"
#include "support/model_run.h"

namespace qac {
namespace {

using testing::ModelBuilder;
using testing::op_types;

struct PaddingSpec {
  std::vector<int64_t> zeros_shape = {1, 2, 4, 4};
  float fill = 0.0f;
  bool explicit_fill = false;
  int64_t axis = 1;
  bool dequantized_input = false;
};

// x [1, 3, 4, 4] (or DequantizeLinear of a uint8 xq) padded with zero channels, plus r [1, 5, 4, 4].
onnx::ModelProto padding_model(const PaddingSpec& spec) {
  ModelBuilder b;
  if (spec.dequantized_input) {
    b.input("xq", {1, 3, 4, 4}, onnx::TensorProto_DataType_UINT8);
    b.initializer("scale", {}, {0.1f});
    b.node("DequantizeLinear", {"xq", "scale"}, {"x"}, "dq");
  } else {
    b.input("x", {1, 3, 4, 4});
  }
  b.input("r", {1, 5, 4, 4}).output("y");
  b.initializer_i64("zeros_shape", {static_cast<int64_t>(spec.zeros_shape.size())}, spec.zeros_shape);
  auto zeros = b.node("ConstantOfShape", {"zeros_shape"}, {"zeros"}, "zeros");
  if (spec.explicit_fill) zeros.tensor("value", testing::make_float_tensor_proto("", {1}, {spec.fill}));
  b.node("Concat", {"x", "zeros"}, {"padded"}, "pad_channels").i("axis", spec.axis);
  b.node("Add", {"padded", "r"}, {"y"}, "residual");
  return b.build();
}

TEST(ChannelPadding, ZeroChannelsBecomeAnIdentityConvWithTheSameOutputBitForBit) {
  for (bool explicit_fill : {false, true}) {
    PaddingSpec spec;
    spec.explicit_fill = explicit_fill;
    const onnx::ModelProto original = padding_model(spec);
    onnx::ModelProto rewritten = original;
    std::vector<std::string> log;
    auto n = rewrite_channel_padding(rewritten, &log);
    ASSERT_TRUE(n.ok()) << n.status().to_string();
    EXPECT_EQ(*n, 1);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_NE(log[0].find("'pad_channels' (3 + 2 channels)"), std::string::npos) << log[0];
    EXPECT_EQ(op_types(rewritten), (std::vector<std::string>{"Conv", "Add"}));
    EXPECT_EQ(rewritten.graph().node(0).name(), "pad_channels/as_conv");
    EXPECT_EQ(rewritten.graph().node(0).output(0), "padded");
    for (const auto& init : rewritten.graph().initializer()) EXPECT_NE(init.name(), "zeros_shape");
    const NamedTensors feeds = {{"x", testing::random_tensor({1, 3, 4, 4}, 5, -30.0f, 30.0f)},
                                {"r", testing::random_tensor({1, 5, 4, 4}, 6, -1.0f, 1.0f)}};
    const Tensor a = testing::run_optimized(original, feeds, "y");
    const Tensor b = testing::run_optimized(rewritten, feeds, "y");
    EXPECT_EQ(a.shape, b.shape);
    EXPECT_EQ(a.bytes, b.bytes);
  }
}

TEST(ChannelPadding, NearMissesStay) {
  std::vector<PaddingSpec> misses(5);
  misses[0].dequantized_input = true;      // int8 region: ONNX Runtime concatenates in int8
  misses[1].explicit_fill = true;          // not zeros
  misses[1].fill = 1.0f;
  misses[2].axis = 2;                      // not the channel axis
  misses[2].zeros_shape = {1, 3, 2, 4};
  misses[3].zeros_shape = {1, 2, 4, 3};    // another width
  misses[4].zeros_shape = {2, 2, 4, 4};    // another batch
  for (size_t i = 0; i < misses.size(); ++i) {
    onnx::ModelProto model = padding_model(misses[i]);
    const std::vector<std::string> before = op_types(model);
    auto n = rewrite_channel_padding(model, nullptr);
    ASSERT_TRUE(n.ok()) << n.status().to_string();
    EXPECT_EQ(*n, 0) << "case " << i;
    EXPECT_EQ(op_types(model), before) << "case " << i;
  }
}

TEST(ChannelPadding, AZerosTensorReadElsewhereStays) {
  onnx::ModelProto model = padding_model(PaddingSpec{});
  model.mutable_graph()->add_output()->set_name("zeros");  // also a graph output
  auto n = rewrite_channel_padding(model, nullptr);
  ASSERT_TRUE(n.ok()) << n.status().to_string();
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(op_types(model), (std::vector<std::string>{"ConstantOfShape", "Conv", "Add"}));
}

}  // namespace
}  // namespace qac
