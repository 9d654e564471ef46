// Packed-QKV self-attention becomes one MultiHeadAttention node with the same output (to float
// rounding) in both exporter forms (PyTorch: Gather picks, Shape/Gather/Unsqueeze entries;
// PaddlePaddle: Slice+Squeeze picks, Cast/Slice entries, the Flatten-wrapped Softmax); near
// misses stay as they are.
#include <gtest/gtest.h>

#include <cmath>

#include "graph/tensor_data.h"
#include "quant/attention_fusion.h"
#include "support/model_builder.h"
#include "support/model_run.h"

namespace qac {
namespace {

using testing::ModelBuilder;
using testing::op_types;

constexpr int64_t kTokens = 5;
constexpr int64_t kChannels = 8;  // H * D
constexpr int64_t kHeads = 2;
constexpr int64_t kHeadSize = 4;

enum class Exporter { kPyTorch, kPaddle };

struct AttentionSpec {
  Exporter exporter = Exporter::kPyTorch;
  bool mask = false;                // an Add on the scores before the Softmax
  bool scores_output = false;       // the scores are also a graph output
  bool swap_qk = false;             // Q taken from T[1], K from T[0]
  bool unrelated_lead_dims = false;  // e0, e1 from the shape of another input
  bool packed_output = false;       // X is also a graph output: the projection stays
};

// Dim `k` of Shape(`of`) as a one-element int64 tensor, in the exporter's form.
std::string shape_dim(ModelBuilder& b, Exporter e, const std::string& tag, const std::string& of, int64_t k) {
  const std::string base = tag + "_" + of + "_dim" + std::to_string(k);
  if (e == Exporter::kPyTorch) {
    b.node("Shape", {of}, {base + "_shape"});
    b.initializer_i64(base + "_index", {}, {k});
    b.node("Gather", {base + "_shape", base + "_index"}, {base + "_scalar"}).i("axis", 0);
    b.node("Unsqueeze", {base + "_scalar", "axes0"}, {base});
    return base;
  }
  b.node("Shape", {of}, {base + "_shape"});
  b.node("Cast", {base + "_shape"}, {base + "_shape32"}).i("to", onnx::TensorProto_DataType_INT32);
  b.initializer_i64(base + "_start", {1}, {k});
  b.initializer_i64(base + "_end", {1}, {k + 1});
  b.node("Slice", {base + "_shape32", base + "_start", base + "_end", "axes0"}, {base + "_32"});
  b.node("Cast", {base + "_32"}, {base}).i("to", onnx::TensorProto_DataType_INT64);
  return base;
}

// T[j] of the [3, B, H, S, D] tensor "t5".
std::string pick(ModelBuilder& b, Exporter e, int64_t j) {
  const std::string out = "pick" + std::to_string(j);
  if (e == Exporter::kPyTorch) {
    b.initializer_i64(out + "_index", {}, {j});
    b.node("Gather", {"t5", out + "_index"}, {out}).i("axis", 0);
    return out;
  }
  b.initializer_i64(out + "_start", {1}, {j});
  b.initializer_i64(out + "_end", {1}, {j + 1});
  b.node("Slice", {"t5", out + "_start", out + "_end", "axes0"}, {out + "_sliced"});
  b.node("Squeeze", {out + "_sliced", "axes0"}, {out});
  return out;
}

// x [B, 5, 8] -> packed qkv -> attention of 2 heads of 4 -> Reshape -> MatMul -> y.
onnx::ModelProto attention_model(const AttentionSpec& s) {
  const Exporter e = s.exporter;
  ModelBuilder b;
  b.input("x", {-1, kTokens, kChannels}).input("other", {-1, kTokens, kChannels}).output("y");
  b.initializer_i64("axes0", {1}, {0});
  b.random_initializer("w_qkv", {kChannels, 3 * kChannels}, 1);
  b.random_initializer("b_qkv", {3 * kChannels}, 2);
  b.random_initializer("w_out", {kChannels, kChannels}, 3);
  b.node("MatMul", {"x", "w_qkv"}, {"qkv_mm"}, "qkv");
  b.node("Add", {"b_qkv", "qkv_mm"}, {"qkv"}, "qkv_bias");
  const std::string lead = s.unrelated_lead_dims ? "other" : "x";
  std::vector<std::string> entries = {shape_dim(b, e, "packed", lead, 0), shape_dim(b, e, "packed", lead, 1)};
  b.initializer_i64("three", {1}, {3}).initializer_i64("heads", {1}, {kHeads});
  b.initializer_i64("head_size", {1}, {kHeadSize});
  for (const char* c : {"three", "heads", "head_size"}) entries.push_back(c);
  b.node("Concat", entries, {"shape5"}).i("axis", 0);
  b.node("Reshape", {"qkv", "shape5"}, {"p5"});
  b.node("Transpose", {"p5"}, {"t5"}).ints("perm", {2, 0, 3, 1, 4});
  const std::string q = pick(b, e, s.swap_qk ? 1 : 0);
  const std::string k = pick(b, e, s.swap_qk ? 0 : 1);
  const std::string v = pick(b, e, 2);
  b.scalar("scale", 0.5f);
  const std::string scaled_q = e == Exporter::kPaddle ? "q_scaled" : q;
  if (e == Exporter::kPaddle) b.node("Mul", {q, "scale"}, {"q_scaled"});
  b.node("Transpose", {k}, {"kt"}).ints("perm", {0, 1, 3, 2});
  b.node("MatMul", {scaled_q, "kt"}, {"scores"});
  std::string logits = "scores";
  if (e == Exporter::kPyTorch) {
    b.node("Mul", {"scores", "scale"}, {"scores_scaled"});
    logits = "scores_scaled";
  }
  if (s.mask) {
    b.random_initializer("mask", {kTokens}, 4);
    b.node("Add", {logits, "mask"}, {"masked"});
    logits = "masked";
  }
  if (e == Exporter::kPyTorch) {
    b.node("Softmax", {logits}, {"probs"}, "softmax").i("axis", -1);
  } else {
    b.node("Flatten", {logits}, {"flat"}).i("axis", 3);
    b.node("Softmax", {"flat"}, {"flat_probs"}, "softmax").i("axis", 1);
    b.node("Shape", {logits}, {"logits_shape"});
    b.node("Reshape", {"flat_probs", "logits_shape"}, {"probs"});
  }
  b.node("MatMul", {"probs", v}, {"context"});
  b.node("Transpose", {"context"}, {"context_t"}).ints("perm", {0, 2, 1, 3});
  const std::vector<std::string> out_entries = {shape_dim(b, e, "out", "x", 0), shape_dim(b, e, "out", "x", 1),
                                                shape_dim(b, e, "out", "x", 2)};
  b.node("Concat", out_entries, {"shape3"}).i("axis", 0);
  b.node("Reshape", {"context_t", "shape3"}, {"merged"}, "merge_heads");
  b.node("MatMul", {"merged", "w_out"}, {"y"}, "proj");
  if (s.scores_output) b.output("scores");
  if (s.packed_output) b.output("qkv");
  return b.build();
}

std::vector<int64_t> initializer_ints(const onnx::ModelProto& m, const std::string& name) {
  for (const auto& t : m.graph().initializer()) {
    if (t.name() == name) return read_int_tensor(t).value_or(std::vector<int64_t>{});
  }
  return {};
}

const onnx::NodeProto* find_node(const onnx::ModelProto& m, const std::string& name) {
  for (const auto& n : m.graph().node()) {
    if (n.name() == name) return &n;
  }
  return nullptr;
}

// The projection folds into one Attention node, or (X read elsewhere) X3 -> Split ->
// MultiHeadAttention; either way the output matches at batch 1 and 3.
TEST(AttentionFusion, BothExporterFormsBecomeOneFusedNodeWithTheSameOutput) {
  for (Exporter e : {Exporter::kPyTorch, Exporter::kPaddle}) {
    for (bool packed_output : {false, true}) {
      AttentionSpec spec;
      spec.exporter = e;
      spec.packed_output = packed_output;
      const onnx::ModelProto original = attention_model(spec);
      onnx::ModelProto rewritten = original;
      std::vector<std::string> log;
      auto n = rewrite_self_attention(rewritten, &log);
      ASSERT_TRUE(n.ok()) << n.status().to_string();
      ASSERT_EQ(*n, 1);
      ASSERT_EQ(log.size(), 1u);
      EXPECT_NE(log[0].find("'softmax' (2 heads of 4, scale 0.5"), std::string::npos) << log[0];
      // Every shape computation is gone: the Reshapes left read constant shapes.
      const std::vector<std::string> expected =
          packed_output ? std::vector<std::string>{"MatMul", "Add", "Reshape", "Split", "MultiHeadAttention", "Reshape",
                                                   "MatMul"}
                        : std::vector<std::string>{"Attention", "Reshape", "MatMul"};
      EXPECT_EQ(op_types(rewritten), expected);
      const onnx::NodeProto* fused =
          find_node(rewritten, packed_output ? "softmax/as_multi_head_attention" : "softmax/as_attention");
      ASSERT_NE(fused, nullptr);
      EXPECT_EQ(fused->domain(), "com.microsoft");
      if (packed_output) {
        EXPECT_EQ(initializer_ints(rewritten, find_node(rewritten, "softmax/reshape_packed_qkv")->input(1)),
                  (std::vector<int64_t>{0, 0, 3 * kChannels}));
      }
      EXPECT_EQ(initializer_ints(rewritten, find_node(rewritten, "merge_heads")->input(1)),
                (std::vector<int64_t>{0, 0, -1}));
      for (int64_t batch : {1, 3}) {
        const NamedTensors feeds = {{"x", testing::random_tensor({batch, kTokens, kChannels}, 7, -2.0f, 2.0f)},
                                    {"other", testing::random_tensor({batch, kTokens, kChannels}, 8)}};
        const std::vector<float> a = testing::run_optimized(original, feeds, "y").to_float();
        const std::vector<float> r = testing::run_optimized(rewritten, feeds, "y").to_float();
        ASSERT_EQ(a.size(), static_cast<size_t>(batch * kTokens * kChannels));
        ASSERT_EQ(a.size(), r.size());
        for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], r[i], 1e-5f * (1.0f + std::fabs(a[i]))) << i;
      }
    }
  }
}

TEST(AttentionFusion, NearMissesStay) {
  std::vector<AttentionSpec> misses(4);
  misses[0].mask = true;                // scores plus a mask: not plain self-attention
  misses[1].scores_output = true;       // an intermediate value read outside the pattern
  misses[2].swap_qk = true;             // Q and K from the other thirds
  misses[3].unrelated_lead_dims = true;  // nothing proves e0, e1 are X's dims
  for (Exporter e : {Exporter::kPyTorch, Exporter::kPaddle}) {
    for (size_t i = 0; i < misses.size(); ++i) {
      AttentionSpec spec = misses[i];
      spec.exporter = e;
      onnx::ModelProto model = attention_model(spec);
      const std::string before = model.SerializeAsString();
      auto n = rewrite_self_attention(model, nullptr);
      ASSERT_TRUE(n.ok()) << n.status().to_string();
      EXPECT_EQ(*n, 0) << "miss " << i;
      EXPECT_EQ(model.SerializeAsString(), before) << "miss " << i;
    }
  }
}

}  // namespace
}  // namespace qac
