#include "api/options_json.h"

#include "search/drop.h"
#include "qac/option_names.h"
#include "quant/target.h"

namespace qac {

nlohmann::json options_to_json(const QuantizationOptions& o) {
  return {
      {"preset", preset_name(o.preset)},
      {"model_type", model_type_name(o.model_type)},
      {"subset_size", o.subset_size},
      {"activation_estimator", estimator_name(o.activation_estimator)},
      {"quantile", o.quantile},
      {"bias_correction", bias_correction_name(o.bias_correction)},
      {"smooth_quant_alpha", o.smooth_quant_alpha ? nlohmann::json(*o.smooth_quant_alpha) : nlohmann::json(nullptr)},
      {"overflow_fix", overflow_fix_name(o.overflow_fix)},
      {"target", target_name(o.target)},
      {"ignored_scope", {{"names", o.ignored_scope.names},
                         {"types", o.ignored_scope.types},
                         {"patterns", o.ignored_scope.patterns}}},
      {"weights_as_int8_initializers", o.weights_as_int8_initializers},
      {"batch_size", o.batch_size},
      {"num_threads", o.num_threads},
      {"measure_latency", o.measure_latency},
      {"kernel_timing", o.kernel_timing},
      {"kernel_timing_cache", o.kernel_timing_cache},
      {"kernel_timing_cache_dir", o.kernel_timing_cache_dir},
      {"cache_dir", o.cache_dir},
  };
}

nlohmann::json options_to_json(const AccuracyControlOptions& o) {
  nlohmann::json j = options_to_json(static_cast<const QuantizationOptions&>(o));
  j["max_drop"] = o.max_drop;
  j["drop_type"] = drop_type_name(o.drop_type);
  j["ranking_subset_size"] = o.ranking_subset_size;
  j["max_num_iterations"] = o.max_num_iterations;
  j["restore_mode"] = restore_mode_name(o.restore_mode);
  j["tune_hyperparams"] = o.tune_hyperparams;
  j["strategy"] = strategy_name(o.strategy);
  j["intermediate_dir"] = o.intermediate_dir;
  return j;
}

}  // namespace qac
