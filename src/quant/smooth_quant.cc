#include "quant/smooth_quant.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <sstream>

#include "core/log.h"
#include "graph/graph_edit.h"
#include "graph/graph_view.h"
#include "graph/tensor_data.h"
#include "quant/op_table.h"
#include "quant/smooth_quant_groups.h"
#include "quant/statistics.h"
#include "quant/weight_access.h"

namespace qac {
namespace {

using smoothing::find_groups;
using smoothing::Group;
using smoothing::in_quotes;
using smoothing::node_text;
using smoothing::SmoothedNode;

constexpr double kStatisticFloor = 1e-5;     // a_k and w_k below this count as this (NNCF)
constexpr double kMaxScale = 100.0;          // upper clamp of s_k (NNCF)
constexpr double kMinScaleQuantile = 0.1;    // lower clamp of s_k: this quantile of s (NNCF)
constexpr int kLayerNormScaleSlot = 1;
constexpr int kLayerNormBiasSlot = 2;

// Max |w| over each slice of `values` (dims `dims`) at index k of `axis`.
std::vector<float> slice_absmax(const std::vector<float>& values, const std::vector<int64_t>& dims,
                                int axis) {
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= dims[d];
  for (size_t d = axis + 1; d < dims.size(); ++d) inner *= dims[d];
  const int64_t k_count = dims[axis];
  std::vector<float> m(static_cast<size_t>(k_count), 0.0f);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t k = 0; k < k_count; ++k) {
      const float* row = &values[static_cast<size_t>((o * k_count + k) * inner)];
      for (int64_t i = 0; i < inner; ++i) m[k] = std::max(m[k], std::fabs(row[i]));
    }
  }
  return m;
}

// values[..., k, ...] *= factor[k] along `axis`.
void scale_slices(std::vector<float>& values, const std::vector<int64_t>& dims, int axis,
                  const std::vector<double>& factor) {
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= dims[d];
  for (size_t d = axis + 1; d < dims.size(); ++d) inner *= dims[d];
  const int64_t k_count = dims[axis];
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t k = 0; k < k_count; ++k) {
      float* row = &values[static_cast<size_t>((o * k_count + k) * inner)];
      for (int64_t i = 0; i < inner; ++i) row[i] = static_cast<float>(row[i] * factor[k]);
    }
  }
}

// A new value for an initializer: written in place, or as a new initializer that the listed
// (node, slot) reads replace.
struct InitializerWrite {
  std::string original;
  std::string name;  // == original when written in place
  std::vector<int64_t> dims;
  std::vector<float> values;
  std::vector<ValueUse> rewired;
};

// X * (1/s) as a new Mul node feeding `uses`.
struct MulInsertion {
  std::string input;
  std::string output;
  std::string node_name;
  std::string scale_name;
  std::vector<float> inverse_scale;
  std::vector<ValueUse> uses;
};

struct Edits {
  std::vector<InitializerWrite> writes;
  std::vector<MulInsertion> muls;
};

// True when every reader of initializer `name` is one of `uses` (and nothing else sees it).
bool only_read_by(const GraphView& view, const std::string& name, const std::vector<ValueUse>& uses) {
  if (view.is_graph_output(name) || view.is_graph_input(name) || !view.captures(name).empty()) {
    return false;
  }
  for (const auto& reader : view.consumers(name)) {
    if (std::find(uses.begin(), uses.end(), reader) == uses.end()) return false;
  }
  return true;
}

// The write of `values` for initializer `original` read by `uses`: in place when
// `may_edit_in_place` and nothing else reads it, else a copy.
InitializerWrite make_write(const GraphView& view, NameGenerator& names, const std::string& original,
                            std::vector<int64_t> dims, std::vector<float> values,
                            const std::vector<ValueUse>& uses, bool may_edit_in_place) {
  InitializerWrite w;
  w.original = original;
  w.dims = std::move(dims);
  w.values = std::move(values);
  if (may_edit_in_place && only_read_by(view, original, uses)) {
    w.name = original;
  } else {
    w.name = names.make(original + "_smoothed");
    w.rewired = uses;
  }
  return w;
}

// The float initializer `name` when it holds exactly K values along its last axis (all other
// dimensions 1) and is no graph input: a per-channel affine parameter.
const onnx::TensorProto* per_channel_parameter(const GraphView& view, const std::string& name,
                                               int64_t k) {
  if (name.empty() || view.is_graph_input(name)) return nullptr;
  const auto* init = view.initializer(name);
  if (init == nullptr || init->data_type() != onnx::TensorProto_DataType_FLOAT ||
      init->dims_size() == 0 || init->dims(init->dims_size() - 1) != k || tensor_numel(*init) != k) {
    return nullptr;
  }
  return init;
}

// The (node, slot) inputs holding per-channel parameters to divide by s so that the producer
// of the group's activation outputs X / s; std::nullopt when the producer is no such op or X
// has readers that would see the change.
std::optional<std::vector<ValueUse>> foldable_parameters(const GraphView& view, const Group& g,
                                                         int64_t k) {
  const std::string& x = g.activation;
  if (view.is_graph_output(x) || !view.captures(x).empty()) return std::nullopt;
  for (const auto& reader : view.consumers(x)) {
    const auto& op = view.node(reader.node).op_type();
    const bool smoothed = std::any_of(g.nodes.begin(), g.nodes.end(), [&](const SmoothedNode& n) {
      return n.node == reader.node && n.activation_slot == reader.slot;
    });
    if (!smoothed && op != ops::kShape && op != ops::kSize) return std::nullopt;
  }
  const int p = view.producer(x);
  if (p < 0 || !is_default_onnx_domain(view.node(p))) return std::nullopt;
  const auto& producer = view.node(p);
  auto unread = [&](const std::string& v) {
    return v.empty() ||
           (view.consumers(v).empty() && !view.is_graph_output(v) && view.captures(v).empty());
  };
  // Slot of the per-channel constant operand of binary `node`, -1 when there is none.
  auto constant_operand = [&](const onnx::NodeProto& node) {
    if (node.input_size() != 2) return -1;
    for (int slot = 0; slot < 2; ++slot) {
      if (per_channel_parameter(view, node.input(slot), k) &&
          view.initializer(node.input(1 - slot)) == nullptr) {
        return slot;
      }
    }
    return -1;
  };
  if (producer.op_type() == ops::kLayerNormalization) {
    if (producer.output(0) != x || producer.input_size() <= kLayerNormScaleSlot) return std::nullopt;
    for (int out = 1; out < producer.output_size(); ++out) {
      if (!unread(producer.output(out))) return std::nullopt;
    }
    std::vector<ValueUse> params;
    for (int slot : {kLayerNormScaleSlot, kLayerNormBiasSlot}) {
      if (slot >= producer.input_size() || producer.input(slot).empty()) continue;
      if (!per_channel_parameter(view, producer.input(slot), k)) return std::nullopt;
      params.push_back(ValueUse{p, slot});
    }
    return params;
  }
  const int own = constant_operand(producer);
  if (own < 0) return std::nullopt;
  if (producer.op_type() == ops::kMul) return std::vector<ValueUse>{{p, own}};
  if (producer.op_type() != ops::kAdd) return std::nullopt;
  const std::string& m = producer.input(1 - own);  // Add(Mul(y, gamma), beta)
  const int q = view.producer(m);
  if (q < 0 || view.node(q).op_type() != ops::kMul || !is_default_onnx_domain(view.node(q)) ||
      view.consumers(m).size() != 1 || view.is_graph_output(m) || !view.captures(m).empty()) {
    return std::nullopt;
  }
  const int gamma = constant_operand(view.node(q));
  if (gamma < 0) return std::nullopt;
  return std::vector<ValueUse>{{q, gamma}, {p, own}};
}

std::string format_range(const std::vector<double>& s) {
  const auto [lo, hi] = std::minmax_element(s.begin(), s.end());
  std::ostringstream out;
  out.precision(4);
  out << "[" << *lo << ", " << *hi << "]";
  return out.str();
}

// Divides the per-channel parameters at `params` by s (multiplies by `inverse`), in place;
// returns them as text for the log.
Result<std::string> fold_inverse_scale(const GraphView& view, const std::vector<ValueUse>& params,
                                       const std::vector<double>& inverse, NameGenerator& names, Edits& edits) {
  std::string names_text;
  for (const ValueUse& use : params) {
    const std::string& name = view.node(use.node).input(use.slot);
    const auto* init = view.initializer(name);
    QAC_ASSIGN_OR_RETURN(std::vector<float> values, read_float_tensor(*init));
    for (size_t c = 0; c < inverse.size(); ++c) values[c] = static_cast<float>(values[c] * inverse[c]);
    edits.writes.push_back(make_write(view, names, name, std::vector<int64_t>(init->dims().begin(), init->dims().end()),
                                      std::move(values), {use}, /*may_edit_in_place=*/true));
    names_text += (names_text.empty() ? "" : ", ") + in_quotes(name) + " of " + node_text(view, use.node);
  }
  return names_text;
}

// Plans the smoothing of group `g`: appends its edits and returns a log line, or returns the
// reason (kUnsupported) it is left alone.
Result<std::string> plan_group(const GraphView& view, const Group& g,
                               const std::map<std::string, TensorStats>& stats, double alpha,
                               NameGenerator& names, Edits& edits, bool* folded) {
  auto it = stats.find(g.activation);
  if (it == stats.end() || it->second.channel_absmax().empty()) {
    return Status::Unsupported("no per-channel statistics");
  }
  const std::vector<float>& a = it->second.channel_absmax();
  if (std::any_of(a.begin(), a.end(), [](float v) { return !std::isfinite(v); })) {
    return Status::Unsupported("non-finite values in the calibration activations");
  }
  const int64_t k = static_cast<int64_t>(a.size());

  // Weights by (initializer, row axis): a weight read by several smoothed nodes is scaled once.
  struct WeightUse {
    std::vector<int64_t> dims;
    std::vector<float> values;
    std::vector<ValueUse> uses;
  };
  std::map<std::pair<std::string, int>, WeightUse> weights;
  std::vector<float> w_absmax(static_cast<size_t>(k), 0.0f);
  for (const auto& n : g.nodes) {
    auto [wit, added] = weights.try_emplace({n.weight, n.row_axis});
    WeightUse& wu = wit->second;
    wu.uses.push_back(ValueUse{n.node, n.weight_slot});
    if (!added) continue;
    const auto* init = view.initializer(n.weight);
    wu.dims.assign(init->dims().begin(), init->dims().end());
    if (wu.dims[n.row_axis] != k) {
      return Status::Unsupported("weight " + in_quotes(n.weight) + " of " + node_text(view, n.node) +
                                 " has " + std::to_string(wu.dims[n.row_axis]) +
                                 " input channels, the activation " + std::to_string(k));
    }
    QAC_ASSIGN_OR_RETURN(wu.values, read_float_tensor(*init));
    const std::vector<float> rows = slice_absmax(wu.values, wu.dims, n.row_axis);
    for (int64_t c = 0; c < k; ++c) w_absmax[c] = std::max(w_absmax[c], rows[c]);
  }
  const std::vector<double> s = smooth_quant_scales(a, w_absmax, alpha);
  std::vector<double> inverse(s.size());
  for (size_t c = 0; c < s.size(); ++c) inverse[c] = 1.0 / s[c];

  std::map<std::string, int> axes_per_weight;  // a weight read along two axes is copied twice
  for (const auto& entry : weights) ++axes_per_weight[entry.first.first];
  for (auto& [key, wu] : weights) {
    scale_slices(wu.values, wu.dims, key.second, s);
    edits.writes.push_back(make_write(view, names, key.first, wu.dims, std::move(wu.values), wu.uses,
                                      axes_per_weight[key.first] == 1));
  }

  std::string line;
  for (const auto& n : g.nodes) line += (line.empty() ? "" : ", ") + node_text(view, n.node);
  std::ostringstream head;
  head << "SmoothQuant on " << in_quotes(g.activation) << " (K=" << k << ", alpha " << alpha
       << ", s in " << format_range(s) << ") for ";
  line = head.str() + line;

  if (auto params = foldable_parameters(view, g, k)) {
    QAC_ASSIGN_OR_RETURN(std::string names_text, fold_inverse_scale(view, *params, inverse, names, edits));
    *folded = true;
    return line + "; 1/s folded into " + names_text;
  }
  MulInsertion mul;
  mul.input = g.activation;
  mul.output = names.make(g.activation + "_smoothed");
  mul.node_name = names.make(g.activation + "/smooth_quant");
  mul.scale_name = names.make(g.activation + "_smooth_quant_inverse_scale");
  for (double v : inverse) mul.inverse_scale.push_back(static_cast<float>(v));
  for (const auto& n : g.nodes) mul.uses.push_back(ValueUse{n.node, n.activation_slot});
  *folded = false;
  line += "; new Mul " + in_quotes(mul.node_name) + " computes " + in_quotes(mul.output);
  edits.muls.push_back(std::move(mul));
  return line;
}

Status apply_edits(onnx::GraphProto& graph, Edits& edits) {
  std::map<std::string, int> initializer_index;
  for (int i = 0; i < graph.initializer_size(); ++i) initializer_index[graph.initializer(i).name()] = i;
  std::set<std::string> replaced;
  for (auto& w : edits.writes) {
    if (w.name == w.original) {
      auto it = initializer_index.find(w.name);
      if (it == initializer_index.end()) {
        return Status::Internal("initializer " + in_quotes(w.name) + " disappeared while smoothing");
      }
      write_float_tensor(*graph.mutable_initializer(it->second), w.values);
      continue;
    }
    QAC_RETURN_IF_ERROR(add_initializer(graph, make_float_tensor(w.name, w.dims, w.values)).status());
    QAC_RETURN_IF_ERROR(replace_uses(graph, w.original, w.name, w.rewired));
    replaced.insert(w.original);
  }
  std::map<std::string, onnx::ValueInfoProto> value_infos;
  for (const auto& vi : graph.value_info()) value_infos[vi.name()] = vi;
  for (auto& mul : edits.muls) {
    const int64_t k = static_cast<int64_t>(mul.inverse_scale.size());
    QAC_RETURN_IF_ERROR(
        add_initializer(graph, make_float_tensor(mul.scale_name, {k}, mul.inverse_scale)).status());
    QAC_RETURN_IF_ERROR(replace_uses(graph, mul.input, mul.output, mul.uses));
    onnx::NodeProto* node = graph.add_node();
    node->set_op_type(std::string(ops::kMul));
    node->set_name(mul.node_name);
    node->add_input(mul.input);
    node->add_input(mul.scale_name);
    node->add_output(mul.output);
    if (auto it = value_infos.find(mul.input); it != value_infos.end()) {
      onnx::ValueInfoProto* vi = graph.add_value_info();
      *vi = it->second;
      vi->set_name(mul.output);
    }
  }
  remove_unused_initializers(graph, &replaced);
  if (!edits.muls.empty()) QAC_RETURN_IF_ERROR(topological_sort(graph));
  return Status::Ok();
}

}  // namespace

std::vector<double> smooth_quant_scales(const std::vector<float>& activation_absmax,
                                        const std::vector<float>& weight_absmax, double alpha) {
  const double eps = std::numeric_limits<float>::epsilon();
  std::vector<double> s(activation_absmax.size());
  for (size_t c = 0; c < s.size(); ++c) {
    const double a = std::max<double>(activation_absmax[c], kStatisticFloor);
    const double w = std::max<double>(weight_absmax[c], kStatisticFloor);
    s[c] = std::pow(a, alpha) / (std::pow(w, 1.0 - alpha) + eps);
  }
  std::vector<double> sorted = s;
  std::sort(sorted.begin(), sorted.end());
  const double position = kMinScaleQuantile * static_cast<double>(sorted.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  const double quantile =
      sorted[below] + (position - static_cast<double>(below)) * (sorted[above] - sorted[below]);
  const double lo = std::min(quantile, kMaxScale);
  for (double& v : s) v = std::clamp(v, lo, kMaxScale);
  return s;
}

Result<std::vector<std::string>> smooth_quant_targets(const onnx::ModelProto& model,
                                                      const QuantizerSetup& setup) {
  QAC_ASSIGN_OR_RETURN(GraphView view, GraphView::build(model.graph()));
  QAC_ASSIGN_OR_RETURN(std::vector<Group> groups, find_groups(view, setup, nullptr));
  std::vector<std::string> targets;
  for (const auto& g : groups) targets.push_back(g.activation);
  return targets;
}

Status apply_smooth_quant(onnx::ModelProto& model, const QuantizerSetup& setup,
                          const std::map<std::string, TensorStats>& stats, double alpha,
                          SmoothQuantLog* log) {
  if (!(alpha >= 0.0 && alpha <= 1.0)) {
    return Status::InvalidArgument("SmoothQuant alpha must lie in [0, 1], got " + std::to_string(alpha));
  }
  onnx::GraphProto& graph = *model.mutable_graph();
  Edits edits;
  std::vector<std::string> lines;
  int smoothed = 0, folded = 0;
  {
    QAC_ASSIGN_OR_RETURN(GraphView view, GraphView::build(graph));
    QAC_ASSIGN_OR_RETURN(std::vector<Group> groups, find_groups(view, setup, log));
    NameGenerator names(graph);
    for (const auto& g : groups) {
      bool group_folded = false;
      auto line = plan_group(view, g, stats, alpha, names, edits, &group_folded);
      if (!line.ok()) {
        if (line.status().code() != StatusCode::kUnsupported) return line.status();
        lines.push_back("SmoothQuant leaves " + in_quotes(g.activation) + " alone: " +
                        line.status().message());
        continue;
      }
      lines.push_back(std::move(line).value());
      ++smoothed;
      folded += group_folded ? 1 : 0;
    }
  }
  QAC_RETURN_IF_ERROR(apply_edits(graph, edits));
  QAC_LOG(kInfo) << "SmoothQuant: " << smoothed << " activations smoothed (" << folded
                 << " folded into their producer)";
  for (const auto& line : lines) QAC_LOG(kDebug) << line;
  if (log) {
    log->entries.insert(log->entries.end(), lines.begin(), lines.end());
    log->smoothed_activations += smoothed;
    log->folded += folded;
  }
  return Status::Ok();
}

Result<int> smooth_quant(onnx::ModelProto& model, const QuantizerSetup& setup,
                         const Dataset& calibration, const QuantizationOptions& options,
                         SmoothQuantLog* log) {
  if (options.model_type != ModelType::kTransformer || !options.smooth_quant_alpha) return 0;
  QAC_ASSIGN_OR_RETURN(std::vector<std::string> targets, smooth_quant_targets(model, setup));
  if (targets.empty()) return 0;
  StatisticsRequest request;
  request.channel_absmax_last_axis = targets;
  request.histograms = false;
  SessionOptions session_options;
  session_options.intra_op_threads = options.num_threads;
  QAC_ASSIGN_OR_RETURN(auto stats, collect_statistics(model, calibration, request, options.subset_size,
                                                      options.batch_size, session_options));
  SmoothQuantLog local;
  SmoothQuantLog* out = log ? log : &local;
  const int before = out->smoothed_activations;
  QAC_RETURN_IF_ERROR(apply_smooth_quant(model, setup, stats, *options.smooth_quant_alpha, out));
  return out->smoothed_activations - before;
}

}  // namespace qac
