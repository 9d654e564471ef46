// A dataset view that adds the switch input of the switchable evaluation model
// (quant/switchable_emit.h) to every read: a bool tensor [count, num_groups] whose rows all
// hold one configuration (true = the group is in float).
#pragma once

#include <string>
#include <vector>

#include "qac/dataset.h"

namespace qac {

// The switch tensor [rows, in_float.size()], every row equal to `in_float`.
Tensor switch_tensor(size_t rows, const std::vector<bool>& in_float);

class SwitchedDataset : public Dataset {
 public:
  // REQUIRES: `base` outlives this view and has no input named `switch_input`.
  SwitchedDataset(const Dataset& base, std::string switch_input, std::vector<bool> in_float);

  size_t size() const override { return base_.size(); }
  std::vector<std::string> input_names() const override;
  Result<std::pair<DType, std::vector<int64_t>>> input_spec(const std::string& name) const override;
  Result<NamedTensors> read(size_t begin, size_t count) const override;
  const std::optional<Labels>& labels() const override { return base_.labels(); }
  std::string description() const override { return base_.description(); }

 private:
  const Dataset& base_;
  std::string switch_input_;
  std::vector<bool> in_float_;
};

}  // namespace qac
