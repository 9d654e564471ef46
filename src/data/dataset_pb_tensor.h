// Reads one ONNX test-data file (a serialized onnx.TensorProto) for the test-data dataset.
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

// Parses `path` (data in raw_data or in the typed fields). Errors name the file:
// InvalidData for an unparsable file or an element count that differs from the dims,
// Unsupported for element types qac does not handle or external data.
Result<NamedProtoTensor> read_tensor_proto_file(const std::filesystem::path& path);

}  // namespace qac
