#include "quant/hard_swish.h"

#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "graph/graph_edit.h"
#include "graph/graph_view.h"
#include "graph/tensor_data.h"
#include "onnx/graph_walk.h"
#include "onnx/op_types.h"

namespace qac {
namespace {

constexpr double kRelativeTolerance = 1e-6;

class HardSwishMatcher {
 public:
  explicit HardSwishMatcher(const GraphView& view) : view_(view) {}

  // The pattern rooted at Add node `add`: its nodes (Add, Clip, then the two others in order)
  // and its input x, or nullopt.
  std::optional<std::pair<std::vector<int>, std::string>> match(int add) const {
    const onnx::NodeProto& a = view_.node(add);
    if (!is_default_op(a, ops::kAdd) || a.input_size() != 2) return std::nullopt;
    for (int x_slot : {0, 1}) {
      if (!is_scalar(a.input(1 - x_slot), 3.0)) continue;
      const std::string& x = a.input(x_slot);
      const int clip = only_reader(a.output(0));
      if (clip < 0 || !is_relu6(view_.node(clip))) continue;
      const int n1 = only_reader(view_.node(clip).output(0));
      if (n1 < 0) continue;
      const int n2 = only_reader(view_.node(n1).output(0));
      if (n2 < 0) continue;
      const std::string& clipped = view_.node(clip).output(0);
      const bool times_x_then_scale = is_times(view_.node(n1), x, clipped) && is_sixth(view_.node(n2), view_.node(n1).output(0));
      const bool scale_then_times_x = is_sixth(view_.node(n1), clipped) && is_times(view_.node(n2), x, view_.node(n1).output(0));
      if (times_x_then_scale || scale_then_times_x) return std::make_pair(std::vector<int>{add, clip, n1, n2}, x);
    }
    return std::nullopt;
  }

 private:
  std::optional<double> scalar(const std::string& name) const {
    const onnx::TensorProto* init = view_.initializer(name);
    if (init == nullptr) return std::nullopt;
    auto values = read_float_tensor(*init);
    if (!values.ok() || values->size() != 1) return std::nullopt;
    return static_cast<double>((*values)[0]);
  }

  bool is_scalar(const std::string& name, double expected) const {
    const auto v = scalar(name);
    if (!v) return false;
    return expected == 0 ? *v == 0 : std::fabs(*v - expected) <= kRelativeTolerance * std::fabs(expected);
  }

  // The single reader of an intermediate value that is no graph output.
  int only_reader(const std::string& value) const {
    if (view_.is_graph_output(value) || !view_.captures(value).empty()) return -1;
    const auto& readers = view_.consumers(value);
    if (readers.size() != 1) return -1;
    return readers.front().node;
  }

  bool is_relu6(const onnx::NodeProto& n) const {
    return is_default_op(n, ops::kClip) && n.input_size() == 3 && is_scalar(n.input(1), 0.0) && is_scalar(n.input(2), 6.0);
  }

  // Mul of `x` and `y`, in either order.
  static bool is_times(const onnx::NodeProto& n, const std::string& x, const std::string& y) {
    return is_default_op(n, ops::kMul) && n.input_size() == 2 &&
           ((n.input(0) == x && n.input(1) == y) || (n.input(0) == y && n.input(1) == x));
  }

  // `y` / 6 or `y` * (1/6).
  bool is_sixth(const onnx::NodeProto& n, const std::string& y) const {
    if (n.input_size() != 2) return false;
    if (is_default_op(n, ops::kDiv)) return n.input(0) == y && is_scalar(n.input(1), 6.0);
    if (!is_default_op(n, ops::kMul)) return false;
    return (n.input(0) == y && is_scalar(n.input(1), 1.0 / 6)) || (n.input(1) == y && is_scalar(n.input(0), 1.0 / 6));
  }

  const GraphView& view_;
};

onnx::NodeProto hard_sigmoid_node(const std::string& x, const onnx::NodeProto& last) {
  onnx::NodeProto hs;
  hs.set_op_type(ops::kHardSigmoid);
  hs.set_name(last.name() + "/hard_sigmoid");
  hs.add_input(x);
  hs.add_output(last.output(0) + "/hard_sigmoid");
  onnx::AttributeProto* alpha = hs.add_attribute();
  alpha->set_name("alpha");
  alpha->set_type(onnx::AttributeProto::FLOAT);
  alpha->set_f(1.0f / 6.0f);
  onnx::AttributeProto* beta = hs.add_attribute();
  beta->set_name("beta");
  beta->set_type(onnx::AttributeProto::FLOAT);
  beta->set_f(0.5f);
  return hs;
}

onnx::NodeProto times_node(const std::string& x, const onnx::NodeProto& hs, const onnx::NodeProto& last) {
  onnx::NodeProto mul;
  mul.set_op_type(ops::kMul);
  mul.set_name(last.name());
  mul.add_input(x);
  mul.add_input(hs.output(0));
  mul.add_output(last.output(0));
  return mul;
}

}  // namespace

Result<int> rewrite_hard_swish(onnx::ModelProto& model, std::vector<std::string>* log) {
  onnx::GraphProto& graph = *model.mutable_graph();
  std::map<int, std::pair<onnx::NodeProto, onnx::NodeProto>> replacement;  // at the pattern's last node
  std::set<int> removed;
  {
    QAC_ASSIGN_OR_RETURN(GraphView view, GraphView::build(graph));
    const HardSwishMatcher matcher(view);
    for (int i = 0; i < view.num_nodes(); ++i) {
      auto m = matcher.match(i);
      if (!m) continue;
      const auto& [nodes, x] = *m;
      bool taken = false;
      for (int n : nodes) taken |= removed.count(n) > 0;
      if (taken) continue;
      removed.insert(nodes.begin(), nodes.end());
      const onnx::NodeProto& last = view.node(nodes.back());
      onnx::NodeProto hs = hard_sigmoid_node(x, last);
      onnx::NodeProto mul = times_node(x, hs, last);
      if (log) {
        std::string pattern;
        for (int n : nodes) pattern += (pattern.empty() ? "'" : " -> '") + view.node_label(n) + "'";
        log->push_back("hard-swish " + pattern + " rewritten as HardSigmoid '" + hs.name() + "' -> Mul '" +
                       mul.name() + "'");
      }
      replacement.emplace(nodes.back(), std::make_pair(std::move(hs), std::move(mul)));
    }
  }
  if (replacement.empty()) return 0;
  google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
  for (int i = 0; i < graph.node_size(); ++i) {
    auto r = replacement.find(i);
    if (r != replacement.end()) {
      *nodes.Add() = std::move(r->second.first);
      *nodes.Add() = std::move(r->second.second);
    } else if (!removed.count(i)) {
      *nodes.Add() = std::move(*graph.mutable_node(i));
    }
  }
  graph.mutable_node()->Swap(&nodes);
  remove_unused_initializers(graph);
  remove_stale_value_info(graph);
  return static_cast<int>(replacement.size());
}

}  // namespace qac
