// ONNX Runtime's form: each pattern qac emits as a node unit runs as the int8 kernel it was
// emitted for, read from the kernels ONNX Runtime actually executes (its profiler), and the
// emitted model computes what the float QDQ reference computes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "onnx/model_io.h"
#include "quant/groups.h"
#include "quant/pipeline.h"
#include "runtime/int8_coverage.h"
#include "runtime/profile.h"
#include "runtime/session.h"
#include "support/memory_dataset.h"
#include "support/model_builder.h"

namespace qac {
namespace {

using testing::MemoryDataset;
using testing::ModelBuilder;
using testing::random_tensor;

constexpr int64_t kSamples = 16, kC = 8, kSide = 8;

QuantizationOptions ort_options() {
  QuantizationOptions o;
  o.target = Target::kCpuVnni;
  o.measure_latency = false;
  o.kernel_timing = false;  // the patterns themselves, not this CPU's choice among them
  return o;
}

struct Emitted {
  CalibratedModel cm;
  onnx::ModelProto model;
};

Emitted quantize_model(const onnx::ModelProto& fp32, const NamedTensors& data, const QuantizationOptions& o,
                       const std::set<std::string>& disabled = {}) {
  MemoryDataset calibration(data);
  auto cm = prepare(fp32, o, nullptr);
  EXPECT_TRUE(cm.ok()) << cm.status().to_string();
  EXPECT_TRUE(calibrate(*cm, calibration, o, nullptr).ok());
  EXPECT_TRUE(parameterize(*cm, o, &calibration, nullptr).ok());
  auto q = emit(*cm, disabled, o, nullptr);
  EXPECT_TRUE(q.ok()) << q.status().to_string();
  return {std::move(*cm), std::move(*q)};
}

// Op types of the kernels ONNX Runtime (all optimizations) runs for `model`.
std::multiset<std::string> executed_kernels(const onnx::ModelProto& model, const NamedTensors& feeds) {
  SessionOptions so;
  so.intra_op_threads = 1;
  so.prepack_weights = false;
  auto session = Session::create(serialize(model), so, "emitted model");
  EXPECT_TRUE(session.ok()) << session.status().to_string();
  std::multiset<std::string> kernels;
  if (!session.ok()) return kernels;
  auto nodes = profile_nodes(**session, feeds, 1, "emitted model");
  EXPECT_TRUE(nodes.ok()) << nodes.status().to_string();
  if (nodes.ok()) {
    for (const auto& n : *nodes) kernels.insert(n.op_type);
    auto coverage = int8_coverage(*nodes);
    EXPECT_TRUE(coverage.ok());
  }
  return kernels;
}

NamedTensors image_data(uint32_t seed) { return {{"x", random_tensor({kSamples, kC, kSide, kSide}, seed)}}; }

NamedTensors first_sample(const NamedTensors& data) {
  const Tensor& x = data.at("x");
  Tensor one(DType::kFloat32, {1, kC, kSide, kSide});
  std::copy(x.data<float>(), x.data<float>() + one.numel(), one.data<float>());
  return {{"x", one}};
}

// x -> Conv -> Relu -> MaxPool -> Conv(a) ; Conv(b) on x ; Add(a, b) -> GAP -> Flatten -> Gemm -> y
onnx::ModelProto conv_net() {
  ModelBuilder b;
  b.input("x", {-1, kC, kSide, kSide}).output("y");
  b.random_initializer("w1", {kC, kC, 3, 3}, 1).random_initializer("b1", {kC}, 2);
  b.random_initializer("w2", {kC, kC, 1, 1}, 3).random_initializer("w3", {kC, kC, 1, 1}, 4);
  b.random_initializer("wg", {kC, 4}, 5);
  b.node("Conv", {"x", "w1", "b1"}, {"c1"}, "conv1").ints("pads", {1, 1, 1, 1});
  b.node("Relu", {"c1"}, {"r1"}, "relu1");
  b.node("MaxPool", {"r1"}, {"p1"}, "pool1").ints("kernel_shape", {2, 2}).ints("strides", {2, 2});
  b.node("Conv", {"p1", "w2"}, {"a"}, "conv2");
  b.node("Conv", {"p1", "w3"}, {"bb"}, "conv3");
  b.node("Add", {"a", "bb"}, {"s"}, "add");
  b.node("GlobalAveragePool", {"s"}, {"g"}, "gap");
  b.node("Flatten", {"g"}, {"f"}, "flatten");
  b.node("Gemm", {"f", "wg"}, {"y"}, "gemm");
  return b.build();
}

TEST(NodeUnits, EveryUnitRunsAsItsInt8Kernel) {
  const NamedTensors data = image_data(7);
  const Emitted e = quantize_model(conv_net(), data, ort_options());
  std::set<std::string> units;
  for (const auto& u : e.cm.setup.units) units.insert(u.node_name);
  EXPECT_EQ(units, (std::set<std::string>{"conv1", "conv2", "conv3", "add", "gap", "gemm"}));
  const auto kernels = executed_kernels(e.model, first_sample(data));
  EXPECT_EQ(kernels.count("QLinearConv"), 3u);
  EXPECT_EQ(kernels.count("QLinearAdd"), 1u);
  EXPECT_EQ(kernels.count("QLinearGlobalAveragePool"), 1u);
  EXPECT_EQ(kernels.count("QGemm"), 1u);
  // Nothing left in float of what the units cover; Relu folded, MaxPool on uint8 data.
  EXPECT_EQ(kernels.count("Conv") + kernels.count("FusedConv") + kernels.count("Relu"), 0u);
  EXPECT_EQ(kernels.count("DequantizeLinear"), 0u);  // the Gemm writes float: no DQ is left
}

TEST(NodeUnits, AFloatUnitLeavesItsNeighboursFused) {
  const NamedTensors data = image_data(9);
  const QuantizationOptions o = ort_options();
  const Emitted full = quantize_model(conv_net(), data, o);
  const auto groups = build_groups(full.cm.fp32, full.cm.setup);
  ASSERT_EQ(groups.size(), full.cm.setup.units.size());
  std::set<std::string> disabled;
  for (const auto& g : groups) {
    if (g.node_names.front() == "conv2") {
      disabled.insert(g.unit_ids.begin(), g.unit_ids.end());
      disabled.insert(g.weight_ids.begin(), g.weight_ids.end());
    }
  }
  ASSERT_FALSE(disabled.empty());
  auto partial = emit(full.cm, disabled, o, nullptr);
  ASSERT_TRUE(partial.ok()) << partial.status().to_string();
  // conv2 reads the DequantizeLinear of the int8 MaxPool and keeps its float weight.
  for (const auto& n : partial->graph().node()) {
    if (n.name() == "conv2") {
      EXPECT_EQ(n.input(1), "w2");
    }
  }
  const auto kernels = executed_kernels(*partial, first_sample(data));
  // conv1 and conv3 stay fused, and so does the Add (conv2's output is quantized for it); conv2
  // runs in float although it sits between a DequantizeLinear and a QuantizeLinear (its
  // per-channel DequantizeLinear keeps ONNX Runtime from quantizing its weight per tensor).
  EXPECT_EQ(kernels.count("QLinearConv"), 2u);
  EXPECT_EQ(kernels.count("QLinearAdd"), 1u);
  EXPECT_EQ(kernels.count("Conv") + kernels.count("FusedConv"), 1u);
}

// SQNR in dB of `test` against `reference`.
double sqnr_db(const Tensor& reference, const Tensor& test) {
  double err = 0, energy = 0;
  for (size_t i = 0; i < reference.numel(); ++i) {
    const double r = reference.data<float>()[i], d = test.data<float>()[i] - r;
    err += d * d;
    energy += r * r;
  }
  return 10 * std::log10(energy / std::max(err, 1e-30));
}

Tensor run_once(const onnx::ModelProto& model, const NamedTensors& feeds, OptimizationLevel level) {
  SessionOptions so;
  so.optimization = level;
  so.intra_op_threads = 1;
  auto session = Session::create(serialize(model), so, "emitted model");
  EXPECT_TRUE(session.ok()) << session.status().to_string();
  auto out = (*session)->run(feeds);
  EXPECT_TRUE(out.ok()) << out.status().to_string();
  return out->front();
}

// pw1 -> Relu6 -> Pad -> dw1 -> Relu6 -> pw2 -> Relu -> dw2 -> Clip -> pw3 -> Add -> y.
// dw1 reads a float Pad: it stays float, between a DequantizeLinear (ONNX Runtime folds the Pad
// into it) and a QuantizeLinear. dw2 sits between int8 units: a unit with per-channel weights.
TEST(NodeUnits, DepthwiseConvsAreFloatOrUnitsAndMatchTheReference) {
  ModelBuilder b;
  b.input("x", {-1, kC, kSide, kSide}).output("y");
  b.random_initializer("w1", {kC, kC, 1, 1}, 1).random_initializer("wd", {kC, 1, 3, 3}, 2);
  b.random_initializer("w2", {kC, kC, 1, 1}, 3).random_initializer("wd2", {kC, 1, 3, 3}, 4);
  b.random_initializer("w3", {kC, kC, 1, 1}, 5);
  b.initializer("lo", {}, {0.0f}).initializer("hi", {}, {6.0f});
  b.initializer_i64("pads", {8}, {0, 0, 1, 1, 0, 0, 1, 1});
  b.node("Conv", {"x", "w1"}, {"c1"}, "pw1");
  b.node("Clip", {"c1", "lo", "hi"}, {"r1"}, "relu6_1");
  b.node("Pad", {"r1", "pads"}, {"p1"}, "pad");
  b.node("Conv", {"p1", "wd"}, {"d1"}, "dw1").i("group", kC);
  b.node("Clip", {"d1", "lo", "hi"}, {"r2"}, "relu6_2");
  b.node("Conv", {"r2", "w2"}, {"c2"}, "pw2");
  b.node("Relu", {"c2"}, {"r3"}, "relu3");
  b.node("Conv", {"r3", "wd2"}, {"d2"}, "dw2").i("group", kC).ints("pads", {1, 1, 1, 1});
  b.node("Clip", {"d2", "lo", "hi"}, {"r4"}, "relu6_4");
  b.node("Conv", {"r4", "w3"}, {"y0"}, "pw3");
  b.node("Add", {"y0", "x"}, {"y"}, "out");
  const NamedTensors data = image_data(13);
  const Emitted e = quantize_model(b.build(), data, ort_options());
  std::set<std::string> units;
  for (const auto& u : e.cm.setup.units) units.insert(u.node_name);
  EXPECT_EQ(units, (std::set<std::string>{"pw1", "pw2", "dw2", "pw3"}));
  const auto kernels = executed_kernels(e.model, first_sample(data));
  EXPECT_EQ(kernels.count("QLinearConv"), 4u) << ::testing::PrintToString(kernels);
  EXPECT_EQ(kernels.count("Conv") + kernels.count("FusedConv"), 1u) << ::testing::PrintToString(kernels);
  // Without the per-channel DequantizeLinear before dw1, ONNX Runtime ran it as an int8 kernel
  // with a per-tensor weight it quantized itself.
  const Tensor deployed = run_once(e.model, first_sample(data), OptimizationLevel::kAll);
  const Tensor reference = run_once(e.model, first_sample(data), OptimizationLevel::kDisabled);
  EXPECT_GT(sqnr_db(reference, deployed), 30.0);
}

TEST(NodeUnits, OpenVinoTargetKeepsNncfPlacement) {
  QuantizationOptions o = ort_options();
  o.target = Target::kOpenVino;
  const Emitted e = quantize_model(conv_net(), image_data(3), o);
  EXPECT_TRUE(e.cm.setup.units.empty());
  // NNCF: quantizers on op inputs only, none on a Conv output read by a quantizable op... the
  // Add reads both Conv outputs through its own input quantizers.
  bool add_inputs_quantized = false;
  for (const auto& a : e.cm.setup.activations) add_inputs_quantized |= a.tensor == "a";
  EXPECT_TRUE(add_inputs_quantized);
  int signed_activations = 0;
  for (const auto& [id, p] : e.cm.params.activation_params) signed_activations += p.dtype == DType::kInt8;
  EXPECT_GT(signed_activations, 0);  // performance preset: int8 for signed ranges
}

TEST(NodeUnits, ActivationsAreUint8OnX86Targets) {
  const Emitted e = quantize_model(conv_net(), image_data(5), ort_options());
  ASSERT_FALSE(e.cm.params.activation_params.empty());
  for (const auto& [id, p] : e.cm.params.activation_params) EXPECT_EQ(p.dtype, DType::kUInt8) << id;
}

TEST(NodeUnits, DepthwiseConvAndConvTransposeStayFloatWithAReason) {
  ModelBuilder b;
  b.input("x", {-1, kC, kSide, kSide}).output("y");
  b.random_initializer("w1", {kC, kC, 1, 1}, 1).random_initializer("wd", {kC, 1, 3, 3}, 2);
  b.random_initializer("wt", {kC, kC, 2, 2}, 3).random_initializer("w2", {kC, kC, 1, 1}, 4);
  b.node("Conv", {"x", "w1"}, {"c1"}, "pw1");
  b.node("Conv", {"c1", "wd"}, {"d"}, "dw").i("group", kC).ints("pads", {1, 1, 1, 1});
  b.node("ConvTranspose", {"d", "wt"}, {"t"}, "up").ints("strides", {2, 2});
  b.node("Conv", {"t", "w2"}, {"y0"}, "pw2");
  b.node("Relu", {"y0"}, {"y"}, "relu");
  const Emitted e = quantize_model(b.build(), image_data(11), ort_options());
  std::set<std::string> units, skipped;
  for (const auto& u : e.cm.setup.units) units.insert(u.node_name);
  for (const auto& s : e.cm.setup.skipped) skipped.insert(s.node_name);
  EXPECT_EQ(units, (std::set<std::string>{"pw1"}));  // pw2 writes the graph output (through Relu)
  EXPECT_TRUE(skipped.count("dw"));
  EXPECT_TRUE(skipped.count("up"));
  EXPECT_TRUE(skipped.count("pw2"));
}

}  // namespace
}  // namespace qac
