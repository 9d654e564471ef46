// Quantizer groups (docs/design.md §6) on a residual block, a Concat and an attention block.
#include "quant/groups.h"

#include <gtest/gtest.h>

#include <map>

#include "quant/placement.h"
#include "quant/placement_test_util.h"
#include "support/model_builder.h"

namespace qac {
namespace {

using testing::ModelBuilder;
using Names = std::vector<std::string>;

QuantizerSetup place(const ModelBuilder& b, ModelType model_type = ModelType::kDefault) {
  PlacementOptions options;
  options.model_type = model_type;
  auto setup = place_quantizers(b.model(), options);
  EXPECT_TRUE(setup.ok()) << setup.status().to_string();
  return setup.ok() ? std::move(setup).value() : QuantizerSetup{};
}

// Every quantizer of the setup is in exactly one group; ids are 0..n-1.
void expect_partition(const QuantizerSetup& setup, const std::vector<QuantizerGroup>& groups) {
  std::map<std::string, int> seen;
  for (size_t g = 0; g < groups.size(); ++g) {
    EXPECT_EQ(groups[g].id, static_cast<int>(g));
    EXPECT_EQ(groups[g].node_names.size(), groups[g].op_types.size());
    for (const auto& id : groups[g].activation_ids) ++seen[id];
    for (const auto& id : groups[g].weight_ids) ++seen[id];
  }
  EXPECT_EQ(seen.size(), setup.activations.size() + setup.weights.size());
  for (const auto& [id, count] : seen) EXPECT_EQ(count, 1) << id;
}

TEST(QuantizerGroups, ResidualBlock) {
  // x -> c1 -> relu1(r1) -> c2 -> add(c2, r1) -> relu2(r2) -> c3 -> y
  ModelBuilder b;
  b.input("x", {1, 4, 8, 8}).output("y");
  b.random_initializer("w1", {4, 4, 1, 1}, 1).random_initializer("w2", {4, 4, 1, 1}, 2);
  b.random_initializer("w3", {4, 4, 1, 1}, 3);
  b.node("Conv", {"x", "w1"}, {"c1"}, "c1");
  b.node("Relu", {"c1"}, {"r1"}, "relu1");
  b.node("Conv", {"r1", "w2"}, {"c2"}, "c2");
  b.node("Add", {"c2", "r1"}, {"sum"}, "add");
  b.node("Relu", {"sum"}, {"r2"}, "relu2");
  b.node("Conv", {"r2", "w3"}, {"y"}, "c3");
  const auto setup = place(b);
  const auto groups = build_groups(b.model(), setup);
  expect_partition(setup, groups);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].activation_ids, (Names{"act:x"}));
  EXPECT_EQ(groups[0].weight_ids, (Names{"w:c1"}));
  EXPECT_EQ(groups[0].node_names, (Names{"c1"}));
  // r1 feeds c2 and the Add; the Add is also fed by c2's output: one group.
  EXPECT_EQ(groups[1].activation_ids, (Names{"act:r1", "act:c2"}));
  EXPECT_EQ(groups[1].weight_ids, (Names{"w:c2"}));
  EXPECT_EQ(groups[1].node_names, (Names{"c2", "add"}));
  EXPECT_EQ(groups[1].op_types, (Names{"Conv", "Add"}));
  EXPECT_EQ(groups[2].activation_ids, (Names{"act:r2"}));
  EXPECT_EQ(groups[2].node_names, (Names{"c3"}));
}

TEST(QuantizerGroups, ConcatBranchesJoinTheConvTheyFeed) {
  ModelBuilder b;
  b.input("x", {1, 3, 8, 8}).output("y");
  b.random_initializer("wa", {4, 3, 1, 1}, 1).random_initializer("wb", {4, 3, 1, 1}, 2);
  b.random_initializer("wc", {2, 8, 1, 1}, 3);
  b.node("Conv", {"x", "wa"}, {"ca"}, "conv_a");
  b.node("Relu", {"ca"}, {"ra"}, "relu_a");
  b.node("Conv", {"x", "wb"}, {"cb"}, "conv_b");
  b.node("Relu", {"cb"}, {"rb"}, "relu_b");
  b.node("Concat", {"ra", "rb"}, {"cat"}, "concat").i("axis", 1);
  b.node("MaxPool", {"cat"}, {"pooled"}, "pool").ints("kernel_shape", {1, 1});
  b.node("Conv", {"pooled", "wc"}, {"y"}, "conv_c");
  const auto setup = place(b);
  const auto groups = build_groups(b.model(), setup);
  expect_partition(setup, groups);
  ASSERT_EQ(groups.size(), 2u);
  // One quantizer on x feeds both branch convs: they revert together.
  EXPECT_EQ(groups[0].activation_ids, (Names{"act:x"}));
  EXPECT_EQ(groups[0].weight_ids, (Names{"w:conv_a", "w:conv_b"}));
  EXPECT_EQ(groups[0].node_names, (Names{"conv_a", "conv_b"}));
  // Walk down through Concat and MaxPool to conv_c.
  EXPECT_EQ(groups[1].activation_ids, (Names{"act:ra", "act:rb"}));
  EXPECT_EQ(groups[1].weight_ids, (Names{"w:conv_c"}));
  EXPECT_EQ(groups[1].node_names, (Names{"conv_c"}));
}

TEST(QuantizerGroups, AttentionScoresAndContextFormSeparateGroups) {
  ModelBuilder b;
  b.input("x", {1, 4, 8}).output("y");
  for (const std::string w : {"wq", "wk", "wv", "wo"}) {
    b.random_initializer(w, {8, 8}, static_cast<uint32_t>(w[1]));
  }
  b.node("MatMul", {"x", "wq"}, {"q"}, "q_proj");
  b.node("MatMul", {"x", "wk"}, {"k"}, "k_proj");
  b.node("MatMul", {"x", "wv"}, {"v"}, "v_proj");
  b.node("Transpose", {"k"}, {"kt"}, "k_transpose").ints("perm", {0, 2, 1});
  b.node("MatMul", {"q", "kt"}, {"scores"}, "scores");
  b.node("Softmax", {"scores"}, {"probs"}, "softmax").i("axis", -1);
  b.node("MatMul", {"probs", "v"}, {"context"}, "context");
  b.node("MatMul", {"context", "wo"}, {"y"}, "o_proj");
  const auto setup = place(b, ModelType::kTransformer);
  const auto groups = build_groups(b.model(), setup);
  expect_partition(setup, groups);
  ASSERT_EQ(groups.size(), 4u);
  EXPECT_EQ(groups[0].node_names, (Names{"q_proj", "k_proj", "v_proj"}));
  EXPECT_EQ(groups[1].node_names, (Names{"scores"}));
  EXPECT_EQ(groups[1].activation_ids, (Names{"act:q", "act:k"}));
  EXPECT_TRUE(groups[1].weight_ids.empty());
  EXPECT_EQ(groups[2].node_names, (Names{"context"}));
  EXPECT_EQ(groups[2].activation_ids, (Names{"act:v", "act:probs"}));
  EXPECT_EQ(groups[3].node_names, (Names{"o_proj"}));
}

TEST(QuantizerGroups, EmptySetupHasNoGroups) {
  ModelBuilder b;
  b.input("x", {2}).output("y");
  b.node("Relu", {"x"}, {"y"});
  EXPECT_TRUE(build_groups(b.model(), QuantizerSetup{}).empty());
}

}  // namespace
}  // namespace qac
