#include "quant/statistics.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <thread>

#include "core/cpu_count.h"
#include "core/log.h"
#include "core/progress.h"
#include "onnx/graph_walk.h"
#include "quant/observer_graph.h"
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

// `extra` as a ModelProto fragment of graph outputs: parsed after a serialized model (protobuf
// appends repeated fields of concatenated messages), it adds them without copying the model and
// its weights. Only the element type is declared (when known); ONNX Runtime infers the rest.
onnx::ModelProto output_fragment(const std::vector<std::string>& extra, const ModelValues& v) {
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
  return addition;
}

// The declared shape of a value (-1 for symbolic dimensions) when its rank is known; sets
// *elem_type to its declared element type (UNDEFINED when unknown).
std::optional<std::vector<int64_t>> declared_shape(const std::string& name, const ModelValues& v,
                                                   int32_t* elem_type) {
  *elem_type = onnx::TensorProto_DataType_UNDEFINED;
  auto it = v.types.find(name);
  if (it == v.types.end() || !it->second->has_tensor_type()) return std::nullopt;
  const onnx::TypeProto_Tensor& t = it->second->tensor_type();
  if (t.has_elem_type()) *elem_type = t.elem_type();
  if (!t.has_shape()) return std::nullopt;
  std::vector<int64_t> shape;
  for (const auto& d : t.shape().dim()) shape.push_back(d.has_dim_value() ? d.dim_value() : -1);
  return shape;
}

// The batch size the model's inputs fix (their leading dimension), 0 when it is free.
size_t fixed_input_batch(const onnx::GraphProto& g, const ModelValues& v) {
  size_t fixed = 0;
  for (const onnx::ValueInfoProto& in : g.input()) {
    if (v.initializers.count(in.name()) || !in.type().has_tensor_type()) continue;
    const auto& shape = in.type().tensor_type().shape();
    if (shape.dim_size() == 0 || !shape.dim(0).has_dim_value() || shape.dim(0).dim_value() <= 0) continue;
    const auto dim = static_cast<size_t>(shape.dim(0).dim_value());
    fixed = fixed == 0 ? dim : std::min(fixed, dim);
  }
  return fixed;
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

// Bytes of outputs [0, n) (all when n exceeds their number).
size_t batch_bytes(const std::vector<Tensor>& outputs, size_t n) {
  size_t total = 0;
  for (size_t i = 0; i < outputs.size() && i < n; ++i) total += outputs[i].byte_size();
  return total;
}

// The names among `observed` whose session output is floating point. ONNX Runtime knows the
// types of values that had no value_info; the others are logged and dropped.
std::vector<std::string> floating_point_outputs(const Session& session,
                                                const std::vector<std::string>& observed) {
  std::map<std::string, DType> output_types;
  for (const ValueSpec& spec : session.outputs()) output_types[spec.name] = spec.dtype;
  std::vector<std::string> fetch;
  for (const std::string& name : observed) {
    const DType type = output_types.at(name);
    if (!is_float_dtype(type)) {
      QAC_LOG(kInfo) << "statistics: '" << name << "' is " << dtype_name(type)
                     << ", not floating point; skipped";
      continue;
    }
    fetch.push_back(name);
  }
  return fetch;
}

// Batches smaller than this are accumulated on the calling thread only: starting threads
// would cost more than it saves.
constexpr size_t kParallelAccumulationMinBytes = size_t{256} << 10;

// Adds output i of a batch to stats[fetch[i]] for every i < fetch.size() (outputs after those
// are not read), on up to `threads` threads (the calling one included). Tensors are dealt to threads largest first, each to the least loaded
// thread, so the threads get similar numbers of elements. Returns the first error.
Status accumulate_batch(std::map<std::string, TensorStats>& stats,
                        const std::vector<std::string>& fetch, const std::vector<Tensor>& outputs,
                        size_t count, size_t threads) {
  std::vector<size_t> order(fetch.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return outputs[a].byte_size() > outputs[b].byte_size();
  });
  if (order.empty()) return Status::Ok();
  threads = std::max<size_t>(1, std::min(threads, order.size()));
  if (batch_bytes(outputs, fetch.size()) < kParallelAccumulationMinBytes) threads = 1;
  std::vector<std::vector<size_t>> share(threads);
  std::vector<size_t> load(threads, 0);
  for (size_t i : order) {
    const size_t t = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    share[t].push_back(i);
    load[t] += outputs[i].byte_size();
  }
  std::vector<Status> status(threads);
  auto work = [&](size_t t) {
    for (size_t i : share[t]) {
      status[t] = stats.at(fetch[i]).add_batch(outputs[i], count);
      if (!status[t].ok()) return;
    }
  };
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work, t);
  work(0);
  for (std::thread& h : helpers) h.join();
  for (const Status& s : status) QAC_RETURN_IF_ERROR(s);
  return Status::Ok();
}

// Splits `observed` into tensors summarized in the graph and tensors fetched whole.
// Errors: a per-channel axis outside the declared rank (InvalidData naming the tensor).
Status plan_observation(const onnx::GraphProto& g, const std::vector<std::string>& observed,
                        const StatisticsRequest& request, const ModelValues& values,
                        std::vector<ObserverSpec>& in_graph, std::vector<std::string>& host) {
  const bool padded_batches = fixed_input_batch(g, values) > 1;
  for (const std::string& name : observed) {
    const TensorStatsConfig config = config_for(name, request);
    int32_t elem_type = onnx::TensorProto_DataType_UNDEFINED;
    const std::optional<std::vector<int64_t>> shape = declared_shape(name, values, &elem_type);
    const bool per_channel = config.channel_mean_axis || config.channel_absmax_last_axis;
    const char* fetch_reason = !request.in_graph_observers         ? "observers off"
                               : config.histogram                   ? "histogram"
                               : elem_type != onnx::TensorProto_DataType_FLOAT ? "not known to be float32"
                               : per_channel && padded_batches      ? "padded batches"
                                                                    : nullptr;
    if (fetch_reason) {
      QAC_LOG(kDebug) << "statistics: '" << name << "' fetched whole (" << fetch_reason << ")";
      host.push_back(name);
      continue;
    }
    // Axes are checked here when the rank is declared, else by the observer kernel at run time.
    ObserverSpec spec;
    spec.tensor = name;
    const int rank = shape ? static_cast<int>(shape->size()) : -1;
    if (config.channel_mean_axis) {
      const int requested = *config.channel_mean_axis;
      const int axis = requested < 0 && shape ? requested + rank : requested;
      if (shape && (axis < 0 || axis >= rank)) {
        return Status::InvalidData("tensor '" + name + "' of shape " + shape_to_string(*shape) +
                                   " has no axis " + std::to_string(requested) +
                                   " for per-channel means");
      }
      spec.channel_sum_axis = axis;
    }
    if (config.channel_absmax_last_axis) {
      if (rank == 0) {
        return Status::InvalidData("tensor '" + name +
                                   "' is a scalar; per-channel abs-max needs a last axis");
      }
      spec.last_axis_absmax = true;
    }
    in_graph.push_back(std::move(spec));
  }
  return Status::Ok();
}

}  // namespace

Result<std::map<std::string, TensorStats>> collect_statistics(const onnx::ModelProto& model,
                                                              const Dataset& data,
                                                              const StatisticsRequest& request,
                                                              size_t subset_size,
                                                              size_t batch_size,
                                                              const SessionOptions& options,
                                                              StatisticsInfo* info) {
  const ModelValues values = index_values(model.graph());
  QAC_ASSIGN_OR_RETURN(std::vector<std::string> observed,
                       observable_names(requested_names(request), values));
  std::vector<ObserverSpec> in_graph;
  std::vector<std::string> host;
  QAC_RETURN_IF_ERROR(plan_observation(model.graph(), observed, request, values, in_graph, host));
  std::vector<std::string> extra;
  for (const std::string& name : host) {
    if (!values.outputs.count(name)) extra.push_back(name);
  }
  std::vector<ObserverOutputs> observers;
  std::string bytes = model.SerializeAsString();
  if (!extra.empty()) bytes += output_fragment(extra, values).SerializeAsString();
  if (!in_graph.empty()) bytes += observer_fragment(model.graph(), in_graph, observers).SerializeAsString();
  // Idle ONNX Runtime threads may spin between batches unless host code runs there.
  SessionOptions session_options = options;
  session_options.allow_spinning = options.allow_spinning && host.empty();
  QAC_ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                       Session::create(bytes, session_options, "the model with observed activations"));

  const std::vector<std::string> host_fetch = floating_point_outputs(*session, host);
  std::map<std::string, TensorStats> stats;
  for (const std::string& name : host_fetch) stats.emplace(name, TensorStats(name, config_for(name, request)));
  for (const ObserverSpec& spec : in_graph) {
    stats.emplace(spec.tensor, TensorStats(spec.tensor, config_for(spec.tensor, request)));
  }
  std::vector<std::string> fetch = host_fetch;
  for (const ObserverOutputs& o : observers) {
    for (const std::string* name : {&o.ranges, &o.nonfinite, &o.shape, &o.channel_sums, &o.channel_absmax}) {
      if (!name->empty()) fetch.push_back(*name);
    }
  }
  const size_t num_samples = std::min(subset_size, data.size());
  if (stats.empty() || num_samples == 0) {
    QAC_LOG(kWarning) << "statistics: nothing to observe (" << stats.size() << " tensors, "
                      << num_samples << " samples)";
    return stats;
  }

  // As many threads as ONNX Runtime uses: the cores are idle between runs.
  const size_t threads = options.intra_op_threads > 0
                             ? static_cast<size_t>(options.intra_op_threads)
                             : available_cpus();
  Progress progress("statistics", num_samples);
  // A sample fed whole is observed as the model computes it, without the sample axis its
  // outputs are read back with, so that channel axes index the model's own tensors.
  QAC_ASSIGN_OR_RETURN(const bool whole, fed_whole(*session, data));
  auto on_batch = [&](size_t /*first*/, size_t count, const NamedTensors& /*inputs*/,
                      std::vector<Tensor>& outputs) -> Status {
    if (whole) {
      for (Tensor& t : outputs) t.shape.erase(t.shape.begin());
    }
    QAC_RETURN_IF_ERROR(accumulate_batch(stats, host_fetch, outputs, count, threads));
    QAC_RETURN_IF_ERROR(add_observer_outputs(stats, observers, outputs, host_fetch.size(), count));
    progress.advance(count);
    return Status::Ok();
  };
  QAC_RETURN_IF_ERROR(run_batches_within_bytes(*session, data, num_samples, batch_size,
                                               kStatisticsBatchBytesBudget, fetch, on_batch,
                                               [&](size_t used_batch) {
    QAC_LOG(kInfo) << "statistics: " << stats.size() << " tensors (" << in_graph.size()
                   << " summarized in the graph) over " << num_samples << " samples, batch size "
                   << used_batch;
    if (info) *info = StatisticsInfo{in_graph.size(), host_fetch.size(), used_batch};
  }));
  progress.finish();
  return stats;
}

}  // namespace qac
