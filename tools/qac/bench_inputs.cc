#include "bench_inputs.h"

#include <algorithm>
#include <charconv>

#include "qac/dataset.h"

namespace qac::cli {
namespace {

// "1x3x320x320" -> {1, 3, 320, 320}; false unless every dimension is an integer >= 1.
bool parse_dims(const std::string& text, std::vector<int64_t>& dims) {
  dims.clear();
  size_t begin = 0;
  while (begin <= text.size()) {
    const size_t end = std::min(text.find('x', begin), text.size());
    int64_t d = 0;
    const auto [ptr, ec] = std::from_chars(text.data() + begin, text.data() + end, d);
    if (ec != std::errc() || ptr != text.data() + end || d < 1) return false;
    dims.push_back(d);
    begin = end + 1;
  }
  return true;
}

// Splits "NAME=DIMS" at its last '='.
bool parse_shape_flag(const std::string& flag, std::string& name, std::vector<int64_t>& dims) {
  const size_t eq = flag.rfind('=');
  if (eq == std::string::npos || eq == 0) return false;
  name = flag.substr(0, eq);
  return parse_dims(flag.substr(eq + 1), dims);
}

std::string names_of(const std::vector<ValueSpec>& specs) {
  std::string names;
  for (const ValueSpec& s : specs) names += (names.empty() ? "'" : ", '") + s.name + "'";
  return names.empty() ? "none" : names;
}

// Folds `spec` of model `label` into `shared` (same input of the models before it).
Status merge_input(ValueSpec& shared, const ValueSpec& spec, const std::string& label, const std::string& first) {
  const std::string where = "input '" + spec.name + "' of " + label;
  if (spec.dtype != shared.dtype) {
    return Status::InvalidData(where + " is " + dtype_name(spec.dtype) + " but " + dtype_name(shared.dtype) +
                               " in " + first + "; every model must take the same inputs");
  }
  bool fits = spec.shape.size() == shared.shape.size();
  for (size_t d = 0; fits && d < spec.shape.size(); ++d) {
    fits = spec.shape[d] < 0 || shared.shape[d] < 0 || spec.shape[d] == shared.shape[d];
  }
  if (!fits) {
    return Status::InvalidData(where + " has shape " + shape_to_string(spec.shape) + ", which does not fit " +
                               shape_to_string(shared.shape) + " of the models before it (? = any size)");
  }
  for (size_t d = 0; d < spec.shape.size(); ++d) {
    if (spec.shape[d] >= 0) shared.shape[d] = spec.shape[d];
  }
  return Status::Ok();
}

}  // namespace

CLI::Validator input_shape_flag() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        std::string name;
        std::vector<int64_t> dims;
        if (!parse_shape_flag(text, name, dims)) {
          return "must be NAME=DIMS with dimensions >= 1 joined by 'x' (e.g. x=1x3x320x320), got '" + text + "'";
        }
        return {};
      },
      "NAME=DIMS");
}

Result<InputShapes> parse_input_shapes(const std::vector<std::string>& flags) {
  InputShapes shapes;
  for (const std::string& flag : flags) {
    std::string name;
    std::vector<int64_t> dims;
    parse_shape_flag(flag, name, dims);
    if (!shapes.emplace(name, dims).second) {
      return Status::InvalidArgument("--shape gives input '" + name + "' twice");
    }
  }
  return shapes;
}

Result<std::vector<ValueSpec>> shared_inputs(const std::vector<BenchModel>& models, const InputShapes& shapes,
                                             int64_t batch) {
  std::vector<ValueSpec> shared;
  for (size_t m = 0; m < models.size(); ++m) {
    const std::string& label = models[m].path;
    Result<std::vector<ValueSpec>> specs = models[m].model.inputs();
    if (!specs.ok()) return specs.status().with_context(label);
    for (const ValueSpec& spec : *specs) {
      if (!spec.shape.empty() && spec.shape[0] >= 0 && spec.shape[0] != batch && !shapes.count(spec.name)) {
        return Status::InvalidData("input '" + spec.name + "' of " + label + " has a fixed first dimension of " +
                                   std::to_string(spec.shape[0]) + ", so a batch of " + std::to_string(batch) +
                                   " cannot be fed (--batch)");
      }
    }
    if (m == 0) {
      shared = std::move(specs).value();
      continue;
    }
    if (specs->size() != shared.size()) {
      return Status::InvalidData(label + " takes the inputs " + names_of(*specs) + " but " + models[0].path +
                                 " takes " + names_of(shared) + "; every model must take the same inputs");
    }
    for (const ValueSpec& spec : *specs) {
      auto it = std::find_if(shared.begin(), shared.end(), [&](const ValueSpec& s) { return s.name == spec.name; });
      if (it == shared.end()) {
        return Status::InvalidData("input '" + spec.name + "' of " + label + " is not an input of " + models[0].path +
                                   " (which takes " + names_of(shared) + "); every model must take the same inputs");
      }
      QAC_RETURN_IF_ERROR(merge_input(*it, spec, label, models[0].path));
    }
  }
  return shared;
}

Result<NamedTensors> dataset_feeds(const std::string& dir, const std::vector<ValueSpec>& inputs, size_t batch,
                                   const std::string& model_label) {
  std::vector<std::string> names;
  for (const ValueSpec& spec : inputs) names.push_back(spec.name);
  QAC_ASSIGN_OR_RETURN(auto data, open_dataset(dir, names));
  QAC_RETURN_IF_ERROR(check_dataset_matches(*data, inputs, model_label));
  if (data->size() < batch) {
    return Status::InvalidData("dataset " + data->description() + " holds " + std::to_string(data->size()) +
                               " samples, fewer than the batch of " + std::to_string(batch) + " (--batch)");
  }
  return data->read(0, batch);
}

}  // namespace qac::cli
