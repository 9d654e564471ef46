// How the subcommands write their outputs: all or nothing (core/atomic_file.h).
#pragma once

#include <filesystem>
#include <string>

#include "qac/model.h"
#include "qac/status.h"

namespace qac::cli {

// Writes `model` to `model_path` and, when `report_path` is not empty, `report_text` to it.
// Both are written atomically, and the report is put in place only once the model is: on
// error neither path has been touched (the rare failure to rename the report after the model
// leaves the model written and is reported as an error naming the report).
Status write_outputs(const Model& model, const std::filesystem::path& model_path,
                     const std::filesystem::path& report_path, const std::string& report_text);

}  // namespace qac::cli
