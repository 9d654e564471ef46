// The four-op hard-swish forms become HardSigmoid + Mul with the same outputs; near misses stay.
#include <gtest/gtest.h>

#include <cmath>

#include "quant/hard_swish.h"
#include "support/model_builder.h"
#include "support/model_run.h"

namespace qac {
namespace {

using testing::ModelBuilder;
using testing::op_types;

// Output y of `model` on input x.
Tensor run(const onnx::ModelProto& model, const Tensor& x) { return testing::run_optimized(model, {{"x", x}}, "y"); }

enum class Form { kTimesXThenDiv, kTimesXThenMulSixth, kDivThenTimesX };

// x -> Conv -> hard-swish (in `form`) -> y, with `three` as the Add constant.
onnx::ModelProto hard_swish_model(Form form, float three = 3.0f, bool expose_clip = false) {
  ModelBuilder b;
  b.input("x", {1, 4, 6, 6}).output("y");
  if (expose_clip) b.output("clipped");
  b.random_initializer("w", {4, 4, 3, 3}, 1);
  b.initializer("three", {}, {three}).initializer("zero", {}, {0.0f}).initializer("six", {}, {6.0f});
  b.initializer("sixth", {}, {1.0f / 6.0f});
  b.node("Conv", {"x", "w"}, {"c"}, "conv").ints("pads", {1, 1, 1, 1});
  b.node("Add", {"c", "three"}, {"shifted"}, "add");
  b.node("Clip", {"shifted", "zero", "six"}, {"clipped"}, "clip");
  switch (form) {
    case Form::kTimesXThenDiv:
      b.node("Mul", {"c", "clipped"}, {"m"}, "mul");
      b.node("Div", {"m", "six"}, {"y"}, "div");
      break;
    case Form::kTimesXThenMulSixth:
      b.node("Mul", {"clipped", "c"}, {"m"}, "mul");
      b.node("Mul", {"sixth", "m"}, {"y"}, "scale");
      break;
    case Form::kDivThenTimesX:
      b.node("Div", {"clipped", "six"}, {"d"}, "div");
      b.node("Mul", {"c", "d"}, {"y"}, "mul");
      break;
  }
  return b.build();
}

TEST(HardSwish, EveryFormBecomesHardSigmoidTimesXWithTheSameOutput) {
  const Tensor x = testing::random_tensor({1, 4, 6, 6}, 3, -4.0f, 4.0f);
  for (Form form : {Form::kTimesXThenDiv, Form::kTimesXThenMulSixth, Form::kDivThenTimesX}) {
    const onnx::ModelProto original = hard_swish_model(form);
    onnx::ModelProto rewritten = original;
    std::vector<std::string> log;
    auto n = rewrite_hard_swish(rewritten, &log);
    ASSERT_TRUE(n.ok()) << n.status().to_string();
    EXPECT_EQ(*n, 1);
    ASSERT_EQ(log.size(), 1u);
    EXPECT_NE(log[0].find("'add'"), std::string::npos) << log[0];
    EXPECT_EQ(op_types(rewritten), (std::vector<std::string>{"Conv", "HardSigmoid", "Mul"}));
    EXPECT_EQ(rewritten.graph().node(2).input(0), "c");
    EXPECT_EQ(rewritten.graph().node(2).output(0), "y");
    const Tensor a = run(original, x), b = run(rewritten, x);
    ASSERT_EQ(a.numel(), b.numel());
    for (size_t i = 0; i < a.numel(); ++i) {
      EXPECT_NEAR(a.data<float>()[i], b.data<float>()[i], 1e-5f * (1 + std::fabs(a.data<float>()[i])));
    }
  }
}

TEST(HardSwish, NearMissesStayAsWritten) {
  onnx::ModelProto other_constant = hard_swish_model(Form::kTimesXThenDiv, 2.5f);
  auto n = rewrite_hard_swish(other_constant, nullptr);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_EQ(other_constant.graph().node_size(), 5);

  onnx::ModelProto clip_is_output = hard_swish_model(Form::kDivThenTimesX, 3.0f, /*expose_clip=*/true);
  n = rewrite_hard_swish(clip_is_output, nullptr);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
}

}  // namespace
}  // namespace qac
