#include "py_dataset.h"

#include <algorithm>

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "py_tensor.h"

namespace qac::python {
namespace {

std::string item_label(size_t item) { return "item " + std::to_string(item); }

// Whether transform_fn gives input `spec` as the whole input of one sample rather than batch
// axis first: a scalar, or an input whose first dimension is fixed while a later one is free
// (its batch axis is not first, as Silero VAD's state [2, B, 128]). An item feeding such an
// input is one sample.
bool takes_whole_input(const ValueSpec& spec) {
  if (spec.shape.empty()) return true;
  if (spec.shape[0] < 0) return false;
  for (size_t d = 1; d < spec.shape.size(); ++d) {
    if (spec.shape[d] < 0) return true;
  }
  return false;
}

}  // namespace

ItemsDataset::ItemsDataset(py::object source, std::vector<ValueSpec> inputs, CallbackErrors& errors,
                           std::string role)
    : source_(std::move(source)), inputs_(std::move(inputs)), errors_(errors), role_(std::move(role)) {}

ItemsDataset::~ItemsDataset() {
  iterator_ = py::object();
  source_ = py::object();
}

std::vector<std::string> ItemsDataset::input_names() const {
  std::vector<std::string> names;
  for (const ValueSpec& s : inputs_) names.push_back(s.name);
  return names;
}

Result<std::pair<DType, std::vector<int64_t>>> ItemsDataset::input_spec(const std::string& name) const {
  for (const ValueSpec& s : inputs_) {
    if (s.name != name) continue;
    // A sample's shape: the model's without its batch axis, or its whole shape (takes_whole_input);
    // the first item's (stored stacked), where the model leaves a dim free.
    std::vector<int64_t> sample(s.shape.begin() + (takes_whole_input(s) ? 0 : 1), s.shape.end());
    if (auto it = cached_.find(name); it != cached_.end() && it->second.shape.size() == sample.size() + 1) {
      sample.assign(it->second.shape.begin() + 1, it->second.shape.end());
    }
    return std::make_pair(s.dtype, sample);
  }
  return Status::NotFound(role_ + " has no input '" + name + "'");
}

Status ItemsDataset::restart() const {
  try {
    iterator_ = source_.attr("_fresh_iterator")();
  } catch (py::error_already_set& e) {
    return errors_.capture(e, role_);
  }
  next_item_ = 0;
  return Status::Ok();
}

Result<std::optional<NamedTensors>> ItemsDataset::pull_next(py::object* raw_item) const {
  const size_t index = next_item_;
  try {
    if (errors_.check_signals()) return Status::Cancelled("interrupted");
    py::object item;
    PyObject* raw = PyIter_Next(iterator_.ptr());
    if (!raw) {
      if (PyErr_Occurred()) throw py::error_already_set();
      return std::optional<NamedTensors>();
    }
    item = py::reinterpret_steal<py::object>(raw);
    ++next_item_;
    if (raw_item) *raw_item = item;
    py::list names, dtypes;
    for (const ValueSpec& s : inputs_) {
      names.append(s.name);
      dtypes.append(numpy_dtype_name(s.dtype));
    }
    py::list arrays = source_.attr("_model_inputs")(item, names, dtypes);
    NamedTensors tensors;
    int64_t rows = -1;
    bool one_sample = false;  // some input is fed whole: the item is one sample
    for (size_t i = 0; i < inputs_.size(); ++i) {
      const ValueSpec& spec = inputs_[i];
      const std::string what = "transform_fn's input '" + spec.name + "' for " + item_label(index) + " of the " + role_;
      QAC_ASSIGN_OR_RETURN(Tensor t, tensor_from_array(arrays[i].cast<py::array>(), what));
      const bool whole = takes_whole_input(spec);
      const char* layout = whole ? " (the whole input of one sample)" : " (batch axis first)";
      bool shape_ok = t.shape.size() == spec.shape.size() && (whole || !t.shape.empty());
      for (size_t d = whole ? 0 : 1; shape_ok && d < t.shape.size(); ++d) {
        shape_ok = spec.shape[d] < 0 || spec.shape[d] == t.shape[d];
      }
      if (!shape_ok) {
        return Status::InvalidData(what + " has shape " + shape_to_string(t.shape) + "; the model takes " +
                                   shape_to_string(spec.shape) + layout);
      }
      if (whole) {
        one_sample = true;
        t.shape.insert(t.shape.begin(), 1);  // stored stacked, as a batch of one sample
      } else if (rows >= 0 && t.shape[0] != rows) {
        return Status::InvalidData(what + " has " + std::to_string(t.shape[0]) + " samples, the other inputs " +
                                   std::to_string(rows));
      } else {
        rows = t.shape[0];
      }
      tensors.emplace(spec.name, std::move(t));
    }
    if (one_sample && rows > 1) {
      return Status::InvalidData(item_label(index) + " of the " + role_ + " feeds an input whole, so it is one "
                                 "sample, but its batched inputs hold " + std::to_string(rows) + " samples");
    }
    return std::optional<NamedTensors>(std::move(tensors));
  } catch (py::error_already_set& e) {
    return errors_.capture(e, "transform_fn");
  }
}

Result<std::unique_ptr<ItemsDataset>> ItemsDataset::open(py::object source, std::vector<ValueSpec> inputs,
                                                         size_t max_samples, CallbackErrors& errors, std::string role) {
  std::unique_ptr<ItemsDataset> ds(new ItemsDataset(std::move(source), std::move(inputs), errors, std::move(role)));
  QAC_RETURN_IF_ERROR(ds->restart());
  const bool want_labels = !ds->source_.attr("label_fn").is_none();
  Labels labels;
  while (max_samples == 0 || ds->first_rows_.back() < max_samples) {
    py::object raw;
    QAC_ASSIGN_OR_RETURN(std::optional<NamedTensors> item, ds->pull_next(want_labels ? &raw : nullptr));
    if (!item) break;
    const size_t rows = static_cast<size_t>(item->begin()->second.shape[0]);
    ds->first_rows_.push_back(ds->first_rows_.back() + rows);
    if (ds->first_rows_.size() == 2) ds->cached_ = std::move(*item);  // its shapes serve input_spec()
    if (!want_labels) continue;
    try {
      py::object item_labels = ds->source_.attr("_labels")(raw, rows);
      for (py::handle l : item_labels) {
        if (py::isinstance<py::str>(l)) {
          labels.texts.push_back(l.cast<std::string>());
        } else {
          labels.classes.push_back(l.cast<int64_t>());
        }
      }
    } catch (py::error_already_set& e) {
      return errors.capture(e, "label_fn");
    }
  }
  if (ds->num_items() == 0) return Status::InvalidData(ds->role_ + " yielded no item");
  ds->size_ = max_samples ? std::min(max_samples, ds->first_rows_.back()) : ds->first_rows_.back();
  if (want_labels) {
    if (labels.size() < ds->first_rows_.back() || (!labels.classes.empty() && !labels.texts.empty())) {
      return Status::InvalidData("label_fn of the " + ds->role_ + " gave " + std::to_string(labels.size()) +
                                 " labels (of one kind) for " + std::to_string(ds->first_rows_.back()) + " samples");
    }
    ds->labels_ = std::move(labels);
  }
  ds->cached_item_ = SIZE_MAX;
  ds->cached_.clear();
  ds->iterator_ = py::object();
  ds->next_item_ = SIZE_MAX;  // the next read starts a new pass
  return ds;
}

Status ItemsDataset::load(size_t item) const {
  if (item == cached_item_) return Status::Ok();
  if (next_item_ > item) QAC_RETURN_IF_ERROR(restart());
  while (next_item_ <= item) {
    const size_t index = next_item_;
    QAC_ASSIGN_OR_RETURN(std::optional<NamedTensors> tensors, pull_next());
    if (!tensors) {
      return Status::InvalidData(role_ + " ended at item " + std::to_string(index) +
                                 " on a later pass; it must yield the same items on every pass");
    }
    if (index != item) continue;
    const size_t rows = static_cast<size_t>(tensors->begin()->second.shape[0]);
    if (rows != first_rows_[item + 1] - first_rows_[item]) {
      return Status::InvalidData(role_ + "'s item " + std::to_string(item) + " held " +
                                 std::to_string(first_rows_[item + 1] - first_rows_[item]) + " samples, now " +
                                 std::to_string(rows) + ": it must yield the same items on every pass (no shuffling)");
    }
    cached_ = std::move(*tensors);
    cached_item_ = item;
  }
  return Status::Ok();
}

Result<NamedTensors> ItemsDataset::read(size_t begin, size_t count) const {
  py::gil_scoped_acquire gil;
  if (begin + count > size_) return Status::Internal("read beyond the " + role_);
  std::map<std::string, std::vector<Tensor>> parts;
  size_t row = begin;
  while (row < begin + count) {
    const size_t item = static_cast<size_t>(std::upper_bound(first_rows_.begin(), first_rows_.end(), row) -
                                            first_rows_.begin()) - 1;
    QAC_RETURN_IF_ERROR(load(item));
    const size_t offset = row - first_rows_[item];
    const size_t take = std::min(begin + count, first_rows_[item + 1]) - row;
    for (const auto& [name, tensor] : cached_) {
      parts[name].push_back(offset == 0 && take == static_cast<size_t>(tensor.shape[0])
                                ? tensor
                                : tensor.slice_rows(static_cast<int64_t>(offset), static_cast<int64_t>(take)));
    }
    row += take;
  }
  NamedTensors out;
  for (auto& [name, list] : parts) {
    if (list.size() == 1) {
      out.emplace(name, std::move(list[0]));
      continue;
    }
    std::vector<const Tensor*> ptrs;
    for (const Tensor& t : list) ptrs.push_back(&t);
    out.emplace(name, concat_rows(ptrs));
  }
  return out;
}

}  // namespace qac::python
