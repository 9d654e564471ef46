#include "py_validator.h"

#include <functional>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "py_tensor.h"

namespace qac::python {
namespace {

py::list describe(const std::vector<ValueSpec>& specs) {
  py::list out;
  for (const ValueSpec& s : specs) out.append(py::make_tuple(s.name, numpy_dtype_name(s.dtype), s.shape));
  return out;
}

}  // namespace

const CompiledModel& ModelHandle::model() const {
  if (!model_) throw std::runtime_error("this compiled model belongs to a finished evaluation; use it only inside validation_fn");
  return *model_;
}

py::list ModelHandle::inputs() const { return describe(model().inputs()); }
py::list ModelHandle::outputs() const { return describe(model().outputs()); }

py::list ModelHandle::run(const py::list& arrays) const {
  const CompiledModel& m = model();
  if (arrays.size() != m.inputs().size()) {
    throw py::value_error("compiled_model got " + std::to_string(arrays.size()) + " inputs; the model takes " +
                          std::to_string(m.inputs().size()));
  }
  NamedTensors feeds;
  for (size_t i = 0; i < m.inputs().size(); ++i) {
    const ValueSpec& spec = m.inputs()[i];
    const std::string what = "compiled_model's input '" + spec.name + "'";
    Tensor t = value_or_raise(tensor_from_array(arrays[i].cast<py::array>(), what));
    if (t.dtype != spec.dtype) {
      throw py::value_error(what + " has dtype " + numpy_dtype_name(t.dtype) + "; the model takes " +
                            numpy_dtype_name(spec.dtype));
    }
    bool shape_ok = t.shape.size() == spec.shape.size();
    for (size_t d = 0; shape_ok && d < t.shape.size(); ++d) shape_ok = spec.shape[d] < 0 || spec.shape[d] == t.shape[d];
    if (!shape_ok) {
      throw py::value_error(what + " has shape " + shape_to_string(t.shape) + "; the model takes " +
                            shape_to_string(spec.shape));
    }
    feeds.emplace(spec.name, std::move(t));
  }
  Result<std::vector<Tensor>> outputs = Status::Internal("not run");
  {
    py::gil_scoped_release release;
    outputs = m.run(feeds);
  }
  std::vector<Tensor> tensors = value_or_raise(std::move(outputs));
  py::list out;
  for (Tensor& t : tensors) out.append(array_from_tensor(std::move(t)));
  return out;
}

PyValidator::PyValidator(py::object fn, std::string name, const ItemsDataset& items, CallbackErrors& errors)
    : fn_(std::move(fn)), name_(std::move(name)), identity_(name_), items_(items), errors_(errors) {
  if (py::hasattr(fn_, "__code__")) {
    const std::string code = py::bytes(fn_.attr("__code__").attr("co_code"));
    identity_ += " bytecode " + std::to_string(std::hash<std::string>{}(code));
  }
}

PyValidator::~PyValidator() { fn_ = py::object(); }

Result<MetricValue> PyValidator::evaluate(const CompiledModel& model, const std::vector<size_t>& items) {
  py::gil_scoped_acquire gil;
  py::object handle = py::cast(ModelHandle(&model));
  const size_t expected = items.empty() ? items_.num_items() : items.size();
  try {
    if (errors_.check_signals()) return Status::Cancelled("interrupted");
    py::module_ support = py::module_::import("qac._validation");
    py::object compiled = support.attr("CompiledModel")(handle);
    py::object data = items_.source().attr("_items")(items.empty() ? py::object(py::none()) : py::cast(items));
    py::object result = fn_(compiled, data);
    handle.cast<ModelHandle&>().expire();
    py::tuple parsed = support.attr("parse_validation_result")(result, name_, expected);
    MetricValue v;
    v.value = parsed[0].cast<double>();
    if (!parsed[1].is_none()) v.per_sample = parsed[1].cast<std::vector<double>>();
    return v;
  } catch (py::error_already_set& e) {
    handle.cast<ModelHandle&>().expire();
    return errors_.capture(e, "validation_fn '" + name_ + "'");
  }
}

}  // namespace qac::python
