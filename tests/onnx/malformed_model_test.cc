// Malformed models that crashed normalization (SIGSEGV inside ONNX shape inference, SIGABRT on
// an unchecked protobuf field): each is refused with InvalidModel naming the node.
#include <gtest/gtest.h>

#include <filesystem>
#include <vector>

#include "onnx/model_io.h"
#include "onnx/normalize.h"
#include "onnx/safe_inference.h"
#include "onnx/upgrade_rewrites.h"

namespace qac {
namespace {
namespace fs = std::filesystem;

const fs::path kCrashDir = fs::path(QAC_SOURCE_DIR) / "tests/data/crash";

// normalize() on the model file `name` of tests/data/crash.
Status normalize_file(const std::string& name) {
  auto model = load_model(kCrashDir / name);
  if (!model.ok()) return model.status();
  NormalizeLog log;
  return normalize(*model, log);
}

void expect_invalid_naming(const Status& s, const std::vector<std::string>& names) {
  EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << s.to_string();
  for (const auto& name : names) EXPECT_NE(s.message().find(name), std::string::npos) << name << ": " << s.message();
}

// A Conv whose data input has rank 3 and weight rank 4 made ONNX's Conv inference read dims
// the data input does not have (SIGSEGV). The reverse (rank 4 data, rank 3 weight, auto_pad)
// read past the kernel it derived from the weight.
TEST(MalformedModelTest, ConvWithDataAndWeightOfDifferentRanks) {
  expect_invalid_naming(normalize_file("conv_data_rank3_weight_rank4.onnx"), {"conv", "rank 3", "rank 4"});
  expect_invalid_naming(normalize_file("conv_data_rank4_weight_rank3.onnx"), {"conv", "rank 4", "rank 3"});
}

// An opset-7 Upsample without inputs: the upgrade read input(0) unchecked (protobuf CHECK,
// SIGABRT). The checker now refuses it before any rewrite runs.
TEST(MalformedModelTest, Upsample7WithoutInputs) {
  expect_invalid_naming(normalize_file("upsample7_no_inputs.onnx"), {"Upsample"});
}

// The rewrites themselves check arity, whatever ran before them.
TEST(MalformedModelTest, RewritesRefuseNodesWithoutTheirInputs) {
  onnx::ModelProto model;
  model.mutable_graph();
  const ModelFacts facts;
  NameGenerator names(model);
  NormalizeLog log;
  UpgradeContext ctx(*model.mutable_graph(), 7, facts, names, log);
  using Rewrite = Status (*)(onnx::NodeProto, UpgradeContext&, std::vector<onnx::NodeProto>&);
  const std::vector<std::pair<std::string, Rewrite>> cases = {
      {"Upsample", upgrade_upsample}, {"Resize", upgrade_resize}, {"Softmax", upgrade_softmax_family},
      {"Clip", upgrade_clip},         {"Pad", upgrade_pad}};
  for (const auto& [op, rewrite] : cases) {
    onnx::NodeProto node;
    node.set_op_type(op);
    node.set_name("bare");
    auto* attr = node.add_attribute();  // attributes that make the rewrites read input(0)
    attr->set_name(op == "Pad" ? "pads" : op == "Clip" ? "min" : "scales");
    attr->set_type(onnx::AttributeProto::FLOATS);
    std::vector<onnx::NodeProto> out;
    const Status s = rewrite(node, ctx, out);
    expect_invalid_naming(s, {"'bare'"});
    EXPECT_TRUE(out.empty()) << op;
  }
}

TEST(MalformedModelTest, CheckerRunsBeforeInference) {
  onnx::ModelProto model;
  model.set_ir_version(7);
  auto* opset = model.add_opset_import();
  opset->set_version(13);
  model.mutable_graph()->set_name("g");
  auto* node = model.mutable_graph()->add_node();
  node->set_op_type("Conv");
  node->set_name("lonely");
  node->add_output(std::string("y"));  // no inputs at all
  const onnx::ShapeInferenceOptions strict(false, 1, true);
  const onnx::ModelProto before = model;
  const Status s = infer_shapes_checked(model, strict);
  expect_invalid_naming(s, {"checker", "Conv"});
  EXPECT_EQ(model.SerializeAsString(), before.SerializeAsString());
}

}  // namespace
}  // namespace qac
