#include "metrics/ctc_decode.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <limits>

#include "qac/metric.h"

namespace qac {
namespace {

namespace fs = std::filesystem;

class CtcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("qac_ctc_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    dictionary_ = dir_ / "keys.txt";
    std::ofstream(dictionary_, std::ios::binary) << "a\nb\n\xC3\xA9\n\xE4\xB8\xAD\n";  // a b é 中
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Scores [samples, steps, classes] that put all mass on the given class of each step.
  static Tensor one_hot(const std::vector<std::vector<int>>& steps_per_sample, int classes) {
    const auto samples = static_cast<int64_t>(steps_per_sample.size());
    const auto steps = static_cast<int64_t>(steps_per_sample[0].size());
    Tensor t(DType::kFloat32, {samples, steps, classes});
    for (int64_t i = 0; i < samples; ++i) {
      for (int64_t s = 0; s < steps; ++s) {
        t.data<float>()[(i * steps + s) * classes + steps_per_sample[i][s]] = 1.0f;
      }
    }
    return t;
  }

  fs::path dir_;
  fs::path dictionary_;
};

TEST_F(CtcTest, GreedyDecodeCollapsesRepeatsDropsBlanksAndMapsTheSpaceClass) {
  auto dict = CtcDictionary::load(dictionary_);
  ASSERT_TRUE(dict.ok()) << dict.status().to_string();
  EXPECT_EQ(dict->size(), 4u);
  // Classes: 0 blank, 1 'a', 2 'b', 3 'é', 4 '中', 5 ' '.
  const Tensor scores = one_hot({{1, 1, 0, 1, 2, 5, 3, 4, 4, 0}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}, 6);
  auto decoded = ctc_greedy_decode_batch(scores, *dict);
  ASSERT_TRUE(decoded.ok()) << decoded.status().to_string();
  EXPECT_EQ(*decoded, (std::vector<std::string>{"aab \xC3\xA9\xE4\xB8\xAD", ""}));

  // Without the space class (C = entries + 1).
  auto no_space = ctc_greedy_decode_batch(one_hot({{4, 0, 4, 3}}, 5), *dict);
  ASSERT_TRUE(no_space.ok());
  EXPECT_EQ((*no_space)[0], "\xE4\xB8\xAD\xE4\xB8\xAD\xC3\xA9");

  auto wrong = ctc_greedy_decode_batch(one_hot({{1}}, 7), *dict);
  EXPECT_EQ(wrong.status().code(), StatusCode::kInvalidData);
  EXPECT_NE(wrong.status().message().find("7 classes"), std::string::npos);
  EXPECT_NE(wrong.status().message().find("4 entries"), std::string::npos);
  EXPECT_NE(wrong.status().message().find("keys.txt"), std::string::npos);
}

TEST_F(CtcTest, DictionaryHandlesCrlfBomAndMissingFinalNewline) {
  std::ofstream(dir_ / "crlf.txt", std::ios::binary) << "\xEF\xBB\xBFx\r\ny\r\n z";
  auto dict = CtcDictionary::load(dir_ / "crlf.txt");
  ASSERT_TRUE(dict.ok());
  auto texts = dict->class_texts(5);
  ASSERT_TRUE(texts.ok());
  EXPECT_EQ(*texts, (std::vector<std::string>{"", "x", "y", " z", " "}));
  std::ofstream(dir_ / "empty.txt") << "";
  EXPECT_EQ(CtcDictionary::load(dir_ / "empty.txt").status().code(), StatusCode::kInvalidData);
  EXPECT_EQ(CtcDictionary::load(dir_ / "missing.txt").status().code(), StatusCode::kNotFound);
}

TEST(Utf8, CodePointsAndLevenshtein) {
  EXPECT_EQ(utf8_code_points("a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80"), (std::u32string{U'a', 0xE9, 0x4E2D, 0x1F600}));
  EXPECT_EQ(utf8_code_points("\xFF" "a\xC3"), (std::u32string{0xFFFD, U'a', 0xFFFD}));
  EXPECT_EQ(levenshtein(U"kitten", U"sitting"), 3u);
  EXPECT_EQ(levenshtein(U"", U"abc"), 3u);
  EXPECT_EQ(levenshtein(U"abc", U""), 3u);
  EXPECT_EQ(levenshtein(U"\u4E2D\u6587", U"\u4E2D"), 1u);
}

TEST_F(CtcTest, ExactMatchAndCharacterErrorRateMetrics) {
  Labels labels;
  labels.texts = {"aab \xC3\xA9\xE4\xB8\xAD", "ab \xC3\xA9\xE4\xB8\xAD" "x", "", "b"};
  // Decodes to "aab é中" for samples 0 and 1, "" for sample 2, "ab" for sample 3.
  const Tensor batch1 = one_hot({{1, 1, 0, 1, 2, 5, 3, 4}, {1, 0, 1, 2, 2, 5, 3, 4}}, 6);
  const Tensor batch2 = one_hot({{0, 0, 0, 0, 0, 0, 0, 0}, {1, 2, 0, 0, 0, 0, 0, 0}}, 6);

  MetricSpec exact_spec;
  exact_spec.name = "ctc-exact";
  exact_spec.dictionary_path = dictionary_.string();
  auto exact = make_metric(exact_spec);
  ASSERT_TRUE(exact.ok()) << exact.status().to_string();
  EXPECT_TRUE((*exact)->needs_labels());
  ASSERT_TRUE((*exact)->add_batch(0, {batch1}, {}, &labels).ok());
  ASSERT_TRUE((*exact)->add_batch(2, {batch2}, {}, &labels).ok());
  auto e = (*exact)->finish();
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  EXPECT_EQ(e->per_sample, (std::vector<double>{1, 0, 1, 0}));

  MetricSpec cer_spec = exact_spec;
  cer_spec.name = "ctc-cer";
  auto cer = make_metric(cer_spec);
  ASSERT_TRUE(cer.ok());
  ASSERT_TRUE((*cer)->add_batch(0, {batch1}, {}, &labels).ok());
  ASSERT_TRUE((*cer)->add_batch(2, {batch2}, {}, &labels).ok());
  auto c = (*cer)->finish();
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->per_sample.size(), 4u);
  EXPECT_DOUBLE_EQ(c->per_sample[0], 1.0);
  // "aab é中" vs "ab é中x" (6 code points): delete one 'a', insert 'x'.
  EXPECT_DOUBLE_EQ(c->per_sample[1], 1.0 - 2.0 / 6);
  EXPECT_DOUBLE_EQ(c->per_sample[2], 1.0);      // empty vs empty
  EXPECT_DOUBLE_EQ(c->per_sample[3], 1.0 - 1.0);  // "ab" vs "b": one deletion over one char
  EXPECT_DOUBLE_EQ(c->value, (1.0 + 2.0 / 3 + 1.0 + 0.0) / 4);
}

TEST_F(CtcTest, MetricErrorsNameTheMetric) {
  MetricSpec spec;
  spec.name = "ctc-cer";
  spec.dictionary_path = dictionary_.string();
  auto m = make_metric(spec);
  ASSERT_TRUE(m.ok());
  Labels classes;
  classes.classes = {1};
  const Tensor out = one_hot({{1, 2}}, 6);
  Status s = (*m)->add_batch(0, {out}, {}, &classes);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("metric ctc-cer"), std::string::npos) << s.message();

  Labels texts;
  texts.texts = {"ab"};
  Status wrong_classes = (*m)->add_batch(0, {one_hot({{1, 2}}, 9)}, {}, &texts);
  EXPECT_EQ(wrong_classes.code(), StatusCode::kInvalidData);
  EXPECT_NE(wrong_classes.message().find("metric ctc-cer"), std::string::npos);
  Status rank2 = (*m)->add_batch(0, {Tensor(DType::kFloat32, {1, 6})}, {}, &texts);
  EXPECT_NE(rank2.message().find("expected [N, T, C]"), std::string::npos) << rank2.message();

  Tensor nan_out = out;
  nan_out.data<float>()[3] = std::numeric_limits<float>::quiet_NaN();
  ASSERT_TRUE((*m)->add_batch(0, {nan_out}, {}, &texts).ok());
  EXPECT_EQ((*m)->finish().status().code(), StatusCode::kInvalidData);
}

TEST(CtcDictionary, PaddleOcrKeysGiveTheRecognizerClassCount) {
  const fs::path keys = fs::path(QAC_SOURCE_DIR) / "assets/models/ocr/ppocr_keys_v1.txt";
  if (!fs::exists(keys)) GTEST_SKIP() << keys << " not fetched (scripts/fetch_models.sh)";
  auto dict = CtcDictionary::load(keys);
  ASSERT_TRUE(dict.ok());
  EXPECT_EQ(dict->size(), 6623u);
  auto texts = dict->class_texts(6625);  // PP-OCRv4 rec output [N, T, 6625]
  ASSERT_TRUE(texts.ok());
  EXPECT_EQ(texts->back(), " ");
}

}  // namespace
}  // namespace qac
