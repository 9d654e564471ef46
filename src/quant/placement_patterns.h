// Graph patterns whose ops stay float during placement (docs/design.md §4): SE blocks, activation
// patterns written with Mul (x * f(x)), and post-processing after the last weighted op.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "graph/graph_view.h"
#include "quant/placement_values.h"

namespace qac {

// Squeeze-excitation blocks: Mul(x, g) where g comes from x through
//   GlobalAveragePool|ReduceMean(x) -> {Conv, Gemm, MatMul, activation, elementwise with a
//   constant, reshape-like}* -> Sigmoid|HardSigmoid (possibly followed by such ops) -> g,
// with at least one weighted op in the branch and every branch value read only inside the
// branch. Returns node index -> reason for every node of every block (pooling .. Mul).
std::map<int, std::string> find_se_blocks(const GraphView& view, const ValueFacts& facts);

// Activation functions written as a product: Mul(x, f(x)) where f is a short chain of
// activation functions and elementwise ops with a constant operand (Swish x*sigmoid(x),
// HardSwish x*clip(x+3,0,6), GELU x*(1+erf(x/sqrt2))). Returns Mul node index -> reason.
std::map<int, std::string> find_product_activations(const GraphView& view,
                                                    const ValueFacts& facts);

// For each node: whether some weighted op (Conv, ConvTranspose, MatMul, Gemm) is reachable
// from its outputs (including through subgraph captures). Nodes for which this is false and
// that are not weighted themselves are post-processing.
std::vector<bool> reaches_weighted_op(const GraphView& view);

}  // namespace qac
