#include "onnx/tensor_proto.h"

#include <bit>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

namespace qac {
namespace {

static_assert(std::endian::native == std::endian::little,
              "raw_data is little-endian; big-endian hosts need byte swapping");

using onnx::TensorProto;

// Copies the typed field `values` into `out`, converting each element to `T`.
template <typename T, typename Field>
void copy_typed(const Field& values, Tensor& out) {
  T* dst = out.data<T>();
  for (int i = 0; i < values.size(); ++i) dst[i] = static_cast<T>(values.Get(i));
}

// float16 elements are stored in int32_data as their 16-bit patterns.
void copy_half_bits(const google::protobuf::RepeatedField<int32_t>& values, Tensor& out) {
  uint16_t* dst = out.data<uint16_t>();
  for (int i = 0; i < values.size(); ++i) dst[i] = static_cast<uint16_t>(values.Get(i) & 0xffff);
}

}  // namespace

Result<DType> dtype_from_onnx(int32_t onnx_type, const std::string& what) {
  switch (onnx_type) {
    case TensorProto::FLOAT: return DType::kFloat32;
    case TensorProto::DOUBLE: return DType::kFloat64;
    case TensorProto::FLOAT16: return DType::kFloat16;
    case TensorProto::INT8: return DType::kInt8;
    case TensorProto::UINT8: return DType::kUInt8;
    case TensorProto::INT16: return DType::kInt16;
    case TensorProto::INT32: return DType::kInt32;
    case TensorProto::INT64: return DType::kInt64;
    case TensorProto::BOOL: return DType::kBool;
    default: break;
  }
  std::string type_name = TensorProto::DataType_IsValid(onnx_type)
                              ? TensorProto::DataType_Name(static_cast<TensorProto::DataType>(onnx_type))
                              : std::to_string(onnx_type);
  return Status::Unsupported(what + " has element type " + type_name + ", which qac does not handle");
}

int32_t dtype_to_onnx(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return TensorProto::FLOAT;
    case DType::kFloat64: return TensorProto::DOUBLE;
    case DType::kFloat16: return TensorProto::FLOAT16;
    case DType::kInt8: return TensorProto::INT8;
    case DType::kUInt8: return TensorProto::UINT8;
    case DType::kInt16: return TensorProto::INT16;
    case DType::kInt32: return TensorProto::INT32;
    case DType::kInt64: return TensorProto::INT64;
    case DType::kBool: return TensorProto::BOOL;
  }
  return TensorProto::UNDEFINED;
}

namespace {

// The number of elements `proto` stores for `dtype`: raw_data bytes / element size, or the
// size of the typed field that holds this element type. nullopt when raw_data is not a whole
// number of elements.
std::optional<size_t> stored_elements(const TensorProto& proto, DType dtype) {
  if (proto.has_raw_data()) {
    const size_t bytes = proto.raw_data().size();
    if (bytes % dtype_size(dtype) != 0) return std::nullopt;
    return bytes / dtype_size(dtype);
  }
  switch (dtype) {
    case DType::kFloat32: return static_cast<size_t>(proto.float_data_size());
    case DType::kFloat64: return static_cast<size_t>(proto.double_data_size());
    case DType::kInt64: return static_cast<size_t>(proto.int64_data_size());
    case DType::kFloat16:
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kInt16:
    case DType::kInt32:
    case DType::kBool:
      return static_cast<size_t>(proto.int32_data_size());
  }
  return 0;
}

// Copies the elements of the typed field that holds `out.dtype` into `out`.
// REQUIRES: the field holds out.numel() elements.
void copy_typed_field(const TensorProto& proto, Tensor& out) {
  switch (out.dtype) {
    case DType::kFloat32: copy_typed<float>(proto.float_data(), out); break;
    case DType::kFloat64: copy_typed<double>(proto.double_data(), out); break;
    case DType::kInt64: copy_typed<int64_t>(proto.int64_data(), out); break;
    case DType::kFloat16: copy_half_bits(proto.int32_data(), out); break;
    case DType::kInt8: copy_typed<int8_t>(proto.int32_data(), out); break;
    case DType::kUInt8: copy_typed<uint8_t>(proto.int32_data(), out); break;
    case DType::kInt16: copy_typed<int16_t>(proto.int32_data(), out); break;
    case DType::kInt32: copy_typed<int32_t>(proto.int32_data(), out); break;
    case DType::kBool: copy_typed<uint8_t>(proto.int32_data(), out); break;
  }
}

}  // namespace

Result<Tensor> to_tensor(const TensorProto& proto) {
  const std::string what = "tensor '" + proto.name() + "'";
  QAC_ASSIGN_OR_RETURN(DType dtype, dtype_from_onnx(proto.data_type(), what));
  if (proto.data_location() == TensorProto::EXTERNAL) {
    return Status::Unsupported(what + " stores its data externally; load the model with load_model()");
  }
  if (proto.has_segment()) return Status::Unsupported(what + " is segmented");
  std::vector<int64_t> shape(proto.dims().begin(), proto.dims().end());
  for (int64_t d : shape) {
    if (d < 0) return Status::InvalidModel(what + " has a negative dimension");
  }
  // The dims are checked against the stored data before anything is allocated from them.
  if (!checked_byte_size(shape, dtype)) {
    return Status::InvalidModel(what + " has dims " + shape_to_string(shape) + " whose " + dtype_name(dtype) +
                                " byte size overflows 64 bits");
  }
  const size_t expected = *checked_numel(shape);
  const std::optional<size_t> stored = stored_elements(proto, dtype);
  if (!stored) {
    return Status::InvalidModel(what + " holds " + std::to_string(proto.raw_data().size()) +
                                " bytes of raw data, not a whole number of " + dtype_name(dtype) + " elements");
  }
  if (*stored != expected) {
    return Status::InvalidModel(what + " of shape " + shape_to_string(shape) + " holds " + std::to_string(*stored) +
                                " elements instead of " + std::to_string(expected));
  }
  Tensor out(dtype, std::move(shape));
  if (proto.has_raw_data()) {
    // bytes.data() may be null for an empty tensor; memcpy requires valid pointers.
    if (out.byte_size() > 0) std::memcpy(out.bytes.data(), proto.raw_data().data(), out.byte_size());
  } else {
    copy_typed_field(proto, out);
  }
  return out;
}

TensorProto to_proto(const Tensor& tensor, const std::string& name) {
  TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(dtype_to_onnx(tensor.dtype));
  for (int64_t d : tensor.shape) proto.add_dims(d);
  proto.set_raw_data(std::string(reinterpret_cast<const char*>(tensor.bytes.data()), tensor.bytes.size()));
  return proto;
}

Result<TensorProto> read_tensor_proto_pb(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::NotFound("tensor file " + path.string() + " does not exist");
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::InvalidData("tensor file " + path.string() + " is not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot open tensor file " + path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  TensorProto proto;
  if (!proto.ParseFromString(buffer.str())) {
    return Status::InvalidData(path.string() + " is not a serialized ONNX TensorProto");
  }
  return proto;
}

Result<Tensor> read_tensor_pb(const std::filesystem::path& path) {
  QAC_ASSIGN_OR_RETURN(TensorProto proto, read_tensor_proto_pb(path));
  Result<Tensor> tensor = to_tensor(proto);
  if (!tensor.ok()) return tensor.status().with_context(path.string());
  return tensor;
}

}  // namespace qac
