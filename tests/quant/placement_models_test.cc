// Placement and groups on the real models of the repository (skipped when absent).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "onnx/model_io.h"
#include "onnx/normalize.h"
#include "quant/fusion.h"
#include "quant/groups.h"
#include "quant/op_table.h"
#include "quant/placement.h"
#include "quant/placement_test_util.h"

namespace qac {
namespace {

using testing::contains;

const std::filesystem::path kSourceDir = QAC_SOURCE_DIR;

// Loads, normalizes and folds BNs, as the quantization pipeline does before placement.
onnx::ModelProto prepare(const std::filesystem::path& path) {
  auto model = load_model(path);
  EXPECT_TRUE(model.ok()) << model.status().to_string();
  if (!model.ok()) return {};
  NormalizeLog log;
  Status s = normalize(*model, log);
  EXPECT_TRUE(s.ok()) << s.to_string();
  std::vector<std::string> fold_log;
  s = fold_batch_norms(*model, &fold_log);
  EXPECT_TRUE(s.ok()) << s.to_string();
  return std::move(model).value();
}

int count_nodes(const onnx::ModelProto& model, std::string_view op_type) {
  int n = 0;
  for (const auto& node : model.graph().node()) n += node.op_type() == op_type;
  return n;
}

// Consistency every setup must satisfy: consumers read the quantized tensor, weights are
// initializers of their node, ids are unique, every quantizer is in exactly one group.
void expect_consistent(const onnx::ModelProto& model, const QuantizerSetup& setup) {
  const auto& graph = model.graph();
  std::set<std::string> ids;
  for (const auto& q : setup.activations) {
    EXPECT_TRUE(ids.insert(q.id).second) << q.id;
    EXPECT_FALSE(q.consumers.empty()) << q.id;
    for (const auto& [node, slot] : q.consumers) {
      ASSERT_LT(node, graph.node_size());
      EXPECT_EQ(graph.node(node).input(slot), q.tensor) << q.id;
    }
    EXPECT_FALSE(q.reason.empty());
  }
  std::set<std::string> initializers;
  for (const auto& t : graph.initializer()) initializers.insert(t.name());
  for (const auto& w : setup.weights) {
    EXPECT_TRUE(ids.insert(w.id).second) << w.id;
    EXPECT_EQ(graph.node(w.node).input(w.input_slot), w.initializer);
    EXPECT_TRUE(initializers.count(w.initializer)) << w.initializer;
  }
  const auto groups = build_groups(model, setup);
  size_t grouped = 0;
  for (const auto& g : groups) grouped += g.activation_ids.size() + g.weight_ids.size();
  EXPECT_EQ(grouped, ids.size());
  EXPECT_GT(groups.size(), 0u);
}

TEST(PlacementOnModels, FashionMnistCnn) {
  const auto path = kSourceDir / "models" / "fashion_mnist_cnn.onnx";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not present";
  const auto model = prepare(path);
  auto setup = place_quantizers(model, {});
  ASSERT_TRUE(setup.ok()) << setup.status().to_string();
  expect_consistent(model, *setup);
  // Every Conv/Gemm/MatMul with an initializer weight is quantized, per channel.
  const int weighted = count_nodes(model, ops::kConv) + count_nodes(model, ops::kGemm) +
                       count_nodes(model, ops::kMatMul);
  EXPECT_GT(weighted, 0);
  EXPECT_EQ(static_cast<int>(setup->weights.size()), weighted);
  EXPECT_GE(static_cast<int>(setup->activations.size()), weighted / 2);
  EXPECT_LE(setup->activations.size(), setup->weights.size() + 4);
  EXPECT_EQ(setup->quantized_ops_per_type["Conv"], count_nodes(model, ops::kConv));
  // Quantizers sit above MaxPool/Flatten/Reshape (their readers are all quantized ops), never
  // between a Conv and its Relu.
  std::map<std::string, std::string> producer_type;
  std::map<std::string, bool> read_by_activation;
  for (const auto& node : model.graph().node()) {
    for (const auto& out : node.output()) producer_type[out] = node.op_type();
    for (const auto& in : node.input()) {
      read_by_activation[in] = read_by_activation[in] || is_activation_function(node.op_type());
    }
  }
  for (const auto& q : setup->activations) {
    const std::string& type = producer_type[q.tensor];
    EXPECT_NE(type, ops::kMaxPool) << q.reason;
    EXPECT_NE(type, ops::kFlatten) << q.reason;
    EXPECT_FALSE(type == ops::kConv && read_by_activation[q.tensor])
        << "quantizer between a Conv and its activation: " << q.reason;
  }
}

TEST(PlacementOnModels, FashionMnistVitAsTransformer) {
  const auto path = kSourceDir / "models" / "fashion_mnist_vit.onnx";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not present";
  const auto model = prepare(path);
  PlacementOptions options;
  options.model_type = ModelType::kTransformer;
  auto setup = place_quantizers(model, options);
  ASSERT_TRUE(setup.ok()) << setup.status().to_string();
  expect_consistent(model, *setup);
  for (const std::string elementwise : {"Add", "Sub", "Mul", "Div", "Pow", "ReduceMean"}) {
    EXPECT_EQ(setup->quantized_ops_per_type.count(elementwise), 0u) << elementwise;
  }
  // Each attention's Softmax output feeds a MatMul through a symmetric quantizer.
  int softmax_quantizers = 0;
  for (const auto& q : setup->activations) {
    softmax_quantizers += q.force_symmetric && contains(q.reason, "Softmax output");
  }
  EXPECT_GT(count_nodes(model, ops::kSoftmax), 0);
  EXPECT_EQ(softmax_quantizers, count_nodes(model, ops::kSoftmax));
  EXPECT_GT(setup->quantized_ops_per_type["MatMul"], 0);
}

TEST(PlacementOnModels, PaddleOcrRecognizer) {
  const auto path = kSourceDir / "assets" / "models" / "ocr" / "rec.onnx";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not present";
  const auto model = prepare(path);
  EXPECT_EQ(count_nodes(model, ops::kBatchNormalization), 0);  // all folded

  auto setup = place_quantizers(model, {});
  ASSERT_TRUE(setup.ok()) << setup.status().to_string();
  expect_consistent(model, *setup);
  const int convs = count_nodes(model, ops::kConv);
  const int se_convs = 4;  // two SE blocks with two convs each
  EXPECT_EQ(setup->quantized_ops_per_type["Conv"], convs - se_convs);
  int se_skipped = 0, product_activations = 0;
  for (const auto& s : setup->skipped) {
    se_skipped += contains(s.reason, "SE block");
    product_activations += contains(s.reason, "x * f(x)");
  }
  EXPECT_EQ(se_skipped, 2 * 6);  // pool, conv, relu, conv, hardsigmoid, mul per block
  EXPECT_GT(product_activations, 20);  // HardSwish and Swish written with Mul

  PlacementOptions transformer;
  transformer.model_type = ModelType::kTransformer;
  auto tsetup = place_quantizers(model, transformer);
  ASSERT_TRUE(tsetup.ok());
  expect_consistent(model, *tsetup);
  EXPECT_EQ(tsetup->quantized_ops_per_type.count("Add"), 0u);
  EXPECT_EQ(tsetup->quantized_ops_per_type.count("Div"), 0u);
  EXPECT_LT(tsetup->activations.size(), setup->activations.size());
  int symmetric = 0;
  for (const auto& q : tsetup->activations) symmetric += q.force_symmetric;
  // Per attention block: q, the softmax output, and one quantizer shared by k and v (both are
  // slices of one packed qkv tensor, quantized before slicing).
  EXPECT_EQ(symmetric, 2 * 3);
}

}  // namespace
}  // namespace qac
