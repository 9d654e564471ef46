// Where a subcommand will write, checked before any work starts, so that no run destroys a
// file it reads, writes two outputs to one file, or replaces something that is not a file.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "qac/status.h"

namespace qac::cli {

struct OutputPath {
  std::string option;           // how the user named it, for messages: "-o", "--report"
  std::filesystem::path path;   // empty: the option was not given
  bool folder_created = false;  // the run creates the folder when it is missing
};

// OK when every given output can be written without destroying anything:
//  - its folder exists and is writable (unless folder_created and it does not exist yet);
//  - it does not exist, or is a regular file (not a folder, device such as /dev/full, FIFO
//    or socket);
//  - it is not one of `inputs`, nor a file in an input folder or its direct subfolders (inputs
//    are the model files, dictionaries and data folders the run reads). Files are compared by
//    identity (device and inode), so other spellings and symbolic or hard links are caught;
//  - no two outputs are the same file (by identity, or by canonical path when they do not
//    exist yet).
// Errors name the option and the path: InvalidArgument for the rules on files, NotFound or
// IoError for a missing or unwritable folder.
Status check_output_paths(const std::vector<OutputPath>& outputs, const std::vector<std::filesystem::path>& inputs);

}  // namespace qac::cli
