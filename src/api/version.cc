#include "qac/version.h"

namespace qac {

// QAC_VERSION comes from the project version in CMakeLists.txt.
const char* version() { return QAC_VERSION; }

}  // namespace qac
