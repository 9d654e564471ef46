// Errors across the Python boundary. A Python exception raised in a user callback (transform_fn,
// validation_fn, the log handler) while C++ runs is kept, with its traceback, and raised again
// when the call returns to Python; C++ sees it as a Status naming the callback.
#pragma once

#include <pybind11/pybind11.h>

#include <optional>
#include <string>

#include "qac/status.h"

namespace qac::python {

namespace py = pybind11;

class CallbackErrors {
 public:
  // Keeps `error` (the first one only) and returns the Status that stops the C++ run.
  // REQUIRES: the GIL is held.
  Status capture(py::error_already_set& error, const std::string& where);
  // Checks for Ctrl-C (Python's pending signals) and keeps the KeyboardInterrupt it raises.
  // Returns true when the run must stop. REQUIRES: the GIL is held.
  bool check_signals();
  bool has_error() const { return error_.has_value(); }
  // Raises the kept exception. REQUIRES: has_error(), the GIL is held.
  [[noreturn]] void raise();

 private:
  std::optional<py::error_already_set> error_;
};

// Raises the Python exception for a failed Status: the kept callback exception if any, else
// ValueError (bad input or data), FileNotFoundError, OSError, KeyboardInterrupt (cancelled) or
// RuntimeError. REQUIRES: !status.ok(), the GIL is held.
[[noreturn]] void raise_status(const Status& status, CallbackErrors* errors = nullptr);

// The value of a Result, or raise_status().
template <typename T>
T value_or_raise(Result<T> result, CallbackErrors* errors = nullptr) {
  if (!result.ok()) raise_status(result.status(), errors);
  return std::move(result).value();
}

}  // namespace qac::python
