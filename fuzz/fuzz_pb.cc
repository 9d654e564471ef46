// Fuzz target: ONNX test-data tensors. The bytes are parsed as a TensorProto and converted
// (to_tensor), then used as test_data_set_0/input_0.pb of a dataset folder that is opened and
// read as `--calibration` would be. Every input must end in a Status.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "fuzz_util.h"
#include "onnx/tensor_proto.h"
#include "qac/dataset.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  qac::fuzz::quiet_logs();
  std::filesystem::create_directories(qac::fuzz::scratch_dir() / "pb" / "test_data_set_0");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  onnx::TensorProto proto;
  if (proto.ParseFromArray(data, static_cast<int>(size))) (void)qac::to_tensor(proto);

  const std::filesystem::path dir = qac::fuzz::scratch_dir() / "pb";
  if (!qac::fuzz::write_file(dir / "test_data_set_0" / "input_0.pb", data, size)) return 0;
  auto dataset = qac::open_dataset(dir, {"x"});
  if (!dataset.ok()) return 0;
  const size_t n = (*dataset)->size();
  (void)(*dataset)->read(0, std::min<size_t>(n, 2));
  if (n > 0) (void)(*dataset)->read(n - 1, 1);
  return 0;
}
