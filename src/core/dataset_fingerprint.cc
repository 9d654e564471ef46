#include "core/dataset_fingerprint.h"

#include <algorithm>
#include <string_view>

namespace qac {

Status add_dataset_content(const Dataset& data, ContentHash& hash, size_t max_samples) {
  constexpr size_t kChunk = 64;
  const size_t n = std::min(max_samples, data.size());
  hash.add_number(n);
  for (const std::string& name : data.input_names()) hash.add_field(name);
  for (size_t first = 0; first < n; first += kChunk) {
    QAC_ASSIGN_OR_RETURN(NamedTensors chunk, data.read(first, std::min(kChunk, n - first)));
    for (const auto& [name, tensor] : chunk) {
      hash.add_field(name).add_field(dtype_name(tensor.dtype));
      for (int64_t d : tensor.shape) hash.add_number(static_cast<uint64_t>(d));
      hash.add_field(std::string_view(reinterpret_cast<const char*>(tensor.bytes.data()), tensor.bytes.size()));
    }
  }
  if (const std::optional<Labels>& labels = data.labels()) {
    const size_t count = std::min(n, labels->size());
    hash.add_field(labels->classes.empty() ? "texts" : "classes");
    for (size_t i = 0; i < count; ++i) {
      if (labels->classes.empty()) {
        hash.add_field(labels->texts[i]);
      } else {
        hash.add_number(static_cast<uint64_t>(labels->classes[i]));
      }
    }
  }
  return Status::Ok();
}

}  // namespace qac
