// If branches quantized as models of their own (docs/design.md §4, "Subgraphs").
//
// A branch of an If node is a graph that reads values of its enclosing graph (outer scope). As a
// model of its own, those reads become graph inputs (outer-scope initializers are copied in as
// initializers, so that weights defined outside stay constants), and the whole flow (placement,
// statistics, parameters, emission) runs on it unchanged. Its calibration samples are the values
// it reads, captured while the enclosing model runs on the calibration samples, one sample per
// run, kept only for the runs whose condition selects the branch. The emitted branch model goes
// back into the If node: its inputs become outer-scope reads again, the initializers it copied
// are dropped (or renamed when emission changed them), and every name it added is prefixed with
// the branch's site so that it cannot collide with a name of another scope.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "qac/dataset.h"
#include "qac/status.h"
#include "runtime/session.h"

namespace qac {

// One branch of an If node of a graph.
struct BranchSite {
  std::string node;       // the If node's name (its label when unnamed)
  int node_index = -1;    // index in the graph's nodes
  std::string attribute;  // "then_branch" or "else_branch"
  std::string condition;  // the If's condition value
  // The prefix of every id and name the branch's quantization adds: "<node>/<attribute>/".
  std::string prefix() const { return node + "/" + attribute + "/"; }
};

// The If branches of `graph` (not those nested deeper), in node order.
std::vector<BranchSite> if_branches(const onnx::GraphProto& graph);

// The branch at `site` as a model of its own (see above); its graph inputs are the outer-scope
// values it reads, typed from the enclosing graph's value info.
// Errors (kUnsupported, naming the branch and the value): a value read from outer scope whose
// element type or shape the enclosing graph does not record.
Result<onnx::ModelProto> branch_model(const onnx::ModelProto& model, const BranchSite& site);

// For each site, the samples of `data` whose run selects that branch: the values the branch
// reads (its model's inputs), as the enclosing `model` computes them on samples
// [0, num_samples), one run per sample. `bodies[i]` is branch_model(model, sites[i]).
Result<std::vector<std::unique_ptr<Dataset>>> capture_branch_inputs(const onnx::ModelProto& model,
                                                                    const std::vector<BranchSite>& sites,
                                                                    const std::vector<onnx::ModelProto>& bodies,
                                                                    const Dataset& data, size_t num_samples,
                                                                    const SessionOptions& options);

// Puts the emitted branch model `body` back into the If node of `model` at `site` (the node is
// found by name). `original` is the branch model before quantization.
Status splice_branch(onnx::ModelProto& model, const BranchSite& site, const onnx::ModelProto& original,
                     onnx::ModelProto body);

}  // namespace qac
