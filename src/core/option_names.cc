#include "qac/option_names.h"

namespace qac {

const char* preset_name(Preset preset) {
  switch (preset) {
    case Preset::kTargetDefault: return "auto";
    case Preset::kPerformance: return "performance";
    case Preset::kMixed: return "mixed";
  }
  return "?";
}

const char* model_type_name(ModelType type) {
  switch (type) {
    case ModelType::kDefault: return "default";
    case ModelType::kTransformer: return "transformer";
  }
  return "?";
}

const char* estimator_name(RangeEstimator estimator) {
  switch (estimator) {
    case RangeEstimator::kMinMax: return "minmax";
    case RangeEstimator::kMeanMinMax: return "mean_minmax";
    case RangeEstimator::kQuantile: return "quantile";
    case RangeEstimator::kMse: return "mse";
    case RangeEstimator::kKl: return "kl";
  }
  return "?";
}

const char* overflow_fix_name(OverflowFix fix) {
  switch (fix) {
    case OverflowFix::kFromTarget: return "auto";
    case OverflowFix::kDisable: return "disable";
    case OverflowFix::kFirstLayer: return "first_layer";
    case OverflowFix::kEnable: return "enable";
  }
  return "?";
}

const char* restore_mode_name(RestoreMode mode) {
  switch (mode) {
    case RestoreMode::kActivationsAndWeights: return "activations_and_weights";
    case RestoreMode::kOnlyActivations: return "only_activations";
  }
  return "?";
}

const char* strategy_name(SearchStrategy strategy) {
  switch (strategy) {
    case SearchStrategy::kQac: return "qac";
    case SearchStrategy::kNncf: return "nncf";
  }
  return "?";
}

const char* bias_correction_name(BiasCorrection mode) {
  switch (mode) {
    case BiasCorrection::kNone: return "none";
    case BiasCorrection::kFast: return "fast";
    case BiasCorrection::kFull: return "full";
  }
  return "?";
}

const char* target_name(Target target) {
  switch (target) {
    case Target::kHost: return "host";
    case Target::kCpuAvx2: return "cpu-avx2";
    case Target::kCpuVnni: return "cpu-vnni";
    case Target::kCpuArm: return "cpu-arm";
    case Target::kOpenVino: return "openvino";
    case Target::kAny: return "any";
  }
  return "?";
}

const char* drop_type_name(DropType type) {
  switch (type) {
    case DropType::kAbsolute: return "absolute";
    case DropType::kRelative: return "relative";
  }
  return "unknown";
}

}  // namespace qac
