// The basic 8-bit flow as stages, so that accuracy control can re-emit models with some
// quantizers removed without recomputing statistics:
//   prepare   : normalize, fold BatchNorm, place quantizers
//   calibrate : one statistics pass over the calibration subset
//   parameterize : ranges -> activation params, per-channel int8 weights, bias correction
//   emit      : QDQ model, optionally with a set of quantizers left out (reverted to float)
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <onnx/onnx_pb.h>

#include "qac/dataset.h"
#include "qac/options.h"
#include "qac/quantize.h"
#include "quant/groups.h"
#include "quant/placement.h"
#include "quant/qdq_emit.h"
#include "quant/statistics.h"
#include "quant/subgraph_models.h"
#include "quant/tensor_stats.h"

namespace qac {

struct SubgraphModel;

struct CalibratedModel {
  onnx::ModelProto fp32;  // normalized, BatchNorm folded: the float reference
  QuantizerSetup setup;
  std::map<std::string, TensorStats> stats;  // by tensor name
  QdqInputs params;                          // filled by parameterize()
  bool smoothed = false;                     // SmoothQuant already applied to fp32
  // Kernel timing, by unit id: the unit's float time minus its int8 time with the Q/DQ its
  // neighbours need (microseconds, one thread); empty when units were not timed.
  std::map<std::string, double> unit_float_cost_us;
  // The subgraphs (If branches, Loop and Scan bodies) of this model's graph quantized as models
  // of their own (quant/subgraph_models.h); their quantizer ids carry the subgraph's prefix in
  // `disabled` sets and groups.
  std::vector<SubgraphModel> subgraphs;
  std::vector<std::string> subgraph_log;  // subgraphs left in float, and why
};

struct SubgraphModel {
  SubgraphSite site;
  onnx::ModelProto original;  // the subgraph model before quantization
  CalibratedModel body;
  std::shared_ptr<const Dataset> calibration;  // its captured calibration samples (after calibrate)
  QuantizationReport report;                   // what the stages decided for the branch
};

// Every quantizer group of `cm`, its subgraphs' groups included (ids prefixed with the
// subgraph's site, numbered after the enclosing graph's groups).
std::vector<QuantizerGroup> build_model_groups(const CalibratedModel& cm);

// Kernel timing's float cost of unit `id` (prefixed for a subgraph's unit), if it was timed.
std::optional<double> unit_float_cost(const CalibratedModel& cm, const std::string& id);

// Adds what the stages decided for the subgraphs of `cm` to `report`: normalization and
// decisions (prefixed with the subgraph), skipped nodes, quantizer counts, ranges.
void merge_subgraph_reports(const CalibratedModel& cm, QuantizationReport& report);

// Normalizes `model`, folds BatchNorm, places quantizers. Fills report->normalization,
// report->skipped and the placement decisions.
Result<CalibratedModel> prepare(onnx::ModelProto model, const QuantizationOptions& options,
                                QuantizationReport* report);

// Transformer models: first applies SmoothQuant (one abs-max pass, then quantizers are placed
// again on the smoothed model). Then collects statistics for every activation quantizer and for
// the inputs of weighted ops (per-channel means used by the fast bias correction).
// Quantizer ids may change here: build groups from cm.setup only after calibrate().
// Histograms (needed by the quantile, MSE and KL estimators) are collected when
// options.activation_estimator needs them or when `all_estimators` is set (parameterize() will
// then be called with other estimators, as tune_hyperparams does).
Status calibrate(CalibratedModel& cm, const Dataset& calibration, const QuantizationOptions& options,
                 QuantizationReport* report, bool all_estimators = false);

// What calibrate() observes: every activation quantizer's tensor, per-channel means of the inputs
// of weighted ops (fast bias correction), and histograms when the estimator (or all_estimators)
// needs them.
StatisticsRequest statistics_request(const CalibratedModel& cm, const QuantizationOptions& options,
                                     bool all_estimators);

// Turns statistics into quantization parameters for the given options (preset, estimator,
// overflow fix, bias correction). May be called again with other options: statistics are reused.
// `calibration` is used only by the full bias correction.
Status parameterize(CalibratedModel& cm, const QuantizationOptions& options, const Dataset* calibration,
                    QuantizationReport* report);

// The QDQ model with every quantizer whose id is in `disabled` left out; a weighted node whose
// weight quantizer is left out keeps its original FP32 weight and bias. In ONNX Runtime's form
// (cm.setup.units not empty) `disabled` names units ("unit:...") and weight quantizers; the
// activation quantizers follow from the enabled units (quant/unit_resolution.h). For the ONNX
// Runtime targets the float parts are then rewritten into forms ONNX Runtime runs faster
// (quant/channel_padding.h, quant/attention_fusion.h); each rewrite is a line of `log` for which
// is_graph_rewrite() holds.
Result<onnx::ModelProto> emit(const CalibratedModel& cm, const std::set<std::string>& disabled,
                              const QuantizationOptions& options, std::vector<std::string>* log);

// A line of emit()'s log that records a graph rewrite: a decision to report, not a detail.
bool is_graph_rewrite(std::string_view log_line);

}  // namespace qac
