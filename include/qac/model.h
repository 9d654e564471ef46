// An ONNX model held in memory. The representation is private: users load, save and pass
// models to qac's functions; they never need ONNX's protobuf headers.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "qac/status.h"
#include "qac/tensor.h"

namespace qac {

class Model {
 public:
  // Reads an ONNX file. Missing, truncated or malformed files give a Status naming the path.
  static Result<Model> load(const std::filesystem::path& path);
  // Parses serialized ModelProto bytes; `label` names the model in messages.
  static Result<Model> from_bytes(const std::string& bytes, const std::string& label = "model");

  // Writes atomically: the destination is either the complete model or untouched. Only a
  // regular file is replaced; a folder or device at `path` is an InvalidArgument error.
  Status save(const std::filesystem::path& path) const;
  std::string serialize() const;
  // Where the model came from ("rec.onnx"), for messages.
  const std::string& label() const;
  // The graph inputs that are not initializers, in graph order. InvalidModel naming the input
  // for element types qac cannot feed.
  Result<std::vector<ValueSpec>> inputs() const;
  // The names of the graph's outputs, in order.
  std::vector<std::string> output_names() const;

  Model(const Model& other);
  Model& operator=(const Model& other);
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  ~Model();


 private:
  // The onnx::ModelProto and the label; defined where the library implements Model (its headers
  // are not installed: code outside the library has no use for them).
  struct Impl;
  friend class ModelAccess;
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace qac
