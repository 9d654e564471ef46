#include "quant/unit_timing.h"

#include <algorithm>
#include <set>

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

// Nodes that convert layouts at the borders of a one-unit model.
bool is_layout_node(const std::string& op_type) {
  return op_type == "Transpose" || op_type == "ReorderInput" || op_type == "ReorderOutput";
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
  identity->set_op_type("Identity");
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

// The QDQ form of the one-unit model, as emit_qdq writes it for the whole model. Activation
// parameters come from the calibration range (the kernel's speed does not depend on them).
Result<onnx::ModelProto> int8_unit_model(const onnx::ModelProto& float_model, QuantizerSetup& setup,
                                         const std::map<std::string, TensorStats>& stats,
                                         const UnitTimingOptions& options) {
  QAC_ASSIGN_OR_RETURN(setup.activations, resolve_unit_quantizers(float_model.graph(), setup, {}));
  QdqInputs params;
  params.setup = &setup;
  for (const ActivationQuantizer& aq : setup.activations) {
    float lo = -1, hi = 1;
    auto it = stats.find(aq.tensor);
    if (it != stats.end() && it->second.num_values() > 0) {
      lo = std::min(it->second.min(), 0.0f);
      hi = std::max(it->second.max(), 0.0f);
      if (hi - lo <= 0) hi = lo + 1;
    }
    QAC_ASSIGN_OR_RETURN(params.activation_params[aq.id],
                         activation_qparams(lo, hi, Preset::kMixed, false, aq.tensor, options.activation_types));
  }
  for (const WeightQuantizer& w : setup.weights) {
    QAC_ASSIGN_OR_RETURN(Tensor weight, weight_tensor(float_model, w.initializer));
    QAC_ASSIGN_OR_RETURN(params.weights[w.id], quantize_weight_per_channel(weight, w.axis, 127, w.initializer));
  }
  return emit_qdq(float_model, params, qdq_emit_options(setup), nullptr);
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
    if (n.op_type == "QuantizeLinear") {
      for (auto& [name, us] : t.quantize_input_us) {
        if (starts_with(n.name, name + "_")) {
          us += n.microseconds;
          attributed = true;
          break;
        }
      }
    } else if (n.op_type == "DequantizeLinear" && starts_with(n.name, unit.output + "_")) {
      t.dequantize_output_us += n.microseconds;
      attributed = true;
    }
    if (attributed) continue;
    t.int8_us += n.microseconds;
    if (std::find(t.int8_kernels.begin(), t.int8_kernels.end(), n.op_type) == t.int8_kernels.end()) {
      t.int8_kernels.push_back(n.op_type);
    }
  }
  return std::optional<UnitTiming>(std::move(t));
}

}  // namespace qac
