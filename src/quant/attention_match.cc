#include "quant/attention_match.h"

#include <cmath>
#include <utility>

#include "graph/node_attributes.h"
#include "graph/tensor_data.h"
#include "onnx/graph_walk.h"
#include "onnx/op_types.h"

namespace qac {
namespace {

constexpr int kMaxScalarRank = 4;  // a scalar of higher rank would broadcast the rank-4 scores up

bool has_perm(const onnx::NodeProto& transpose, const std::vector<int64_t>& perm) {
  const onnx::AttributeProto* a = find_node_attribute(transpose, "perm");
  return a != nullptr && std::vector<int64_t>(a->ints().begin(), a->ints().end()) == perm;
}

// Matches the pattern of attention_fusion.h backwards and forwards from a Softmax node. Every
// intermediate value must be read by the pattern only: it disappears with the rewrite.
class AttentionMatcher {
 public:
  explicit AttentionMatcher(const GraphView& view) : view_(view) {}

  std::optional<SelfAttention> match(int softmax) const {
    SelfAttention a;
    std::string scores;
    std::string probs;
    if (!match_softmax(softmax, scores, probs, a)) return std::nullopt;
    const int scores_matmul = producer_of(strip_scales(scores, a), op::kMatMul);
    if (scores_matmul < 0) return std::nullopt;
    a.removed.push_back(scores_matmul);
    const onnx::NodeProto& m1 = view_.node(scores_matmul);
    if (m1.input_size() != 2 || m1.input(0) == m1.input(1) || !read_once(m1.input(0)) || !read_once(m1.input(1))) {
      return std::nullopt;
    }
    const int k_transpose = producer_of(strip_scales(m1.input(1), a), op::kTranspose);
    if (k_transpose < 0 || !has_perm(view_.node(k_transpose), {0, 1, 3, 2})) return std::nullopt;
    a.removed.push_back(k_transpose);
    const std::string& k_picked = view_.node(k_transpose).input(0);
    if (!read_once(k_picked)) return std::nullopt;
    const auto q = pick(strip_scales(m1.input(0), a), a);
    const auto k = pick(strip_scales(k_picked, a), a);
    std::string v_picked;
    if (!match_output(probs, v_picked, a)) return std::nullopt;
    const auto v = pick(v_picked, a);
    if (!q || !k || !v || q->first != 0 || k->first != 1 || v->first != 2) return std::nullopt;
    if (q->second != k->second || q->second != v->second || !match_packed(q->second, a)) return std::nullopt;
    plan_output_shape(a);
    match_projection(a);
    const auto x_type = view_.elem_type(a.packed);
    const bool is_float = x_type ? *x_type == onnx::TensorProto_DataType_FLOAT : a.float_scale;
    if (!is_float || !std::isfinite(a.scale) || !(static_cast<float>(a.scale) > 0.0f)) return std::nullopt;
    const onnx::NodeProto& s = view_.node(softmax);
    a.base = s.name().empty() ? "attention_" + s.output(0) : s.name();
    return a;
  }

 private:
  bool read_once(const std::string& value) const {
    return view_.consumers(value).size() == 1 && !view_.is_graph_output(value) && view_.captures(value).empty();
  }

  // The producer of `value` when it is a default-domain `type` node, else -1.
  int producer_of(const std::string& value, const char* type) const {
    const int p = view_.producer(value);
    return p >= 0 && is_default_op(view_.node(p), type) ? p : -1;
  }

  // The only reader of `value` when it is a `type` node reading it as its first input, else -1.
  int sole_reader(const std::string& value, const char* type) const {
    if (!read_once(value)) return -1;
    const ValueUse use = view_.consumers(value).front();
    return use.slot == 0 && is_default_op(view_.node(use.node), type) ? use.node : -1;
  }

  std::optional<std::vector<int64_t>> constant_ints(const std::string& value) const {
    if (const onnx::TensorProto* t = view_.initializer(value)) return read_int_tensor(*t);
    const int cast = producer_of(value, op::kCast);
    if (cast < 0) return std::nullopt;
    const int64_t to = int_attribute(view_.node(cast), "to", 0);
    if (to != onnx::TensorProto_DataType_INT64 && to != onnx::TensorProto_DataType_INT32) return std::nullopt;
    const onnx::TensorProto* t = view_.initializer(view_.node(cast).input(0));
    return t ? read_int_tensor(*t) : std::nullopt;
  }

  // The start j of Slice(data, [j], [j + 1], axes [0], steps [1]) (axes, steps optional).
  std::optional<int64_t> unit_slice_start(const onnx::NodeProto& n) const {
    if (n.input_size() < 3) return std::nullopt;
    const auto starts = constant_ints(n.input(1));
    const auto ends = constant_ints(n.input(2));
    const bool axis0 = n.input_size() < 4 || constant_ints(n.input(3)) == std::vector<int64_t>{0};
    const bool step1 = n.input_size() < 5 || constant_ints(n.input(4)) == std::vector<int64_t>{1};
    if (!starts || !ends || starts->size() != 1 || ends->size() != 1 || (*ends)[0] != (*starts)[0] + 1 ||
        (*starts)[0] < 0 || !axis0 || !step1) {
      return std::nullopt;
    }
    return (*starts)[0];
  }

  // One entry of a shape tensor: a constant, or dim `index` of value `of`.
  struct ShapeEntry {
    std::optional<int64_t> constant;
    std::string of;
    int64_t index = -1;
  };

  std::string skip_casts(std::string value) const {
    for (int c = producer_of(value, op::kCast); c >= 0; c = producer_of(value, op::kCast)) value = view_.node(c).input(0);
    return value;
  }

  // Dim k of T as a one-element tensor, through Casts: Unsqueeze(Gather(Shape(T), k), [0]) or
  // Slice(Shape(T), [k], [k + 1]).
  std::optional<ShapeEntry> shape_dim(const std::string& value) const {
    const std::string v = skip_casts(value);
    std::string shape;
    std::optional<int64_t> k;
    if (const int u = producer_of(v, op::kUnsqueeze); u >= 0) {
      const onnx::NodeProto& n = view_.node(u);
      const int g = n.input_size() == 2 ? producer_of(n.input(0), op::kGather) : -1;
      if (g < 0 || constant_ints(n.input(1)) != std::vector<int64_t>{0}) return std::nullopt;
      const onnx::TensorProto* index = view_.initializer(view_.node(g).input(1));
      const auto j = index && index->dims_size() == 0 ? read_int_tensor(*index) : std::nullopt;
      if (!j || int_attribute(view_.node(g), "axis", 0) != 0) return std::nullopt;
      shape = view_.node(g).input(0);
      k = (*j)[0];
    } else if (const int sl = producer_of(v, op::kSlice); sl >= 0) {
      shape = view_.node(sl).input(0);
      k = unit_slice_start(view_.node(sl));
    }
    const int sh = k && *k >= 0 ? producer_of(skip_casts(shape), op::kShape) : -1;
    if (sh < 0 || view_.node(sh).attribute_size() != 0) return std::nullopt;
    return ShapeEntry{std::nullopt, view_.node(sh).input(0), *k};
  }

  // The entries of a shape tensor: a constant, or a Concat (axis 0) of constants and shape_dims.
  std::optional<std::vector<ShapeEntry>> shape_entries(const std::string& shape) const {
    std::vector<ShapeEntry> entries;
    const auto add_constants = [&entries](const std::vector<int64_t>& values) {
      for (int64_t v : values) entries.push_back(ShapeEntry{v, "", -1});
    };
    if (auto c = constant_ints(shape)) {
      add_constants(*c);
      return entries;
    }
    const int concat = producer_of(shape, op::kConcat);
    if (concat < 0 || int_attribute(view_.node(concat), "axis", 0) != 0) return std::nullopt;
    for (const std::string& in : view_.node(concat).input()) {
      if (auto c = constant_ints(in)) {
        add_constants(*c);
      } else if (auto d = shape_dim(in)) {
        entries.push_back(*d);
      } else {
        return std::nullopt;
      }
    }
    return entries;
  }

  // X = MatMul(T, W) (+ bias, either Add order): its nodes and names.
  struct Projection {
    int add = -1;  // -1 without a bias
    int matmul = -1;
    std::string input;  // T
    std::string product;  // MatMul(T, W)
    const onnx::TensorProto* weight = nullptr;
    const onnx::TensorProto* bias = nullptr;
  };

  // The projection producing `x`, when W is a [K, N] initializer with K > 1 and the bias, if any,
  // a rank-1 initializer.
  std::optional<Projection> projection(const std::string& x) const {
    Projection p;
    p.product = x;
    if (const int add = producer_of(x, op::kAdd); add >= 0 && view_.node(add).input_size() == 2) {
      const onnx::NodeProto& n = view_.node(add);
      const bool bias_first = view_.is_initializer(n.input(0));
      p.bias = view_.initializer(n.input(bias_first ? 0 : 1));
      if (p.bias == nullptr || p.bias->dims_size() != 1) return std::nullopt;
      p.add = add;
      p.product = n.input(bias_first ? 1 : 0);
    }
    p.matmul = producer_of(p.product, op::kMatMul);
    if (p.matmul < 0 || view_.node(p.matmul).input_size() != 2) return std::nullopt;
    p.weight = view_.initializer(view_.node(p.matmul).input(1));
    if (p.weight == nullptr || p.weight->dims_size() != 2 || p.weight->dims(0) <= 1) return std::nullopt;
    p.input = view_.node(p.matmul).input(0);
    return p;
  }

  // Values whose dims 0 and 1 are X's: X, and T of X's projection. (T of rank 2 would make dim
  // 1 K, not X's N; the packed Reshape of such a model would need K == 1.)
  std::set<std::string> leading_dim_sources(const std::string& x) const {
    std::set<std::string> sources = {x};
    if (const auto p = projection(x)) sources.insert(p->input);
    return sources;
  }

  // A one-element float initializer of rank <= 4 (its value), else nullopt.
  std::optional<double> scalar(const std::string& value) const {
    const onnx::TensorProto* t = view_.initializer(value);
    if (t == nullptr || t->dims_size() > kMaxScalarRank || tensor_numel(*t) != 1) return std::nullopt;
    auto v = read_float_tensor(*t);
    if (!v.ok()) return std::nullopt;
    return static_cast<double>((*v)[0]);
  }

  // Walks back from `value` through Mul/Div by scalar constants, multiplying a.scale; returns the
  // value they scale. Each value entered must be read by the scaling node only.
  std::string strip_scales(std::string value, SelfAttention& a) const {
    for (;;) {
      const int p = view_.producer(value);
      if (p < 0) return value;
      const onnx::NodeProto& n = view_.node(p);
      if (n.input_size() != 2) return value;
      std::optional<double> c;
      std::string next;
      if (is_default_op(n, op::kMul)) {
        const bool first = scalar(n.input(0)).has_value();
        c = first ? scalar(n.input(0)) : scalar(n.input(1));
        next = first ? n.input(1) : n.input(0);
      } else if (is_default_op(n, op::kDiv)) {
        c = scalar(n.input(1));
        if (c) c = 1.0 / *c;
        next = n.input(0);
      }
      if (!c || !read_once(next)) return value;
      a.scale *= *c;
      a.float_scale = true;
      a.removed.push_back(p);
      value = next;
    }
  }

  // (j, T) when `value` is T[j]: Gather(T, scalar j, axis 0), or Squeeze(Slice(T, [j], [j + 1],
  // axes [0]), axes [0]).
  std::optional<std::pair<int64_t, std::string>> pick(const std::string& value, SelfAttention& a) const {
    if (const int g = producer_of(value, op::kGather); g >= 0) {
      const onnx::NodeProto& n = view_.node(g);
      const onnx::TensorProto* index = view_.initializer(n.input(1));
      const auto j = index && index->dims_size() == 0 ? read_int_tensor(*index) : std::nullopt;
      if (int_attribute(n, "axis", 0) != 0 || !j) return std::nullopt;
      a.removed.push_back(g);
      return std::make_pair((*j)[0], n.input(0));
    }
    const int sq = producer_of(value, op::kSqueeze);
    if (sq < 0 || view_.node(sq).input_size() != 2 || constant_ints(view_.node(sq).input(1)) != std::vector<int64_t>{0}) {
      return std::nullopt;
    }
    const std::string& sliced = view_.node(sq).input(0);
    const int sl = producer_of(sliced, op::kSlice);
    if (sl < 0 || !read_once(sliced)) return std::nullopt;
    const auto j = unit_slice_start(view_.node(sl));
    if (!j) return std::nullopt;
    a.removed.push_back(sq);
    a.removed.push_back(sl);
    return std::make_pair(*j, view_.node(sl).input(0));
  }

  // SoftmaxLast of the header: `scores` in, `probs` out.
  bool match_softmax(int softmax, std::string& scores, std::string& probs, SelfAttention& a) const {
    const onnx::NodeProto& s = view_.node(softmax);
    if (!is_default_op(s, op::kSoftmax) || s.input_size() != 1) return false;
    const int64_t axis = int_attribute(s, "axis", -1);
    if (axis == -1 || axis == 3) {
      scores = s.input(0);
      probs = s.output(0);
      a.removed.push_back(softmax);
      return read_once(scores);
    }
    const int flatten = producer_of(s.input(0), op::kFlatten);
    const int restore = sole_reader(s.output(0), op::kReshape);
    if (axis != 1 || flatten < 0 || restore < 0 || !read_once(s.input(0))) return false;
    const int64_t flatten_axis = int_attribute(view_.node(flatten), "axis", 1);
    const int shape = producer_of(view_.node(restore).input(1), op::kShape);
    scores = view_.node(flatten).input(0);
    if ((flatten_axis != 3 && flatten_axis != -1) || shape < 0 || view_.node(shape).attribute_size() != 0 ||
        view_.node(shape).input(0) != scores || !read_once(view_.node(restore).input(1))) {
      return false;
    }
    const auto& readers = view_.consumers(scores);
    if (readers.size() != 2 || view_.is_graph_output(scores) || !view_.captures(scores).empty()) return false;
    probs = view_.node(restore).output(0);
    a.removed.insert(a.removed.end(), {flatten, shape, softmax, restore});
    return true;
  }

  // probs @ V, transposed to [B, S, H, D], read by a Reshape with no constant 0 past its second
  // entry (a 0 there would copy H of [B, S, H, D], which the fused output [B, S, H*D] does not
  // have).
  bool match_output(const std::string& probs, std::string& v_picked, SelfAttention& a) const {
    const int m2 = sole_reader(probs, op::kMatMul);
    if (m2 < 0 || view_.node(m2).input_size() != 2) return false;
    v_picked = view_.node(m2).input(1);
    const int transpose = sole_reader(view_.node(m2).output(0), op::kTranspose);
    if (!read_once(v_picked) || transpose < 0 || !has_perm(view_.node(transpose), {0, 2, 1, 3})) return false;
    const int reshape = sole_reader(view_.node(transpose).output(0), op::kReshape);
    if (reshape < 0) return false;
    if (const auto entries = shape_entries(view_.node(reshape).input(1))) {
      for (size_t i = 2; i < entries->size(); ++i) {
        if ((*entries)[i].constant == 0) return false;
      }
    }
    a.removed.insert(a.removed.end(), {m2, transpose});
    a.output_reshape = reshape;
    return true;
  }

  // T = Transpose(Reshape(X, [e0, e1, 3, H, D]), [2, 0, 3, 1, 4]), read by the three picks only,
  // where e0 or e1 (or both) is provably X's dim: a constant 0 (copy), or that dim of the shape
  // of a leading_dim_sources value. X3's shape is then the constant [c0, c1, 3*H*D]: 0 (copy)
  // for a proven entry, -1 for the other, which the element count fixes to it.
  bool match_packed(const std::string& transposed, SelfAttention& a) const {
    const int t = producer_of(transposed, op::kTranspose);
    if (t < 0 || !has_perm(view_.node(t), {2, 0, 3, 1, 4}) || view_.consumers(transposed).size() != 3 ||
        view_.is_graph_output(transposed) || !view_.captures(transposed).empty()) {
      return false;
    }
    const int p = producer_of(view_.node(t).input(0), op::kReshape);
    if (p < 0 || !read_once(view_.node(t).input(0))) return false;
    const onnx::NodeProto& reshape = view_.node(p);
    const auto entries = shape_entries(reshape.input(1));
    if (!entries || entries->size() != 5) return false;
    const std::vector<ShapeEntry>& e = *entries;
    if (e[2].constant != 3 || !e[3].constant || !e[4].constant || *e[3].constant <= 0 || *e[4].constant <= 0) {
      return false;
    }
    a.heads = *e[3].constant;
    a.head_size = *e[4].constant;
    a.packed = reshape.input(0);
    a.lead_sources = leading_dim_sources(a.packed);
    const bool copies = int_attribute(reshape, "allowzero", 0) == 0;
    for (int i : {0, 1}) {
      a.lead_is_x[i] = (copies && e[i].constant == 0) || (!e[i].constant && e[i].index == i && a.lead_sources.count(e[i].of));
    }
    if (!a.lead_is_x[0] && !a.lead_is_x[1]) return false;
    a.packed_dims = {a.lead_is_x[0] ? 0 : -1, a.lead_is_x[1] ? 0 : -1, 3 * a.heads * a.head_size};
    a.packed_reshape = p;
    a.removed.insert(a.removed.end(), {t, p});
    return true;
  }

  // The output Reshape's shape as a constant, when it is computed and its entries are provably
  // [e0, e1, c]: each of the first two a constant 0 (copy) or that dim of a leading_dim_sources
  // value whose packed entry was proven, the third a constant or fixed by the element count.
  void plan_output_shape(SelfAttention& a) const {
    const onnx::NodeProto& r = view_.node(a.output_reshape);
    if (int_attribute(r, "allowzero", 0) != 0 || view_.is_initializer(r.input(1))) return;
    const auto entries = shape_entries(r.input(1));
    if (!entries || entries->size() != 3) return;
    std::vector<int64_t> dims;
    for (int i : {0, 1}) {
      const ShapeEntry& e = (*entries)[i];
      if (e.constant != 0 && !(!e.constant && e.index == i && a.lead_is_x[i] && a.lead_sources.count(e.of))) return;
      dims.push_back(0);
    }
    dims.push_back((*entries)[2].constant.value_or(-1));
    a.output_dims = dims;
    a.output_shape = r.input(1);
  }

  // SelfAttention::input/weight/bias when X = MatMul(T, W) + b (either Add order), W [K, 3*H*D]
  // and b [3*H*D] float initializers, X and the product read once, and both of P's leading
  // entries proven (T then has X's dims 0 and 1; T of rank 4 with a unit dim 2 would pass the
  // proof and fail in ONNX Runtime, which takes a rank-3 input).
  void match_projection(SelfAttention& a) const {
    if (!a.lead_is_x[0] || !a.lead_is_x[1] || !read_once(a.packed)) return;
    const auto p = projection(a.packed);
    if (!p || p->add < 0 || !read_once(p->product)) return;
    const int64_t width = 3 * a.heads * a.head_size;
    constexpr int32_t kFloat = onnx::TensorProto_DataType_FLOAT;
    if (p->bias->data_type() != kFloat || p->weight->data_type() != kFloat || p->bias->dims(0) != width ||
        p->weight->dims(1) != width) {
      return;
    }
    a.input = p->input;
    a.weight = view_.node(p->matmul).input(1);
    a.bias = p->bias->name();
    a.removed.insert(a.removed.end(), {p->matmul, p->add});
  }

  const GraphView& view_;
};

}  // namespace

std::vector<SelfAttention> find_self_attentions(const GraphView& view) {
  const AttentionMatcher matcher(view);
  std::vector<SelfAttention> found;
  for (int i = 0; i < view.num_nodes(); ++i) {
    if (!is_default_op(view.node(i), op::kSoftmax)) continue;
    if (auto a = matcher.match(i)) found.push_back(std::move(*a));
  }
  return found;
}

}  // namespace qac
