#include "py_tensor.h"

#include <cstring>

namespace qac::python {
namespace {

struct DTypeMatch {
  DType dtype;
  const char* numpy;
};
constexpr DTypeMatch kDTypes[] = {
    {DType::kFloat32, "float32"}, {DType::kFloat64, "float64"}, {DType::kFloat16, "float16"},
    {DType::kInt8, "int8"},       {DType::kUInt8, "uint8"},     {DType::kInt16, "int16"},
    {DType::kInt32, "int32"},     {DType::kInt64, "int64"},     {DType::kBool, "bool"},
};

}  // namespace

const char* numpy_dtype_name(DType dtype) {
  for (const DTypeMatch& m : kDTypes) {
    if (m.dtype == dtype) return m.numpy;
  }
  return "unknown";
}

DType dtype_from_numpy_name(const std::string& name) {
  for (const DTypeMatch& m : kDTypes) {
    if (name == m.numpy) return m.dtype;
  }
  throw py::value_error("the model has an input of type " + name + ", which qac does not handle");
}

Result<Tensor> tensor_from_array(const py::array& array, const std::string& what) {
  const std::string name = py::str(array.dtype()).cast<std::string>();
  const DTypeMatch* match = nullptr;
  for (const DTypeMatch& m : kDTypes) {
    if (name == m.numpy) match = &m;
  }
  if (!match) return Status::InvalidData(what + " has dtype " + name + ", which is not a tensor type");
  Tensor t;
  t.dtype = match->dtype;
  t.shape.assign(array.shape(), array.shape() + array.ndim());
  // A C-contiguous view (a copy only when the array is strided), then one copy into the tensor.
  const py::array contiguous = py::array::ensure(array, py::array::c_style);
  if (!contiguous) throw py::error_already_set();
  t.bytes.resize(static_cast<size_t>(contiguous.nbytes()));
  if (!t.bytes.empty()) std::memcpy(t.bytes.data(), contiguous.data(), t.bytes.size());
  return t;
}

py::array array_from_tensor(Tensor&& tensor) {
  auto* owned = new Tensor(std::move(tensor));
  py::capsule owner(owned, [](void* p) { delete static_cast<Tensor*>(p); });
  std::vector<py::ssize_t> shape(owned->shape.begin(), owned->shape.end());
  std::vector<py::ssize_t> strides(shape.size());
  py::ssize_t stride = static_cast<py::ssize_t>(dtype_size(owned->dtype));
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return py::array(py::dtype(numpy_dtype_name(owned->dtype)), shape, strides, owned->bytes.data(), owner);
}

}  // namespace qac::python
