// The in-graph observers (runtime/observer_ops.h) give exactly the statistics of fetching every
// tensor whole and accumulating it on the host.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "onnx/infer_shapes.h"
#include "quant/observer_graph.h"
#include "quant/statistics.h"
#include "runtime/session.h"
#include "support/memory_dataset.h"
#include "support/model_builder.h"

namespace qac {
namespace {

using testing::MemoryDataset;
using testing::ModelBuilder;

constexpr int64_t kSamples = 7;
constexpr int64_t kWide = 70000;  // longer than a kernel's scan piece: rows are split

// x [N, 4, 6, 6] -> Mul(2) -> c -> Relu -> r -> Reshape [N*4, 36] -> t;  ReduceMax(x) -> m (scalar);
// y [N, kWide] -> Neg -> n.
onnx::ModelProto observed_model(int64_t batch = -1) {
  ModelBuilder b;
  b.input("x", {batch, 4, 6, 6}).input("y", {batch, kWide});
  b.output("t").output("m").output("n");
  b.scalar("two", 2.0f);
  b.initializer_i64("rows", {2}, {-1, 36});
  b.node("Mul", {"x", "two"}, {"c"}, "mul");
  b.node("Relu", {"c"}, {"r"}, "relu");
  b.node("Reshape", {"r", "rows"}, {"t"}, "reshape");
  b.node("ReduceMax", {"x"}, {"m"}, "reduce_max").i("keepdims", 0);
  b.node("Neg", {"y"}, {"n"}, "neg");
  onnx::ModelProto model = b.build();
  NormalizeLog log;
  EXPECT_TRUE(infer_shapes(model, log).ok());
  return model;
}

MemoryDataset observed_data() {
  Tensor x = testing::random_tensor({kSamples, 4, 6, 6}, 1, -3.0f, 3.0f);
  float* p = x.data<float>();
  p[5] = std::numeric_limits<float>::quiet_NaN();  // sample 0
  p[144 * 2 + 17] = std::numeric_limits<float>::infinity();  // sample 2
  p[144 * 6 + 100] = -std::numeric_limits<float>::infinity();  // sample 6
  return MemoryDataset({{"x", x}, {"y", testing::random_tensor({kSamples, kWide}, 2)}});
}

StatisticsRequest observed_request(bool in_graph) {
  StatisticsRequest r;
  r.tensors = {"x", "c", "r", "t", "m", "n"};
  r.channel_mean_axis = {{"r", 1}, {"t", -1}, {"c", -3}};
  r.channel_absmax_last_axis = {"t", "n"};
  r.histograms = false;
  r.in_graph_observers = in_graph;
  return r;
}

// Element-wise equality in which NaN equals NaN (a channel holding a NaN has a NaN mean).
template <typename T>
bool same_values(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  }
  return true;
}

void expect_same(const std::map<std::string, TensorStats>& a, const std::map<std::string, TensorStats>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, x] : a) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(b.count(name));
    const TensorStats& y = b.at(name);
    EXPECT_EQ(x.num_samples(), y.num_samples());
    EXPECT_EQ(x.num_values(), y.num_values());
    EXPECT_EQ(x.num_nonfinite(), y.num_nonfinite());
    EXPECT_EQ(x.min(), y.min());
    EXPECT_EQ(x.max(), y.max());
    EXPECT_EQ(x.mean_sample_min(), y.mean_sample_min());
    EXPECT_EQ(x.mean_sample_max(), y.mean_sample_max());
    EXPECT_TRUE(same_values(x.channel_means(), y.channel_means()));
    EXPECT_EQ(x.channel_mean_axis(), y.channel_mean_axis());
    EXPECT_TRUE(same_values(x.channel_absmax(), y.channel_absmax()));
  }
}

TEST(StatisticsObserversTest, InGraphObserversMatchHostAccumulation) {
  const MemoryDataset data = observed_data();
  for (int threads : {1, 2}) {
    for (size_t batch : {size_t{3}, size_t{0}}) {
      SCOPED_TRACE(::testing::Message() << threads << " threads, batch " << batch);
      SessionOptions options;
      options.intra_op_threads = threads;
      StatisticsInfo in_graph_info, host_info;
      auto in_graph = collect_statistics(observed_model(), data, observed_request(true), 300, batch,
                                         options, &in_graph_info);
      ASSERT_TRUE(in_graph.ok()) << in_graph.status().to_string();
      auto host = collect_statistics(observed_model(), data, observed_request(false), 300, batch,
                                     options, &host_info);
      ASSERT_TRUE(host.ok()) << host.status().to_string();
      EXPECT_EQ(in_graph_info.in_graph, 6u);
      EXPECT_EQ(in_graph_info.fetched, 0u);
      EXPECT_EQ(host_info.in_graph, 0u);
      EXPECT_EQ(host_info.fetched, 6u);
      expect_same(in_graph.value(), host.value());
      // The injected NaN / inf are counted in x, c and r (Relu keeps NaN and +inf).
      EXPECT_EQ(in_graph->at("x").num_nonfinite(), 3u);
      EXPECT_EQ(in_graph->at("x").num_values(), static_cast<uint64_t>(kSamples * 144 - 3));
      EXPECT_EQ(in_graph->at("t").channel_means().size(), 36u);
      EXPECT_EQ(in_graph->at("n").channel_absmax().size(), static_cast<size_t>(kWide));
      EXPECT_EQ(in_graph->at("c").channel_mean_axis(), 1);
    }
  }
}

// A model that fixes its batch to 4 runs 7 samples as 4 + (3 padded to 4): the padded row is
// left out on both paths (per-channel statistics go to the host path there).
TEST(StatisticsObserversTest, PaddedLastBatchIsCutBack) {
  const MemoryDataset data = observed_data();
  StatisticsInfo info;
  auto in_graph = collect_statistics(observed_model(4), data, observed_request(true), 300, 0,
                                     SessionOptions{}, &info);
  ASSERT_TRUE(in_graph.ok()) << in_graph.status().to_string();
  EXPECT_EQ(info.batch_size, 4u);
  EXPECT_EQ(info.in_graph, 2u);  // x and m: no per-channel statistics requested
  auto host = collect_statistics(observed_model(4), data, observed_request(false), 300, 0, SessionOptions{});
  ASSERT_TRUE(host.ok()) << host.status().to_string();
  expect_same(in_graph.value(), host.value());
  EXPECT_EQ(in_graph->at("x").num_samples(), static_cast<size_t>(kSamples));
  EXPECT_EQ(in_graph->at("x").num_values(), static_cast<uint64_t>(kSamples * 144 - 3));
}

TEST(StatisticsObserversTest, HistogramsAndUnknownRanksAreFetchedWhole) {
  const MemoryDataset data = observed_data();
  StatisticsRequest r = observed_request(true);
  r.histograms = true;
  StatisticsInfo info;
  auto stats = collect_statistics(observed_model(), data, r, 300, 4, SessionOptions{}, &info);
  ASSERT_TRUE(stats.ok()) << stats.status().to_string();
  EXPECT_EQ(info.in_graph, 0u);
  EXPECT_EQ(info.fetched, 6u);
  ASSERT_NE(stats->at("r").histogram(), nullptr);

  onnx::ModelProto no_value_info = observed_model();
  no_value_info.mutable_graph()->clear_value_info();
  auto host = collect_statistics(no_value_info, data, observed_request(true), 300, 4, SessionOptions{}, &info);
  ASSERT_TRUE(host.ok()) << host.status().to_string();
  // c and r lost their declared shapes; the graph inputs and outputs kept theirs.
  EXPECT_EQ(info.in_graph, 4u);
  EXPECT_EQ(info.fetched, 2u);
  auto reference = collect_statistics(observed_model(), data, observed_request(false), 300, 4, SessionOptions{});
  ASSERT_TRUE(reference.ok());
  expect_same(host.value(), reference.value());
}

// Values whose element type is declared but not their rank are observed in the graph too; a bad
// axis then fails at run time, still naming the tensor.
TEST(StatisticsObserversTest, ValuesOfUnknownRankAreObservedInTheGraph) {
  onnx::ModelProto model = observed_model();
  for (onnx::ValueInfoProto& vi : *model.mutable_graph()->mutable_value_info()) {
    vi.mutable_type()->mutable_tensor_type()->clear_shape();
  }
  const MemoryDataset data = observed_data();
  StatisticsInfo info;
  auto stats = collect_statistics(model, data, observed_request(true), 300, 3, SessionOptions{}, &info);
  ASSERT_TRUE(stats.ok()) << stats.status().to_string();
  EXPECT_EQ(info.in_graph, 6u);
  auto reference = collect_statistics(observed_model(), data, observed_request(false), 300, 3, SessionOptions{});
  ASSERT_TRUE(reference.ok());
  expect_same(stats.value(), reference.value());

  StatisticsRequest bad = observed_request(true);
  bad.channel_mean_axis = {{"c", 7}};
  auto failed = collect_statistics(model, data, bad, 300, 3, SessionOptions{});
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("'c'"), std::string::npos) << failed.status().to_string();
}

TEST(StatisticsObserversTest, BadAxisNamesTheTensor) {
  StatisticsRequest r = observed_request(true);
  r.channel_mean_axis = {{"t", 2}};
  auto stats = collect_statistics(observed_model(), observed_data(), r, 300, 4, SessionOptions{});
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), StatusCode::kInvalidData);
  EXPECT_NE(stats.status().message().find("'t'"), std::string::npos) << stats.status().to_string();
}

// The observer kernels on their own: a session over model + observer fragment.
TEST(StatisticsObserversTest, KernelOutputsHaveTheDocumentedShapes) {
  const onnx::ModelProto model = observed_model();
  std::vector<ObserverOutputs> outputs;
  ObserverSpec spec;
  spec.tensor = "r";
  spec.channel_sum_axis = 1;
  spec.last_axis_absmax = true;
  const std::string bytes =
      model.SerializeAsString() + observer_fragment(model.graph(), {spec}, outputs).SerializeAsString();
  auto session = Session::create(bytes, SessionOptions{});
  ASSERT_TRUE(session.ok()) << session.status().to_string();
  ASSERT_EQ(outputs.size(), 1u);
  const ObserverOutputs& o = outputs[0];
  const MemoryDataset data = observed_data();
  auto feeds = data.read(0, 2);
  ASSERT_TRUE(feeds.ok());
  auto out = (*session)->run(feeds.value(), {o.ranges, o.nonfinite, o.shape, o.channel_sums, o.channel_absmax});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  EXPECT_EQ((*out)[0].shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ((*out)[1].shape, (std::vector<int64_t>{2}));
  EXPECT_EQ((*out)[2].shape, (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(std::vector<int64_t>((*out)[2].data<int64_t>(), (*out)[2].data<int64_t>() + 4),
            (std::vector<int64_t>{2, 4, 6, 6}));
  EXPECT_EQ((*out)[3].shape, (std::vector<int64_t>{1, 4}));
  EXPECT_EQ((*out)[4].shape, (std::vector<int64_t>{1, 6}));
  // Row 0 (sample 0) of r = Relu(2x) holds the NaN of sample 0: its range leaves it out and
  // counts it.
  const float* x = feeds->at("x").data<float>();
  float lo = 1e30f, hi = 0.0f;
  for (size_t i = 0; i < 144; ++i) {
    if (std::isnan(x[i])) continue;
    const float v = std::max(2.0f * x[i], 0.0f);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  EXPECT_EQ((*out)[0].data<float>()[0], lo);
  EXPECT_EQ((*out)[0].data<float>()[1], hi);
  EXPECT_EQ((*out)[1].data<int64_t>()[0], 1);
  EXPECT_EQ((*out)[1].data<int64_t>()[1], 0);
}

// Observers are listed in reverse topological order of the tensors they read (the order in which
// ONNX Runtime runs each right after its tensor's producer); a graph input counts as first.
TEST(StatisticsObserversTest, ObserversAreListedLatestTensorFirst) {
  const onnx::ModelProto model = observed_model();
  std::vector<ObserverSpec> specs(5);
  const std::vector<std::string> tensors = {"x", "c", "t", "r", "n"};  // producers: -, 0, 2, 1, 4
  for (size_t i = 0; i < tensors.size(); ++i) specs[i].tensor = tensors[i];
  specs[1].channel_sum_axis = 1;  // two observers of "c": they stay together, in their order
  std::vector<ObserverOutputs> outputs;
  const onnx::ModelProto fragment = observer_fragment(model.graph(), specs, outputs);
  std::vector<std::string> order;
  for (const onnx::NodeProto& node : fragment.graph().node()) order.push_back(node.input(0) + ":" + node.op_type());
  EXPECT_EQ(order, (std::vector<std::string>{"n:RowRange", "t:RowRange", "r:RowRange", "c:RowRange",
                                             "c:ChannelSum", "x:RowRange"}));
  // The outputs keep the order of `specs`.
  ASSERT_EQ(outputs.size(), tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) EXPECT_EQ(outputs[i].tensor, tensors[i]);
}

}  // namespace
}  // namespace qac
