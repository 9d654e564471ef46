#include "quant/captured_dataset.h"

namespace qac {

Status CapturedDataset::add(NamedTensors sample) {
  if (!samples_.empty()) {
    const NamedTensors& first = samples_.front();
    if (sample.size() != first.size()) {
      return Status::InvalidData(description_ + ": a sample holds " + std::to_string(sample.size()) +
                                 " tensors, the first held " + std::to_string(first.size()));
    }
    for (const auto& [name, t] : sample) {
      auto it = first.find(name);
      if (it == first.end() || it->second.dtype != t.dtype || it->second.shape != t.shape) {
        return Status::InvalidData(description_ + ": tensor '" + name + "' of sample " +
                                   std::to_string(samples_.size()) + " has shape " + shape_to_string(t.shape) +
                                   (it == first.end() ? std::string(" but the first sample lacks it")
                                                      : " but the first sample's has " + shape_to_string(it->second.shape)));
      }
    }
  }
  samples_.push_back(std::move(sample));
  return Status::Ok();
}

std::vector<std::string> CapturedDataset::input_names() const {
  std::vector<std::string> names;
  if (!samples_.empty()) {
    for (const auto& [name, t] : samples_.front()) names.push_back(name);
  }
  return names;
}

Result<std::pair<DType, std::vector<int64_t>>> CapturedDataset::input_spec(const std::string& name) const {
  if (samples_.empty()) return Status::InvalidArgument(description_ + " holds no sample");
  auto it = samples_.front().find(name);
  if (it == samples_.front().end()) return Status::InvalidArgument(description_ + " holds no tensor '" + name + "'");
  return std::make_pair(it->second.dtype, it->second.shape);
}

Result<NamedTensors> CapturedDataset::read(size_t begin, size_t count) const {
  if (begin + count > samples_.size() || count == 0) {
    return Status::InvalidArgument(description_ + ": samples [" + std::to_string(begin) + ", " +
                                   std::to_string(begin + count) + ") of " + std::to_string(samples_.size()));
  }
  NamedTensors out;
  for (const auto& [name, first] : samples_[begin]) {
    std::vector<Tensor> rows;
    std::vector<const Tensor*> parts;
    rows.reserve(count);
    for (size_t i = begin; i < begin + count; ++i) {
      Tensor row = samples_[i].at(name);
      row.shape.insert(row.shape.begin(), 1);
      rows.push_back(std::move(row));
    }
    for (const Tensor& r : rows) parts.push_back(&r);
    out.emplace(name, concat_rows(parts));
  }
  return out;
}

}  // namespace qac
