#include "evaluation/oracle_cache_key.h"

#include "core/content_hash.h"
#include "core/cpu_identity.h"
#include "core/dataset_fingerprint.h"
#include "onnx/model_io.h"
#include "qac/option_names.h"
#include "qac/version.h"
#include "runtime/session.h"

namespace qac {

Result<std::string> oracle_cache_key(const ModelOracle& oracle, const CalibratedModel& cm, const Dataset& validation,
                                     const std::string& metric_identity, const AccuracyControlOptions& options) {
  ContentHash h;
  h.add_field("qac-evaluations-1").add_field(version()).add_field(onnxruntime_version()).add_field(cpu_model_name());
  h.add_field(serialize(cm.fp32));
  QAC_ASSIGN_OR_RETURN(onnx::ModelProto quantized, oracle.model_for({}));
  h.add_field(serialize(quantized));
  h.add_number(oracle.groups().size());
  for (const QuantizerGroup& g : oracle.groups()) {
    for (const auto* ids : {&g.activation_ids, &g.unit_ids, &g.weight_ids}) {
      h.add_number(ids->size());
      for (const std::string& id : *ids) h.add_field(id);
    }
  }
  h.add_number(options.batch_size).add_number(static_cast<uint64_t>(options.num_threads));
  h.add_field(restore_mode_name(options.restore_mode)).add_field(metric_identity);
  QAC_RETURN_IF_ERROR(add_dataset_content(validation, h));
  return h.hex();
}

}  // namespace qac
