#include "graph/tensor_data.h"

#include <bit>
#include <cstring>
#include <limits>
#include <optional>

#include "onnx/tensor_proto.h"
#include "qac/tensor.h"

namespace qac {

static_assert(std::endian::native == std::endian::little,
              "ONNX raw_data is little-endian; big-endian hosts need byte swapping here");

int64_t tensor_numel(const onnx::TensorProto& tensor) {
  const std::optional<size_t> n = checked_numel(std::vector<int64_t>(tensor.dims().begin(), tensor.dims().end()));
  if (!n || *n > static_cast<size_t>(std::numeric_limits<int64_t>::max())) return -1;
  return static_cast<int64_t>(*n);
}

Result<std::vector<float>> read_float_tensor(const onnx::TensorProto& tensor) {
  const std::string label = "initializer '" + tensor.name() + "'";
  if (tensor.data_type() != onnx::TensorProto_DataType_FLOAT) {
    return Status::Unsupported(label + " is not float32 (ONNX type " +
                               std::to_string(tensor.data_type()) + ")");
  }
  if (tensor.data_location() == onnx::TensorProto_DataLocation_EXTERNAL) {
    return Status::Unsupported(label + " stores its data in an external file");
  }
  const int64_t numel = tensor_numel(tensor);
  if (numel < 0) return Status::InvalidModel(label + " has a negative dimension or too many elements");
  // The stored size is checked against the dims before anything is allocated from them.
  if (tensor.has_raw_data()) {
    if (tensor.raw_data().size() % sizeof(float) != 0 ||
        tensor.raw_data().size() / sizeof(float) != static_cast<size_t>(numel)) {
      return Status::InvalidModel(label + " holds " + std::to_string(tensor.raw_data().size()) +
                                  " bytes of raw data for " + std::to_string(numel) +
                                  " float elements");
    }
    std::vector<float> values(static_cast<size_t>(numel));
    if (!values.empty()) std::memcpy(values.data(), tensor.raw_data().data(), tensor.raw_data().size());
    return values;
  }
  if (tensor.float_data_size() != numel) {
    return Status::InvalidModel(label + " holds " + std::to_string(tensor.float_data_size()) +
                                " float values for " + std::to_string(numel) + " elements");
  }
  std::vector<float> values(static_cast<size_t>(numel));
  std::copy(tensor.float_data().begin(), tensor.float_data().end(), values.begin());
  return values;
}

std::optional<std::vector<int64_t>> read_int_tensor(const onnx::TensorProto& tensor) {
  const bool is_int64 = tensor.data_type() == onnx::TensorProto_DataType_INT64;
  if (!is_int64 && tensor.data_type() != onnx::TensorProto_DataType_INT32) return std::nullopt;
  const Result<Tensor> t = to_tensor(tensor);  // checks the stored data against the dims
  if (!t.ok()) return std::nullopt;
  std::vector<int64_t> values(t->numel());
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = is_int64 ? t->data<int64_t>()[i] : static_cast<int64_t>(t->data<int32_t>()[i]);
  }
  return values;
}

void write_float_tensor(onnx::TensorProto& tensor, const std::vector<float>& values) {
  tensor.set_data_type(onnx::TensorProto_DataType_FLOAT);
  tensor.clear_float_data();
  tensor.set_raw_data(std::string(reinterpret_cast<const char*>(values.data()),
                                  values.size() * sizeof(float)));
}

onnx::TensorProto make_float_tensor(const std::string& name, const std::vector<int64_t>& dims,
                                    const std::vector<float>& values) {
  onnx::TensorProto tensor;
  tensor.set_name(name);
  for (int64_t d : dims) tensor.add_dims(d);
  write_float_tensor(tensor, values);
  return tensor;
}

onnx::TensorProto make_int64_tensor(const std::string& name, const std::vector<int64_t>& dims,
                                    const std::vector<int64_t>& values) {
  onnx::TensorProto tensor;
  tensor.set_name(name);
  tensor.set_data_type(onnx::TensorProto_DataType_INT64);
  for (int64_t d : dims) tensor.add_dims(d);
  for (int64_t v : values) tensor.add_int64_data(v);
  return tensor;
}

}  // namespace qac
