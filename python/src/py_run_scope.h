// What a call from Python into a qac run sets up, and restores when it ends: log lines go to
// Python's logging (logger "qac", its effective level), progress to stderr as the CLI draws
// it, and Ctrl-C (Python's pending signals, checked between batches) cancels the run.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>

#include "py_errors.h"
#include "qac/run_control.h"

namespace qac::python {

namespace py = pybind11;

class RunScope {
 public:
  // REQUIRES: the GIL is held; `errors` outlives the scope.
  explicit RunScope(CallbackErrors& errors);
  ~RunScope();
  RunScope(const RunScope&) = delete;
  RunScope& operator=(const RunScope&) = delete;

 private:
  LogLevel previous_level_;
  ScopedCancelCheck cancel_;
};

}  // namespace qac::python
