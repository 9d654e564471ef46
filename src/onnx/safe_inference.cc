#include "onnx/safe_inference.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "onnx/inference_guards.h"
#include "onnx/tensor_storage.h"

namespace qac {
namespace {

// ONNX's registry, except that the schemas of ops with an inference guard are copies whose
// inference function runs the guard first. Copies are made once per schema and live as long
// as the process.
class GuardedSchemaRegistry final : public onnx::ISchemaRegistry {
 public:
  const onnx::OpSchema* GetSchema(const std::string& key, const int max_inclusive_version,
                                  const std::string& domain) const override {
    const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Instance()->GetSchema(key, max_inclusive_version, domain);
    if (schema == nullptr || !schema->has_type_and_shape_inference_function()) return schema;
    const InferenceGuard guard = inference_guard_for(*schema);
    if (guard == nullptr) return schema;
    std::lock_guard<std::mutex> lock(mutex_);
    std::unique_ptr<onnx::OpSchema>& guarded = guarded_[schema];
    if (!guarded) {
      guarded = std::make_unique<onnx::OpSchema>(*schema);
      guarded->TypeAndShapeInferenceFunction(
          [guard, infer = schema->GetTypeAndShapeInferenceFunction()](onnx::InferenceContext& ctx) {
            guard(ctx);
            infer(ctx);
          });
    }
    return guarded.get();
  }

 private:
  mutable std::mutex mutex_;
  mutable std::map<const onnx::OpSchema*, std::unique_ptr<onnx::OpSchema>> guarded_;
};

const GuardedSchemaRegistry& guarded_registry() {
  static const GuardedSchemaRegistry* registry = new GuardedSchemaRegistry();  // never destroyed
  return *registry;
}

}  // namespace

Status check_onnx_model(const onnx::ModelProto& model) {
  // The linked checker requires a shape on every tensor input and output of the main graph.
  // qac accepts them without (unknown rank: inference derives outputs, the dataset check
  // names inputs), so the checker then sees a copy in which they have an empty shape.
  auto lacks_shape = [](const onnx::ValueInfoProto& v) {
    return v.type().has_tensor_type() && !v.type().tensor_type().has_shape();
  };
  const auto& inputs = model.graph().input();
  const auto& outputs = model.graph().output();
  const bool relax = std::any_of(inputs.begin(), inputs.end(), lacks_shape) ||
                     std::any_of(outputs.begin(), outputs.end(), lacks_shape);
  std::optional<onnx::ModelProto> relaxed;
  if (relax) {
    relaxed = model;
    onnx::GraphProto& graph = *relaxed->mutable_graph();
    for (auto* values : {graph.mutable_input(), graph.mutable_output()}) {
      for (onnx::ValueInfoProto& v : *values) {
        if (lacks_shape(v)) v.mutable_type()->mutable_tensor_type()->mutable_shape();
      }
    }
  }
  try {
    onnx::checker::check_model(relaxed ? *relaxed : model);
  } catch (const std::exception& e) {
    return Status::InvalidModel(std::string("the ONNX checker rejects the model: ") + e.what());
  }
  return check_model_tensor_storage(model);
}

Status infer_shapes_checked(onnx::ModelProto& model, const onnx::ShapeInferenceOptions& options) {
  QAC_RETURN_IF_ERROR(check_onnx_model(model));
  try {
    onnx::shape_inference::InferShapes(model, &guarded_registry(), options);
  } catch (const std::exception& e) {
    if (options.error_mode == 0) return Status::Ok();
    return Status::InvalidModel(std::string("shape inference failed: ") + e.what());
  }
  return Status::Ok();
}

}  // namespace qac
