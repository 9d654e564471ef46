#include "quant/qdq_emit.h"


#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <tuple>

#include "graph/graph_edit.h"
#include "graph/node_attributes.h"
#include "graph/tensor_data.h"
#include "onnx/op_types.h"
#include "quant/op_table.h"

namespace qac {
namespace {

constexpr int kBiasSlot = 2;        // Conv, ConvTranspose, Gemm: input 2 is the bias
constexpr int kActivationSlot = 0;  // Conv, ConvTranspose, Gemm: input 0 is the activation

int onnx_type(DType t) {
  switch (t) {
    case DType::kUInt8: return onnx::TensorProto_DataType_UINT8;
    case DType::kInt8: return onnx::TensorProto_DataType_INT8;
    case DType::kInt32: return onnx::TensorProto_DataType_INT32;
    default: return onnx::TensorProto_DataType_FLOAT;
  }
}

onnx::TensorProto make_initializer(const std::string& name, DType dtype,
                                   const std::vector<int64_t>& dims, const void* data,
                                   size_t bytes) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx_type(dtype));
  for (int64_t d : dims) t.add_dims(d);
  t.set_raw_data(std::string(static_cast<const char*>(data), bytes));
  return t;
}

onnx::TensorProto scalar_zero_point(const std::string& name, const QParams& p) {
  if (p.dtype == DType::kUInt8) {
    const uint8_t v = static_cast<uint8_t>(p.zero_point);
    return make_initializer(name, DType::kUInt8, {}, &v, 1);
  }
  const int8_t v = static_cast<int8_t>(p.zero_point);
  return make_initializer(name, DType::kInt8, {}, &v, 1);
}

onnx::NodeProto make_node(const std::string& op, const std::string& name,
                          const std::vector<std::string>& inputs, const std::string& output,
                          int axis = std::numeric_limits<int>::min()) {
  onnx::NodeProto n;
  n.set_op_type(op);
  n.set_name(name);
  for (const auto& i : inputs) n.add_input(i);
  n.add_output(output);
  if (axis != std::numeric_limits<int>::min()) {
    auto* a = n.add_attribute();
    a->set_name("axis");
    a->set_type(onnx::AttributeProto_AttributeType_INT);
    a->set_i(axis);
  }
  return n;
}

// Input channels of the activation of float weighted node `node` and their axis, from its float
// initializer weight: Conv [C_out, C_in/group, k...], ConvTranspose [C_in, C_out/group, k...],
// Gemm B [K, N] (transB=0) or [N, K], activation A [M, K] (transA=0) or [K, M]. nullopt for
// other ops or weights that are not float initializers (ONNX Runtime leaves those alone).
struct ChannelAxis {
  int axis = 1;
  int64_t channels = 0;
};
std::optional<ChannelAxis> activation_channels(const onnx::NodeProto& node, const onnx::TensorProto* weight) {
  constexpr int kNchwChannelAxis = 1;
  if (!weight || weight->data_type() != onnx::TensorProto_DataType_FLOAT || weight->dims_size() < 2) return std::nullopt;
  const std::string& op = node.op_type();
  if (op == ops::kConv) return ChannelAxis{kNchwChannelAxis, weight->dims(1) * int_attribute(node, "group", 1)};
  if (op == ops::kConvTranspose) return ChannelAxis{kNchwChannelAxis, weight->dims(0)};
  if (op == ops::kGemm) {
    const bool trans_a = int_attribute(node, "transA", 0) != 0, trans_b = int_attribute(node, "transB", 0) != 0;
    return ChannelAxis{trans_a ? 0 : 1, weight->dims(trans_b ? 1 : 0)};
  }
  return std::nullopt;
}

const onnx::TensorProto* find_initializer(const onnx::GraphProto& g, const std::string& name) {
  for (const auto& t : g.initializer()) {
    if (t.name() == name) return &t;
  }
  return nullptr;
}

using Readers = std::map<std::string, std::vector<std::pair<int, int>>>;  // tensor -> (node, slot)

// Whether the output of `node` runs, through Relu/Clip nodes that each have one reader, into a
// tensor of `only_quantize_reads`: ONNX Runtime's condition for a QuantizeLinear after it.
bool runs_into_quantize(const onnx::GraphProto& g, const onnx::NodeProto& node, const Readers& readers,
                        const std::set<std::string>& only_quantize_reads) {
  const onnx::NodeProto* current = &node;
  while (current->output_size() == 1) {
    const std::string& out = current->output(0);
    if (only_quantize_reads.count(out)) return true;
    auto it = readers.find(out);
    if (it == readers.end() || it->second.size() != 1) return false;
    current = &g.node(it->second.front().first);
    if (current->op_type() != ops::kRelu && current->op_type() != ops::kClip) return false;
  }
  return false;
}

// When input `slot` of node `node` is the activation of a float Conv/ConvTranspose/Gemm (not in
// `quantized_weights`), directly or through a Pad that alone feeds one (ONNX Runtime folds such a
// Pad into the Conv first), and that op runs into a QuantizeLinear: its channel axis and count,
// for a per-channel DequantizeLinear.
std::optional<ChannelAxis> float_weighted_reader(const onnx::GraphProto& g, int node, int slot,
                                                 const std::set<int>& quantized_weights, const Readers& readers,
                                                 const std::set<std::string>& only_quantize_reads) {
  constexpr int kPadDataSlot = 0;
  const onnx::NodeProto* reader = &g.node(node);
  int reader_index = node;
  if (reader->op_type() == ops::kPad && slot == kPadDataSlot && reader->output_size() > 0) {
    auto it = readers.find(reader->output(0));
    if (it == readers.end() || it->second.size() != 1) return std::nullopt;
    std::tie(reader_index, slot) = it->second.front();
    reader = &g.node(reader_index);
  }
  if (slot != kActivationSlot || quantized_weights.count(reader_index)) return std::nullopt;
  const auto layout = weighted_op_layout(reader->op_type());
  if (!layout || reader->input_size() <= layout->weight_input) return std::nullopt;
  if (!runs_into_quantize(g, *reader, readers, only_quantize_reads)) return std::nullopt;
  return activation_channels(*reader, find_initializer(g, reader->input(layout->weight_input)));
}

// Bias values of `node` as floats, or empty when it has no 1-D float initializer bias.
std::vector<float> initializer_bias(const onnx::GraphProto& g, const onnx::NodeProto& node) {
  if (node.input_size() <= kBiasSlot || node.input(kBiasSlot).empty()) return {};
  const onnx::TensorProto* b = find_initializer(g, node.input(kBiasSlot));
  if (!b || b->data_type() != onnx::TensorProto_DataType_FLOAT || b->dims_size() != 1) return {};
  auto values = read_float_tensor(*b);
  return values.ok() ? std::move(values).value() : std::vector<float>{};
}

// Replaces the values of float initializer `name`, keeping its name and shape.
Status overwrite_float_initializer(onnx::GraphProto& g, const std::string& name,
                                   const std::vector<float>& values) {
  for (auto& t : *g.mutable_initializer()) {
    if (t.name() != name) continue;
    if (t.data_type() != onnx::TensorProto_DataType_FLOAT || tensor_numel(t) != static_cast<int64_t>(values.size())) {
      return Status::Internal("corrected bias does not fit initializer '" + name + "'");
    }
    write_float_tensor(t, values);
    return Status::Ok();
  }
  return Status::Internal("initializer '" + name + "' to correct was not found");
}

}  // namespace

QdqEmitOptions qdq_emit_options(const QuantizerSetup& setup, bool weights_as_int8_initializers) {
  QdqEmitOptions o;
  o.weights_as_int8_initializers = weights_as_int8_initializers;
  o.per_channel_dq_for_float_weighted_ops = !setup.units.empty();
  return o;
}

Result<onnx::ModelProto> emit_qdq(const onnx::ModelProto& fp32, const QdqInputs& inputs,
                                  const QdqEmitOptions& options, std::vector<std::string>* log) {
  if (!inputs.setup) return Status::Internal("emit_qdq called without a quantizer setup");
  const QuantizerSetup& setup = *inputs.setup;
  onnx::ModelProto model = fp32;
  onnx::GraphProto& g = *model.mutable_graph();
  NameGenerator names(g);
  const int num_nodes = g.node_size();

  // Q/DQ nodes to emit right after the producer of each tensor ("" = before all nodes).
  std::map<std::string, std::vector<onnx::NodeProto>> after_value;
  std::vector<onnx::NodeProto> at_start;
  std::map<std::pair<int, int>, std::string> activation_of_input;  // (node, slot) -> params key
  std::set<int> nodes_with_weight;  // weighted nodes whose weight is quantized
  for (const WeightQuantizer& wq : setup.weights) nodes_with_weight.insert(wq.node);
  Readers readers;
  std::set<std::string> only_quantize_reads;  // tensors whose every reader reads their DequantizeLinear
  if (options.per_channel_dq_for_float_weighted_ops) {
    for (int i = 0; i < num_nodes; ++i) {
      for (int k = 0; k < g.node(i).input_size(); ++k) readers[g.node(i).input(k)].emplace_back(i, k);
    }
    std::set<std::string> graph_outputs;
    for (const auto& o : g.output()) graph_outputs.insert(o.name());
    for (const ActivationQuantizer& aq : setup.activations) {
      auto it = readers.find(aq.tensor);
      if (it != readers.end() && it->second.size() == aq.consumers.size() && !graph_outputs.count(aq.tensor)) {
        only_quantize_reads.insert(aq.tensor);
      }
    }
  }

  for (const ActivationQuantizer& aq : setup.activations) {
    const std::string& params_key = aq.params_from.empty() ? aq.id : aq.params_from;
    auto pit = inputs.activation_params.find(params_key);
    if (pit == inputs.activation_params.end()) {
      return Status::Internal("no parameters for activation quantizer on '" + aq.tensor + "'");
    }
    const QParams& p = pit->second;
    const std::string scale = names.make(aq.tensor + "_scale");
    const std::string zp = names.make(aq.tensor + "_zero_point");
    const std::string q_out = names.make(aq.tensor + "_quantized");
    const std::string dq_out = names.make(aq.tensor + "_dequantized");
    *g.add_initializer() = make_initializer(scale, DType::kFloat32, {}, &p.scale, sizeof(float));
    *g.add_initializer() = scalar_zero_point(zp, p);
    std::vector<onnx::NodeProto> pair = {
        make_node(ops::kQuantizeLinear, names.make(aq.tensor + "_QuantizeLinear"), {aq.tensor, scale, zp}, q_out),
        make_node(ops::kDequantizeLinear, names.make(aq.tensor + "_DequantizeLinear"), {q_out, scale, zp}, dq_out)};
    bool produced_by_node = false;
    for (int i = 0; i < num_nodes && !produced_by_node; ++i) {
      for (const auto& o : g.node(i).output()) produced_by_node |= (o == aq.tensor);
    }
    auto& dest = produced_by_node ? after_value[aq.tensor] : at_start;
    dest.insert(dest.end(), pair.begin(), pair.end());
    std::string consumers;
    std::map<std::pair<int, int64_t>, std::string> per_channel_dq;  // (axis, channels) -> its output
    for (const auto& [node, slot] : aq.consumers) {
      if (node < 0 || node >= num_nodes || slot >= g.node(node).input_size()) {
        return Status::Internal("activation quantizer on '" + aq.tensor + "' names a bad consumer");
      }
      const std::optional<ChannelAxis> shield =
          options.per_channel_dq_for_float_weighted_ops ? float_weighted_reader(g, node, slot, nodes_with_weight, readers,
                                                                                            only_quantize_reads)
                                                        : std::nullopt;
      if (shield) {
        std::string& out = per_channel_dq[{shield->axis, shield->channels}];
        if (out.empty()) {
          out = names.make(aq.tensor + "_dequantized_per_channel");
          const std::string pc_scale = names.make(aq.tensor + "_scale_per_channel");
          const std::string pc_zp = names.make(aq.tensor + "_zero_point_per_channel");
          const size_t c = static_cast<size_t>(shield->channels);
          const std::vector<float> scales(c, p.scale);
          *g.add_initializer() = make_initializer(pc_scale, DType::kFloat32, {shield->channels}, scales.data(), c * 4);
          if (p.dtype == DType::kUInt8) {
            const std::vector<uint8_t> zps(c, static_cast<uint8_t>(p.zero_point));
            *g.add_initializer() = make_initializer(pc_zp, DType::kUInt8, {shield->channels}, zps.data(), c);
          } else {
            const std::vector<int8_t> zps(c, static_cast<int8_t>(p.zero_point));
            *g.add_initializer() = make_initializer(pc_zp, DType::kInt8, {shield->channels}, zps.data(), c);
          }
          dest.push_back(make_node(ops::kDequantizeLinear, names.make(aq.tensor + "_DequantizeLinear_per_channel"),
                                   {q_out, pc_scale, pc_zp}, out, shield->axis));
        }
        g.mutable_node(node)->set_input(slot, out);
        consumers += (consumers.empty() ? "" : ", ") + g.node(node).name() + " (float, per-channel DequantizeLinear)";
        continue;
      }
      g.mutable_node(node)->set_input(slot, dq_out);
      activation_of_input[{node, slot}] = params_key;
      consumers += (consumers.empty() ? "" : ", ") + g.node(node).name();
    }
    if (log) {
      log->push_back("activation quantizer on '" + aq.tensor + "' (" + dtype_name(p.dtype) +
                     ", scale " + std::to_string(p.scale) + ", zero point " +
                     std::to_string(p.zero_point) + ") -> " + consumers);
    }
  }

  // Weights: one quantized copy per (initializer, axis); original float initializer removed
  // when int8 initializers are requested and nothing else reads it.
  std::map<std::string, std::string> dq_of_weight;  // weight quantizer key -> DQ output
  std::set<std::string> replaced_initializers;
  for (const WeightQuantizer& wq : setup.weights) {
    auto wit = inputs.weights.find(wq.id);
    if (wit == inputs.weights.end()) {
      return Status::Internal("no quantized weight for '" + wq.initializer + "'");
    }
    const QuantizedWeight& qw = wit->second;
    const std::string key = wq.initializer + "#" + std::to_string(wq.axis);
    std::string dq_out;
    if (auto it = dq_of_weight.find(key); it != dq_of_weight.end()) {
      dq_out = it->second;
    } else {
      const int64_t channels = static_cast<int64_t>(qw.scales.size());
      const std::string scale = names.make(wq.initializer + "_scale");
      const std::string zp = names.make(wq.initializer + "_zero_point");
      dq_out = names.make(wq.initializer + "_dequantized");
      const std::vector<int8_t> zeros(qw.scales.size(), 0);
      *g.add_initializer() = make_initializer(scale, DType::kFloat32, {channels}, qw.scales.data(),
                                              qw.scales.size() * sizeof(float));
      *g.add_initializer() = make_initializer(zp, DType::kInt8, {channels}, zeros.data(), zeros.size());
      if (options.weights_as_int8_initializers) {
        const std::string q = names.make(wq.initializer + "_quantized");
        *g.add_initializer() = make_initializer(q, DType::kInt8, qw.q.shape, qw.q.bytes.data(), qw.q.bytes.size());
        at_start.push_back(make_node(ops::kDequantizeLinear, names.make(wq.initializer + "_DequantizeLinear"),
                                     {q, scale, zp}, dq_out, qw.axis));
        replaced_initializers.insert(wq.initializer);
      } else {
        const std::string q = names.make(wq.initializer + "_quantized");
        at_start.push_back(make_node(ops::kQuantizeLinear, names.make(wq.initializer + "_QuantizeLinear"),
                                     {wq.initializer, scale, zp}, q, qw.axis));
        at_start.push_back(make_node(ops::kDequantizeLinear, names.make(wq.initializer + "_DequantizeLinear"),
                                     {q, scale, zp}, dq_out, qw.axis));
      }
      dq_of_weight[key] = dq_out;
    }
    if (wq.node < 0 || wq.node >= num_nodes || wq.input_slot >= g.node(wq.node).input_size()) {
      return Status::Internal("weight quantizer on '" + wq.initializer + "' names a bad node");
    }
    onnx::NodeProto& node = *g.mutable_node(wq.node);
    node.set_input(wq.input_slot, dq_out);
    if (auto ab = inputs.corrected_add_bias.find(node.name()); ab != inputs.corrected_add_bias.end()) {
      QAC_RETURN_IF_ERROR(overwrite_float_initializer(g, ab->second.first, ab->second.second));
    }

    // Bias: int32 with scale s_x * s_w[c] when the activation input is quantized too, so that
    // ONNX Runtime fuses the node unit; float otherwise. Corrected values replace the original.
    std::vector<float> bias;
    if (auto cb = inputs.corrected_bias.find(node.name()); cb != inputs.corrected_bias.end()) {
      bias = cb->second;
    } else {
      bias = initializer_bias(g, node);
    }
    if (bias.empty()) continue;
    if (bias.size() != qw.scales.size()) {
      if (log) log->push_back("bias of " + node.name() + " left as is: its length differs from the weight's channels");
      continue;
    }
    auto act = activation_of_input.find({wq.node, kActivationSlot});
    const std::string base = node.name().empty() ? wq.initializer : node.name();
    if (node.input_size() <= kBiasSlot) {
      while (node.input_size() < kBiasSlot) node.add_input("");
      node.add_input("");
    } else if (!node.input(kBiasSlot).empty()) {
      replaced_initializers.insert(node.input(kBiasSlot));
    }
    if (act != activation_of_input.end()) {
      const float s_x = inputs.activation_params.at(act->second).scale;
      std::vector<float> bscale(bias.size());
      std::vector<int32_t> bq(bias.size());
      for (size_t c = 0; c < bias.size(); ++c) {
        // b_q = round(b / (s_x * s_w[c])), clamped to int32.
        bscale[c] = s_x * qw.scales[c];
        const double v = bscale[c] > 0 ? std::nearbyint(bias[c] / static_cast<double>(bscale[c])) : 0.0;
        bq[c] = static_cast<int32_t>(std::clamp(v, -2147483648.0, 2147483647.0));
      }
      const std::vector<int32_t> zeros(bias.size(), 0);
      const int64_t n = static_cast<int64_t>(bias.size());
      const std::string q = names.make(base + "_bias_quantized");
      const std::string s = names.make(base + "_bias_scale");
      const std::string z = names.make(base + "_bias_zero_point");
      const std::string out = names.make(base + "_bias_dequantized");
      *g.add_initializer() = make_initializer(q, DType::kInt32, {n}, bq.data(), bq.size() * 4);
      *g.add_initializer() = make_initializer(s, DType::kFloat32, {n}, bscale.data(), bscale.size() * 4);
      *g.add_initializer() = make_initializer(z, DType::kInt32, {n}, zeros.data(), zeros.size() * 4);
      at_start.push_back(make_node(ops::kDequantizeLinear, names.make(base + "_bias_DequantizeLinear"), {q, s, z}, out, 0));
      node.set_input(kBiasSlot, out);
    } else {
      const std::string b = names.make(base + "_bias");
      *g.add_initializer() = make_initializer(b, DType::kFloat32, {static_cast<int64_t>(bias.size())},
                                              bias.data(), bias.size() * 4);
      node.set_input(kBiasSlot, b);
    }
  }

  // Drop float initializers that no node (or subgraph, or graph output) reads any more.
  if (!replaced_initializers.empty()) {
    std::set<std::string> still_read;
    for (const auto& n : g.node()) {
      for (const auto& v : n.input()) still_read.insert(v);
      for (const auto& a : n.attribute()) {
        if (a.has_g() || a.graphs_size() > 0) still_read.insert(replaced_initializers.begin(), replaced_initializers.end());
      }
    }
    for (const auto& o : g.output()) still_read.insert(o.name());
    auto* inits = g.mutable_initializer();
    for (int i = inits->size() - 1; i >= 0; --i) {
      const std::string& name = inits->Get(i).name();
      if (replaced_initializers.count(name) && !still_read.count(name)) {
        inits->DeleteSubrange(i, 1);
      }
    }
  }

  // Rebuild the node list in topological order: weight DQs and graph-input quantizers first,
  // then every original node followed by the quantizers of the values it produces.
  google::protobuf::RepeatedPtrField<onnx::NodeProto> ordered;
  for (auto& n : at_start) *ordered.Add() = std::move(n);
  for (int i = 0; i < num_nodes; ++i) {
    *ordered.Add() = g.node(i);
    for (const auto& out : g.node(i).output()) {
      auto it = after_value.find(out);
      if (it == after_value.end()) continue;
      for (auto& n : it->second) *ordered.Add() = std::move(n);
    }
  }
  g.mutable_node()->Swap(&ordered);
  return model;
}

}  // namespace qac
