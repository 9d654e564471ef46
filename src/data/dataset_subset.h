// A view of selected samples of another dataset, in the given order (e.g. the ranking subset
// of accuracy control). Reads group consecutive indices into one read of the base dataset.
#pragma once

#include <vector>

#include "qac/dataset.h"

namespace qac {

class SubsetDataset : public Dataset {
 public:
  // REQUIRES: every index < base.size(); `base` outlives this view.
  SubsetDataset(const Dataset& base, std::vector<size_t> indices);

  size_t size() const override { return indices_.size(); }
  std::vector<std::string> input_names() const override { return base_.input_names(); }
  Result<std::pair<DType, std::vector<int64_t>>> input_spec(const std::string& name) const override {
    return base_.input_spec(name);
  }
  Result<NamedTensors> read(size_t begin, size_t count) const override;
  const std::optional<Labels>& labels() const override { return labels_; }
  std::string description() const override;

 private:
  const Dataset& base_;
  std::vector<size_t> indices_;
  std::optional<Labels> labels_;
};

}  // namespace qac
