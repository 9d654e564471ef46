#include "accuracy/dataset_pb_tensor.h"

#include <cstring>
#include <fstream>

#include <onnx/onnx_pb.h>

namespace qac {
namespace {

Result<DType> dtype_from_proto(int32_t data_type, const std::string& label) {
  switch (data_type) {
    case onnx::TensorProto::FLOAT: return DType::kFloat32;
    case onnx::TensorProto::DOUBLE: return DType::kFloat64;
    case onnx::TensorProto::FLOAT16: return DType::kFloat16;
    case onnx::TensorProto::INT8: return DType::kInt8;
    case onnx::TensorProto::UINT8: return DType::kUInt8;
    case onnx::TensorProto::INT16: return DType::kInt16;
    case onnx::TensorProto::INT32: return DType::kInt32;
    case onnx::TensorProto::INT64: return DType::kInt64;
    case onnx::TensorProto::BOOL: return DType::kBool;
    default: break;
  }
  return Status::Unsupported("'" + label + "': tensor data type " + std::to_string(data_type) +
                             " (" + onnx::TensorProto::DataType_Name(data_type) +
                             ") is not supported in datasets");
}

// Copies `values` into `out` element by element, converting to T.
template <typename T, typename Field>
void copy_typed(const Field& values, Tensor& out) {
  T* dst = out.data<T>();
  for (int i = 0; i < values.size(); ++i) dst[i] = static_cast<T>(values.Get(i));
}

// Fills `out` (already shaped) from the typed field that ONNX uses for its dtype.
// Returns the number of elements that field holds.
size_t fill_from_typed_fields(const onnx::TensorProto& proto, Tensor& out) {
  const size_t n = out.numel();
  const auto fits = [n](int size) { return static_cast<size_t>(size) == n; };
  switch (out.dtype) {
    case DType::kFloat32:
      if (fits(proto.float_data_size())) copy_typed<float>(proto.float_data(), out);
      return static_cast<size_t>(proto.float_data_size());
    case DType::kFloat64:
      if (fits(proto.double_data_size())) copy_typed<double>(proto.double_data(), out);
      return static_cast<size_t>(proto.double_data_size());
    case DType::kInt64:
      if (fits(proto.int64_data_size())) copy_typed<int64_t>(proto.int64_data(), out);
      return static_cast<size_t>(proto.int64_data_size());
    case DType::kInt32:
      if (fits(proto.int32_data_size())) copy_typed<int32_t>(proto.int32_data(), out);
      return static_cast<size_t>(proto.int32_data_size());
    case DType::kInt16:
      if (fits(proto.int32_data_size())) copy_typed<int16_t>(proto.int32_data(), out);
      return static_cast<size_t>(proto.int32_data_size());
    case DType::kFloat16:  // int32_data holds the IEEE half bit patterns
      if (fits(proto.int32_data_size())) copy_typed<uint16_t>(proto.int32_data(), out);
      return static_cast<size_t>(proto.int32_data_size());
    case DType::kInt8:
      if (fits(proto.int32_data_size())) copy_typed<int8_t>(proto.int32_data(), out);
      return static_cast<size_t>(proto.int32_data_size());
    case DType::kUInt8:
    case DType::kBool:
      if (fits(proto.int32_data_size())) copy_typed<uint8_t>(proto.int32_data(), out);
      return static_cast<size_t>(proto.int32_data_size());
  }
  return 0;
}

}  // namespace

Result<NamedProtoTensor> read_tensor_proto_file(const std::filesystem::path& path) {
  const std::string label = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("'" + label + "': cannot open tensor file");
  onnx::TensorProto proto;
  if (!proto.ParseFromIstream(&in)) {
    return Status::InvalidData("'" + label + "': not a serialized onnx.TensorProto");
  }
  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    return Status::Unsupported("'" + label + "': tensors with external data are not supported");
  }
  if (proto.has_segment()) {
    return Status::Unsupported("'" + label + "': segmented tensors are not supported");
  }
  QAC_ASSIGN_OR_RETURN(DType dtype, dtype_from_proto(proto.data_type(), label));
  std::vector<int64_t> shape;
  for (int64_t d : proto.dims()) {
    if (d < 0) return Status::InvalidData("'" + label + "': negative dimension in tensor dims");
    shape.push_back(d);
  }
  NamedProtoTensor result{proto.name(), Tensor(dtype, shape)};
  Tensor& t = result.tensor;
  if (proto.has_raw_data()) {
    if (proto.raw_data().size() != t.byte_size()) {
      return Status::InvalidData("'" + label + "': raw_data holds " +
                                 std::to_string(proto.raw_data().size()) + " bytes but dims " +
                                 shape_to_string(shape) + " of " + dtype_name(dtype) + " need " +
                                 std::to_string(t.byte_size()));
    }
    std::memcpy(t.bytes.data(), proto.raw_data().data(), t.byte_size());
    return result;
  }
  const size_t held = fill_from_typed_fields(proto, t);
  if (held != t.numel()) {
    return Status::InvalidData("'" + label + "': tensor holds " + std::to_string(held) +
                               " elements but dims " + shape_to_string(shape) + " need " +
                               std::to_string(t.numel()));
  }
  return result;
}

}  // namespace qac
