// Subgraphs (If branches, Loop and Scan bodies) quantized as models of their own
// (docs/design.md §4, "Subgraphs").
//
// A subgraph reads values of its enclosing graph (outer scope). As a model of its own, those reads
// become graph inputs after its own formal inputs (a Loop body's iteration number, condition and
// carried values; a Scan body's states and scan slices); outer-scope initializers are copied in as
// initializers, so that weights defined outside stay constants. The whole flow (placement,
// statistics, parameters, emission) then runs on it unchanged. Its calibration samples are the
// values it reads, captured while the enclosing model runs on the calibration samples, one run
// per sample: for an If branch, the runs whose condition selects it; for a Loop or Scan body, its
// iterations (the enclosing model is run with the body's inputs added as scan outputs, so that
// every iteration's inputs come out stacked). The emitted subgraph goes back into its node: its
// outer-scope inputs become outer-scope reads again, the initializers it copied are dropped (or
// renamed when emission changed them), and every name it added is prefixed with the subgraph's
// site so that it cannot collide with a name of another scope.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "qac/dataset.h"
#include "qac/status.h"
#include "runtime/session.h"

namespace qac {

// One subgraph held by a node of a graph.
struct SubgraphSite {
  enum class Kind { kIfBranch, kLoopBody, kScanBody };
  Kind kind = Kind::kIfBranch;
  std::string node;       // the node's name
  int node_index = -1;    // index in the graph's nodes when the site was found
  std::string attribute;  // "then_branch", "else_branch" or "body"
  std::string condition;  // If: the condition value
  // The prefix of every id and name the subgraph's quantization adds: "<node>/<attribute>/".
  std::string prefix() const { return node + "/" + attribute + "/"; }
};

// The If branches and Loop/Scan bodies of `graph` (not those nested deeper), in node order.
// Nodes without a name are left out (their subgraphs stay float).
std::vector<SubgraphSite> subgraph_sites(const onnx::GraphProto& graph);

// The subgraph at `site` as a model of its own (see above): its graph inputs are its formal
// inputs, then the outer-scope values it reads, typed from the enclosing graph's value info (an
// input whose shape is not recorded has none until calibration shapes it from captured values).
// Errors (kUnsupported, naming the subgraph and the value): a value read from outer scope whose
// element type the enclosing graph does not record.
Result<onnx::ModelProto> subgraph_model(const onnx::ModelProto& model, const SubgraphSite& site);

// For each site, calibration samples of its model (`bodies[i]` = subgraph_model(model, sites[i])):
// the values it reads as the enclosing `model` computes them on samples [0, num_samples) of
// `data`, one run per sample. If branches get one sample per run that selects them; Loop and
// Scan bodies one per iteration, at most `max_samples` in all (iterations evenly spaced).
Result<std::vector<std::unique_ptr<Dataset>>> capture_subgraph_inputs(const onnx::ModelProto& model,
                                                                      const std::vector<SubgraphSite>& sites,
                                                                      const std::vector<onnx::ModelProto>& bodies,
                                                                      const Dataset& data, size_t num_samples,
                                                                      size_t max_samples, const SessionOptions& options);

// Puts the emitted subgraph model `body` back into its node of `model` at `site` (the node is
// found by name). `original` is the subgraph model before quantization.
Status splice_subgraph(onnx::ModelProto& model, const SubgraphSite& site, const onnx::ModelProto& original,
                       onnx::ModelProto body);

}  // namespace qac
