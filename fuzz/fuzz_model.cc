// Fuzz target: ONNX model bytes -> parse_model -> normalize (Constant nodes to initializers,
// opset upgrade to 13, checked shape inference, the ONNX checker), as `qac quantize` and
// `qac inspect` run them on a model file. Every input must end in a Status.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "onnx/model_io.h"
#include "onnx/normalize.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  qac::fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  qac::Result<onnx::ModelProto> model = qac::parse_model(bytes, "fuzz input");
  if (!model.ok()) return 0;
  qac::NormalizeLog log;
  (void)qac::normalize(*model, log);
  return 0;
}
