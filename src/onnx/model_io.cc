#include "onnx/model_io.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/atomic_file.h"
#include "onnx/external_data.h"

namespace qac {
namespace fs = std::filesystem;
namespace {

// protobuf messages are limited to 2 GB; the CodedInputStream default limit is raised to that.
constexpr int kMaxMessageBytes = INT_MAX;

std::string errno_text() { return std::strerror(errno); }

}  // namespace

Result<onnx::ModelProto> parse_model(const std::string& bytes, const std::string& label) {
  const std::string prefix = label + " is not a valid ONNX model: ";
  if (bytes.empty()) return Status::InvalidModel(prefix + "the file is empty");
  if (bytes.size() > static_cast<size_t>(kMaxMessageBytes)) {
    return Status::InvalidModel(prefix + "larger than 2 GB; store the weights as external data");
  }
  onnx::ModelProto model;
  google::protobuf::io::ArrayInputStream array(bytes.data(), static_cast<int>(bytes.size()));
  google::protobuf::io::CodedInputStream coded(&array);
  coded.SetTotalBytesLimit(kMaxMessageBytes);
  if (!model.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage()) {
    return Status::InvalidModel(prefix + "protobuf parsing failed (truncated or corrupt file)");
  }
  if (!model.has_graph()) return Status::InvalidModel(prefix + "it has no graph");
  if (model.graph().node_size() == 0) return Status::InvalidModel(prefix + "its graph has no nodes");
  if (model.ir_version() <= 0) return Status::InvalidModel(prefix + "it has no IR version");
  return model;
}

Result<onnx::ModelProto> load_model(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::NotFound("model file " + path.string() + " does not exist");
  if (fs::is_directory(path, ec)) {
    return Status::InvalidModel(path.string() + " is not a valid ONNX model: it is a directory");
  }
  if (!fs::is_regular_file(path, ec)) {  // a device or FIFO could be read forever
    return Status::InvalidModel(path.string() + " is not a valid ONNX model: it is not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot open model file " + path.string() + ": " + errno_text());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read model file " + path.string());
  QAC_ASSIGN_OR_RETURN(onnx::ModelProto model, parse_model(buffer.str(), path.string()));
  QAC_RETURN_IF_ERROR(load_external_data(model, path.parent_path()).with_context(path.string()));
  return model;
}

std::string serialize(const onnx::ModelProto& model) {
  std::string bytes;
  if (!model.SerializeToString(&bytes)) bytes.clear();
  return bytes;
}

Status save_model(const onnx::ModelProto& model, const fs::path& path) {
  const std::string bytes = serialize(model);
  if (bytes.empty()) {
    return Status::IoError("cannot write " + path.string() +
                           ": the model cannot be serialized (larger than 2 GB?)");
  }
  return write_file_atomically(path, bytes);
}

}  // namespace qac
