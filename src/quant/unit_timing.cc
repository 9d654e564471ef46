#include "quant/unit_timing.h"

#include <algorithm>
#include <set>

#include "onnx/op_types.h"
#include "quant/qdq_emit.h"
#include "quant/unit_resolution.h"
#include "quant/weight_access.h"
#include "quant/weight_quant.h"
#include "runtime/profile.h"
#include "runtime/random_feeds.h"
#include "runtime/session.h"

namespace qac {
namespace {

constexpr const char* kTimedOutputSuffix = "/timed";

// Nodes that convert layouts at the borders of a one-unit model (Reorder*: ONNX Runtime's NCHWc
// layout conversions, which exist only in its optimized graph).
bool is_layout_node(const std::string& op_type) {
  return op_type == ops::kTranspose || op_type == "ReorderInput" || op_type == "ReorderOutput";
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

const onnx::TensorProto* find_initializer(const onnx::GraphProto& graph, const std::string& name) {
  for (const auto& init : graph.initializer()) {
    if (init.name() == name) return &init;
  }
  return nullptr;
}

void add_float_value(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* values, const std::string& name,
                     const std::vector<int64_t>* shape) {
  onnx::ValueInfoProto* v = values->Add();
  v->set_name(name);
  auto* tensor_type = v->mutable_type()->mutable_tensor_type();
  tensor_type->set_elem_type(onnx::TensorProto_DataType_FLOAT);
  if (shape != nullptr) {
    auto* dims = tensor_type->mutable_shape();
    for (int64_t d : *shape) dims->add_dim()->set_dim_value(d);
  }
}

// The one-unit float model: the unit's op (and folded Relu/Clip) reading its activation inputs
// as graph inputs and its constants as initializers, its output through an Identity. Also fills
// `setup` with the unit as node 0 (folded node 1) of that model. nullopt when an input is
// neither an activation input nor an initializer, or has no sample shape.
std::optional<onnx::ModelProto> float_unit_model(const onnx::ModelProto& fp32, const QuantizerSetup& full,
                                                 const QuantUnit& unit,
                                                 const std::map<std::string, TensorStats>& stats,
                                                 QuantizerSetup& setup, std::map<std::string, std::vector<int64_t>>& shapes) {
  const onnx::GraphProto& graph = fp32.graph();
  onnx::ModelProto m;
  m.set_ir_version(fp32.ir_version());
  *m.mutable_opset_import() = fp32.opset_import();
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("unit");
  const onnx::NodeProto& op = graph.node(unit.node);
  *g->add_node() = op;
  if (unit.folded >= 0) *g->add_node() = graph.node(unit.folded);

  QuantUnit u = unit;
  u.node = 0;
  u.folded = unit.folded >= 0 ? 1 : -1;
  u.inputs.clear();
  std::set<std::string> activation_inputs;
  for (const auto& [node, slot] : unit.inputs) {
    if (node != unit.node) return std::nullopt;
    const std::string& t = op.input(slot);
    u.inputs.emplace_back(0, slot);
    if (!activation_inputs.insert(t).second) continue;
    auto it = stats.find(t);
    if (it == stats.end() || it->second.sample_shape().empty()) return std::nullopt;
    shapes[t] = it->second.sample_shape();
    add_float_value(g->mutable_input(), t, &shapes[t]);
  }
  std::set<std::string> copied;
  for (const onnx::NodeProto& n : g->node()) {
    for (const std::string& in : n.input()) {
      if (in.empty() || activation_inputs.count(in) || in == op.output(0) || copied.count(in)) continue;
      const onnx::TensorProto* init = find_initializer(graph, in);
      if (init == nullptr) return std::nullopt;
      *g->add_initializer() = *init;
      copied.insert(in);
    }
  }
  onnx::NodeProto* identity = g->add_node();
  identity->set_op_type(ops::kIdentity);
  identity->set_name(unit.output + kTimedOutputSuffix);
  identity->add_input(unit.output);
  identity->add_output(unit.output + kTimedOutputSuffix);
  add_float_value(g->mutable_output(), unit.output + kTimedOutputSuffix, nullptr);

  setup.units = {u};
  for (const std::string& t : activation_inputs) setup.unit_tensors.push_back(t);
  setup.unit_tensors.push_back(unit.output);
  for (const WeightQuantizer& w : full.weights) {
    if (w.id != unit.weight_id) continue;
    WeightQuantizer copy = w;
    copy.node = 0;
    setup.weights.push_back(copy);
  }
  return m;
}

// The QDQ form of the one-unit model, as emit_qdq writes it for the whole model.
Result<onnx::ModelProto> int8_unit_model(const onnx::ModelProto& float_model, QuantizerSetup& setup,
                                         const std::map<std::string, TensorStats>& stats,
                                         const UnitTimingOptions& options) {
  QAC_ASSIGN_OR_RETURN(setup.activations, resolve_unit_quantizers(float_model.graph(), setup, {}));
  return emit_for_timing(float_model, setup, stats, options.activation_types);
}

Result<std::vector<NodeRecord>> profile_model(const onnx::ModelProto& model, const NamedTensors& feeds,
                                              const UnitTimingOptions& options, const std::string& label) {
  SessionOptions so;
  so.intra_op_threads = 1;
  so.allow_spinning = false;
  QAC_ASSIGN_OR_RETURN(auto session, Session::create(model.SerializeAsString(), so, label));
  for (int i = 0; i < options.warmup; ++i) QAC_RETURN_IF_ERROR(session->run(feeds).status());
  return profile_nodes(*session, feeds, std::max(1, options.runs), label);
}

}  // namespace

Result<onnx::ModelProto> emit_for_timing(const onnx::ModelProto& float_model, const QuantizerSetup& setup,
                                         const std::map<std::string, TensorStats>& stats, ActivationTypes types) {
  QdqInputs params;
  params.setup = &setup;
  for (const ActivationQuantizer& aq : setup.activations) {
    if (!aq.params_from.empty()) continue;
    float lo = -1, hi = 1;
    auto it = stats.find(aq.tensor);
    if (it != stats.end() && it->second.num_values() > 0) {
      lo = std::min(it->second.min(), 0.0f);
      hi = std::max({it->second.max(), 0.0f, lo + 1e-3f});
    }
    QAC_ASSIGN_OR_RETURN(params.activation_params[aq.id], activation_qparams(lo, hi, Preset::kMixed, false, aq.tensor, types));
  }
  for (const WeightQuantizer& w : setup.weights) {
    QAC_ASSIGN_OR_RETURN(Tensor weight, weight_tensor(float_model, w.initializer));
    QAC_ASSIGN_OR_RETURN(params.weights[w.id], quantize_weight_per_channel(weight, w.axis, 127, w.initializer));
  }
  return emit_qdq(float_model, params, qdq_emit_options(setup), nullptr);
}

Result<std::optional<UnitTiming>> time_unit(const onnx::ModelProto& fp32, const QuantizerSetup& setup,
                                            const QuantUnit& unit, const std::map<std::string, TensorStats>& stats,
                                            const UnitTimingOptions& options) {
  QuantizerSetup mini;
  std::map<std::string, std::vector<int64_t>> shapes;
  std::optional<onnx::ModelProto> float_model = float_unit_model(fp32, setup, unit, stats, mini, shapes);
  if (!float_model) return std::optional<UnitTiming>();
  QAC_ASSIGN_OR_RETURN(onnx::ModelProto int8_model, int8_unit_model(*float_model, mini, stats, options));

  std::vector<ValueSpec> inputs;
  for (const auto& [name, shape] : shapes) inputs.push_back({name, DType::kFloat32, shape});
  QAC_ASSIGN_OR_RETURN(NamedTensors feeds, random_feeds(inputs, shapes, 1, unit.id));

  const std::string float_bytes = float_model->SerializeAsString(), int8_bytes = int8_model.SerializeAsString();
  const std::string cache_key = options.cache ? options.cache->key({float_bytes, int8_bytes}) : "";
  if (options.cache) {
    if (auto cached = options.cache->get(cache_key); cached && cached->size() == 3 + shapes.size()) {
      UnitTiming t;
      t.unit_id = unit.id;
      t.float_us = (*cached)[0];
      t.int8_us = (*cached)[1];
      t.dequantize_output_us = (*cached)[2];
      size_t k = 3;
      for (const auto& [name, shape] : shapes) t.quantize_input_us[name] = (*cached)[k++];
      return std::optional<UnitTiming>(std::move(t));
    }
  }

  const std::string label = "timing model of " + unit.id;
  QAC_ASSIGN_OR_RETURN(auto float_nodes, profile_model(*float_model, feeds, options, label + " (float)"));
  QAC_ASSIGN_OR_RETURN(auto int8_nodes, profile_model(int8_model, feeds, options, label + " (int8)"));

  UnitTiming t;
  t.unit_id = unit.id;
  for (const NodeRecord& n : float_nodes) {
    if (!is_layout_node(n.op_type)) t.float_us += n.microseconds;
  }
  for (const auto& [name, shape] : shapes) t.quantize_input_us[name] = 0;
  for (const NodeRecord& n : int8_nodes) {
    if (is_layout_node(n.op_type)) continue;
    bool attributed = false;
    if (n.op_type == ops::kQuantizeLinear) {
      for (auto& [name, us] : t.quantize_input_us) {
        if (starts_with(n.name, name + "_")) {
          us += n.microseconds;
          attributed = true;
          break;
        }
      }
    } else if (n.op_type == ops::kDequantizeLinear && starts_with(n.name, unit.output + "_")) {
      t.dequantize_output_us += n.microseconds;
      attributed = true;
    }
    if (attributed) continue;
    t.int8_us += n.microseconds;
    if (std::find(t.int8_kernels.begin(), t.int8_kernels.end(), n.op_type) == t.int8_kernels.end()) {
      t.int8_kernels.push_back(n.op_type);
    }
  }
  if (options.cache) {
    std::vector<double> values = {t.float_us, t.int8_us, t.dequantize_output_us};
    for (const auto& [name, us] : t.quantize_input_us) values.push_back(us);
    options.cache->put(cache_key, values);
  }
  return std::optional<UnitTiming>(std::move(t));
}

Result<std::optional<double>> time_uint8_maxpool_penalty(const onnx::ModelProto& fp32, int node,
                                                         const std::map<std::string, TensorStats>& stats,
                                                         const UnitTimingOptions& options) {
  const onnx::NodeProto& pool = fp32.graph().node(node);
  const std::string& in = pool.input(0);
  auto it = stats.find(in);
  if (it == stats.end() || it->second.sample_shape().empty() || it->second.num_values() == 0) {
    return std::optional<double>();
  }
  const std::vector<int64_t> shape = it->second.sample_shape();
  onnx::ModelProto float_model;
  float_model.set_ir_version(fp32.ir_version());
  *float_model.mutable_opset_import() = fp32.opset_import();
  onnx::GraphProto* g = float_model.mutable_graph();
  g->set_name("pool");
  onnx::NodeProto* p = g->add_node();
  *p = pool;
  p->mutable_output()->Clear();
  p->add_output(pool.output(0));
  add_float_value(g->mutable_input(), in, &shape);
  onnx::NodeProto* identity = g->add_node();
  identity->set_op_type(ops::kIdentity);
  identity->set_name(pool.output(0) + kTimedOutputSuffix);
  identity->add_input(pool.output(0));
  identity->add_output(pool.output(0) + kTimedOutputSuffix);
  add_float_value(g->mutable_output(), pool.output(0) + kTimedOutputSuffix, nullptr);

  // Q(in) -> DQ -> MaxPool -> Q -> DQ with the input's parameters: ONNX Runtime's uint8 MaxPool.
  QuantizerSetup setup;
  ActivationQuantizer input_q;
  input_q.id = activation_quantizer_id(in);
  input_q.tensor = in;
  input_q.consumers = {{0, 0}};
  ActivationQuantizer output_q;
  output_q.id = activation_quantizer_id(pool.output(0));
  output_q.tensor = pool.output(0);
  output_q.consumers = {{1, 0}};
  output_q.params_from = input_q.id;
  setup.activations = {input_q, output_q};
  QdqInputs params;
  params.setup = &setup;
  const float lo = std::min(it->second.min(), 0.0f);
  const float hi = std::max({it->second.max(), 0.0f, lo + 1e-3f});
  QAC_ASSIGN_OR_RETURN(params.activation_params[input_q.id],
                       activation_qparams(lo, hi, Preset::kMixed, false, in, options.activation_types));
  QAC_ASSIGN_OR_RETURN(onnx::ModelProto int8_model, emit_qdq(float_model, params, QdqEmitOptions{}, nullptr));

  std::string cache_key;
  if (options.cache) {
    cache_key = options.cache->key({float_model.SerializeAsString(), int8_model.SerializeAsString()});
    if (auto cached = options.cache->get(cache_key); cached && cached->size() == 1) {
      return std::optional<double>((*cached)[0]);
    }
  }
  std::map<std::string, std::vector<int64_t>> shapes = {{in, shape}};
  QAC_ASSIGN_OR_RETURN(NamedTensors feeds, random_feeds({{in, DType::kFloat32, shape}}, shapes, 1, pool.name()));
  const std::string label = "timing model of MaxPool '" + pool.name() + "'";
  QAC_ASSIGN_OR_RETURN(auto float_nodes, profile_model(float_model, feeds, options, label + " (float)"));
  QAC_ASSIGN_OR_RETURN(auto int8_nodes, profile_model(int8_model, feeds, options, label + " (uint8)"));
  auto pool_time = [](const std::vector<NodeRecord>& nodes) {
    double us = 0;
    for (const NodeRecord& n : nodes) {
      if (n.op_type.find(ops::kMaxPool) != std::string::npos) us += n.microseconds;
    }
    return us;
  };
  const double penalty = std::max(0.0, pool_time(int8_nodes) - pool_time(float_nodes));
  if (options.cache) options.cache->put(cache_key, {penalty});
  return std::optional<double>(penalty);
}

}  // namespace qac
