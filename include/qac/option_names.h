// The names of option values, as the CLI spells them and the JSON reports record them.
#pragma once

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

}  // namespace qac
