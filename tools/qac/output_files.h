// Where the subcommands write: checked before any work starts, written all or nothing.
#pragma once

#include <filesystem>
#include <string>

#include "qac/model.h"
#include "qac/status.h"

namespace qac::cli {

// OK when a file can be created at `path`: its folder exists and is writable and `path` is not
// a folder. `what` names the option in messages ("output model", "report"). An empty `path`
// (option not given) is OK.
Status check_writable_file(const std::filesystem::path& path, const std::string& what);

// Writes `text` to a temporary file next to `path` and renames it over `path`: the file is
// either complete or untouched. IoError naming `path` on failure.
Status write_text_atomically(const std::filesystem::path& path, const std::string& text);

// Writes `report_text` to `report_path` (unless it is empty), then `model` to `model_path`, both
// atomically. On error the model path is untouched and the report just written is removed.
Status write_outputs(const Model& model, const std::filesystem::path& model_path,
                     const std::filesystem::path& report_path, const std::string& report_text);

}  // namespace qac::cli
