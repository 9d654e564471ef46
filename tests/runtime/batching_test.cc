#include "runtime/batching.h"

#include <gtest/gtest.h>

#include "support/memory_dataset.h"
#include "support/model_builder.h"

namespace qac {
namespace {

using testing::ModelBuilder;

using testing::MemoryDataset;

// y = x + 1 over rows of 2 values; the batch dimension is `batch` (< 0: symbolic).
std::unique_ptr<Session> add_one_session(int64_t batch) {
  ModelBuilder b;
  b.input("x", {batch, 2}).output("y").scalar("one", 1.0f);
  b.node("Add", {"x", "one"}, {"y"}, "add");
  Result<std::unique_ptr<Session>> s = Session::create(b.serialize(), SessionOptions{}, "add_one");
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  return s.ok() ? std::move(s).value() : nullptr;
}

// Sample i holds {i, 10 i}.
MemoryDataset counting_dataset(size_t n) {
  Tensor x(DType::kFloat32, {static_cast<int64_t>(n), 2});
  for (size_t i = 0; i < n; ++i) {
    x.data<float>()[2 * i] = static_cast<float>(i);
    x.data<float>()[2 * i + 1] = 10.0f * static_cast<float>(i);
  }
  return MemoryDataset({{"x", x}});
}

struct Call {
  size_t first, count;
  bool operator==(const Call&) const = default;
};

// Runs and checks every output row against its sample: y = x + 1.
std::vector<Call> run_and_check(const Session& s, const Dataset& d, size_t n, size_t batch,
                                size_t first_sample = 0) {
  std::vector<Call> calls;
  Status st = run_batches(
      s, d, n, batch, {"y"},
      [&](size_t first, size_t count, const NamedTensors& inputs, std::vector<Tensor>& outputs) {
        calls.push_back({first, count});
        EXPECT_EQ(inputs.at("x").shape[0], static_cast<int64_t>(count));
        EXPECT_EQ(outputs.size(), 1u);
        EXPECT_EQ(outputs[0].shape, (std::vector<int64_t>{static_cast<int64_t>(count), 2}));
        for (size_t r = 0; r < count; ++r) {
          EXPECT_EQ(outputs[0].data<float>()[2 * r], static_cast<float>(first + r) + 1.0f);
          EXPECT_EQ(outputs[0].data<float>()[2 * r + 1], 10.0f * static_cast<float>(first + r) + 1.0f);
        }
        return Status::Ok();
      },
      first_sample);
  EXPECT_TRUE(st.ok()) << st.to_string();
  return calls;
}

TEST(BatchingTest, DynamicBatchSplitsSamples) {
  auto s = add_one_session(-1);
  ASSERT_NE(s, nullptr);
  const MemoryDataset d = counting_dataset(10);
  EXPECT_EQ(run_and_check(*s, d, 10, 4), (std::vector<Call>{{0, 4}, {4, 4}, {8, 2}}));
  EXPECT_EQ(run_and_check(*s, d, 5, 4, /*first_sample=*/3), (std::vector<Call>{{3, 4}, {7, 1}}));
  EXPECT_EQ(fixed_batch_size(*s), 0u);
  EXPECT_EQ(auto_batch_size(*s, 100), kDefaultBatchSize);
  EXPECT_EQ(auto_batch_size(*s, 3), 3u);
  EXPECT_EQ(run_and_check(*s, d, 10, 0).size(), 1u);  // auto: one batch of 10
}

TEST(BatchingTest, FixedBatchOneForcesSingleSamples) {
  auto s = add_one_session(1);
  ASSERT_NE(s, nullptr);
  const MemoryDataset d = counting_dataset(3);
  EXPECT_EQ(auto_batch_size(*s, 100), 1u);
  EXPECT_EQ(run_and_check(*s, d, 3, 16), (std::vector<Call>{{0, 1}, {1, 1}, {2, 1}}));
}

TEST(BatchingTest, FixedBatchPadsTheLastBatch) {
  auto s = add_one_session(3);
  ASSERT_NE(s, nullptr);
  const MemoryDataset d = counting_dataset(7);
  EXPECT_EQ(run_and_check(*s, d, 7, 5), (std::vector<Call>{{0, 3}, {3, 3}, {6, 1}}));
}

TEST(BatchingTest, DatasetMustMatchModelInputs) {
  auto s = add_one_session(-1);
  ASSERT_NE(s, nullptr);
  auto noop = [](size_t, size_t, const NamedTensors&, std::vector<Tensor>&) { return Status::Ok(); };
  Tensor x(DType::kFloat32, {2, 2});
  const MemoryDataset extra({{"x", x}, {"mask", x}});
  Status st = run_batches(*s, extra, 2, 2, {}, noop);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("'mask'"), std::string::npos);
  const MemoryDataset wrong({{"input_ids", x}});
  st = run_batches(*s, wrong, 2, 2, {}, noop);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("'x'"), std::string::npos);
  st = run_batches(*s, counting_dataset(2), 3, 2, {}, noop);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
}

// y = state * k, with a state [2, B, 4] whose batch axis is not first and a scalar k: the
// dataset stores each sample whole (state [2, 1, 4], k []), so samples run one at a time and
// each output comes back with a leading sample axis of 1.
TEST(BatchingTest, SamplesFedWholeRunOneAtATime) {
  ModelBuilder b;
  b.input("state", {2, -1, 4}).input("k", {}).output("y");
  b.node("Mul", {"state", "k"}, {"y"}, "scale");
  auto s = Session::create(b.serialize(), SessionOptions{}, "state_model");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  const size_t n = 3;
  Tensor state = testing::random_tensor({static_cast<int64_t>(n), 2, 1, 4}, 7);
  Tensor k(DType::kFloat32, {static_cast<int64_t>(n)});
  for (size_t i = 0; i < n; ++i) k.data<float>()[i] = static_cast<float>(i + 2);
  const MemoryDataset d({{"state", state}, {"k", k}});
  ASSERT_TRUE(fed_whole(**s, d).value());
  EXPECT_EQ(fixed_batch_size(**s, d).value(), 1u);
  std::vector<Call> calls;
  for (int pass = 0; pass < 2; ++pass) {  // the second pass writes into the first pass's outputs
    calls.clear();
    Status st = run_batches(**s, d, n, 16, {}, [&](size_t first, size_t count, const NamedTensors&,
                                                   std::vector<Tensor>& outputs) {
      calls.push_back({first, count});
      EXPECT_EQ(outputs.at(0).shape, (std::vector<int64_t>{1, 2, 1, 4}));
      for (size_t v = 0; v < 8; ++v) {
        EXPECT_FLOAT_EQ(outputs[0].data<float>()[v], state.data<float>()[first * 8 + v] * k.data<float>()[first]);
      }
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.to_string();
    EXPECT_EQ(calls, (std::vector<Call>{{0, 1}, {1, 1}, {2, 1}}));
  }
  EXPECT_EQ(batch_coupling(**s, d, n).value(), "");
  // The stacked form of a single sample feeds the session directly too.
  auto one = d.read(1, 1);
  ASSERT_TRUE(one.ok());
  auto out = (*s)->run(*one);
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ(out->at(0).shape, (std::vector<int64_t>{1, 2, 1, 4}));
  // More than one sample of an input fed whole is not a feed the model takes.
  auto two = d.read(0, 2);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ((*s)->run(*two).status().code(), StatusCode::kInvalidData);
}

TEST(BatchingTest, HandlerErrorStopsTheRun) {
  auto s = add_one_session(-1);
  ASSERT_NE(s, nullptr);
  size_t calls = 0;
  Status st = run_batches(*s, counting_dataset(10), 10, 2, {},
                          [&](size_t, size_t, const NamedTensors&, std::vector<Tensor>&) {
                            ++calls;
                            return Status::InvalidData("stop here");
                          });
  EXPECT_EQ(st.message(), "stop here");
  EXPECT_EQ(calls, 1u);
}

}  // namespace
}  // namespace qac
