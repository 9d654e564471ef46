#include "evaluation/sensitivity_probe.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace qac {
namespace {

// sum (got - ref)^2 and sum ref^2 with four partial sums each (lane = i mod 4).
void add_error_sums(const float* ref, const float* got, size_t n, double& err_sum, double& ref_sum) {
  constexpr size_t kLanes = 4;
  double err[kLanes] = {}, energy[kLanes] = {};
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (size_t lane = 0; lane < kLanes; ++lane) {
      const double d = static_cast<double>(got[i + lane]) - ref[i + lane];
      err[lane] += d * d;
      energy[lane] += static_cast<double>(ref[i + lane]) * ref[i + lane];
    }
  }
  for (; i < n; ++i) {
    const double d = static_cast<double>(got[i]) - ref[i];
    err[0] += d * d;
    energy[0] += static_cast<double>(ref[i]) * ref[i];
  }
  err_sum += (err[0] + err[1]) + (err[2] + err[3]);
  ref_sum += (energy[0] + energy[1]) + (energy[2] + energy[3]);
}

}  // namespace

SensitivityProbe::SensitivityProbe(const CalibratedModel& cm, const std::vector<QuantizerGroup>& groups) {
  std::map<std::string, int> node_index;
  const auto& graph = cm.fp32.graph();
  for (int i = 0; i < graph.node_size(); ++i) node_index[graph.node(i).name()] = i;
  std::map<std::string, std::string> tensor_of_activation;
  for (const auto& a : cm.setup.activations) tensor_of_activation[a.id] = a.tensor;
  std::vector<std::vector<std::string>> ins(groups.size()), outs(groups.size());
  std::vector<ProbedNode> probed;
  std::set<std::string> observed;
  for (size_t k = 0; k < groups.size(); ++k) {
    for (const auto& id : groups[k].activation_ids) {
      if (auto it = tensor_of_activation.find(id); it != tensor_of_activation.end()) ins[k].push_back(it->second);
    }
    for (size_t n = 0; n < groups[k].node_names.size(); ++n) {
      auto it = node_index.find(groups[k].node_names[n]);
      if (it != node_index.end() && graph.node(it->second).output_size() > 0) {
        outs[k].push_back(graph.node(it->second).output(0));
        probed.push_back({it->second, groups[k].node_names[n], graph.node(it->second).op_type(), 0,
                          static_cast<int>(k)});
      }
    }
    observed.insert(ins[k].begin(), ins[k].end());
    observed.insert(outs[k].begin(), outs[k].end());
  }
  names_.assign(observed.begin(), observed.end());
  auto index_of = [&](const std::string& name) {
    return static_cast<size_t>(std::lower_bound(names_.begin(), names_.end(), name) - names_.begin());
  };
  for (size_t k = 0; k < groups.size(); ++k) {
    inputs_of_group_.emplace_back();
    outputs_of_group_.emplace_back();
    for (const auto& t : ins[k]) inputs_of_group_.back().push_back(index_of(t));
    for (const auto& t : outs[k]) outputs_of_group_.back().push_back(index_of(t));
  }
  sums_.resize(names_.size());
  std::sort(probed.begin(), probed.end(),
            [](const ProbedNode& a, const ProbedNode& b) { return a.graph_index < b.graph_index; });
  for (ProbedNode& node : probed) node.tensor = index_of(graph.node(node.graph_index).output(0));
  nodes_ = std::move(probed);
}

void add_squared_error(const Tensor& ref, const Tensor& got, double& err, double& ref_energy) {
  const size_t n = ref.numel();
  if (ref.dtype != DType::kFloat32 || got.dtype != DType::kFloat32 || got.numel() != n) return;
  add_error_sums(ref.data<float>(), got.data<float>(), n, err, ref_energy);
}

void SensitivityProbe::add(const std::vector<Tensor>& fp32, const std::vector<Tensor>& quantized) {
  for (size_t i = 0; i < names_.size() && i < fp32.size() && i < quantized.size(); ++i) {
    if (fp32[i].dtype != DType::kFloat32 || quantized[i].dtype != DType::kFloat32 ||
        fp32[i].numel() != quantized[i].numel()) {
      continue;
    }
    add_squared_error(fp32[i], quantized[i], sums_[i].err, sums_[i].ref);
    sums_[i].compared = true;
  }
}

std::vector<SensitivityProbe::NodeError> SensitivityProbe::node_errors() const {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<NodeError> result;
  for (const ProbedNode& node : nodes_) {
    const ErrorSums& sums = sums_[node.tensor];
    if (!sums.compared) continue;
    double sqnr = 0;
    if (sums.err == 0) {
      sqnr = kInf;
    } else if (sums.ref == 0) {
      sqnr = -kInf;
    } else {
      sqnr = 10.0 * std::log10(sums.ref / sums.err);
    }
    result.push_back({node.node, node.op_type, names_[node.tensor], node.group, sqnr});
  }
  return result;
}

std::vector<double> SensitivityProbe::sensitivity() const {
  std::vector<double> result(inputs_of_group_.size(), 0.0);
  for (size_t k = 0; k < result.size(); ++k) {
    double in_max = 0, out_mean = 0;
    for (size_t t : inputs_of_group_[k]) in_max = std::max(in_max, sums_[t].relative());
    for (size_t t : outputs_of_group_[k]) out_mean += sums_[t].relative();
    if (!outputs_of_group_[k].empty()) out_mean /= static_cast<double>(outputs_of_group_[k].size());
    result[k] = std::max(0.0, out_mean - in_max);
  }
  return result;
}

void expose_float_outputs(onnx::ModelProto& model, const std::vector<std::string>& names) {
  std::set<std::string> have;
  for (const auto& o : model.graph().output()) have.insert(o.name());
  for (const auto& n : names) {
    if (!have.insert(n).second) continue;
    auto* vi = model.mutable_graph()->add_output();
    vi->set_name(n);
    vi->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto_DataType_FLOAT);
  }
}

}  // namespace qac
