// The one-pass sensitivity signal of accuracy control: per quantizer group, the relative
// output noise its own quantizers add, from the intermediate tensors of the FP32 and the fully
// quantized model on the same samples:
//   rel(t) = sum (t_quantized - t_fp32)^2 / sum t_fp32^2
//   sensitivity(g) = max(0, mean over g's op outputs rel(out) - max over g's inputs rel(in))
// This file plans which tensors to observe and turns observed pairs into the signal; running
// the models is the caller's (ModelOracle::sensitivity).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "qac/tensor.h"
#include "quant/groups.h"
#include "quant/pipeline.h"

namespace qac {

class SensitivityProbe {
 public:
  // Observes, per group, its quantized activation tensors and its ops' first outputs.
  SensitivityProbe(const CalibratedModel& cm, const std::vector<QuantizerGroup>& groups);

  // The observed tensors (sorted, unique): fetch them, in this order, from both models.
  const std::vector<std::string>& tensors() const { return names_; }

  // Adds one batch: `fp32[i]` and `quantized[i]` hold tensors()[i] of the two models.
  // Pairs that are not float32 tensors of equal size are skipped.
  void add(const std::vector<Tensor>& fp32, const std::vector<Tensor>& quantized);

  // sensitivity(g) per group id, from every batch added.
  std::vector<double> sensitivity() const;

  // Per node of every group (with an output), in graph order: the SQNR of its first output in
  // the quantized model against FP32, 10 log10(sum ref^2 / sum err^2), from every batch added;
  // +inf when the outputs were identical, -inf when the reference was all zero but not the
  // output. Nodes whose output was never compared (not float32) are left out.
  struct NodeError {
    std::string node, op_type, tensor;
    int group = 0;
    double sqnr_db = 0;
  };
  std::vector<NodeError> node_errors() const;

 private:
  struct ErrorSums {
    double err = 0, ref = 0;
    double relative() const { return ref > 0 ? err / ref : (err > 0 ? 1.0 : 0.0); }
    bool compared = false;  // at least one pair was added
  };
  struct ProbedNode {
    int graph_index = 0;
    std::string node, op_type;
    size_t tensor = 0;  // index into names_
    int group = 0;
  };
  std::vector<ProbedNode> nodes_;                      // graph order
  std::vector<std::string> names_;
  std::vector<std::vector<size_t>> inputs_of_group_;   // indices into names_
  std::vector<std::vector<size_t>> outputs_of_group_;  // indices into names_
  std::vector<ErrorSums> sums_;                        // per names_ entry
};

// err += sum (got - ref)^2, ref_energy += sum ref^2 over the elements of two float32 tensors;
// nothing when either is not float32 or their sizes differ.
void add_squared_error(const Tensor& ref, const Tensor& got, double& err, double& ref_energy);

// Adds `names` as float graph outputs of `model` (those that are not outputs already).
void expose_float_outputs(onnx::ModelProto& model, const std::vector<std::string>& names);

}  // namespace qac
