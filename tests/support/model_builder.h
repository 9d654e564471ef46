// ModelBuilder: builds small onnx::ModelProto graphs in tests — inputs, outputs, value_info,
// initializers (given or seeded random values) and nodes with attributes.
// Header-only: the test build compiles one executable per *_test.cc file.
//
//   ModelBuilder b;
//   b.input("x", {1, 3, 8, 8}).output("y");
//   b.random_initializer("w", {4, 3, 3, 3}, /*seed=*/1);
//   b.node("Conv", {"x", "w"}, {"y"}, "conv").ints("pads", {1, 1, 1, 1});
//   onnx::ModelProto model = b.build();
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "qac/tensor.h"

namespace qac::testing {

// Adds attributes to a node held by a ModelBuilder. Valid until the builder is destroyed.
class NodeBuilder {
 public:
  explicit NodeBuilder(onnx::NodeProto* node) : node_(node) {}

  NodeBuilder& i(const std::string& name, int64_t value) {
    auto* a = add(name, onnx::AttributeProto_AttributeType_INT);
    a->set_i(value);
    return *this;
  }
  NodeBuilder& f(const std::string& name, float value) {
    auto* a = add(name, onnx::AttributeProto_AttributeType_FLOAT);
    a->set_f(value);
    return *this;
  }
  NodeBuilder& s(const std::string& name, const std::string& value) {
    auto* a = add(name, onnx::AttributeProto_AttributeType_STRING);
    a->set_s(value);
    return *this;
  }
  NodeBuilder& ints(const std::string& name, const std::vector<int64_t>& values) {
    auto* a = add(name, onnx::AttributeProto_AttributeType_INTS);
    for (int64_t v : values) a->add_ints(v);
    return *this;
  }
  NodeBuilder& floats(const std::string& name, const std::vector<float>& values) {
    auto* a = add(name, onnx::AttributeProto_AttributeType_FLOATS);
    for (float v : values) a->add_floats(v);
    return *this;
  }
  NodeBuilder& tensor(const std::string& name, const onnx::TensorProto& value) {
    auto* a = add(name, onnx::AttributeProto_AttributeType_TENSOR);
    *a->mutable_t() = value;
    return *this;
  }
  NodeBuilder& graph(const std::string& name, const onnx::GraphProto& value) {
    auto* a = add(name, onnx::AttributeProto_AttributeType_GRAPH);
    *a->mutable_g() = value;
    return *this;
  }
  NodeBuilder& domain(const std::string& value) {
    node_->set_domain(value);
    return *this;
  }
  onnx::NodeProto& proto() { return *node_; }

 private:
  onnx::AttributeProto* add(const std::string& name, onnx::AttributeProto_AttributeType type) {
    auto* a = node_->add_attribute();
    a->set_name(name);
    a->set_type(type);
    return a;
  }
  onnx::NodeProto* node_;
};

// A FLOAT TensorProto (raw data) with the given dims and values.
inline onnx::TensorProto make_float_tensor_proto(const std::string& name,
                                                 const std::vector<int64_t>& dims,
                                                 const std::vector<float>& values) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto_DataType_FLOAT);
  for (int64_t d : dims) t.add_dims(d);
  t.set_raw_data(std::string(reinterpret_cast<const char*>(values.data()),
                             values.size() * sizeof(float)));
  return t;
}

// Seeded uniform values in [lo, hi).
inline std::vector<float> random_values(size_t count, uint32_t seed, float lo = -1.0f,
                                        float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> values(count);
  for (float& v : values) v = dist(rng);
  return values;
}

inline size_t element_count(const std::vector<int64_t>& dims) {
  size_t n = 1;
  for (int64_t d : dims) n *= static_cast<size_t>(d);
  return n;
}

// A float32 qac::Tensor with seeded uniform values in [lo, hi), for ONNX Runtime feeds.
inline Tensor random_tensor(const std::vector<int64_t>& shape, uint32_t seed, float lo = -1.0f,
                            float hi = 1.0f) {
  Tensor t(DType::kFloat32, shape);
  const auto values = random_values(t.numel(), seed, lo, hi);
  std::copy(values.begin(), values.end(), t.data<float>());
  return t;
}

class ModelBuilder {
 public:
  explicit ModelBuilder(int64_t opset = 13, const std::string& graph_name = "test_graph") {
    model_.set_ir_version(8);
    model_.set_producer_name("qac-tests");
    auto* op = model_.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    model_.mutable_graph()->set_name(graph_name);
  }

  // Dimensions < 0 become symbolic ("d0", "d1", ...).
  ModelBuilder& input(const std::string& name, const std::vector<int64_t>& shape,
                      int32_t elem_type = onnx::TensorProto_DataType_FLOAT) {
    fill(model_.mutable_graph()->add_input(), name, &shape, elem_type);
    return *this;
  }
  // Output with a known type and unknown shape.
  ModelBuilder& output(const std::string& name,
                       int32_t elem_type = onnx::TensorProto_DataType_FLOAT) {
    fill(model_.mutable_graph()->add_output(), name, nullptr, elem_type);
    return *this;
  }
  ModelBuilder& output(const std::string& name, const std::vector<int64_t>& shape,
                       int32_t elem_type = onnx::TensorProto_DataType_FLOAT) {
    fill(model_.mutable_graph()->add_output(), name, &shape, elem_type);
    return *this;
  }
  ModelBuilder& value_info(const std::string& name, const std::vector<int64_t>& shape,
                           int32_t elem_type = onnx::TensorProto_DataType_FLOAT) {
    fill(model_.mutable_graph()->add_value_info(), name, &shape, elem_type);
    return *this;
  }

  ModelBuilder& initializer(const std::string& name, const std::vector<int64_t>& dims,
                            const std::vector<float>& values) {
    *model_.mutable_graph()->add_initializer() = make_float_tensor_proto(name, dims, values);
    return *this;
  }
  ModelBuilder& initializer_i64(const std::string& name, const std::vector<int64_t>& dims,
                                const std::vector<int64_t>& values) {
    auto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto_DataType_INT64);
    for (int64_t d : dims) t->add_dims(d);
    for (int64_t v : values) t->add_int64_data(v);
    return *this;
  }
  // Seeded uniform values in [lo, hi).
  ModelBuilder& random_initializer(const std::string& name, const std::vector<int64_t>& dims,
                                   uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
    return initializer(name, dims, random_values(element_count(dims), seed, lo, hi));
  }
  // A scalar (rank 0) float initializer.
  ModelBuilder& scalar(const std::string& name, float value) {
    return initializer(name, {}, {value});
  }

  NodeBuilder node(const std::string& op_type, const std::vector<std::string>& inputs,
                   const std::vector<std::string>& outputs, const std::string& name = "") {
    auto* n = model_.mutable_graph()->add_node();
    n->set_op_type(op_type);
    if (!name.empty()) n->set_name(name);
    for (const auto& in : inputs) n->add_input(in);
    for (const auto& out : outputs) n->add_output(out);
    return NodeBuilder(n);
  }

  onnx::ModelProto& model() { return model_; }
  const onnx::ModelProto& model() const { return model_; }
  onnx::ModelProto build() const { return model_; }
  std::string serialize() const { return model_.SerializeAsString(); }

 private:
  static void fill(onnx::ValueInfoProto* v, const std::string& name,
                   const std::vector<int64_t>* shape, int32_t elem_type) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(elem_type);
    if (shape == nullptr) return;
    auto* s = t->mutable_shape();
    for (int64_t d : *shape) {
      auto* dim = s->add_dim();
      if (d < 0) {
        std::string param = "d";
        param += std::to_string(s->dim_size() - 1);
        dim->set_dim_param(param);
      } else {
        dim->set_dim_value(d);
      }
    }
  }

  onnx::ModelProto model_;
};

}  // namespace qac::testing
