#include "metrics/metric_ctc.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/content_hash.h"

namespace qac {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const char* score_name(CtcScore score) {
  return score == CtcScore::kExactMatch ? "ctc-exact" : "ctc-cer";
}

double one_minus_cer(const std::string& decoded, const std::string& truth) {
  const std::u32string d = utf8_code_points(decoded);
  const std::u32string t = utf8_code_points(truth);
  const double errors = static_cast<double>(levenshtein(d, t));
  return 1.0 - errors / static_cast<double>(std::max<size_t>(1, t.size()));
}

}  // namespace

std::string CtcMetric::identity() const {
  ContentHash h;
  for (const std::string& entry : dictionary_.entries()) h.add_field(entry);
  return name() + " output " + std::to_string(output_index_) + " dictionary " + h.hex();
}

CtcMetric::CtcMetric(CtcScore score, CtcDictionary dictionary, int output_index)
    : PerSampleMetric(score_name(score), /*needs_labels=*/true, /*needs_reference=*/false),
      score_(score),
      dictionary_(std::move(dictionary)),
      output_index_(output_index) {}

void CtcMetric::reset() {
  PerSampleMetric::reset();
  decoded_.clear();
}

Status CtcMetric::score_batch(size_t first, const std::vector<Tensor>& outputs,
                              const std::vector<Tensor>&, const Labels* labels,
                              std::vector<double>& scores) {
  if (labels->texts.empty() && labels->size() > 0) {
    return Status::InvalidArgument(prefix() +
                                   "needs text labels (labels.json), but the labels are class ids");
  }
  QAC_ASSIGN_OR_RETURN(const Tensor* out, select_output(outputs, output_index_, name(), "output"));
  if (out->shape.size() != 3) {
    return Status::InvalidData(prefix() + "output " + std::to_string(output_index_) +
                               " has shape " + shape_to_string(out->shape) +
                               "; expected [N, T, C] CTC scores");
  }
  const int64_t classes = out->shape[2];
  if (classes != class_texts_classes_) {
    auto texts = dictionary_.class_texts(classes);
    if (!texts.ok()) return texts.status().with_context("metric " + name());
    class_texts_ = std::move(*texts);
    class_texts_classes_ = classes;
  }
  const auto samples = static_cast<size_t>(out->shape[0]);
  const auto steps = static_cast<size_t>(out->shape[1]);
  const size_t per_sample = steps * static_cast<size_t>(classes);
  const std::vector<float> values = out->to_float();
  for (size_t i = 0; i < samples; ++i) {
    const size_t sample = first + i;
    if (sample >= labels->texts.size()) {
      return Status::InvalidData(prefix() + "sample " + std::to_string(sample) +
                                 " has no label (there are " +
                                 std::to_string(labels->texts.size()) + ")");
    }
    const float* begin = values.data() + i * per_sample;
    std::string text = ctc_greedy_decode(begin, steps, static_cast<size_t>(classes), class_texts_);
    const std::string& truth = labels->texts[sample];
    if (!std::all_of(begin, begin + per_sample, [](float v) { return std::isfinite(v); })) {
      scores.push_back(kNaN);
    } else if (score_ == CtcScore::kExactMatch) {
      scores.push_back(text == truth ? 1.0 : 0.0);
    } else {
      scores.push_back(one_minus_cer(text, truth));
    }
    decoded_.push_back(std::move(text));
  }
  return Status::Ok();
}

}  // namespace qac
