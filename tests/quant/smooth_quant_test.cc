#include "quant/smooth_quant.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "graph/tensor_data.h"
#include "onnx/model_io.h"
#include "onnx/normalize.h"
#include "runtime/session.h"
#include "support/memory_dataset.h"
#include "support/model_builder.h"

namespace qac {
namespace {

using testing::ModelBuilder;

constexpr int64_t kTokens = 4;
constexpr int64_t kChannels = 8;
constexpr int64_t kSamples = 16;
constexpr double kAlpha = kDefaultSmoothQuantAlpha;
// Input channels with outliers: channel -> factor applied to uniform [-1, 1) values.
const std::map<int64_t, float> kOutlierChannels = {{3, 40.0f}, {6, 10.0f}};
// Very different weight row scales.
const std::vector<float> kRowScales = {1.0f, 0.01f, 5.0f, 1.0f, 0.1f, 2.0f, 1.0f, 0.5f};

using testing::MemoryDataset;

// Uniform values in [-1, 1) over shape, last axis K, with outlier channels scaled up.
Tensor outlier_tensor(const std::vector<int64_t>& shape, uint32_t seed) {
  Tensor t = testing::random_tensor(shape, seed);
  const int64_t k = shape.back();
  float* v = t.data<float>();
  for (size_t i = 0; i < t.numel(); ++i) {
    auto it = kOutlierChannels.find(static_cast<int64_t>(i) % k);
    if (it != kOutlierChannels.end()) v[i] *= it->second;
  }
  return t;
}

// Seeded [K, N] weight whose row k is scaled by kRowScales[k].
std::vector<float> scaled_rows(int64_t n, uint32_t seed) {
  std::vector<float> w = testing::random_values(static_cast<size_t>(kChannels * n), seed);
  for (int64_t k = 0; k < kChannels; ++k) {
    for (int64_t j = 0; j < n; ++j) w[k * n + j] *= kRowScales[k];
  }
  return w;
}

QuantizationOptions transformer_options() {
  QuantizationOptions o;
  o.model_type = ModelType::kTransformer;
  o.smooth_quant_alpha = kAlpha;
  return o;
}

QuantizerSetup place(const onnx::ModelProto& model) {
  PlacementOptions popt;
  popt.model_type = ModelType::kTransformer;
  auto setup = place_quantizers(model, popt);
  EXPECT_TRUE(setup.ok()) << setup.status().to_string();
  return setup.ok() ? *setup : QuantizerSetup{};
}

// Places quantizers and smooths with the calibration tensors `data`; returns the number of
// smoothed activations.
int smooth(onnx::ModelProto& model, const NamedTensors& data, SmoothQuantLog* log) {
  const QuantizerSetup setup = place(model);
  MemoryDataset dataset(data);
  auto n = smooth_quant(model, setup, dataset, transformer_options(), log);
  EXPECT_TRUE(n.ok()) << n.status().to_string();
  return n.ok() ? *n : -1;
}

// Runs `model` (with the extra graph outputs `extra`) and returns every output by name.
NamedTensors run(onnx::ModelProto model, const NamedTensors& feeds,
                 const std::vector<std::string>& extra = {}) {
  for (const auto& name : extra) {
    auto* out = model.mutable_graph()->add_output();
    out->set_name(name);
    out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto_DataType_FLOAT);
  }
  auto session = Session::create(model.SerializeAsString(), SessionOptions{}, "smooth_quant_test");
  EXPECT_TRUE(session.ok()) << session.status().to_string();
  if (!session.ok()) return {};
  auto outputs = (*session)->run(feeds);
  EXPECT_TRUE(outputs.ok()) << outputs.status().to_string();
  if (!outputs.ok()) return {};
  NamedTensors named;
  const auto names = (*session)->output_names();
  for (size_t i = 0; i < names.size(); ++i) named[names[i]] = (*outputs)[i];
  return named;
}

void expect_same_outputs(const NamedTensors& expected, const NamedTensors& actual,
                         double relative_tolerance = 1e-4) {
  for (const auto& [name, e] : expected) {
    SCOPED_TRACE(name);
    auto it = actual.find(name);
    ASSERT_NE(it, actual.end());
    ASSERT_EQ(it->second.shape, e.shape);
    if (e.dtype != DType::kFloat32) continue;
    const float* a = it->second.data<float>();
    const float* b = e.data<float>();
    for (size_t i = 0; i < e.numel(); ++i) {
      ASSERT_NEAR(a[i], b[i], relative_tolerance * std::max(1.0f, std::fabs(b[i]))) << "element " << i;
    }
  }
}

const onnx::TensorProto* find_initializer(const onnx::ModelProto& model, const std::string& name) {
  for (const auto& t : model.graph().initializer()) {
    if (t.name() == name) return &t;
  }
  return nullptr;
}

std::vector<float> values_of(const onnx::ModelProto& model, const std::string& name) {
  const auto* t = find_initializer(model, name);
  EXPECT_NE(t, nullptr) << name;
  if (t == nullptr) return {};
  auto v = read_float_tensor(*t);
  EXPECT_TRUE(v.ok()) << v.status().to_string();
  return v.ok() ? *v : std::vector<float>{};
}

const onnx::NodeProto* find_node(const onnx::ModelProto& model, const std::string& name) {
  for (const auto& n : model.graph().node()) {
    if (n.name() == name) return &n;
  }
  return nullptr;
}

std::vector<const onnx::NodeProto*> nodes_of_type(const onnx::ModelProto& model, const std::string& op) {
  std::vector<const onnx::NodeProto*> out;
  for (const auto& n : model.graph().node()) {
    if (n.op_type() == op) out.push_back(&n);
  }
  return out;
}

// Per-channel max |x| along the last axis.
std::vector<float> channel_absmax(const Tensor& t) {
  const int64_t k = t.shape.back();
  std::vector<float> m(static_cast<size_t>(k), 0.0f);
  for (size_t i = 0; i < t.numel(); ++i) {
    m[i % k] = std::max(m[i % k], std::fabs(t.data<float>()[i]));
  }
  return m;
}

double max_over_min(const std::vector<float>& v) {
  return *std::max_element(v.begin(), v.end()) / *std::min_element(v.begin(), v.end());
}

// Max |w| of each row of a [K, N] matrix.
std::vector<float> row_absmax(const std::vector<float>& w, int64_t n) {
  std::vector<float> m(w.size() / n, 0.0f);
  for (size_t i = 0; i < w.size(); ++i) m[i / n] = std::max(m[i / n], std::fabs(w[i]));
  return m;
}

// x [N, T, K] read by MatMul q (wq [K, 6]), MatMul k (wk [K, 5]) and Relu (output r).
onnx::ModelProto shared_input_model() {
  ModelBuilder b;
  b.input("x", {-1, kTokens, kChannels}).output("yq").output("yk").output("r");
  b.initializer("wq", {kChannels, 6}, scaled_rows(6, 1));
  b.initializer("wk", {kChannels, 5}, testing::random_values(kChannels * 5, 2));
  b.node("MatMul", {"x", "wq"}, {"yq"}, "q");
  b.node("MatMul", {"x", "wk"}, {"yk"}, "k");
  b.node("Relu", {"x"}, {"r"}, "relu");
  return b.build();
}

TEST(SmoothQuantScales, FormulaFloorsAndClamps) {
  // Channel 0: plain formula; 1: zero activation (floored, then raised to the 10% quantile);
  // 2: would exceed the ceiling of 100.
  const std::vector<float> a = {4.0f, 0.0f, 1e6f, 1.0f, 2.0f, 3.0f, 5.0f, 6.0f, 7.0f, 8.0f, 9.0f};
  const std::vector<float> w(a.size(), 0.5f);
  const auto s = smooth_quant_scales(a, w, 0.5);
  const double eps = std::numeric_limits<float>::epsilon();
  EXPECT_NEAR(s[0], std::sqrt(4.0) / (std::sqrt(0.5) + eps), 1e-9);
  EXPECT_DOUBLE_EQ(s[2], 100.0);
  // 10% quantile of the raw s over 11 channels = the second smallest (position 1.0): channel 3.
  EXPECT_NEAR(s[1], s[3], 1e-12);
  EXPECT_NEAR(s[3], 1.0 / (std::sqrt(0.5) + eps), 1e-9);
  for (double v : s) EXPECT_GE(v, s[3]);
}

TEST(SmoothQuantTargets, OneTargetPerSharedActivationAndOnlyConstantWeights) {
  ModelBuilder b;
  b.input("x", {-1, kChannels}).input("z", {kChannels, 3}).output("y1").output("y2").output("y3");
  b.random_initializer("w1", {kChannels, 3}, 1).random_initializer("w2", {kChannels, 3}, 2);
  b.node("MatMul", {"x", "w1"}, {"y1"}, "m1");
  b.node("MatMul", {"x", "w2"}, {"y2"}, "m2");
  b.node("MatMul", {"x", "z"}, {"y3"}, "dynamic");  // two activation inputs: not smoothed
  const auto model = b.build();
  auto targets = smooth_quant_targets(model, place(model));
  ASSERT_TRUE(targets.ok()) << targets.status().to_string();
  EXPECT_EQ(*targets, std::vector<std::string>{"x"});

  // An ignored MatMul has no weight quantizer: it is not smoothed.
  PlacementOptions popt;
  popt.model_type = ModelType::kTransformer;
  popt.ignored_scope.names = {"m1", "m2"};
  auto ignored = place_quantizers(model, popt);
  ASSERT_TRUE(ignored.ok());
  targets = smooth_quant_targets(model, *ignored);
  ASSERT_TRUE(targets.ok());
  EXPECT_TRUE(targets->empty());
}

TEST(SmoothQuantTargets, SeesQuantizersMovedAboveAgnosticOps) {
  ModelBuilder b;
  b.input("x", {-1, kTokens, kChannels}).output("y").initializer_i64("shape", {2}, {-1, kChannels});
  b.random_initializer("w", {kChannels, 3}, 1);
  b.node("Reshape", {"x", "shape"}, {"flat"}, "reshape");
  b.node("MatMul", {"flat", "w"}, {"y"}, "m");
  const auto model = b.build();
  const QuantizerSetup setup = place(model);
  ASSERT_EQ(setup.activations.size(), 1u);
  ASSERT_EQ(setup.activations[0].tensor, "x");  // the quantizer sits above the Reshape
  auto targets = smooth_quant_targets(model, setup);
  ASSERT_TRUE(targets.ok());
  EXPECT_EQ(*targets, std::vector<std::string>{"flat"});
}

TEST(SmoothQuant, SharedInputMatMulsGetOneMulAndOneScale) {
  const onnx::ModelProto original = shared_input_model();
  const NamedTensors data = {{"x", outlier_tensor({kSamples, kTokens, kChannels}, 7)}};
  onnx::ModelProto model = original;
  SmoothQuantLog log;
  ASSERT_EQ(smooth(model, data, &log), 1);
  EXPECT_EQ(log.folded, 0);

  // One new Mul reads x; both MatMuls read its output, the Relu still reads x.
  const auto muls = nodes_of_type(model, "Mul");
  ASSERT_EQ(muls.size(), 1u);
  const onnx::NodeProto& mul = *muls[0];
  ASSERT_EQ(mul.input(0), "x");
  const std::string smoothed = mul.output(0);
  EXPECT_EQ(find_node(model, "q")->input(0), smoothed);
  EXPECT_EQ(find_node(model, "k")->input(0), smoothed);
  EXPECT_EQ(find_node(model, "relu")->input(0), "x");

  // (a) outputs unchanged.
  const Tensor probe = outlier_tensor({3, kTokens, kChannels}, 99);
  expect_same_outputs(run(original, {{"x", probe}}), run(model, {{"x", probe}}));

  // (c, d) s from the statistics and the rows of both weights; W' = diag(s) W for both.
  const std::vector<float> wq = values_of(original, "wq"), wk = values_of(original, "wk");
  std::vector<float> w_rows = row_absmax(wq, 6);
  const std::vector<float> wk_rows = row_absmax(wk, 5);
  for (size_t c = 0; c < w_rows.size(); ++c) w_rows[c] = std::max(w_rows[c], wk_rows[c]);
  const std::vector<double> s = smooth_quant_scales(channel_absmax(data.at("x")), w_rows, kAlpha);
  const std::vector<float> inverse = values_of(model, mul.input(1));
  ASSERT_EQ(inverse.size(), static_cast<size_t>(kChannels));
  for (int64_t c = 0; c < kChannels; ++c) EXPECT_NEAR(inverse[c] * s[c], 1.0, 1e-6) << c;
  const std::vector<float> wq_new = values_of(model, "wq"), wk_new = values_of(model, "wk");
  for (size_t i = 0; i < wq.size(); ++i) EXPECT_NEAR(wq_new[i], wq[i] * s[i / 6], 1e-5 * s[i / 6]);
  for (size_t i = 0; i < wk.size(); ++i) EXPECT_NEAR(wk_new[i], wk[i] * s[i / 5], 1e-5 * s[i / 5]);

  // (b) the per-channel range of the MatMul input is much flatter.
  const NamedTensors with_x = run(model, {{"x", probe}}, {smoothed});
  const double before = max_over_min(channel_absmax(probe));
  const double after = max_over_min(channel_absmax(with_x.at(smoothed)));
  EXPECT_LT(after * 4, before) << "before " << before << ", after " << after;

  // Placed again: the quantizer sits on x' and serves exactly the two MatMuls.
  const QuantizerSetup replaced = place(model);
  ASSERT_EQ(replaced.activations.size(), 1u);
  EXPECT_EQ(replaced.activations[0].tensor, smoothed);
  EXPECT_EQ(replaced.activations[0].consumers.size(), 2u);
  EXPECT_EQ(replaced.weights.size(), 2u);
}

// Fake-quantizes x per tensor (symmetric int8) and w [K, N] per output channel (narrow range),
// multiplies, and returns the SQNR in dB against x w in float.
double quantized_matmul_sqnr(const std::vector<float>& x, const std::vector<float>& w, int64_t k,
                             int64_t n) {
  constexpr double kActivationLevels = 127.0, kWeightLevels = 127.0;
  const int64_t m = static_cast<int64_t>(x.size()) / k;
  double x_max = 0;
  for (float v : x) x_max = std::max(x_max, double(std::fabs(v)));
  const double x_scale = x_max / kActivationLevels;
  std::vector<double> xq(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    xq[i] = std::clamp(std::round(x[i] / x_scale), -kActivationLevels - 1, kActivationLevels) * x_scale;
  }
  std::vector<double> wq(w.size());
  for (int64_t j = 0; j < n; ++j) {
    double w_max = 0;
    for (int64_t r = 0; r < k; ++r) w_max = std::max(w_max, double(std::fabs(w[r * n + j])));
    const double w_scale = w_max / kWeightLevels;
    for (int64_t r = 0; r < k; ++r) wq[r * n + j] = std::round(w[r * n + j] / w_scale) * w_scale;
  }
  double signal = 0, noise = 0;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double y = 0, yq = 0;
      for (int64_t r = 0; r < k; ++r) {
        y += double(x[i * k + r]) * w[r * n + j];
        yq += xq[i * k + r] * wq[r * n + j];
      }
      signal += y * y;
      noise += (y - yq) * (y - yq);
    }
  }
  return 10.0 * std::log10(signal / noise);
}

TEST(SmoothQuant, QuantizedErrorImprovesForOutlierChannels) {
  constexpr int64_t kOut = 16;
  ModelBuilder b;
  b.input("x", {-1, kChannels}).output("y").random_initializer("w", {kChannels, kOut}, 3);
  b.node("MatMul", {"x", "w"}, {"y"}, "m");
  const onnx::ModelProto original = b.build();
  const Tensor x = outlier_tensor({256, kChannels}, 5);
  onnx::ModelProto model = original;
  ASSERT_EQ(smooth(model, {{"x", x}}, nullptr), 1);
  const std::string smoothed = find_node(model, "m")->input(0);
  ASSERT_NE(smoothed, "x");
  const Tensor x_smoothed = run(model, {{"x", x}}, {smoothed}).at(smoothed);
  const std::vector<float> xs(x.data<float>(), x.data<float>() + x.numel());
  const std::vector<float> xs_smoothed(x_smoothed.data<float>(),
                                       x_smoothed.data<float>() + x_smoothed.numel());
  const double before = quantized_matmul_sqnr(xs, values_of(original, "w"), kChannels, kOut);
  const double after = quantized_matmul_sqnr(xs_smoothed, values_of(model, "w"), kChannels, kOut);
  EXPECT_GT(after, before + 3.0) << "SQNR before " << before << " dB, after " << after << " dB";
}

// x -> [Mul(x, gamma) -> Add(., beta)] -> ln -> MatMul(w) -> y; Shape(ln) -> shp.
onnx::ModelProto affine_model(bool swap_operands) {
  ModelBuilder b;
  b.input("x", {-1, kTokens, kChannels}).output("y").output("shp", onnx::TensorProto_DataType_INT64);
  b.initializer("gamma", {kChannels}, testing::random_values(kChannels, 11, 0.5f, 2.0f));
  b.initializer("beta", {kChannels}, testing::random_values(kChannels, 12));
  b.initializer("w", {kChannels, 6}, scaled_rows(6, 13));
  if (swap_operands) {
    b.node("Mul", {"gamma", "x"}, {"m"}, "ln_mul");
    b.node("Add", {"beta", "m"}, {"ln"}, "ln_add");
  } else {
    b.node("Mul", {"x", "gamma"}, {"m"}, "ln_mul");
    b.node("Add", {"m", "beta"}, {"ln"}, "ln_add");
  }
  b.node("MatMul", {"ln", "w"}, {"y"}, "fc");
  b.node("Shape", {"ln"}, {"shp"}, "shape");
  return b.build();
}

TEST(SmoothQuant, FoldsIntoDecomposedLayerNormAffine) {
  for (bool swap : {false, true}) {
    SCOPED_TRACE(swap ? "Mul(gamma, x), Add(beta, m)" : "Mul(x, gamma), Add(m, beta)");
    const onnx::ModelProto original = affine_model(swap);
    const NamedTensors data = {{"x", outlier_tensor({kSamples, kTokens, kChannels}, 21)}};
    onnx::ModelProto model = original;
    SmoothQuantLog log;
    ASSERT_EQ(smooth(model, data, &log), 1);
    EXPECT_EQ(log.folded, 1);
    EXPECT_EQ(model.graph().node_size(), original.graph().node_size());  // no new node
    EXPECT_EQ(find_node(model, "fc")->input(0), "ln");

    const Tensor probe = outlier_tensor({2, kTokens, kChannels}, 77);
    expect_same_outputs(run(original, {{"x", probe}}), run(model, {{"x", probe}}));
    // ln itself is smoothed: gamma' = gamma / s, beta' = beta / s, W' = diag(s) W.
    const std::vector<float> gamma = values_of(original, "gamma"), beta = values_of(original, "beta");
    const std::vector<float> gamma_new = values_of(model, "gamma"), beta_new = values_of(model, "beta");
    const std::vector<float> w = values_of(original, "w"), w_new = values_of(model, "w");
    for (int64_t c = 0; c < kChannels; ++c) {
      const double s = gamma[c] / gamma_new[c];
      EXPECT_NEAR(beta_new[c] * s, beta[c], 1e-5 * std::max(1.0, std::fabs(double(beta[c]))));
      for (int64_t j = 0; j < 6; ++j) EXPECT_NEAR(w_new[c * 6 + j], w[c * 6 + j] * s, 1e-5 * s);
    }
    const NamedTensors before = run(original, {{"x", probe}}, {"ln"});
    const NamedTensors after = run(model, {{"x", probe}}, {"ln"});
    EXPECT_LT(max_over_min(channel_absmax(after.at("ln"))) * 4,
              max_over_min(channel_absmax(before.at("ln"))));
    // The quantizer stays on ln, serving the MatMul.
    const QuantizerSetup replaced = place(model);
    ASSERT_EQ(replaced.activations.size(), 1u);
    EXPECT_EQ(replaced.activations[0].tensor, "ln");
  }
}

TEST(SmoothQuant, FoldsIntoLayerNormalizationOp) {
  ModelBuilder b(17);
  b.input("x", {-1, kTokens, kChannels}).output("y");
  b.initializer("scale", {kChannels}, testing::random_values(kChannels, 31, 0.5f, 2.0f));
  b.initializer("bias", {kChannels}, testing::random_values(kChannels, 32));
  b.initializer("w", {kChannels, 6}, scaled_rows(6, 33));
  b.node("LayerNormalization", {"x", "scale", "bias"}, {"ln"}, "layer_norm").i("axis", -1);
  b.node("MatMul", {"ln", "w"}, {"y"}, "fc");
  const onnx::ModelProto original = b.build();
  onnx::ModelProto model = original;
  SmoothQuantLog log;
  // After LayerNorm, the outlier channels come from large gamma: make them large.
  ASSERT_EQ(smooth(model, {{"x", outlier_tensor({kSamples, kTokens, kChannels}, 34)}}, &log), 1);
  EXPECT_EQ(log.folded, 1);
  EXPECT_EQ(model.graph().node_size(), 2);
  const Tensor probe = outlier_tensor({2, kTokens, kChannels}, 35);
  expect_same_outputs(run(original, {{"x", probe}}), run(model, {{"x", probe}}));
  EXPECT_NE(values_of(model, "scale"), values_of(original, "scale"));
}

TEST(SmoothQuant, InsertsMulWhenTheAffineOutputHasOtherReaders) {
  onnx::ModelProto original = affine_model(false);
  auto* add = original.mutable_graph()->add_node();  // residual reader of ln
  add->set_op_type("Add");
  add->set_name("residual");
  add->add_input("ln");
  add->add_input("x");
  add->add_output("res");
  auto* out = original.mutable_graph()->add_output();
  out->set_name("res");
  out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto_DataType_FLOAT);
  onnx::ModelProto model = original;
  SmoothQuantLog log;
  ASSERT_EQ(smooth(model, {{"x", outlier_tensor({kSamples, kTokens, kChannels}, 41)}}, &log), 1);
  EXPECT_EQ(log.folded, 0);
  EXPECT_EQ(values_of(model, "gamma"), values_of(original, "gamma"));
  EXPECT_EQ(find_node(model, "residual")->input(0), "ln");
  EXPECT_NE(find_node(model, "fc")->input(0), "ln");
  const Tensor probe = outlier_tensor({2, kTokens, kChannels}, 42);
  expect_same_outputs(run(original, {{"x", probe}}), run(model, {{"x", probe}}));
}

TEST(SmoothQuant, CopiesSharedWeightsAndScalesGemmTransBColumns) {
  // x feeds MatMul(w) and Gemm(x, bt, transB=1); relu(x) feeds another MatMul(w).
  ModelBuilder b;
  b.input("x", {-1, kChannels}).output("y1").output("y2").output("y3");
  b.initializer("w", {kChannels, 4}, scaled_rows(4, 51));
  b.random_initializer("bt", {5, kChannels}, 52).random_initializer("c", {5}, 53);
  b.node("MatMul", {"x", "w"}, {"y1"}, "m1");
  b.node("Gemm", {"x", "bt", "c"}, {"y2"}, "gemm").i("transB", 1).f("alpha", 0.5f).f("beta", 2.0f);
  b.node("Sigmoid", {"x"}, {"sx"}, "sigmoid");
  b.node("MatMul", {"sx", "w"}, {"y3"}, "m2");
  const onnx::ModelProto original = b.build();
  onnx::ModelProto model = original;
  SmoothQuantLog log;
  ASSERT_EQ(smooth(model, {{"x", outlier_tensor({kSamples, kChannels}, 54)}}, &log), 2);
  const auto* m1 = find_node(model, "m1");
  const auto* m2 = find_node(model, "m2");
  EXPECT_NE(m1->input(1), "w");
  EXPECT_NE(m2->input(1), "w");
  EXPECT_NE(m1->input(1), m2->input(1));
  EXPECT_EQ(find_initializer(model, "w"), nullptr);  // no reader left
  // Gemm B' [n, k] = B [n, k] * s_k, with the s of m1's weight (same group).
  const std::vector<float> w = values_of(original, "w"), w1 = values_of(model, m1->input(1));
  const std::vector<float> bt = values_of(original, "bt"), bt_new = values_of(model, "bt");
  for (int64_t k = 0; k < kChannels; ++k) {
    const double s = w1[k * 4] / w[k * 4];
    for (int64_t n = 0; n < 5; ++n) {
      EXPECT_NEAR(bt_new[n * kChannels + k], bt[n * kChannels + k] * s, 1e-5 * s);
    }
  }
  EXPECT_EQ(values_of(model, "c"), values_of(original, "c"));
  const Tensor probe = outlier_tensor({3, kChannels}, 55);
  expect_same_outputs(run(original, {{"x", probe}}), run(model, {{"x", probe}}));
}

TEST(SmoothQuant, LeavesActivationsWithoutStatisticsAlone) {
  onnx::ModelProto model = shared_input_model();
  const onnx::ModelProto original = model;
  const QuantizerSetup setup = place(model);
  SmoothQuantLog log;
  ASSERT_TRUE(apply_smooth_quant(model, setup, {}, kAlpha, &log).ok());
  EXPECT_EQ(log.smoothed_activations, 0);
  EXPECT_EQ(model.SerializeAsString(), original.SerializeAsString());
  ASSERT_FALSE(log.entries.empty());
  EXPECT_NE(log.entries.back().find("no per-channel statistics"), std::string::npos);

  // Wrong channel count: left alone too.
  std::map<std::string, TensorStats> stats;
  TensorStatsConfig config;
  config.channel_absmax_last_axis = true;
  config.histogram = false;
  TensorStats wrong("x", config);
  ASSERT_TRUE(wrong.add_batch(testing::random_tensor({2, kChannels + 1}, 1), 2).ok());
  stats.emplace("x", wrong);
  ASSERT_TRUE(apply_smooth_quant(model, setup, stats, kAlpha, &log).ok());
  EXPECT_EQ(model.SerializeAsString(), original.SerializeAsString());
  EXPECT_NE(log.entries.back().find("input channels"), std::string::npos);
}

TEST(SmoothQuant, RejectsBadAlphaAndForeignSetups) {
  onnx::ModelProto model = shared_input_model();
  const QuantizerSetup setup = place(model);
  Status s = apply_smooth_quant(model, setup, {}, 1.5, nullptr);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  QuantizerSetup foreign = setup;
  foreign.weights[0].node = 42;
  s = apply_smooth_quant(model, foreign, {}, kAlpha, nullptr);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find(foreign.weights[0].id), std::string::npos);
}

TEST(SmoothQuant, OffUnlessTransformerAndNonNegativeAlpha) {
  onnx::ModelProto model = shared_input_model();
  const onnx::ModelProto original = model;
  MemoryDataset data({{"x", outlier_tensor({kSamples, kTokens, kChannels}, 61)}});
  QuantizationOptions options = transformer_options();
  options.smooth_quant_alpha = std::nullopt;
  auto n = smooth_quant(model, place(model), data, options, nullptr);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  options = transformer_options();
  options.model_type = ModelType::kDefault;
  n = smooth_quant(model, place(model), data, options, nullptr);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_EQ(model.SerializeAsString(), original.SerializeAsString());
}

TEST(SmoothQuantModels, FashionMnistVitKeepsItsOutputs) {
  const std::filesystem::path path =
      std::filesystem::path(QAC_SOURCE_DIR) / "models" / "fashion_mnist_vit.onnx";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not present";
  auto loaded = load_model(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  onnx::ModelProto original = std::move(loaded).value();
  NormalizeLog nlog;
  ASSERT_TRUE(normalize(original, nlog).ok());
  onnx::ModelProto model = original;
  SmoothQuantLog log;
  const int smoothed = smooth(model, {{"input", testing::random_tensor({32, 1, 28, 28}, 71, -1, 2)}}, &log);
  std::string entries;
  for (const auto& e : log.entries) entries += e + "\n";
  SCOPED_TRACE(entries);
  // Per block: qkv (after norm1) and fc1 (after norm2) fold into the LayerNorm affine; proj
  // (after a Reshape) and fc2 (after GELU) get a Mul; the head Gemm (after a Gather) a Mul.
  EXPECT_EQ(smoothed, 13);
  EXPECT_EQ(log.folded, 6);
  const Tensor probe = testing::random_tensor({4, 1, 28, 28}, 72, -1, 2);
  expect_same_outputs(run(original, {{"input", probe}}), run(model, {{"input", probe}}), 1e-3);
  const QuantizerSetup before = place(original), after = place(model);
  EXPECT_EQ(after.weights.size(), before.weights.size());
  EXPECT_EQ(after.activations.size(), before.activations.size());
}

}  // namespace
}  // namespace qac
