#include "runtime/random_feeds.h"

#include <algorithm>
#include <random>

namespace qac {
namespace {

std::string input_of(const ValueSpec& spec, const std::string& model_label) {
  return "input '" + spec.name + "' of " + model_label;
}

Status check_given_shape(const ValueSpec& spec, const std::vector<int64_t>& shape, const std::string& model_label) {
  bool fits = shape.size() == spec.shape.size();
  for (size_t d = 0; fits && d < shape.size(); ++d) fits = shape[d] >= 1 && (spec.shape[d] < 0 || spec.shape[d] == shape[d]);
  if (!fits) {
    return Status::InvalidArgument("the shape " + shape_to_string(shape) + " given for " + input_of(spec, model_label) +
                                   " does not fit its shape " + shape_to_string(spec.shape) +
                                   " (? = any size)");
  }
  return Status::Ok();
}

template <typename T>
void fill_uniform(Tensor& t, std::mt19937& rng) {
  std::uniform_real_distribution<T> dist(T(-1), T(1));
  T* values = t.data<T>();
  for (size_t i = 0; i < t.numel(); ++i) values[i] = dist(rng);
}

}  // namespace

Result<InputShapes> resolve_input_shapes(const std::vector<ValueSpec>& inputs, const InputShapes& shapes,
                                         int64_t batch, const std::string& model_label) {
  for (const auto& [name, shape] : shapes) {
    const bool known = std::any_of(inputs.begin(), inputs.end(), [&](const ValueSpec& s) { return s.name == name; });
    if (!known) return Status::InvalidArgument("a shape is given for '" + name + "', which is not an input of " + model_label);
  }
  InputShapes resolved;
  for (const ValueSpec& spec : inputs) {
    if (const auto given = shapes.find(spec.name); given != shapes.end()) {
      QAC_RETURN_IF_ERROR(check_given_shape(spec, given->second, model_label));
      resolved[spec.name] = given->second;
      continue;
    }
    std::vector<int64_t> shape = spec.shape;
    if (!shape.empty() && shape[0] < 0) shape[0] = batch;
    if (std::any_of(shape.begin(), shape.end(), [](int64_t d) { return d < 0; })) {
      return Status::InvalidArgument(input_of(spec, model_label) + " has shape " + shape_to_string(spec.shape) +
                                     ", symbolic (?) beyond its first dimension: its shape must be given");
    }
    resolved[spec.name] = std::move(shape);
  }
  return resolved;
}

Result<NamedTensors> random_feeds(const std::vector<ValueSpec>& inputs, const InputShapes& shapes, int64_t batch,
                                  const std::string& model_label, uint32_t seed) {
  QAC_ASSIGN_OR_RETURN(const InputShapes resolved, resolve_input_shapes(inputs, shapes, batch, model_label));
  std::mt19937 rng(seed);
  NamedTensors feeds;
  for (const ValueSpec& spec : inputs) {
    Tensor t(spec.dtype, resolved.at(spec.name));  // zero-filled
    if (spec.dtype == DType::kFloat32) fill_uniform<float>(t, rng);
    if (spec.dtype == DType::kFloat64) fill_uniform<double>(t, rng);
    feeds[spec.name] = std::move(t);
  }
  return feeds;
}

}  // namespace qac
