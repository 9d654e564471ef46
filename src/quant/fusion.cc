#include "quant/fusion.h"

#include <cmath>
#include <optional>
#include <set>

#include "graph/graph_edit.h"
#include "graph/graph_view.h"
#include "graph/node_attributes.h"
#include "graph/tensor_data.h"
#include "quant/op_table.h"

namespace qac {
namespace {

constexpr float kDefaultBatchNormEpsilon = 1e-5f;
constexpr int kBatchNormInputs = 5;  // X, scale, B, mean, var
enum BatchNormInput { kBnX = 0, kBnScale = 1, kBnBias = 2, kBnMean = 3, kBnVar = 4 };

void set_float_attribute(onnx::NodeProto& node, const std::string& name, float value) {
  for (auto& attr : *node.mutable_attribute()) {
    if (attr.name() == name) {
      attr.set_f(value);
      return;
    }
  }
  auto* attr = node.add_attribute();
  attr->set_name(name);
  attr->set_type(onnx::AttributeProto_AttributeType_FLOAT);
  attr->set_f(value);
}

// Everything needed to fold one BN, computed before the graph is edited.
struct FoldPlan {
  int op = -1;
  int bn = -1;
  std::string weight_name;        // initializer to write (may be a new copy)
  bool weight_is_new = false;
  std::vector<int64_t> weight_dims;
  std::vector<float> weight;
  std::string bias_name;          // initializer to write (may be new)
  bool bias_is_new = false;
  std::vector<int64_t> bias_dims;
  std::vector<float> bias;
  int bias_slot = 2;
};

// Values of float initializer `name`, or the reason they cannot be used.
Result<std::vector<float>> initializer_values(const GraphView& view, const std::string& name) {
  const auto* init = view.initializer(name);
  if (init == nullptr) return Status::Unsupported("'" + name + "' is not an initializer");
  return read_float_tensor(*init);
}

// Scales `weight` (dims `dims`) by s along the output channels of op `node`.
Status scale_output_channels(const onnx::NodeProto& node, const std::vector<int64_t>& dims,
                             const std::vector<double>& s, std::vector<float>& weight) {
  const int64_t channels = static_cast<int64_t>(s.size());
  const std::string_view op = node.op_type();
  if (op == ops::kConv) {
    if (dims.empty() || dims[0] != channels) return Status::Unsupported("weight/BN size mismatch");
    const int64_t per_channel = static_cast<int64_t>(weight.size()) / channels;
    for (int64_t o = 0; o < channels; ++o) {
      for (int64_t k = 0; k < per_channel; ++k) weight[o * per_channel + k] *= s[o];
    }
    return Status::Ok();
  }
  if (op == ops::kConvTranspose) {
    // W: [C_in, C_out/group, k...]; output channel of W[ci, j] = (ci / (C_in/group)) *
    // (C_out/group) + j.
    const int64_t group = int_attribute(node, "group", 1);
    if (dims.size() < 2 || group < 1 || dims[1] * group != channels || dims[0] % group != 0) {
      return Status::Unsupported("weight/BN size mismatch");
    }
    const int64_t in_per_group = dims[0] / group;
    const int64_t out_per_group = dims[1];
    const int64_t spatial = static_cast<int64_t>(weight.size()) / (dims[0] * dims[1]);
    for (int64_t ci = 0; ci < dims[0]; ++ci) {
      for (int64_t j = 0; j < out_per_group; ++j) {
        const double scale = s[(ci / in_per_group) * out_per_group + j];
        float* row = &weight[(ci * out_per_group + j) * spatial];
        for (int64_t r = 0; r < spatial; ++r) row[r] *= scale;
      }
    }
    return Status::Ok();
  }
  // Gemm: B is [N, K] with transB=1, else [K, N].
  if (dims.size() != 2) return Status::Unsupported("Gemm weight is not 2-D");
  const bool trans_b = int_attribute(node, "transB", 0) != 0;
  const int64_t n = trans_b ? dims[0] : dims[1];
  const int64_t k = trans_b ? dims[1] : dims[0];
  if (n != channels) return Status::Unsupported("weight/BN size mismatch");
  for (int64_t row = 0; row < k; ++row) {
    for (int64_t o = 0; o < n; ++o) {
      weight[trans_b ? o * k + row : row * n + o] *= s[o];
    }
  }
  return Status::Ok();
}

// Plans folding BN node `bn`; a non-OK status explains why it is kept.
Result<FoldPlan> plan_fold(const GraphView& view, int bn, NameGenerator& names) {
  const auto& bn_node = view.node(bn);
  if (bn_node.input_size() != kBatchNormInputs) return Status::Unsupported("unexpected inputs");
  if (int_attribute(bn_node, "training_mode", 0) != 0) {
    return Status::Unsupported("it runs in training mode");
  }
  if (int_attribute(bn_node, "spatial", 1) != 1) return Status::Unsupported("spatial=0");
  for (int out = 1; out < bn_node.output_size(); ++out) {
    const std::string& extra = bn_node.output(out);
    if (!extra.empty() && (!view.consumers(extra).empty() || view.is_graph_output(extra))) {
      return Status::Unsupported("its running statistics outputs are used");
    }
  }
  const std::string& x = bn_node.input(kBnX);
  FoldPlan plan;
  plan.bn = bn;
  plan.op = view.producer(x);
  const auto& op_node = view.node(plan.op);
  if (view.consumers(x).size() != 1 || view.is_graph_output(x) || !view.captures(x).empty()) {
    return Status::Unsupported("'" + x + "' has other readers");
  }
  QAC_ASSIGN_OR_RETURN(auto gamma, initializer_values(view, bn_node.input(kBnScale)));
  QAC_ASSIGN_OR_RETURN(auto beta, initializer_values(view, bn_node.input(kBnBias)));
  QAC_ASSIGN_OR_RETURN(auto mean, initializer_values(view, bn_node.input(kBnMean)));
  QAC_ASSIGN_OR_RETURN(auto var, initializer_values(view, bn_node.input(kBnVar)));
  const size_t channels = gamma.size();
  if (beta.size() != channels || mean.size() != channels || var.size() != channels) {
    return Status::Unsupported("its parameters have different sizes");
  }
  const double epsilon = float_attribute(bn_node, "epsilon", kDefaultBatchNormEpsilon);
  std::vector<double> s(channels);
  for (size_t c = 0; c < channels; ++c) s[c] = gamma[c] / std::sqrt(double(var[c]) + epsilon);

  const std::string& weight = op_node.input_size() > 1 ? op_node.input(1) : std::string();
  QAC_ASSIGN_OR_RETURN(plan.weight, initializer_values(view, weight));
  const auto* weight_init = view.initializer(weight);
  plan.weight_dims.assign(weight_init->dims().begin(), weight_init->dims().end());
  QAC_RETURN_IF_ERROR(scale_output_channels(op_node, plan.weight_dims, s, plan.weight));
  plan.weight_is_new = view.consumers(weight).size() > 1 || view.is_graph_output(weight);
  plan.weight_name = plan.weight_is_new ? names.make(weight + "_bn_folded") : weight;

  // Existing bias (Conv/ConvTranspose B, Gemm C) or zeros.
  const bool is_gemm = op_node.op_type() == ops::kGemm;
  const double gemm_beta = is_gemm ? float_attribute(op_node, "beta", 1.0f) : 1.0;
  std::vector<float> old_bias(channels, 0.0f);
  plan.bias_dims = {static_cast<int64_t>(channels)};
  const bool has_bias = op_node.input_size() > plan.bias_slot &&
                        !op_node.input(plan.bias_slot).empty();
  if (has_bias) {
    const std::string& bias = op_node.input(plan.bias_slot);
    QAC_ASSIGN_OR_RETURN(auto values, initializer_values(view, bias));
    const auto* bias_init = view.initializer(bias);
    std::vector<int64_t> dims(bias_init->dims().begin(), bias_init->dims().end());
    const bool per_channel = values.size() == channels && !dims.empty() &&
                             dims.back() == static_cast<int64_t>(channels);
    if (per_channel) {
      old_bias = values;
      plan.bias_dims = dims;
    } else if (values.size() == 1) {
      old_bias.assign(channels, values[0]);  // broadcast scalar C, written out per channel
    } else {
      return Status::Unsupported("its bias '" + bias + "' is not per channel");
    }
    plan.bias_is_new = view.consumers(bias).size() > 1 || view.is_graph_output(bias) ||
                       !per_channel;
    plan.bias_name = plan.bias_is_new ? names.make(bias + "_bn_folded") : bias;
  } else {
    plan.bias_is_new = true;
    plan.bias_name = names.make(view.node_label(plan.op) + "_bias_bn_folded");
  }
  plan.bias.resize(channels);
  for (size_t c = 0; c < channels; ++c) {
    plan.bias[c] = static_cast<float>((gemm_beta * old_bias[c] - mean[c]) * s[c] + beta[c]);
  }
  return plan;
}

Status apply_fold(onnx::GraphProto& graph, const FoldPlan& plan) {
  auto write = [&](const std::string& name, bool is_new, const std::vector<int64_t>& dims,
                   const std::vector<float>& values) -> Status {
    if (is_new) return add_initializer(graph, make_float_tensor(name, dims, values)).status();
    for (auto& init : *graph.mutable_initializer()) {
      if (init.name() == name) {
        write_float_tensor(init, values);
        return Status::Ok();
      }
    }
    return Status::Internal("initializer '" + name + "' disappeared while folding");
  };
  QAC_RETURN_IF_ERROR(write(plan.weight_name, plan.weight_is_new, plan.weight_dims, plan.weight));
  QAC_RETURN_IF_ERROR(write(plan.bias_name, plan.bias_is_new, plan.bias_dims, plan.bias));
  onnx::NodeProto& op = *graph.mutable_node(plan.op);
  op.set_input(1, plan.weight_name);
  while (op.input_size() <= plan.bias_slot) op.add_input("");
  op.set_input(plan.bias_slot, plan.bias_name);
  if (op.op_type() == ops::kGemm) set_float_attribute(op, "beta", 1.0f);
  op.set_output(0, graph.node(plan.bn).output(0));
  return Status::Ok();
}

}  // namespace

Status fold_batch_norms(onnx::ModelProto& model, std::vector<std::string>* log) {
  onnx::GraphProto& graph = *model.mutable_graph();
  std::vector<FoldPlan> plans;
  {
    QAC_ASSIGN_OR_RETURN(GraphView view, GraphView::build(graph));
    NameGenerator names(graph);
    for (int bn = 0; bn < view.num_nodes(); ++bn) {
      const auto& node = view.node(bn);
      if (node.op_type() != ops::kBatchNormalization || !is_default_onnx_domain(node) ||
          node.input_size() == 0) {
        continue;
      }
      const int op = view.producer(node.input(0));
      if (op < 0) continue;
      const auto& op_node = view.node(op);
      const std::string_view op_type = op_node.op_type();
      if (!is_default_onnx_domain(op_node) ||
          (op_type != ops::kConv && op_type != ops::kConvTranspose && op_type != ops::kGemm)) {
        continue;
      }
      auto plan = plan_fold(view, bn, names);
      const std::string pair = "BatchNormalization '" + view.node_label(bn) + "' into " +
                               std::string(op_type) + " '" + view.node_label(op) + "'";
      if (!plan.ok()) {
        if (plan.status().code() != StatusCode::kUnsupported) return plan.status();
        if (log) log->push_back("kept " + pair + ": " + plan.status().message());
        continue;
      }
      if (log) log->push_back("folded " + pair);
      plans.push_back(std::move(plan).value());
    }
  }
  if (plans.empty()) return Status::Ok();
  std::vector<int> removed;
  std::set<std::string> replaced;  // BN parameters and weights/biases that were copied
  for (const auto& plan : plans) {
    const auto& op = graph.node(plan.op);
    replaced.insert(op.input(1));
    if (op.input_size() > plan.bias_slot) replaced.insert(op.input(plan.bias_slot));
    for (int i = 1; i < kBatchNormInputs; ++i) replaced.insert(graph.node(plan.bn).input(i));
    QAC_RETURN_IF_ERROR(apply_fold(graph, plan));
    removed.push_back(plan.bn);
  }
  remove_nodes(graph, removed);
  remove_unused_initializers(graph, &replaced);
  remove_stale_value_info(graph);
  return Status::Ok();
}

}  // namespace qac
