#include "quant/subgraph_models.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "graph/graph_view.h"
#include "onnx/graph_walk.h"
#include "onnx/model_io.h"
#include "onnx/node_order.h"
#include "quant/captured_dataset.h"
#include "runtime/batching.h"

namespace qac {
namespace {

const onnx::GraphProto* find_graph(const onnx::NodeProto& node, const std::string& attribute) {
  for (const auto& a : node.attribute()) {
    if (a.name() == attribute && a.type() == onnx::AttributeProto_AttributeType_GRAPH) return &a.g();
  }
  return nullptr;
}

onnx::GraphProto* find_mutable_graph(onnx::NodeProto& node, const std::string& attribute) {
  for (auto& a : *node.mutable_attribute()) {
    if (a.name() == attribute && a.type() == onnx::AttributeProto_AttributeType_GRAPH) return a.mutable_g();
  }
  return nullptr;
}

// Names a graph defines at its own level: node outputs, initializers, inputs.
std::set<std::string> defined_names(const onnx::GraphProto& g) {
  std::set<std::string> names;
  for (const auto& n : g.node()) names.insert(n.output().begin(), n.output().end());
  for (const auto& t : g.initializer()) names.insert(t.name());
  for (const auto& v : g.input()) names.insert(v.name());
  names.erase("");
  return names;
}

// Renames values in `g` and every graph nested in it: definitions at this level, and reads at
// any depth (nested graphs read this level's values through outer scope).
void rename_values(onnx::GraphProto& g, const std::map<std::string, std::string>& renames, bool top = true) {
  auto renamed = [&](const std::string& name) {
    auto it = renames.find(name);
    return it == renames.end() ? name : it->second;
  };
  for (auto& n : *g.mutable_node()) {
    for (auto& in : *n.mutable_input()) in = renamed(in);
    if (top) {
      for (auto& out : *n.mutable_output()) out = renamed(out);
    }
    for (auto& a : *n.mutable_attribute()) {
      if (a.has_g()) rename_values(*a.mutable_g(), renames, false);
      for (auto& sub : *a.mutable_graphs()) rename_values(sub, renames, false);
    }
  }
  if (top) {
    for (auto& t : *g.mutable_initializer()) t.set_name(renamed(t.name()));
    for (auto& v : *g.mutable_value_info()) v.set_name(renamed(v.name()));
  }
}

int find_node(const onnx::GraphProto& g, const std::string& name) {
  for (int i = 0; i < g.node_size(); ++i) {
    if (g.node(i).name() == name) return i;
  }
  return -1;
}

}  // namespace

std::vector<SubgraphSite> subgraph_sites(const onnx::GraphProto& graph) {
  std::vector<SubgraphSite> sites;
  for (int i = 0; i < graph.node_size(); ++i) {
    const onnx::NodeProto& node = graph.node(i);
    if (node.name().empty() || !is_default_domain(node.domain())) continue;
    if (node.op_type() == "If" && node.input_size() >= 1) {
      for (const char* attribute : {"then_branch", "else_branch"}) {
        if (find_graph(node, attribute)) sites.push_back({SubgraphSite::Kind::kIfBranch, node.name(), i, attribute, node.input(0)});
      }
    } else if ((node.op_type() == "Loop" || node.op_type() == "Scan") && find_graph(node, "body")) {
      const auto kind = node.op_type() == "Loop" ? SubgraphSite::Kind::kLoopBody : SubgraphSite::Kind::kScanBody;
      sites.push_back({kind, node.name(), i, "body", ""});
    }
  }
  return sites;
}

Result<onnx::ModelProto> subgraph_model(const onnx::ModelProto& model, const SubgraphSite& site) {
  const onnx::GraphProto* g = find_graph(model.graph().node(site.node_index), site.attribute);
  if (!g) return Status::Internal("no " + site.attribute + " on node '" + site.node + "'");
  QAC_ASSIGN_OR_RETURN(GraphView view, GraphView::build(model.graph(), /*allow_outer_scope=*/true));
  for (const auto& in : g->input()) {
    if (!in.type().tensor_type().has_elem_type() || in.type().tensor_type().elem_type() == 0) {
      return Status::Unsupported(site.prefix() + " gives its input '" + in.name() + "' no element type");
    }
  }
  onnx::ModelProto body;
  body.set_ir_version(model.ir_version());
  *body.mutable_opset_import() = model.opset_import();
  *body.mutable_graph() = *g;
  body.mutable_graph()->set_name(site.prefix());
  for (const std::string& name : outer_scope_reads(*g)) {
    if (const onnx::TensorProto* init = view.initializer(name)) {
      *body.mutable_graph()->add_initializer() = *init;
      continue;
    }
    const std::optional<int32_t> elem = view.elem_type(name);
    const std::optional<std::vector<int64_t>> shape = view.shape(name);
    if (!elem) {
      return Status::Unsupported(site.prefix() + " reads '" + name +
                                 "' from the enclosing graph, whose element type is not recorded");
    }
    onnx::ValueInfoProto* in = body.mutable_graph()->add_input();
    in->set_name(name);
    auto* tensor_type = in->mutable_type()->mutable_tensor_type();
    tensor_type->set_elem_type(*elem);
    if (!shape) continue;  // given the captured values' rank at calibration
    auto* dims = tensor_type->mutable_shape();
    for (int64_t d : *shape) {
      auto* dim = dims->add_dim();
      if (d >= 0) dim->set_dim_value(d);
    }
  }
  return body;
}

namespace {

// Name of the enclosing node's output that stacks formal input `input` of the body at `site`
// over the iterations of a run.
std::string captured_name(const SubgraphSite& site, const std::string& input) {
  return "qac_captured/" + site.prefix() + input;
}

// Adds to the Loop/Scan node at `site` one scan output per formal input of its body (an Identity
// of the input), so that a run returns every iteration's inputs stacked on a new leading axis.
Status add_iteration_captures(onnx::GraphProto& graph, const SubgraphSite& site) {
  const int index = find_node(graph, site.node);
  if (index < 0) return Status::Internal("node '" + site.node + "' is missing");
  onnx::NodeProto& node = *graph.mutable_node(index);
  onnx::GraphProto* body = find_mutable_graph(node, "body");
  const int formal = body->input_size();
  for (int k = 0; k < formal; ++k) {
    const onnx::ValueInfoProto in = body->input(k);
    const std::string inner = "qac_iteration/" + site.prefix() + in.name();
    onnx::NodeProto* copy = body->add_node();
    copy->set_op_type("Identity");
    copy->set_name(inner);
    copy->add_input(in.name());
    copy->add_output(inner);
    onnx::ValueInfoProto* out = body->add_output();
    out->set_name(inner);
    out->mutable_type()->mutable_tensor_type()->set_elem_type(in.type().tensor_type().elem_type());
    node.add_output(captured_name(site, in.name()));
  }
  for (auto& a : *node.mutable_attribute()) {  // Scan: one axis and direction per scan output
    if (a.name() == "scan_output_axes" || a.name() == "scan_output_directions") {
      for (int k = 0; k < formal; ++k) a.add_ints(0);
    }
  }
  return Status::Ok();
}

// Iterations [0, iterations) to keep when at most `limit` are kept: evenly spaced.
std::vector<int64_t> kept_iterations(int64_t iterations, size_t limit) {
  const int64_t take = std::min<int64_t>(iterations, static_cast<int64_t>(std::max<size_t>(limit, 1)));
  std::vector<int64_t> kept;
  for (int64_t j = 0; j < take; ++j) kept.push_back(j * iterations / take);
  return kept;
}

// Row `row` of a tensor stacked on its leading axis, without that axis.
Tensor row_of(const Tensor& stacked, int64_t row) {
  Tensor t = stacked.slice_rows(row, 1);
  t.shape.erase(t.shape.begin());
  return t;
}

// Adds to `out` the samples one run of the enclosing model gives the subgraph at `site` (body
// graph `body`, `formal` formal inputs): `value(name)` is a value of that run.
Status add_run_samples(const SubgraphSite& site, const onnx::GraphProto& body, int formal, size_t per_run,
                       const std::function<Tensor(const std::string&)>& value, CapturedDataset& out) {
  const auto& inputs = body.input();
  if (site.kind == SubgraphSite::Kind::kIfBranch) {
    const Tensor cond = value(site.condition);
    if (cond.dtype != DType::kBool || cond.numel() != 1) {
      return Status::InvalidData("the condition '" + site.condition + "' of If node '" + site.node +
                                 "' is not one boolean");
    }
    if ((cond.data<uint8_t>()[0] != 0) != (site.attribute == "then_branch")) return Status::Ok();
    NamedTensors sample;
    for (const auto& in : inputs) sample.emplace(in.name(), value(in.name()));
    return out.add(std::move(sample));
  }
  std::vector<Tensor> stacked;  // formal inputs, stacked over the iterations
  for (int k = 0; k < formal; ++k) stacked.push_back(value(captured_name(site, inputs[k].name())));
  const int64_t iterations = stacked.empty() || stacked[0].shape.empty() ? 0 : stacked[0].shape[0];
  for (int64_t it : kept_iterations(iterations, per_run)) {
    NamedTensors sample;
    for (int k = 0; k < inputs.size(); ++k) {
      const std::string& name = inputs[k].name();
      sample.emplace(name, k < formal ? row_of(stacked[static_cast<size_t>(k)], it) : value(name));
    }
    QAC_RETURN_IF_ERROR(out.add(std::move(sample)));
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::unique_ptr<Dataset>>> capture_subgraph_inputs(const onnx::ModelProto& model,
                                                                      const std::vector<SubgraphSite>& sites,
                                                                      const std::vector<onnx::ModelProto>& bodies,
                                                                      const Dataset& data, size_t num_samples,
                                                                      size_t max_samples, const SessionOptions& options) {
  QAC_ASSIGN_OR_RETURN(GraphView view, GraphView::build(model.graph(), /*allow_outer_scope=*/true));
  onnx::ModelProto probe = model;
  std::vector<std::string> fetch;
  std::set<std::string> fetched;
  auto want = [&](const std::string& name, int32_t elem_type) {
    if (view.is_graph_input(name) || !fetched.insert(name).second) return;
    fetch.push_back(name);
    if (view.is_graph_output(name)) return;
    onnx::ValueInfoProto* out = probe.mutable_graph()->add_output();
    out->set_name(name);
    out->mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
  };
  std::vector<int> formal(sites.size());  // formal inputs of each site's body
  for (size_t s = 0; s < sites.size(); ++s) {
    if (sites[s].kind == SubgraphSite::Kind::kIfBranch) {
      want(sites[s].condition, onnx::TensorProto_DataType_BOOL);
    } else {
      formal[s] = find_graph(model.graph().node(find_node(model.graph(), sites[s].node)), "body")->input_size();
      QAC_RETURN_IF_ERROR(add_iteration_captures(*probe.mutable_graph(), sites[s]));
    }
    const auto& inputs = bodies[s].graph().input();
    for (int k = 0; k < inputs.size(); ++k) {
      const std::string& name = inputs[k].name();
      const int32_t elem = inputs[k].type().tensor_type().elem_type();
      want(k < formal[s] ? captured_name(sites[s], name) : name, elem);
    }
  }
  QAC_ASSIGN_OR_RETURN(auto session, Session::create(serialize(probe), options, "the model capturing subgraph inputs"));
  QAC_ASSIGN_OR_RETURN(const std::set<std::string> whole_inputs, whole_fed_inputs(*session, data));
  const bool whole = !whole_inputs.empty();
  std::vector<std::unique_ptr<CapturedDataset>> captured;
  for (const SubgraphSite& site : sites) {
    captured.push_back(std::make_unique<CapturedDataset>("the values " + site.prefix() + " reads, from " +
                                                         data.description()));
  }
  const size_t per_run = std::max<size_t>(1, max_samples / std::max<size_t>(num_samples, 1));
  QAC_RETURN_IF_ERROR(run_batches(*session, data, num_samples, 1, fetch,
      [&](size_t, size_t, const NamedTensors& inputs, std::vector<Tensor>& outputs) -> Status {
        // Each value as the model computed it in this run (without the sample axis of a whole sample).
        auto value = [&](const std::string& name) -> Tensor {
          for (size_t k = 0; k < fetch.size(); ++k) {
            if (fetch[k] != name) continue;
            Tensor t = outputs[k];
            if (whole) t.shape.erase(t.shape.begin());
            return t;
          }
          Tensor t = inputs.at(name);
          if (whole_inputs.count(name)) t.shape.erase(t.shape.begin());
          return t;
        };
        for (size_t s = 0; s < sites.size(); ++s) {
          QAC_RETURN_IF_ERROR(add_run_samples(sites[s], bodies[s].graph(), formal[s], per_run, value, *captured[s]));
        }
        return Status::Ok();
      }));
  std::vector<std::unique_ptr<Dataset>> result;
  for (auto& c : captured) result.push_back(std::move(c));
  return result;
}

Status splice_subgraph(onnx::ModelProto& model, const SubgraphSite& site, const onnx::ModelProto& original,
                       onnx::ModelProto body) {
  const int index = find_node(model.graph(), site.node);
  if (index < 0) return Status::Internal("node '" + site.node + "' is missing from the emitted model");
  onnx::GraphProto* target = find_mutable_graph(*model.mutable_graph()->mutable_node(index), site.attribute);
  if (!target) return Status::Internal("no " + site.attribute + " on node '" + site.node + "'");
  const std::set<std::string> own_before = defined_names(*target);
  std::set<std::string> node_names_before;
  for (const auto& n : target->node()) node_names_before.insert(n.name());
  std::map<std::string, const onnx::TensorProto*> copied;  // outer initializers copied into the branch model
  for (const auto& t : original.graph().initializer()) {
    if (!own_before.count(t.name())) copied[t.name()] = &t;
  }

  onnx::GraphProto& g = *body.mutable_graph();
  // Its formal inputs stay; the outer-scope values after them are read from the enclosing scope.
  g.mutable_input()->DeleteSubrange(target->input_size(), g.input_size() - target->input_size());
  // Copied initializers go (the enclosing graph holds them) unless emission changed them.
  auto* inits = g.mutable_initializer();
  for (int i = inits->size() - 1; i >= 0; --i) {
    auto it = copied.find(inits->Get(i).name());
    if (it != copied.end() && inits->Get(i).SerializeAsString() == it->second->SerializeAsString()) {
      inits->DeleteSubrange(i, 1);
    }
  }
  std::map<std::string, std::string> renames;
  for (const std::string& name : defined_names(g)) {
    if (!own_before.count(name)) renames[name] = site.prefix() + name;
  }
  rename_values(g, renames);
  for (auto& n : *g.mutable_node()) {
    if (!node_names_before.count(n.name())) n.set_name(site.prefix() + n.name());
  }
  g.set_name(target->name());
  *target = std::move(g);
  // The branch may need a newer opset than the enclosing model imports (e.g. per-channel DQ).
  const int needed = default_opset_version(body);
  for (auto& op : *model.mutable_opset_import()) {
    if (is_default_domain(op.domain()) && op.version() < needed) op.set_version(needed);
  }
  return Status::Ok();
}

}  // namespace qac
