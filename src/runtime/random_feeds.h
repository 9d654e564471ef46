// Inputs for timing a model when no data is given: shapes from the model (its symbolic batch
// dimension set to the batch size) or from the user, values drawn at random.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "qac/benchmark.h"
#include "qac/status.h"
#include "qac/tensor.h"
#include "runtime/session.h"

namespace qac {

// The shape to feed each of `inputs`: `shapes[name]` when given, else the model's shape with a
// symbolic first dimension set to `batch`. InvalidArgument naming the input and `model_label`
// when a given shape does not fit the model's (rank, fixed dimensions, dimensions < 1), when
// another dimension is symbolic and no shape is given, or when `shapes` names no model input.
Result<InputShapes> resolve_input_shapes(const std::vector<ValueSpec>& inputs, const InputShapes& shapes,
                                         int64_t batch, const std::string& model_label);

// A tensor per input with the shape resolve_input_shapes() gives: floating-point values drawn
// uniformly from [-1, 1) (float16 inputs are zeros), integers 0, booleans false; the same
// values for the same `seed`. Models whose speed depends on input values need real data.
Result<NamedTensors> random_feeds(const std::vector<ValueSpec>& inputs, const InputShapes& shapes, int64_t batch,
                                  const std::string& model_label, uint32_t seed = 0);

}  // namespace qac
