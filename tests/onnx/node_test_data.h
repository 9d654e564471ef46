// Reading an ONNX backend node test: <dir>/model.onnx and <dir>/test_data_set_0/{input,output}_<i>.pb.
#pragma once

#include <onnx/onnx_pb.h>

#include <filesystem>
#include <string>
#include <vector>

#include "onnx/model_io.h"
#include "onnx/tensor_proto.h"
#include "qac/status.h"
#include "qac/tensor.h"

namespace qac::testing {

struct NodeTestData {
  onnx::ModelProto model;
  NamedTensors feeds;
  std::vector<std::string> output_names;
  std::vector<Tensor> expected;
};

// The names of the graph inputs that are not initializers, in order.
inline std::vector<std::string> fed_input_names(const onnx::GraphProto& graph) {
  std::vector<std::string> names;
  for (const auto& in : graph.input()) {
    bool is_initializer = false;
    for (const auto& init : graph.initializer()) is_initializer = is_initializer || init.name() == in.name();
    if (!is_initializer) names.push_back(in.name());
  }
  return names;
}

// Reads `<set>/<prefix>_<i>.pb` for i = 0, 1, ... as long as they exist. Names missing from
// the files are taken from `fallback_names` by position.
inline Result<std::vector<std::pair<std::string, Tensor>>> read_tensors(const std::filesystem::path& set,
                                                                        const std::string& prefix,
                                                                        const std::vector<std::string>& fallback_names) {
  std::vector<std::pair<std::string, Tensor>> out;
  for (size_t i = 0;; ++i) {
    const auto path = set / (prefix + "_" + std::to_string(i) + ".pb");
    if (!std::filesystem::exists(path)) break;
    QAC_ASSIGN_OR_RETURN(onnx::TensorProto proto, read_tensor_proto_pb(path));
    QAC_ASSIGN_OR_RETURN(Tensor t, to_tensor(proto));
    std::string name = proto.name();
    if (name.empty() && i < fallback_names.size()) name = fallback_names[i];
    out.emplace_back(name, std::move(t));
  }
  return out;
}

// Loads a node test. Unsupported (with the reason) when it uses values qac::Tensor cannot hold
// (strings, unsigned 16/32/64-bit, bfloat16, sequences, optionals).
inline Result<NodeTestData> load_node_test(const std::filesystem::path& dir) {
  NodeTestData data;
  QAC_ASSIGN_OR_RETURN(data.model, load_model(dir / "model.onnx"));
  for (const auto* values : {&data.model.graph().input(), &data.model.graph().output()}) {
    for (const auto& v : *values) {
      if (!v.type().has_tensor_type()) return Status::Unsupported("value '" + v.name() + "' is not a tensor");
      QAC_RETURN_IF_ERROR(dtype_from_onnx(v.type().tensor_type().elem_type(), "value '" + v.name() + "'").status());
    }
  }
  const auto set = dir / "test_data_set_0";
  QAC_ASSIGN_OR_RETURN(auto inputs, read_tensors(set, "input", fed_input_names(data.model.graph())));
  for (auto& [name, t] : inputs) data.feeds[name] = std::move(t);
  std::vector<std::string> graph_outputs;
  for (const auto& o : data.model.graph().output()) graph_outputs.push_back(o.name());
  QAC_ASSIGN_OR_RETURN(auto outputs, read_tensors(set, "output", graph_outputs));
  for (auto& [name, t] : outputs) {
    data.output_names.push_back(name);
    data.expected.push_back(std::move(t));
  }
  if (data.expected.empty()) return Status::Unsupported("no expected outputs");
  return data;
}

}  // namespace qac::testing
