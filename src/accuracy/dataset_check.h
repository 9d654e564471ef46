// Checks that a dataset can feed a model: same input names, element types and per-sample
// shapes (the model's leading dimension is the batch axis and is not compared).
#pragma once

#include <string>
#include <vector>

#include "qac/dataset.h"
#include "runtime/session.h"

namespace qac {

// OK when every model input has a dataset tensor of the same dtype whose per-sample shape
// matches the model's shape without its first dimension (model dims of -1 match anything),
// and the dataset holds no tensor the model does not take. Otherwise InvalidData naming the
// dataset, the tensor, the expected and the actual dtype/shape, e.g.
//   "dataset assets/x: input 'x' has per-sample shape [3, 32, 32] but model rec.onnx
//    expects [3, 48, ?]".
Status check_dataset_matches(const Dataset& dataset, const std::vector<ValueSpec>& model_inputs,
                             const std::string& model_label);

}  // namespace qac
