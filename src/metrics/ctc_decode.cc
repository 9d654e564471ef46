#include "metrics/ctc_decode.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace qac {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr char32_t kReplacementChar = 0xFFFD;
constexpr const char* kSpaceClassText = " ";

// Length of the UTF-8 sequence announced by `lead`, 0 when it cannot start one.
size_t utf8_sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 0;
}

}  // namespace

Result<CtcDictionary> CtcDictionary::load(const std::filesystem::path& path) {
  const std::string label = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("CTC dictionary '" + label + "' cannot be opened");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.erase(0, kUtf8Bom.size());
  std::vector<std::string> entries;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    entries.push_back(std::move(line));
    start = end + 1;
  }
  if (entries.empty()) return Status::InvalidData("CTC dictionary '" + label + "' is empty");
  return CtcDictionary(std::move(entries), label);
}

Result<std::vector<std::string>> CtcDictionary::class_texts(int64_t classes) const {
  const auto entries = static_cast<int64_t>(entries_.size());
  const int64_t without_space = entries + 1;  // blank + entries
  const int64_t with_space = entries + 2;     // blank + entries + space
  if (classes != without_space && classes != with_space) {
    return Status::InvalidData(
        "the model output has " + std::to_string(classes) + " classes but CTC dictionary '" +
        label_ + "' has " + std::to_string(entries) + " entries (expected " +
        std::to_string(without_space) + " = blank + entries, or " + std::to_string(with_space) +
        " = blank + entries + space)");
  }
  std::vector<std::string> texts;
  texts.reserve(static_cast<size_t>(classes));
  texts.emplace_back();  // kCtcBlank
  texts.insert(texts.end(), entries_.begin(), entries_.end());
  if (classes == with_space) texts.emplace_back(kSpaceClassText);
  return texts;
}

std::string ctc_greedy_decode(const float* scores, size_t steps, size_t classes,
                              const std::vector<std::string>& class_texts) {
  std::string decoded;
  size_t previous = static_cast<size_t>(kCtcBlank);
  for (size_t t = 0; t < steps; ++t) {
    const float* row = scores + t * classes;
    size_t best = 0;
    for (size_t c = 1; c < classes; ++c) {
      if (row[c] > row[best]) best = c;
    }
    if (best != static_cast<size_t>(kCtcBlank) && best != previous) decoded += class_texts[best];
    previous = best;
  }
  return decoded;
}

Result<std::vector<std::string>> ctc_greedy_decode_batch(const Tensor& scores,
                                                         const CtcDictionary& dictionary) {
  if (scores.shape.size() != 3) {
    return Status::InvalidData("CTC decoding expects scores shaped [N, T, C], got " +
                               shape_to_string(scores.shape));
  }
  QAC_ASSIGN_OR_RETURN(auto texts, dictionary.class_texts(scores.shape[2]));
  const auto samples = static_cast<size_t>(scores.shape[0]);
  const auto steps = static_cast<size_t>(scores.shape[1]);
  const auto classes = static_cast<size_t>(scores.shape[2]);
  const std::vector<float> values = scores.to_float();
  std::vector<std::string> decoded;
  decoded.reserve(samples);
  for (size_t i = 0; i < samples; ++i) {
    decoded.push_back(ctc_greedy_decode(values.data() + i * steps * classes, steps, classes, texts));
  }
  return decoded;
}

std::u32string utf8_code_points(std::string_view text) {
  std::u32string out;
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t length = utf8_sequence_length(lead);
    bool valid = length > 0 && i + length <= text.size();
    char32_t cp = 0;
    if (valid) {
      static constexpr unsigned char kLeadMask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
      cp = lead & kLeadMask[length];
      for (size_t k = 1; k < length; ++k) {
        const auto cont = static_cast<unsigned char>(text[i + k]);
        if ((cont & 0xC0) != 0x80) { valid = false; break; }
        cp = (cp << 6) | (cont & 0x3F);
      }
    }
    if (!valid) {
      out.push_back(kReplacementChar);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += length;
  }
  return out;
}

size_t levenshtein(std::u32string_view a, std::u32string_view b) {
  // Two-row dynamic programme: row[j] = distance between a[0, i) and b[0, j).
  std::vector<size_t> previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

}  // namespace qac
