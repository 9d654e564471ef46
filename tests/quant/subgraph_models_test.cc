// If branches quantized as models of their own (quant/subgraph_models.h, quant/pipeline.h):
// placement inside the branches, calibration on the values each branch reads in the runs that
// select it, emission back into the If, groups that name the branch, and the model running in
// ONNX Runtime with all optimizations.
#include "quant/subgraph_models.h"

#include <gtest/gtest.h>

#include <cmath>

#include "onnx/model_io.h"
#include "quant/pipeline.h"
#include "runtime/session.h"
#include "support/memory_dataset.h"
#include "support/model_builder.h"

namespace qac {
namespace {

using testing::MemoryDataset;
using testing::ModelBuilder;

// y = If(flag, then: Sigmoid(Relu(Conv(x, w_outer))), else: Sigmoid(Conv(x, w_inner))); x
// [N, 3, 8, 8], flag a scalar. The then branch reads its weight from the enclosing graph, the
// else branch holds its own. (A Conv whose output is a graph output stays float: see placement.)
onnx::ModelProto branching_model() {
  ModelBuilder then_b(13, "then");
  then_b.output("y_then", {-1, 4, 8, 8});
  then_b.node("Conv", {"x", "w_outer", "b_outer"}, {"conv_then"}, "conv_then").ints("pads", {1, 1, 1, 1});
  then_b.node("Relu", {"conv_then"}, {"relu_then"}, "relu_then");
  then_b.node("Sigmoid", {"relu_then"}, {"y_then"}, "sigmoid_then");
  ModelBuilder else_b(13, "else");
  else_b.output("y_else", {-1, 4, 8, 8});
  else_b.random_initializer("w_inner", {4, 3, 3, 3}, 11, -0.5f, 0.5f);
  else_b.node("Conv", {"x", "w_inner"}, {"conv_else"}, "conv_else").ints("pads", {1, 1, 1, 1});
  else_b.node("Sigmoid", {"conv_else"}, {"y_else"}, "sigmoid_else");
  ModelBuilder b;
  b.input("x", {-1, 3, 8, 8}).input("flag", {}, onnx::TensorProto_DataType_BOOL).output("y", {-1, 4, 8, 8});
  b.random_initializer("w_outer", {4, 3, 3, 3}, 7, -0.5f, 0.5f).random_initializer("b_outer", {4}, 8);
  b.node("If", {"flag"}, {"y"}, "branch").graph("then_branch", then_b.model().graph()).graph(
      "else_branch", else_b.model().graph());
  return b.build();
}

// n samples of x; flag true for samples where `then_taken(i)`.
MemoryDataset samples(size_t n, const std::function<bool(size_t)>& then_taken) {
  Tensor x = testing::random_tensor({static_cast<int64_t>(n), 3, 8, 8}, 3);
  Tensor flag(DType::kBool, {static_cast<int64_t>(n)});
  for (size_t i = 0; i < n; ++i) flag.data<uint8_t>()[i] = then_taken(i) ? 1 : 0;
  return MemoryDataset({{"x", x}, {"flag", flag}});
}

QuantizationOptions options() {
  QuantizationOptions o;
  o.kernel_timing = false;  // keep every unit: the test is about where quantizers go
  o.measure_latency = false;
  o.subset_size = 64;
  return o;
}

const onnx::GraphProto& branch(const onnx::ModelProto& m, const std::string& attribute) {
  for (const auto& n : m.graph().node()) {
    if (n.op_type() != "If" && n.op_type() != "Loop" && n.op_type() != "Scan") continue;
    for (const auto& a : n.attribute()) {
      if (a.name() == attribute) return a.g();
    }
  }
  ADD_FAILURE() << "no " << attribute;
  return m.graph();
}

int count_op(const onnx::GraphProto& g, const std::string& op) {
  int count = 0;
  for (const auto& n : g.node()) count += n.op_type() == op;
  return count;
}

// Largest |a - b| relative to the largest |a|, over sample `i` run alone through both models.
double relative_error(const Session& fp32, const Session& int8, const Dataset& data, size_t i) {
  NamedTensors feed = data.read(i, 1).value();
  const Tensor a = fp32.run(feed).value().at(0), b = int8.run(feed).value().at(0);
  double worst = 0, largest = 0;
  for (size_t k = 0; k < a.numel(); ++k) {
    worst = std::max(worst, static_cast<double>(std::fabs(a.data<float>()[k] - b.data<float>()[k])));
    largest = std::max(largest, static_cast<double>(std::fabs(a.data<float>()[k])));
  }
  return worst / largest;
}

TEST(SubgraphModels, BranchesAreQuantizedCalibratedOnTheirOwnRunsAndRunInOnnxRuntime) {
  const MemoryDataset data = samples(16, [](size_t i) { return i % 2 == 0; });
  auto cm = prepare(branching_model(), options(), nullptr);
  ASSERT_TRUE(cm.ok()) << cm.status().to_string();
  ASSERT_EQ(cm->subgraphs.size(), 2u) << (cm->subgraph_log.empty() ? "" : cm->subgraph_log[0]);
  EXPECT_EQ(cm->subgraphs[0].site.prefix(), "branch/then_branch/");
  // The then branch's model takes x from the enclosing graph and holds a copy of its weight.
  const onnx::GraphProto& then_model = cm->subgraphs[0].original.graph();
  ASSERT_EQ(then_model.input_size(), 1);
  EXPECT_EQ(then_model.input(0).name(), "x");

  ASSERT_TRUE(calibrate(*cm, data, options(), nullptr).ok());
  ASSERT_EQ(cm->subgraphs.size(), 2u);
  EXPECT_EQ(cm->subgraphs[0].calibration->size(), 8u);  // the runs whose flag selects it
  EXPECT_EQ(cm->subgraphs[1].calibration->size(), 8u);
  ASSERT_TRUE(parameterize(*cm, options(), &data, nullptr).ok());

  auto q = emit(*cm, {}, options(), nullptr);
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  for (const char* attribute : {"then_branch", "else_branch"}) {
    const onnx::GraphProto& g = branch(*q, attribute);
    EXPECT_EQ(g.input_size(), 0) << attribute;  // outer-scope reads again
    EXPECT_GE(count_op(g, "QuantizeLinear"), 1) << attribute;
    EXPECT_GE(count_op(g, "DequantizeLinear"), 2) << attribute;  // activation and weight
    for (const auto& n : g.node()) {
      if (n.op_type() != "QuantizeLinear") continue;
      EXPECT_EQ(n.output(0).rfind("branch/" + std::string(attribute) + "/", 0), 0u);
    }
  }
  SessionOptions so;
  so.optimization = OptimizationLevel::kAll;
  auto fp32 = Session::create(serialize(branching_model()), so, "fp32");
  auto int8 = Session::create(serialize(*q), so, "int8");
  ASSERT_TRUE(fp32.ok() && int8.ok()) << int8.status().to_string();
  for (size_t i : {0, 1, 2, 3}) EXPECT_LT(relative_error(**fp32, **int8, data, i), 0.05) << "sample " << i;

  // Groups name the branch; returning one to float leaves that branch without quantizers.
  const std::vector<QuantizerGroup> groups = build_model_groups(*cm);
  std::set<std::string> then_ids;
  for (const QuantizerGroup& g : groups) {
    for (const std::string& id : g.unit_ids) {
      if (id.starts_with("branch/then_branch/")) then_ids.insert(id);
    }
  }
  ASSERT_FALSE(then_ids.empty());
  auto partly = emit(*cm, then_ids, options(), nullptr);
  ASSERT_TRUE(partly.ok()) << partly.status().to_string();
  EXPECT_EQ(count_op(branch(*partly, "then_branch"), "QuantizeLinear"), 0);
  EXPECT_GE(count_op(branch(*partly, "else_branch"), "QuantizeLinear"), 1);
}

TEST(SubgraphModels, ABranchNoCalibrationRunSelectsStaysFloat) {
  const MemoryDataset data = samples(8, [](size_t) { return true; });
  auto cm = prepare(branching_model(), options(), nullptr);
  ASSERT_TRUE(cm.ok()) << cm.status().to_string();
  ASSERT_TRUE(calibrate(*cm, data, options(), nullptr).ok());
  ASSERT_EQ(cm->subgraphs.size(), 1u);
  EXPECT_EQ(cm->subgraphs[0].site.attribute, "then_branch");
  ASSERT_EQ(cm->subgraph_log.size(), 1u);
  EXPECT_NE(cm->subgraph_log[0].find("branch/else_branch/ stays float: no calibration sample reaches it"),
            std::string::npos);
  QuantizationReport report;
  merge_subgraph_reports(*cm, report);
  EXPECT_EQ(report.decisions.front(), cm->subgraph_log[0]);
}

// v = x; repeat 3 times: v = Sigmoid(Relu(Conv(v, w))). The Loop body's carried value is
// captured per iteration.
onnx::ModelProto loop_model() {
  ModelBuilder body(13, "loop_body");
  body.input("iteration", {}, onnx::TensorProto_DataType_INT64).input("cond_in", {}, onnx::TensorProto_DataType_BOOL);
  body.input("v_in", {-1, 3, 8, 8}).output("cond_out", {}, onnx::TensorProto_DataType_BOOL).output("v_out", {-1, 3, 8, 8});
  body.node("Identity", {"cond_in"}, {"cond_out"}, "keep_going");
  body.node("Conv", {"v_in", "w_loop"}, {"conv"}, "conv_loop").ints("pads", {1, 1, 1, 1});
  body.node("Relu", {"conv"}, {"relu"}, "relu_loop");
  body.node("Sigmoid", {"relu"}, {"v_out"}, "sigmoid_loop");
  ModelBuilder b;
  b.input("x", {-1, 3, 8, 8}).output("y", {-1, 3, 8, 8});
  b.random_initializer("w_loop", {3, 3, 3, 3}, 5, -0.5f, 0.5f).initializer_i64("trips", {}, {3});
  b.node("Loop", {"trips", "", "x"}, {"y"}, "repeat").graph("body", body.model().graph());
  return b.build();
}

// y[n] = Sigmoid(Relu(Conv(x[n], w))) for each sample, written as a Scan over axis 0.
onnx::ModelProto scan_model() {
  ModelBuilder body(13, "scan_body");
  body.input("x_t", {3, 8, 8}).output("y_t", {4, 8, 8});
  body.initializer_i64("as_batch", {4}, {1, 3, 8, 8}).initializer_i64("as_sample", {3}, {4, 8, 8});
  body.random_initializer("w_scan", {4, 3, 3, 3}, 9, -0.5f, 0.5f);
  body.node("Reshape", {"x_t", "as_batch"}, {"x_b"}, "to_batch");
  body.node("Conv", {"x_b", "w_scan"}, {"conv"}, "conv_scan").ints("pads", {1, 1, 1, 1});
  body.node("Relu", {"conv"}, {"relu"}, "relu_scan");
  body.node("Sigmoid", {"relu"}, {"sig"}, "sigmoid_scan");
  body.node("Reshape", {"sig", "as_sample"}, {"y_t"}, "to_sample");
  ModelBuilder b;
  b.input("x", {-1, 3, 8, 8}).output("y", {-1, 4, 8, 8});
  b.node("Scan", {"x"}, {"y"}, "per_sample").graph("body", body.model().graph()).ints("num_scan_inputs", {});
  auto& scan = b.model().mutable_graph()->mutable_node()->at(0);
  for (auto& a : *scan.mutable_attribute()) {
    if (a.name() == "num_scan_inputs") {
      a.set_type(onnx::AttributeProto_AttributeType_INT);
      a.clear_ints();
      a.set_i(1);
    }
  }
  return b.build();
}

// Quantizes `model` on `data` through the pipeline; the one subgraph must be quantized, calibrated
// on `expected_samples` captured samples, and the result must track FP32 in ONNX Runtime.
void expect_body_quantized(const onnx::ModelProto& model, const Dataset& data, size_t expected_samples) {
  auto cm = prepare(model, options(), nullptr);
  ASSERT_TRUE(cm.ok()) << cm.status().to_string();
  ASSERT_EQ(cm->subgraphs.size(), 1u) << (cm->subgraph_log.empty() ? "" : cm->subgraph_log[0]);
  Status st = calibrate(*cm, data, options(), nullptr);
  ASSERT_TRUE(st.ok()) << st.to_string();
  ASSERT_EQ(cm->subgraphs.size(), 1u) << (cm->subgraph_log.empty() ? "" : cm->subgraph_log[0]);
  EXPECT_EQ(cm->subgraphs[0].calibration->size(), expected_samples);
  ASSERT_TRUE(parameterize(*cm, options(), &data, nullptr).ok());
  auto q = emit(*cm, {}, options(), nullptr);
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  const onnx::GraphProto& body = branch(*q, "body");
  EXPECT_GE(count_op(body, "QuantizeLinear"), 1);
  EXPECT_EQ(body.input_size(), branch(model, "body").input_size());  // formal inputs only
  SessionOptions so;
  so.optimization = OptimizationLevel::kAll;
  auto fp32 = Session::create(serialize(model), so, "fp32");
  auto int8 = Session::create(serialize(*q), so, "int8");
  ASSERT_TRUE(fp32.ok() && int8.ok()) << int8.status().to_string();
  for (size_t i : {0, 1}) EXPECT_LT(relative_error(**fp32, **int8, data, i), 0.05) << "sample " << i;
}

TEST(SubgraphModels, LoopBodyIsCalibratedOnEveryIteration) {
  // 8 runs of 3 iterations each: 24 samples (within the subset size of 64).
  const MemoryDataset data({{"x", testing::random_tensor({8, 3, 8, 8}, 13)}});
  expect_body_quantized(loop_model(), data, 24);
}

TEST(SubgraphModels, ScanBodyIsCalibratedOnEverySlice) {
  Tensor x = testing::random_tensor({4, 3, 8, 8}, 21);
  const MemoryDataset data({{"x", x}});
  // Each run feeds one sample [1, 3, 8, 8]: one slice per run.
  expect_body_quantized(scan_model(), data, 4);
}

// A Loop whose carried value grows by a row per iteration: its iterations' inputs do not stack,
// so its body cannot be calibrated per iteration and stays float; the rest is quantized.
TEST(SubgraphModels, LoopWhoseInputsChangeShapeStaysFloat) {
  ModelBuilder body(13, "growing_body");
  body.input("iteration", {}, onnx::TensorProto_DataType_INT64).input("cond_in", {}, onnx::TensorProto_DataType_BOOL);
  body.input("v_in", {-1, 2}).output("cond_out", {}, onnx::TensorProto_DataType_BOOL).output("v_out", {-1, 2});
  body.random_initializer("w_mm", {2, 2}, 3).initializer("row", {1, 2}, {1.0f, 2.0f});
  body.node("Identity", {"cond_in"}, {"cond_out"}, "keep_going");
  body.node("MatMul", {"v_in", "w_mm"}, {"mm"}, "mm");
  body.node("Relu", {"mm"}, {"relu"}, "relu");
  body.node("Sigmoid", {"relu"}, {"sig"}, "sig");
  body.node("Concat", {"sig", "row"}, {"v_out"}, "grow").ints("axis", {});
  for (auto& a : *body.model().mutable_graph()->mutable_node(4)->mutable_attribute()) {
    a.set_type(onnx::AttributeProto_AttributeType_INT);
    a.set_i(0);
  }
  ModelBuilder b;
  b.input("x", {-1, 2}).output("y", {-1, 2});
  b.initializer_i64("trips", {}, {3});
  b.node("Loop", {"trips", "", "x"}, {"y"}, "grow_loop").graph("body", body.model().graph());
  const MemoryDataset data({{"x", testing::random_tensor({4, 2}, 1)}});
  auto cm = prepare(b.build(), options(), nullptr);
  ASSERT_TRUE(cm.ok()) << cm.status().to_string();
  ASSERT_EQ(cm->subgraphs.size(), 1u) << (cm->subgraph_log.empty() ? "" : cm->subgraph_log[0]);
  Status st = calibrate(*cm, data, options(), nullptr);
  ASSERT_TRUE(st.ok()) << st.to_string();
  EXPECT_TRUE(cm->subgraphs.empty());
  ASSERT_EQ(cm->subgraph_log.size(), 1u);
  EXPECT_NE(cm->subgraph_log[0].find("grow_loop/body/ stays float: its inputs could not be captured"),
            std::string::npos) << cm->subgraph_log[0];
  ASSERT_TRUE(parameterize(*cm, options(), &data, nullptr).ok());
  EXPECT_TRUE(emit(*cm, {}, options(), nullptr).ok());
}

}  // namespace
}  // namespace qac
