// Conversion between onnx::TensorProto and qac::Tensor.
#pragma once

#include <onnx/onnx_pb.h>

#include <filesystem>
#include <string>

#include "qac/status.h"
#include "qac/tensor.h"

namespace qac {

// The DType of an ONNX element type (TensorProto::DataType), or Unsupported naming `what`.
Result<DType> dtype_from_onnx(int32_t onnx_type, const std::string& what);
// The ONNX element type (TensorProto::DataType) of `dtype`.
int32_t dtype_to_onnx(DType dtype);

// Reads the tensor's elements from raw_data or from the typed field that holds them
// (float_data, int32_data, int64_data, double_data). Errors name the tensor: Unsupported for
// element types qac does not handle, external data or segments; InvalidModel when the stored
// element count does not match the dims.
Result<Tensor> to_tensor(const onnx::TensorProto& proto);

// A TensorProto named `name` holding `tensor` in raw_data (little-endian).
onnx::TensorProto to_proto(const Tensor& tensor, const std::string& name);

// Reads an ONNX test-data file (a serialized TensorProto, e.g. input_0.pb).
// Errors: NotFound, IoError, InvalidData (not a TensorProto) naming the path.
Result<onnx::TensorProto> read_tensor_proto_pb(const std::filesystem::path& path);
Result<Tensor> read_tensor_pb(const std::filesystem::path& path);

}  // namespace qac
