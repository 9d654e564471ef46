// Initializers whose bytes live in separate files (TensorProto.data_location == EXTERNAL).
#pragma once

#include <onnx/onnx_pb.h>

#include <filesystem>

#include "qac/status.h"

namespace qac {

// Reads every external initializer of `model` (main graph and subgraphs) into raw_data and
// marks it as inline. Locations are relative to `model_dir` and may not leave it.
// Errors: InvalidModel naming the tensor and file (missing file, bad offset/length, bad path).
Status load_external_data(onnx::ModelProto& model, const std::filesystem::path& model_dir);

}  // namespace qac
