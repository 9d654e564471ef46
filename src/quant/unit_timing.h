// Kernel timing of node units: each unit of an ONNX Runtime-form setup is cut out of the model
// as a one-unit model, in float and in the QDQ form qac emits, and both are run in ONNX
// Runtime (all optimizations, one thread) on inputs of the shapes seen during calibration. The
// profiler's per-node times split the int8 form into the QuantizeLinear of each input, the int8
// kernel ONNX Runtime made of the unit, and the DequantizeLinear of its output; the float form
// gives the float kernel's time. Layout conversions at the borders of the one-unit model
// (Transpose to NHWC, NCHWc reorders), which inside a model are shared by runs of neighbouring
// ops, are left out of both.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "qac/status.h"
#include "quant/placement.h"
#include "quant/scheme.h"
#include "quant/tensor_stats.h"
#include "quant/timing_cache.h"

namespace qac {

struct UnitTiming {
  std::string unit_id;
  double float_us = 0;  // the op (and its folded Relu/Clip) in float
  double int8_us = 0;   // what ONNX Runtime ran for the unit's QDQ form between its input
                        // QuantizeLinear and output DequantizeLinear (the int8 kernel when fused)
  std::map<std::string, double> quantize_input_us;  // QuantizeLinear of each activation input tensor
  double dequantize_output_us = 0;                  // DequantizeLinear of the unit's output
  std::vector<std::string> int8_kernels;            // op types ONNX Runtime ran for the int8 form
                                                    // (empty when read from a TimingCache)
};

struct UnitTimingOptions {
  int runs = 15;    // profiled runs per one-unit model; each node's median is used
  int warmup = 3;   // untimed runs first
  ActivationTypes activation_types = ActivationTypes::kUInt8Only;
  const TimingCache* cache = nullptr;  // measurements reused and stored there (may be null)
};

// `float_model` in the QDQ form of `setup` with provisional parameters: activation ranges from
// the min/max in `stats` (ranges of tensors without statistics: [-1, 1]), weights per channel
// over their full range. For timing only: kernels take the same time whatever the parameters.
Result<onnx::ModelProto> emit_for_timing(const onnx::ModelProto& float_model, const QuantizerSetup& setup,
                                         const std::map<std::string, TensorStats>& stats, ActivationTypes types);

// Times `unit` of `setup` (placed on `fp32`), with input shapes from `stats` (sample_shape() of
// each activation input, batch 1). nullopt when the unit cannot be cut out on its own: an input
// that is neither one of its activation inputs nor an initializer, or an input without
// statistics. Errors: ONNX Runtime failing to build or run a one-unit model (naming the unit).
Result<std::optional<UnitTiming>> time_unit(const onnx::ModelProto& fp32, const QuantizerSetup& setup,
                                            const QuantUnit& unit, const std::map<std::string, TensorStats>& stats,
                                            const UnitTimingOptions& options);

// What a MaxPool that moves int8 data costs beyond its float kernel when the data it reads
// comes from a float op: ONNX Runtime moves the QuantizeLinear above it (QDQ propagation) and,
// with no NHWC neighbour to join, runs it as an NCHW uint8 MaxPool, whose kernel is much slower
// than the float one (after an int8 unit it joins the unit's NHWC layout and is cheap).
// `node` is the MaxPool's index in `fp32`; its input's sample shape comes from `stats`.
// nullopt when the input has no statistics. Errors as for time_unit().
Result<std::optional<double>> time_uint8_maxpool_penalty(const onnx::ModelProto& fp32, int node,
                                                         const std::map<std::string, TensorStats>& stats,
                                                         const UnitTimingOptions& options);

}  // namespace qac
