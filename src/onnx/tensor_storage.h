// Whether a TensorProto stores what its dims describe, for every ONNX element type. ONNX's
// checker does not compare the two, and ONNX's shape inference reads constant tensors by their
// dims: a tensor storing less is read out of bounds.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "qac/status.h"

namespace qac {

// OK when the dims are non-negative, their element count (and byte size) fits 64 bits, and the
// stored data (raw_data, or the typed field of the element type) holds exactly that many
// elements. Tensors stored externally and element types the linked ONNX does not know are not
// checked. Otherwise InvalidModel naming `what` ("initializer 'w'").
Status check_tensor_storage(const onnx::TensorProto& tensor, const std::string& what);

// check_tensor_storage on every initializer and every tensor-valued attribute (Constant
// values, ...) of the model's graphs and subgraphs.
Status check_model_tensor_storage(const onnx::ModelProto& model);

}  // namespace qac
