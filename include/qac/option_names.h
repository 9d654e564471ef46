// The names of option values, as the CLI spells them and the JSON reports record them.
#pragma once

#include <array>

#include "qac/accuracy_control.h"
#include "qac/options.h"

namespace qac {

const char* preset_name(Preset preset);                        // auto, performance, mixed
const char* model_type_name(ModelType type);                   // default, transformer
const char* estimator_name(RangeEstimator estimator);          // minmax, mean_minmax, quantile, mse, kl
const char* target_name(Target target);                       // host, cpu-avx2, cpu-vnni, cpu-arm, openvino, any
const char* overflow_fix_name(OverflowFix fix);               // auto, disable, first_layer, enable
const char* restore_mode_name(RestoreMode mode);               // activations_and_weights, only_activations
const char* strategy_name(SearchStrategy strategy);            // qac, nncf
const char* bias_correction_name(BiasCorrection mode);         // none, fast, full
const char* drop_type_name(DropType type);                    // absolute, relative

// Every value of each option, in the order the CLI and the Python package list them: the one
// list that programs parsing the names above walk.
inline constexpr std::array kPresetValues = {Preset::kTargetDefault, Preset::kPerformance, Preset::kMixed};
inline constexpr std::array kModelTypeValues = {ModelType::kDefault, ModelType::kTransformer};
inline constexpr std::array kEstimatorValues = {RangeEstimator::kMinMax, RangeEstimator::kMeanMinMax,
                                                RangeEstimator::kQuantile, RangeEstimator::kMse, RangeEstimator::kKl};
inline constexpr std::array kTargetValues = {Target::kHost,    Target::kCpuAvx2,  Target::kCpuVnni,
                                             Target::kCpuArm,  Target::kOpenVino, Target::kAny};
inline constexpr std::array kOverflowFixValues = {OverflowFix::kFromTarget, OverflowFix::kDisable,
                                                  OverflowFix::kFirstLayer, OverflowFix::kEnable};
inline constexpr std::array kRestoreModeValues = {RestoreMode::kActivationsAndWeights, RestoreMode::kOnlyActivations};
inline constexpr std::array kStrategyValues = {SearchStrategy::kQac, SearchStrategy::kNncf};
inline constexpr std::array kDropTypeValues = {DropType::kAbsolute, DropType::kRelative};
inline constexpr std::array kBiasCorrectionValues = {BiasCorrection::kFast, BiasCorrection::kFull,
                                                     BiasCorrection::kNone};

}  // namespace qac
