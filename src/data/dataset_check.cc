#include "qac/dataset.h"

#include <algorithm>

namespace qac {
namespace {

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += "'" + n + "'";
  }
  return out.empty() ? "none" : out;
}

bool shape_matches(const std::vector<int64_t>& actual, const std::vector<int64_t>& expected) {
  if (actual.size() != expected.size()) return false;
  for (size_t i = 0; i < actual.size(); ++i) {
    if (expected[i] >= 0 && expected[i] != actual[i]) return false;
  }
  return true;
}

}  // namespace

Status check_dataset_matches(const Dataset& dataset, const std::vector<ValueSpec>& model_inputs,
                             const std::string& model_label) {
  const std::string where = "dataset " + dataset.description() + ": ";
  const std::vector<std::string> data_names = dataset.input_names();
  std::vector<std::string> model_names;
  for (const ValueSpec& spec : model_inputs) model_names.push_back(spec.name);

  for (const ValueSpec& spec : model_inputs) {
    if (std::find(data_names.begin(), data_names.end(), spec.name) == data_names.end()) {
      return Status::InvalidData(where + "no input '" + spec.name + "' required by model " +
                                 model_label + " (the dataset holds " + join_names(data_names) +
                                 ")");
    }
    QAC_ASSIGN_OR_RETURN(auto actual, dataset.input_spec(spec.name));
    const auto& [dtype, sample_shape] = actual;
    if (dtype != spec.dtype) {
      return Status::InvalidData(where + "input '" + spec.name + "' has dtype " +
                                 dtype_name(dtype) + " but model " + model_label + " expects " +
                                 dtype_name(spec.dtype));
    }
    if (sample_fed_whole(sample_shape.size(), spec.shape.size())) {
      if (!shape_matches(sample_shape, spec.shape)) {
        return Status::InvalidData(where + "input '" + spec.name + "' has per-sample shape " +
                                   shape_to_string(sample_shape) + " but model " + model_label +
                                   " expects " + shape_to_string(spec.shape) + " for a sample fed whole");
      }
      continue;
    }
    if (spec.shape.empty()) {
      return Status::InvalidData(where + "input '" + spec.name + "' has per-sample shape " +
                                 shape_to_string(sample_shape) + " but model " + model_label +
                                 " takes it with no dimensions (a scalar, or a shape the model does not declare)");
    }
    const std::vector<int64_t> expected(spec.shape.begin() + 1, spec.shape.end());
    if (!shape_matches(sample_shape, expected)) {
      return Status::InvalidData(where + "input '" + spec.name + "' has per-sample shape " +
                                 shape_to_string(sample_shape) + " but model " + model_label +
                                 " expects " + shape_to_string(expected) + " (samples stacked on its batch axis) or " +
                                 shape_to_string(spec.shape) + " (one whole input per sample)");
    }
  }
  for (const std::string& name : data_names) {
    if (std::find(model_names.begin(), model_names.end(), name) == model_names.end()) {
      return Status::InvalidData(where + "input '" + name + "' is not an input of model " +
                                 model_label + " (the model takes " + join_names(model_names) +
                                 ")");
    }
  }
  return Status::Ok();
}

}  // namespace qac
