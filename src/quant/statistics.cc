#include "quant/statistics.h"

#include <algorithm>
#include <set>

#include "core/log.h"
#include "core/progress.h"
#include "onnx/graph_walk.h"
#include "runtime/batching.h"

namespace qac {
namespace {

// Where the names of a model live, for deciding what can be observed.
struct ModelValues {
  std::set<std::string> produced;      // outputs of main-graph nodes
  std::set<std::string> inputs;        // main-graph inputs
  std::set<std::string> initializers;  // main-graph initializers
  std::set<std::string> outputs;       // main-graph outputs
  std::set<std::string> in_subgraphs;  // produced inside If/Loop/Scan bodies
  std::map<std::string, const onnx::TypeProto*> types;  // value_info, inputs, outputs
};

ModelValues index_values(const onnx::GraphProto& graph) {
  ModelValues v;
  for (const onnx::NodeProto& node : graph.node()) {
    for (const std::string& out : node.output()) v.produced.insert(out);
    for (const onnx::AttributeProto& attr : node.attribute()) {
      auto collect = [&](const onnx::GraphProto& body) {
        visit_graphs(body, [&](const onnx::GraphProto& g) {
          for (const onnx::NodeProto& n : g.node()) {
            for (const std::string& out : n.output()) v.in_subgraphs.insert(out);
          }
        });
      };
      if (attr.has_g()) collect(attr.g());
      for (const onnx::GraphProto& g : attr.graphs()) collect(g);
    }
  }
  for (const onnx::TensorProto& init : graph.initializer()) v.initializers.insert(init.name());
  for (const onnx::ValueInfoProto& in : graph.input()) {
    v.inputs.insert(in.name());
    v.types[in.name()] = &in.type();
  }
  for (const onnx::ValueInfoProto& out : graph.output()) {
    v.outputs.insert(out.name());
    v.types[out.name()] = &out.type();
  }
  for (const onnx::ValueInfoProto& info : graph.value_info()) v.types[info.name()] = &info.type();
  return v;
}

bool is_float_elem_type(int32_t elem_type) {
  return elem_type == onnx::TensorProto_DataType_FLOAT ||
         elem_type == onnx::TensorProto_DataType_FLOAT16 ||
         elem_type == onnx::TensorProto_DataType_DOUBLE;
}

bool is_float_dtype(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat16 || t == DType::kFloat64;
}

// The requested names in request order, each once.
std::vector<std::string> requested_names(const StatisticsRequest& r) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  auto add = [&](const std::string& n) {
    if (seen.insert(n).second) names.push_back(n);
  };
  for (const std::string& n : r.tensors) add(n);
  for (const auto& [n, axis] : r.channel_mean_axis) add(n);
  for (const std::string& n : r.channel_absmax_last_axis) add(n);
  return names;
}

// Picks the observable names; logs the others. NotFound for names the model does not hold.
Result<std::vector<std::string>> observable_names(const std::vector<std::string>& names,
                                                  const ModelValues& v) {
  std::vector<std::string> observed;
  for (const std::string& name : names) {
    const bool in_main = v.produced.count(name) || v.inputs.count(name);
    if (!in_main && v.initializers.count(name)) {
      QAC_LOG(kInfo) << "statistics: '" << name << "' is an initializer (a constant); skipped";
      continue;
    }
    if (!in_main && v.in_subgraphs.count(name)) {
      QAC_LOG(kWarning) << "statistics: '" << name
                        << "' is computed inside a subgraph (If/Loop/Scan body), which cannot be "
                           "observed; skipped";
      continue;
    }
    if (!in_main) {
      return Status::NotFound("statistics requested for tensor '" + name +
                              "', which the model does not contain");
    }
    auto it = v.types.find(name);
    if (it != v.types.end() && it->second->has_tensor_type() &&
        it->second->tensor_type().has_elem_type() &&
        !is_float_elem_type(it->second->tensor_type().elem_type())) {
      QAC_LOG(kInfo) << "statistics: '" << name << "' is not a floating-point tensor; skipped";
      continue;
    }
    observed.push_back(name);
  }
  return observed;
}

// The model with `extra` appended to its graph outputs, serialized. Protobuf merges
// concatenated messages (repeated fields append), so serialize(model) followed by
// serialize(ModelProto{graph{output: extra}}) parses as the model with the extra outputs,
// without copying the ModelProto and its weights. Only the element type is declared (when
// known); ONNX Runtime infers the rest.
std::string serialize_with_outputs(const onnx::ModelProto& model,
                                   const std::vector<std::string>& extra, const ModelValues& v) {
  onnx::ModelProto addition;
  for (const std::string& name : extra) {
    onnx::ValueInfoProto* out = addition.mutable_graph()->add_output();
    out->set_name(name);
    auto it = v.types.find(name);
    if (it != v.types.end() && it->second->has_tensor_type() &&
        it->second->tensor_type().has_elem_type()) {
      out->mutable_type()->mutable_tensor_type()->set_elem_type(
          it->second->tensor_type().elem_type());
    }
  }
  std::string bytes = model.SerializeAsString();
  if (!extra.empty()) bytes += addition.SerializeAsString();
  return bytes;
}

TensorStatsConfig config_for(const std::string& name, const StatisticsRequest& r) {
  TensorStatsConfig c;
  c.histogram = r.histograms;
  auto axis = r.channel_mean_axis.find(name);
  if (axis != r.channel_mean_axis.end()) c.channel_mean_axis = axis->second;
  c.channel_absmax_last_axis = std::find(r.channel_absmax_last_axis.begin(),
                                         r.channel_absmax_last_axis.end(),
                                         name) != r.channel_absmax_last_axis.end();
  return c;
}

size_t batch_bytes(const std::vector<Tensor>& outputs) {
  size_t total = 0;
  for (const Tensor& t : outputs) total += t.byte_size();
  return total;
}

}  // namespace

Result<std::map<std::string, TensorStats>> collect_statistics(const onnx::ModelProto& model,
                                                              const Dataset& data,
                                                              const StatisticsRequest& request,
                                                              size_t subset_size,
                                                              size_t batch_size,
                                                              const SessionOptions& options) {
  const ModelValues values = index_values(model.graph());
  QAC_ASSIGN_OR_RETURN(std::vector<std::string> observed,
                       observable_names(requested_names(request), values));
  std::vector<std::string> extra;
  for (const std::string& name : observed) {
    if (!values.outputs.count(name)) extra.push_back(name);
  }
  QAC_ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                       Session::create(serialize_with_outputs(model, extra, values), options,
                                       "the model with observed activations as outputs"));

  // ONNX Runtime knows the types of values without value_info: drop non-float ones now.
  std::map<std::string, DType> output_types;
  for (const ValueSpec& spec : session->outputs()) output_types[spec.name] = spec.dtype;
  std::vector<std::string> fetch;
  for (const std::string& name : observed) {
    if (!is_float_dtype(output_types.at(name))) {
      QAC_LOG(kInfo) << "statistics: '" << name << "' is " << dtype_name(output_types.at(name))
                     << ", not floating point; skipped";
      continue;
    }
    fetch.push_back(name);
  }
  std::map<std::string, TensorStats> stats;
  for (const std::string& name : fetch) stats.emplace(name, TensorStats(name, config_for(name, request)));
  const size_t num_samples = std::min(subset_size, data.size());
  if (fetch.empty() || num_samples == 0) {
    QAC_LOG(kWarning) << "statistics: nothing to observe (" << fetch.size() << " tensors, "
                      << num_samples << " samples)";
    return stats;
  }

  Progress progress("statistics", num_samples);
  size_t last_batch_bytes = 0;
  auto on_batch = [&](size_t /*first*/, size_t count, const NamedTensors& /*inputs*/,
                      std::vector<Tensor>& outputs) -> Status {
    for (size_t i = 0; i < outputs.size(); ++i) {
      QAC_RETURN_IF_ERROR(stats.at(fetch[i]).add_batch(outputs[i], count));
    }
    last_batch_bytes = batch_bytes(outputs) / count;
    progress.advance(count);
    return Status::Ok();
  };
  size_t done = 0;
  if (batch_size == 0 && fixed_batch_size(*session) == 0) {
    // Probe with one sample, then size batches by the bytes a sample's outputs take.
    QAC_RETURN_IF_ERROR(run_batches(*session, data, 1, 1, fetch, on_batch));
    done = 1;
    batch_size = std::clamp<size_t>(kStatisticsBatchBytesBudget / std::max<size_t>(last_batch_bytes, 1),
                                    1, kDefaultBatchSize);
  }
  QAC_LOG(kInfo) << "statistics: " << fetch.size() << " tensors over " << num_samples
                 << " samples, batch size "
                 << (fixed_batch_size(*session) ? fixed_batch_size(*session) : batch_size);
  QAC_RETURN_IF_ERROR(run_batches(*session, data, num_samples - done, batch_size, fetch, on_batch, done));
  progress.finish();
  return stats;
}

}  // namespace qac
