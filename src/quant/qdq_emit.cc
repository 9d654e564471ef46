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

// One emission: the copied graph, the nodes to insert and the bookkeeping between the
// activation, weight and bias steps. Steps run in the order of emit_qdq(); node and tensor names
// are generated in that order, so the same inputs always give the same bytes.
class QdqEmitter {
 public:
  QdqEmitter(const onnx::ModelProto& fp32, const QdqInputs& inputs, const QdqEmitOptions& options,
             std::vector<std::string>* log)
      : model_(fp32), g_(*model_.mutable_graph()), names_(g_), num_nodes_(g_.node_size()), inputs_(inputs),
        setup_(*inputs.setup), options_(options), log_(log) {}

  Result<onnx::ModelProto> emit() {
    for (const WeightQuantizer& wq : setup_.weights) nodes_with_weight_.insert(wq.node);
    if (options_.per_channel_dq_for_float_weighted_ops) index_readers();
    for (const ActivationQuantizer& aq : setup_.activations) QAC_RETURN_IF_ERROR(emit_activation(aq));
    for (const WeightQuantizer& wq : setup_.weights) QAC_RETURN_IF_ERROR(emit_weight(wq));
    drop_replaced_initializers();
    order_nodes();
    return std::move(model_);
  }

 private:
  // Readers of every tensor, and the quantized tensors that only DequantizeLinear reads.
  void index_readers() {
    for (int i = 0; i < num_nodes_; ++i) {
      for (int k = 0; k < g_.node(i).input_size(); ++k) readers_[g_.node(i).input(k)].emplace_back(i, k);
    }
    std::set<std::string> graph_outputs;
    for (const auto& o : g_.output()) graph_outputs.insert(o.name());
    for (const ActivationQuantizer& aq : setup_.activations) {
      auto it = readers_.find(aq.tensor);
      if (it != readers_.end() && it->second.size() == aq.consumers.size() && !graph_outputs.count(aq.tensor)) {
        only_quantize_reads_.insert(aq.tensor);
      }
    }
  }

  // A QuantizeLinear/DequantizeLinear pair after the producer of aq.tensor, read by its consumers.
  Status emit_activation(const ActivationQuantizer& aq) {
    const std::string& params_key = aq.params_from.empty() ? aq.id : aq.params_from;
    auto pit = inputs_.activation_params.find(params_key);
    if (pit == inputs_.activation_params.end()) {
      return Status::Internal("no parameters for activation quantizer on '" + aq.tensor + "'");
    }
    const QParams& p = pit->second;
    const std::string scale = names_.make(aq.tensor + "_scale");
    const std::string zp = names_.make(aq.tensor + "_zero_point");
    const std::string q_out = names_.make(aq.tensor + "_quantized");
    const std::string dq_out = names_.make(aq.tensor + "_dequantized");
    *g_.add_initializer() = make_initializer(scale, DType::kFloat32, {}, &p.scale, sizeof(float));
    *g_.add_initializer() = scalar_zero_point(zp, p);
    std::vector<onnx::NodeProto> pair = {
        make_node(ops::kQuantizeLinear, names_.make(aq.tensor + "_QuantizeLinear"), {aq.tensor, scale, zp}, q_out),
        make_node(ops::kDequantizeLinear, names_.make(aq.tensor + "_DequantizeLinear"), {q_out, scale, zp}, dq_out)};
    bool produced_by_node = false;
    for (int i = 0; i < num_nodes_ && !produced_by_node; ++i) {
      for (const auto& o : g_.node(i).output()) produced_by_node |= (o == aq.tensor);
    }
    auto& dest = produced_by_node ? after_value_[aq.tensor] : at_start_;
    dest.insert(dest.end(), pair.begin(), pair.end());
    std::string consumers;
    std::map<std::pair<int, int64_t>, std::string> per_channel_dq;  // (axis, channels) -> its output
    for (const auto& [node, slot] : aq.consumers) {
      if (node < 0 || node >= num_nodes_ || slot >= g_.node(node).input_size()) {
        return Status::Internal("activation quantizer on '" + aq.tensor + "' names a bad consumer");
      }
      const std::optional<ChannelAxis> shield =
          options_.per_channel_dq_for_float_weighted_ops
              ? float_weighted_reader(g_, node, slot, nodes_with_weight_, readers_, only_quantize_reads_)
              : std::nullopt;
      if (shield) {
        std::string& out = per_channel_dq[{shield->axis, shield->channels}];
        if (out.empty()) out = emit_per_channel_dq(aq.tensor, p, q_out, *shield, dest);
        g_.mutable_node(node)->set_input(slot, out);
        consumers += (consumers.empty() ? "" : ", ") + g_.node(node).name() + " (float, per-channel DequantizeLinear)";
        continue;
      }
      g_.mutable_node(node)->set_input(slot, dq_out);
      activation_of_input_[{node, slot}] = params_key;
      consumers += (consumers.empty() ? "" : ", ") + g_.node(node).name();
    }
    if (log_) {
      log_->push_back("activation quantizer on '" + aq.tensor + "' (" + dtype_name(p.dtype) + ", scale " +
                      std::to_string(p.scale) + ", zero point " + std::to_string(p.zero_point) + ") -> " + consumers);
    }
    return Status::Ok();
  }

  // A DequantizeLinear of q_out with `shield.channels` equal scales along `shield.axis`; its output.
  std::string emit_per_channel_dq(const std::string& tensor, const QParams& p, const std::string& q_out,
                                  const ChannelAxis& shield, std::vector<onnx::NodeProto>& dest) {
    const std::string out = names_.make(tensor + "_dequantized_per_channel");
    const std::string pc_scale = names_.make(tensor + "_scale_per_channel");
    const std::string pc_zp = names_.make(tensor + "_zero_point_per_channel");
    const size_t c = static_cast<size_t>(shield.channels);
    const std::vector<float> scales(c, p.scale);
    *g_.add_initializer() = make_initializer(pc_scale, DType::kFloat32, {shield.channels}, scales.data(), c * 4);
    if (p.dtype == DType::kUInt8) {
      const std::vector<uint8_t> zps(c, static_cast<uint8_t>(p.zero_point));
      *g_.add_initializer() = make_initializer(pc_zp, DType::kUInt8, {shield.channels}, zps.data(), c);
    } else {
      const std::vector<int8_t> zps(c, static_cast<int8_t>(p.zero_point));
      *g_.add_initializer() = make_initializer(pc_zp, DType::kInt8, {shield.channels}, zps.data(), c);
    }
    dest.push_back(make_node(ops::kDequantizeLinear, names_.make(tensor + "_DequantizeLinear_per_channel"),
                             {q_out, pc_scale, pc_zp}, out, shield.axis));
    return out;
  }

  // The weight's DequantizeLinear (one per initializer and axis), then the node's bias.
  Status emit_weight(const WeightQuantizer& wq) {
    auto wit = inputs_.weights.find(wq.id);
    if (wit == inputs_.weights.end()) {
      return Status::Internal("no quantized weight for '" + wq.initializer + "'");
    }
    const QuantizedWeight& qw = wit->second;
    const std::string key = wq.initializer + "#" + std::to_string(wq.axis);
    std::string dq_out;
    if (auto it = dq_of_weight_.find(key); it != dq_of_weight_.end()) {
      dq_out = it->second;
    } else {
      dq_out = emit_weight_dq(wq, qw);
      dq_of_weight_[key] = dq_out;
    }
    if (wq.node < 0 || wq.node >= num_nodes_ || wq.input_slot >= g_.node(wq.node).input_size()) {
      return Status::Internal("weight quantizer on '" + wq.initializer + "' names a bad node");
    }
    onnx::NodeProto& node = *g_.mutable_node(wq.node);
    node.set_input(wq.input_slot, dq_out);
    if (auto ab = inputs_.corrected_add_bias.find(node.name()); ab != inputs_.corrected_add_bias.end()) {
      QAC_RETURN_IF_ERROR(overwrite_float_initializer(g_, ab->second.first, ab->second.second));
    }
    emit_bias(wq, qw, node);
    return Status::Ok();
  }

  // The int8 weight (an initializer, or the float one through QuantizeLinear) and its
  // per-axis DequantizeLinear; returns the DequantizeLinear's output.
  std::string emit_weight_dq(const WeightQuantizer& wq, const QuantizedWeight& qw) {
    const int64_t channels = static_cast<int64_t>(qw.scales.size());
    const std::string scale = names_.make(wq.initializer + "_scale");
    const std::string zp = names_.make(wq.initializer + "_zero_point");
    const std::string dq_out = names_.make(wq.initializer + "_dequantized");
    const std::vector<int8_t> zeros(qw.scales.size(), 0);
    *g_.add_initializer() =
        make_initializer(scale, DType::kFloat32, {channels}, qw.scales.data(), qw.scales.size() * sizeof(float));
    *g_.add_initializer() = make_initializer(zp, DType::kInt8, {channels}, zeros.data(), zeros.size());
    const std::string q = names_.make(wq.initializer + "_quantized");
    if (options_.weights_as_int8_initializers) {
      *g_.add_initializer() = make_initializer(q, DType::kInt8, qw.q.shape, qw.q.bytes.data(), qw.q.bytes.size());
      at_start_.push_back(make_node(ops::kDequantizeLinear, names_.make(wq.initializer + "_DequantizeLinear"),
                                    {q, scale, zp}, dq_out, qw.axis));
      replaced_initializers_.insert(wq.initializer);
    } else {
      at_start_.push_back(make_node(ops::kQuantizeLinear, names_.make(wq.initializer + "_QuantizeLinear"),
                                    {wq.initializer, scale, zp}, q, qw.axis));
      at_start_.push_back(make_node(ops::kDequantizeLinear, names_.make(wq.initializer + "_DequantizeLinear"),
                                    {q, scale, zp}, dq_out, qw.axis));
    }
    return dq_out;
  }

  // Bias: int32 with scale s_x * s_w[c] when the activation input is quantized too, so that
  // ONNX Runtime fuses the node unit; float otherwise. Corrected values replace the original.
  void emit_bias(const WeightQuantizer& wq, const QuantizedWeight& qw, onnx::NodeProto& node) {
    std::vector<float> bias;
    if (auto cb = inputs_.corrected_bias.find(node.name()); cb != inputs_.corrected_bias.end()) {
      bias = cb->second;
    } else {
      bias = initializer_bias(g_, node);
    }
    if (bias.empty()) return;
    if (bias.size() != qw.scales.size()) {
      if (log_) log_->push_back("bias of " + node.name() + " left as is: its length differs from the weight's channels");
      return;
    }
    auto act = activation_of_input_.find({wq.node, kActivationSlot});
    const std::string base = node.name().empty() ? wq.initializer : node.name();
    if (node.input_size() <= kBiasSlot) {
      while (node.input_size() < kBiasSlot) node.add_input("");
      node.add_input("");
    } else if (!node.input(kBiasSlot).empty()) {
      replaced_initializers_.insert(node.input(kBiasSlot));
    }
    if (act == activation_of_input_.end()) {
      const std::string b = names_.make(base + "_bias");
      *g_.add_initializer() =
          make_initializer(b, DType::kFloat32, {static_cast<int64_t>(bias.size())}, bias.data(), bias.size() * 4);
      node.set_input(kBiasSlot, b);
      return;
    }
    const float s_x = inputs_.activation_params.at(act->second).scale;
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
    const std::string q = names_.make(base + "_bias_quantized");
    const std::string s = names_.make(base + "_bias_scale");
    const std::string z = names_.make(base + "_bias_zero_point");
    const std::string out = names_.make(base + "_bias_dequantized");
    *g_.add_initializer() = make_initializer(q, DType::kInt32, {n}, bq.data(), bq.size() * 4);
    *g_.add_initializer() = make_initializer(s, DType::kFloat32, {n}, bscale.data(), bscale.size() * 4);
    *g_.add_initializer() = make_initializer(z, DType::kInt32, {n}, zeros.data(), zeros.size() * 4);
    at_start_.push_back(make_node(ops::kDequantizeLinear, names_.make(base + "_bias_DequantizeLinear"), {q, s, z}, out, 0));
    node.set_input(kBiasSlot, out);
  }

  // Drops float initializers that no node (or subgraph, or graph output) reads any more.
  void drop_replaced_initializers() {
    if (replaced_initializers_.empty()) return;
    std::set<std::string> still_read;
    for (const auto& n : g_.node()) {
      for (const auto& v : n.input()) still_read.insert(v);
      for (const auto& a : n.attribute()) {
        if (a.has_g() || a.graphs_size() > 0) still_read.insert(replaced_initializers_.begin(), replaced_initializers_.end());
      }
    }
    for (const auto& o : g_.output()) still_read.insert(o.name());
    auto* inits = g_.mutable_initializer();
    for (int i = inits->size() - 1; i >= 0; --i) {
      const std::string& name = inits->Get(i).name();
      if (replaced_initializers_.count(name) && !still_read.count(name)) inits->DeleteSubrange(i, 1);
    }
  }

  // Rebuilds the node list in topological order: weight DQs and graph-input quantizers first,
  // then every original node followed by the quantizers of the values it produces.
  void order_nodes() {
    google::protobuf::RepeatedPtrField<onnx::NodeProto> ordered;
    for (auto& n : at_start_) *ordered.Add() = std::move(n);
    for (int i = 0; i < num_nodes_; ++i) {
      *ordered.Add() = g_.node(i);
      for (const auto& out : g_.node(i).output()) {
        auto it = after_value_.find(out);
        if (it == after_value_.end()) continue;
        for (auto& n : it->second) *ordered.Add() = std::move(n);
      }
    }
    g_.mutable_node()->Swap(&ordered);
  }

  onnx::ModelProto model_;
  onnx::GraphProto& g_;
  NameGenerator names_;
  const int num_nodes_;
  const QdqInputs& inputs_;
  const QuantizerSetup& setup_;
  const QdqEmitOptions& options_;
  std::vector<std::string>* log_;

  // Q/DQ nodes to emit right after the producer of each tensor, and before all nodes.
  std::map<std::string, std::vector<onnx::NodeProto>> after_value_;
  std::vector<onnx::NodeProto> at_start_;
  std::map<std::pair<int, int>, std::string> activation_of_input_;  // (node, slot) -> params key
  std::set<int> nodes_with_weight_;  // weighted nodes whose weight is quantized
  Readers readers_;
  std::set<std::string> only_quantize_reads_;  // tensors whose every reader reads their DequantizeLinear
  std::map<std::string, std::string> dq_of_weight_;  // weight quantizer key -> DQ output
  std::set<std::string> replaced_initializers_;
};

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
  return QdqEmitter(fp32, inputs, options, log).emit();
}

}  // namespace qac
