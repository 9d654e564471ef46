#include "onnx/tensor_storage.h"

#include <limits>
#include <optional>
#include <vector>

#include "onnx/graph_walk.h"
#include "qac/tensor.h"

namespace qac {
namespace {

using onnx::TensorProto;

// How an element type is stored: bytes per element in raw_data, and the typed field with the
// number of its values per element.
struct Storage {
  size_t raw_bytes = 0;
  int (TensorProto::*field_size)() const = nullptr;
  size_t values_per_element = 1;
};

std::optional<Storage> storage_of(int32_t type) {
  switch (type) {
    case TensorProto::FLOAT: return Storage{4, &TensorProto::float_data_size};
    case TensorProto::COMPLEX64: return Storage{8, &TensorProto::float_data_size, 2};
    case TensorProto::DOUBLE: return Storage{8, &TensorProto::double_data_size};
    case TensorProto::COMPLEX128: return Storage{16, &TensorProto::double_data_size, 2};
    case TensorProto::INT64: return Storage{8, &TensorProto::int64_data_size};
    case TensorProto::UINT32: return Storage{4, &TensorProto::uint64_data_size};
    case TensorProto::UINT64: return Storage{8, &TensorProto::uint64_data_size};
    case TensorProto::INT32: return Storage{4, &TensorProto::int32_data_size};
    case TensorProto::INT16:
    case TensorProto::UINT16:
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16:
      return Storage{2, &TensorProto::int32_data_size};
    case TensorProto::INT8:
    case TensorProto::UINT8:
    case TensorProto::BOOL:
      return Storage{1, &TensorProto::int32_data_size};
    case TensorProto::STRING: return Storage{0, &TensorProto::string_data_size};
    default: return std::nullopt;
  }
}

Status check_attribute_tensors(const onnx::NodeProto& node) {
  for (const onnx::AttributeProto& attr : node.attribute()) {
    const std::string what = "attribute '" + attr.name() + "' of " + describe_node(node);
    if (attr.has_t()) QAC_RETURN_IF_ERROR(check_tensor_storage(attr.t(), what));
    for (const TensorProto& t : attr.tensors()) QAC_RETURN_IF_ERROR(check_tensor_storage(t, what));
  }
  return Status::Ok();
}

}  // namespace

Status check_tensor_storage(const TensorProto& tensor, const std::string& what) {
  if (tensor.data_location() == TensorProto::EXTERNAL) return Status::Ok();
  const std::optional<Storage> storage = storage_of(tensor.data_type());
  if (!storage) return Status::Ok();
  const std::vector<int64_t> dims(tensor.dims().begin(), tensor.dims().end());
  const std::optional<size_t> elements = checked_numel(dims);
  // The byte size must fit too: 16 bytes per element at most.
  if (!elements || *elements > std::numeric_limits<size_t>::max() / 16) {
    return Status::InvalidModel(what + " has dims " + shape_to_string(dims) +
                                " that are negative or describe more elements than fit in 64 bits");
  }
  size_t stored = 0;
  if (tensor.has_raw_data()) {
    if (storage->raw_bytes == 0) return Status::InvalidModel(what + " holds strings in raw_data");
    if (tensor.raw_data().size() % storage->raw_bytes != 0) {
      return Status::InvalidModel(what + " holds " + std::to_string(tensor.raw_data().size()) +
                                  " bytes of raw data, not a whole number of elements");
    }
    stored = tensor.raw_data().size() / storage->raw_bytes;
  } else {
    const size_t values = static_cast<size_t>((tensor.*(storage->field_size))());
    if (values % storage->values_per_element != 0) {
      return Status::InvalidModel(what + " holds " + std::to_string(values) + " values, not a whole number of elements");
    }
    stored = values / storage->values_per_element;
  }
  if (stored != *elements) {
    return Status::InvalidModel(what + " of shape " + shape_to_string(dims) + " holds " + std::to_string(stored) +
                                " elements instead of " + std::to_string(*elements));
  }
  return Status::Ok();
}

Status check_model_tensor_storage(const onnx::ModelProto& model) {
  Status status;
  visit_graphs(model.graph(), [&](const onnx::GraphProto& graph) {
    if (!status.ok()) return;
    for (const TensorProto& t : graph.initializer()) {
      status = check_tensor_storage(t, "initializer '" + t.name() + "'");
      if (!status.ok()) return;
    }
    for (const onnx::NodeProto& node : graph.node()) {
      status = check_attribute_tensors(node);
      if (!status.ok()) return;
    }
  });
  return status;
}

}  // namespace qac
