// What ONNX Runtime executed and how long each node took, read from its profiler's trace: the
// nodes of the optimized graph (fused int8 kernels, layout-converted convolutions, ...), not
// the nodes of the ONNX file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qac/benchmark.h"
#include "qac/status.h"
#include "qac/tensor.h"
#include "runtime/session.h"

namespace qac {

// One node of a profiled run.
struct NodeRecord {
  std::string name;      // node name in the optimized graph
  std::string op_type;   // kernel's op type, e.g. "QLinearConv", "FusedConv", "MatMul"
  std::string provider;  // execution provider, e.g. "CPUExecutionProvider"
  double microseconds = 0;
  // Shapes of the inputs present in the run, in input order. Absent optional inputs are left
  // out, and so are weights the session repacked at creation (SessionOptions::prepack_weights):
  // positions are input indices only up to the first absent input.
  std::vector<std::vector<int64_t>> input_shapes;
  std::vector<std::vector<int64_t>> output_shapes;
};

// The nodes of an ONNX Runtime trace (its "kernel_time" events of category "Node"), in
// execution order. `label` names the trace in messages; RuntimeError when it is not a trace.
Result<std::vector<NodeRecord>> parse_profile_trace(const std::string& json_text, const std::string& label);

// Runs `session` `runs` times on `feeds` with the profiler on and returns each executed node
// once, in execution order, with the median of its time over the runs (a node that runs
// several times within one run, as in a loop body, counts the sum of those times). The traces
// go to a private temporary folder that is removed before returning.
// REQUIRES: runs >= 1.
Result<std::vector<NodeRecord>> profile_nodes(const Session& session, const NamedTensors& feeds, int runs,
                                              const std::string& label);

// Time per op type, largest first (ties by op type).
std::vector<OpTypeTime> time_per_op_type(const std::vector<NodeRecord>& nodes);

}  // namespace qac
