// Reads one serialized onnx.TensorProto file (ONNX test data) into a Tensor.
// Private to the test-data dataset; the general-purpose converter lives in src/onnx.
#pragma once

#include <filesystem>
#include <string>

#include "qac/status.h"
#include "qac/tensor.h"

namespace qac {

struct NamedProtoTensor {
  std::string name;  // TensorProto.name, possibly empty
  Tensor tensor;
};

// Parses `path`. Data may be in raw_data or in the typed fields. Fails naming the file on a
// parse error, an unsupported data type, external data, or an element count that differs
// from the dims.
Result<NamedProtoTensor> read_tensor_proto_file(const std::filesystem::path& path);

}  // namespace qac
