#include "data/dataset_subset.h"

namespace qac {

SubsetDataset::SubsetDataset(const Dataset& base, std::vector<size_t> indices)
    : base_(base), indices_(std::move(indices)) {
  if (const auto& l = base_.labels()) {
    Labels sub;
    for (size_t i : indices_) {
      if (!l->classes.empty()) sub.classes.push_back(l->classes[i]);
      if (!l->texts.empty()) sub.texts.push_back(l->texts[i]);
    }
    labels_ = std::move(sub);
  }
}

std::string SubsetDataset::description() const {
  return std::to_string(indices_.size()) + " selected samples of " + base_.description();
}

Result<NamedTensors> SubsetDataset::read(size_t begin, size_t count) const {
  if (begin + count > indices_.size()) {
    return Status::Internal("read past the end of " + description());
  }
  // Runs of consecutive base indices become single reads.
  std::vector<NamedTensors> runs;
  size_t i = begin;
  while (i < begin + count) {
    size_t j = i + 1;
    while (j < begin + count && indices_[j] == indices_[j - 1] + 1) ++j;
    QAC_ASSIGN_OR_RETURN(NamedTensors part, base_.read(indices_[i], j - i));
    runs.push_back(std::move(part));
    i = j;
  }
  if (runs.size() == 1) return std::move(runs.front());
  return concat_rows_by_name(runs);
}

}  // namespace qac
