#include "downgrade.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <optional>

#include "onnx/tensor_proto.h"

namespace qac::testing {
namespace {

// One old-form variant under construction: a copy of the model and feeds being edited.
class Variant {
 public:
  Variant(const onnx::ModelProto& model, const NamedTensors& feeds) : model_(model), feeds_(feeds) {}

  onnx::NodeProto& node() { return *model_.mutable_graph()->mutable_node(0); }
  const NamedTensors& feeds() const { return feeds_; }

  // The value of node input `index` (a fed graph input or an initializer), removed from the
  // graph, the feeds and the node. nullopt when the input is absent.
  std::optional<Tensor> take_input(int index) {
    onnx::NodeProto& n = node();
    if (index >= n.input_size() || n.input(index).empty()) return std::nullopt;
    const std::string name = n.input(index);
    std::optional<Tensor> value;
    if (auto it = feeds_.find(name); it != feeds_.end()) {
      value = it->second;
      feeds_.erase(it);
    }
    auto* inputs = model_.mutable_graph()->mutable_input();
    for (int i = 0; i < inputs->size(); ++i) {
      if (inputs->Get(i).name() == name) inputs->DeleteSubrange(i--, 1);
    }
    auto* inits = model_.mutable_graph()->mutable_initializer();
    for (int i = 0; i < inits->size(); ++i) {
      if (inits->Get(i).name() != name) continue;
      Result<Tensor> t = to_tensor(inits->Get(i));
      if (t.ok()) value = *t;
      inits->DeleteSubrange(i--, 1);
    }
    n.set_input(index, "");
    while (n.input_size() > 0 && n.input(n.input_size() - 1).empty()) n.mutable_input()->RemoveLast();
    return value;
  }

  const onnx::AttributeProto* attr(const std::string& name) {
    for (const auto& a : node().attribute()) {
      if (a.name() == name) return &a;
    }
    return nullptr;
  }
  void remove_attr(const std::string& name) {
    auto* attrs = node().mutable_attribute();
    for (int i = 0; i < attrs->size(); ++i) {
      if (attrs->Get(i).name() == name) attrs->DeleteSubrange(i--, 1);
    }
  }
  onnx::AttributeProto* set_attr(const std::string& name, onnx::AttributeProto::AttributeType type) {
    remove_attr(name);
    onnx::AttributeProto* a = node().add_attribute();
    a->set_name(name);
    a->set_type(type);
    return a;
  }
  void set_int(const std::string& name, int64_t v) { set_attr(name, onnx::AttributeProto::INT)->set_i(v); }
  void set_float(const std::string& name, float v) { set_attr(name, onnx::AttributeProto::FLOAT)->set_f(v); }
  void set_string(const std::string& name, const std::string& v) { set_attr(name, onnx::AttributeProto::STRING)->set_s(v); }
  void set_ints(const std::string& name, const std::vector<int64_t>& v) {
    auto* a = set_attr(name, onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  }
  void set_floats(const std::string& name, const std::vector<float>& v) {
    auto* a = set_attr(name, onnx::AttributeProto::FLOATS);
    for (float x : v) a->add_floats(x);
  }

  // Feeds the node's first input through Reshape(x, shape) with `shape` a graph input of
  // unknown length, so that shape inference cannot know the rank the node sees.
  void hide_rank_of_first_input() {
    onnx::GraphProto& g = *model_.mutable_graph();
    const std::string x = g.node(0).input(0);
    const std::string shape = x + "_runtime_shape", hidden = x + "_rank_hidden";
    for (auto& n : *g.mutable_node()) {
      for (auto& in : *n.mutable_input()) in = in == x ? hidden : in;
    }
    onnx::NodeProto reshape;
    reshape.set_op_type("Reshape");
    reshape.set_name("hide_rank");
    reshape.add_input(x);
    reshape.add_input(shape);
    reshape.add_output(hidden);
    g.mutable_node()->Add(std::move(reshape));
    std::rotate(g.mutable_node()->begin(), g.mutable_node()->end() - 1, g.mutable_node()->end());
    onnx::ValueInfoProto* in = g.add_input();
    in->set_name(shape);
    auto* t = in->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::INT64);
    t->mutable_shape()->add_dim()->set_dim_param("rank");
    const Tensor& fed = feeds_.at(x);
    Tensor dims(DType::kInt64, {static_cast<int64_t>(fed.shape.size())});
    std::copy(fed.shape.begin(), fed.shape.end(), dims.data<int64_t>());
    feeds_[shape] = dims;
  }

  onnx::ModelProto& model() { return model_; }

  DowngradedCase finish(const std::string& variant, const std::string& op_type, int opset) {
    for (auto& o : *model_.mutable_opset_import()) {
      if (o.domain().empty() || o.domain() == "ai.onnx") o.set_version(opset);
    }
    return DowngradedCase{variant, op_type, model_, feeds_};
  }

 private:
  onnx::ModelProto model_;
  NamedTensors feeds_;
};

std::vector<int64_t> as_int64s(const Tensor& t) {
  std::vector<int64_t> out(t.numel());
  if (t.dtype == DType::kInt64) std::copy_n(t.data<int64_t>(), out.size(), out.begin());
  if (t.dtype == DType::kInt32) std::copy_n(t.data<int32_t>(), out.size(), out.begin());
  return out;
}

bool any_negative(const std::vector<int64_t>& v) {
  return std::any_of(v.begin(), v.end(), [](int64_t x) { return x < 0; });
}

Status unsupported(const std::string& why) { return Status::Unsupported(why); }

DType input_dtype(const onnx::ModelProto& model, const NamedTensors& feeds, int index) {
  const auto& n = model.graph().node(0);
  if (index < n.input_size()) {
    if (auto it = feeds.find(n.input(index)); it != feeds.end()) return it->second.dtype;
  }
  return DType::kFloat32;
}

size_t input_rank(const onnx::ModelProto& model, const NamedTensors& feeds, int index) {
  const auto& n = model.graph().node(0);
  auto it = feeds.find(n.input(index));
  return it == feeds.end() ? 0 : it->second.shape.size();
}

using Downgrade = std::function<Result<std::vector<DowngradedCase>>(const onnx::ModelProto&, const NamedTensors&)>;

Result<std::vector<DowngradedCase>> clip(const onnx::ModelProto& m, const NamedTensors& f) {
  if (input_dtype(m, f, 0) != DType::kFloat32) return unsupported("Clip before opset 12 takes float types only");
  Variant v(m, f);
  if (auto min = v.take_input(1)) v.set_float("min", min->to_float().at(0));
  if (auto max = v.take_input(2)) v.set_float("max", max->to_float().at(0));
  return std::vector<DowngradedCase>{v.finish("Clip6_opset10", "Clip", 10)};
}

Result<std::vector<DowngradedCase>> slice(const onnx::ModelProto& m, const NamedTensors& f) {
  Variant v(m, f);
  const int64_t rank = static_cast<int64_t>(input_rank(m, f, 0));
  std::optional<Tensor> starts = v.take_input(1), ends = v.take_input(2), axes = v.take_input(3), steps = v.take_input(4);
  if (steps) {
    for (int64_t s : as_int64s(*steps)) {
      if (s != 1) return unsupported("Slice before opset 10 has no steps");
    }
  }
  v.set_ints("starts", as_int64s(*starts));
  v.set_ints("ends", as_int64s(*ends));
  if (axes) {
    std::vector<int64_t> a = as_int64s(*axes);
    for (int64_t& x : a) x = x < 0 ? x + rank : x;  // Slice-1 takes non-negative axes
    v.set_ints("axes", a);
  }
  return std::vector<DowngradedCase>{v.finish("Slice1_opset9", "Slice", 9)};
}

// Squeeze, Unsqueeze, ReduceSum: the axes input back to an attribute.
Result<std::vector<DowngradedCase>> axes_op(const onnx::ModelProto& m, const NamedTensors& f) {
  Variant v(m, f);
  const std::string op = m.graph().node(0).op_type();
  const onnx::AttributeProto* noop = v.attr("noop_with_empty_axes");
  const bool noop_on_empty = noop != nullptr && noop->i() != 0;
  v.remove_attr("noop_with_empty_axes");
  std::optional<Tensor> axes = v.take_input(1);
  std::vector<int64_t> a = axes ? as_int64s(*axes) : std::vector<int64_t>{};
  if (a.empty() && noop_on_empty) return unsupported("ReduceSum before opset 13 cannot be a no-op on empty axes");
  if (!a.empty()) v.set_ints("axes", a);
  const int opset = any_negative(a) ? 11 : 9;
  return std::vector<DowngradedCase>{v.finish(op + "1_opset" + std::to_string(opset), op, opset)};
}

Result<std::vector<DowngradedCase>> split(const onnx::ModelProto& m, const NamedTensors& f) {
  Variant v(m, f);
  if (auto s = v.take_input(1)) v.set_ints("split", as_int64s(*s));
  const onnx::AttributeProto* axis = v.attr("axis");
  const int opset = axis != nullptr && axis->i() < 0 ? 11 : 9;
  return std::vector<DowngradedCase>{v.finish("Split2_opset" + std::to_string(opset), "Split", opset)};
}

// Softmax/LogSoftmax/Hardmax-13 normalize along `axis` only; the old ops coerce to 2-D at
// `axis`, which agrees when axis is the last one. Other axes are moved last by Transpose.
Result<std::vector<DowngradedCase>> softmax_family(const onnx::ModelProto& m, const NamedTensors& f) {
  const std::string op = m.graph().node(0).op_type();
  const int64_t rank = static_cast<int64_t>(input_rank(m, f, 0));
  int64_t axis = -1;
  for (const auto& a : m.graph().node(0).attribute()) {
    if (a.name() == "axis") axis = a.i();
  }
  if (axis < 0) axis += rank;
  std::vector<DowngradedCase> cases;
  for (bool known_rank : {true, false}) {
    Variant v(m, f);
    if (axis == rank - 1) {
      if (known_rank && rank == 2) {
        v.remove_attr("axis");  // the old default axis 1 is the last axis of a 2-D input
      } else {
        v.set_int("axis", rank - 1);
      }
    } else {
      std::vector<int64_t> perm(static_cast<size_t>(rank));
      for (int64_t i = 0; i < rank; ++i) perm[static_cast<size_t>(i)] = i;
      std::swap(perm[static_cast<size_t>(axis)], perm.back());
      onnx::GraphProto& g = *v.model().mutable_graph();
      onnx::NodeProto core = g.node(0);
      const std::string x = core.input(0), y = core.output(0);
      core.set_input(0, x + "_moved");
      core.set_output(0, y + "_moved");
      onnx::NodeProto before, after;
      before.set_op_type("Transpose");
      before.set_name("move_axis_last");
      before.add_input(x);
      before.add_output(x + "_moved");
      after.set_op_type("Transpose");
      after.set_name("move_axis_back");
      after.add_input(y + "_moved");
      after.add_output(y);
      for (onnx::NodeProto* t : {&before, &after}) {
        auto* p = t->add_attribute();
        p->set_name("perm");
        p->set_type(onnx::AttributeProto::INTS);
        for (int64_t i : perm) p->add_ints(i);
      }
      g.clear_node();
      *g.add_node() = before;
      *g.add_node() = core;
      *g.add_node() = after;
      for (auto& a : *g.mutable_node(1)->mutable_attribute()) {
        if (a.name() == "axis") a.set_i(rank - 1);
      }
      bool has_axis = false;
      for (const auto& a : g.node(1).attribute()) has_axis = has_axis || a.name() == "axis";
      if (!has_axis) {
        auto* a = g.mutable_node(1)->add_attribute();
        a->set_name("axis");
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(rank - 1);
      }
    }
    if (!known_rank) v.hide_rank_of_first_input();
    cases.push_back(v.finish(op + "11_" + (known_rank ? "rank_known" : "rank_unknown"), op, 11));
  }
  return cases;
}

Result<std::vector<DowngradedCase>> pad(const onnx::ModelProto& m, const NamedTensors& f) {
  if (input_dtype(m, f, 0) != DType::kFloat32) return unsupported("Pad before opset 11 takes float types only");
  std::vector<DowngradedCase> cases;
  for (int opset : {10, 1}) {
    Variant v(m, f);
    std::optional<Tensor> pads = v.take_input(1), value = v.take_input(2);
    v.set_ints(opset == 1 ? "paddings" : "pads", as_int64s(*pads));
    if (value) v.set_float("value", value->to_float().at(0));
    cases.push_back(v.finish(std::string(opset == 1 ? "Pad1" : "Pad2") + "_opset" + std::to_string(opset), "Pad", opset));
  }
  return cases;
}

// Resize-13 nearest with integer scales >= 1 maps output i to input floor(i / scale) under
// half_pixel with round_* rounding and under asymmetric with floor: the Upsample semantics.
Result<std::vector<DowngradedCase>> resize(const onnx::ModelProto& m, const NamedTensors& f) {
  const onnx::NodeProto& n = m.graph().node(0);
  std::string mode = "nearest", ctm = "half_pixel", nearest = "round_prefer_floor";
  for (const auto& a : n.attribute()) {
    if (a.name() == "mode") mode = a.s();
    if (a.name() == "coordinate_transformation_mode") ctm = a.s();
    if (a.name() == "nearest_mode") nearest = a.s();
  }
  if (n.input_size() < 3 || n.input(2).empty() || (n.input_size() > 3 && !n.input(3).empty())) {
    return unsupported("Resize before opset 11 takes scales, not sizes");
  }
  if (mode != "nearest") return unsupported("only nearest Resize with integer scales has an exact old form here");
  const bool floor_like = (ctm == "half_pixel" && nearest.rfind("round", 0) == 0) ||
                          (ctm == "asymmetric" && nearest == "floor");
  if (!floor_like) return unsupported("coordinate mapping " + ctm + "/" + nearest + " has no old form");
  std::vector<float> scales = f.at(n.input(2)).to_float();
  for (float s : scales) {
    if (s < 1.0f || s != std::round(s)) return unsupported("non-integer or downsampling scales");
  }
  std::vector<DowngradedCase> cases;
  for (const char* form : {"Resize10_opset10", "Upsample9_opset9", "Upsample7_opset8"}) {
    Variant v(m, f);
    const std::string variant = form;
    v.remove_attr("coordinate_transformation_mode");
    v.remove_attr("nearest_mode");
    onnx::NodeProto& node = v.node();
    if (variant.rfind("Upsample7", 0) == 0) {
      node.set_op_type("Upsample");
      std::optional<Tensor> s = v.take_input(2);
      v.set_floats("scales", s->to_float());
      v.node().mutable_input()->DeleteSubrange(1, v.node().input_size() - 1);
      cases.push_back(v.finish(variant, "Resize", 8));
      continue;
    }
    const std::string scales_name = node.input(2);
    node.mutable_input()->DeleteSubrange(1, node.input_size() - 1);
    node.add_input(scales_name);
    if (variant.rfind("Upsample", 0) == 0) node.set_op_type("Upsample");
    cases.push_back(v.finish(variant, "Resize", variant.rfind("Upsample", 0) == 0 ? 9 : 10));
  }
  return cases;
}

Result<std::vector<DowngradedCase>> topk(const onnx::ModelProto& m, const NamedTensors& f) {
  Variant v(m, f);
  const onnx::AttributeProto* largest = v.attr("largest");
  if (largest != nullptr && largest->i() == 0) return unsupported("TopK before opset 11 has no largest=0");
  const onnx::AttributeProto* sorted = v.attr("sorted");
  if (sorted != nullptr && sorted->i() == 0) return unsupported("TopK before opset 11 always sorts");
  v.remove_attr("largest");
  v.remove_attr("sorted");
  std::optional<Tensor> k = v.take_input(1);
  v.set_int("k", as_int64s(*k).at(0));
  return std::vector<DowngradedCase>{v.finish("TopK1_opset9", "TopK", 9)};
}

Result<std::vector<DowngradedCase>> dropout(const onnx::ModelProto& m, const NamedTensors& f) {
  const onnx::NodeProto& n = m.graph().node(0);
  if (n.input_size() > 2 && !n.input(2).empty()) return unsupported("training_mode input has no old form");
  if (n.output_size() > 1 && !n.output(1).empty()) {
    return unsupported("the inference-mode mask of Dropout before opset 12 is unspecified");
  }
  std::vector<DowngradedCase> cases;
  for (int opset : {10, 7, 6}) {
    Variant v(m, f);
    v.remove_attr("seed");
    if (auto r = v.take_input(1)) v.set_float("ratio", r->to_float().at(0));
    if (opset == 6) v.set_int("is_test", 1);
    cases.push_back(v.finish("Dropout_opset" + std::to_string(opset), "Dropout", opset));
  }
  return cases;
}

Result<std::vector<DowngradedCase>> batch_norm(const onnx::ModelProto& m, const NamedTensors& f) {
  const onnx::NodeProto& n = m.graph().node(0);
  if (n.output_size() > 1) return unsupported("training-mode BatchNormalization");
  std::vector<DowngradedCase> cases;
  for (int opset : {7, 6}) {
    Variant v(m, f);
    v.remove_attr("training_mode");
    v.set_int("spatial", 1);
    if (opset == 6) v.set_int("is_test", 1);
    cases.push_back(v.finish("BatchNormalization_opset" + std::to_string(opset), "BatchNormalization", opset));
  }
  return cases;
}

Result<std::vector<DowngradedCase>> scatter_elements(const onnx::ModelProto& m, const NamedTensors& f) {
  Variant v(m, f);
  const onnx::AttributeProto* reduction = v.attr("reduction");
  if (reduction != nullptr && reduction->s() != "none") return unsupported("Scatter has no reduction");
  v.remove_attr("reduction");
  v.node().set_op_type("Scatter");
  const bool negative = any_negative(as_int64s(f.at(m.graph().node(0).input(1))));
  const int opset = negative ? 11 : 10;  // negative indices from opset 11
  return std::vector<DowngradedCase>{v.finish("Scatter_opset" + std::to_string(opset), "Scatter", opset)};
}

Result<std::vector<DowngradedCase>> reshape(const onnx::ModelProto& m, const NamedTensors& f) {
  Variant v(m, f);
  const onnx::AttributeProto* allowzero = v.attr("allowzero");
  if (allowzero != nullptr && allowzero->i() != 0) return unsupported("Reshape before opset 14 has no allowzero");
  v.remove_attr("allowzero");
  std::optional<Tensor> shape = v.take_input(1);
  v.set_ints("shape", as_int64s(*shape));
  return std::vector<DowngradedCase>{v.finish("Reshape1_opset4", "Reshape", 4)};
}

Result<std::vector<DowngradedCase>> concat(const onnx::ModelProto& m, const NamedTensors& f) {
  Variant v(m, f);
  const onnx::AttributeProto* axis = v.attr("axis");
  if (axis->i() < 0) return unsupported("Concat before opset 11 takes non-negative axes");
  if (axis->i() == 1) v.remove_attr("axis");  // Concat-1 defaults to axis 1
  return std::vector<DowngradedCase>{v.finish("Concat1_opset3", "Concat", 3)};
}

Result<std::vector<DowngradedCase>> cast(const onnx::ModelProto& m, const NamedTensors& f) {
  Variant v(m, f);
  const int64_t to = v.attr("to")->i();
  if (to == onnx::TensorProto::BFLOAT16 || to == onnx::TensorProto::STRING) return unsupported("type has no Cast-1 form");
  v.set_string("to", onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(to)));
  return std::vector<DowngradedCase>{v.finish("Cast1_opset5", "Cast", 5)};
}

// Binary ops before opset 7 broadcast B only with broadcast=1, B's shape being a contiguous
// run of A's dims starting at `axis` (default: the trailing dims).
Result<std::vector<DowngradedCase>> legacy_binary(const onnx::ModelProto& m, const NamedTensors& f) {
  const onnx::NodeProto& n = m.graph().node(0);
  const std::string op = n.op_type();
  const DType a_type = input_dtype(m, f, 0), b_type = input_dtype(m, f, 1);
  const bool logical = op == "And" || op == "Or" || op == "Xor";
  if (a_type != b_type) return unsupported("mixed input types");
  if (logical ? a_type != DType::kBool
              : op == "Equal" ? (a_type != DType::kInt32 && a_type != DType::kInt64)
                              : a_type != DType::kFloat32) {
    return unsupported(std::string("element type ") + dtype_name(a_type) + " not accepted by " + op + "-1");
  }
  const std::vector<int64_t>& a = f.at(n.input(0)).shape;
  const std::vector<int64_t>& b = f.at(n.input(1)).shape;
  std::vector<DowngradedCase> cases;
  if (a == b) {
    Variant v(m, f);
    cases.push_back(v.finish(op + "_opset6_same_shape", op, 6));
    return cases;
  }
  if (b.size() > a.size() || !std::equal(b.begin(), b.end(), a.end() - static_cast<ptrdiff_t>(b.size()))) {
    return unsupported("B is not a trailing run of A's dims (numpy-only broadcast)");
  }
  for (bool with_axis : {true, false}) {
    Variant v(m, f);
    v.set_int("broadcast", 1);
    if (with_axis) v.set_int("axis", static_cast<int64_t>(a.size() - b.size()));
    cases.push_back(v.finish(op + (with_axis ? "_opset6_broadcast_axis" : "_opset6_broadcast"), op, 6));
  }
  return cases;
}

const std::map<std::string, Downgrade>& downgrades() {
  static const std::map<std::string, Downgrade> table = {
      {"Clip", clip}, {"Slice", slice}, {"Squeeze", axes_op}, {"Unsqueeze", axes_op}, {"ReduceSum", axes_op},
      {"Split", split}, {"Softmax", softmax_family}, {"LogSoftmax", softmax_family},
      {"Hardmax", softmax_family}, {"Pad", pad}, {"Resize", resize}, {"TopK", topk}, {"Dropout", dropout},
      {"BatchNormalization", batch_norm}, {"ScatterElements", scatter_elements}, {"Reshape", reshape},
      {"Concat", concat}, {"Cast", cast}, {"Add", legacy_binary}, {"Sub", legacy_binary},
      {"Mul", legacy_binary}, {"Div", legacy_binary}, {"Pow", legacy_binary}, {"And", legacy_binary},
      {"Or", legacy_binary}, {"Xor", legacy_binary}, {"Equal", legacy_binary}, {"Greater", legacy_binary},
      {"Less", legacy_binary},
  };
  return table;
}

}  // namespace

Result<std::vector<DowngradedCase>> downgrade_node_test(const onnx::ModelProto& model, const NamedTensors& feeds) {
  if (model.graph().node_size() != 1) return unsupported("not a single-node test");
  const std::string& op = model.graph().node(0).op_type();
  auto it = downgrades().find(op);
  if (it == downgrades().end()) return unsupported("no downgrade for " + op);
  return it->second(model, feeds);
}

}  // namespace qac::testing
