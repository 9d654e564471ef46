#include "quant/observer_graph.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "graph/graph_edit.h"
#include "runtime/observer_ops.h"

namespace qac {
namespace {

onnx::NodeProto& add_observer_node(onnx::GraphProto& g, const char* op, const std::string& name,
                                   const std::string& input) {
  onnx::NodeProto& node = *g.add_node();
  node.set_op_type(op);
  node.set_domain(kObserverDomain);
  node.set_name(name);
  node.add_input(input);
  return node;
}

void declare_output(onnx::GraphProto& g, const std::string& name, int32_t elem_type) {
  onnx::ValueInfoProto& out = *g.add_output();
  out.set_name(name);
  out.mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
}

// ONNX Runtime's default execution order is a depth-first walk back from the graph's leaf nodes
// (nodes whose outputs nothing reads), started from the leaf with the highest node index.
// Observers are leaves and come after the model's own nodes. Listed in reverse topological order
// of the tensors they read, the walk reaches the first observed tensor first, and each observer
// runs as soon as its tensor exists, so that tensor's buffer is freed as early as in the plain
// model; in any other order observed tensors stay alive until their observer's turn near the end
// of the run (on PP-OCRv4 rec: 3.5x the peak memory and a slower pass, see bench/calibration.md).
// A tensor no node produces (a graph input) counts as first. Stable: ties keep their order.
void order_observers_for_early_execution(onnx::GraphProto& fragment, const onnx::GraphProto& graph) {
  std::unordered_map<std::string, int> producer;
  for (int i = 0; i < graph.node_size(); ++i) {
    for (const std::string& out : graph.node(i).output()) producer.emplace(out, i);
  }
  std::vector<std::pair<int, int>> order;  // (producer position, node index in the fragment)
  order.reserve(static_cast<size_t>(fragment.node_size()));
  for (int i = 0; i < fragment.node_size(); ++i) {
    const auto it = producer.find(fragment.node(i).input(0));
    order.emplace_back(it == producer.end() ? -1 : it->second, i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  google::protobuf::RepeatedPtrField<onnx::NodeProto> sorted;
  sorted.Reserve(fragment.node_size());
  for (const auto& [position, index] : order) *sorted.Add() = std::move(*fragment.mutable_node(index));
  fragment.mutable_node()->Swap(&sorted);
}

}  // namespace

onnx::ModelProto observer_fragment(const onnx::GraphProto& graph,
                                   const std::vector<ObserverSpec>& specs,
                                   std::vector<ObserverOutputs>& outputs) {
  onnx::ModelProto fragment;
  onnx::OperatorSetIdProto& opset = *fragment.add_opset_import();
  opset.set_domain(kObserverDomain);
  opset.set_version(kObserverDomainVersion);
  onnx::GraphProto& g = *fragment.mutable_graph();
  NameGenerator names(graph);
  outputs.clear();
  for (const ObserverSpec& spec : specs) {
    ObserverOutputs o;
    o.tensor = spec.tensor;
    const std::string base = "qac_observe/" + spec.tensor;
    o.ranges = names.make(base + "/ranges");
    o.nonfinite = names.make(base + "/nonfinite");
    o.shape = names.make(base + "/shape");
    onnx::NodeProto& range = add_observer_node(g, kRowRangeOp, names.make(base + "/RowRange"), spec.tensor);
    range.add_output(o.ranges);
    range.add_output(o.nonfinite);
    range.add_output(o.shape);
    declare_output(g, o.ranges, onnx::TensorProto_DataType_FLOAT);
    declare_output(g, o.nonfinite, onnx::TensorProto_DataType_INT64);
    declare_output(g, o.shape, onnx::TensorProto_DataType_INT64);
    if (spec.channel_sum_axis) {
      o.channel_sums = names.make(base + "/channel_sums");
      o.channel_sum_axis = *spec.channel_sum_axis;
      onnx::NodeProto& node =
          add_observer_node(g, kChannelSumOp, names.make(base + "/ChannelSum"), spec.tensor);
      node.add_output(o.channel_sums);
      onnx::AttributeProto& axis = *node.add_attribute();
      axis.set_name("axis");
      axis.set_type(onnx::AttributeProto::INT);
      axis.set_i(*spec.channel_sum_axis);
      onnx::AttributeProto& tensor = *node.add_attribute();
      tensor.set_name("tensor");
      tensor.set_type(onnx::AttributeProto::STRING);
      tensor.set_s(spec.tensor);
      declare_output(g, o.channel_sums, onnx::TensorProto_DataType_DOUBLE);
    }
    if (spec.last_axis_absmax) {
      o.channel_absmax = names.make(base + "/channel_absmax");
      add_observer_node(g, kLastAxisAbsMaxOp, names.make(base + "/LastAxisAbsMax"), spec.tensor)
          .add_output(o.channel_absmax);
      declare_output(g, o.channel_absmax, onnx::TensorProto_DataType_FLOAT);
    }
    outputs.push_back(std::move(o));
  }
  order_observers_for_early_execution(g, graph);
  return fragment;
}

Status add_observer_outputs(std::map<std::string, TensorStats>& stats,
                            const std::vector<ObserverOutputs>& observers,
                            const std::vector<Tensor>& outputs, size_t first, size_t num_samples) {
  size_t i = first;
  auto next = [&](DType type, const std::string& name) -> Result<const Tensor*> {
    if (i >= outputs.size() || outputs[i].dtype != type) {
      return Status::Internal("observer output '" + name + "' is missing or has the wrong type");
    }
    return &outputs[i++];
  };
  for (const ObserverOutputs& o : observers) {
    QAC_ASSIGN_OR_RETURN(const Tensor* ranges, next(DType::kFloat32, o.ranges));
    QAC_ASSIGN_OR_RETURN(const Tensor* nonfinite, next(DType::kInt64, o.nonfinite));
    QAC_ASSIGN_OR_RETURN(const Tensor* shape_out, next(DType::kInt64, o.shape));
    const size_t rows = nonfinite->numel();
    std::vector<int64_t> shape(shape_out->data<int64_t>(), shape_out->data<int64_t>() + shape_out->numel());
    if (ranges->numel() != 2 * rows || (!shape.empty() && static_cast<size_t>(shape[0]) < rows)) {
      return Status::Internal("observer outputs of '" + o.tensor + "' disagree on the row count");
    }
    if (!shape.empty() && shape[0] > 0) shape[0] = static_cast<int64_t>(rows);
    TensorStats& s = stats.at(o.tensor);
    QAC_RETURN_IF_ERROR(s.add_row_ranges(ranges->data<float>(), nonfinite->data<int64_t>(), shape, num_samples));
    size_t numel = 1;
    for (int64_t d : shape) numel *= static_cast<size_t>(std::max<int64_t>(d, 0));
    if (!o.channel_sums.empty()) {
      QAC_ASSIGN_OR_RETURN(const Tensor* sums, next(DType::kFloat64, o.channel_sums));
      const size_t channels = sums->numel();
      const int rank = static_cast<int>(shape.size());
      const int axis = o.channel_sum_axis < 0 ? o.channel_sum_axis + rank : o.channel_sum_axis;
      QAC_RETURN_IF_ERROR(s.add_channel_sums(sums->data<double>(), channels, axis,
                                             channels == 0 ? 0 : numel / channels));
    }
    if (!o.channel_absmax.empty()) {
      QAC_ASSIGN_OR_RETURN(const Tensor* absmax, next(DType::kFloat32, o.channel_absmax));
      QAC_RETURN_IF_ERROR(s.add_channel_absmax(absmax->data<float>(), absmax->numel()));
    }
  }
  return Status::Ok();
}

}  // namespace qac
