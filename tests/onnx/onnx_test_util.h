// Helpers shared by the tests of src/onnx: building tiny models, running them in ONNX Runtime,
// comparing tensors.
#pragma once

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "onnx/model_io.h"
#include "onnx/tensor_proto.h"
#include "qac/tensor.h"
#include "runtime/session.h"

namespace qac::testing {

inline onnx::ValueInfoProto value_info(const std::string& name, int32_t elem_type, const std::vector<int64_t>& shape) {
  onnx::ValueInfoProto v;
  v.set_name(name);
  auto* t = v.mutable_type()->mutable_tensor_type();
  t->set_elem_type(elem_type);
  auto* s = t->mutable_shape();
  for (int64_t d : shape) {
    if (d < 0) {
      std::string param = "d";
      param += std::to_string(s->dim_size());
      s->add_dim()->set_dim_param(param);
    } else {
      s->add_dim()->set_dim_value(d);
    }
  }
  return v;
}

inline onnx::ValueInfoProto float_info(const std::string& name, const std::vector<int64_t>& shape) {
  return value_info(name, onnx::TensorProto::FLOAT, shape);
}

inline onnx::NodeProto node(const std::string& op_type, const std::vector<std::string>& inputs,
                            const std::vector<std::string>& outputs, const std::string& name = "") {
  onnx::NodeProto n;
  n.set_op_type(op_type);
  n.set_name(name.empty() ? op_type + "_" + (outputs.empty() ? std::string("x") : outputs[0]) : name);
  for (const auto& i : inputs) n.add_input(i);
  for (const auto& o : outputs) n.add_output(o);
  return n;
}

inline void add_ints(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& values) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}
inline void add_int(onnx::NodeProto& n, const std::string& name, int64_t value) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}
inline void add_float(onnx::NodeProto& n, const std::string& name, float value) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}
inline void add_floats(onnx::NodeProto& n, const std::string& name, const std::vector<float>& values) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOATS);
  for (float v : values) a->add_floats(v);
}
inline void add_string(onnx::NodeProto& n, const std::string& name, const std::string& value) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(value);
}

// A model importing the default domain at `opset` with one graph.
inline onnx::ModelProto make_model(int opset, const std::vector<onnx::NodeProto>& nodes,
                                   const std::vector<onnx::ValueInfoProto>& inputs,
                                   const std::vector<onnx::ValueInfoProto>& outputs,
                                   const std::vector<onnx::TensorProto>& initializers = {}, int64_t ir_version = 7) {
  onnx::ModelProto m;
  m.set_ir_version(ir_version);
  m.set_producer_name("qac-test");
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  auto* g = m.mutable_graph();
  g->set_name("test");
  for (const auto& n : nodes) *g->add_node() = n;
  for (const auto& i : inputs) *g->add_input() = i;
  for (const auto& o : outputs) *g->add_output() = o;
  for (const auto& t : initializers) *g->add_initializer() = t;
  return m;
}

inline Tensor random_tensor(const std::vector<int64_t>& shape, uint32_t seed, float lo = -2.0f, float hi = 2.0f) {
  Tensor t(DType::kFloat32, shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  float* p = t.data<float>();
  for (size_t i = 0; i < t.numel(); ++i) p[i] = dist(rng);
  return t;
}

inline Tensor float_tensor(const std::vector<int64_t>& shape, const std::vector<float>& values) {
  Tensor t(DType::kFloat32, shape);
  std::memcpy(t.bytes.data(), values.data(), values.size() * sizeof(float));
  return t;
}

inline Tensor int64_tensor(const std::vector<int64_t>& shape, const std::vector<int64_t>& values) {
  Tensor t(DType::kInt64, shape);
  std::memcpy(t.bytes.data(), values.data(), values.size() * sizeof(int64_t));
  return t;
}

// Runs `model` in ONNX Runtime (no graph optimizations, one thread).
inline Result<std::vector<Tensor>> run_model(const onnx::ModelProto& model, const NamedTensors& feeds,
                                             const std::vector<std::string>& fetch = {}) {
  SessionOptions options;
  options.optimization = OptimizationLevel::kDisabled;
  options.intra_op_threads = 1;
  QAC_ASSIGN_OR_RETURN(auto session, Session::create(serialize(model), options, "test model"));
  return session->run(feeds, fetch);
}

// |actual - expected| <= atol + rtol * |expected| elementwise, same dtype and shape; NaNs match.
inline ::testing::AssertionResult tensors_close(const Tensor& actual, const Tensor& expected, double rtol = 1e-4,
                                                double atol = 1e-5) {
  if (actual.dtype != expected.dtype) {
    return ::testing::AssertionFailure() << "dtype " << dtype_name(actual.dtype) << " vs " << dtype_name(expected.dtype);
  }
  if (actual.shape != expected.shape) {
    return ::testing::AssertionFailure() << "shape " << shape_to_string(actual.shape) << " vs "
                                         << shape_to_string(expected.shape);
  }
  const bool exact = actual.dtype != DType::kFloat32 && actual.dtype != DType::kFloat64 &&
                     actual.dtype != DType::kFloat16;
  if (exact) {
    if (actual.bytes != expected.bytes) return ::testing::AssertionFailure() << "integer/bool values differ";
    return ::testing::AssertionSuccess();
  }
  const std::vector<float> a = actual.to_float();
  const std::vector<float> e = expected.to_float();
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) && std::isnan(e[i])) continue;
    if (std::isinf(e[i]) && a[i] == e[i]) continue;
    if (!(std::fabs(a[i] - e[i]) <= atol + rtol * std::fabs(e[i]))) {
      return ::testing::AssertionFailure() << "element " << i << ": " << a[i] << " vs expected " << e[i];
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace qac::testing
