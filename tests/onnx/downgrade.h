// Test-side downgrader: rewrites the single node of an ONNX node test (opset >= 13) into the
// form it had at an older opset, so that the opset upgrade can be checked against the test's
// expected outputs. Inputs that were attributes in the old form are baked from the test
// feeds (and removed from the graph inputs and the feeds).
#pragma once

#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

#include "qac/status.h"
#include "qac/tensor.h"

namespace qac::testing {

struct DowngradedCase {
  std::string variant;      // e.g. "Slice1_opset9"
  std::string op_type;      // the op family this case covers (the op at opset 13)
  onnx::ModelProto model;   // the node in its old form, opset_import set to the old opset
  NamedTensors feeds;       // the test inputs still fed
};

// Every old form of the node test's node this downgrader knows (one or more variants).
// Unsupported, with the reason, when the node has no equivalent old form (e.g. Clip on int8,
// Resize in cubic mode, ReduceSum with noop_with_empty_axes).
Result<std::vector<DowngradedCase>> downgrade_node_test(const onnx::ModelProto& model, const NamedTensors& feeds);

}  // namespace qac::testing
