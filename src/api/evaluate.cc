#include "qac/evaluate.h"

#include <algorithm>
#include <memory>

#include "core/log.h"
#include "evaluation/evaluator.h"
#include "runtime/batching.h"
#include "runtime/session.h"

namespace qac {
namespace {

Result<std::unique_ptr<Session>> open_session(const Model& model, const EvaluateOptions& options) {
  SessionOptions so;
  so.optimization = options.optimizations ? OptimizationLevel::kAll : OptimizationLevel::kDisabled;
  so.intra_op_threads = options.threads;
  return Session::create(model.serialize(), so, model.label());
}

}  // namespace

Result<EvaluateResult> evaluate_model(const Model& model, const Model* reference, const Dataset& data, Metric& metric,
                                      const EvaluateOptions& options) {
  QAC_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, open_session(model, options));
  std::unique_ptr<Session> reference_session;
  if (reference) {
    QAC_ASSIGN_OR_RETURN(reference_session, open_session(*reference, options));
  }
  QAC_RETURN_IF_ERROR(check_dataset_matches(data, session->inputs(), model.label()));
  EvaluationOptions eo;
  eo.limit = options.limit;
  eo.batch_size = options.batch_size;
  EvaluateResult result;
  const size_t probed = options.limit ? std::min(options.limit, data.size()) : data.size();
  QAC_ASSIGN_OR_RETURN(eo.batch_size,
                       batch_size_for(*session, model.label(), data, probed, options.batch_size, &result.batch_note));
  if (!result.batch_note.empty()) {
    QAC_LOG(kWarning) << result.batch_note;
  }
  metric.reset();
  QAC_ASSIGN_OR_RETURN(result.metric, evaluate(*session, reference_session.get(), data, metric, eo));
  return result;
}

}  // namespace qac
