// How the subcommands write their outputs: all or nothing (core/atomic_file.h).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "qac/model.h"
#include "qac/status.h"

namespace qac::cli {

// A text output of a run (JSON report, HTML page); an empty path means not requested.
struct TextOutput {
  std::filesystem::path path;
  std::string text;
};

// Writes `model` to `model_path` and every requested text output. All are written atomically:
// the texts are staged first, and put in place only once the model is, so on error no path has
// been touched (the rare failure to rename a text after the model leaves the model written and
// is reported as an error naming that file).
Status write_outputs(const Model& model, const std::filesystem::path& model_path,
                     const std::vector<TextOutput>& texts);

}  // namespace qac::cli
