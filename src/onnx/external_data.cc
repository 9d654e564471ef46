#include "onnx/external_data.h"

#include <fstream>
#include <string>

#include "onnx/graph_walk.h"

namespace qac {
namespace fs = std::filesystem;
namespace {

struct ExternalRef {
  std::string location;
  int64_t offset = 0;
  int64_t length = -1;  // -1: up to the end of the file
};

Result<ExternalRef> parse_ref(const onnx::TensorProto& tensor) {
  ExternalRef ref;
  for (const onnx::StringStringEntryProto& entry : tensor.external_data()) {
    try {
      if (entry.key() == "location") ref.location = entry.value();
      if (entry.key() == "offset") ref.offset = std::stoll(entry.value());
      if (entry.key() == "length") ref.length = std::stoll(entry.value());
    } catch (const std::exception&) {
      return Status::InvalidModel("initializer '" + tensor.name() + "' has a bad external_data " +
                                  entry.key() + " '" + entry.value() + "'");
    }
  }
  if (ref.location.empty()) {
    return Status::InvalidModel("initializer '" + tensor.name() + "' is external but names no location");
  }
  if (ref.offset < 0 || ref.length < -1) {
    return Status::InvalidModel("initializer '" + tensor.name() + "' has a negative external offset or length");
  }
  const fs::path rel(ref.location);
  bool escapes = rel.is_absolute();
  for (const fs::path& part : rel) escapes = escapes || part == "..";
  if (escapes) {
    return Status::InvalidModel("initializer '" + tensor.name() + "' points outside the model folder: " +
                                ref.location);
  }
  return ref;
}

Status load_one(onnx::TensorProto& tensor, const fs::path& model_dir) {
  QAC_ASSIGN_OR_RETURN(ExternalRef ref, parse_ref(tensor));
  const fs::path file = model_dir / ref.location;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return Status::InvalidModel("external data file " + file.string() + " of initializer '" +
                                tensor.name() + "' cannot be opened");
  }
  in.seekg(0, std::ios::end);
  const int64_t file_size = in.tellg();
  int64_t length = ref.length;
  if (length < 0) length = file_size - ref.offset;
  if (file_size < 0 || length < 0 || ref.offset > file_size || length > file_size - ref.offset) {
    return Status::InvalidModel("external data of initializer '" + tensor.name() + "' (offset " +
                                std::to_string(ref.offset) + ", length " + std::to_string(length) +
                                ") lies beyond the end of " + file.string());
  }
  std::string bytes(static_cast<size_t>(length), '\0');
  in.seekg(ref.offset);
  in.read(bytes.data(), length);
  if (!in) return Status::InvalidModel("cannot read external data of '" + tensor.name() + "' from " + file.string());
  tensor.set_raw_data(std::move(bytes));
  tensor.clear_external_data();
  tensor.set_data_location(onnx::TensorProto::DEFAULT);
  return Status::Ok();
}

}  // namespace

Status load_external_data(onnx::ModelProto& model, const fs::path& model_dir) {
  return for_each_graph(*model.mutable_graph(), [&](onnx::GraphProto& graph) {
    for (onnx::TensorProto& tensor : *graph.mutable_initializer()) {
      if (tensor.data_location() == onnx::TensorProto::EXTERNAL) QAC_RETURN_IF_ERROR(load_one(tensor, model_dir));
    }
    return Status::Ok();
  });
}

}  // namespace qac
