// NumPy .npy files: a streaming reader (rows along axis 0 are read on demand with pread,
// the file is never loaded whole) and a writer.
//
// Supported: format versions 1.0, 2.0 and 3.0; little-endian (or byte-order-free) C-order
// arrays of dtype <f4 <f8 <f2 |i1 |u1 <i2 <i4 <i8 |b1. Big-endian data, Fortran order,
// structured dtypes and object arrays are rejected with a message that names the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "qac/status.h"
#include "qac/tensor.h"

namespace qac {

// What an .npy header describes.
struct NpyHeader {
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;  // empty for a 0-d array
  size_t data_offset = 0;      // byte offset of the first element in the file
};

// Parses the header bytes that follow the magic and version: the Python dict literal
// "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }". `label` names the file in
// messages. Exposed for tests; NpyReader::open is the normal entry point.
Result<NpyHeader> parse_npy_header_dict(const std::string& dict, const std::string& label);

class NpyReader {
 public:
  ~NpyReader();
  NpyReader(const NpyReader&) = delete;
  NpyReader& operator=(const NpyReader&) = delete;

  // Opens `path` and parses its header. Fails (naming the file) on a missing file, bad magic,
  // unsupported version/dtype/order, or a file shorter than the header's shape requires.
  static Result<std::unique_ptr<NpyReader>> open(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  DType dtype() const { return header_.dtype; }
  const std::vector<int64_t>& shape() const { return header_.shape; }
  // shape()[0]; 0 for a 0-d array.
  int64_t rows() const { return header_.shape.empty() ? 0 : header_.shape[0]; }

  // Rows [begin, begin + count) along axis 0, shape {count, shape()[1:]...}.
  // Fails on a 0-d array or a range outside [0, rows()]. Safe to call from several threads.
  Result<Tensor> read_rows(int64_t begin, int64_t count) const;
  // The whole array (any rank, 0-d included).
  Result<Tensor> read_all() const;

 private:
  NpyReader(std::filesystem::path path, int fd, NpyHeader header)
      : path_(std::move(path)), fd_(fd), header_(std::move(header)) {}
  Status pread_exact(uint8_t* dst, size_t size, size_t offset) const;
  size_t row_bytes() const;

  std::filesystem::path path_;
  int fd_ = -1;
  NpyHeader header_;
};

// Reads a whole .npy file.
Result<Tensor> read_npy(const std::filesystem::path& path);

// Writes `tensor` as a version 1.0 .npy file (2.0 if the header does not fit 1.0), C order,
// little-endian. Overwrites `path`; not atomic.
Status write_npy(const std::filesystem::path& path, const Tensor& tensor);

}  // namespace qac
