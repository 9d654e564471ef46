#include "runtime/session.h"

#include <onnxruntime_cxx_api.h>

#include <algorithm>
#include <optional>

#include "core/cpu_count.h"
#include "qac/dataset.h"
#include "runtime/observer_kernels.h"

namespace qac {

std::string onnxruntime_version() { return Ort::GetVersionString(); }

namespace {

Ort::Env& ort_env() {
  static Ort::Env env(ORT_LOGGING_LEVEL_ERROR, "qac");
  return env;
}

Result<DType> from_ort(ONNXTensorElementDataType t, const std::string& what) {
  switch (t) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT: return DType::kFloat32;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE: return DType::kFloat64;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16: return DType::kFloat16;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8: return DType::kInt8;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8: return DType::kUInt8;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16: return DType::kInt16;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32: return DType::kInt32;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64: return DType::kInt64;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL: return DType::kBool;
    default:
      return Status::Unsupported(what + " has an element type qac does not handle (ONNX type " +
                                 std::to_string(static_cast<int>(t)) + ")");
  }
}

ONNXTensorElementDataType to_ort(DType t) {
  switch (t) {
    case DType::kFloat32: return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
    case DType::kFloat64: return ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE;
    case DType::kFloat16: return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16;
    case DType::kInt8: return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8;
    case DType::kUInt8: return ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8;
    case DType::kInt16: return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16;
    case DType::kInt32: return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32;
    case DType::kInt64: return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64;
    case DType::kBool: return ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL;
  }
  return ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
}

GraphOptimizationLevel to_ort(OptimizationLevel l) {
  switch (l) {
    case OptimizationLevel::kDisabled: return ORT_DISABLE_ALL;
    case OptimizationLevel::kBasic: return ORT_ENABLE_BASIC;
    case OptimizationLevel::kExtended: return ORT_ENABLE_EXTENDED;
    case OptimizationLevel::kAll: return ORT_ENABLE_ALL;
  }
  return ORT_ENABLE_ALL;
}

Result<ValueSpec> describe(const std::string& name, const Ort::TypeInfo& info) {
  if (info.GetONNXType() != ONNX_TYPE_TENSOR) {
    return Status::Unsupported("model value '" + name + "' is not a tensor");
  }
  auto tinfo = info.GetTensorTypeAndShapeInfo();
  ValueSpec spec;
  spec.name = name;
  QAC_ASSIGN_OR_RETURN(spec.dtype, from_ort(tinfo.GetElementType(), "model value '" + name + "'"));
  spec.shape = tinfo.GetShape();
  return spec;
}

// A model input as fed: the tensor and the shape ONNX Runtime sees.
struct CheckedFeed {
  const Tensor* tensor = nullptr;
  std::vector<int64_t> shape;
  bool whole = false;  // one whole sample: the tensor's leading sample axis of 1 is not fed
};

bool dims_match(const std::vector<int64_t>& actual, const std::vector<int64_t>& expected) {
  if (actual.size() != expected.size()) return false;
  for (size_t d = 0; d < actual.size(); ++d) {
    if (expected[d] >= 0 && expected[d] != actual[d]) return false;
  }
  return true;
}

// The tensor fed for input `spec`, checked against its element type and shape (-1: any size).
// A tensor with one axis more than the input, of size 1, holds one sample fed whole
// (qac/dataset.h, sample_fed_whole): it is fed without that axis.
Result<CheckedFeed> checked_feed(const ValueSpec& spec, const NamedTensors& feeds, const std::string& label) {
  auto it = feeds.find(spec.name);
  if (it == feeds.end()) {
    return Status::InvalidData(label + " needs input '" + spec.name + "' which the data lacks");
  }
  const Tensor& t = it->second;
  if (t.dtype != spec.dtype) {
    return Status::InvalidData("input '" + spec.name + "' of " + label + " expects " + dtype_name(spec.dtype) +
                               " but the data holds " + dtype_name(t.dtype));
  }
  CheckedFeed feed{&t, t.shape, false};
  if (t.shape.size() == spec.shape.size() + 1 && t.shape[0] == 1 &&
      sample_fed_whole(t.shape.size() - 1, spec.shape.size())) {
    feed.shape.erase(feed.shape.begin());
    feed.whole = true;
  }
  if (!dims_match(feed.shape, spec.shape)) {
    return Status::InvalidData("input '" + spec.name + "' of " + label + " expects shape " +
                               shape_to_string(spec.shape) + " but the data has " + shape_to_string(t.shape));
  }
  return feed;
}

// Copies into `tensors` every output ONNX Runtime did not write in place (bound[i] false, or
// bound to a buffer it replaced), with a leading axis of 1 when `sample_axis` (a run of one
// sample fed whole). `tensors` keeps its buffers' capacity where it suffices.
Status collect_outputs(std::vector<Ort::Value>& outs, const std::vector<bool>& bound,
                       const std::vector<std::string>& names, bool sample_axis, std::vector<Tensor>& tensors) {
  tensors.resize(outs.size());
  for (size_t i = 0; i < outs.size(); ++i) {
    if (!outs[i].IsTensor()) return Status::Unsupported("output '" + names[i] + "' is not a tensor");
    Tensor& t = tensors[i];
    const void* written = outs[i].GetTensorRawData();
    if (bound[i] && written == static_cast<const void*>(t.bytes.data())) continue;  // in place
    auto info = outs[i].GetTensorTypeAndShapeInfo();
    QAC_ASSIGN_OR_RETURN(t.dtype, from_ort(info.GetElementType(), "output '" + names[i] + "'"));
    t.shape = info.GetShape();
    if (sample_axis) t.shape.insert(t.shape.begin(), 1);
    const size_t nbytes = info.GetElementCount() * dtype_size(t.dtype);
    const uint8_t* src = static_cast<const uint8_t*>(written);
    t.bytes.assign(src, src + nbytes);
  }
  return Status::Ok();
}

}  // namespace

struct Session::Impl {
  std::unique_ptr<Ort::Session> session;
  bool quiet_failures = false;
  std::vector<std::string> input_names;
  std::vector<std::string> output_names;
};

Session::Session() : impl_(std::make_unique<Impl>()) {}
Session::~Session() = default;

std::vector<std::string> Session::output_names() const { return impl_->output_names; }

Result<std::unique_ptr<Session>> Session::create(const std::string& model_bytes,
                                                 const SessionOptions& options,
                                                 const std::string& label) {
  std::unique_ptr<Session> s(new Session());
  s->label_ = label;
  try {
    Ort::SessionOptions so;
    so.SetGraphOptimizationLevel(to_ort(options.optimization));
    // 0 = every CPU the process may use (ONNX Runtime's own default can be fewer).
    so.SetIntraOpNumThreads(options.intra_op_threads > 0 ? options.intra_op_threads
                                                         : static_cast<int>(available_cpus()));
    so.SetInterOpNumThreads(std::max(1, options.inter_op_threads));
    so.SetExecutionMode(ORT_SEQUENTIAL);
    if (!options.allow_spinning) so.AddConfigEntry("session.intra_op.allow_spinning", "0");
    if (!options.prepack_weights) so.AddConfigEntry("session.disable_prepacking", "1");
    add_observer_kernels(so);
    s->impl_->quiet_failures = options.quiet_failures;
    s->impl_->session = std::make_unique<Ort::Session>(ort_env(), model_bytes.data(),
                                                       model_bytes.size(), so);
    Ort::AllocatorWithDefaultOptions alloc;
    Ort::Session& ort = *s->impl_->session;
    for (size_t i = 0; i < ort.GetInputCount(); ++i) {
      std::string name = ort.GetInputNameAllocated(i, alloc).get();
      QAC_ASSIGN_OR_RETURN(ValueSpec spec, describe(name, ort.GetInputTypeInfo(i)));
      s->inputs_.push_back(spec);
      s->impl_->input_names.push_back(name);
    }
    for (size_t i = 0; i < ort.GetOutputCount(); ++i) {
      std::string name = ort.GetOutputNameAllocated(i, alloc).get();
      QAC_ASSIGN_OR_RETURN(ValueSpec spec, describe(name, ort.GetOutputTypeInfo(i)));
      s->outputs_.push_back(spec);
      s->impl_->output_names.push_back(name);
    }
  } catch (const Ort::Exception& e) {
    return Status::RuntimeError("ONNX Runtime cannot load " + label + ": " + e.what());
  }
  return s;
}

Result<std::vector<Tensor>> Session::run(const NamedTensors& feeds,
                                         const std::vector<std::string>& fetch) const {
  RunOutputs outputs;
  outputs.bind = false;
  QAC_RETURN_IF_ERROR(run_into(feeds, fetch, outputs));
  return std::move(outputs.tensors);
}

Status Session::run_into(const NamedTensors& feeds, const std::vector<std::string>& fetch,
                         RunOutputs& outputs) const {
  return run_into_impl(feeds, fetch, outputs, nullptr);
}

Status Session::run_profiled(const NamedTensors& feeds, const std::string& profile_prefix) const {
  RunOutputs outputs;
  outputs.bind = false;  // one run, so one trace
  return run_into_impl(feeds, {}, outputs, profile_prefix.c_str());
}

Status Session::run_into_impl(const NamedTensors& feeds, const std::vector<std::string>& fetch,
                              RunOutputs& outputs, const char* profile_prefix) const {
  const std::vector<std::string>& names = fetch.empty() ? impl_->output_names : fetch;
  if (feeds.size() != inputs_.size()) {
    return Status::InvalidData(label_ + " has " + std::to_string(inputs_.size()) +
                               " inputs but " + std::to_string(feeds.size()) + " were given");
  }
  Ort::MemoryInfo mem = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  std::vector<Ort::Value> values;
  std::vector<const char*> in_names;
  std::vector<std::vector<int64_t>> feed_shapes;
  values.reserve(inputs_.size());
  bool whole = false;  // some input holds one whole sample: outputs get a leading sample axis
  for (const ValueSpec& spec : inputs_) {
    QAC_ASSIGN_OR_RETURN(CheckedFeed feed, checked_feed(spec, feeds, label_));
    const Tensor& t = *feed.tensor;
    whole = whole || feed.whole;
    feed_shapes.push_back(std::move(feed.shape));
    values.push_back(Ort::Value::CreateTensor(mem, const_cast<uint8_t*>(t.bytes.data()), t.bytes.size(),
                                              feed_shapes.back().data(), feed_shapes.back().size(),
                                              to_ort(t.dtype)));
    in_names.push_back(spec.name.c_str());
  }
  if (whole) for (auto& shape : feed_shapes) shape.insert(shape.begin(), -1);  // unlike a stacked run's
  std::vector<const char*> out_names;
  for (const std::string& n : names) out_names.push_back(n.c_str());

  // Outputs ONNX Runtime may write in place: same feed shapes as last time, same tensor size.
  std::vector<Tensor>& tensors = outputs.tensors;
  const bool may_bind = outputs.bind && feed_shapes == outputs.feed_shapes && tensors.size() == names.size();
  auto make_outputs = [&](bool bind, std::vector<bool>& bound) {
    std::vector<Ort::Value> outs;
    outs.reserve(names.size());
    bound.assign(names.size(), false);
    for (size_t i = 0; i < names.size(); ++i) {
      // bind implies one tensor per name. A fetched model input is returned as the fed value,
      // not written into a buffer given for it.
      Tensor* t = bind && !feeds.count(names[i]) ? &tensors[i] : nullptr;
      if (t && !t->bytes.empty() && t->bytes.size() == t->numel() * dtype_size(t->dtype) &&
          (!whole || (!t->shape.empty() && t->shape[0] == 1))) {
        // A whole sample's output is written without its leading sample axis.
        const int64_t* dims = t->shape.data() + (whole ? 1 : 0);
        outs.push_back(Ort::Value::CreateTensor(mem, t->bytes.data(), t->bytes.size(), dims,
                                                t->shape.size() - (whole ? 1 : 0), to_ort(t->dtype)));
        bound[i] = true;
      } else {
        outs.emplace_back(nullptr);
      }
    }
    return outs;
  };
  auto run_once = [&](std::vector<Ort::Value>& outs, bool quiet) -> std::optional<std::string> {
    try {
      // A run with bound outputs that fails is repeated unbound: ONNX Runtime need not log it.
      Ort::RunOptions run_options;
      if (quiet) run_options.SetRunLogSeverityLevel(ORT_LOGGING_LEVEL_FATAL);
      if (profile_prefix) run_options.EnableProfiling(profile_prefix);
      impl_->session->Run(run_options, in_names.data(), values.data(), values.size(),
                          out_names.data(), outs.data(), outs.size());
    } catch (const Ort::Exception& e) {
      return std::string(e.what());
    }
    return std::nullopt;
  };
  std::vector<bool> bound;
  std::vector<Ort::Value> outs = make_outputs(may_bind, bound);
  const bool any_bound = std::find(bound.begin(), bound.end(), true) != bound.end();
  std::optional<std::string> error = run_once(outs, any_bound || impl_->quiet_failures);
  if (error && any_bound) {
    outputs.bind = false;  // an output's shape changed with the data: run again unbound
    outs = make_outputs(false, bound);
    error = run_once(outs, impl_->quiet_failures);
  }
  outputs.feed_shapes.clear();
  if (error) return Status::RuntimeError("running " + label_ + ": " + *error);
  QAC_RETURN_IF_ERROR(collect_outputs(outs, bound, names, whole, tensors));
  outputs.feed_shapes = std::move(feed_shapes);
  return Status::Ok();
}

}  // namespace qac
