#include "runtime/int8_coverage.h"

#include <limits>
#include <map>

namespace qac {
namespace {

enum class MacFormula {
  kConv,           // output elements * prod(weight dims[1:])
  kConvTranspose,  // input elements * prod(weight dims[1:]); weight [C_in, C_out / group, k...]
  kMatMul,         // output elements * K
  // com.microsoft.Attention (x [B, S, K], weight [K, 3 * N]) -> [B, S, N]: the projection
  // B*S*K*3N, then Q K^T and probabilities times V, B*S*S*N each.
  kAttention,
  // com.microsoft.MultiHeadAttention (query [B, S, N], key [B, L, N]) -> [B, S, Nv]: Q K^T
  // B*S*L*N, probabilities times V B*S*L*Nv.
  kMultiHeadAttention,
};

struct MacOp {
  MacKernel kernel;
  MacFormula formula;
  size_t weight_input;  // input index of the weight, for convolutions
};

// Input positions as ONNX Runtime's kernels take them, e.g. QLinearConv
// (x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B).
const std::map<std::string, MacOp>& mac_ops() {
  static const std::map<std::string, MacOp> ops = {
      {"Conv", {MacKernel::kFloat, MacFormula::kConv, 1}},
      {"FusedConv", {MacKernel::kFloat, MacFormula::kConv, 1}},
      {"NhwcFusedConv", {MacKernel::kFloat, MacFormula::kConv, 1}},
      {"ConvTranspose", {MacKernel::kFloat, MacFormula::kConvTranspose, 1}},
      {"MatMul", {MacKernel::kFloat, MacFormula::kMatMul, 0}},
      {"FusedMatMul", {MacKernel::kFloat, MacFormula::kMatMul, 0}},
      {"Gemm", {MacKernel::kFloat, MacFormula::kMatMul, 0}},
      {"FusedGemm", {MacKernel::kFloat, MacFormula::kMatMul, 0}},
      {"QLinearConv", {MacKernel::kInt8, MacFormula::kConv, 3}},
      {"ConvInteger", {MacKernel::kInt8, MacFormula::kConv, 1}},
      {"QLinearConvTranspose", {MacKernel::kInt8, MacFormula::kConvTranspose, 3}},
      {"QLinearMatMul", {MacKernel::kInt8, MacFormula::kMatMul, 0}},
      {"MatMulInteger", {MacKernel::kInt8, MacFormula::kMatMul, 0}},
      {"MatMulIntegerToFloat", {MacKernel::kInt8, MacFormula::kMatMul, 0}},
      {"DynamicQuantizeMatMul", {MacKernel::kInt8, MacFormula::kMatMul, 0}},
      {"QGemm", {MacKernel::kInt8, MacFormula::kMatMul, 0}},
      {"MatMulNBits", {MacKernel::kWeightOnly, MacFormula::kMatMul, 0}},
      {"Attention", {MacKernel::kFloat, MacFormula::kAttention, 1}},
      {"MultiHeadAttention", {MacKernel::kFloat, MacFormula::kMultiHeadAttention, 1}},
  };
  return ops;
}

double element_count(const std::vector<int64_t>& shape, size_t first_dim = 0) {
  double n = 1;
  for (size_t d = first_dim; d < shape.size(); ++d) n *= static_cast<double>(shape[d]);
  return n;
}

// The reduction length of a matrix product with first operand `a` and output `out`. Gemm and
// FusedMatMul may transpose A, which the trace does not say: A is [..., M, K] or [..., K, M]
// and out is [..., M, N], so K is the dim of A's last two that is not M (either when both
// are M).
int64_t reduction_length(const std::vector<int64_t>& a, const std::vector<int64_t>& out) {
  if (a.size() < 2 || out.size() < 2) return a.back();
  const int64_t m = out[out.size() - 2];
  return a[a.size() - 2] == m ? a.back() : a[a.size() - 2];
}

Status shapes_do_not_fit(const NodeRecord& node, const std::string& why) {
  return Status::InvalidData("node '" + node.name + "' (" + node.op_type + ") in the profile: " + why);
}

Result<double> attention_macs(const NodeRecord& node, MacFormula formula) {
  const std::vector<int64_t>& input = node.input_shapes[0];
  const std::vector<int64_t>& output = node.output_shapes[0];
  if (node.input_shapes.size() < 2) return shapes_do_not_fit(node, "its second input is not in the trace");
  const std::vector<int64_t>& second = node.input_shapes[1];
  if (input.size() != 3 || output.size() != 3 || second.size() < 2) {
    return shapes_do_not_fit(node, "input " + shape_to_string(input) + " and output " + shape_to_string(output) +
                                       " are not [B, S, hidden]");
  }
  const double tokens = static_cast<double>(input[0] * input[1]);
  if (formula == MacFormula::kAttention) {
    const double hidden = static_cast<double>(output[2]);
    return tokens * (static_cast<double>(input[2] * second.back()) + 2.0 * static_cast<double>(input[1]) * hidden);
  }
  const double keys = static_cast<double>(second[1]);
  return tokens * keys * static_cast<double>(input[2] + output[2]);
}

}  // namespace

MacKernel mac_kernel(const std::string& op_type) {
  const auto it = mac_ops().find(op_type);
  return it == mac_ops().end() ? MacKernel::kNone : it->second.kernel;
}

Result<double> node_macs(const NodeRecord& node) {
  const auto it = mac_ops().find(node.op_type);
  if (it == mac_ops().end()) return 0.0;
  const MacOp& op = it->second;
  if (node.output_shapes.empty() || node.input_shapes.empty()) {
    return shapes_do_not_fit(node, "no input or output shape");
  }
  const std::vector<int64_t>& input = node.input_shapes[0];
  const std::vector<int64_t>& output = node.output_shapes[0];
  if (op.formula == MacFormula::kAttention || op.formula == MacFormula::kMultiHeadAttention) {
    return attention_macs(node, op.formula);
  }
  if (op.formula == MacFormula::kMatMul) {
    if (input.empty()) return shapes_do_not_fit(node, "its first input is a scalar");
    return element_count(output) * static_cast<double>(reduction_length(input, output));
  }
  if (node.input_shapes.size() <= op.weight_input) {
    return shapes_do_not_fit(node, "its weight (input " + std::to_string(op.weight_input) +
                                       ") is not in the trace (a session that prepacks weights leaves it out)");
  }
  const std::vector<int64_t>& weight = node.input_shapes[op.weight_input];
  if (weight.size() < 2) {
    return shapes_do_not_fit(node, "its weight (input " + std::to_string(op.weight_input) + ") has shape " +
                                       shape_to_string(weight) + ", not [out, in, kernel...]");
  }
  const double per_element = element_count(weight, 1);
  return (op.formula == MacFormula::kConv ? element_count(output) : element_count(input)) * per_element;
}

double Int8Coverage::share() const {
  const double total = total_macs();
  return total > 0 ? int8_macs / total : std::numeric_limits<double>::quiet_NaN();
}

Result<Int8Coverage> int8_coverage(const std::vector<NodeRecord>& nodes) {
  Int8Coverage coverage;
  for (const NodeRecord& node : nodes) {
    QAC_ASSIGN_OR_RETURN(const double macs, node_macs(node));
    switch (mac_kernel(node.op_type)) {
      case MacKernel::kFloat: coverage.float_macs += macs; break;
      case MacKernel::kInt8: coverage.int8_macs += macs; break;
      case MacKernel::kWeightOnly: coverage.weight_only_macs += macs; break;
      case MacKernel::kNone: break;
    }
  }
  return coverage;
}

}  // namespace qac
