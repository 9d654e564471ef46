// The inputs `qac bench` feeds to every model it times: checked to be the same for all models,
// taken from a dataset or drawn at random.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "qac/benchmark.h"
#include "qac/model.h"
#include "qac/status.h"
#include "qac/tensor.h"

namespace qac::cli {

// A model to time and the path it was given as (its name in messages).
struct BenchModel {
  std::string path;
  Model model;
};

// Checks NAME=DxDx...xD, e.g. "x=1x3x320x320": "must be NAME=DIMS ..., got '...'".
CLI::Validator input_shape_flag();
// The shapes of --shape flags. REQUIRES: each checked by input_shape_flag().
// InvalidArgument when an input is named twice.
Result<InputShapes> parse_input_shapes(const std::vector<std::string>& flags);

// The inputs every model takes: the first model's names and element types, each dimension
// fixed when any model fixes it. InvalidData naming the model and the input when a model takes
// other inputs, element types or shapes than the first, or fixes a first dimension other than
// `batch` for an input without a shape in `shapes`.
Result<std::vector<ValueSpec>> shared_inputs(const std::vector<BenchModel>& models, const InputShapes& shapes,
                                             int64_t batch);

// The first `batch` samples of the dataset in `dir`, stacked. InvalidData naming the dataset
// when it does not fit `inputs` (of model `model_label`) or holds fewer samples.
Result<NamedTensors> dataset_feeds(const std::string& dir, const std::vector<ValueSpec>& inputs, size_t batch,
                                   const std::string& model_label);

}  // namespace qac::cli
