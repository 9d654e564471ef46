// A dataset in ONNX's test-data layout: `dir/test_data_set_<K>/input_<I>.pb`, each file a
// serialized onnx.TensorProto whose dims already include the batch axis. Set K contributes its
// shape[0] rows; sets are concatenated along axis 0 in numeric order of K. Optional labels
// (labels.npy or labels.json) sit in `dir` itself and count rows over all sets.
// Only the set(s) covering the requested rows are parsed on read().
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "qac/dataset.h"

namespace qac {

class PbDataset : public Dataset {
 public:
  // True when `dir` holds at least one test_data_set_* directory.
  static bool looks_like(const std::filesystem::path& dir);

  // Input I is named after the TensorProto's name, else model_inputs[I] when given, else
  // "input_<I>". Fails (InvalidData naming the files) when a set has no input, a tensor is
  // unparsable or 0-d, inputs of one set disagree on the row count, or sets disagree on the
  // inputs' names, dtypes or per-sample shapes.
  static Result<std::unique_ptr<PbDataset>> open(const std::filesystem::path& dir,
                                                 const std::vector<std::string>& model_inputs);

  size_t size() const override { return samples_; }
  std::vector<std::string> input_names() const override;
  Result<std::pair<DType, std::vector<int64_t>>> input_spec(const std::string& name) const override;
  Result<NamedTensors> read(size_t begin, size_t count) const override;
  const std::optional<Labels>& labels() const override { return labels_; }
  std::string description() const override { return dir_.string(); }

 private:
  struct InputInfo {
    std::string name;
    DType dtype = DType::kFloat32;
    std::vector<int64_t> sample_shape;  // dims without the leading batch axis
  };
  struct SetInfo {
    std::vector<std::filesystem::path> files;  // input_0.pb, input_1.pb, ... (one per input)
    size_t first_row = 0;
    size_t rows = 0;
  };
  PbDataset() = default;
  // The tensors of set `index`, parsed or taken from the one-set cache.
  Result<std::shared_ptr<const std::vector<Tensor>>> load_set(size_t index) const;

  std::filesystem::path dir_;
  std::vector<InputInfo> inputs_;
  std::vector<SetInfo> sets_;
  size_t samples_ = 0;
  std::optional<Labels> labels_;

  mutable std::mutex cache_mutex_;
  mutable size_t cached_set_ = static_cast<size_t>(-1);
  mutable std::shared_ptr<const std::vector<Tensor>> cached_tensors_;
};

}  // namespace qac
