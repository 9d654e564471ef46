// Fuzz target: what a --metric-command prints. The first byte is the number of evaluated
// samples, the rest the command's output, parsed as qac parses it. Every input must end in a
// Status.
#include <cstddef>
#include <cstdint>
#include <string>

#include "metrics/metric_output.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string output(reinterpret_cast<const char*>(data) + 1, size - 1);
  (void)qac::parse_metric_output(output, data[0], "metric command 'fuzz'");
  return 0;
}
