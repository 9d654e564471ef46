#include "quant/channel_padding.h"

#include <optional>
#include <set>

#include "graph/graph_edit.h"
#include "graph/graph_view.h"
#include "graph/tensor_data.h"
#include "onnx/graph_walk.h"
#include "onnx/op_types.h"

namespace qac {
namespace {

constexpr const char* kConstantOfShape = "ConstantOfShape";

// ConstantOfShape's fill is a float 0: no `value` attribute, or a one-element FLOAT 0.
bool fills_float_zero(const onnx::NodeProto& n) {
  for (const onnx::AttributeProto& a : n.attribute()) {
    if (a.name() != "value") continue;
    if (!a.has_t() || a.t().data_type() != onnx::TensorProto_DataType_FLOAT) return false;
    auto v = read_float_tensor(a.t());
    return v.ok() && v->size() == 1 && (*v)[0] == 0.0f;
  }
  return true;
}

int concat_axis(const onnx::NodeProto& n) {
  for (const onnx::AttributeProto& a : n.attribute()) {
    if (a.name() == "axis") return static_cast<int>(a.i());
  }
  return 0;
}

struct Padding {
  int concat = -1;
  int zeros = -1;  // the ConstantOfShape node
  std::string x;
  int64_t channels = 0;  // C
  int64_t padded = 0;    // Z
};

class PaddingMatcher {
 public:
  explicit PaddingMatcher(const GraphView& view) : view_(view) {}

  std::optional<Padding> match(int index) const {
    const onnx::NodeProto& c = view_.node(index);
    if (!is_default_op(c, ops::kConcat) || c.input_size() != 2) return std::nullopt;
    Padding p;
    p.concat = index;
    p.x = c.input(0);
    p.zeros = view_.producer(c.input(1));
    if (p.zeros < 0) return std::nullopt;
    const onnx::NodeProto& z = view_.node(p.zeros);
    if (!is_default_op(z, kConstantOfShape) || z.input_size() != 1 || !fills_float_zero(z)) {
      return std::nullopt;
    }
    const onnx::TensorProto* shape_init = view_.initializer(z.input(0));
    const bool int64_shape = shape_init && shape_init->data_type() == onnx::TensorProto_DataType_INT64;
    const auto zeros_shape = int64_shape ? read_int_tensor(*shape_init) : std::nullopt;
    const auto x_shape = view_.shape(p.x);
    if (!zeros_shape || !x_shape || x_shape->size() != 4 || zeros_shape->size() != 4) return std::nullopt;
    if (view_.elem_type(p.x) != onnx::TensorProto_DataType_FLOAT) return std::nullopt;
    const int axis = concat_axis(c);
    if (axis != 1 && axis != -3) return std::nullopt;
    for (size_t d : {size_t{0}, size_t{2}, size_t{3}}) {
      if ((*x_shape)[d] <= 0 || (*x_shape)[d] != (*zeros_shape)[d]) return std::nullopt;
    }
    p.channels = (*x_shape)[1];
    p.padded = (*zeros_shape)[1];
    if (p.channels <= 0 || p.padded <= 0) return std::nullopt;
    if (in_int8_region(c)) return std::nullopt;
    return p;
  }

 private:
  // The padded input comes from a DequantizeLinear, or the output feeds a QuantizeLinear.
  bool in_int8_region(const onnx::NodeProto& concat) const {
    const int x_producer = view_.producer(concat.input(0));
    if (x_producer >= 0 && view_.node(x_producer).op_type() == ops::kDequantizeLinear) return true;
    for (const ValueUse& use : view_.consumers(concat.output(0))) {
      if (view_.node(use.node).op_type() == ops::kQuantizeLinear) return true;
    }
    return false;
  }

  const GraphView& view_;
};

onnx::NodeProto identity_conv(const onnx::NodeProto& concat, const std::string& x, const std::string& weight,
                              const std::string& name) {
  onnx::NodeProto conv;
  conv.set_op_type(ops::kConv);
  conv.set_name(name);
  conv.add_input(x);
  conv.add_input(weight);
  conv.add_output(concat.output(0));
  onnx::AttributeProto* kernel = conv.add_attribute();
  kernel->set_name("kernel_shape");
  kernel->set_type(onnx::AttributeProto::INTS);
  kernel->add_ints(1);
  kernel->add_ints(1);
  return conv;
}

}  // namespace

Result<int> rewrite_channel_padding(onnx::ModelProto& model, std::vector<std::string>* log) {
  onnx::GraphProto& graph = *model.mutable_graph();
  std::vector<Padding> found;
  std::set<int> dead_zeros;
  {
    QAC_ASSIGN_OR_RETURN(GraphView view, GraphView::build(graph));
    const PaddingMatcher matcher(view);
    for (int i = 0; i < view.num_nodes(); ++i) {
      if (auto p = matcher.match(i)) found.push_back(*p);
    }
    for (const Padding& p : found) {
      const std::string& zeros = view.node(p.zeros).output(0);
      size_t readers = view.consumers(zeros).size();
      for (const Padding& q : found) readers -= q.zeros == p.zeros ? 1 : 0;
      if (readers == 0 && !view.is_graph_output(zeros) && view.captures(zeros).empty()) dead_zeros.insert(p.zeros);
    }
  }
  if (found.empty()) return 0;
  NameGenerator names(graph);
  std::set<std::string> shape_initializers;
  for (int z : dead_zeros) shape_initializers.insert(graph.node(z).input(0));
  for (const Padding& p : found) {
    onnx::NodeProto& concat = *graph.mutable_node(p.concat);
    const std::string base = concat.name().empty() ? "channel_padding_" + concat.output(0) : concat.name();
    const int64_t outputs = p.channels + p.padded;
    std::vector<float> identity(static_cast<size_t>(outputs * p.channels), 0.0f);
    for (int64_t c = 0; c < p.channels; ++c) identity[static_cast<size_t>(c * p.channels + c)] = 1.0f;
    const std::string weight = names.make(base + "/identity_weight");
    QAC_RETURN_IF_ERROR(
        add_initializer(graph, make_float_tensor(weight, {outputs, p.channels, 1, 1}, identity)).status());
    const std::string conv_name = names.make(base + "/as_conv");
    if (log) {
      log->push_back(std::string(kChannelPaddingLogPrefix) + " '" + base + "' (" + std::to_string(p.channels) + " + " +
                     std::to_string(p.padded) + " channels) rewritten as the 1x1 identity Conv '" + conv_name + "'");
    }
    concat = identity_conv(concat, p.x, weight, conv_name);
  }
  remove_nodes(graph, std::vector<int>(dead_zeros.begin(), dead_zeros.end()));
  remove_unused_initializers(graph, &shape_initializers);
  remove_stale_value_info(graph);
  return static_cast<int>(found.size());
}

}  // namespace qac
