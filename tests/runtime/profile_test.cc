// Profiles of ONNX Runtime runs (runtime/profile.h) and the int8 coverage computed from them
// (runtime/int8_coverage.h): trace parsing, which kernels a float and a QDQ convolution run in,
// and multiply-accumulate counts on known shapes.
#include "runtime/profile.h"

#include <gtest/gtest.h>

#include <stdlib.h>  // mkdtemp, setenv

#include <cstdlib>

#include <cmath>
#include <filesystem>

#include "runtime/int8_coverage.h"
#include "support/conv_models.h"
#include "support/model_builder.h"

namespace qac {
namespace {

using testing::kConvInputShape;
using testing::kConvMacs;
using testing::ModelBuilder;

std::vector<NodeRecord> profile(const std::string& model_bytes, const NamedTensors& feeds, bool prepack_weights,
                                int runs = 1) {
  SessionOptions options;
  options.intra_op_threads = 1;
  options.prepack_weights = prepack_weights;
  auto session = Session::create(model_bytes, options, "test model");
  EXPECT_TRUE(session.ok()) << session.status().to_string();
  if (!session.ok()) return {};
  auto nodes = profile_nodes(**session, feeds, runs, "test model");
  EXPECT_TRUE(nodes.ok()) << nodes.status().to_string();
  return nodes.ok() ? *nodes : std::vector<NodeRecord>();
}

NamedTensors conv_feeds() { return {{"x", testing::random_tensor(kConvInputShape, /*seed=*/3)}}; }

std::vector<std::string> op_types(const std::vector<NodeRecord>& nodes) {
  std::vector<std::string> types;
  for (const NodeRecord& n : nodes) types.push_back(n.op_type);
  return types;
}

bool contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

NodeRecord record(const std::string& op_type, std::vector<std::vector<int64_t>> inputs,
                  std::vector<std::vector<int64_t>> outputs) {
  NodeRecord r;
  r.name = op_type + "_node";
  r.op_type = op_type;
  r.input_shapes = std::move(inputs);
  r.output_shapes = std::move(outputs);
  return r;
}

double macs_of(const NodeRecord& node) {
  auto macs = node_macs(node);
  EXPECT_TRUE(macs.ok()) << macs.status().to_string();
  return macs.ok() ? *macs : -1;
}

TEST(ProfileTraceTest, ReadsKernelTimeEventsOfNodes) {
  const std::string trace = R"([
    {"cat": "Session", "name": "model_run", "dur": 300, "args": {}},
    {"cat": "Node", "name": "conv_fence_before", "dur": 0, "args": {"op_name": "Conv"}},
    {"cat": "Node", "name": "conv_kernel_time", "dur": 120, "args": {"op_name": "QLinearConv",
     "provider": "CPUExecutionProvider",
     "input_type_shape": [{"uint8": [1, 8, 8, 16]}, {"float": []}, {"int8": [32, 16, 3, 3]}],
     "output_type_shape": [{"uint8": [1, 8, 8, 32]}]}},
    {"cat": "Node", "name": "relu_kernel_time", "dur": 5, "args": {"op_name": "Relu"}}
  ])";
  auto nodes = parse_profile_trace(trace, "trace.json");
  ASSERT_TRUE(nodes.ok()) << nodes.status().to_string();
  ASSERT_EQ(nodes->size(), 2u);
  const NodeRecord& conv = (*nodes)[0];
  EXPECT_EQ(conv.name, "conv");
  EXPECT_EQ(conv.op_type, "QLinearConv");
  EXPECT_EQ(conv.provider, "CPUExecutionProvider");
  EXPECT_EQ(conv.microseconds, 120);
  const std::vector<std::vector<int64_t>> inputs = {{1, 8, 8, 16}, {}, {32, 16, 3, 3}};
  EXPECT_EQ(conv.input_shapes, inputs);
  EXPECT_EQ(conv.output_shapes, std::vector<std::vector<int64_t>>({{1, 8, 8, 32}}));
  EXPECT_EQ((*nodes)[1].name, "relu");
  EXPECT_TRUE((*nodes)[1].input_shapes.empty());
}

TEST(ProfileTraceTest, RejectsWhatIsNotATrace) {
  for (const std::string text : {"not json", R"({"cat": "Node"})",
                                 R"([{"cat": "Node", "name": "a_kernel_time", "dur": "slow", "args": {}}])",
                                 R"([{"cat": "Node", "name": "a_kernel_time", "dur": 1}])"}) {
    auto nodes = parse_profile_trace(text, "trace.json");
    ASSERT_FALSE(nodes.ok()) << text;
    EXPECT_EQ(nodes.status().code(), StatusCode::kRuntimeError) << text;
    EXPECT_NE(nodes.status().message().find("trace.json"), std::string::npos) << nodes.status().message();
  }
}

TEST(ProfileTest, FloatConvRunsInFloatKernels) {
  const auto nodes = profile(testing::float_conv_model(), conv_feeds(), /*prepack_weights=*/false);
  ASSERT_FALSE(nodes.empty());
  EXPECT_FALSE(contains(op_types(nodes), "QLinearConv"));
  for (const NodeRecord& n : nodes) EXPECT_EQ(n.provider, "CPUExecutionProvider") << n.name;
  auto coverage = int8_coverage(nodes);
  ASSERT_TRUE(coverage.ok()) << coverage.status().to_string();
  EXPECT_EQ(coverage->float_macs, kConvMacs);
  EXPECT_EQ(coverage->int8_macs, 0);
  EXPECT_EQ(coverage->share(), 0);
}

TEST(ProfileTest, QdqConvRunsAsQLinearConv) {
  const auto nodes = profile(testing::qdq_conv_model(), conv_feeds(), /*prepack_weights=*/false);
  const auto types = op_types(nodes);
  EXPECT_TRUE(contains(types, "QLinearConv")) << ::testing::PrintToString(types);
  EXPECT_FALSE(contains(types, "Conv")) << ::testing::PrintToString(types);
  auto coverage = int8_coverage(nodes);
  ASSERT_TRUE(coverage.ok()) << coverage.status().to_string();
  EXPECT_EQ(coverage->int8_macs, kConvMacs);
  EXPECT_EQ(coverage->float_macs, 0);
  EXPECT_EQ(coverage->share(), 1.0);
}

// Coverage is measured on a session without prepacking, timing on one with it: both must
// execute the same kernels.
TEST(ProfileTest, PrepackingKeepsTheExecutedKernels) {
  for (const std::string& model : {testing::float_conv_model(), testing::qdq_conv_model()}) {
    const auto prepacked = profile(model, conv_feeds(), /*prepack_weights=*/true);
    const auto unpacked = profile(model, conv_feeds(), /*prepack_weights=*/false);
    ASSERT_FALSE(prepacked.empty());
    EXPECT_EQ(op_types(prepacked), op_types(unpacked));
  }
}

TEST(ProfileTest, MacsOfExecutedMatrixProducts) {
  // x [2, 4, 8] -> MatMul w [8, 6]            : 2*4*6 outputs * K 8         = 384
  //             -> Reshape [8, 8] -> Gemm [8, 5] : 8*5 outputs * K 8          = 320
  //             -> Reshape [1, 4, 4, 4] -> ConvTranspose w [4, 3, 2, 2], stride 2:
  //                                          64 inputs * 3*2*2 weights      = 768
  ModelBuilder b;
  b.input("x", {2, 4, 8}).output("mm").output("gemm").output("deconv");
  b.random_initializer("w", {8, 6}, 1).random_initializer("g", {8, 5}, 2).random_initializer("gb", {5}, 3);
  b.random_initializer("t", {4, 3, 2, 2}, 4);
  b.initializer_i64("matrix", {2}, {8, 8}).initializer_i64("image", {4}, {1, 4, 4, 4});
  b.node("MatMul", {"x", "w"}, {"mm"}, "matmul");
  b.node("Reshape", {"x", "matrix"}, {"x_matrix"}, "to_matrix");
  b.node("Gemm", {"x_matrix", "g", "gb"}, {"gemm"}, "gemm");
  b.node("Reshape", {"x", "image"}, {"x_image"}, "to_image");
  b.node("ConvTranspose", {"x_image", "t"}, {"deconv"}, "deconv").ints("strides", {2, 2});
  const auto nodes = profile(b.serialize(), {{"x", testing::random_tensor({2, 4, 8}, 5)}}, /*prepack_weights=*/false);
  auto coverage = int8_coverage(nodes);
  ASSERT_TRUE(coverage.ok()) << coverage.status().to_string();
  EXPECT_EQ(coverage->float_macs, 384 + 320 + 768);
  EXPECT_TRUE(std::isnan(Int8Coverage().share()));
}

TEST(ProfileTest, MacsOfFusedAttentionKernelsAreFloat) {
  // Attention x [2, 5, 8], weight [8, 24] -> [2, 5, 8]: projection 2*5*8*24 = 1920, Q K^T and
  // probabilities times V 2*5*5*8 = 400 each.
  EXPECT_EQ(mac_kernel("Attention"), MacKernel::kFloat);
  EXPECT_EQ(macs_of(record("Attention", {{2, 5, 8}, {8, 24}, {24}}, {{2, 5, 8}})), 1920 + 2 * 400);
  // MultiHeadAttention query [2, 5, 8], key [2, 7, 8], value [2, 7, 6] -> [2, 5, 6]:
  // 2*5*7*8 = 560 plus 2*5*7*6 = 420.
  EXPECT_EQ(mac_kernel("MultiHeadAttention"), MacKernel::kFloat);
  EXPECT_EQ(macs_of(record("MultiHeadAttention", {{2, 5, 8}, {2, 7, 8}, {2, 7, 6}}, {{2, 5, 6}})), 560 + 420);
  EXPECT_FALSE(node_macs(record("Attention", {{10, 8}, {8, 24}}, {{10, 8}})).ok());  // not [B, S, hidden]
}

TEST(ProfileTest, ProfileNodesListsEachNodeOnceAndRemovesItsTraces) {
  namespace fs = std::filesystem;
  // A private temporary folder: tests running in parallel profile models too.
  std::string private_tmp = (fs::temp_directory_path() / "qac_profile_test_XXXXXX").string();
  ASSERT_NE(::mkdtemp(private_tmp.data()), nullptr);
  const char* saved = std::getenv("TMPDIR");
  const std::string saved_tmpdir = saved ? saved : "";
  ::setenv("TMPDIR", private_tmp.c_str(), 1);
  const auto once = profile(testing::qdq_conv_model(), conv_feeds(), /*prepack_weights=*/true, /*runs=*/1);
  const auto thrice = profile(testing::qdq_conv_model(), conv_feeds(), /*prepack_weights=*/true, /*runs=*/3);
  if (saved) {
    ::setenv("TMPDIR", saved_tmpdir.c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
  EXPECT_EQ(op_types(once), op_types(thrice));
  for (const NodeRecord& n : thrice) EXPECT_GE(n.microseconds, 0) << n.name;
  std::string left;  // profile_nodes' trace folders ("qac_profile_*"); other libraries may write here too
  for (const auto& e : fs::directory_iterator(private_tmp)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("qac_profile_", 0) == 0) left += " " + name;
  }
  EXPECT_TRUE(left.empty()) << "trace folders left in " << private_tmp << ":" << left;
  fs::remove_all(private_tmp);
}

TEST(ProfileTest, TimePerOpTypeSumsAndSortsLargestFirst) {
  std::vector<NodeRecord> nodes(4);
  nodes[0].op_type = "Relu", nodes[0].microseconds = 5;
  nodes[1].op_type = "QLinearConv", nodes[1].microseconds = 30;
  nodes[2].op_type = "Relu", nodes[2].microseconds = 6;
  nodes[3].op_type = "QLinearConv", nodes[3].microseconds = 40;
  const auto times = time_per_op_type(nodes);
  ASSERT_EQ(times.size(), 2u);
  EXPECT_EQ(times[0].op_type, "QLinearConv");
  EXPECT_EQ(times[0].microseconds, 70);
  EXPECT_EQ(times[0].nodes, 2);
  EXPECT_EQ(times[1].op_type, "Relu");
  EXPECT_EQ(times[1].microseconds, 11);
}

TEST(NodeMacsTest, ConvolutionsCountWeightsPerOutputElement) {
  EXPECT_EQ(macs_of(record("Conv", {{1, 16, 8, 8}, {32, 16, 3, 3}, {32}}, {{1, 32, 8, 8}})), kConvMacs);
  // Depthwise (group 32): one input channel per filter.
  EXPECT_EQ(macs_of(record("FusedConv", {{1, 32, 8, 8}, {32, 1, 3, 3}}, {{1, 32, 8, 8}})), 2048.0 * 9);
  // QLinearConv (x, x_scale, x_zero_point, w, ...), NHWC activations: the weight is input 3.
  EXPECT_EQ(macs_of(record("QLinearConv", {{1, 8, 8, 16}, {}, {}, {32, 16, 3, 3}, {32}, {32}, {}, {}, {32}},
                           {{1, 8, 8, 32}})),
            kConvMacs);
  // Transposed: each of the 64 input elements meets C_out/group * kernel = 3 * 2 * 2 weights.
  EXPECT_EQ(macs_of(record("ConvTranspose", {{1, 4, 4, 4}, {4, 3, 2, 2}}, {{1, 3, 8, 8}})), 64.0 * 12);
}

TEST(NodeMacsTest, MatrixProductsCountKPerOutputElement) {
  EXPECT_EQ(macs_of(record("MatMul", {{2, 4, 8}}, {{2, 4, 6}})), 2.0 * 4 * 6 * 8);
  EXPECT_EQ(macs_of(record("MatMul", {{8}, {8, 6}}, {{6}})), 6.0 * 8);
  EXPECT_EQ(macs_of(record("MatMul", {{3, 8}, {8}}, {{3}})), 3.0 * 8);
  // Gemm A [M=3, K=8], and transposed A [K=8, M=3]: the same product.
  EXPECT_EQ(macs_of(record("Gemm", {{3, 8}, {5}}, {{3, 5}})), 3.0 * 5 * 8);
  EXPECT_EQ(macs_of(record("Gemm", {{8, 3}, {5}}, {{3, 5}})), 3.0 * 5 * 8);
  EXPECT_EQ(macs_of(record("QLinearMatMul", {{1, 17, 64}, {}, {}, {64, 128}}, {{1, 17, 128}})), 17.0 * 128 * 64);
  EXPECT_EQ(macs_of(record("MatMulIntegerToFloat", {{17, 64}, {64, 128}}, {{17, 128}})), 17.0 * 128 * 64);
}

TEST(NodeMacsTest, KernelClasses) {
  EXPECT_EQ(mac_kernel("Conv"), MacKernel::kFloat);
  EXPECT_EQ(mac_kernel("FusedMatMul"), MacKernel::kFloat);
  EXPECT_EQ(mac_kernel("QLinearConv"), MacKernel::kInt8);
  EXPECT_EQ(mac_kernel("DynamicQuantizeMatMul"), MacKernel::kInt8);
  EXPECT_EQ(mac_kernel("QGemm"), MacKernel::kInt8);
  EXPECT_EQ(mac_kernel("MatMulNBits"), MacKernel::kWeightOnly);
  EXPECT_EQ(mac_kernel("Relu"), MacKernel::kNone);
  EXPECT_EQ(macs_of(record("Relu", {{1, 8}}, {{1, 8}})), 0);

  std::vector<NodeRecord> nodes = {record("MatMulNBits", {{4, 64}}, {{4, 32}}),
                                   record("QLinearMatMul", {{4, 64}}, {{4, 32}}),
                                   record("MatMul", {{4, 64}}, {{4, 64}})};
  auto coverage = int8_coverage(nodes);
  ASSERT_TRUE(coverage.ok()) << coverage.status().to_string();
  EXPECT_EQ(coverage->weight_only_macs, 4.0 * 32 * 64);
  EXPECT_EQ(coverage->int8_macs, 4.0 * 32 * 64);
  EXPECT_EQ(coverage->float_macs, 4.0 * 64 * 64);
  EXPECT_DOUBLE_EQ(coverage->share(), 0.25);
}

TEST(NodeMacsTest, ConvolutionWithoutItsWeightIsAnError) {
  // A session that prepacks weights leaves them out of the trace: the inputs after the weight
  // move up, and the scale or bias found in its place is not a weight.
  for (const NodeRecord& node :
       {record("QLinearConv", {{1, 8, 8, 16}, {}, {}, {32}, {32}, {}, {}, {32}}, {{1, 8, 8, 32}}),
        record("Conv", {{1, 16, 8, 8}, {32}}, {{1, 32, 8, 8}}), record("Conv", {{1, 16, 8, 8}}, {{1, 32, 8, 8}})}) {
    auto macs = node_macs(node);
    ASSERT_FALSE(macs.ok()) << node.op_type;
    EXPECT_EQ(macs.status().code(), StatusCode::kInvalidData);
    EXPECT_NE(macs.status().message().find(node.name), std::string::npos) << macs.status().message();
  }
}

}  // namespace
}  // namespace qac
