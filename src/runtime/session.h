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
  int intra_op_threads = 0;  // 0 = ONNX Runtime's default (one per core)
  int inter_op_threads = 1;
  // Let idle worker threads spin between runs. Off for passes whose host code runs between
  // batches (statistics), where spinning threads would compete with it for the cores.
  bool allow_spinning = true;
};

struct ValueSpec {
  std::string name;
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;  // -1 for symbolic dimensions
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
  Result<std::vector<Tensor>> run(const NamedTensors& feeds,
                                  const std::vector<std::string>& fetch = {}) const;

 private:
  Session();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<ValueSpec> inputs_;
  std::vector<ValueSpec> outputs_;
  std::string label_;
};

}  // namespace qac
