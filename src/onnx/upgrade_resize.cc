// Upsample-1/7/9/10 and Resize-10 -> Resize-13.
//
// Before opset 11 the output coordinate x_out maps to x_in = x_out / scale ("asymmetric").
// Nearest mode then picks floor(x_in) when upsampling; ONNX Runtime (the reference engine for
// these opsets) picks ceil(x_in) on axes that are downsampled. Resize-13 expresses this with
// coordinate_transformation_mode=asymmetric and nearest_mode=floor (all scales >= 1) or ceil
// (all scales <= 1; on axes with scale 1 both agree). Linear mode is asymmetric linear.
#include <string>
#include <vector>

#include "onnx/graph_walk.h"
#include "onnx/op_types.h"
#include "onnx/upgrade_rewrites.h"

namespace qac {
namespace {

constexpr const char* kNearest = "nearest";
constexpr const char* kLinear = "linear";
constexpr const char* kOldBilinear = "bilinear";  // Upsample-1 spelling of linear

// Rounding for nearest mode given the scales (when known).
Result<std::string> nearest_mode_for(const onnx::NodeProto& node, const std::optional<std::vector<double>>& scales,
                                     UpgradeContext& ctx) {
  if (!scales) {
    ctx.log().warn("opset upgrade: " + describe_node(node) +
                   ": scales are not constant; assuming upsampling (nearest_mode=floor)");
    return std::string("floor");
  }
  bool up = false, down = false;
  for (double s : *scales) {
    up = up || s > 1.0;
    down = down || s < 1.0;
  }
  if (up && down) {
    return Status::Unsupported(describe_node(node) + " upsamples some axes and downsamples others in nearest "
                               "mode; Resize-13 cannot express that rounding");
  }
  return std::string(down ? "ceil" : "floor");
}

// Builds Resize-13 from `node` (its attributes except mode/scale ones are dropped) given X and
// the scales value name.
Status emit_resize(onnx::NodeProto node, const std::string& scales_name,
                   const std::optional<std::vector<double>>& scales, UpgradeContext& ctx,
                   std::vector<onnx::NodeProto>& out) {
  QAC_RETURN_IF_ERROR(require_arity(node, 1, 1));
  const onnx::AttributeProto* mode_attr = find_attribute(node, "mode");
  std::string mode = mode_attr != nullptr ? mode_attr->s() : kNearest;
  if (mode == kOldBilinear) mode = kLinear;
  if (mode != kNearest && mode != kLinear) {
    return Status::InvalidModel(describe_node(node) + " has unknown mode '" + mode + "'");
  }
  onnx::NodeProto resize;
  resize.set_name(node.name());
  resize.set_op_type(op::kResize);
  resize.add_input(node.input(0));
  resize.add_input("");  // roi: unused by asymmetric mode
  resize.add_input(scales_name);
  for (const std::string& o : node.output()) resize.add_output(o);
  set_string_attribute(resize, "mode", mode);
  set_string_attribute(resize, "coordinate_transformation_mode", "asymmetric");
  std::string detail = "mode " + mode + ", asymmetric";
  if (mode == kNearest) {
    QAC_ASSIGN_OR_RETURN(std::string rounding, nearest_mode_for(node, scales, ctx));
    set_string_attribute(resize, "nearest_mode", rounding);
    detail += ", nearest_mode " + rounding;
  }
  ctx.log().add("opset upgrade: " + describe_node(node) + " became Resize-13 (" + detail + ")");
  out.push_back(std::move(resize));
  return Status::Ok();
}

}  // namespace

Status upgrade_upsample(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
  QAC_RETURN_IF_ERROR(require_arity(node, 1, 1));
  const std::string base = node.name().empty() ? "Upsample" : node.name();
  if (node.input_size() >= 2 && !node.input(1).empty()) {  // Upsample-9/10: scales input
    return emit_resize(node, node.input(1), ctx.constant_values(node.input(1)), ctx, out);
  }
  std::vector<float> scales;
  if (const onnx::AttributeProto* attr = find_attribute(node, "scales")) {  // Upsample-7
    scales = floats_of(*attr);
  } else {  // Upsample-1: 4-D NCHW with height_scale and width_scale
    const onnx::AttributeProto* h = find_attribute(node, "height_scale");
    const onnx::AttributeProto* w = find_attribute(node, "width_scale");
    if (h == nullptr || w == nullptr) {
      return Status::InvalidModel(describe_node(node) + " has no scales");
    }
    scales = {1.0f, 1.0f, h->f(), w->f()};
  }
  const std::string scales_name = ctx.add_floats(base + "_scales", scales);
  return emit_resize(node, scales_name, std::vector<double>(scales.begin(), scales.end()), ctx, out);
}

Status upgrade_resize(onnx::NodeProto node, UpgradeContext& ctx, std::vector<onnx::NodeProto>& out) {
  QAC_RETURN_IF_ERROR(require_arity(node, 1, 1));
  if (node.input_size() < 2) return Status::InvalidModel(describe_node(node) + " has no scales input");
  const std::string scales_name = node.input(1);
  return emit_resize(node, scales_name, ctx.constant_values(scales_name), ctx, out);
}

}  // namespace qac
