#include "onnx/verify.h"

#include <onnx/checker.h>

#include "onnx/graph_walk.h"
#include "onnx/infer_shapes.h"

namespace qac {

Status verify(const onnx::ModelProto& model, NormalizeLog& log) {
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    const int opset = default_opset_version(model);
    if (opset > max_known_opset()) {
      log.warn("verify: the ONNX checker (which knows opsets up to " + std::to_string(max_known_opset()) +
               ") rejects this opset-" + std::to_string(opset) + " model: " + e.what());
      return Status::Ok();
    }
    return Status::InvalidModel(std::string("the ONNX checker rejects the model: ") + e.what());
  }
  log.add("verify: the ONNX checker accepts the model");
  return Status::Ok();
}

}  // namespace qac
