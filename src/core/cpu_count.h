#pragma once

#include <cstddef>

namespace qac {

// The number of CPUs this process may run on (its affinity mask; the machine's count when the
// mask cannot be read), at least 1. ONNX Runtime's own default counts physical cores as its
// CPU detection reports them, which on some virtual machines is fewer than the cores the
// process can use; qac passes this count instead when the user asks for "all cores".
size_t available_cpus();

}  // namespace qac
