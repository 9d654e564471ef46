#include "qac/quantize.h"

#include <chrono>

#include <nlohmann/json.hpp>

#include "api/calibration_check.h"
#include "api/model_impl.h"
#include "core/log.h"
#include "onnx/model_io.h"
#include "quant/pipeline.h"
#include "runtime/session.h"

namespace qac {

std::string QuantizationReport::to_json() const {
  nlohmann::json j;
  j["target"] = target;
  j["overflow_fix"] = overflow_fix;
  j["calibration_samples"] = calibration_samples;
  j["activation_quantizers"] = activation_quantizers;
  j["weight_quantizers"] = weight_quantizers;
  j["quantized_ops_per_type"] = quantized_ops_per_type;
  j["normalization"] = normalization;
  j["decisions"] = decisions;
  nlohmann::json skipped_nodes = nlohmann::json::array();
  for (const auto& s : skipped) skipped_nodes.push_back({{"node", s.node}, {"op_type", s.op_type}, {"reason", s.reason}});
  j["skipped"] = skipped_nodes;
  j["seconds"] = {{"statistics", seconds_statistics}, {"total", seconds_total}};
  return j.dump(2);
}

Result<Model> quantize(const Model& model, const Dataset& calibration, const QuantizationOptions& options,
                       QuantizationReport* report) {
  const auto t0 = std::chrono::steady_clock::now();
  QuantizationReport local;
  QuantizationReport& rep = report ? *report : local;
  if (calibration.size() == 0) {
    return Status::InvalidData("calibration dataset " + calibration.description() + " holds no samples");
  }
  QAC_RETURN_IF_ERROR(check_calibration_data(model.impl().proto, model.label(), calibration, options.subset_size));
  QAC_ASSIGN_OR_RETURN(CalibratedModel cm, prepare(model.impl().proto, options, &rep));
  QAC_RETURN_IF_ERROR(calibrate(cm, calibration, options, &rep));
  QAC_RETURN_IF_ERROR(parameterize(cm, options, &calibration, &rep));
  std::vector<std::string> emit_log;
  QAC_ASSIGN_OR_RETURN(onnx::ModelProto q, emit(cm, {}, options, &emit_log));
  for (const auto& line : emit_log) QAC_LOG(kDebug) << line;
  // The result must load in ONNX Runtime with every optimization (int8 kernels) enabled.
  SessionOptions so;
  so.optimization = OptimizationLevel::kAll;
  so.intra_op_threads = 1;
  auto session = Session::create(serialize(q), so, "quantized " + model.label());
  if (!session.ok()) return session.status().with_context("the quantized model does not load");
  rep.seconds_total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return make_model(std::move(q), model.label());
}

}  // namespace qac
