#include "py_errors.h"

namespace qac::python {

Status CallbackErrors::capture(py::error_already_set& error, const std::string& where) {
  std::string what = error.what();
  if (!error_) error_ = std::move(error);
  if (error_->matches(PyExc_KeyboardInterrupt)) return Status::Cancelled("interrupted in " + where);
  return Status::InvalidData(where + " raised: " + what);
}

bool CallbackErrors::check_signals() {
  if (PyErr_CheckSignals() == 0) return false;
  py::error_already_set interrupted;
  (void)capture(interrupted, "a signal handler");
  return true;
}

void CallbackErrors::raise() {
  py::error_already_set error = std::move(*error_);
  error_.reset();
  throw error;
}

void raise_status(const Status& status, CallbackErrors* errors) {
  if (errors && errors->has_error()) errors->raise();
  const std::string& m = status.message();
  switch (status.code()) {
    case StatusCode::kNotFound:
      PyErr_SetString(PyExc_FileNotFoundError, m.c_str());
      break;
    case StatusCode::kIoError:
      PyErr_SetString(PyExc_OSError, m.c_str());
      break;
    case StatusCode::kCancelled:
      PyErr_SetString(PyExc_KeyboardInterrupt, m.c_str());
      break;
    case StatusCode::kInvalidArgument:
    case StatusCode::kInvalidModel:
    case StatusCode::kInvalidData:
    case StatusCode::kUnsupported:
      PyErr_SetString(PyExc_ValueError, m.c_str());
      break;
    default:
      PyErr_SetString(PyExc_RuntimeError, status.to_string().c_str());
      break;
  }
  throw py::error_already_set();
}

}  // namespace qac::python
