// Each opset-upgrade rewrite on a tiny hand-built model. Where ONNX Runtime runs the old form,
// the upgraded model must give the same outputs; otherwise the expected values are computed here.
#include "onnx/opset_upgrade.h"

#include <gtest/gtest.h>

#include "onnx/graph_walk.h"
#include "onnx/normalize.h"
#include "onnx_test_util.h"
#include "support/model_run.h"

namespace qac {
namespace {
using namespace qac::testing;

// Normalizes a copy of `old_model`; the result must be valid at opset 13.
onnx::ModelProto upgraded(const onnx::ModelProto& old_model, NormalizeLog* log_out = nullptr) {
  onnx::ModelProto m = old_model;
  NormalizeLog log;
  Status s = normalize(m, log);
  EXPECT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(default_opset_version(m), 13);
  if (log_out != nullptr) *log_out = log;
  return m;
}

// Runs both models on `feeds` and expects equal outputs.
void expect_same_outputs(const onnx::ModelProto& old_model, const onnx::ModelProto& new_model, const NamedTensors& feeds) {
  auto before = run_model(old_model, feeds);
  ASSERT_TRUE(before.ok()) << before.status().to_string();
  auto after = run_model(new_model, feeds);
  ASSERT_TRUE(after.ok()) << after.status().to_string();
  ASSERT_EQ(before->size(), after->size());
  for (size_t i = 0; i < before->size(); ++i) EXPECT_TRUE(tensors_close(after->at(i), before->at(i), 1e-6, 1e-6));
}

bool log_mentions(const NormalizeLog& log, const std::string& text) {
  for (const auto& e : log.entries) {
    if (e.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(OpsetUpgradeTest, SoftmaxOnInnerAxisKeepsCoerceTo2DSemantics) {
  for (const char* op : {"Softmax", "LogSoftmax", "Hardmax"}) {
    onnx::NodeProto n = node(op, {"x"}, {"y"}, "norm");
    add_int(n, "axis", 1);
    const onnx::ModelProto old_model = make_model(11, {n}, {float_info("x", {2, 3, 4})}, {float_info("y", {2, 3, 4})});
    NormalizeLog log;
    const onnx::ModelProto m = upgraded(old_model, &log);
    EXPECT_EQ(op_types(m), (std::vector<std::string>{"Flatten", "Shape", op, "Reshape"})) << op;
    EXPECT_TRUE(log_mentions(log, "node 'norm'")) << op;
    expect_same_outputs(old_model, m, {{"x", random_tensor({2, 3, 4}, 11)}});
  }
}

TEST(OpsetUpgradeTest, SoftmaxOnLastAxisStaysOneNode) {
  onnx::NodeProto n = node("Softmax", {"x"}, {"y"});
  add_int(n, "axis", 2);
  const onnx::ModelProto old_model = make_model(11, {n}, {float_info("x", {2, 3, 4})}, {float_info("y", {2, 3, 4})});
  const onnx::ModelProto m = upgraded(old_model);
  ASSERT_EQ(m.graph().node_size(), 1);
  EXPECT_EQ(m.graph().node(0).attribute(0).i(), -1);
  expect_same_outputs(old_model, m, {{"x", random_tensor({2, 3, 4}, 12)}});
}

TEST(OpsetUpgradeTest, UpsampleAndResize10BecomeResizeWithTheSameRounding) {
  // Upsample-9 upsamples only; Resize-10 also downsamples (ONNX Runtime rounds up there).
  struct Case {
    const char* op;
    int opset;
    std::string mode;
    std::vector<float> scales;
  };
  const std::vector<Case> cases = {{"Upsample", 9, "nearest", {1, 1, 2, 3}},
                                   {"Upsample", 9, "linear", {1, 1, 2, 1.5f}},
                                   {"Resize", 10, "nearest", {1, 1, 0.5f, 0.4f}},
                                   {"Resize", 10, "nearest", {1, 1, 0.7f, 1.0f}},
                                   {"Resize", 10, "linear", {1, 1, 0.6f, 0.5f}}};
  for (const auto& [op, opset, mode, scales] : cases) {
    onnx::NodeProto n = node(op, {"x", "scales"}, {"y"});
    add_string(n, "mode", mode);
    const onnx::ModelProto old_model =
        make_model(opset, {n}, {float_info("x", {1, 2, 5, 7})}, {float_info("y", {-1, -1, -1, -1})},
                   {to_proto(float_tensor({4}, scales), "scales")});
    const onnx::ModelProto m = upgraded(old_model);
    EXPECT_EQ(op_types(m), std::vector<std::string>{"Resize"});
    SCOPED_TRACE(std::string(op) + " " + mode + " " + std::to_string(scales[2]));
    expect_same_outputs(old_model, m, {{"x", random_tensor({1, 2, 5, 7}, 13)}});
  }
}

TEST(OpsetUpgradeTest, UpsampleWithScalesAttributeAndResize10) {
  onnx::NodeProto up = node("Upsample", {"x"}, {"y"});
  add_floats(up, "scales", {1, 1, 2, 2});
  const onnx::ModelProto up7 = make_model(8, {up}, {float_info("x", {1, 1, 3, 3})}, {float_info("y", {1, 1, 6, 6})});
  expect_same_outputs(up7, upgraded(up7), {{"x", random_tensor({1, 1, 3, 3}, 14)}});

  onnx::NodeProto rs = node("Resize", {"x", "scales"}, {"y"});
  add_string(rs, "mode", "linear");
  const onnx::ModelProto r10 = make_model(10, {rs}, {float_info("x", {1, 1, 4, 6})}, {float_info("y", {-1, -1, -1, -1})},
                                          {to_proto(float_tensor({4}, {1, 1, 2.5f, 1.5f}), "scales")});
  expect_same_outputs(r10, upgraded(r10), {{"x", random_tensor({1, 1, 4, 6}, 15)}});
}

TEST(OpsetUpgradeTest, UpsampleMixingUpAndDownScalingIsUnsupported) {
  onnx::NodeProto n = node("Upsample", {"x", "scales"}, {"y"}, "mixed_up");
  onnx::ModelProto m = make_model(9, {n}, {float_info("x", {1, 1, 4, 4})}, {float_info("y", {1, 1, 8, 2})},
                                  {to_proto(float_tensor({4}, {1, 1, 2, 0.5f}), "scales")});
  NormalizeLog log;
  Status s = upgrade_opset(m, log);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("mixed_up"), std::string::npos) << s.message();
}

TEST(OpsetUpgradeTest, LegacyBroadcastWithAxisAlignsB) {
  // Add-6: A [2,3,4] + B [3] with broadcast=1, axis=1 adds B[j] to A[i,j,k].
  onnx::NodeProto n = node("Add", {"a", "b"}, {"y"});
  add_int(n, "broadcast", 1);
  add_int(n, "axis", 1);
  const onnx::ModelProto m = upgraded(make_model(6, {n}, {float_info("a", {2, 3, 4}), float_info("b", {3})},
                                                 {float_info("y", {2, 3, 4})}, {}, 3));
  EXPECT_EQ(op_types(m), (std::vector<std::string>{"Unsqueeze", "Add"}));
  const Tensor a = random_tensor({2, 3, 4}, 16);
  const Tensor b = float_tensor({3}, {100, 200, 300});
  auto r = run_model(m, {{"a", a}, {"b", b}});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  Tensor expected = a;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) expected.data<float>()[(i * 3 + j) * 4 + k] += b.data<float>()[j];
  EXPECT_TRUE(tensors_close(r->at(0), expected));
}

TEST(OpsetUpgradeTest, AttributesBecomeInputs) {
  // Clip-6, Slice-1, Pad-2, TopK-1, ReduceSum-1, Squeeze-1 in one opset-9 chain, run by ONNX Runtime.
  onnx::NodeProto clip = node("Clip", {"x"}, {"c"});
  add_float(clip, "min", -0.5f);
  add_float(clip, "max", 0.75f);
  onnx::NodeProto slice = node("Slice", {"c"}, {"s"});
  add_ints(slice, "starts", {1, 0});
  add_ints(slice, "ends", {3, -1});
  add_ints(slice, "axes", {1, 2});
  onnx::NodeProto pad = node("Pad", {"s"}, {"p"});
  add_ints(pad, "pads", {0, 1, 2, 0, 0, 3});
  add_float(pad, "value", 1.25f);
  onnx::NodeProto topk = node("TopK", {"p"}, {"v", "i"});
  add_int(topk, "k", 2);
  onnx::NodeProto reduce = node("ReduceSum", {"v"}, {"r"});
  add_ints(reduce, "axes", {1});
  add_int(reduce, "keepdims", 1);
  onnx::NodeProto squeeze = node("Squeeze", {"r"}, {"y"});
  add_ints(squeeze, "axes", {1});
  const onnx::ModelProto old_model =
      make_model(9, {clip, slice, pad, topk, reduce, squeeze}, {float_info("x", {2, 4, 5})},
                 {float_info("y", {2, 2}), value_info("i", onnx::TensorProto::INT64, {2, 3, 2})});
  const onnx::ModelProto m = upgraded(old_model);
  for (const auto& n : m.graph().node()) EXPECT_EQ(n.attribute_size() > 0, n.op_type() == "ReduceSum") << n.op_type();
  expect_same_outputs(old_model, m, {{"x", random_tensor({2, 4, 5}, 17)}});
}

TEST(OpsetUpgradeTest, ClipBoundsTakeTheInputElementType) {
  onnx::NodeProto clip = node("Clip", {"x"}, {"y"});
  add_float(clip, "max", 2.0f);
  onnx::ModelProto m = make_model(10, {clip}, {value_info("x", onnx::TensorProto::DOUBLE, {3})},
                                  {value_info("y", onnx::TensorProto::DOUBLE, {3})});
  NormalizeLog log;
  ASSERT_TRUE(upgrade_opset(m, log).ok());
  ASSERT_EQ(m.graph().node(0).input_size(), 3);
  EXPECT_EQ(m.graph().node(0).input(1), "");
  ASSERT_EQ(m.graph().initializer_size(), 1);
  EXPECT_EQ(m.graph().initializer(0).data_type(), onnx::TensorProto::DOUBLE);
}

TEST(OpsetUpgradeTest, OldAttributesAreDroppedOrConverted) {
  onnx::NodeProto relu = node("Relu", {"x"}, {"r"});
  add_ints(relu, "consumed_inputs", {0});
  onnx::NodeProto reshape = node("Reshape", {"r"}, {"s"});
  add_ints(reshape, "shape", {3, 2});
  onnx::NodeProto cast = node("Cast", {"s"}, {"c"});
  add_string(cast, "to", "DOUBLE");
  onnx::NodeProto concat = node("Concat", {"c", "c"}, {"y"});  // Concat-1 default axis is 1
  const onnx::ModelProto old_model = make_model(3, {relu, reshape, cast, concat}, {float_info("x", {2, 3})},
                                                {value_info("y", onnx::TensorProto::DOUBLE, {3, 4})}, {}, 3);
  const onnx::ModelProto m = upgraded(old_model);
  EXPECT_EQ(m.graph().node(0).attribute_size(), 0);
  EXPECT_EQ(m.graph().node(1).input_size(), 2);
  EXPECT_EQ(m.graph().node(2).attribute(0).i(), onnx::TensorProto::DOUBLE);
  EXPECT_EQ(m.graph().node(3).attribute(0).i(), 1);
  const Tensor x = float_tensor({2, 3}, {-1, 2, -3, 4, -5, 6});
  auto r = run_model(m, {{"x", x}});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->at(0).shape, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(r->at(0).to_float(), (std::vector<float>{0, 2, 0, 2, 0, 4, 0, 4, 0, 6, 0, 6}));
}

TEST(OpsetUpgradeTest, BatchNormAndDropoutLoseTrainingAttributes) {
  onnx::NodeProto bn = node("BatchNormalization", {"x", "s", "b", "m", "v"}, {"n", "rm", "rv", "sm", "sv"});
  add_int(bn, "is_test", 1);
  add_int(bn, "spatial", 1);
  onnx::NodeProto drop = node("Dropout", {"n"}, {"y", "mask"});
  add_float(drop, "ratio", 0.3f);
  add_int(drop, "is_test", 1);
  const auto c = [](const std::string& name, std::vector<float> v) { return to_proto(float_tensor({2}, v), name); };
  onnx::ModelProto m = make_model(6, {bn, drop}, {float_info("x", {1, 2, 2})}, {float_info("y", {1, 2, 2})},
                                  {c("s", {1, 2}), c("b", {0, 1}), c("m", {0.5f, -1}), c("v", {1, 4})}, 3);
  m = upgraded(m);
  EXPECT_EQ(m.graph().node(0).output_size(), 1);
  EXPECT_EQ(m.graph().node(0).attribute_size(), 0);
  EXPECT_EQ(m.graph().node(1).input_size(), 2);  // ratio became an input
  auto r = run_model(m, {{"x", float_tensor({1, 2, 2}, {0.5f, 1.5f, -1, 3})}});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  // y = s * (x - m) / sqrt(v + eps) + b, eps = 1e-5
  const std::vector<float> y = r->at(0).to_float();
  EXPECT_NEAR(y[0], 0.0f, 1e-4);
  EXPECT_NEAR(y[1], 1.0f, 1e-4);
  EXPECT_NEAR(y[2], 1.0f, 1e-4);
  EXPECT_NEAR(y[3], 5.0f, 1e-4);
}

TEST(OpsetUpgradeTest, ChangesThatCannotBeCarriedOverAreUnsupportedNamingTheNode) {
  onnx::NodeProto bn = node("BatchNormalization", {"x", "s", "b", "m", "v"}, {"y"}, "per_activation_bn");
  add_int(bn, "spatial", 0);
  onnx::ModelProto m1 = make_model(7, {bn}, {float_info("x", {1, 2}), float_info("s", {2}), float_info("b", {2}),
                                             float_info("m", {2}), float_info("v", {2})},
                                   {float_info("y", {1, 2})});
  onnx::NodeProto drop = node("Dropout", {"x"}, {"y", "mask"}, "masked_dropout");
  onnx::ModelProto m2 = make_model(7, {drop, node("Identity", {"mask"}, {"z"})}, {float_info("x", {2})},
                                   {float_info("y", {2}), float_info("z", {2})});
  onnx::NodeProto tile = node("Tile", {"x", "t", "a"}, {"y"}, "old_tile");
  onnx::ModelProto m3 = make_model(5, {tile}, {float_info("x", {2}), float_info("t", {1}), float_info("a", {1})},
                                   {float_info("y", {4})});
  const std::vector<std::pair<onnx::ModelProto*, std::string>> cases = {
      {&m1, "per_activation_bn"}, {&m2, "masked_dropout"}, {&m3, "old_tile"}};
  for (const auto& [model, name] : cases) {
    NormalizeLog log;
    Status s = upgrade_opset(*model, log);
    EXPECT_EQ(s.code(), StatusCode::kUnsupported) << name;
    EXPECT_NE(s.message().find(name), std::string::npos) << s.message();
  }
}

TEST(OpsetUpgradeTest, RecentModelsAndOtherDomainsAreLeftAlone) {
  onnx::NodeProto n = node("Softmax", {"x"}, {"y"});
  add_int(n, "axis", 0);
  onnx::ModelProto m = make_model(14, {n}, {float_info("x", {2, 3})}, {float_info("y", {2, 3})});
  auto* ml = m.add_opset_import();
  ml->set_domain("ai.onnx.ml");
  ml->set_version(2);
  const std::string before = serialize(m);
  NormalizeLog log;
  ASSERT_TRUE(upgrade_opset(m, log).ok());
  EXPECT_EQ(serialize(m), before);

  m.mutable_opset_import(0)->set_version(9);
  ASSERT_TRUE(upgrade_opset(m, log).ok());
  EXPECT_EQ(m.opset_import(0).version(), 13);
  EXPECT_EQ(m.opset_import(1).domain(), "ai.onnx.ml");
  EXPECT_EQ(m.opset_import(1).version(), 2);
}

TEST(OpsetUpgradeTest, IrVersionIsRaisedTo7) {
  onnx::ModelProto m = make_model(9, {node("Relu", {"x"}, {"y"})}, {float_info("x", {1})}, {float_info("y", {1})}, {}, 4);
  NormalizeLog log;
  ASSERT_TRUE(upgrade_opset(m, log).ok());
  EXPECT_EQ(m.ir_version(), 7);
  EXPECT_TRUE(log_mentions(log, "IR version 4"));
}

}  // namespace
}  // namespace qac
