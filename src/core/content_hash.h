// A 64-bit content hash (FNV-1a) for cache keys: what was computed from which bytes. Not a
// cryptographic hash: it detects changed inputs, not crafted collisions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace qac {

class ContentHash {
 public:
  // Adds `bytes` (FNV-1a: per byte h = (h ^ byte) * 1099511628211).
  ContentHash& add(std::string_view bytes);
  // Adds `s` with its length first, so that consecutive strings cannot run into each other
  // ("ab" + "c" differs from "a" + "bc").
  ContentHash& add_field(std::string_view s);
  ContentHash& add_number(uint64_t v);

  uint64_t value() const { return h_; }
  // The value as 16 lowercase hex digits.
  std::string hex() const;

 private:
  uint64_t h_ = 14695981039346656037ull;
};

}  // namespace qac
