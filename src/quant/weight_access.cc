#include "quant/weight_access.h"

#include "onnx/tensor_proto.h"

namespace qac {

Result<Tensor> weight_tensor(const onnx::ModelProto& model, const std::string& name) {
  for (const auto& init : model.graph().initializer()) {
    if (init.name() != name) continue;
    QAC_ASSIGN_OR_RETURN(Tensor t, to_tensor(init));
    if (t.dtype != DType::kFloat32) {
      return Status::Unsupported("weight '" + name + "' is " + dtype_name(t.dtype) +
                                 "; only float32 weights are quantized");
    }
    return t;
  }
  return Status::NotFound("weight initializer '" + name + "' is not in the model");
}

Result<std::string> first_weighted_node(const onnx::ModelProto& model, const QuantizerSetup& setup) {
  int first = -1;
  for (const auto& w : setup.weights) {
    if (first < 0 || w.node < first) first = w.node;
  }
  if (first < 0) return std::string();
  if (first >= model.graph().node_size()) return Status::Internal("weight quantizer names a bad node");
  return model.graph().node(first).name();
}

}  // namespace qac
