// A model whose outputs for a sample depend on the other samples of its batch is recognized,
// and is then run one sample at a time; an ordinary model is batched.
#include <gtest/gtest.h>

#include "onnx/model_io.h"
#include "runtime/batching.h"
#include "support/memory_dataset.h"
#include "support/model_builder.h"

namespace qac {
namespace {

using testing::MemoryDataset;
using testing::ModelBuilder;
using testing::random_tensor;

// y = x - max(x): the max over the whole tensor (batch included) when `whole_tensor`, else per
// sample (axis 1).
onnx::ModelProto normalized_by_max(bool whole_tensor) {
  ModelBuilder b;
  b.input("x", {-1, 16}).output("y");
  auto max = b.node("ReduceMax", {"x"}, {"m"}, "max");
  if (!whole_tensor) max.ints("axes", {1});
  b.node("Sub", {"x", "m"}, {"y"}, "sub");
  return b.build();
}

NamedTensors samples_of_different_scale() {
  Tensor x = random_tensor({6, 16}, 4);
  for (size_t i = 0; i < 16; ++i) x.data<float>()[1 * 16 + i] *= 100.0f;  // sample 1 is loud
  return {{"x", x}};
}

TEST(BatchCoupling, AMaxOverTheBatchIsFoundAndTheModelRunsOneSampleAtATime) {
  MemoryDataset data(samples_of_different_scale());
  std::string note;
  auto batch = batch_size_for(serialize(normalized_by_max(true)), "coupled.onnx", data, 0, &note);
  ASSERT_TRUE(batch.ok()) << batch.status().to_string();
  // The probe's batch is the first kCouplingProbeSamples samples; sample 0 sees their max.
  EXPECT_EQ(*batch, 1u);
  EXPECT_NE(note.find("coupled.onnx couples the samples of a batch"), std::string::npos) << note;
  EXPECT_NE(note.find("output 'y'"), std::string::npos) << note;
}

TEST(BatchCoupling, PerSampleModelsAndExplicitBatchSizesAreLeftAlone) {
  MemoryDataset data(samples_of_different_scale());
  std::string note;
  auto batch = batch_size_for(serialize(normalized_by_max(false)), "per_sample.onnx", data, 0, &note);
  ASSERT_TRUE(batch.ok()) << batch.status().to_string();
  EXPECT_EQ(*batch, 0u);
  EXPECT_TRUE(note.empty()) << note;
  auto explicit_batch = batch_size_for(serialize(normalized_by_max(true)), "coupled.onnx", data, 3, &note);
  ASSERT_TRUE(explicit_batch.ok());
  EXPECT_EQ(*explicit_batch, 3u);
}

}  // namespace
}  // namespace qac
