#include "quant/bias_correction.h"

#include <cmath>
#include <optional>
#include <sstream>

#include "core/log.h"
#include "onnx/op_types.h"
#include "onnx/tensor_proto.h"
#include "quant/statistics.h"
#include "quant/weight_access.h"
#include "quant/weight_quant.h"
#include "runtime/session.h"

namespace qac {
namespace {

constexpr int kBiasSlot = 2;
// Calibration samples per layer pass of the full correction (one pass per corrected layer).
constexpr size_t kFullBiasCorrectionSamples = 64;

// Where a weighted node's bias lives, and its current values (zeros when it has none).
struct BiasSite {
  const onnx::NodeProto* node = nullptr;
  std::string add_initializer;  // MatMul: the constant operand of the Add that follows it
  std::vector<float> values;
  float delta_scale = 1.0f;     // Gemm: alpha / beta (y = alpha*A*B + beta*C)
};

const onnx::TensorProto* find_initializer(const onnx::GraphProto& g, const std::string& name) {
  for (const auto& t : g.initializer()) {
    if (t.name() == name) return &t;
  }
  return nullptr;
}

Result<std::vector<float>> float_vector(const onnx::TensorProto& t, size_t expected) {
  QAC_ASSIGN_OR_RETURN(Tensor v, to_tensor(t));
  if (v.dtype != DType::kFloat32 || v.numel() != expected) {
    return Status::Unsupported("bias '" + t.name() + "' is not a float vector of " + std::to_string(expected));
  }
  return v.to_float();
}

int rank_of(const onnx::GraphProto& g, const std::string& value) {
  auto rank = [&](const onnx::ValueInfoProto& vi) -> int {
    if (vi.name() != value || !vi.type().tensor_type().has_shape()) return -1;
    return vi.type().tensor_type().shape().dim_size();
  };
  for (const auto& vi : g.value_info()) if (int r = rank(vi); r >= 0) return r;
  for (const auto& vi : g.input()) if (int r = rank(vi); r >= 0) return r;
  for (const auto& vi : g.output()) if (int r = rank(vi); r >= 0) return r;
  return -1;
}

// Finds the bias of `node` with `channels` output channels. Returns a site with node == null
// and a reason in `why` when the layer cannot be corrected.
BiasSite find_bias_site(const onnx::GraphProto& g, const onnx::NodeProto& node, size_t channels,
                        std::string* why) {
  BiasSite site;
  const std::string& op = node.op_type();
  if (op == ops::kConv || op == ops::kGemm) {
    if (op == ops::kGemm) {
      if (int_attribute(node, "transA", 0) != 0) {
        *why = "Gemm with transA";
        return site;
      }
      const float beta = float_attribute(node, "beta", 1.0f);
      if (beta == 0.0f) {
        *why = "Gemm with beta = 0";
        return site;
      }
      site.delta_scale = float_attribute(node, "alpha", 1.0f) / beta;
    }
    if (node.input_size() > kBiasSlot && !node.input(kBiasSlot).empty()) {
      const onnx::TensorProto* b = find_initializer(g, node.input(kBiasSlot));
      if (!b) {
        *why = "its bias is not a constant";
        return site;
      }
      auto v = float_vector(*b, channels);
      if (!v.ok()) {
        *why = v.status().message();
        return site;
      }
      site.values = std::move(v).value();
    } else {
      site.values.assign(channels, 0.0f);
    }
    site.node = &node;
    return site;
  }
  if (op == ops::kMatMul) {
    int consumers = 0;
    const onnx::NodeProto* add = nullptr;
    for (const auto& n : g.node()) {
      for (const auto& in : n.input()) {
        if (in == node.output(0)) {
          ++consumers;
          if (n.op_type() == ops::kAdd) add = &n;
        }
      }
    }
    if (consumers != 1 || !add) {
      *why = "MatMul without a following Add of a constant bias";
      return site;
    }
    for (const auto& in : add->input()) {
      if (in == node.output(0)) continue;
      const onnx::TensorProto* b = find_initializer(g, in);
      if (!b) continue;
      auto v = float_vector(*b, channels);
      if (!v.ok()) continue;
      site.values = std::move(v).value();
      site.add_initializer = in;
      site.node = &node;
      return site;
    }
    *why = "the Add after the MatMul has no constant vector operand";
    return site;
  }
  *why = op + " is not corrected";
  return site;
}

// y[o] = sum_k W[o, k] * mean[k] for the weight layout of `node`: the mean output of the layer
// (without bias) when its input has per-channel means `mean`.
Result<std::vector<double>> weight_times_mean(const onnx::NodeProto& node, const Tensor& w,
                                              const std::vector<double>& mean) {
  const std::vector<float> a = w.to_float();
  const auto& s = w.shape;
  const std::string& op = node.op_type();
  std::vector<double> delta;
  auto bad_mean = [&](size_t need) {
    return Status::Internal("input channel means of " + node.name() + " have " + std::to_string(mean.size()) +
                            " entries, expected " + std::to_string(need));
  };
  if (op == ops::kConv) {
    // W: [O, I/g, k...]; input channel of (o, i) = group(o) * I/g + i.
    const int64_t out_ch = s[0], in_per_group = s[1];
    int64_t taps = 1;
    for (size_t d = 2; d < s.size(); ++d) taps *= s[d];
    const int64_t groups = int_attribute(node, "group", 1);
    const int64_t out_per_group = out_ch / groups;
    if (static_cast<int64_t>(mean.size()) != in_per_group * groups) return bad_mean(in_per_group * groups);
    delta.assign(static_cast<size_t>(out_ch), 0.0f);
    for (int64_t o = 0; o < out_ch; ++o) {
      const int64_t g0 = (o / out_per_group) * in_per_group;
      double acc = 0;
      for (int64_t i = 0; i < in_per_group; ++i) {
        const size_t base = static_cast<size_t>((o * in_per_group + i) * taps);
        double wsum = 0;
        for (int64_t k = 0; k < taps; ++k) wsum += a[base + k];
        acc += wsum * mean[static_cast<size_t>(g0 + i)];
      }
      delta[static_cast<size_t>(o)] = acc;
    }
    return delta;
  }
  // MatMul / Gemm: W [K, N], or [N, K] when Gemm transB = 1.
  const bool trans = op == ops::kGemm && int_attribute(node, "transB", 0) != 0;
  const int64_t rows = s[0], cols = s[1];
  const int64_t k_dim = trans ? cols : rows, n_dim = trans ? rows : cols;
  if (static_cast<int64_t>(mean.size()) != k_dim) return bad_mean(k_dim);
  delta.assign(static_cast<size_t>(n_dim), 0.0f);
  for (int64_t n = 0; n < n_dim; ++n) {
    double acc = 0;
    for (int64_t k = 0; k < k_dim; ++k) {
      const size_t idx = static_cast<size_t>(trans ? n * cols + k : k * cols + n);
      acc += a[idx] * mean[static_cast<size_t>(k)];
    }
    delta[static_cast<size_t>(n)] = acc;
  }
  return delta;
}

// b'[o] = b[o] + scale * (W·mean_fp - Wq·mean_q)[o]
std::vector<float> shifted_bias(const BiasSite& site, const std::vector<double>& w_mean_fp,
                                const std::vector<double>& wq_mean_q, std::vector<float>* shift) {
  std::vector<float> corrected = site.values;
  shift->assign(corrected.size(), 0.0f);
  for (size_t o = 0; o < corrected.size(); ++o) {
    (*shift)[o] = static_cast<float>(site.delta_scale * (w_mean_fp[o] - wq_mean_q[o]));
    corrected[o] += (*shift)[o];
  }
  return corrected;
}

void store(QdqInputs& params, const BiasSite& site, std::vector<float> values) {
  if (site.add_initializer.empty()) {
    params.corrected_bias[site.node->name()] = std::move(values);
  } else {
    params.corrected_add_bias[site.node->name()] = {site.add_initializer, std::move(values)};
  }
}

double max_abs(const std::vector<float>& v) {
  double m = 0;
  for (float x : v) m = std::max(m, static_cast<double>(std::fabs(x)));
  return m;
}

// A weighted layer the corrections can handle: its bias site, the FP32 per-channel means of
// its input and their axis. nullopt (with a log line) when it cannot be corrected.
struct Layer {
  BiasSite site;
  std::vector<double> mean_fp;
  int axis = 1;
};

std::optional<Layer> correctable_layer(const onnx::ModelProto& fp32, const WeightQuantizer& wq,
                                       const std::map<std::string, std::pair<std::string, int>>& inputs,
                                       const std::map<std::string, TensorStats>& stats, const QdqInputs& params,
                                       BiasCorrectionLog* log) {
  const onnx::NodeProto& node = fp32.graph().node(wq.node);
  const auto qw = params.weights.find(wq.id);
  const auto in = inputs.find(node.name());
  if (qw == params.weights.end() || in == inputs.end()) return std::nullopt;
  std::string why;
  Layer layer;
  layer.site = find_bias_site(fp32.graph(), node, qw->second.scales.size(), &why);
  const auto st = stats.find(in->second.first);
  if (layer.site.node && (st == stats.end() || st->second.channel_means().empty())) {
    why = "no channel means for its input '" + in->second.first + "'";
    layer.site.node = nullptr;
  }
  if (!layer.site.node) {
    if (log) log->entries.push_back("bias correction skipped for " + node.name() + ": " + why);
    return std::nullopt;
  }
  layer.mean_fp = st->second.channel_means();
  layer.axis = in->second.second;
  return layer;
}

}  // namespace

std::map<std::string, std::pair<std::string, int>> bias_correction_inputs(const onnx::ModelProto& fp32,
                                                                          const QuantizerSetup& setup) {
  std::map<std::string, std::pair<std::string, int>> out;
  const auto& g = fp32.graph();
  for (const auto& wq : setup.weights) {
    const onnx::NodeProto& node = g.node(wq.node);
    const std::string& op = node.op_type();
    if (op == ops::kConv || op == ops::kGemm) {
      out[node.name()] = {node.input(0), 1};
    } else if (op == ops::kMatMul) {
      const int rank = rank_of(g, node.input(0));
      out[node.name()] = {node.input(0), rank > 0 ? rank - 1 : -1};
    }
  }
  return out;
}

Status fast_bias_correction(const onnx::ModelProto& fp32, const QuantizerSetup& setup,
                            const std::map<std::string, TensorStats>& stats, QdqInputs& params,
                            BiasCorrectionLog* log) {
  const auto& g = fp32.graph();
  const auto inputs = bias_correction_inputs(fp32, setup);
  for (const auto& wq : setup.weights) {
    const onnx::NodeProto& node = g.node(wq.node);
    std::optional<Layer> layer = correctable_layer(fp32, wq, inputs, stats, params, log);
    if (!layer) continue;
    const BiasSite& site = layer->site;
    QAC_ASSIGN_OR_RETURN(Tensor w, weight_tensor(fp32, wq.initializer));
    const Tensor wdq = dequantize_weight(params.weights.at(wq.id));
    const std::vector<double>& mean = layer->mean_fp;
    QAC_ASSIGN_OR_RETURN(std::vector<double> y_fp, weight_times_mean(node, w, mean));
    QAC_ASSIGN_OR_RETURN(std::vector<double> y_q, weight_times_mean(node, wdq, mean));
    std::vector<float> delta;
    std::vector<float> corrected = shifted_bias(site, y_fp, y_q, &delta);
    if (log) {
      std::ostringstream line;
      line << "fast bias correction on " << node.name() << ": max |shift| " << max_abs(delta);
      log->entries.push_back(line.str());
    }
    store(params, site, std::move(corrected));
  }
  return Status::Ok();
}

Status full_bias_correction(const onnx::ModelProto& fp32, const QuantizerSetup& setup,
                            const std::map<std::string, TensorStats>& stats, const Dataset& calibration,
                            const QuantizationOptions& options, QdqInputs& params, BiasCorrectionLog* log) {
  const auto& g = fp32.graph();
  const auto inputs = bias_correction_inputs(fp32, setup);
  params.corrected_bias.clear();
  params.corrected_add_bias.clear();
  SessionOptions so;
  so.intra_op_threads = options.num_threads;
  const size_t samples = std::min(options.subset_size, kFullBiasCorrectionSamples);
  // setup.weights is in node (topological) order: each layer is corrected with every earlier
  // correction already in the quantized model it measures.
  for (const auto& wq : setup.weights) {
    const onnx::NodeProto& node = g.node(wq.node);
    std::optional<Layer> layer = correctable_layer(fp32, wq, inputs, stats, params, log);
    if (!layer) continue;
    const BiasSite& site = layer->site;
    QAC_ASSIGN_OR_RETURN(onnx::ModelProto quantized, emit_qdq(fp32, params, qdq_emit_options(setup), nullptr));
    std::string q_input;
    for (const auto& n : quantized.graph().node()) {
      if (n.name() == node.name()) q_input = n.input(0);
    }
    if (q_input.empty()) return Status::Internal("node " + node.name() + " missing from the quantized model");
    StatisticsRequest request;
    request.histograms = false;
    request.tensors.push_back(q_input);
    request.channel_mean_axis[q_input] = layer->axis;
    QAC_ASSIGN_OR_RETURN(auto q_stats, collect_statistics(quantized, calibration, request, samples,
                                                          options.batch_size, so));
    const auto q = q_stats.find(q_input);
    const std::vector<double>& mean_fp = layer->mean_fp;
    if (q == q_stats.end() || q->second.channel_means().size() != mean_fp.size()) {
      if (log) log->entries.push_back("bias correction skipped for " + node.name() + ": quantized input means unavailable");
      continue;
    }
    QAC_ASSIGN_OR_RETURN(Tensor w, weight_tensor(fp32, wq.initializer));
    const Tensor wdq = dequantize_weight(params.weights.at(wq.id));
    QAC_ASSIGN_OR_RETURN(std::vector<double> y_fp, weight_times_mean(node, w, mean_fp));
    QAC_ASSIGN_OR_RETURN(std::vector<double> y_q, weight_times_mean(node, wdq, q->second.channel_means()));
    std::vector<float> delta;
    std::vector<float> corrected = shifted_bias(site, y_fp, y_q, &delta);
    if (log) {
      std::ostringstream line;
      line << "full bias correction on " << node.name() << ": max |shift| " << max_abs(delta);
      log->entries.push_back(line.str());
    }
    store(params, site, std::move(corrected));
  }
  return Status::Ok();
}

}  // namespace qac
