// Datasets: samples stacked along axis 0, one tensor per model input, with optional labels.
// Implementations stream from disk: read() touches only the requested rows.
//
// How a sample feeds a model input (sample_fed_whole):
//  - stacked: the sample's shape is the model input's shape without its leading (batch) axis;
//    samples are stacked along that axis and run in batches;
//  - whole: the sample's shape has the model input's full rank (a scalar input such as a sample
//    rate, or an input whose batch axis is not first, such as a recurrent state [2, B, 128]
//    stored as [2, 1, 128] per sample). The model then runs one sample at a time, fed the sample
//    exactly as stored, and each of its outputs is that sample's output (read back with a
//    leading sample axis of 1, as stacked outputs are).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "qac/status.h"
#include "qac/tensor.h"

namespace qac {

// Per-sample ground truth. Exactly one of the two vectors is filled when labels exist.
struct Labels {
  std::vector<int64_t> classes;     // labels.npy: one integer per sample
  std::vector<std::string> texts;   // labels.json: one string per sample (OCR, ...)
  size_t size() const { return classes.empty() ? texts.size() : classes.size(); }
};

class Dataset {
 public:
  virtual ~Dataset() = default;

  // Number of samples.
  virtual size_t size() const = 0;
  // Names of the tensors each sample holds (the model inputs they feed).
  virtual std::vector<std::string> input_names() const = 0;
  // Per-sample shape (without the sample axis) and element type of input `name`.
  virtual Result<std::pair<DType, std::vector<int64_t>>> input_spec(const std::string& name) const = 0;
  // Samples [begin, begin + count) stacked along a new leading axis, for every input.
  // REQUIRES: begin + count <= size().
  virtual Result<NamedTensors> read(size_t begin, size_t count) const = 0;
  // Ground truth, if the dataset has any.
  virtual const std::optional<Labels>& labels() const = 0;
  // Where the data comes from, for messages.
  virtual std::string description() const = 0;
};

// Whether a sample of rank `sample_rank` feeds a model input of rank `model_rank` whole (equal
// ranks) rather than stacked on the input's batch axis (sample_rank == model_rank - 1).
bool sample_fed_whole(size_t sample_rank, size_t model_rank);

// Opens a dataset directory: either stacked `<input>.npy` files (+ optional labels.npy or
// labels.json), or ONNX's `test_data_set_*/input_*.pb` layout (input names taken from the
// TensorProto names, or from `model_inputs` by position when the protos are unnamed).
Result<std::unique_ptr<Dataset>> open_dataset(const std::filesystem::path& dir,
                                              const std::vector<std::string>& model_inputs = {});

// Whether `dataset` can feed a model with inputs `model_inputs` (Model::inputs()). OK when every
// model input has a dataset tensor of the same dtype whose per-sample shape matches the model's
// shape without its first (batch) dimension, or, for a sample fed whole (sample_fed_whole), the
// model's whole shape (model dims of -1 match anything), and the dataset holds no tensor the
// model does not take. Otherwise InvalidData naming the
// dataset, the tensor, the expected and the actual dtype/shape, e.g.
//   "dataset assets/x: input 'x' has per-sample shape [3, 32, 32] but model rec.onnx
//    expects [3, 48, ?]".
Status check_dataset_matches(const Dataset& dataset, const std::vector<ValueSpec>& model_inputs,
                             const std::string& model_label);

}  // namespace qac
