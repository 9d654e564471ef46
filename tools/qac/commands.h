// The qac subcommands. Each registers itself on the root app; its callback stores the exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace qac::cli {

void add_quantize_command(CLI::App& root, int& exit_code);
void add_eval_command(CLI::App& root, int& exit_code);
void add_inspect_command(CLI::App& root, int& exit_code);
void add_bench_command(CLI::App& root, int& exit_code);

}  // namespace qac::cli
