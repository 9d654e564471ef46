// The private side of qac::Model: an onnx::ModelProto and the label used in messages.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>
#include <utility>

#include "qac/model.h"

namespace qac {

struct Model::Impl {
  onnx::ModelProto proto;
  std::string label;
};

// The library's access to a Model's representation.
class ModelAccess {
 public:
  static const onnx::ModelProto& proto(const Model& model) { return model.impl_->proto; }
  static Model make(onnx::ModelProto proto, std::string label);
};

// The model's ModelProto.
inline const onnx::ModelProto& model_proto(const Model& model) { return ModelAccess::proto(model); }
// Wraps a proto into a Model.
inline Model make_model(onnx::ModelProto proto, std::string label) {
  return ModelAccess::make(std::move(proto), std::move(label));
}

}  // namespace qac
