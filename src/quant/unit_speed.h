// Which node units pay in int8, from their kernel timings (quant/unit_timing.h).
//
// The cost of a unit in int8 is its int8 kernel plus the QuantizeLinear of each input that no
// int8 unit produces (directly or through data-movement ops) plus the DequantizeLinear of its
// output when something other than an int8 unit reads it (a float op or a graph output). Its
// cost in float is its float kernel. Starting from every timed unit in int8, the unit whose
// int8 cost exceeds kKeepInt8Below times its float cost by the most is turned float, the costs
// of its neighbours are updated (they may now need a Q or DQ they did not), and so on until
// every remaining unit pays. A unit whose int8 form saves less than 5% of its float time is
// turned float: no measurable speed, and float is exact.
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
// without a timing are kept in int8 and not listed.
std::vector<UnitSpeedDecision> select_units_by_speed(const GraphView& view, const QuantizerSetup& setup,
                                                     const std::map<std::string, UnitTiming>& timings);

// `setup` without the units in `float_units`: their weight quantizers are dropped, they are
// listed in `skipped` with `reasons[unit id]`, unit_tensors keeps only the tensors the remaining
// units read or write, and `activations` is resolved again. Errors: those of unit resolution.
Status drop_units(const GraphView& view, QuantizerSetup& setup, const std::set<std::string>& float_units,
                  const std::map<std::string, std::string>& reasons);

// Times every unit of `setup` (placed on `fp32`, shapes from `stats`), selects with
// select_units_by_speed() and drops the units that do not pay, each reported in `skipped` with
// its timings. `log` receives one line per dropped unit and a summary.
// Errors: a one-unit model that ONNX Runtime cannot build or run, unit resolution.
Status keep_units_that_pay(const onnx::ModelProto& fp32, QuantizerSetup& setup,
                           const std::map<std::string, TensorStats>& stats, const UnitTimingOptions& options,
                           std::vector<std::string>* log);

}  // namespace qac
