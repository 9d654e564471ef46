#include "core/npy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <bit>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <utility>

namespace qac {

static_assert(std::endian::native == std::endian::little,
              "the .npy reader and writer assume a little-endian host");

namespace {

// File layout: magic (6) | major (1) | minor (1) | header length (2 in v1, 4 in v2/v3, LE) |
// header dict (ASCII in v1/v2, UTF-8 in v3) padded with spaces and '\n' | data.
constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
constexpr size_t kVersionSize = 2;
constexpr size_t kV1LengthSize = 2;
constexpr size_t kV2LengthSize = 4;
constexpr size_t kHeaderAlignment = 64;
constexpr size_t kMaxHeaderBytes = size_t{1} << 20;  // far above anything numpy writes

struct DTypeCode {
  const char* code;  // descr without its byte-order character
  DType dtype;
};
constexpr std::array<DTypeCode, 9> kDTypeCodes = {{
    {"f4", DType::kFloat32}, {"f8", DType::kFloat64}, {"f2", DType::kFloat16},
    {"i1", DType::kInt8},    {"u1", DType::kUInt8},   {"i2", DType::kInt16},
    {"i4", DType::kInt32},   {"i8", DType::kInt64},   {"b1", DType::kBool},
}};

std::string quoted(const std::string& label) { return "'" + label + "'"; }

// ---- header dict parser ----------------------------------------------------------------
// Grammar (what numpy writes): '{' (key ':' value ','?)* '}' with key a quoted string and
// value a quoted string, True/False, or a tuple of integers.
struct DictValue {
  enum Kind { kString, kBool, kTuple } kind = kString;
  std::string text;
  bool flag = false;
  std::vector<int64_t> ints;
};

class DictParser {
 public:
  DictParser(const std::string& s, const std::string& label) : s_(s), label_(label) {}

  Result<std::vector<std::pair<std::string, DictValue>>> parse() {
    std::vector<std::pair<std::string, DictValue>> entries;
    skip_space();
    if (!consume('{')) return error("expected '{'");
    while (true) {
      skip_space();
      if (consume('}')) break;
      auto key = parse_string();
      if (!key.ok()) return key.status();
      skip_space();
      if (!consume(':')) return error("expected ':' after key '" + *key + "'");
      skip_space();
      auto value = parse_value();
      if (!value.ok()) return value.status();
      entries.emplace_back(std::move(*key), std::move(*value));
      skip_space();
      if (consume(',')) continue;
      skip_space();
      if (consume('}')) break;
      return error("expected ',' or '}'");
    }
    return entries;
  }

 private:
  Status error(const std::string& what) const {
    return Status::InvalidData(quoted(label_) + ": malformed .npy header (" + what +
                               " at offset " + std::to_string(pos_) + ")");
  }
  void skip_space() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool consume(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) { ++pos_; return true; }
    return false;
  }
  bool consume_word(const char* word) {
    const size_t n = std::strlen(word);
    if (s_.compare(pos_, n, word) != 0) return false;
    pos_ += n;
    return true;
  }
  Result<std::string> parse_string() {
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) return error("expected a string");
    const char quote = s_[pos_++];
    const size_t end = s_.find(quote, pos_);
    if (end == std::string::npos) return error("unterminated string");
    std::string out = s_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return out;
  }
  Result<DictValue> parse_value() {
    DictValue v;
    if (pos_ < s_.size() && (s_[pos_] == '\'' || s_[pos_] == '"')) {
      auto text = parse_string();
      if (!text.ok()) return text.status();
      v.text = std::move(*text);
      return v;
    }
    if (consume_word("True")) { v.kind = DictValue::kBool; v.flag = true; return v; }
    if (consume_word("False")) { v.kind = DictValue::kBool; v.flag = false; return v; }
    if (consume('(')) {
      v.kind = DictValue::kTuple;
      while (true) {
        skip_space();
        if (consume(')')) return v;
        auto n = parse_int();
        if (!n.ok()) return n.status();
        v.ints.push_back(*n);
        skip_space();
        if (consume(',')) continue;
        skip_space();
        if (consume(')')) return v;
        return error("expected ',' or ')' in shape");
      }
    }
    if (pos_ < s_.size() && s_[pos_] == '[') {
      return Status::Unsupported(quoted(label_) + ": structured .npy dtypes are not supported");
    }
    return error("unexpected value");
  }
  Result<int64_t> parse_int() {
    const size_t start = pos_;
    int64_t n = 0;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
      const int digit = s_[pos_++] - '0';
      if (n > (std::numeric_limits<int64_t>::max() - digit) / 10) return error("dimension overflows");
      n = n * 10 + digit;
    }
    if (pos_ == start) return error("expected a non-negative integer");
    consume('L');  // Python 2 long suffix in old files
    return n;
  }

  const std::string& s_;
  const std::string& label_;
  size_t pos_ = 0;
};

Result<DType> parse_descr(const std::string& descr, const std::string& label) {
  const auto unsupported = [&] {
    return Status::Unsupported(quoted(label) + ": unsupported .npy dtype '" + descr +
                               "' (supported: <f4 <f8 <f2 |i1 |u1 <i2 <i4 <i8 |b1)");
  };
  if (descr.size() < 2) return unsupported();
  const char order = descr[0];
  const std::string code = descr.substr(1);
  for (const DTypeCode& c : kDTypeCodes) {
    if (code != c.code) continue;
    const bool single_byte = dtype_size(c.dtype) == 1;
    if (order == '<' || order == '=' || order == '|' || (order == '>' && single_byte)) return c.dtype;
    if (order == '>') {
      return Status::Unsupported(quoted(label) + ": big-endian .npy data ('" + descr +
                                 "') is not supported; save it little-endian");
    }
  }
  return unsupported();
}

const char* descr_for(DType t) {
  for (const DTypeCode& c : kDTypeCodes) {
    if (c.dtype == t) return c.code;
  }
  return "";
}

uint32_t read_le(const uint8_t* p, size_t bytes) {
  uint32_t v = 0;
  for (size_t i = 0; i < bytes; ++i) v |= static_cast<uint32_t>(p[i]) << (8 * i);
  return v;
}

std::string shape_tuple(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

}  // namespace

Result<NpyHeader> parse_npy_header_dict(const std::string& dict, const std::string& label) {
  QAC_ASSIGN_OR_RETURN(auto entries, DictParser(dict, label).parse());
  NpyHeader header;
  bool has_descr = false, has_order = false, has_shape = false;
  for (const auto& [key, value] : entries) {
    if (key == "descr") {
      if (value.kind != DictValue::kString) {
        return Status::InvalidData(quoted(label) + ": .npy header 'descr' is not a string");
      }
      QAC_ASSIGN_OR_RETURN(header.dtype, parse_descr(value.text, label));
      has_descr = true;
    } else if (key == "fortran_order") {
      if (value.kind != DictValue::kBool) {
        return Status::InvalidData(quoted(label) + ": .npy header 'fortran_order' is not a bool");
      }
      if (value.flag) {
        return Status::Unsupported(quoted(label) +
                                   ": Fortran-order .npy arrays are not supported; save it "
                                   "with numpy.ascontiguousarray");
      }
      has_order = true;
    } else if (key == "shape") {
      if (value.kind != DictValue::kTuple) {
        return Status::InvalidData(quoted(label) + ": .npy header 'shape' is not a tuple");
      }
      header.shape = value.ints;
      has_shape = true;
    }
  }
  if (!has_descr || !has_order || !has_shape) {
    return Status::InvalidData(quoted(label) +
                               ": .npy header lacks one of 'descr', 'fortran_order', 'shape'");
  }
  return header;
}

NpyReader::~NpyReader() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<NpyReader>> NpyReader::open(const std::filesystem::path& path) {
  const std::string label = path.string();
  const int fd = ::open(label.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return Status::NotFound(quoted(label) + ": no such .npy file");
    return Status::IoError(quoted(label) + ": cannot open: " + std::strerror(err));
  }
  // From here on the reader owns fd and closes it on every path.
  std::unique_ptr<NpyReader> reader(new NpyReader(path, fd, NpyHeader{}));

  struct stat st {};
  if (::fstat(fd, &st) != 0) return Status::IoError(quoted(label) + ": cannot stat: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Status::InvalidData(quoted(label) + ": not a regular file");
  const auto file_size = static_cast<size_t>(st.st_size);

  const size_t prefix_v1 = kMagicSize + kVersionSize + kV1LengthSize;
  if (file_size < prefix_v1) {
    return Status::InvalidData(quoted(label) + ": not a .npy file (too short for the header)");
  }
  std::array<uint8_t, kMagicSize + kVersionSize + kV2LengthSize> prefix{};
  const size_t prefix_read = std::min(prefix.size(), file_size);
  QAC_RETURN_IF_ERROR(reader->pread_exact(prefix.data(), prefix_read, 0));
  if (std::memcmp(prefix.data(), kMagic, kMagicSize) != 0) {
    return Status::InvalidData(quoted(label) + ": not a .npy file (bad magic)");
  }
  const int major = prefix[kMagicSize];
  const int minor = prefix[kMagicSize + 1];
  size_t length_size = 0;
  if (major == 1) {
    length_size = kV1LengthSize;
  } else if (major == 2 || major == 3) {
    length_size = kV2LengthSize;
  } else {
    return Status::Unsupported(quoted(label) + ": unsupported .npy format version " +
                               std::to_string(major) + "." + std::to_string(minor));
  }
  const size_t prefix_size = kMagicSize + kVersionSize + length_size;
  if (prefix_read < prefix_size) {
    return Status::InvalidData(quoted(label) + ": truncated .npy header");
  }
  const size_t header_size = read_le(prefix.data() + kMagicSize + kVersionSize, length_size);
  if (header_size > kMaxHeaderBytes || prefix_size + header_size > file_size) {
    return Status::InvalidData(quoted(label) + ": truncated or corrupt .npy header (length " +
                               std::to_string(header_size) + ")");
  }
  std::string dict(header_size, '\0');
  QAC_RETURN_IF_ERROR(
      reader->pread_exact(reinterpret_cast<uint8_t*>(dict.data()), header_size, prefix_size));
  QAC_ASSIGN_OR_RETURN(reader->header_, parse_npy_header_dict(dict, label));
  reader->header_.data_offset = prefix_size + header_size;

  const auto data_bytes = checked_byte_size(reader->header_.shape, reader->header_.dtype);
  if (!data_bytes) {
    return Status::InvalidData(quoted(label) + ": .npy shape " +
                               shape_to_string(reader->header_.shape) + " is too large");
  }
  const size_t available = file_size - reader->header_.data_offset;
  if (available < *data_bytes) {
    return Status::InvalidData(quoted(label) + ": truncated .npy data: shape " +
                               shape_to_string(reader->header_.shape) + " of " +
                               dtype_name(reader->header_.dtype) + " needs " +
                               std::to_string(*data_bytes) + " bytes but the file holds " +
                               std::to_string(available));
  }
  return reader;
}

Status NpyReader::pread_exact(uint8_t* dst, size_t size, size_t offset) const {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd_, dst + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoError(quoted(path_.string()) + ": read failed: " + std::strerror(errno));
    if (n == 0) {
      return Status::InvalidData(quoted(path_.string()) + ": truncated .npy file (wanted " +
                                 std::to_string(size) + " bytes at offset " +
                                 std::to_string(offset) + ")");
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

// Cannot overflow: open() checked that the byte size of the whole shape fits size_t.
size_t NpyReader::row_bytes() const {
  size_t n = dtype_size(header_.dtype);
  for (size_t i = 1; i < header_.shape.size(); ++i) n *= static_cast<size_t>(header_.shape[i]);
  return n;
}

Result<Tensor> NpyReader::read_rows(int64_t begin, int64_t count) const {
  if (header_.shape.empty()) {
    return Status::InvalidArgument(quoted(path_.string()) +
                                   ": a 0-d array has no rows along axis 0");
  }
  if (begin < 0 || count < 0 || begin > rows() || count > rows() - begin) {
    return Status::InvalidArgument(quoted(path_.string()) + ": rows [" + std::to_string(begin) +
                                   ", " + std::to_string(begin + count) + ") outside [0, " +
                                   std::to_string(rows()) + ")");
  }
  std::vector<int64_t> shape = header_.shape;
  shape[0] = count;
  Tensor out(header_.dtype, std::move(shape));
  const size_t row = row_bytes();
  QAC_RETURN_IF_ERROR(pread_exact(out.bytes.data(), out.bytes.size(),
                                  header_.data_offset + row * static_cast<size_t>(begin)));
  return out;
}

Result<Tensor> NpyReader::read_all() const {
  Tensor out(header_.dtype, header_.shape);
  QAC_RETURN_IF_ERROR(pread_exact(out.bytes.data(), out.bytes.size(), header_.data_offset));
  return out;
}

Result<Tensor> read_npy(const std::filesystem::path& path) {
  QAC_ASSIGN_OR_RETURN(auto reader, NpyReader::open(path));
  return reader->read_all();
}

Status write_npy(const std::filesystem::path& path, const Tensor& tensor) {
  const std::string label = path.string();
  if (tensor.bytes.size() != tensor.numel() * dtype_size(tensor.dtype)) {
    return Status::Internal(quoted(label) + ": tensor byte size does not match shape " +
                            shape_to_string(tensor.shape));
  }
  const char order = dtype_size(tensor.dtype) == 1 ? '|' : '<';
  std::string dict = std::string("{'descr': '") + order + descr_for(tensor.dtype) +
                     "', 'fortran_order': False, 'shape': " + shape_tuple(tensor.shape) + ", }";

  // Pad with spaces so that prefix + dict + '\n' is a multiple of kHeaderAlignment.
  const auto padded_size = [&](size_t length_size) {
    const size_t unpadded = kMagicSize + kVersionSize + length_size + dict.size() + 1;
    return (unpadded + kHeaderAlignment - 1) / kHeaderAlignment * kHeaderAlignment -
           (kMagicSize + kVersionSize + length_size);
  };
  size_t length_size = kV1LengthSize;
  uint8_t major = 1;
  if (padded_size(kV1LengthSize) > std::numeric_limits<uint16_t>::max()) {
    length_size = kV2LengthSize;
    major = 2;
  }
  const size_t header_size = padded_size(length_size);
  dict.append(header_size - dict.size() - 1, ' ');
  dict.push_back('\n');

  std::string prefix(kMagic, kMagicSize);
  prefix.push_back(static_cast<char>(major));
  prefix.push_back('\0');
  for (size_t i = 0; i < length_size; ++i) prefix.push_back(static_cast<char>((header_size >> (8 * i)) & 0xff));

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IoError(quoted(label) + ": cannot open for writing");
  out.write(prefix.data(), static_cast<std::streamsize>(prefix.size()));
  out.write(dict.data(), static_cast<std::streamsize>(dict.size()));
  out.write(reinterpret_cast<const char*>(tensor.bytes.data()),
            static_cast<std::streamsize>(tensor.bytes.size()));
  out.close();
  if (!out) return Status::IoError(quoted(label) + ": write failed");
  return Status::Ok();
}

}  // namespace qac
