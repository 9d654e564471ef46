#include "api/calibration_check.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>

#include "core/log.h"
#include "onnx/tensor_proto.h"

namespace qac {
namespace {

// Samples read per step of the finiteness scan.
constexpr size_t kScanBatchSamples = 16;

bool is_float_dtype(DType t) { return t == DType::kFloat32 || t == DType::kFloat64 || t == DType::kFloat16; }

struct NonFinite {
  size_t sample = 0, element = 0;  // element: flat index within the sample
  float value = 0;
};

// The first non-finite element of `batch` (samples stacked on axis 0), if any.
std::optional<NonFinite> first_nonfinite(const Tensor& batch) {
  if (batch.shape.empty() || batch.shape[0] == 0) return std::nullopt;
  const std::vector<float> values = batch.to_float();
  const size_t per_sample = values.size() / static_cast<size_t>(batch.shape[0]);
  for (size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) return NonFinite{i / per_sample, i % per_sample, values[i]};
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<ValueSpec>> model_input_specs(const onnx::ModelProto& model) {
  std::set<std::string> initializers;
  for (const auto& t : model.graph().initializer()) initializers.insert(t.name());
  std::vector<ValueSpec> specs;
  for (const auto& input : model.graph().input()) {
    if (initializers.count(input.name())) continue;  // IR < 4 lists initializers as inputs
    ValueSpec spec;
    spec.name = input.name();
    const auto& tensor_type = input.type().tensor_type();
    QAC_ASSIGN_OR_RETURN(spec.dtype, dtype_from_onnx(tensor_type.elem_type(), "model input '" + input.name() + "'"));
    for (const auto& d : tensor_type.shape().dim()) spec.shape.push_back(d.has_dim_value() ? d.dim_value() : -1);
    specs.push_back(std::move(spec));
  }
  return specs;
}

Status check_input_ranks_known(const onnx::ModelProto& model, const std::string& model_label) {
  std::set<std::string> initializers;
  for (const auto& t : model.graph().initializer()) initializers.insert(t.name());
  for (const auto& input : model.graph().input()) {
    if (initializers.count(input.name()) || input.type().tensor_type().has_shape()) continue;
    return Status::InvalidModel("model " + model_label + " declares input '" + input.name() +
                                "' without a shape (its rank is unknown), so qac cannot tell its batch axis; "
                                "give the input a shape in the model (dimensions may be symbolic)");
  }
  return Status::Ok();
}

void warn_if_subset_exceeds_data(const Dataset& calibration, size_t subset_size) {
  if (subset_size <= calibration.size()) return;
  QAC_LOG(kWarning) << "subset size " << subset_size << " is larger than the calibration dataset "
                    << calibration.description() << ": statistics use all of its " << calibration.size()
                    << " samples";
}

Status check_calibration_data(const onnx::ModelProto& model, const std::string& model_label,
                              const Dataset& calibration, size_t subset_size) {
  QAC_RETURN_IF_ERROR(check_input_ranks_known(model, model_label));
  QAC_ASSIGN_OR_RETURN(std::vector<ValueSpec> inputs, model_input_specs(model));
  QAC_RETURN_IF_ERROR(check_dataset_matches(calibration, inputs, model_label));
  const size_t samples = std::min(subset_size, calibration.size());
  for (size_t begin = 0; begin < samples; begin += kScanBatchSamples) {
    const size_t count = std::min(kScanBatchSamples, samples - begin);
    QAC_ASSIGN_OR_RETURN(NamedTensors batch, calibration.read(begin, count));
    for (const auto& [name, tensor] : batch) {
      if (!is_float_dtype(tensor.dtype)) continue;
      const std::optional<NonFinite> bad = first_nonfinite(tensor);
      if (!bad) continue;
      return Status::InvalidData("calibration dataset " + calibration.description() + ": input '" + name +
                                 "' of sample " + std::to_string(begin + bad->sample) + " holds " +
                                 (std::isnan(bad->value) ? "NaN" : "infinity") + " (element " +
                                 std::to_string(bad->element) + " of the sample); calibration needs finite inputs");
    }
  }
  return Status::Ok();
}

Status check_validation_data(const onnx::ModelProto& model, const std::string& model_label,
                             const Dataset& validation) {
  QAC_RETURN_IF_ERROR(check_input_ranks_known(model, model_label));
  QAC_ASSIGN_OR_RETURN(std::vector<ValueSpec> inputs, model_input_specs(model));
  return check_dataset_matches(validation, inputs, model_label);
}

}  // namespace qac
