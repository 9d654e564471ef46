// Running and inspecting small test models: one output of an ONNX Runtime run with every
// optimization (the kernels users deploy), and the op types of a graph in node order.
// Header-only: the test build compiles one executable per *_test.cc file.
#pragma once

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

#include "onnx/model_io.h"
#include "runtime/session.h"

namespace qac::testing {

// Output `name` of `model` on `feeds` (all optimizations, one thread). A failure to load or run
// is a test failure, and the result is then an empty tensor.
inline Tensor run_optimized(const onnx::ModelProto& model, const NamedTensors& feeds, const std::string& name) {
  SessionOptions so;
  so.intra_op_threads = 1;
  auto session = Session::create(serialize(model), so, "model");
  EXPECT_TRUE(session.ok()) << session.status().to_string();
  if (!session.ok()) return Tensor{};
  auto out = (*session)->run(feeds, {name});
  EXPECT_TRUE(out.ok()) << out.status().to_string();
  if (!out.ok() || out->empty()) return Tensor{};
  return (*out)[0];
}

// The op type of every node of the main graph, in order.
inline std::vector<std::string> op_types(const onnx::ModelProto& model) {
  std::vector<std::string> ops;
  for (const auto& n : model.graph().node()) ops.push_back(n.op_type());
  return ops;
}

}  // namespace qac::testing
