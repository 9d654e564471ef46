// Graphs whose nodes are not in topological order (ONNX Runtime runs them; the ONNX checker
// rejects them) are put in order by normalization, names and values unchanged.
#include <gtest/gtest.h>

#include <algorithm>

#include "onnx/normalize.h"
#include "onnx/node_order.h"
#include "support/model_builder.h"

namespace qac {
namespace {

using testing::ModelBuilder;

// x -> conv -> relu -> conv2 -> y, written with the nodes in reverse.
onnx::ModelProto reversed_chain() {
  ModelBuilder b;
  b.input("x", {1, 2, 5, 5}).output("y");
  b.random_initializer("w1", {2, 2, 3, 3}, 1).random_initializer("w2", {2, 2, 1, 1}, 2);
  b.node("Conv", {"x", "w1"}, {"c"}, "conv").ints("pads", {1, 1, 1, 1});
  b.node("Relu", {"c"}, {"r"}, "relu");
  b.node("Conv", {"r", "w2"}, {"y"}, "conv2");
  onnx::ModelProto m = b.build();
  auto* nodes = m.mutable_graph()->mutable_node();
  std::reverse(nodes->begin(), nodes->end());
  return m;
}

std::vector<std::string> node_names(const onnx::ModelProto& m) {
  std::vector<std::string> names;
  for (const auto& n : m.graph().node()) names.push_back(n.name());
  return names;
}

TEST(NodeOrder, NormalizeSortsAnUnsortedGraphAndSaysSo) {
  onnx::ModelProto m = reversed_chain();
  ASSERT_EQ(node_names(m), (std::vector<std::string>{"conv2", "relu", "conv"}));
  NormalizeLog log;
  const Status s = normalize(m, log);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(node_names(m), (std::vector<std::string>{"conv", "relu", "conv2"}));
  const bool said = std::any_of(log.entries.begin(), log.entries.end(), [](const std::string& e) {
    return e.find("not in topological order") != std::string::npos && e.find("2 of 3") != std::string::npos;
  });
  EXPECT_TRUE(said) << ::testing::PrintToString(log.entries);
}

TEST(NodeOrder, ASortedGraphIsLeftAsItIsAndACycleIsNamed) {
  onnx::ModelProto m = reversed_chain();
  ASSERT_TRUE(topological_sort(*m.mutable_graph()).ok());
  NormalizeLog log;
  ASSERT_TRUE(normalize(m, log).ok());
  for (const auto& e : log.entries) EXPECT_EQ(e.find("topological order"), std::string::npos) << e;

  // relu reads conv2's output and conv2 reads relu's: a cycle.
  onnx::ModelProto cyclic = reversed_chain();
  for (auto& n : *cyclic.mutable_graph()->mutable_node()) {
    if (n.name() == "relu") *n.mutable_input(0) = std::string(1, 'y');
  }
  auto order = topological_node_order(cyclic.graph());
  ASSERT_FALSE(order.ok());
  EXPECT_NE(order.status().message().find("cycle"), std::string::npos) << order.status().to_string();
}

}  // namespace
}  // namespace qac
