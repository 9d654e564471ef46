// qac: post-training 8-bit quantization of ONNX models with accuracy control.
#include <CLI/CLI.hpp>

#include "cli_common.h"
#include "commands.h"
#include "qac/version.h"

int main(int argc, char** argv) {
  CLI::App app{"qac: 8-bit post-training quantization of ONNX models with accuracy control"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("qac ") + qac::version());
  int exit_code = qac::cli::kExitOk;
  qac::cli::add_quantize_command(app, exit_code);
  qac::cli::add_eval_command(app, exit_code);
  qac::cli::add_inspect_command(app, exit_code);
  qac::cli::add_bench_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? qac::cli::kExitOk : qac::cli::kExitUsage;
  }
  return exit_code;
}
