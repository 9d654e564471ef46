// What an opset-upgrade rewrite needs: the graph it edits, the model's original opset, the
// element types and ranks known for its values, fresh names, and the decision log.
#pragma once

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "onnx/normalize_log.h"
#include "qac/status.h"

namespace qac {

// The opset every model is brought to (per-axis QuantizeLinear needs 13).
inline constexpr int kTargetOpset = 13;

// Element type and rank of a value, as far as they are known.
struct ValueType {
  int32_t elem_type = 0;  // onnx::TensorProto::DataType; 0 = unknown
  int rank = -1;          // -1 = unknown
};

// Value name -> type, gathered from graph inputs/outputs/value_info and initializers of the
// main graph and all subgraphs (and from ONNX shape inference on a copy, see collect_model_facts).
using ValueTypes = std::unordered_map<std::string, ValueType>;

// What the rewrites may ask about the model as a whole.
struct ModelFacts {
  ValueTypes types;
  std::unordered_set<std::string> used_values;  // node inputs and graph outputs, all graphs
};
// Types come from ONNX shape inference when the ONNX checker accepts the model as given, else
// (logged) from its declared value_info and initializers only: inference never runs on a model
// the checker has not accepted. The checker refuses some models the upgrade repairs (ops
// deprecated at their opset such as Scatter-11, trailing empty inputs beyond an op's last),
// and the model is checked again once upgraded.
ModelFacts collect_model_facts(const onnx::ModelProto& model, NormalizeLog& log);

// Every name used in the model (values, nodes, initializers), to make fresh ones.
class NameGenerator {
 public:
  explicit NameGenerator(const onnx::ModelProto& model);
  // A name "<base>_<n>" not used anywhere in the model; it is reserved from now on.
  std::string fresh(const std::string& base);

 private:
  std::unordered_set<std::string> used_;
  int counter_ = 0;
};

class UpgradeContext {
 public:
  UpgradeContext(onnx::GraphProto& graph, int from_opset, const ModelFacts& facts, NameGenerator& names,
                 NormalizeLog& log)
      : graph_(graph), from_opset_(from_opset), facts_(facts), names_(names), log_(log) {}

  int from_opset() const { return from_opset_; }
  NormalizeLog& log() { return log_; }
  std::string fresh_name(const std::string& base) { return names_.fresh(base); }

  // Element type / rank of a value, if known.
  std::optional<int32_t> elem_type(const std::string& value) const;
  std::optional<int> rank(const std::string& value) const;
  // True when some node or graph output reads `value`.
  bool is_used(const std::string& value) const { return facts_.used_values.count(value) > 0; }
  // The values of `value` when it is an initializer or a Constant node output of the graph
  // being rewritten, converted to double.
  std::optional<std::vector<double>> constant_values(const std::string& value) const;

  // The element type of `value`, falling back to FLOAT (logged) when unknown. `node` names the
  // consumer in the log entry.
  int32_t elem_type_or_float(const std::string& value, const onnx::NodeProto& node);

  // Adds an initializer to the graph being rewritten and returns its (fresh) name.
  std::string add_int64s(const std::string& base, const std::vector<int64_t>& values);     // 1-D
  std::string add_floats(const std::string& base, const std::vector<float>& values);       // 1-D
  // A scalar of ONNX element type `elem_type` (float, double, float16 or an integer type).
  Result<std::string> add_scalar(const std::string& base, double value, int32_t elem_type);

  // A new node in the default domain with a fresh name derived from `base`.
  onnx::NodeProto make_node(const std::string& op_type, const std::vector<std::string>& inputs,
                            const std::vector<std::string>& outputs, const std::string& base);

 private:
  onnx::GraphProto& graph_;
  int from_opset_;
  const ModelFacts& facts_;
  NameGenerator& names_;
  NormalizeLog& log_;
};

// OK when `node` has at least `inputs` inputs and `outputs` outputs; otherwise InvalidModel
// naming the node. Rewrites call it before reading node.input(i) or node.output(i).
Status require_arity(const onnx::NodeProto& node, int inputs, int outputs);

// ---- attribute helpers ------------------------------------------------------------------
const onnx::AttributeProto* find_attribute(const onnx::NodeProto& node, const std::string& name);
// Removes the attribute if present; returns whether it was there.
bool remove_attribute(onnx::NodeProto& node, const std::string& name);
void set_int_attribute(onnx::NodeProto& node, const std::string& name, int64_t value);
void set_string_attribute(onnx::NodeProto& node, const std::string& name, const std::string& value);
std::vector<int64_t> ints_of(const onnx::AttributeProto& attr);
std::vector<float> floats_of(const onnx::AttributeProto& attr);

}  // namespace qac
