// A flat binary record for cache entries: numbers in host byte order (entries are read back on
// the machine that wrote them), strings and vectors length-prefixed. The reader checks every
// length against the bytes left before allocating, so a truncated or corrupted entry reads as
// "not ok", never as a crash.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace qac {

class ByteWriter {
 public:
  template <typename T>
  ByteWriter& put(T v) {
    static_assert(std::is_arithmetic_v<T>);
    bytes_.append(reinterpret_cast<const char*>(&v), sizeof v);
    return *this;
  }
  ByteWriter& put_string(std::string_view s) {
    put<uint64_t>(s.size());
    bytes_.append(s);
    return *this;
  }
  template <typename T>
  ByteWriter& put_vector(const std::vector<T>& v) {
    static_assert(std::is_arithmetic_v<T>);
    put<uint64_t>(v.size());
    bytes_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
    return *this;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : rest_(bytes) {}

  // Each getter returns false (and leaves the reader failed) when the bytes run out.
  template <typename T>
  bool get(T& v) {
    static_assert(std::is_arithmetic_v<T>);
    if (!take(sizeof v)) return false;
    std::memcpy(&v, taken_.data(), sizeof v);
    return true;
  }
  bool get_string(std::string& s) {
    uint64_t n = 0;
    if (!get(n) || !take(n)) return false;
    s.assign(taken_);
    return true;
  }
  template <typename T>
  bool get_vector(std::vector<T>& v) {
    static_assert(std::is_arithmetic_v<T>);
    uint64_t n = 0;
    if (!get(n) || n > rest_.size() / sizeof(T) || !take(n * sizeof(T))) return fail();
    v.resize(n);
    if (n > 0) std::memcpy(v.data(), taken_.data(), n * sizeof(T));
    return true;
  }
  bool ok() const { return ok_; }
  bool at_end() const { return ok_ && rest_.empty(); }

 private:
  bool fail() {
    ok_ = false;
    return false;
  }
  bool take(uint64_t n) {
    if (!ok_ || n > rest_.size()) return fail();
    taken_ = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return true;
  }
  std::string_view rest_;
  std::string_view taken_;
  bool ok_ = true;
};

}  // namespace qac
