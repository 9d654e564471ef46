// Rewrites of ops whose attributes became inputs between opset 1 and 13.
#include <string>
#include <vector>

#include "onnx/graph_walk.h"
#include "onnx/op_types.h"
#include "onnx/upgrade_rewrites.h"

namespace qac {
namespace {

// Sets input `index` of `node` to `name`, padding skipped optional inputs with "".
void set_input(onnx::NodeProto& node, int index, const std::string& name) {
  while (node.input_size() <= index) node.add_input("");
  node.set_input(index, name);
}

// Moves the INTS attribute `attr_name` (if present) to input `index` as an int64 initializer.
// Returns whether it was present.
bool ints_attribute_to_input(onnx::NodeProto& node, const std::string& attr_name, int index, UpgradeContext& ctx) {
  const onnx::AttributeProto* attr = find_attribute(node, attr_name);
  if (attr == nullptr) return false;
  const std::string base = (node.name().empty() ? node.op_type() : node.name()) + "_" + attr_name;
  set_input(node, index, ctx.add_int64s(base, ints_of(*attr)));
  remove_attribute(node, attr_name);
  return true;
}

void log_moved(UpgradeContext& ctx, const onnx::NodeProto& node, const std::string& what) {
  ctx.log().add("opset upgrade: " + describe_node(node) + ": " + what + " moved from attributes to inputs");
}

}  // namespace

// Clip-1/6 (attributes min, max; default: unbounded) -> Clip-11 (optional inputs min, max of
// the element type of X).
Status upgrade_clip(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
  QAC_RETURN_IF_ERROR(require_arity(node, 1, 1));
  const onnx::AttributeProto* min_attr = find_attribute(node, "min");
  const onnx::AttributeProto* max_attr = find_attribute(node, "max");
  if (min_attr != nullptr || max_attr != nullptr) {
    const int32_t type = ctx.elem_type_or_float(node.input(0), node);
    const std::string base = node.name().empty() ? "Clip" : node.name();
    if (min_attr != nullptr) {
      QAC_ASSIGN_OR_RETURN(std::string min_name, ctx.add_scalar(base + "_min", min_attr->f(), type));
      set_input(node, 1, min_name);
    }
    if (max_attr != nullptr) {
      QAC_ASSIGN_OR_RETURN(std::string max_name, ctx.add_scalar(base + "_max", max_attr->f(), type));
      set_input(node, 2, max_name);
    }
    remove_attribute(node, "min");
    remove_attribute(node, "max");
  }
  log_moved(ctx, node, "min/max");
  out.push_back(std::move(node));
  return Status::Ok();
}

// Slice-1 (attributes starts, ends, axes) -> Slice-10 (inputs starts, ends, axes).
Status upgrade_slice(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
  if (find_attribute(node, "starts") == nullptr || find_attribute(node, "ends") == nullptr) {
    return Status::InvalidModel(describe_node(node) + " lacks its starts/ends attributes");
  }
  ints_attribute_to_input(node, "starts", 1, ctx);
  ints_attribute_to_input(node, "ends", 2, ctx);
  ints_attribute_to_input(node, "axes", 3, ctx);
  log_moved(ctx, node, "starts/ends/axes");
  out.push_back(std::move(node));
  return Status::Ok();
}

// Pad-1 (attribute paddings) / Pad-2 (attribute pads), both with `value` (default 0) ->
// Pad-11 (inputs pads, constant_value). The pads layout [x1_begin, x2_begin, ..., x1_end, ...]
// is unchanged; `mode` stays an attribute.
Status upgrade_pad(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
  QAC_RETURN_IF_ERROR(require_arity(node, 1, 1));
  const char* pads_name = find_attribute(node, "pads") != nullptr ? "pads" : "paddings";
  if (!ints_attribute_to_input(node, pads_name, 1, ctx)) {
    return Status::InvalidModel(describe_node(node) + " lacks its pads attribute");
  }
  if (const onnx::AttributeProto* value = find_attribute(node, "value")) {
    const float constant = value->f();
    remove_attribute(node, "value");
    if (constant != 0.0f) {
      const int32_t type = ctx.elem_type_or_float(node.input(0), node);
      const std::string base = (node.name().empty() ? "Pad" : node.name()) + "_value";
      QAC_ASSIGN_OR_RETURN(std::string value_name, ctx.add_scalar(base, constant, type));
      set_input(node, 2, value_name);
    }
  }
  log_moved(ctx, node, "pads/value");
  out.push_back(std::move(node));
  return Status::Ok();
}

// Squeeze-1/11, Unsqueeze-1/11, ReduceSum-1/11 (attribute axes) -> opset 13 (input axes).
// Without the attribute the op keeps its default (squeeze all unit dims / reduce all axes).
Status upgrade_axes_input(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
  if (ints_attribute_to_input(node, "axes", 1, ctx)) log_moved(ctx, node, "axes");
  out.push_back(std::move(node));
  return Status::Ok();
}

// Split-1/2/11 (attribute split; Split-1 also accepted it as a second input) -> Split-13
// (input split).
Status upgrade_split(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
  if (node.input_size() >= 2 && !node.input(1).empty()) {
    remove_attribute(node, "split");  // the input wins, as in Split-1
  } else if (ints_attribute_to_input(node, "split", 1, ctx)) {
    log_moved(ctx, node, "split");
  }
  out.push_back(std::move(node));
  return Status::Ok();
}

// TopK-1 (attribute k) -> TopK-10 (input K, int64 of shape [1]).
Status upgrade_topk(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
  const onnx::AttributeProto* k = find_attribute(node, "k");
  if (k == nullptr) return Status::InvalidModel(describe_node(node) + " lacks its k attribute");
  const std::string base = (node.name().empty() ? "TopK" : node.name()) + "_k";
  set_input(node, 1, ctx.add_int64s(base, {k->i()}));
  remove_attribute(node, "k");
  log_moved(ctx, node, "k");
  out.push_back(std::move(node));
  return Status::Ok();
}

// Reshape-1 (attribute shape) -> Reshape-5 (input shape).
Status upgrade_reshape(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
  if (node.input_size() >= 2 && !node.input(1).empty()) {
    remove_attribute(node, "shape");
  } else if (!ints_attribute_to_input(node, "shape", 1, ctx)) {
    return Status::InvalidModel(describe_node(node) + " has neither a shape attribute nor a shape input");
  } else {
    log_moved(ctx, node, "shape");
  }
  out.push_back(std::move(node));
  return Status::Ok();
}

// Dropout-1/6/7/10 (attributes is_test, ratio) -> Dropout-12 (input ratio, inference mode by
// default). The mask output changed from the input's type to bool at opset 10, so an older
// Dropout whose mask is read cannot be kept as is.
Status upgrade_dropout(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
  constexpr int kBoolMaskOpset = 10;
  if (ctx.from_opset() < kBoolMaskOpset && node.output_size() > 1 && ctx.is_used(node.output(1))) {
    return Status::Unsupported(describe_node(node) + ": its mask output is read, and the mask type changed at opset " +
                               std::to_string(kBoolMaskOpset));
  }
  if (const onnx::AttributeProto* is_test = find_attribute(node, "is_test")) {
    if (is_test->i() == 0) {
      ctx.log().add("opset upgrade: " + describe_node(node) + " had is_test=0; it now runs in inference mode");
    }
    remove_attribute(node, "is_test");
  }
  if (const onnx::AttributeProto* ratio = find_attribute(node, "ratio")) {
    const float value = ratio->f();
    remove_attribute(node, "ratio");
    const std::string base = (node.name().empty() ? "Dropout" : node.name()) + "_ratio";
    QAC_ASSIGN_OR_RETURN(std::string ratio_name, ctx.add_scalar(base, value, onnx::TensorProto::FLOAT));
    set_input(node, 1, ratio_name);
  }
  log_moved(ctx, node, "ratio");
  out.push_back(std::move(node));
  return Status::Ok();
}

}  // namespace qac
