// A dataset held in memory, one set of named tensors per sample: the values an If branch reads
// from its enclosing graph, captured while the enclosing model ran on calibration samples.
// Every sample holds the same names with the same dtypes and shapes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "qac/dataset.h"

namespace qac {

class CapturedDataset : public Dataset {
 public:
  explicit CapturedDataset(std::string description) : description_(std::move(description)) {}

  // Appends one sample. Errors (kInvalidData, naming the tensor): a name, dtype or shape that
  // differs from the first sample's.
  Status add(NamedTensors sample);

  size_t size() const override { return samples_.size(); }
  std::vector<std::string> input_names() const override;
  // The per-sample shape is the captured tensor's whole shape.
  Result<std::pair<DType, std::vector<int64_t>>> input_spec(const std::string& name) const override;
  Result<NamedTensors> read(size_t begin, size_t count) const override;
  const std::optional<Labels>& labels() const override { return labels_; }
  std::string description() const override { return description_; }

 private:
  std::string description_;
  std::vector<NamedTensors> samples_;
  std::optional<Labels> labels_;
};

}  // namespace qac
