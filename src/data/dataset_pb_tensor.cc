#include "data/dataset_pb_tensor.h"

#include "data/dataset_util.h"
#include "onnx/tensor_proto.h"

namespace qac {

Result<NamedProtoTensor> read_tensor_proto_file(const std::filesystem::path& path) {
  QAC_ASSIGN_OR_RETURN(onnx::TensorProto proto, read_tensor_proto_pb(path));
  auto tensor = to_tensor(proto);
  if (!tensor.ok()) {
    const Status& s = tensor.status();
    // A malformed tensor is bad data here, not a bad model.
    const StatusCode code = s.code() == StatusCode::kInvalidModel ? StatusCode::kInvalidData : s.code();
    return Status(code, quoted_path(path) + ": " + s.message());
  }
  return NamedProtoTensor{proto.name(), std::move(tensor).value()};
}

}  // namespace qac
