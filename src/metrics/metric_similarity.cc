#include "metrics/metric_similarity.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qac {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kDecibelsPerDecade = 10.0;

const char* kind_name(SimilarityKind kind) {
  switch (kind) {
    case SimilarityKind::kSqnr: return "sqnr";
    case SimilarityKind::kCosine: return "cosine";
    case SimilarityKind::kNmse: return "nmse";
  }
  return "?";
}

// SQNR = 10 log10(ref_energy / error_energy), clamped to [-kSqnrCapDb, kSqnrCapDb].
double sqnr(const SimilaritySums& s) {
  if (s.error_energy == 0) return kSqnrCapDb;
  if (s.ref_energy == 0) return -kSqnrCapDb;
  const double db = kDecibelsPerDecade * std::log10(s.ref_energy / s.error_energy);
  return std::clamp(db, -kSqnrCapDb, kSqnrCapDb);
}

// cos = dot / (|out| |ref|); 1 when both are zero, 0 when exactly one is.
double cosine(const SimilaritySums& s) {
  if (s.out_energy == 0 && s.ref_energy == 0) return 1.0;
  if (s.out_energy == 0 || s.ref_energy == 0) return 0.0;
  return std::clamp(s.dot / std::sqrt(s.out_energy * s.ref_energy), -1.0, 1.0);
}

// -error_energy / ref_energy, or -error_energy / count when ref is all zero.
double negative_nmse(const SimilaritySums& s) {
  if (s.ref_energy > 0) return -s.error_energy / s.ref_energy;
  return s.count == 0 ? 0.0 : -s.error_energy / static_cast<double>(s.count);
}

// The compared outputs (one, or all for kAllOutputs) as floats, with their per-sample sizes.
struct ComparedOutputs {
  std::vector<std::vector<float>> out;
  std::vector<std::vector<float>> ref;
  std::vector<size_t> row_sizes;  // elements per sample of each output
};

}  // namespace

void SimilaritySums::add(const float* out, const float* ref, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const double o = out[i];
    const double r = ref[i];
    ref_energy += r * r;
    out_energy += o * o;
    error_energy += (o - r) * (o - r);
    dot += o * r;
  }
  count += n;
}

double similarity_value(SimilarityKind kind, const SimilaritySums& sums) {
  if (!std::isfinite(sums.ref_energy) || !std::isfinite(sums.out_energy) ||
      !std::isfinite(sums.error_energy) || !std::isfinite(sums.dot)) {
    return kNaN;
  }
  switch (kind) {
    case SimilarityKind::kSqnr: return sqnr(sums);
    case SimilarityKind::kCosine: return cosine(sums);
    case SimilarityKind::kNmse: return negative_nmse(sums);
  }
  return kNaN;
}

SimilarityMetric::SimilarityMetric(SimilarityKind kind, int output_index)
    : PerSampleMetric(kind_name(kind), /*needs_labels=*/false, /*needs_reference=*/true),
      kind_(kind),
      output_index_(output_index) {}

Status SimilarityMetric::score_batch(size_t, const std::vector<Tensor>& outputs,
                                     const std::vector<Tensor>& reference, const Labels*,
                                     std::vector<double>& scores) {
  std::vector<int> indices;
  if (output_index_ == kAllOutputs || output_index_ == kEveryOutput) {
    for (size_t i = 0; i < outputs.size(); ++i) indices.push_back(static_cast<int>(i));
  } else {
    indices.push_back(output_index_);
  }
  if (indices.empty()) return Status::InvalidData(prefix() + "the model returned no output");

  size_t samples = 0;
  ComparedOutputs compared;
  for (int index : indices) {
    QAC_ASSIGN_OR_RETURN(const Tensor* o, select_output(outputs, index, name(), "output"));
    QAC_ASSIGN_OR_RETURN(const Tensor* r, select_output(reference, index, name(), "reference output"));
    if (o->shape != r->shape) {
      return Status::InvalidData(prefix() + "output " + std::to_string(index) + " has shape " +
                                 shape_to_string(o->shape) + " but the reference has " +
                                 shape_to_string(r->shape));
    }
    const auto rows = static_cast<size_t>(o->shape[0]);
    if (index == indices.front()) {
      samples = rows;
    } else if (rows != samples) {
      return Status::InvalidData(prefix() + "output " + std::to_string(index) + " holds " +
                                 std::to_string(rows) + " samples but output " +
                                 std::to_string(indices.front()) + " holds " +
                                 std::to_string(samples));
    }
    compared.out.push_back(o->to_float());
    compared.ref.push_back(r->to_float());
    compared.row_sizes.push_back(rows == 0 ? 0 : o->numel() / rows);
  }
  std::vector<double> output_sums(compared.out.size(), 0.0);
  for (size_t i = 0; i < samples; ++i) {
    if (output_index_ == kEveryOutput) {
      double worst = std::numeric_limits<double>::infinity();
      for (size_t k = 0; k < compared.out.size(); ++k) {
        const size_t n = compared.row_sizes[k];
        SimilaritySums sums;
        sums.add(compared.out[k].data() + i * n, compared.ref[k].data() + i * n, n);
        const double v = similarity_value(kind_, sums);
        output_sums[k] += v;
        worst = std::isnan(v) || std::isnan(worst) ? std::nan("") : std::min(worst, v);
      }
      scores.push_back(worst);
      continue;
    }
    SimilaritySums sums;
    for (size_t k = 0; k < compared.out.size(); ++k) {
      const size_t n = compared.row_sizes[k];
      sums.add(compared.out[k].data() + i * n, compared.ref[k].data() + i * n, n);
    }
    scores.push_back(similarity_value(kind_, sums));
  }
  if (output_index_ == kEveryOutput) {
    if (output_sums_.empty()) output_sums_.assign(output_sums.size(), 0.0);
    if (output_sums_.size() != output_sums.size()) {
      return Status::InvalidData(prefix() + "the model returned " + std::to_string(output_sums.size()) +
                                 " outputs, earlier " + std::to_string(output_sums_.size()));
    }
    for (size_t k = 0; k < output_sums.size(); ++k) output_sums_[k] += output_sums[k];
  }
  return Status::Ok();
}

Result<MetricValue> SimilarityMetric::finish() {
  QAC_ASSIGN_OR_RETURN(MetricValue value, PerSampleMetric::finish());
  for (double sum : output_sums_) value.per_output.push_back(sum / static_cast<double>(value.per_sample.size()));
  return value;
}

void SimilarityMetric::reset() {
  PerSampleMetric::reset();
  output_sums_.clear();
}

}  // namespace qac
