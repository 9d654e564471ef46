// Session::run_into over successive batches gives exactly what a fresh Session::run gives, for
// outputs ONNX Runtime writes in place, outputs that are model inputs or constants, and outputs
// whose shape depends on the data.
#include "runtime/session.h"

#include <gtest/gtest.h>

#include "support/memory_dataset.h"
#include "support/model_builder.h"

namespace qac {
namespace {

using testing::ModelBuilder;

// x [N, 3] -> Relu -> y; Reshape(x) -> r; Identity(x) -> i; Identity(c) -> k (a constant);
// NonZero(x) -> nz (int64 [2, count], its shape set by the data); x itself as an output.
std::unique_ptr<Session> pass_through_session() {
  ModelBuilder b;
  b.input("x", {-1, 3});
  b.output("y").output("r").output("i").output("k").output("nz", onnx::TensorProto_DataType_INT64).output("x");
  b.initializer_i64("shape", {2}, {-1, 3});
  b.initializer("c", {2}, {4.0f, 5.0f});
  b.node("Relu", {"x"}, {"y"}, "relu");
  b.node("Reshape", {"x", "shape"}, {"r"}, "reshape");
  b.node("Identity", {"x"}, {"i"}, "identity");
  b.node("Identity", {"c"}, {"k"}, "constant");
  b.node("NonZero", {"x"}, {"nz"}, "nonzero");
  Result<std::unique_ptr<Session>> s = Session::create(b.serialize(), SessionOptions{}, "pass_through");
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  return s.ok() ? std::move(s).value() : nullptr;
}

// Batch `seed` of `rows` rows; `zeros` of its values are 0 (they change NonZero's count).
NamedTensors batch(int seed, int64_t rows, int zeros) {
  Tensor x = testing::random_tensor({rows, 3}, static_cast<uint32_t>(seed), -2.0f, 2.0f);
  for (int z = 0; z < zeros; ++z) x.data<float>()[z] = 0.0f;
  return {{"x", x}};
}

void expect_same_tensors(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(a[i].dtype, b[i].dtype);
    EXPECT_EQ(a[i].shape, b[i].shape);
    EXPECT_EQ(a[i].bytes, b[i].bytes);
  }
}

// run_into(feeds) into the kept `outputs` gives what a fresh run(feeds) gives.
void expect_run_into_matches_run(const Session& session, const NamedTensors& feeds, RunOutputs& outputs) {
  ASSERT_TRUE(session.run_into(feeds, {}, outputs).ok());
  auto fresh = session.run(feeds);
  ASSERT_TRUE(fresh.ok()) << fresh.status().to_string();
  expect_same_tensors(outputs.tensors, fresh.value());
}

TEST(SessionTest, RunIntoMatchesFreshRunsBatchAfterBatch) {
  auto session = pass_through_session();
  ASSERT_TRUE(session);
  RunOutputs outputs;
  // Same shapes (outputs written in place from the second run on), then a new row count.
  const std::vector<std::pair<int64_t, int>> batches = {{4, 0}, {4, 0}, {4, 0}, {2, 0}, {2, 0}};
  for (size_t n = 0; n < batches.size(); ++n) {
    SCOPED_TRACE(n);
    ASSERT_NO_FATAL_FAILURE(expect_run_into_matches_run(
        *session, batch(static_cast<int>(n) + 1, batches[n].first, batches[n].second), outputs));
  }
  EXPECT_TRUE(outputs.bind);
}

TEST(SessionTest, DataDependentShapeTurnsBindingOff) {
  auto session = pass_through_session();
  ASSERT_TRUE(session);
  RunOutputs outputs;
  for (int n = 0; n < 4; ++n) {
    SCOPED_TRACE(n);
    // n zeros: NonZero's output shrinks.
    ASSERT_NO_FATAL_FAILURE(expect_run_into_matches_run(*session, batch(n + 1, 4, n), outputs));
  }
  EXPECT_FALSE(outputs.bind);
}

TEST(SessionTest, RunIntoReportsAMissingInput) {
  auto session = pass_through_session();
  ASSERT_TRUE(session);
  RunOutputs outputs;
  const Status s = session->run_into({{"z", Tensor(DType::kFloat32, {1, 3})}}, {}, outputs);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'x'"), std::string::npos) << s.to_string();
}

}  // namespace
}  // namespace qac
