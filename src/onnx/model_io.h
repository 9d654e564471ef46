// Loading and saving ONNX models. Every failure is a Status that names the file.
#pragma once

#include <onnx/onnx_pb.h>

#include <filesystem>
#include <string>

#include "qac/status.h"

namespace qac {

// Reads and parses the model at `path`. Initializers stored as external data (data_location
// EXTERNAL) are read from their files, relative to the model's folder, and kept inline.
// Errors: NotFound (no such file), IoError (unreadable), InvalidModel (not a parsable ONNX
// model, or one without a graph or nodes, or bad external data references).
Result<onnx::ModelProto> load_model(const std::filesystem::path& path);

// Parses serialized model bytes; `label` names the source in messages.
Result<onnx::ModelProto> parse_model(const std::string& bytes, const std::string& label);

// Writes `model` to `path` atomically (write_file_atomically, core/atomic_file.h): `path` is
// either untouched or the complete model. Errors name `path`: InvalidArgument when it exists
// and is not a regular file, IoError when it cannot be written.
Status save_model(const onnx::ModelProto& model, const std::filesystem::path& path);

// Serialized bytes of `model` (e.g. for an ONNX Runtime session). Empty if the model cannot be
// serialized (larger than protobuf's 2 GB message limit).
std::string serialize(const onnx::ModelProto& model);

}  // namespace qac
