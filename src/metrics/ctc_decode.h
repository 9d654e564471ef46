// CTC greedy decoding for OCR recognizers (PaddleOCR PP-OCR layout) and the string
// comparisons the OCR metrics use.
//
// Class layout of a recognizer output [N, T, C]: class 0 is the CTC blank, class i in
// 1..D is line i of the dictionary file (D lines), and when C == D + 2 class D + 1 is a space
// (PaddleOCR's use_space_char). ppocr_keys_v1.txt has 6623 lines: C = 6625.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "qac/status.h"
#include "qac/tensor.h"

namespace qac {

inline constexpr int64_t kCtcBlank = 0;

class CtcDictionary {
 public:
  // One entry per line (UTF-8; '\r' line ends and a leading BOM are dropped; a final newline
  // does not start an entry). NotFound for a missing file, InvalidData for an empty one.
  static Result<CtcDictionary> load(const std::filesystem::path& path);
  explicit CtcDictionary(std::vector<std::string> entries, std::string label = "dictionary")
      : entries_(std::move(entries)), label_(std::move(label)) {}

  size_t size() const { return entries_.size(); }
  const std::vector<std::string>& entries() const { return entries_; }
  const std::string& label() const { return label_; }

  // The text of every class of an output with `classes` classes: "" for the blank, the
  // entries, then " " when classes == size() + 2. InvalidData when `classes` is neither
  // size() + 1 nor size() + 2.
  Result<std::vector<std::string>> class_texts(int64_t classes) const;

 private:
  std::vector<std::string> entries_;
  std::string label_;
};

// Greedy decoding of one sample's scores [steps, classes] (row-major): per step the argmax
// class (first maximum on ties), consecutive repeats collapsed, blanks dropped, the remaining
// classes' texts concatenated. REQUIRES: class_texts.size() == classes.
std::string ctc_greedy_decode(const float* scores, size_t steps, size_t classes,
                              const std::vector<std::string>& class_texts);

// Decodes every sample of `scores` [N, T, C]. InvalidData when the rank or C does not fit.
Result<std::vector<std::string>> ctc_greedy_decode_batch(const Tensor& scores,
                                                         const CtcDictionary& dictionary);

// Unicode code points of UTF-8 text; each byte of an invalid sequence becomes U+FFFD.
std::u32string utf8_code_points(std::string_view text);

// Edit distance (insertions, deletions, substitutions, each costing 1).
size_t levenshtein(std::u32string_view a, std::u32string_view b);

}  // namespace qac
