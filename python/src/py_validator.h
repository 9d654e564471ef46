// A Python validation_fn(compiled_model, validation_data) as a qac::ModelValidator, and the
// handle through which it runs the candidate model.
#pragma once

#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "py_dataset.h"
#include "py_errors.h"
#include "qac/accuracy_control.h"

namespace qac::python {

namespace py = pybind11;

// Bound as _qac.ModelHandle: runs a CompiledModel while the evaluation that lent it lasts;
// afterwards every call raises RuntimeError.
class ModelHandle {
 public:
  explicit ModelHandle(const CompiledModel* model) : model_(model) {}
  void expire() { model_ = nullptr; }
  // (name, numpy dtype name, shape) of each input / output.
  py::list inputs() const;
  py::list outputs() const;
  // Runs the model on `arrays` (one per input, in input order) with the GIL released; returns
  // the outputs as numpy arrays that own the result (no copy).
  py::list run(const py::list& arrays) const;

 private:
  const CompiledModel& model() const;
  const CompiledModel* model_;
};

class PyValidator : public ModelValidator {
 public:
  // `fn` is called as fn(CompiledModel, items) with the items of `items` (their source is the
  // Python qac.Dataset behind it). REQUIRES: the GIL is held at construction and destruction;
  // `items` and `errors` outlive the validator.
  PyValidator(py::object fn, std::string name, const ItemsDataset& items, CallbackErrors& errors);
  ~PyValidator() override;

  std::string name() const override { return name_; }
  // The name and a hash of the function's bytecode (a changed function gets another cache key;
  // what it reads besides its arguments, such as labels held elsewhere, is not covered).
  std::string identity() const override { return identity_; }
  size_t num_items() const override { return items_.num_items(); }
  size_t first_sample(size_t item) const override { return items_.first_sample(item); }
  // Takes the GIL for the call.
  Result<MetricValue> evaluate(const CompiledModel& model, const std::vector<size_t>& items) override;

 private:
  py::object fn_;
  std::string name_;
  std::string identity_;
  const ItemsDataset& items_;
  CallbackErrors& errors_;
};

}  // namespace qac::python
