// qac quantize MODEL --calibration DATA -o OUT [options]
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli_common.h"
#include "commands.h"
#include "qac/model.h"
#include "qac/quantize.h"

namespace qac::cli {
namespace {

struct QuantizeArgs {
  std::string model, calibration, output, report;
  QuantizeFlags flags;
  LogFlags log;
};

void print_summary(const QuantizationReport& r, const std::string& output) {
  std::printf("quantized model written to %s\n", output.c_str());
  std::printf("target %s, overflow fix %s, %zu calibration samples (statistics %.2fs, total %.2fs)\n",
              r.target.c_str(), r.overflow_fix.c_str(), r.calibration_samples, r.seconds_statistics,
              r.seconds_total);
  std::printf("%d activation quantizers, %d weight quantizers\n", r.activation_quantizers, r.weight_quantizers);
  std::printf("quantized ops per type:\n");
  for (const auto& [type, count] : r.quantized_ops_per_type) std::printf("  %-22s %d\n", type.c_str(), count);
  if (!r.skipped.empty()) std::printf("%zu nodes left in float (see --report or -v)\n", r.skipped.size());
}

Status write_text_atomically(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    if (!f || !(f << text) || !f.flush()) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      return Status::IoError("cannot write " + path.string());
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::IoError("cannot write " + path.string() + ": " + ec.message());
  return Status::Ok();
}

int run(const QuantizeArgs& a) {
  apply_log_flags(a.log);
  auto model = Model::load(a.model);
  if (!model.ok()) return fail(model.status());
  auto data = open_dataset(a.calibration);
  if (!data.ok()) return fail(data.status());
  QuantizationReport report;
  auto q = quantize(*model, **data, to_options(a.flags), &report);
  if (!q.ok()) return fail(q.status().with_context(a.model));
  if (Status s = q->save(a.output); !s.ok()) return fail(s);
  if (!a.report.empty()) {
    if (Status s = write_text_atomically(a.report, report.to_json()); !s.ok()) return fail(s);
  }
  print_summary(report, a.output);
  return kExitOk;
}

}  // namespace

void add_quantize_command(CLI::App& root, int& exit_code) {
  auto args = std::make_shared<QuantizeArgs>();
  CLI::App* cmd = root.add_subcommand("quantize", "Quantize an FP32 ONNX model to an INT8 QDQ model");
  cmd->add_option("model", args->model, "FP32 ONNX model")->required();
  cmd->add_option("--calibration", args->calibration,
                  "Calibration data: a folder of <input>.npy files or test_data_set_*/input_*.pb")
      ->required();
  cmd->add_option("-o,--output", args->output, "Where to write the quantized model")->required();
  cmd->add_option("--report", args->report, "Also write a JSON report of every decision here");
  add_quantize_flags(*cmd, args->flags);
  add_log_flags(*cmd, args->log);
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace qac::cli
