// Builds the in-graph observers (runtime/observer_ops.h) that summarize calibration activations
// inside ONNX Runtime.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "qac/status.h"
#include "qac/tensor.h"
#include "quant/tensor_stats.h"

namespace qac {

// One tensor to observe in the graph.
struct ObserverSpec {
  std::string tensor;                 // a float32 value of the main graph
  std::optional<int> channel_sum_axis;  // per-channel sums; negative counts from the end
  bool last_axis_absmax = false;        // per-channel max |x| along the last axis
};

// The graph outputs that carry one tensor's summaries.
struct ObserverOutputs {
  std::string tensor;
  std::string ranges;     // float [R, 2]: (min, max) over the finite values of each row
  std::string nonfinite;  // int64 [R]: NaN / +-inf count of each row
  std::string shape;      // int64 [1, rank]: the observed tensor's shape
  std::string channel_sums;    // double [1, C], or empty when not requested
  std::string channel_absmax;  // float [1, C], or empty when not requested
  int channel_sum_axis = 0;  // as requested (normalized with the observed rank when read back)
};

// The observers of `specs` as a ModelProto fragment holding only the added nodes, graph outputs
// and the observer domain's opset import: parsed after a serialized model (protobuf appends
// repeated fields of concatenated messages), it extends that model without copying it.
// Names of added values and nodes are unused in `graph`. The nodes are listed in reverse
// topological order of the tensors they read (`graph`'s node order), the order in which ONNX
// Runtime's scheduler runs each observer right after its tensor is produced.
onnx::ModelProto observer_fragment(const onnx::GraphProto& graph,
                                   const std::vector<ObserverSpec>& specs,
                                   std::vector<ObserverOutputs>& outputs);

// Adds one batch of observer outputs to stats[o.tensor] for each observer o. The outputs of
// `observers` are outputs[first], outputs[first + 1], ... in ObserverOutputs field order
// (ranges, nonfinite, shape, then channel_sums and channel_absmax when present); the batch
// holds `num_samples` samples. A batch whose per-row outputs were cut back to fewer rows than
// the shape's leading dimension (a padded last batch) counts only those rows.
// Errors: outputs inconsistent with each other (Internal), and those of TensorStats.
Status add_observer_outputs(std::map<std::string, TensorStats>& stats,
                            const std::vector<ObserverOutputs>& observers,
                            const std::vector<Tensor>& outputs, size_t first, size_t num_samples);

}  // namespace qac
