// The names of option values, as the CLI spells them and the JSON reports record them.
#pragma once

#include "qac/accuracy_control.h"
#include "qac/options.h"

namespace qac {

const char* preset_name(Preset preset);                        // auto, performance, mixed
const char* model_type_name(ModelType type);                   // default, transformer
const char* estimator_name(RangeEstimator estimator);          // minmax, mean_minmax, quantile, mse, kl
const char* overflow_fix_name(OverflowFix fix);         // disable, first_layer, enable
const char* restore_mode_name(RestoreMode mode);               // activations_and_weights, only_activations
const char* strategy_name(SearchStrategy strategy);            // qac, nncf
// fast, full or none, from bias_correction and fast_bias_correction.
const char* bias_correction_name(const QuantizationOptions& options);

}  // namespace qac
