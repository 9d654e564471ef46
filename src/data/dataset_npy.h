// A dataset stored as a directory of stacked arrays: `<input>.npy` per model input (axis 0 =
// sample), plus optional labels (labels.npy or labels.json, see dataset_labels.h).
// Rows are read on demand; the arrays are never loaded whole.
#pragma once

#include <filesystem>
#include <memory>

#include "core/npy.h"
#include "qac/dataset.h"

namespace qac {

class NpyDataset : public Dataset {
 public:
  // True when `dir` holds at least one .npy file other than labels.npy.
  static bool looks_like(const std::filesystem::path& dir);

  // Opens every `<name>.npy` in `dir` (except labels.npy) as input `<name>`.
  // Fails (InvalidData naming the files) when an array is 0-d, when the arrays disagree on the
  // number of samples, or when the labels do not match; NotFound when `dir` holds no input.
  static Result<std::unique_ptr<NpyDataset>> open(const std::filesystem::path& dir);

  size_t size() const override { return samples_; }
  std::vector<std::string> input_names() const override;
  Result<std::pair<DType, std::vector<int64_t>>> input_spec(const std::string& name) const override;
  Result<NamedTensors> read(size_t begin, size_t count) const override;
  const std::optional<Labels>& labels() const override { return labels_; }
  std::string description() const override { return dir_.string(); }

 private:
  struct Input {
    std::string name;
    std::unique_ptr<NpyReader> reader;
  };
  NpyDataset() = default;

  std::filesystem::path dir_;
  std::vector<Input> inputs_;  // sorted by name
  size_t samples_ = 0;
  std::optional<Labels> labels_;
};

}  // namespace qac
