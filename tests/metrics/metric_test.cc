#include "qac/metric.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace qac {
namespace {

Tensor floats(std::vector<int64_t> shape, const std::vector<float>& values) {
  Tensor t(DType::kFloat32, std::move(shape));
  EXPECT_EQ(t.numel(), values.size());
  for (size_t i = 0; i < values.size(); ++i) t.data<float>()[i] = values[i];
  return t;
}

MetricSpec spec(std::string name, std::string dictionary = "", int output_index = 0) {
  MetricSpec s;
  s.name = std::move(name);
  s.dictionary_path = std::move(dictionary);
  s.output_index = output_index;
  return s;
}

std::unique_ptr<Metric> make(const std::string& name, int output_index = 0) {
  auto m = make_metric(spec(name, "", output_index));
  EXPECT_TRUE(m.ok()) << m.status().to_string();
  return m.ok() ? std::move(m).value() : nullptr;
}

Labels class_labels(std::vector<int64_t> classes) {
  Labels l;
  l.classes = std::move(classes);
  return l;
}

void expect_message_has(const Status& s, const std::string& part) {
  EXPECT_NE(s.message().find(part), std::string::npos) << "'" << part << "' not in: " << s.message();
}

TEST(TopK, CountsLabelsAmongTheKBestWithArgmaxTieOrder) {
  const Labels labels = class_labels({1, 1, 1});
  // Sample 0: label is the max. Sample 1: label is third. Sample 2: tie with class 0, which
  // argmax picks first, so the label ranks second.
  const Tensor batch1 = floats({2, 3}, {0.1f, 0.9f, 0.0f, 0.5f, 0.2f, 0.3f});
  const Tensor batch2 = floats({1, 3}, {1.0f, 1.0f, 0.0f});

  auto top1 = make("top1");
  EXPECT_TRUE(top1->needs_labels());
  EXPECT_FALSE(top1->needs_reference());
  ASSERT_TRUE(top1->add_batch(0, {batch1}, {}, &labels).ok());
  ASSERT_TRUE(top1->add_batch(2, {batch2}, {}, &labels).ok());
  auto v1 = top1->finish();
  ASSERT_TRUE(v1.ok()) << v1.status().to_string();
  EXPECT_EQ(v1->per_sample, (std::vector<double>{1, 0, 0}));
  EXPECT_DOUBLE_EQ(v1->value, 1.0 / 3);

  auto top2 = make("topk:2");
  ASSERT_TRUE(top2->add_batch(0, {batch1}, {}, &labels).ok());
  ASSERT_TRUE(top2->add_batch(2, {batch2}, {}, &labels).ok());
  EXPECT_EQ(top2->finish()->per_sample, (std::vector<double>{1, 0, 1}));

  auto top5 = make("top5");
  ASSERT_TRUE(top5->add_batch(0, {batch1}, {}, &labels).ok());
  EXPECT_DOUBLE_EQ(top5->finish()->value, 1.0);

  top1->reset();
  ASSERT_TRUE(top1->add_batch(1, {batch2}, {}, &labels).ok());  // a run may start anywhere
  EXPECT_EQ(top1->finish()->per_sample, (std::vector<double>{0}));
}

TEST(TopK, RejectsBadInputsNamingTheMetric) {
  const Labels labels = class_labels({0, 7});
  const Tensor out = floats({2, 3}, {1, 0, 0, 0, 1, 0});
  auto top1 = make("top1");
  Status s = top1->add_batch(0, {out}, {}, &labels);
  EXPECT_EQ(s.code(), StatusCode::kInvalidData);
  expect_message_has(s, "metric top1: label 7 of sample 1 is outside the 3 classes of output 0");
  // The failed batch added nothing: the same samples can be scored again.
  const Labels fixed = class_labels({0, 1});
  ASSERT_TRUE(top1->add_batch(0, {out}, {}, &fixed).ok());
  EXPECT_EQ(top1->finish()->per_sample, (std::vector<double>{1, 1}));

  top1->reset();
  EXPECT_EQ(top1->add_batch(0, {out}, {}, nullptr).code(), StatusCode::kInvalidArgument);
  Labels texts;
  texts.texts = {"a", "b"};
  expect_message_has(top1->add_batch(0, {out}, {}, &texts), "texts");
  const Labels one = class_labels({0});
  expect_message_has(top1->add_batch(0, {out}, {}, &one), "sample 1 has no label");

  top1->reset();
  const Tensor rank3 = floats({2, 1, 3}, {1, 0, 0, 0, 1, 0});
  expect_message_has(top1->add_batch(0, {rank3}, {}, &labels), "output 0 has shape [2, 1, 3]");
  auto second = make("top1", 1);
  expect_message_has(second->add_batch(0, {out}, {}, &labels), "no output 1");

  const Labels ok = class_labels({0, 1, 2, 0});
  auto order = make("top1");
  ASSERT_TRUE(order->add_batch(0, {out}, {}, &ok).ok());
  Status gap = order->add_batch(3, {floats({1, 3}, {1, 0, 0})}, {}, &ok);
  EXPECT_EQ(gap.code(), StatusCode::kInvalidArgument);
  expect_message_has(gap, "batch starts at sample 3 but the next sample in order is 2");
}

TEST(Agreement, ComparesArgmaxWithReference) {
  auto m = make("agreement");
  EXPECT_FALSE(m->needs_labels());
  EXPECT_TRUE(m->needs_reference());
  const Tensor out = floats({3, 2}, {0.9f, 0.1f, 0.4f, 0.6f, 0.5f, 0.5f});
  const Tensor ref = floats({3, 2}, {0.6f, 0.4f, 0.7f, 0.3f, 0.2f, 0.1f});
  ASSERT_TRUE(m->add_batch(0, {out}, {ref}, nullptr).ok());
  auto v = m->finish();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->per_sample, (std::vector<double>{1, 0, 1}));
  m->reset();
  EXPECT_EQ(m->add_batch(0, {out}, {}, nullptr).code(), StatusCode::kInvalidArgument);
}

TEST(Similarity, SqnrCosineNmseMatchHandComputedValues) {
  // Sample 0: out [1, 2, 3] vs ref [1, 2, 2]: signal 9, noise 1.
  // Sample 1: identical. Sample 2: out [0, 0, 1] vs ref all zero.
  const Tensor out = floats({3, 3}, {1, 2, 3, 4, 5, 6, 0, 0, 1});
  const Tensor ref = floats({3, 3}, {1, 2, 2, 4, 5, 6, 0, 0, 0});

  auto sqnr = make("sqnr");
  ASSERT_TRUE(sqnr->add_batch(0, {out}, {ref}, nullptr).ok());
  auto s = sqnr->finish();
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->per_sample.size(), 3u);
  EXPECT_NEAR(s->per_sample[0], 10 * std::log10(9.0), 1e-9);
  EXPECT_EQ(s->per_sample[1], kSqnrCapDb);
  EXPECT_EQ(s->per_sample[2], -kSqnrCapDb);
  EXPECT_NEAR(s->value, 10 * std::log10(9.0) / 3, 1e-9);

  auto cosine = make("cosine");
  ASSERT_TRUE(cosine->add_batch(0, {out}, {ref}, nullptr).ok());
  auto c = cosine->finish();
  ASSERT_TRUE(c.ok());
  EXPECT_NEAR(c->per_sample[0], 11.0 / std::sqrt(14.0 * 9.0), 1e-9);
  EXPECT_NEAR(c->per_sample[1], 1.0, 1e-9);
  EXPECT_EQ(c->per_sample[2], 0.0);

  auto nmse = make("nmse");
  ASSERT_TRUE(nmse->add_batch(0, {out}, {ref}, nullptr).ok());
  auto n = nmse->finish();
  ASSERT_TRUE(n.ok());
  EXPECT_NEAR(n->per_sample[0], -1.0 / 9, 1e-12);
  EXPECT_EQ(n->per_sample[1], 0.0);
  EXPECT_NEAR(n->per_sample[2], -1.0 / 3, 1e-12);  // all-zero reference: negative MSE
}

TEST(Similarity, CosineOfOppositeAndBothZeroVectors) {
  auto cosine = make("cosine");
  const Tensor out = floats({2, 2}, {1, 0, 0, 0});
  const Tensor ref = floats({2, 2}, {-2, 0, 0, 0});
  ASSERT_TRUE(cosine->add_batch(0, {out}, {ref}, nullptr).ok());
  EXPECT_EQ(cosine->finish()->per_sample, (std::vector<double>{-1, 1}));
}

TEST(Similarity, AllOutputsConcatenatesEachSample) {
  // Output 0 contributes signal 1 / noise 0, output 1 contributes signal 8 / noise 1.
  const Tensor out0 = floats({1, 1}, {1});
  const Tensor ref0 = floats({1, 1}, {1});
  const Tensor out1 = floats({1, 2}, {2, 3});
  const Tensor ref1 = floats({1, 2}, {2, 2});
  auto all = make("nmse", kAllOutputs);
  ASSERT_TRUE(all->add_batch(0, {out0, out1}, {ref0, ref1}, nullptr).ok());
  EXPECT_NEAR(all->finish()->value, -1.0 / 9, 1e-12);
  auto second = make("nmse", 1);
  ASSERT_TRUE(second->add_batch(0, {out0, out1}, {ref0, ref1}, nullptr).ok());
  EXPECT_NEAR(second->finish()->value, -1.0 / 8, 1e-12);

  auto mismatch = make("sqnr");
  expect_message_has(mismatch->add_batch(0, {out1}, {ref0}, nullptr),
                     "output 0 has shape [1, 2] but the reference has [1, 1]");
}

TEST(Similarity, EveryOutputCountsEachSampleWithItsWorstOutput) {
  // Output 0 is exact; output 1 of sample 0 is off (NMSE 1/8), of sample 1 exact.
  const Tensor out0 = floats({2, 1}, {1, 5});
  const Tensor ref0 = floats({2, 1}, {1, 5});
  const Tensor out1 = floats({2, 2}, {2, 3, 4, 4});
  const Tensor ref1 = floats({2, 2}, {2, 2, 4, 4});
  auto every = make("nmse", kEveryOutput);
  ASSERT_TRUE(every->add_batch(0, {out0, out1}, {ref0, ref1}, nullptr).ok());
  auto value = every->finish();
  ASSERT_TRUE(value.ok());
  EXPECT_NEAR(value->per_sample[0], -1.0 / 8, 1e-12);
  EXPECT_EQ(value->per_sample[1], 0.0);
  // Each output's own mean over the samples: the broken one is named by its index.
  ASSERT_EQ(value->per_output.size(), 2u);
  EXPECT_EQ(value->per_output[0], 0.0);
  EXPECT_NEAR(value->per_output[1], -1.0 / 16, 1e-12);
  every->reset();
  ASSERT_TRUE(every->add_batch(0, {out0, out1}, {ref0, ref1}, nullptr).ok());
  EXPECT_EQ(every->finish()->per_output, value->per_output);  // reset forgets earlier batches
  auto single = make("nmse", 1);
  ASSERT_TRUE(single->add_batch(0, {out0, out1}, {ref0, ref1}, nullptr).ok());
  EXPECT_TRUE(single->finish()->per_output.empty());
  // The default for the similarity metrics is every output: the same values.
  MetricSpec by_default;
  by_default.name = "nmse";
  auto m = make_metric(by_default);
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE((*m)->add_batch(0, {out0, out1}, {ref0, ref1}, nullptr).ok());
  EXPECT_EQ((*m)->finish()->per_sample, value->per_sample);
}

TEST(Finish, NanOrInfiniteOutputsAreInvalidData) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor out = floats({2, 2}, {1, 2, nan, 1});
  const Tensor ref = floats({2, 2}, {1, 2, 1, 1});
  const Labels labels = class_labels({1, 0});
  for (const char* name : {"sqnr", "cosine", "nmse", "agreement", "top1"}) {
    SCOPED_TRACE(name);
    auto m = make(name);
    ASSERT_TRUE(m->add_batch(0, {out}, {ref}, &labels).ok());
    auto v = m->finish();
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.status().code(), StatusCode::kInvalidData);
    expect_message_has(v.status(), std::string("metric ") + name + ": value of sample 1");
  }
  auto sqnr = make("sqnr");
  ASSERT_TRUE(sqnr->add_batch(0, {floats({1, 2}, {inf, 0})}, {floats({1, 2}, {1, 0})}, nullptr).ok());
  EXPECT_FALSE(sqnr->finish().ok());

  auto empty = make("cosine");
  expect_message_has(empty->finish().status(), "metric cosine: no sample");
}

TEST(MakeMetric, RejectsUnknownNamesAndBadParameters) {
  auto unknown = make_metric(spec("accuracy"));
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  expect_message_has(unknown.status(), "unknown metric 'accuracy'");
  expect_message_has(unknown.status(), "top1");
  expect_message_has(unknown.status(), "ctc-cer");
  for (const char* bad : {"topk:0", "topk:", "topk:3x", "topk:-2"}) {
    EXPECT_EQ(make_metric(spec(bad)).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(make_metric(spec("topk:3")).ok());
  EXPECT_EQ(make_metric(spec("top1", "", kAllOutputs)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(make_metric(spec("sqnr", "", -4)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(make_metric(spec("agreement", "", kEveryOutput)).status().code(), StatusCode::kInvalidArgument);
  expect_message_has(make_metric(spec("ctc-exact")).status(), "dictionary");
  auto missing = make_metric(spec("ctc-cer", "/nonexistent/keys.txt"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  expect_message_has(missing.status(), "/nonexistent/keys.txt");
  for (const std::string& name : builtin_metric_names()) {
    if (name.rfind("ctc", 0) == 0) continue;
    EXPECT_TRUE(make_metric(spec(name == "topk:K" ? "topk:2" : name)).ok()) << name;
  }
}

}  // namespace
}  // namespace qac
