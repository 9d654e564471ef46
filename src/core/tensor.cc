#include "qac/tensor.h"

#include <cassert>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace qac {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::kFloat32: return 4;
    case DType::kFloat64: return 8;
    case DType::kFloat16: return 2;
    case DType::kInt8: return 1;
    case DType::kUInt8: return 1;
    case DType::kInt16: return 2;
    case DType::kInt32: return 4;
    case DType::kInt64: return 8;
    case DType::kBool: return 1;
  }
  return 0;
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::kFloat32: return "float32";
    case DType::kFloat64: return "float64";
    case DType::kFloat16: return "float16";
    case DType::kInt8: return "int8";
    case DType::kUInt8: return "uint8";
    case DType::kInt16: return "int16";
    case DType::kInt32: return "int32";
    case DType::kInt64: return "int64";
    case DType::kBool: return "bool";
  }
  return "?";
}

namespace {

// `factor` times the non-zero dims of `shape`; nullopt on a negative dim or on overflow.
std::optional<size_t> nonzero_product(const std::vector<int64_t>& shape, size_t factor) {
  size_t product = factor;
  for (int64_t d : shape) {
    if (d < 0) return std::nullopt;
    if (d == 0) continue;
    const auto du = static_cast<size_t>(d);
    if (product > std::numeric_limits<size_t>::max() / du) return std::nullopt;
    product *= du;
  }
  return product;
}

bool has_zero_dim(const std::vector<int64_t>& shape) {
  for (int64_t d : shape) {
    if (d == 0) return true;
  }
  return false;
}

}  // namespace

std::optional<size_t> checked_numel(const std::vector<int64_t>& shape) {
  const std::optional<size_t> product = nonzero_product(shape, 1);
  if (!product) return std::nullopt;
  return has_zero_dim(shape) ? 0 : *product;
}

std::optional<size_t> checked_byte_size(const std::vector<int64_t>& shape, DType dtype) {
  const std::optional<size_t> product = nonzero_product(shape, dtype_size(dtype));
  if (!product) return std::nullopt;
  return has_zero_dim(shape) ? 0 : *product;
}

namespace {
[[noreturn]] void throw_bad_shape(const std::vector<int64_t>& shape) {
  throw std::length_error("qac::Tensor: shape " + shape_to_string(shape) + " has no valid size");
}
}  // namespace

Tensor::Tensor(DType t, std::vector<int64_t> s) : dtype(t), shape(std::move(s)) {
  const std::optional<size_t> size = checked_byte_size(shape, dtype);
  if (!size) throw_bad_shape(shape);
  bytes.assign(*size, 0);
}

size_t Tensor::numel() const {
  const std::optional<size_t> n = checked_numel(shape);
  if (!n) throw_bad_shape(shape);
  return *n;
}

Tensor Tensor::slice_rows(int64_t begin, int64_t count) const {
  assert(!shape.empty() && begin >= 0 && begin + count <= shape[0]);
  Tensor out;
  out.dtype = dtype;
  out.shape = shape;
  out.shape[0] = count;
  const size_t row = shape[0] == 0 ? 0 : bytes.size() / static_cast<size_t>(shape[0]);
  out.bytes.assign(bytes.begin() + static_cast<ptrdiff_t>(row * begin),
                   bytes.begin() + static_cast<ptrdiff_t>(row * (begin + count)));
  return out;
}

namespace {
template <typename T>
void convert(const uint8_t* src, size_t n, std::vector<float>& out) {
  const T* p = reinterpret_cast<const T*>(src);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(p[i]);
}

float half_to_float(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalize
      exp = 127 - 15 + 1;
      while ((mant & 0x400u) == 0) { mant <<= 1; --exp; }
      mant &= 0x3ffu;
      bits = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
}  // namespace

std::vector<float> Tensor::to_float() const {
  const size_t n = numel();
  std::vector<float> out(n);
  switch (dtype) {
    case DType::kFloat32:
      if (n > 0) std::memcpy(out.data(), bytes.data(), n * 4);  // data() may be null when empty
      break;
    case DType::kFloat64: convert<double>(bytes.data(), n, out); break;
    case DType::kFloat16: {
      const uint16_t* p = reinterpret_cast<const uint16_t*>(bytes.data());
      for (size_t i = 0; i < n; ++i) out[i] = half_to_float(p[i]);
      break;
    }
    case DType::kInt8: convert<int8_t>(bytes.data(), n, out); break;
    case DType::kUInt8: convert<uint8_t>(bytes.data(), n, out); break;
    case DType::kInt16: convert<int16_t>(bytes.data(), n, out); break;
    case DType::kInt32: convert<int32_t>(bytes.data(), n, out); break;
    case DType::kInt64: convert<int64_t>(bytes.data(), n, out); break;
    case DType::kBool: convert<uint8_t>(bytes.data(), n, out); break;
  }
  return out;
}

std::string shape_to_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += shape[i] < 0 ? "?" : std::to_string(shape[i]);
  }
  return s + "]";
}

Tensor concat_rows(const std::vector<const Tensor*>& parts) {
  assert(!parts.empty());
  Tensor out;
  out.dtype = parts[0]->dtype;
  out.shape = parts[0]->shape;
  int64_t rows = 0;
  size_t total = 0;
  for (const Tensor* p : parts) {
    rows += p->shape.empty() ? 1 : p->shape[0];
    total += p->bytes.size();
  }
  if (!out.shape.empty()) out.shape[0] = rows;
  out.bytes.reserve(total);
  for (const Tensor* p : parts) out.bytes.insert(out.bytes.end(), p->bytes.begin(), p->bytes.end());
  return out;
}

NamedTensors concat_rows_by_name(const std::vector<NamedTensors>& parts) {
  assert(!parts.empty());
  if (parts.size() == 1) return parts.front();
  NamedTensors out;
  for (const auto& [name, first] : parts.front()) {
    std::vector<const Tensor*> tensors;
    tensors.reserve(parts.size());
    for (const NamedTensors& part : parts) tensors.push_back(&part.at(name));
    out.emplace(name, concat_rows(tensors));
  }
  return out;
}

}  // namespace qac
