// A qac::Dataset over a Python qac.Dataset: an iterable of items and a transform_fn that turns
// an item into model inputs (batch axis first, or for an input without a leading batch axis, a
// scalar or a state [2, B, 128], the whole input of one sample: the item is then one sample). Items are pulled lazily, one at a time; the
// dataset keeps only the item being read. Reading earlier rows than the current item starts a
// new pass over the iterable, so the iterable must yield the same items in the same order on
// every pass (a DataLoader without shuffling, a list, a generator function).
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "py_errors.h"
#include "qac/accuracy_control.h"
#include "qac/dataset.h"

namespace qac::python {

namespace py = pybind11;

class ItemsDataset : public Dataset {
 public:
  // Pulls items of `source` (a qac.Dataset) once, up to `max_samples` samples (0 = every
  // item), to count their samples, check their inputs against `inputs` and collect labels.
  // `role` ("calibration dataset") names the data in messages. Exceptions of the user's
  // functions are kept in `errors`. REQUIRES: the GIL is held; `errors` outlives the dataset.
  static Result<std::unique_ptr<ItemsDataset>> open(py::object source, std::vector<ValueSpec> inputs,
                                                    size_t max_samples, CallbackErrors& errors, std::string role);
  // REQUIRES: the GIL is held (it releases its Python objects).
  ~ItemsDataset() override;

  size_t size() const override { return size_; }
  std::vector<std::string> input_names() const override;
  Result<std::pair<DType, std::vector<int64_t>>> input_spec(const std::string& name) const override;
  // Takes the GIL while it pulls items.
  Result<NamedTensors> read(size_t begin, size_t count) const override;
  const std::optional<Labels>& labels() const override { return labels_; }
  std::string description() const override { return role_; }

  // Items counted (the last may be used in part when max_samples cut it).
  size_t num_items() const { return first_rows_.size() - 1; }
  // The first sample of `item`; first_sample(num_items()) is the number of samples counted.
  size_t first_sample(size_t item) const { return first_rows_[item]; }
  const py::object& source() const { return source_; }

 private:
  ItemsDataset(py::object source, std::vector<ValueSpec> inputs, CallbackErrors& errors, std::string role);
  // The model inputs of the next item of the current pass (null when the iterable is exhausted);
  // `raw`, when given, receives the item itself.
  Result<std::optional<NamedTensors>> pull_next(py::object* raw = nullptr) const;
  // Makes item `item` the current one (cached_), starting a new pass when it lies behind.
  Status load(size_t item) const;
  Status restart() const;

  py::object source_;
  std::vector<ValueSpec> inputs_;
  CallbackErrors& errors_;
  std::string role_;
  std::vector<size_t> first_rows_{0};
  size_t size_ = 0;
  std::optional<Labels> labels_;
  // Reading state: the iterator of the current pass, the index of the item it yields next, and
  // the item last loaded.
  mutable py::object iterator_;
  mutable size_t next_item_ = 0;
  mutable size_t cached_item_ = SIZE_MAX;
  mutable NamedTensors cached_;
};

}  // namespace qac::python
