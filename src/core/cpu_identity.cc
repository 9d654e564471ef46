#include "core/cpu_identity.h"

#include <fstream>

namespace qac {

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  for (const char* key : {"model name", "Hardware", "CPU part"}) {
    in.clear();
    in.seekg(0);
    while (std::getline(in, line)) {
      if (line.rfind(key, 0) != 0) continue;
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      size_t begin = colon + 1;
      while (begin < line.size() && line[begin] == ' ') ++begin;
      return line.substr(begin);
    }
  }
  return "unknown CPU";
}

}  // namespace qac
