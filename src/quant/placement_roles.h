// First step of placement: the effective role of every main-graph node (its op kind from the
// op table, or float when a rule keeps it float) and, for nodes kept float, the reason.
#pragma once

#include <string>
#include <vector>

#include "graph/graph_view.h"
#include "quant/op_table.h"
#include "quant/placement.h"
#include "quant/placement_values.h"

namespace qac {

struct NodeRoles {
  std::vector<OpKind> kind;  // effective kind per node index
  // Per node: why it stays float although its op could be quantized (or holds subgraphs, or
  // is ignored); empty when there is nothing to report.
  std::vector<std::string> skip_reason;
};

// Applies the float-keeping rules of placement (ignored scope, SE blocks, post-processing,
// x * f(x) activations, constant operands, model_type, unusable weights) in that priority.
// Errors: those of match_ignored_scope().
Result<NodeRoles> assign_node_roles(const GraphView& view, const ValueFacts& facts,
                                    const PlacementOptions& options);

}  // namespace qac
