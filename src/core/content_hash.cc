#include "core/content_hash.h"

#include <cstdio>

namespace qac {

ContentHash& ContentHash::add(std::string_view bytes) {
  constexpr uint64_t kPrime = 1099511628211ull;
  uint64_t h = h_;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= kPrime;
  }
  h_ = h;
  return *this;
}

ContentHash& ContentHash::add_field(std::string_view s) {
  add(std::to_string(s.size()) + ":");
  return add(s);
}

ContentHash& ContentHash::add_number(uint64_t v) { return add_field(std::to_string(v)); }

std::string ContentHash::hex() const {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h_));
  return hex;
}

}  // namespace qac
