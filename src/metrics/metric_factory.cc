// make_metric and builtin_metric_names (include/qac/metric.h).
#include <charconv>
#include <string_view>

#include "metrics/ctc_decode.h"
#include "metrics/metric_classification.h"
#include "metrics/metric_ctc.h"
#include "metrics/metric_similarity.h"
#include "qac/metric.h"

namespace qac {
namespace {

constexpr std::string_view kTop1 = "top1";
constexpr std::string_view kTop5 = "top5";
constexpr std::string_view kTopKPrefix = "topk:";
constexpr std::string_view kAgreement = "agreement";
constexpr std::string_view kSqnr = "sqnr";
constexpr std::string_view kCosine = "cosine";
constexpr std::string_view kNmse = "nmse";
constexpr std::string_view kCtcExact = "ctc-exact";
constexpr std::string_view kCtcCer = "ctc-cer";
constexpr int kTop5K = 5;

std::string known_names() {
  std::string out;
  for (const std::string& n : builtin_metric_names()) out += (out.empty() ? "" : ", ") + n;
  return out;
}

Result<int> parse_k(const std::string& name) {
  const std::string_view digits = std::string_view(name).substr(kTopKPrefix.size());
  int k = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), k);
  if (ec != std::errc() || end != digits.data() + digits.size() || k < 1) {
    return Status::InvalidArgument("metric '" + name + "': K must be a positive integer (topk:K)");
  }
  return k;
}

Status check_single_output(const MetricSpec& spec) {
  if (spec.output_index < 0) {
    return Status::InvalidArgument("metric '" + spec.name + "' reads one output; output index " +
                                   std::to_string(spec.output_index) + " is not valid");
  }
  return Status::Ok();
}

Result<std::unique_ptr<Metric>> make_ctc(const MetricSpec& spec, CtcScore score) {
  QAC_RETURN_IF_ERROR(check_single_output(spec));
  if (spec.dictionary_path.empty()) {
    return Status::InvalidArgument("metric '" + spec.name +
                                   "' needs a dictionary file (one character per line)");
  }
  QAC_ASSIGN_OR_RETURN(CtcDictionary dictionary, CtcDictionary::load(spec.dictionary_path));
  return std::unique_ptr<Metric>(
      std::make_unique<CtcMetric>(score, std::move(dictionary), spec.output_index));
}

}  // namespace

std::vector<std::string> builtin_metric_names() {
  return {std::string(kTop1),  std::string(kTop5),   std::string(kTopKPrefix) + "K",
          std::string(kAgreement), std::string(kSqnr), std::string(kCosine),
          std::string(kNmse),  std::string(kCtcExact), std::string(kCtcCer)};
}

Result<std::unique_ptr<Metric>> make_metric(const MetricSpec& requested) {
  MetricSpec spec = requested;
  const std::string& name = spec.name;
  const bool similarity = name == kSqnr || name == kCosine || name == kNmse;
  if (spec.output_index == kDefaultOutput) spec.output_index = similarity ? kEveryOutput : 0;
  if (spec.output_index < kEveryOutput || (spec.output_index < 0 && !similarity)) {
    return Status::InvalidArgument("metric '" + name + "': output index " +
                                   std::to_string(spec.output_index) + " is not valid");
  }
  if (name == kTop1 || name == kTop5 || name.rfind(kTopKPrefix, 0) == 0) {
    QAC_RETURN_IF_ERROR(check_single_output(spec));
    int k = 1;
    if (name == kTop5) {
      k = kTop5K;
    } else if (name != kTop1) {
      QAC_ASSIGN_OR_RETURN(k, parse_k(name));
    }
    return std::unique_ptr<Metric>(std::make_unique<TopKMetric>(name, k, spec.output_index));
  }
  if (name == kAgreement) {
    QAC_RETURN_IF_ERROR(check_single_output(spec));
    return std::unique_ptr<Metric>(std::make_unique<AgreementMetric>(spec.output_index));
  }
  if (name == kSqnr) {
    return std::unique_ptr<Metric>(std::make_unique<SimilarityMetric>(SimilarityKind::kSqnr, spec.output_index));
  }
  if (name == kCosine) {
    return std::unique_ptr<Metric>(std::make_unique<SimilarityMetric>(SimilarityKind::kCosine, spec.output_index));
  }
  if (name == kNmse) {
    return std::unique_ptr<Metric>(std::make_unique<SimilarityMetric>(SimilarityKind::kNmse, spec.output_index));
  }
  if (name == kCtcExact) return make_ctc(spec, CtcScore::kExactMatch);
  if (name == kCtcCer) return make_ctc(spec, CtcScore::kOneMinusCer);
  return Status::InvalidArgument("unknown metric '" + name + "' (built-in metrics: " +
                                 known_names() + ")");
}

}  // namespace qac
