// OCR metrics on a CTC recognizer output [N, T, C] decoded greedily (ctc_decode.h) and
// compared with the text labels: exact match, or 1 - character error rate.
#pragma once

#include "metrics/ctc_decode.h"
#include "metrics/metric_base.h"

namespace qac {

enum class CtcScore {
  kExactMatch,  // 1 when decoded == label, else 0
  kOneMinusCer, // 1 - Levenshtein(decoded, label) / max(1, len(label)), in code points
};

class CtcMetric : public PerSampleMetric {
 public:
  CtcMetric(CtcScore score, CtcDictionary dictionary, int output_index);

  // The texts decoded so far, in sample order (cleared by reset()).
  const std::vector<std::string>& decoded() const { return decoded_; }
  // The name, the output read and a hash of the dictionary's entries.
  std::string identity() const override;
  void reset() override;

 protected:
  Status score_batch(size_t first, const std::vector<Tensor>& outputs,
                     const std::vector<Tensor>& reference, const Labels* labels,
                     std::vector<double>& scores) override;

 private:
  CtcScore score_;
  CtcDictionary dictionary_;
  int output_index_;
  std::vector<std::string> decoded_;
  int64_t class_texts_classes_ = -1;       // the class count class_texts_ was built for
  std::vector<std::string> class_texts_;   // dictionary_.class_texts(class_texts_classes_)
};

}  // namespace qac
