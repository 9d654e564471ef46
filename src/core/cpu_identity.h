#pragma once

#include <string>

namespace qac {

// The CPU's model name as the kernel reports it (/proc/cpuinfo "model name", or "Hardware" /
// "CPU part" lines on ARM); "unknown CPU" when none can be read.
std::string cpu_model_name();

}  // namespace qac
