// Reading and writing the values of float32 initializers (TensorProto), for graph rewrites that
// change weights (BatchNormalization folding, ...). Data may live in raw_data (little-endian)
// or in float_data; written tensors always use raw_data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "qac/status.h"

namespace qac {

// Number of elements the dims describe (1 for a scalar), or -1 when a dim is negative or the
// count does not fit int64 (see checked_numel).
int64_t tensor_numel(const onnx::TensorProto& tensor);

// The values of a FLOAT tensor. kUnsupported for other element types or external data,
// kInvalidModel when the stored data does not match the dims; messages name the tensor.
Result<std::vector<float>> read_float_tensor(const onnx::TensorProto& tensor);

// The values of an INT64 or INT32 tensor as int64 (shape and index constants), or nullopt for
// other element types, external data, or stored data that does not match the dims.
std::optional<std::vector<int64_t>> read_int_tensor(const onnx::TensorProto& tensor);

// Replaces the data of `tensor` with `values` (FLOAT, raw_data); dims are left unchanged.
// REQUIRES: values.size() == tensor_numel(tensor)
void write_float_tensor(onnx::TensorProto& tensor, const std::vector<float>& values);

// A new FLOAT initializer named `name` with the given dims and values.
// REQUIRES: values.size() == product of dims
onnx::TensorProto make_float_tensor(const std::string& name, const std::vector<int64_t>& dims,
                                    const std::vector<float>& values);

// A new INT64 initializer named `name` with the given dims and values (shape, index and axes
// constants). REQUIRES: values.size() == product of dims
onnx::TensorProto make_int64_tensor(const std::string& name, const std::vector<int64_t>& dims,
                                    const std::vector<int64_t>& values);

}  // namespace qac
