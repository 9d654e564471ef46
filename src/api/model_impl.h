// The private side of qac::Model: an onnx::ModelProto and the label used in messages.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "qac/model.h"

namespace qac {

struct Model::Impl {
  onnx::ModelProto proto;
  std::string label;
};

// Wraps a proto into a Model.
Model make_model(onnx::ModelProto proto, std::string label);

}  // namespace qac
