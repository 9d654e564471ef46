// The analysis half of SmoothQuant (quant/smooth_quant.h): which MatMul/Gemm nodes can be
// smoothed, grouped by the activation they read (one s per activation).
#pragma once

#include <string>
#include <vector>

#include "qac/status.h"
#include "quant/placement.h"
#include "quant/smooth_quant.h"

namespace qac {
class GraphView;
}

namespace qac::smoothing {

// One smoothed weighted node.
struct SmoothedNode {
  int node = -1;
  int activation_slot = 0;
  int weight_slot = 1;
  std::string weight;
  int row_axis = 0;  // axis of the weight indexed by the input channel k
};

// Weighted nodes reading one activation: they share one s.
struct Group {
  std::string activation;
  std::vector<SmoothedNode> nodes;
};

std::string in_quotes(const std::string& s);
// "MatMul 'name'" for messages.
std::string node_text(const GraphView& view, int node);

// The groups of smoothable nodes (see quant/smooth_quant.h for the conditions), in graph order
// of their first node; each node left alone gets a log entry with the reason.
// InvalidArgument when `setup` does not match the model.
Result<std::vector<Group>> find_groups(const GraphView& view, const QuantizerSetup& setup, SmoothQuantLog* log);

}  // namespace qac::smoothing
