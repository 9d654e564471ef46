// Checks run on the calibration (and validation) data before any work, so that bad data fails
// fast with a message that names the dataset, the input tensor and the sample.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

#include "qac/dataset.h"
#include "qac/status.h"
#include "runtime/session.h"

namespace qac {

// The graph inputs of `model` that are not initializers: name, element type and shape
// (symbolic or missing dimensions are -1). InvalidModel naming the input for element types qac
// cannot feed.
Result<std::vector<ValueSpec>> model_input_specs(const onnx::ModelProto& model);

// InvalidModel naming the input when a graph input (not an initializer) declares no shape at
// all: its rank is unknown, so no axis can be taken as the batch axis.
Status check_input_ranks_known(const onnx::ModelProto& model, const std::string& model_label);

// Logs a warning, naming both numbers, when `subset_size` exceeds the samples of
// `calibration`: statistics then use all of them.
void warn_if_subset_exceeds_data(const Dataset& calibration, size_t subset_size);

// OK when every model input has a shape (check_input_ranks_known) and `calibration` can feed `model` (same input names, dtypes and per-sample shapes; see
// check_dataset_matches) and its first `subset_size` samples hold only finite values.
// Errors are InvalidData naming the dataset, the input and, for NaN/infinity, the first
// offending sample and element, e.g.
//   "calibration dataset 'calib': input 'x' of sample 5 holds NaN (element 88 of the sample)".
// Reads the subset in bounded batches; memory does not grow with the subset size.
Status check_calibration_data(const onnx::ModelProto& model, const std::string& model_label,
                              const Dataset& calibration, size_t subset_size);

// OK when every model input has a shape (check_input_ranks_known) and `validation` can feed
// `model` (check_dataset_matches); InvalidData naming the dataset and the input otherwise. Non-finite values are left to the metric, which names the sample.
Status check_validation_data(const onnx::ModelProto& model, const std::string& model_label,
                             const Dataset& validation);

}  // namespace qac
