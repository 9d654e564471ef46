#include "quant/switchable_emit.h"

#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "graph/graph_edit.h"
#include "graph/tensor_data.h"
#include "onnx/op_types.h"

namespace qac {
namespace {

constexpr int kBiasSlot = 2;  // Conv, ConvTranspose, Gemm: input 2 is the bias

// Identifies a node across the float and the quantized model: emit_qdq keeps every node's
// outputs, and output names are unique in a graph.
std::string outputs_key(const onnx::NodeProto& node) {
  std::string key;
  for (const auto& output : node.output()) key += output + '\n';
  return key;
}

std::string describe_node(const onnx::NodeProto& node) {
  return node.name().empty() ? node.op_type() + " node producing '" + node.output(0) + "'"
                             : "node '" + node.name() + "'";
}

onnx::NodeProto make_node(const std::string& op, const std::string& name, const std::vector<std::string>& inputs,
                          const std::string& output) {
  onnx::NodeProto node;
  node.set_op_type(op);
  node.set_name(name);
  for (const auto& input : inputs) node.add_input(input);
  node.add_output(output);
  return node;
}

void add_switch_input(onnx::GraphProto& graph, const std::string& name, size_t num_groups) {
  auto* input = graph.add_input();
  input->set_name(name);
  auto* type = input->mutable_type()->mutable_tensor_type();
  type->set_elem_type(onnx::TensorProto_DataType_BOOL);
  type->mutable_shape()->add_dim()->set_dim_param("batch");
  type->mutable_shape()->add_dim()->set_dim_value(static_cast<int64_t>(num_groups));
}

// Which group decides each changed input of the float model's nodes.
class GroupAttribution {
 public:
  GroupAttribution(const CalibratedModel& cm, const std::vector<QuantizerGroup>& groups) {
    std::map<std::string, int> group_of;
    for (size_t k = 0; k < groups.size(); ++k) {
      for (const auto& id : groups[k].activation_ids) group_of[id] = static_cast<int>(k);
      for (const auto& id : groups[k].weight_ids) group_of[id] = static_cast<int>(k);
    }
    for (const ActivationQuantizer& aq : cm.setup.activations) {
      auto it = group_of.find(aq.id);
      if (it == group_of.end()) continue;
      for (const auto& consumer : aq.consumers) slot_group_[consumer] = it->second;
    }
    const onnx::GraphProto& graph = cm.fp32.graph();
    std::map<std::string, int> weighted_node_group;  // by node name
    for (const WeightQuantizer& wq : cm.setup.weights) {
      auto it = group_of.find(wq.id);
      if (it == group_of.end()) continue;
      slot_group_[{wq.node, wq.input_slot}] = it->second;
      slot_group_.emplace(std::make_pair(wq.node, kBiasSlot), it->second);
      if (wq.node >= 0 && wq.node < graph.node_size()) weighted_node_group[graph.node(wq.node).name()] = it->second;
    }
    for (const auto& [matmul, corrected] : cm.params.corrected_add_bias) {
      if (auto it = weighted_node_group.find(matmul); it != weighted_node_group.end()) {
        rewritten_initializer_group_[corrected.first] = it->second;
      }
    }
  }

  // The group switching input `slot` of float node `node`, or -1.
  int of_slot(int node, int slot) const {
    auto it = slot_group_.find({node, slot});
    return it == slot_group_.end() ? -1 : it->second;
  }
  // The group whose bias correction rewrote initializer `name` in place, or -1.
  int of_rewritten(const std::string& name) const {
    auto it = rewritten_initializer_group_.find(name);
    return it == rewritten_initializer_group_.end() ? -1 : it->second;
  }

 private:
  std::map<std::pair<int, int>, int> slot_group_;
  std::map<std::string, int> rewritten_initializer_group_;
};

// One Where(float_g, float value, quantized value) shared by every input it serves.
struct Switch {
  int group = 0;
  std::string float_value;
  std::string quantized_value;
  bool operator<(const Switch& o) const {
    return std::tie(group, float_value, quantized_value) < std::tie(o.group, o.float_value, o.quantized_value);
  }
};

// Builds the switchable model from the fully quantized one: routes each changed input through a
// Where on its group's flag, then adds the flag plumbing. Names are generated in a fixed order,
// so the same inputs give the same bytes.
class SwitchableBuilder {
 public:
  SwitchableBuilder(const CalibratedModel& cm, const std::vector<QuantizerGroup>& groups, onnx::ModelProto model)
      : float_graph_(cm.fp32.graph()), groups_(groups), model_(std::move(model)), graph_(*model_.mutable_graph()),
        names_(graph_), attribution_(cm, groups) {
    for (int j = 0; j < graph_.node_size(); ++j) quantized_index_[outputs_key(graph_.node(j))] = j;
    for (const auto& t : float_graph_.initializer()) float_initializers_[t.name()] = &t;
    for (const auto& t : graph_.initializer()) quantized_initializers_.insert(t.name());
  }

  Result<SwitchableModel> build() {
    for (int i = 0; i < float_graph_.node_size(); ++i) QAC_RETURN_IF_ERROR(switch_inputs_of(i));
    for (auto& t : restored_) *graph_.add_initializer() = std::move(t);
    SwitchableModel result;
    result.num_groups = groups_.size();
    result.switch_input = names_.make("qac_group_in_float");
    add_switch_input(graph_, result.switch_input, groups_.size());
    add_plumbing(result.switch_input);
    result.model = std::move(model_);
    return result;
  }

 private:
  // The float value of input `name` in the switchable graph: itself when quantization left it
  // alone, else the float initializer restored (under its name when dropped, a copy when rewritten).
  std::string float_value(const std::string& name) {
    if (auto it = float_copy_of_.find(name); it != float_copy_of_.end()) return it->second;
    auto init = float_initializers_.find(name);
    if (init == float_initializers_.end()) return name;  // a graph input or a computed tensor
    if (!quantized_initializers_.count(name)) {          // dropped: restore it under its name
      restored_.push_back(*init->second);
      quantized_initializers_.insert(name);
      float_copy_of_[name] = name;
      return name;
    }
    if (attribution_.of_rewritten(name) < 0) return name;  // unchanged
    const std::string copy = names_.make(name + "_float");  // rewritten in place: keep both
    restored_.push_back(*init->second);
    restored_.back().set_name(copy);
    float_copy_of_[name] = copy;
    return copy;
  }

  // Routes every input of float node `i` that quantization changed through its group's switch.
  Status switch_inputs_of(int i) {
    const onnx::NodeProto& float_node = float_graph_.node(i);
    auto found = quantized_index_.find(outputs_key(float_node));
    if (found == quantized_index_.end()) {
      return Status::Internal("the quantized model lost " + describe_node(float_node));
    }
    const int j = found->second;
    onnx::NodeProto& node = *graph_.mutable_node(j);
    const int slots = std::max(float_node.input_size(), node.input_size());
    for (int s = 0; s < slots; ++s) {
      const std::string float_input = s < float_node.input_size() ? float_node.input(s) : "";
      const std::string quantized_input = s < node.input_size() ? node.input(s) : "";
      int group = -1;
      if (float_input != quantized_input) {
        if (float_input.empty() || quantized_input.empty()) {
          return Status::Unsupported("input " + std::to_string(s) + " of " + describe_node(float_node) +
                                     " exists in only one of the float and the quantized model");
        }
        group = attribution_.of_slot(i, s);
        if (group < 0) {
          return Status::Unsupported("input " + std::to_string(s) + " of " + describe_node(float_node) +
                                     " changed under quantization but belongs to no quantizer group");
        }
      } else if (!float_input.empty()) {
        group = attribution_.of_rewritten(float_input);
      }
      if (group < 0) continue;
      const Switch sw{group, float_value(float_input), quantized_input};
      auto [it, inserted] = switch_output_.emplace(sw, "");
      if (inserted) {
        it->second = names_.make(quantized_input + "_switched");
        switches_before_[j].push_back(sw);
        used_groups_.insert(group);
      }
      node.set_input(s, it->second);
    }
    return Status::Ok();
  }

  // Row 0 of the switch input, one bool scalar per used group, and the Where nodes placed before
  // the nodes that read them.
  void add_plumbing(const std::string& switch_input) {
    google::protobuf::RepeatedPtrField<onnx::NodeProto> ordered;
    const std::string zero = names_.make("qac_switch_row_index");
    *graph_.add_initializer() = make_int64_tensor(zero, {}, {0});
    const std::string row = names_.make("qac_switch_row");
    *ordered.Add() = make_node(ops::kGather, names_.make("qac_switch_row_Gather"), {switch_input, zero}, row);
    std::map<int, std::string> condition;
    for (int group : used_groups_) {
      const std::string base = "qac_group_" + std::to_string(group) + "_in_float";
      const std::string index = names_.make(base + "_index");
      *graph_.add_initializer() = make_int64_tensor(index, {}, {group});
      condition[group] = names_.make(base);
      *ordered.Add() = make_node(ops::kGather, names_.make(base + "_Gather"), {row, index}, condition[group]);
    }
    for (int j = 0; j < graph_.node_size(); ++j) {
      if (auto it = switches_before_.find(j); it != switches_before_.end()) {
        for (const Switch& sw : it->second) {
          const std::string& out = switch_output_.at(sw);
          *ordered.Add() = make_node(ops::kWhere, names_.make(out + "_Where"),
                                     {condition.at(sw.group), sw.float_value, sw.quantized_value}, out);
        }
      }
      *ordered.Add() = graph_.node(j);
    }
    graph_.mutable_node()->Swap(&ordered);
  }

  const onnx::GraphProto& float_graph_;
  const std::vector<QuantizerGroup>& groups_;
  onnx::ModelProto model_;
  onnx::GraphProto& graph_;
  NameGenerator names_;
  const GroupAttribution attribution_;
  std::map<std::string, int> quantized_index_;  // by outputs_key
  std::map<std::string, const onnx::TensorProto*> float_initializers_;
  std::set<std::string> quantized_initializers_;
  std::vector<onnx::TensorProto> restored_;           // float initializers the quantized model dropped or rewrote
  std::map<std::string, std::string> float_copy_of_;  // rewritten initializer -> its float copy
  std::map<Switch, std::string> switch_output_;        // shared Where outputs
  std::map<int, std::vector<Switch>> switches_before_;  // quantized node index -> new Wheres
  std::set<int> used_groups_;
};

}  // namespace

Result<SwitchableModel> emit_switchable(const CalibratedModel& cm, const std::vector<QuantizerGroup>& groups,
                                        const QuantizationOptions& options) {
  if (!cm.setup.units.empty()) {
    // A tensor's quantizer there depends on two units (its producer and its readers), so an
    // input cannot be switched by one group's flag.
    return Status::Unsupported("the switchable model is built for NNCF's form only, not for ONNX Runtime node units");
  }
  if (!cm.subgraphs.empty()) {
    return Status::Unsupported("the switchable model does not switch quantizers inside If branches");
  }
  QAC_ASSIGN_OR_RETURN(onnx::ModelProto model, emit(cm, {}, options, nullptr));
  return SwitchableBuilder(cm, groups, std::move(model)).build();
}

}  // namespace qac
