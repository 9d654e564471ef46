#include "runtime/profile.h"

#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/percentile.h"

namespace qac {
namespace fs = std::filesystem;
namespace {

// ONNX Runtime names a node's event "<node name>_kernel_time".
constexpr std::string_view kKernelTimeSuffix = "_kernel_time";

// Removes a folder and everything in it when it goes out of scope.
struct RemovedOnExit {
  fs::path path;
  ~RemovedOnExit() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// Runs `session` once with the profiler on and returns the trace's text.
Result<std::string> profiled_run_trace(const Session& session, const NamedTensors& feeds, const std::string& label) {
  std::error_code ec;
  const fs::path temp = fs::temp_directory_path(ec);
  if (ec) return Status::IoError("no temporary folder for the profile of " + label + ": " + ec.message());
  std::string folder_name = (temp / "qac_profile_XXXXXX").string();
  if (::mkdtemp(folder_name.data()) == nullptr) {
    return Status::IoError("cannot create a temporary folder for the profile of " + label + " in " + temp.string() +
                           ": " + std::strerror(errno));
  }
  const RemovedOnExit folder{folder_name};
  QAC_RETURN_IF_ERROR(session.run_profiled(feeds, (folder.path / "trace").string()));
  std::vector<fs::path> traces;
  for (const auto& entry : fs::directory_iterator(folder.path, ec)) traces.push_back(entry.path());
  if (traces.size() != 1) {
    return Status::RuntimeError("ONNX Runtime wrote " + std::to_string(traces.size()) +
                                " profile traces for one run of " + label + " (expected 1)");
  }
  std::ifstream file(traces[0], std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  if (!file) return Status::IoError("cannot read the profile trace of " + label + " (" + traces[0].string() + ")");
  return text.str();
}

// [{"float": [1, 3, 224, 224]}, {"int64": [4]}]: one single-entry object per present tensor.
std::vector<std::vector<int64_t>> read_shapes(const nlohmann::json& list) {
  std::vector<std::vector<int64_t>> shapes;
  for (const auto& tensor : list) {
    for (const auto& [element_type, dims] : tensor.items()) shapes.push_back(dims.get<std::vector<int64_t>>());
  }
  return shapes;
}

}  // namespace

Result<std::vector<NodeRecord>> parse_profile_trace(const std::string& json_text, const std::string& label) {
  const nlohmann::json events = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (events.is_discarded() || !events.is_array()) {
    return Status::RuntimeError("the profile trace of " + label + " is not a JSON array of events");
  }
  std::vector<NodeRecord> nodes;
  try {
    for (const auto& event : events) {
      if (!event.is_object() || event.value("cat", "") != "Node") continue;
      const std::string name = event.value("name", "");
      if (!name.ends_with(kKernelTimeSuffix)) continue;
      const nlohmann::json& args = event.at("args");
      NodeRecord node;
      node.name = name.substr(0, name.size() - kKernelTimeSuffix.size());
      node.op_type = args.value("op_name", "");
      node.provider = args.value("provider", "");
      node.microseconds = event.at("dur").get<double>();
      if (args.contains("input_type_shape")) node.input_shapes = read_shapes(args["input_type_shape"]);
      if (args.contains("output_type_shape")) node.output_shapes = read_shapes(args["output_type_shape"]);
      nodes.push_back(std::move(node));
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::RuntimeError("the profile trace of " + label + " has an event qac cannot read: " + e.what());
  }
  return nodes;
}

Result<std::vector<NodeRecord>> profile_nodes(const Session& session, const NamedTensors& feeds, int runs,
                                              const std::string& label) {
  struct Timed {
    NodeRecord node;            // as first seen
    std::vector<double> times;  // one per run, 0 for runs it was not part of
  };
  std::vector<Timed> timed;
  std::map<std::pair<std::string, std::string>, size_t> position;  // (name, op type) -> index in `timed`
  for (int run = 0; run < runs; ++run) {
    QAC_ASSIGN_OR_RETURN(const std::string trace, profiled_run_trace(session, feeds, label));
    QAC_ASSIGN_OR_RETURN(std::vector<NodeRecord> nodes, parse_profile_trace(trace, label));
    for (NodeRecord& node : nodes) {
      const auto key = std::make_pair(node.name, node.op_type);
      auto [it, added] = position.emplace(key, timed.size());
      if (added) timed.push_back({std::move(node), std::vector<double>(static_cast<size_t>(run + 1), 0.0)});
      Timed& t = timed[it->second];
      t.times.resize(static_cast<size_t>(run + 1), 0.0);
      t.times.back() += added ? t.node.microseconds : node.microseconds;
    }
  }
  std::vector<NodeRecord> result;
  result.reserve(timed.size());
  for (Timed& t : timed) {
    t.times.resize(static_cast<size_t>(runs), 0.0);
    t.node.microseconds = median(std::move(t.times));
    result.push_back(std::move(t.node));
  }
  return result;
}

std::vector<OpTypeTime> time_per_op_type(const std::vector<NodeRecord>& nodes) {
  std::map<std::string, OpTypeTime> per_type;
  for (const NodeRecord& node : nodes) {
    OpTypeTime& t = per_type[node.op_type];
    t.op_type = node.op_type;
    t.microseconds += node.microseconds;
    ++t.nodes;
  }
  std::vector<OpTypeTime> result;
  for (auto& [op_type, time] : per_type) result.push_back(std::move(time));
  std::stable_sort(result.begin(), result.end(),
                   [](const OpTypeTime& a, const OpTypeTime& b) { return a.microseconds > b.microseconds; });
  return result;
}

}  // namespace qac
