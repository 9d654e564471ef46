// AccuracyControlOptions from the flat dict the Python layer builds (qac/_options.py): every key
// is an option's C++ name, enum values spelled as in the CLI and the JSON report.
#pragma once

#include <pybind11/pybind11.h>

#include "qac/accuracy_control.h"

namespace qac::python {

namespace py = pybind11;

// ValueError (raised) for an unknown key or value. REQUIRES: the GIL is held.
AccuracyControlOptions options_from_dict(const py::dict& values);

}  // namespace qac::python
