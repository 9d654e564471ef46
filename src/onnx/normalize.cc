#include "onnx/normalize.h"

#include "onnx/constants_to_initializers.h"
#include "onnx/infer_shapes.h"
#include "onnx/opset_upgrade.h"
#include "onnx/verify.h"

namespace qac {

Status normalize(onnx::ModelProto& model, NormalizeLog& log) {
  QAC_RETURN_IF_ERROR(constants_to_initializers(model, log).with_context("normalize (constants to initializers)"));
  QAC_RETURN_IF_ERROR(upgrade_opset(model, log).with_context("normalize (opset upgrade)"));
  QAC_RETURN_IF_ERROR(infer_shapes(model, log).with_context("normalize (shape inference)"));
  QAC_RETURN_IF_ERROR(verify(model, log).with_context("normalize (verify)"));
  return Status::Ok();
}

}  // namespace qac
