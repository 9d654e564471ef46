#include "onnx/upgrade_context.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "onnx/graph_walk.h"
#include "onnx/op_types.h"
#include "onnx/safe_inference.h"
#include "onnx/tensor_proto.h"

namespace qac {
namespace {

void record(ValueTypes& types, const onnx::ValueInfoProto& info) {
  if (!info.type().has_tensor_type()) return;
  const onnx::TypeProto_Tensor& t = info.type().tensor_type();
  ValueType vt;
  vt.elem_type = t.elem_type();
  vt.rank = t.has_shape() ? t.shape().dim_size() : -1;
  auto [it, inserted] = types.emplace(info.name(), vt);
  if (!inserted) {
    if (it->second.elem_type == 0) it->second.elem_type = vt.elem_type;
    if (it->second.rank < 0) it->second.rank = vt.rank;
  }
}

// IEEE 754 binary16 bits of `value` (round to nearest even; overflow -> infinity).
uint16_t float_to_half_bits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  const uint32_t sign = (bits >> 16) & 0x8000u;
  const int32_t exponent = static_cast<int32_t>((bits >> 23) & 0xff) - 127 + 15;
  uint32_t mantissa = bits & 0x7fffffu;
  if (((bits >> 23) & 0xff) == 0xff) return static_cast<uint16_t>(sign | 0x7c00u | (mantissa ? 0x200u : 0));
  if (exponent >= 31) return static_cast<uint16_t>(sign | 0x7c00u);
  if (exponent <= 0) {
    if (exponent < -10) return static_cast<uint16_t>(sign);
    mantissa |= 0x800000u;
    const uint32_t shift = static_cast<uint32_t>(14 - exponent);
    uint32_t half = mantissa >> shift;
    const uint32_t rest = mantissa & ((1u << shift) - 1);
    const uint32_t halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (half & 1u))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = sign | (static_cast<uint32_t>(exponent) << 10) | (mantissa >> 13);
  const uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half;
  return static_cast<uint16_t>(half);
}

}  // namespace

ModelFacts collect_model_facts(const onnx::ModelProto& model, NormalizeLog& log) {
  onnx::ModelProto copy = model;
  // Inference errors leave types partly unknown; rewrites that need them say so.
  const onnx::ShapeInferenceOptions lenient(/*check_type_val=*/false, /*strict_mode_val=*/0,
                                            /*data_prop_val=*/false);
  if (Status s = infer_shapes_checked(copy, lenient); !s.ok()) {
    // Left untouched by the checker's refusal: the declared types are all there is.
    log.add("opset upgrade: no shape inference on the model as given (" + s.message() +
            "); the rewrites use its declared types");
  }
  ModelFacts facts;
  ValueTypes& types = facts.types;
  visit_graphs(copy.graph(), [&](const onnx::GraphProto& g) {
    for (const onnx::NodeProto& n : g.node()) {
      for (const std::string& in : n.input()) facts.used_values.insert(in);
    }
    for (const onnx::ValueInfoProto& v : g.output()) facts.used_values.insert(v.name());
    for (const onnx::ValueInfoProto& v : g.input()) record(types, v);
    for (const onnx::ValueInfoProto& v : g.output()) record(types, v);
    for (const onnx::ValueInfoProto& v : g.value_info()) record(types, v);
    for (const onnx::TensorProto& t : g.initializer()) {
      ValueType& vt = types[t.name()];
      vt.elem_type = t.data_type();
      vt.rank = t.dims_size();
    }
  });
  return facts;
}

NameGenerator::NameGenerator(const onnx::ModelProto& model) {
  visit_graphs(model.graph(), [&](const onnx::GraphProto& g) {
    for (const onnx::ValueInfoProto& v : g.input()) used_.insert(v.name());
    for (const onnx::TensorProto& t : g.initializer()) used_.insert(t.name());
    for (const onnx::NodeProto& n : g.node()) {
      used_.insert(n.name());
      for (const std::string& s : n.output()) used_.insert(s);
      for (const std::string& s : n.input()) used_.insert(s);
    }
  });
}

std::string NameGenerator::fresh(const std::string& base) {
  std::string name;
  do {
    name = base + "_" + std::to_string(counter_++);
  } while (used_.count(name));
  used_.insert(name);
  return name;
}

std::optional<int32_t> UpgradeContext::elem_type(const std::string& value) const {
  auto it = facts_.types.find(value);
  if (it == facts_.types.end() || it->second.elem_type == 0) return std::nullopt;
  return it->second.elem_type;
}

std::optional<int> UpgradeContext::rank(const std::string& value) const {
  auto it = facts_.types.find(value);
  if (it == facts_.types.end() || it->second.rank < 0) return std::nullopt;
  return it->second.rank;
}

std::optional<std::vector<double>> UpgradeContext::constant_values(const std::string& value) const {
  const onnx::TensorProto* found = nullptr;
  for (const onnx::TensorProto& t : graph_.initializer()) {
    if (t.name() == value) found = &t;
  }
  for (const onnx::NodeProto& n : graph_.node()) {
    if (n.op_type() == op::kConstant && n.output_size() == 1 && n.output(0) == value && n.attribute_size() == 1 &&
        n.attribute(0).has_t()) {
      found = &n.attribute(0).t();
    }
  }
  if (found == nullptr) return std::nullopt;
  Result<Tensor> tensor = to_tensor(*found);
  if (!tensor.ok()) return std::nullopt;
  std::vector<float> floats = tensor->to_float();
  return std::vector<double>(floats.begin(), floats.end());
}

int32_t UpgradeContext::elem_type_or_float(const std::string& value, const onnx::NodeProto& node) {
  if (auto t = elem_type(value)) return *t;
  log_.warn("opset upgrade: element type of '" + value + "' (input of " + describe_node(node) +
            ") is unknown; assuming float");
  return onnx::TensorProto::FLOAT;
}

std::string UpgradeContext::add_int64s(const std::string& base, const std::vector<int64_t>& values) {
  onnx::TensorProto* t = graph_.add_initializer();
  t->set_name(fresh_name(base));
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) t->add_int64_data(v);
  return t->name();
}

std::string UpgradeContext::add_floats(const std::string& base, const std::vector<float>& values) {
  onnx::TensorProto* t = graph_.add_initializer();
  t->set_name(fresh_name(base));
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(static_cast<int64_t>(values.size()));
  for (float v : values) t->add_float_data(v);
  return t->name();
}

Result<std::string> UpgradeContext::add_scalar(const std::string& base, double value, int32_t elem_type) {
  onnx::TensorProto t;
  t.set_data_type(elem_type);
  auto unrepresentable = [&] {
    return Status::InvalidModel("the value " + std::to_string(value) + " for '" + base +
                                "' cannot be stored as ONNX element type " + std::to_string(elem_type));
  };
  // Integer types: truncated toward zero, and only from finite values in the type's range.
  auto integer = [&](double lo, double hi) -> std::optional<int64_t> {
    if (!(value >= lo && value < hi + 1.0)) return std::nullopt;  // also false for NaN
    return static_cast<int64_t>(value);
  };
  switch (elem_type) {
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::FLOAT16: {
      const bool fits = std::isnan(value) || std::isinf(value) || std::abs(value) <= std::numeric_limits<float>::max();
      if (!fits) return unrepresentable();
      const float f = static_cast<float>(value);
      if (elem_type == onnx::TensorProto::FLOAT) {
        t.add_float_data(f);
      } else {
        t.add_int32_data(float_to_half_bits(f));
      }
      break;
    }
    case onnx::TensorProto::DOUBLE: t.add_double_data(value); break;
    case onnx::TensorProto::INT64: {
      const auto v = integer(static_cast<double>(std::numeric_limits<int64_t>::min()),
                             static_cast<double>(std::numeric_limits<int64_t>::max()));
      if (!v) return unrepresentable();
      t.add_int64_data(*v);
      break;
    }
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::UINT16:
    case onnx::TensorProto::INT32: {
      const std::pair<double, double> range =
          elem_type == onnx::TensorProto::INT8     ? std::pair(-128.0, 127.0)
          : elem_type == onnx::TensorProto::UINT8  ? std::pair(0.0, 255.0)
          : elem_type == onnx::TensorProto::INT16  ? std::pair(-32768.0, 32767.0)
          : elem_type == onnx::TensorProto::UINT16 ? std::pair(0.0, 65535.0)
                                                   : std::pair(-2147483648.0, 2147483647.0);
      const auto v = integer(range.first, range.second);
      if (!v) return unrepresentable();
      t.add_int32_data(static_cast<int32_t>(*v));
      break;
    }
    default:
      return Status::Unsupported("cannot make a constant of ONNX element type " + std::to_string(elem_type) +
                                 " for '" + base + "'");
  }
  t.set_name(fresh_name(base));
  *graph_.add_initializer() = t;
  return t.name();
}

onnx::NodeProto UpgradeContext::make_node(const std::string& op_type, const std::vector<std::string>& inputs,
                                          const std::vector<std::string>& outputs, const std::string& base) {
  onnx::NodeProto node;
  node.set_op_type(op_type);
  node.set_name(fresh_name(base));
  for (const std::string& in : inputs) node.add_input(in);
  for (const std::string& out : outputs) node.add_output(out);
  return node;
}

Status require_arity(const onnx::NodeProto& node, int inputs, int outputs) {
  if (node.input_size() < inputs || node.output_size() < outputs) {
    return Status::InvalidModel(describe_node(node) + " has " + std::to_string(node.input_size()) + " inputs and " +
                                std::to_string(node.output_size()) + " outputs; " + node.op_type() +
                                " needs at least " + std::to_string(inputs) + " and " + std::to_string(outputs));
  }
  return Status::Ok();
}

const onnx::AttributeProto* find_attribute(const onnx::NodeProto& node, const std::string& name) {
  for (const onnx::AttributeProto& a : node.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

bool remove_attribute(onnx::NodeProto& node, const std::string& name) {
  auto* attrs = node.mutable_attribute();
  for (int i = 0; i < attrs->size(); ++i) {
    if (attrs->Get(i).name() == name) {
      attrs->DeleteSubrange(i, 1);
      return true;
    }
  }
  return false;
}

void set_int_attribute(onnx::NodeProto& node, const std::string& name, int64_t value) {
  remove_attribute(node, name);
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void set_string_attribute(onnx::NodeProto& node, const std::string& name, const std::string& value) {
  remove_attribute(node, name);
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(value);
}

std::vector<int64_t> ints_of(const onnx::AttributeProto& attr) {
  return std::vector<int64_t>(attr.ints().begin(), attr.ints().end());
}

std::vector<float> floats_of(const onnx::AttributeProto& attr) {
  return std::vector<float>(attr.floats().begin(), attr.floats().end());
}

}  // namespace qac
