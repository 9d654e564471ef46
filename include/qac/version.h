// The version of the qac library (and tool) in use, "MAJOR.MINOR.PATCH".
#pragma once

namespace qac {

const char* version();

}  // namespace qac
