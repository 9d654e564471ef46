#include "onnx/normalize_log.h"

#include "core/log.h"

namespace qac {

void NormalizeLog::add(const std::string& message) {
  entries.push_back(message);
  QAC_LOG(kInfo) << message;
}

void NormalizeLog::warn(const std::string& message) {
  entries.push_back("warning: " + message);
  QAC_LOG(kWarning) << message;
}

}  // namespace qac
