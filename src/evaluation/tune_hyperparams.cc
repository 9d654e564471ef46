#include "evaluation/tune_hyperparams.h"

#include <sstream>

#include "qac/option_names.h"
#include "core/progress.h"

namespace qac {
namespace {

std::string describe(const QuantizationOptions& o) {
  std::ostringstream s;
  s << "preset=" << preset_name(o.preset) << " estimator=" << estimator_name(o.activation_estimator)
    << " bias_correction=" << bias_correction_name(o.bias_correction);
  return s.str();
}

}  // namespace

Result<TuneResult> tune_hyperparams(CalibratedModel& cm, const Dataset& calibration, ModelOracle& oracle,
                                    const QuantizationOptions& base, QuantizationReport* report) {
  std::vector<QuantizationOptions> grid;
  for (Preset p : {Preset::kPerformance, Preset::kMixed}) {
    for (RangeEstimator e : {RangeEstimator::kMeanMinMax, RangeEstimator::kMse, RangeEstimator::kQuantile}) {
      for (BiasCorrection bc : {BiasCorrection::kFast, BiasCorrection::kNone}) {
        QuantizationOptions o = base;
        o.preset = p;
        o.activation_estimator = e;
        o.bias_correction = bc;
        grid.push_back(o);
      }
    }
  }
  TuneResult result;
  bool have = false;
  Progress progress("tune_hyperparams", grid.size());
  for (const QuantizationOptions& o : grid) {
    QAC_RETURN_IF_ERROR(parameterize(cm, o, &calibration, nullptr));
    QAC_ASSIGN_OR_RETURN(Evaluation e, oracle.evaluate({}, {}));
    std::ostringstream line;
    line << describe(o) << ": metric " << e.metric;
    result.log.push_back(line.str());
    if (!have || e.metric > result.metric) {
      have = true;
      result.metric = e.metric;
      result.best = o;
    }
    progress.advance();
  }
  result.description = describe(result.best);
  QAC_RETURN_IF_ERROR(parameterize(cm, result.best, &calibration, report));
  return result;
}

}  // namespace qac
