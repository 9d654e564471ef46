// Finding packed-QKV self-attention (the pattern of quant/attention_fusion.h) in a graph.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "graph/graph_view.h"

namespace qac {

// One matched attention, everything the rewrite needs.
struct SelfAttention {
  std::vector<int> removed;  // the pattern's nodes, replaced by the fused ones
  int packed_reshape = -1;   // P; the fused nodes take its place in node order
  int output_reshape = -1;   // reads the fused output instead of the transposed A @ V
  std::string packed;                // X
  std::vector<int64_t> packed_dims;  // [c0, c1, 3*H*D], c0, c1 in {0, -1}: X3's constant shape
  std::set<std::string> lead_sources;  // values whose dims 0, 1 are X's (leading_dim_sources)
  bool lead_is_x[2] = {false, false};  // entry e0 / e1 of P is provably X's dim
  std::optional<std::vector<int64_t>> output_dims;  // a constant shape for the output Reshape
  std::string output_shape;            // the output Reshape's shape input it replaces
  // The projection X = MatMul(input, weight) + bias when weight [K, 3*H*D] and bias [3*H*D] are
  // float initializers and X is read by P only (empty otherwise): ONNX Runtime's Attention node
  // then computes the projection too. Its nodes are in `removed`.
  std::string input;
  std::string weight;
  std::string bias;
  int64_t heads = 0;
  int64_t head_size = 0;
  double scale = 1.0;
  bool float_scale = false;  // a float constant scales Q, K or the scores: the attention is float
  std::string base;          // names the rewrite: the Softmax node's name
};

// Every packed-QKV self-attention of the graph, in node order; no node is in two of them.
std::vector<SelfAttention> find_self_attentions(const GraphView& view);

}  // namespace qac
