// ONNX Runtime sessions. This directory is the only place that includes ONNX Runtime.
// A Session is created once from serialized model bytes and reused for every batch.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "qac/status.h"
#include "qac/tensor.h"

namespace qac {

enum class OptimizationLevel {
  kDisabled,  // the float QDQ reference: Q/DQ nodes are executed as written
  kBasic,
  kExtended,
  kAll,       // what users deploy: QDQ groups fused into int8 kernels
};

struct SessionOptions {
  OptimizationLevel optimization = OptimizationLevel::kAll;
  int intra_op_threads = 0;  // 0 = one per CPU the process may use (core/cpu_count.h)
  int inter_op_threads = 1;
  // Let idle worker threads spin between runs. Off for passes whose host code runs between
  // batches (statistics), where spinning threads would compete with it for the cores.
  bool allow_spinning = true;
  // Let kernels repack constant weights once at session creation. Off only where every
  // weight's shape must appear in a profiling trace (ONNX Runtime drops repacked weights from
  // the node inputs it reports); runs are then slower.
  bool prepack_weights = true;
  // A run that fails is reported only through its Status, not also logged by ONNX Runtime (for
  // runs whose failure is an expected answer, e.g. a probe that may not fit the model).
  bool quiet_failures = false;
};

// The version of the ONNX Runtime library loaded at run time (e.g. "1.29.0").
std::string onnxruntime_version();

// Outputs kept from one run to the next (Session::run_into).
struct RunOutputs {
  std::vector<Tensor> tensors;                    // in fetch order
  std::vector<std::vector<int64_t>> feed_shapes;  // of the run that filled `tensors`
  bool bind = true;                               // write outputs in place when shapes repeat
};

class Session {
 public:
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Builds a session from a serialized ModelProto. `label` names the model in messages.
  static Result<std::unique_ptr<Session>> create(const std::string& model_bytes,
                                                 const SessionOptions& options,
                                                 const std::string& label = "model");

  const std::vector<ValueSpec>& inputs() const { return inputs_; }
  const std::vector<ValueSpec>& outputs() const { return outputs_; }
  std::vector<std::string> output_names() const;

  // Runs the model. Every model input must be present in `feeds` (extra feeds are an error).
  // `fetch` lists the outputs to return, in order; empty = all model outputs.
  // A feed with one axis more than its input, of size 1, is one dataset sample fed whole
  // (qac/dataset.h): it is fed without that axis, and every output is returned with a leading
  // axis of 1, so that a whole sample reads and writes like a stacked batch of one.
  Result<std::vector<Tensor>> run(const NamedTensors& feeds,
                                  const std::vector<std::string>& fetch = {}) const;

  // As run(), into `outputs`, for a caller that runs batch after batch. When the feeds have the
  // shapes of the run that filled `outputs` and a fetched tensor still has its shape and size,
  // ONNX Runtime writes that output straight into the tensor's storage; other outputs are
  // copied into it, reusing its capacity. Large outputs otherwise cost a fresh allocation (and
  // page faults on it) plus a copy per batch, which on a model with big activations costs more
  // than running it. An output ONNX Runtime cannot write in place (its shape depends on the
  // data) makes this run repeat unbound and turns binding off for `outputs`.
  // On error `outputs.tensors` holds unspecified tensors.
  Status run_into(const NamedTensors& feeds, const std::vector<std::string>& fetch,
                  RunOutputs& outputs) const;

  // As run(), discarding the outputs, with ONNX Runtime's profiler on for this run only: its
  // trace (JSON) is written to "<profile_prefix>_<timestamp>.json" (runtime/profile.h reads it).
  Status run_profiled(const NamedTensors& feeds, const std::string& profile_prefix) const;

 private:
  Session();
  // run_into(), with the profiler on when `profile_prefix` is not null.
  Status run_into_impl(const NamedTensors& feeds, const std::vector<std::string>& fetch,
                       RunOutputs& outputs, const char* profile_prefix) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<ValueSpec> inputs_;
  std::vector<ValueSpec> outputs_;
  std::string label_;
};

}  // namespace qac
