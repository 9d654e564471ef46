// ONNX Runtime kernels of the operators declared in runtime/observer_ops.h.
#pragma once

#include <onnxruntime_cxx_api.h>

namespace qac {

// Makes the observer operators available to sessions created with `options`. The kernels live
// for the whole process.
void add_observer_kernels(Ort::SessionOptions& options);

}  // namespace qac
