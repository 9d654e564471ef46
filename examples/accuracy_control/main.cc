// Quantizes a classifier with accuracy control through qac's installed public API, with the
// validation metric written here: top-1 accuracy against the dataset's class labels.
//
// usage: accuracy_control_example MODEL CALIBRATION_DIR VALIDATION_DIR OUTPUT [MAX_DROP]
// Exit codes: 0 budget met, 1 error, 2 bad command line, 3 best model written but budget missed.
#include <qac/accuracy_control.h>
#include <qac/dataset.h>
#include <qac/metric.h>
#include <qac/model.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitBudgetNotMet = 3;
constexpr double kDefaultMaxDrop = 0.01;
constexpr size_t kCalibrationSamples = 300;
constexpr size_t kRankingSamples = 100;

// Top-1 accuracy of output 0, shaped [N, C] float32: per sample 1 when the argmax (the first
// maximum) equals the label, else 0; the dataset value is the mean of the per-sample values.
class Top1Accuracy : public qac::Metric {
 public:
  std::string name() const override { return "example-top1"; }
  bool needs_labels() const override { return true; }
  bool needs_reference() const override { return false; }

  qac::Status add_batch(size_t first, const std::vector<qac::Tensor>& outputs,
                        const std::vector<qac::Tensor>& /*reference*/, const qac::Labels* labels) override {
    if (labels == nullptr || labels->classes.empty()) {
      return qac::Status::InvalidArgument(name() + " needs integer class labels (labels.npy)");
    }
    if (outputs.empty() || outputs[0].dtype != qac::DType::kFloat32 || outputs[0].shape.size() != 2) {
      return qac::Status::InvalidData(name() + " expects output 0 to be float32 [N, C] scores");
    }
    const qac::Tensor& scores = outputs[0];
    const size_t samples = static_cast<size_t>(scores.shape[0]);
    const size_t classes = static_cast<size_t>(scores.shape[1]);
    const float* data = scores.data<float>();
    for (size_t i = 0; i < samples; ++i) {
      if (first + i >= labels->classes.size()) {
        return qac::Status::InvalidData(name() + ": sample " + std::to_string(first + i) + " has no label");
      }
      const float* row = data + i * classes;
      size_t best = 0;
      for (size_t c = 1; c < classes; ++c) {
        if (row[c] > row[best]) best = c;
      }
      const bool correct = static_cast<int64_t>(best) == labels->classes[first + i];
      per_sample_.push_back(correct ? 1.0 : 0.0);
    }
    return qac::Status::Ok();
  }

  qac::Result<qac::MetricValue> finish() override {
    if (per_sample_.empty()) return qac::Status::InvalidData(name() + ": no sample was evaluated");
    qac::MetricValue v;
    double sum = 0;
    for (double x : per_sample_) sum += x;
    v.value = sum / static_cast<double>(per_sample_.size());
    v.per_sample = per_sample_;
    return v;
  }

  void reset() override { per_sample_.clear(); }

 private:
  std::vector<double> per_sample_;
};

int fail(const qac::Status& status) {
  std::fprintf(stderr, "accuracy_control_example: %s\n", status.to_string().c_str());
  return kExitError;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::fprintf(stderr, "usage: %s MODEL CALIBRATION_DIR VALIDATION_DIR OUTPUT [MAX_DROP]\n", argv[0]);
    return kExitUsage;
  }
  const std::string output = argv[4];

  auto model = qac::Model::load(argv[1]);
  if (!model.ok()) return fail(model.status());
  auto calibration = qac::open_dataset(argv[2]);
  if (!calibration.ok()) return fail(calibration.status());
  auto validation = qac::open_dataset(argv[3]);
  if (!validation.ok()) return fail(validation.status());

  // NNCF's parameter names: max_drop, drop_type, preset, subset_size, ranking_subset_size, ...
  qac::AccuracyControlOptions options;
  options.max_drop = kDefaultMaxDrop;
  if (argc == 6) {
    char* end = nullptr;
    options.max_drop = std::strtod(argv[5], &end);
    if (end == argv[5] || *end != '\0' || !(options.max_drop >= 0)) {
      std::fprintf(stderr, "accuracy_control_example: MAX_DROP must be a non-negative number, got '%s'\n", argv[5]);
      return kExitUsage;
    }
  }
  options.drop_type = qac::DropType::kAbsolute;
  options.preset = qac::Preset::kPerformance;
  options.subset_size = kCalibrationSamples;
  options.ranking_subset_size = kRankingSamples;

  // A fresh metric for every evaluation: metrics are streamed and stateful.
  qac::MetricFactory validate = []() -> qac::Result<std::unique_ptr<qac::Metric>> {
    return std::unique_ptr<qac::Metric>(std::make_unique<Top1Accuracy>());
  };

  qac::AccuracyControlReport report;
  auto quantized = qac::quantize_with_accuracy_control(*model, **calibration, **validation, validate, options, &report);
  if (!quantized.ok()) return fail(quantized.status());
  if (qac::Status s = quantized->save(output); !s.ok()) return fail(s);

  std::printf("model written to %s\n%s", output.c_str(), report.summary().c_str());
  return report.budget_met ? kExitOk : kExitBudgetNotMet;
}
