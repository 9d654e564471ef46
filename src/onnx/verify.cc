#include "onnx/verify.h"

#include "onnx/graph_walk.h"
#include "onnx/infer_shapes.h"
#include "onnx/safe_inference.h"

namespace qac {

Status verify(const onnx::ModelProto& model, NormalizeLog& log) {
  if (Status s = check_onnx_model(model); !s.ok()) {
    const int opset = default_opset_version(model);
    if (opset > max_known_opset()) {
      log.warn("verify: ignored for this opset-" + std::to_string(opset) + " model (the ONNX library knows opsets up to " +
               std::to_string(max_known_opset()) + "): " + s.message());
      return Status::Ok();
    }
    return s;
  }
  log.add("verify: the ONNX checker accepts the model");
  return Status::Ok();
}

}  // namespace qac
