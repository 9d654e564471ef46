// A Dataset over stacked tensors held in memory, for tests.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "qac/dataset.h"

namespace qac::testing {

class MemoryDataset : public Dataset {
 public:
  // REQUIRES: non-empty; every tensor has the same shape[0] (the samples).
  explicit MemoryDataset(NamedTensors tensors, std::optional<Labels> labels = std::nullopt)
      : tensors_(std::move(tensors)), labels_(std::move(labels)) {}
  size_t size() const override { return static_cast<size_t>(tensors_.begin()->second.shape[0]); }
  std::vector<std::string> input_names() const override {
    std::vector<std::string> names;
    for (const auto& [name, t] : tensors_) names.push_back(name);
    return names;
  }
  Result<std::pair<DType, std::vector<int64_t>>> input_spec(const std::string& name) const override {
    const Tensor& t = tensors_.at(name);
    return std::make_pair(t.dtype, std::vector<int64_t>(t.shape.begin() + 1, t.shape.end()));
  }
  Result<NamedTensors> read(size_t begin, size_t count) const override {
    NamedTensors out;
    for (const auto& [name, t] : tensors_) {
      out[name] = t.slice_rows(static_cast<int64_t>(begin), static_cast<int64_t>(count));
    }
    return out;
  }
  const std::optional<Labels>& labels() const override { return labels_; }
  std::string description() const override { return "memory"; }

 private:
  NamedTensors tensors_;
  std::optional<Labels> labels_;
};

}  // namespace qac::testing
