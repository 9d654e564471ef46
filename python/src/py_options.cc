#include "py_options.h"

#include <pybind11/stl.h>

#include <array>
#include <string>

#include "qac/option_names.h"

namespace qac::python {
namespace {

// The enum value whose name (by `name_of`) is `text`; ValueError listing the names otherwise.
template <typename Values, typename NameOf>
auto parse_enum(const std::string& key, const std::string& text, const Values& values, NameOf name_of) {
  std::string names;
  for (auto v : values) {
    if (text == name_of(v)) return v;
    if (!names.empty()) names += ", ";
    names += name_of(v);
  }
  std::string message = key;
  message += ": '";
  message += text;
  message += "' is not one of ";
  message += names;
  throw py::value_error(message);
}

std::vector<std::string> strings(const py::handle& h) { return h.cast<std::vector<std::string>>(); }

}  // namespace

AccuracyControlOptions options_from_dict(const py::dict& values) {
  AccuracyControlOptions o;
  for (const auto& [key_handle, value] : values) {
    const std::string key = key_handle.cast<std::string>();
    if (value.is_none()) continue;  // the default
    if (key == "preset") {
      o.preset = parse_enum(key, value.cast<std::string>(), kPresetValues, preset_name);
    } else if (key == "target") {
      o.target = parse_enum(key, value.cast<std::string>(), kTargetValues, target_name);
    } else if (key == "model_type") {
      o.model_type = parse_enum(key, value.cast<std::string>(), kModelTypeValues, model_type_name);
    } else if (key == "activation_estimator") {
      o.activation_estimator = parse_enum(key, value.cast<std::string>(), kEstimatorValues, estimator_name);
    } else if (key == "overflow_fix") {
      o.overflow_fix = parse_enum(key, value.cast<std::string>(), kOverflowFixValues, overflow_fix_name);
    } else if (key == "restore_mode") {
      o.restore_mode = parse_enum(key, value.cast<std::string>(), kRestoreModeValues, restore_mode_name);
    } else if (key == "strategy") {
      o.strategy = parse_enum(key, value.cast<std::string>(), kStrategyValues, strategy_name);
    } else if (key == "drop_type") {
      o.drop_type = parse_enum(key, value.cast<std::string>(), kDropTypeValues, drop_type_name);
    } else if (key == "subset_size") {
      o.subset_size = value.cast<size_t>();
    } else if (key == "quantile") {
      o.quantile = value.cast<double>();
    } else if (key == "bias_correction") {
      o.bias_correction = parse_enum(key, value.cast<std::string>(), kBiasCorrectionValues, bias_correction_name);
    } else if (key == "smooth_quant_alpha") {
      o.smooth_quant_alpha = value.cast<double>();
    } else if (key == "smooth_quant") {
      if (!value.cast<bool>()) o.smooth_quant_alpha = std::nullopt;
    } else if (key == "ignored_names") {
      o.ignored_scope.names = strings(value);
    } else if (key == "ignored_types") {
      o.ignored_scope.types = strings(value);
    } else if (key == "ignored_patterns") {
      o.ignored_scope.patterns = strings(value);
    } else if (key == "weights_as_int8_initializers") {
      o.weights_as_int8_initializers = value.cast<bool>();
    } else if (key == "batch_size") {
      o.batch_size = value.cast<size_t>();
    } else if (key == "num_threads") {
      o.num_threads = value.cast<int>();
    } else if (key == "measure_latency") {
      o.measure_latency = value.cast<bool>();
    } else if (key == "kernel_timing") {
      o.kernel_timing = value.cast<bool>();
    } else if (key == "kernel_timing_cache") {
      o.kernel_timing_cache = value.cast<bool>();
    } else if (key == "kernel_timing_cache_dir") {
      o.kernel_timing_cache_dir = value.cast<std::string>();
    } else if (key == "cache_dir") {
      o.cache_dir = value.cast<std::string>();
    } else if (key == "max_drop") {
      o.max_drop = value.cast<double>();
    } else if (key == "ranking_subset_size") {
      o.ranking_subset_size = value.cast<size_t>();
    } else if (key == "max_num_iterations") {
      o.max_num_iterations = value.cast<int>();
    } else if (key == "tune_hyperparams") {
      o.tune_hyperparams = value.cast<bool>();
    } else if (key == "intermediate_dir") {
      o.intermediate_dir = value.cast<std::string>();
    } else {
      throw py::value_error("unknown option '" + key + "'");
    }
  }
  return o;
}

}  // namespace qac::python
