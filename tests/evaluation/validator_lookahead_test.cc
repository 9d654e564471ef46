// Batched runs ahead of a validation function: the outputs it is answered with are the rows of
// batched runs of exactly its items, other calls run the model, and batching ahead turns itself
// off when the calls do not match the items, when outputs cannot be split by sample, or when it
// costs more than it saves.
#include "evaluation/validator_lookahead.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "support/memory_dataset.h"

namespace qac {
namespace {

using testing::MemoryDataset;

// y = 2 x + (rows in the run): the row count shows whether a sample ran alone or batched.
class DoublingModel : public CompiledModel {
 public:
  explicit DoublingModel(std::vector<int64_t> input_shape = {-1, 3}, bool per_sample_output = true,
                         std::chrono::microseconds run_cost = std::chrono::microseconds(0))
      : per_sample_output_(per_sample_output), run_cost_(run_cost) {
    inputs_ = {ValueSpec{"x", DType::kFloat32, std::move(input_shape)}};
    outputs_ = {ValueSpec{"y", DType::kFloat32, {-1, 3}}};
  }
  const std::vector<ValueSpec>& inputs() const override { return inputs_; }
  const std::vector<ValueSpec>& outputs() const override { return outputs_; }
  Result<std::vector<Tensor>> run(const NamedTensors& feeds) const override {
    if (run_cost_.count() > 0) std::this_thread::sleep_for(run_cost_);
    const Tensor& x = feeds.at("x");
    rows_per_run.push_back(x.shape[0]);
    Tensor y(DType::kFloat32, per_sample_output_ ? x.shape : std::vector<int64_t>{1, 3});
    for (size_t i = 0; i < y.numel(); ++i) {
      y.data<float>()[i] = 2 * x.data<float>()[i] + static_cast<float>(x.shape[0]);
    }
    return std::vector<Tensor>{std::move(y)};
  }
  mutable std::vector<int64_t> rows_per_run;

 private:
  std::vector<ValueSpec> inputs_, outputs_;
  bool per_sample_output_;
  std::chrono::microseconds run_cost_;
};

// A dataset of `n` samples x[i] = (i, i + 0.5, -i), reads slowed down by `read_cost`.
class SlowDataset : public MemoryDataset {
 public:
  SlowDataset(size_t n, std::chrono::microseconds read_cost) : MemoryDataset(samples(n)), read_cost_(read_cost) {}
  Result<NamedTensors> read(size_t begin, size_t count) const override {
    if (read_cost_.count() > 0) std::this_thread::sleep_for(read_cost_);
    return MemoryDataset::read(begin, count);
  }
  static NamedTensors samples(size_t n) {
    Tensor x(DType::kFloat32, {static_cast<int64_t>(n), 3});
    for (size_t i = 0; i < n; ++i) {
      x.data<float>()[3 * i] = static_cast<float>(i);
      x.data<float>()[3 * i + 1] = static_cast<float>(i) + 0.5f;
      x.data<float>()[3 * i + 2] = -static_cast<float>(i);
    }
    return {{"x", std::move(x)}};
  }

 private:
  std::chrono::microseconds read_cost_;
};

// Items of `per_item` samples; evaluate() feeds each item as `transform` changes it and
// returns the mean of the outputs it got.
class ItemValidator : public ModelValidator {
 public:
  ItemValidator(const Dataset& data, size_t per_item, float shift = 0) : data_(data), per_item_(per_item), shift_(shift) {}
  std::string name() const override { return "item validator"; }
  size_t num_items() const override { return (data_.size() + per_item_ - 1) / per_item_; }
  size_t first_sample(size_t item) const override { return std::min(item * per_item_, data_.size()); }
  Result<MetricValue> evaluate(const CompiledModel& model, const std::vector<size_t>& items) override {
    MetricValue v;
    outputs.clear();
    for (size_t k = 0; k < (items.empty() ? num_items() : items.size()); ++k) {
      const size_t item = items.empty() ? k : items[k];
      QAC_ASSIGN_OR_RETURN(NamedTensors feeds, data_.read(first_sample(item), first_sample(item + 1) - first_sample(item)));
      if (shift_ != 0) {
        for (size_t i = 0; i < feeds["x"].numel(); ++i) feeds["x"].data<float>()[i] += shift_;
      }
      QAC_ASSIGN_OR_RETURN(std::vector<Tensor> y, model.run(feeds));
      outputs.push_back(std::move(y[0]));
    }
    return v;
  }
  std::vector<Tensor> outputs;  // of the latest evaluate(), per item

 private:
  const Dataset& data_;
  size_t per_item_;
  float shift_;
};

struct Evaluated {
  size_t answered = 0, forwarded = 0;
};

Evaluated evaluate_ahead(ValidatorLookahead& ahead, const CompiledModel& model, ItemValidator& validator,
                         const std::vector<size_t>& items) {
  AnsweringModel answering(model);
  EXPECT_TRUE(ahead.worthwhile(model, items));
  EXPECT_TRUE(ahead.run_ahead(model, items, answering).ok());
  EXPECT_TRUE(validator.evaluate(answering, items).ok());
  ahead.settle(answering);
  return {answering.answered(), answering.forwarded()};
}

TEST(AnsweringModel, AnswersStoredFeedsOnceAndForwardsEverythingElse) {
  DoublingModel model;
  AnsweringModel answering(model);
  NamedTensors feeds = SlowDataset::samples(1);
  Tensor stored_output(DType::kFloat32, {1, 3});
  stored_output.data<float>()[0] = 42;
  answering.store(feeds, {stored_output});

  NamedTensors other = feeds;
  other["x"].data<float>()[2] = 1e-7f;  // one element differs
  ASSERT_TRUE(answering.run(other).ok());
  EXPECT_EQ(model.rows_per_run.size(), 1u);

  Result<std::vector<Tensor>> answer = answering.run(feeds);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ((*answer)[0].data<float>()[0], 42.0f);
  EXPECT_EQ(model.rows_per_run.size(), 1u);

  ASSERT_TRUE(answering.run(feeds).ok());  // answered once; the second call runs
  EXPECT_EQ(model.rows_per_run.size(), 2u);
  EXPECT_EQ(answering.answered(), 1u);
  EXPECT_EQ(answering.forwarded(), 2u);
}

TEST(ValidatorLookahead, AnswersEachItemWithItsRowsOfABatchedRun) {
  SlowDataset data(40, std::chrono::microseconds(0));
  DoublingModel model({-1, 3}, true, std::chrono::microseconds(2000));
  ItemValidator validator(data, 1);
  ValidatorLookahead ahead(data, validator, 16);

  const Evaluated first = evaluate_ahead(ahead, model, validator, {});
  EXPECT_EQ(first.answered, 40u);
  EXPECT_EQ(first.forwarded, 0u);
  // One warm-up and three timed lone runs, then batches of 16, 16 and the last 4.
  EXPECT_EQ(model.rows_per_run, (std::vector<int64_t>{1, 1, 1, 1, 16, 16, 4}));
  ASSERT_EQ(validator.outputs.size(), 40u);
  for (size_t item = 4; item < 40; ++item) {
    const float rows = item < 20 ? 16.0f : item < 36 ? 16.0f : 4.0f;
    EXPECT_EQ(validator.outputs[item].shape, (std::vector<int64_t>{1, 3}));
    EXPECT_EQ(validator.outputs[item].data<float>()[0], 2.0f * static_cast<float>(item) + rows) << item;
    EXPECT_EQ(validator.outputs[item].data<float>()[2], -2.0f * static_cast<float>(item) + rows) << item;
  }
  EXPECT_TRUE(ahead.on()) << ahead.off_reason();

  model.rows_per_run.clear();  // a subset, after the first evaluation: batched, no lone runs
  const Evaluated second = evaluate_ahead(ahead, model, validator, {1, 5, 7, 30});
  EXPECT_EQ(second.answered, 4u);
  EXPECT_EQ(model.rows_per_run, (std::vector<int64_t>{4}));
  EXPECT_EQ(validator.outputs[3].data<float>()[0], 2.0f * 30 + 4);
}

TEST(ValidatorLookahead, TurnsOffWhenTheCallsDoNotFeedTheItems) {
  SlowDataset data(40, std::chrono::microseconds(0));
  DoublingModel model;
  ItemValidator validator(data, 1, /*shift=*/1.0f);
  ValidatorLookahead ahead(data, validator, 16);
  const Evaluated evaluated = evaluate_ahead(ahead, model, validator, {});
  EXPECT_EQ(evaluated.answered, 0u);
  EXPECT_EQ(evaluated.forwarded, 40u);
  EXPECT_FALSE(ahead.on());
  EXPECT_NE(ahead.off_reason().find("matched the inputs of 0 of 40 items"), std::string::npos) << ahead.off_reason();
  EXPECT_FALSE(ahead.worthwhile(model, {}));
}

TEST(ValidatorLookahead, TurnsOffWhenReadingCostsMoreThanALoneRun) {
  SlowDataset data(24, std::chrono::microseconds(20000));  // 20 ms a read, runs are instant
  DoublingModel model;
  ItemValidator validator(data, 1);
  ValidatorLookahead ahead(data, validator, 16);
  evaluate_ahead(ahead, model, validator, {});
  EXPECT_FALSE(ahead.on());
  EXPECT_NE(ahead.off_reason().find("reading an item"), std::string::npos) << ahead.off_reason();
}

TEST(ValidatorLookahead, TurnsOffWhenAnOutputHasNoRowPerSample) {
  SlowDataset data(40, std::chrono::microseconds(0));
  DoublingModel model({-1, 3}, /*per_sample_output=*/false);
  ItemValidator validator(data, 1);
  ValidatorLookahead ahead(data, validator, 16);
  AnsweringModel answering(model);
  ASSERT_TRUE(ahead.run_ahead(model, {}, answering).ok());
  EXPECT_FALSE(ahead.on());
  EXPECT_NE(ahead.off_reason().find("output 'y'"), std::string::npos) << ahead.off_reason();
  ASSERT_TRUE(validator.evaluate(answering, {}).ok());  // the validator's own calls still run
  EXPECT_EQ(validator.outputs.size(), 40u);
}

TEST(ValidatorLookahead, IsNotWorthwhileWithoutSomethingToBatch) {
  SlowDataset data(40, std::chrono::microseconds(0));
  DoublingModel model;
  ItemValidator singles(data, 1);
  ItemValidator twelves(data, 12);
  EXPECT_FALSE(ValidatorLookahead(data, singles, 1).worthwhile(model, {}));    // one sample per run
  EXPECT_FALSE(ValidatorLookahead(data, twelves, 16).worthwhile(model, {}));   // items of over half a batch
  EXPECT_FALSE(ValidatorLookahead(data, singles, 16).worthwhile(model, {3}));  // one item
  EXPECT_TRUE(ValidatorLookahead(data, singles, 16).worthwhile(model, {3, 4}));
  DoublingModel fixed_batch({1, 3});
  EXPECT_FALSE(ValidatorLookahead(data, singles, 16).worthwhile(fixed_batch, {}));
}

}  // namespace
}  // namespace qac
