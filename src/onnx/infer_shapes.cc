#include "onnx/infer_shapes.h"

#include <onnx/defs/schema.h>

#include "onnx/graph_walk.h"
#include "onnx/safe_inference.h"

namespace qac {

int max_known_opset() {
  const auto& ranges = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  auto it = ranges.find("");
  return it == ranges.end() ? 0 : it->second.second;
}

Status infer_shapes(onnx::ModelProto& model, NormalizeLog& log) {
  const int opset = default_opset_version(model);
  if (opset > max_known_opset()) {
    log.warn("infer_shapes: skipped, the model's opset " + std::to_string(opset) +
             " is newer than the ONNX library knows (" + std::to_string(max_known_opset()) + ")");
    return Status::Ok();
  }
  onnx::ModelProto inferred = model;
  const onnx::ShapeInferenceOptions options(/*check_type_val=*/false, /*strict_mode_val=*/1,
                                            /*data_prop_val=*/true);
  QAC_RETURN_IF_ERROR(infer_shapes_checked(inferred, options));
  model.Swap(&inferred);
  log.add("infer_shapes: " + std::to_string(model.graph().value_info_size()) +
          " intermediate values of the main graph have inferred types");
  return Status::Ok();
}

}  // namespace qac
