#include "onnx/constants_to_initializers.h"

#include <gtest/gtest.h>

#include "onnx_test_util.h"

namespace qac {
namespace {
using namespace qac::testing;

onnx::NodeProto constant_node(const std::string& out, const Tensor& value) {
  onnx::NodeProto n = node("Constant", {}, {out});
  auto* a = n.add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  *a->mutable_t() = to_proto(value, "");
  return n;
}

TEST(ConstantsToInitializersTest, ConstantsBecomeInitializersAndResultsAreUnchanged) {
  onnx::NodeProto ints = node("Constant", {}, {"shape"});
  add_ints(ints, "value_ints", {3, 2});
  onnx::NodeProto scale = node("Constant", {}, {"scale"});
  add_float(scale, "value_float", 2.0f);
  onnx::NodeProto bias = constant_node("bias", float_tensor({2, 3}, {1, 2, 3, 4, 5, 6}));
  onnx::ModelProto m = make_model(
      13, {ints, scale, bias, node("Add", {"x", "bias"}, {"s"}), node("Mul", {"s", "scale"}, {"p"}),
           node("Reshape", {"p", "shape"}, {"y"})},
      {float_info("x", {2, 3})}, {float_info("y", {3, 2})});
  const Tensor x = random_tensor({2, 3}, 1);
  auto before = run_model(m, {{"x", x}});
  ASSERT_TRUE(before.ok()) << before.status().to_string();

  NormalizeLog log;
  ASSERT_TRUE(constants_to_initializers(m, log).ok());
  EXPECT_EQ(m.graph().node_size(), 3);
  ASSERT_EQ(m.graph().initializer_size(), 3);
  for (const auto& n : m.graph().node()) EXPECT_NE(n.op_type(), "Constant");
  EXPECT_EQ(m.graph().initializer(0).name(), "shape");
  EXPECT_EQ(m.graph().initializer(0).data_type(), onnx::TensorProto::INT64);
  EXPECT_EQ(m.graph().initializer(1).dims_size(), 0);  // value_float is a scalar
  ASSERT_FALSE(log.entries.empty());
  EXPECT_NE(log.entries.back().find("3 Constant node(s)"), std::string::npos) << log.entries.back();

  auto after = run_model(m, {{"x", x}});
  ASSERT_TRUE(after.ok()) << after.status().to_string();
  EXPECT_TRUE(tensors_close(after->at(0), before->at(0), 0, 0));
}

TEST(ConstantsToInitializersTest, GraphOutputConstantsAndSubgraphConstantsStay) {
  onnx::NodeProto c = constant_node("y", float_tensor({1}, {1.0f}));
  onnx::ModelProto m = make_model(13, {c, node("Identity", {"x"}, {"z"})}, {float_info("x", {1})},
                                  {float_info("y", {1}), float_info("z", {1})});
  NormalizeLog log;
  ASSERT_TRUE(constants_to_initializers(m, log).ok());
  EXPECT_EQ(m.graph().node(0).op_type(), "Constant");
  EXPECT_EQ(m.graph().initializer_size(), 0);
  ASSERT_EQ(log.entries.size(), 1u);
  EXPECT_NE(log.entries[0].find("graph output"), std::string::npos);
}

TEST(ConstantsToInitializersTest, MalformedConstantIsInvalidModelNamingTheNode) {
  onnx::NodeProto c = node("Constant", {}, {"c"}, "broken_const");
  onnx::ModelProto m = make_model(13, {c, node("Identity", {"c"}, {"y"})}, {}, {float_info("y", {1})});
  NormalizeLog log;
  Status s = constants_to_initializers(m, log);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel);
  EXPECT_NE(s.message().find("broken_const"), std::string::npos);
}

}  // namespace
}  // namespace qac
