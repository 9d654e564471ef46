#include "quant/statistics.h"

#include <algorithm>
#include <set>
#include <thread>

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

// Adds output i of a batch to stats[fetch[i]] for every i, on up to `threads` threads (the
// calling one included). Tensors are dealt to threads largest first, each to the least loaded
// thread, so the threads get similar numbers of elements. Returns the first error.
Status accumulate_batch(std::map<std::string, TensorStats>& stats,
                        const std::vector<std::string>& fetch, const std::vector<Tensor>& outputs,
                        size_t count, size_t threads) {
  std::vector<size_t> order(outputs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return outputs[a].byte_size() > outputs[b].byte_size();
  });
  threads = std::max<size_t>(1, std::min(threads, outputs.size()));
  if (batch_bytes(outputs) < kParallelAccumulationMinBytes) threads = 1;
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

  const std::vector<std::string> fetch = floating_point_outputs(*session, observed);
  std::map<std::string, TensorStats> stats;
  for (const std::string& name : fetch) stats.emplace(name, TensorStats(name, config_for(name, request)));
  const size_t num_samples = std::min(subset_size, data.size());
  if (fetch.empty() || num_samples == 0) {
    QAC_LOG(kWarning) << "statistics: nothing to observe (" << fetch.size() << " tensors, "
                      << num_samples << " samples)";
    return stats;
  }

  // As many threads as ONNX Runtime uses: the cores are idle between runs.
  const size_t threads = options.intra_op_threads > 0
                             ? static_cast<size_t>(options.intra_op_threads)
                             : std::max<unsigned>(1, std::thread::hardware_concurrency());
  Progress progress("statistics", num_samples);
  size_t last_batch_bytes = 0;
  // A batch's outputs are released only once the next batch's exist: the allocator then
  // recycles their memory instead of returning the top of the heap to the OS and faulting
  // fresh pages in for every batch (measured: as costly as the FP32 pass on a small CNN).
  std::vector<Tensor> previous_outputs;
  auto on_batch = [&](size_t /*first*/, size_t count, const NamedTensors& /*inputs*/,
                      std::vector<Tensor>& outputs) -> Status {
    QAC_RETURN_IF_ERROR(accumulate_batch(stats, fetch, outputs, count, threads));
    last_batch_bytes = batch_bytes(outputs) / count;
    previous_outputs = std::move(outputs);
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
