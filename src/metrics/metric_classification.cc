#include "metrics/metric_classification.h"

#include <cmath>
#include <limits>

namespace qac {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The [N, C] scores of output `index`, as floats, or InvalidData naming the metric.
struct ClassScores {
  std::vector<float> values;
  size_t samples = 0;
  size_t classes = 0;
  const float* row(size_t i) const { return values.data() + i * classes; }
};

Result<ClassScores> class_scores(const std::vector<Tensor>& outputs, int index,
                                 const std::string& metric_name, const char* what) {
  QAC_ASSIGN_OR_RETURN(const Tensor* t, select_output(outputs, index, metric_name, what));
  if (t->shape.size() != 2 || t->shape[1] < 1) {
    return Status::InvalidData("metric " + metric_name + ": " + what + " " + std::to_string(index) +
                               " has shape " + shape_to_string(t->shape) +
                               "; expected [N, C] class scores");
  }
  return ClassScores{t->to_float(), static_cast<size_t>(t->shape[0]), static_cast<size_t>(t->shape[1])};
}

bool all_finite(const float* row, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(row[i])) return false;
  }
  return true;
}

// Position of class `c` in argmax order (0 = the argmax).
size_t rank_of(const float* row, size_t classes, size_t c) {
  size_t rank = 0;
  for (size_t j = 0; j < classes; ++j) {
    if (row[j] > row[c] || (row[j] == row[c] && j < c)) ++rank;
  }
  return rank;
}

size_t argmax(const float* row, size_t classes) {
  size_t best = 0;
  for (size_t j = 1; j < classes; ++j) {
    if (row[j] > row[best]) best = j;
  }
  return best;
}

}  // namespace

TopKMetric::TopKMetric(std::string name, int k, int output_index)
    : PerSampleMetric(std::move(name), /*needs_labels=*/true, /*needs_reference=*/false),
      k_(k),
      output_index_(output_index) {}

Status TopKMetric::score_batch(size_t first, const std::vector<Tensor>& outputs,
                               const std::vector<Tensor>&, const Labels* labels,
                               std::vector<double>& scores) {
  if (labels->classes.empty() && labels->size() > 0) {
    return Status::InvalidArgument(prefix() +
                                   "needs integer class labels, but the labels are texts");
  }
  QAC_ASSIGN_OR_RETURN(ClassScores s, class_scores(outputs, output_index_, name(), "output"));
  for (size_t i = 0; i < s.samples; ++i) {
    QAC_ASSIGN_OR_RETURN(int64_t label, class_label(*labels, first + i, name()));
    if (label < 0 || static_cast<size_t>(label) >= s.classes) {
      return Status::InvalidData(prefix() + "label " + std::to_string(label) + " of sample " +
                                 std::to_string(first + i) + " is outside the " +
                                 std::to_string(s.classes) + " classes of output " +
                                 std::to_string(output_index_));
    }
    const float* row = s.row(i);
    if (!all_finite(row, s.classes)) {
      scores.push_back(kNaN);
      continue;
    }
    const bool hit = rank_of(row, s.classes, static_cast<size_t>(label)) < static_cast<size_t>(k_);
    scores.push_back(hit ? 1.0 : 0.0);
  }
  return Status::Ok();
}

AgreementMetric::AgreementMetric(int output_index)
    : PerSampleMetric("agreement", /*needs_labels=*/false, /*needs_reference=*/true),
      output_index_(output_index) {}

Status AgreementMetric::score_batch(size_t, const std::vector<Tensor>& outputs,
                                    const std::vector<Tensor>& reference, const Labels*,
                                    std::vector<double>& scores) {
  QAC_ASSIGN_OR_RETURN(ClassScores out, class_scores(outputs, output_index_, name(), "output"));
  QAC_ASSIGN_OR_RETURN(ClassScores ref,
                       class_scores(reference, output_index_, name(), "reference output"));
  if (out.samples != ref.samples || out.classes != ref.classes) {
    return Status::InvalidData(prefix() + "output " + std::to_string(output_index_) + " is [" +
                               std::to_string(out.samples) + ", " + std::to_string(out.classes) +
                               "] but the reference is [" + std::to_string(ref.samples) + ", " +
                               std::to_string(ref.classes) + "]");
  }
  for (size_t i = 0; i < out.samples; ++i) {
    if (!all_finite(out.row(i), out.classes) || !all_finite(ref.row(i), ref.classes)) {
      scores.push_back(kNaN);
      continue;
    }
    scores.push_back(argmax(out.row(i), out.classes) == argmax(ref.row(i), ref.classes) ? 1.0 : 0.0);
  }
  return Status::Ok();
}

}  // namespace qac
