// numpy arrays <-> qac::Tensor.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "qac/status.h"
#include "qac/tensor.h"

namespace qac::python {

namespace py = pybind11;

// A copy of `array` (any layout) as a Tensor. InvalidData naming `what` for dtypes qac has no
// tensor type for. REQUIRES: the GIL is held.
Result<Tensor> tensor_from_array(const py::array& array, const std::string& what);

// `tensor` as a numpy array that owns it: no copy. REQUIRES: the GIL is held.
py::array array_from_tensor(Tensor&& tensor);

// numpy's name of `dtype` ("float32", ...), and back (ValueError for other names).
const char* numpy_dtype_name(DType dtype);
DType dtype_from_numpy_name(const std::string& name);

}  // namespace qac::python
