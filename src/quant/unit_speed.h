// Which node units pay in int8, from their kernel timings (quant/unit_timing.h).
//
// The cost of a unit in int8 is its int8 kernel plus the QuantizeLinear of each input that no
// int8 unit produces (directly or through data-movement ops) plus the DequantizeLinear of its
// output when something other than an int8 unit reads it (a float op or a graph output), plus,
// for an input that a MaxPool moves from a float producer, what that MaxPool costs in uint8
// beyond float (quant/unit_timing.h: time_uint8_maxpool_penalty). Its
// cost in float is its float kernel. The selection minimizes the total over all timed units, a
// float unit counted at kKeepInt8Below of its float time (int8 must save more than 5% to be
// kept: less is no measurable speed, and float is exact). Neighbours interact (turning a unit
// float makes its neighbours need a Q or DQ, or a MaxPool between them run in uint8), so the
// search starts with every unit in int8 and flips, one at a time, the unit whose flip lowers
// the total most, until no flip lowers it.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "graph/graph_view.h"
#include "quant/placement.h"
#include "quant/unit_timing.h"

namespace qac {

inline constexpr double kKeepInt8Below = 0.95;

struct UnitSpeedDecision {
  std::string unit_id;
  double int8_cost_us = 0;   // with the Q/DQ its neighbours in the final selection require
  double float_cost_us = 0;
  bool keep_int8 = true;
};

// Decisions for the timed units of `setup` (placed on `view`'s graph), in unit order; units
// without a timing are kept in int8 and not listed. `maxpool_penalty_us` (by node index of a
// MaxPool among setup.data_movers, from time_uint8_maxpool_penalty) is added to the int8 cost
// of a unit whose input runs through that MaxPool from a float producer.
std::vector<UnitSpeedDecision> select_units_by_speed(const GraphView& view, const QuantizerSetup& setup,
                                                     const std::map<std::string, UnitTiming>& timings,
                                                     const std::map<int, double>& maxpool_penalty_us = {});

// `setup` without the units in `float_units`: their weight quantizers are dropped, they are
// listed in `skipped` with `reasons[unit id]`, unit_tensors keeps only the tensors the remaining
// units read or write, and `activations` is resolved again. Errors: those of unit resolution.
Status drop_units(const GraphView& view, QuantizerSetup& setup, const std::set<std::string>& float_units,
                  const std::map<std::string, std::string>& reasons);

// Times every unit of `setup` (placed on `fp32`, shapes from `stats`) and selects with
// select_units_by_speed(). The per-unit model cannot see every layout choice ONNX Runtime makes
// for a whole graph, so the selection is then checked on whole models: the model with every
// unit, with the selected units and with none (float, `fp32` itself) are timed on `sample`
// (interleaved, 1 thread, provisional parameters) and the fastest wins; models within 3% of it
// count as equally fast, and of those the one with the fewest units in int8 wins. Units that do not run
// in int8 in the winner are dropped, each reported in `skipped` with its timings. `log`
// receives one line per dropped unit and a summary. `float_cost_us` (may be null) receives, for
// every timed unit, its float cost minus its int8 cost as select_units_by_speed() saw them.
// Errors: a model that ONNX Runtime cannot build or run, unit resolution.
Status keep_units_that_pay(const onnx::ModelProto& fp32, QuantizerSetup& setup,
                           const std::map<std::string, TensorStats>& stats, const NamedTensors& sample,
                           const UnitTimingOptions& options, std::vector<std::string>* log,
                           std::map<std::string, double>* float_cost_us = nullptr);

}  // namespace qac
