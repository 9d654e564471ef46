#include "data/switched_dataset.h"

namespace qac {

Tensor switch_tensor(size_t rows, const std::vector<bool>& in_float) {
  const size_t groups = in_float.size();
  Tensor switches(DType::kBool, {static_cast<int64_t>(rows), static_cast<int64_t>(groups)});
  for (size_t row = 0; row < rows; ++row) {
    for (size_t g = 0; g < groups; ++g) switches.bytes[row * groups + g] = in_float[g] ? 1 : 0;
  }
  return switches;
}

SwitchedDataset::SwitchedDataset(const Dataset& base, std::string switch_input, std::vector<bool> in_float)
    : base_(base), switch_input_(std::move(switch_input)), in_float_(std::move(in_float)) {}

std::vector<std::string> SwitchedDataset::input_names() const {
  std::vector<std::string> names = base_.input_names();
  names.push_back(switch_input_);
  return names;
}

Result<std::pair<DType, std::vector<int64_t>>> SwitchedDataset::input_spec(const std::string& name) const {
  if (name == switch_input_) {
    return std::make_pair(DType::kBool, std::vector<int64_t>{static_cast<int64_t>(in_float_.size())});
  }
  return base_.input_spec(name);
}

Result<NamedTensors> SwitchedDataset::read(size_t begin, size_t count) const {
  QAC_ASSIGN_OR_RETURN(NamedTensors tensors, base_.read(begin, count));
  tensors[switch_input_] = switch_tensor(count, in_float_);
  return tensors;
}

}  // namespace qac
