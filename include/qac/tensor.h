// A dense, owning, row-major tensor: the unit of data exchanged between datasets, the runtime,
// metrics and the user. Element types are the ONNX ones qac handles.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace qac {

enum class DType { kFloat32, kFloat64, kFloat16, kInt8, kUInt8, kInt16, kInt32, kInt64, kBool };

size_t dtype_size(DType t);
const char* dtype_name(DType t);

// Element count of `shape` (1 for a scalar). nullopt when a dim is negative or when the
// product of the non-zero dims does not fit size_t: a zero dim does not make such a shape
// valid, since no row of it could be stored. Use it on shapes read from files and models.
std::optional<size_t> checked_numel(const std::vector<int64_t>& shape);
// checked_numel(shape) * dtype_size(dtype), or nullopt when either step fails or overflows.
std::optional<size_t> checked_byte_size(const std::vector<int64_t>& shape, DType dtype);

struct Tensor {
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;  // numel() * dtype_size(dtype) bytes

  Tensor() = default;
  // Zero-filled. REQUIRES: checked_byte_size(s, t) has a value (check shapes that come from
  // input first); otherwise throws std::length_error, as std::vector does for absurd sizes.
  Tensor(DType t, std::vector<int64_t> s);

  // Product of the dims. REQUIRES: checked_numel(shape) has a value, which holds for every
  // tensor whose bytes match its shape; otherwise throws std::length_error.
  size_t numel() const;
  size_t byte_size() const { return bytes.size(); }

  template <typename T> T* data() { return reinterpret_cast<T*>(bytes.data()); }
  template <typename T> const T* data() const { return reinterpret_cast<const T*>(bytes.data()); }

  // Samples [begin, begin+count) along axis 0. REQUIRES: rank >= 1, range within shape[0].
  Tensor slice_rows(int64_t begin, int64_t count) const;
  // Elements converted to float (any numeric dtype).
  std::vector<float> to_float() const;
};

// "[1, 3, 48, 320]"
std::string shape_to_string(const std::vector<int64_t>& shape);

// Inputs or outputs of a model run, by tensor name.
using NamedTensors = std::map<std::string, Tensor>;

// A model input or output: name, element type and shape (-1 for symbolic or unknown dimensions).
struct ValueSpec {
  std::string name;
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;
};

// Stacks tensors of equal trailing shape along axis 0. REQUIRES: non-empty, same dtype.
Tensor concat_rows(const std::vector<const Tensor*>& parts);
// The same per tensor name: each name of parts[0] stacked over the parts, in order (a single
// part is returned as it is). REQUIRES: non-empty; every part holds parts[0]'s names, each
// with the dtype and trailing shape it has in parts[0].
NamedTensors concat_rows_by_name(const std::vector<NamedTensors>& parts);

}  // namespace qac
