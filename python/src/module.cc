// The extension module qac._qac: the C++ engine behind the Python package (python/qac). The
// Python layer normalizes arguments (models to bytes, NNCF's parameter objects to one options
// dict); this layer opens the datasets, runs qac with the GIL released and turns failures into
// Python exceptions.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "py_dataset.h"
#include "py_errors.h"
#include "py_options.h"
#include "py_run_scope.h"
#include "py_tensor.h"
#include "py_validator.h"
#include "qac/accuracy_control.h"
#include "qac/metric.h"
#include "qac/quantize.h"
#include "qac/version.h"

namespace qac::python {
namespace {

std::vector<ValueSpec> specs_from(const py::list& inputs) {
  std::vector<ValueSpec> specs;
  for (py::handle h : inputs) {
    auto t = h.cast<py::tuple>();
    specs.push_back(ValueSpec{t[0].cast<std::string>(), dtype_from_numpy_name(t[1].cast<std::string>()),
                               t[2].cast<std::vector<int64_t>>()});
  }
  return specs;
}

std::vector<std::string> names_of(const std::vector<ValueSpec>& specs) {
  std::vector<std::string> names;
  for (const ValueSpec& s : specs) names.push_back(s.name);
  return names;
}

// A qac.Dataset as a qac::Dataset: a folder of .npy files is read by qac itself (no Python per
// batch); anything else through its items.
Result<std::unique_ptr<Dataset>> open_data(const py::object& dataset, const std::vector<ValueSpec>& inputs,
                                           size_t max_samples, CallbackErrors& errors, const std::string& role) {
  py::object folder = dataset.attr("_folder");
  if (!folder.is_none()) return open_dataset(folder.cast<std::string>(), names_of(inputs));
  QAC_ASSIGN_OR_RETURN(auto items, ItemsDataset::open(dataset, inputs, max_samples, errors, role));
  return std::unique_ptr<Dataset>(std::move(items));
}

Model load_model(const py::bytes& bytes, const std::string& label) {
  return value_or_raise(Model::from_bytes(std::string(bytes), label));
}

py::tuple quantize(const py::bytes& model_bytes, const std::string& label, const py::list& inputs,
                   const py::object& calibration, const py::dict& option_values) {
  const AccuracyControlOptions options = options_from_dict(option_values);
  const std::vector<ValueSpec> specs = specs_from(inputs);
  const Model model = load_model(model_bytes, label);
  CallbackErrors errors;
  RunScope scope(errors);
  auto calib = open_data(calibration, specs, options.subset_size, errors, "calibration dataset");
  if (!calib.ok()) raise_status(calib.status(), &errors);
  QuantizationReport report;
  Result<Model> result = Status::Internal("not run");
  {
    py::gil_scoped_release release;
    result = qac::quantize(model, **calib, options, &report);
  }
  Model q = value_or_raise(std::move(result), &errors);
  return py::make_tuple(py::bytes(q.serialize()), report.to_json());
}

py::tuple quantize_with_accuracy_control(const py::bytes& model_bytes, const std::string& label,
                                         const py::list& inputs, const py::object& calibration,
                                         const py::object& validation, const py::object& validation_fn,
                                         const std::string& fn_name, const py::object& metric,
                                         const py::dict& option_values) {
  const AccuracyControlOptions options = options_from_dict(option_values);
  const std::vector<ValueSpec> specs = specs_from(inputs);
  const Model model = load_model(model_bytes, label);
  CallbackErrors errors;
  RunScope scope(errors);
  auto calib = open_data(calibration, specs, options.subset_size, errors, "calibration dataset");
  if (!calib.ok()) raise_status(calib.status(), &errors);
  AccuracyControlReport report;
  Result<Model> result = Status::Internal("not run");
  if (!validation_fn.is_none()) {
    if (!validation.attr("_folder").is_none()) {
      throw py::value_error("validation_fn receives the items of the validation dataset: give it a data source, "
                            "not a folder (or a built-in metric by name)");
    }
    auto items = ItemsDataset::open(validation, specs, 0, errors, "validation dataset");
    if (!items.ok()) raise_status(items.status(), &errors);
    PyValidator validator(validation_fn, fn_name, **items, errors);
    {
      py::gil_scoped_release release;
      result = qac::quantize_with_accuracy_control(model, **calib, **items, validator, options, &report);
    }
  } else {
    auto val = open_data(validation, specs, 0, errors, "validation dataset");
    if (!val.ok()) raise_status(val.status(), &errors);
    MetricSpec spec;
    spec.name = metric.attr("name").cast<std::string>();
    spec.dictionary_path = metric.attr("dictionary").cast<std::string>();
    spec.output_index = metric.attr("output_index").cast<int>();
    value_or_raise(make_metric(spec));  // a bad name or dictionary fails here, before any work
    const MetricFactory factory = [spec] { return make_metric(spec); };
    {
      py::gil_scoped_release release;
      result = qac::quantize_with_accuracy_control(model, **calib, **val, factory, options, &report);
    }
  }
  Model q = value_or_raise(std::move(result), &errors);
  return py::make_tuple(py::bytes(q.serialize()), report.to_json(), report.summary());
}

void save(const py::bytes& model_bytes, const std::string& path) {
  const Model model = load_model(model_bytes, path);
  Status s;
  {
    py::gil_scoped_release release;
    s = model.save(path);
  }
  if (!s.ok()) raise_status(s);
}

}  // namespace
}  // namespace qac::python

PYBIND11_MODULE(_qac, m) {
  namespace py = pybind11;
  using namespace qac::python;
  m.doc() = "The C++ engine of the qac package; use the functions of `qac` instead.";
  m.attr("version") = qac::version();
  m.attr("kEveryOutput") = qac::kEveryOutput;
  m.attr("kAllOutputs") = qac::kAllOutputs;
  m.attr("kDefaultOutput") = qac::kDefaultOutput;
  m.def("builtin_metric_names", &qac::builtin_metric_names, "Names of the built-in metrics.");
  m.def("quantize", &quantize, "qac.quantize's engine: (model bytes, label, inputs, calibration, options) -> "
        "(model bytes, report JSON).");
  m.def("quantize_with_accuracy_control", &quantize_with_accuracy_control,
        "qac.quantize_with_accuracy_control's engine -> (model bytes, report JSON, summary).");
  m.def("save", &save, "Writes serialized model bytes to a path atomically.");
  py::class_<ModelHandle>(m, "ModelHandle", "A candidate model lent to validation_fn for one evaluation.")
      .def("inputs", &ModelHandle::inputs)
      .def("outputs", &ModelHandle::outputs)
      .def("run", &ModelHandle::run, "Runs the model on arrays in input order; returns the output arrays.");
}
