// qac bench MODEL [MODEL...] [--data DIR | --shape NAME=DIMS...] [--batch B] [--threads N]
//           [--runs R] [--warmup W] [--json FILE] [--profile]
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <iterator>

#include <nlohmann/json.hpp>

#include "bench_inputs.h"
#include "cli_common.h"
#include "commands.h"
#include "core/atomic_file.h"
#include "output_paths.h"
#include "qac/benchmark.h"
#include "validators.h"

namespace qac::cli {
namespace {

// Profiled runs per model behind --profile; a node's time is its median over them.
constexpr int kProfiledRuns = 5;
// Op types listed per model by --profile.
constexpr size_t kTopOpTypes = 10;

struct BenchArgs {
  std::vector<std::string> models, shapes;
  std::string data, json;
  int threads = 1;
  size_t batch = 1;
  int runs = 15;
  int warmup = 3;
  bool profile = false;
  LogFlags log;
};

// "5.12 G", "840 k": a count with an SI prefix.
std::string si(double value) {
  const char* prefixes[] = {"", " k", " M", " G", " T"};
  size_t p = 0;
  while (std::abs(value) >= 1000 && p + 1 < std::size(prefixes)) {
    value /= 1000;
    ++p;
  }
  char text[32];
  std::snprintf(text, sizeof text, p == 0 ? "%.0f%s" : "%.3g%s", value, prefixes[p]);
  return text;
}

std::string threads_text(int threads) {
  if (threads == 0) return "all cores";
  return std::to_string(threads) + (threads == 1 ? " thread" : " threads");
}

std::string inputs_text(const NamedTensors& feeds, const std::string& data) {
  std::string text;
  for (const auto& [name, tensor] : feeds) {
    text += (text.empty() ? "" : ", ") + name + " " + dtype_name(tensor.dtype) + " " + shape_to_string(tensor.shape);
  }
  return text + (data.empty() ? " (random values)" : " (from " + data + ")");
}

void print_table(const LatencyComparison& c) {
  size_t width = std::string("model").size();
  for (const ModelLatency& m : c.models) width = std::max(width, m.label.size());
  const int w = static_cast<int>(width);
  std::printf("%-*s  %9s  %8s  %8s  %6s  %9s  %9s\n", w, "model", "median ms", "p10 ms", "p90 ms", "ratio", "MACs",
              "int8 MACs");
  for (const ModelLatency& m : c.models) {
    std::string macs = "-", int8_share = "-";
    if (m.coverage) {
      macs = si(m.coverage->total_macs());
      const double share = m.coverage->share();
      if (!std::isnan(share)) {
        char text[16];
        std::snprintf(text, sizeof text, "%.1f%%", 100 * share);
        int8_share = text;
      }
    }
    std::printf("%-*s  %9.3f  %8.3f  %8.3f  %6.3f  %9s  %9s\n", w, m.label.c_str(), m.median_ms, m.p10_ms, m.p90_ms,
                m.ratio_to_first, macs.c_str(), int8_share.c_str());
  }
}

void print_op_type_times(const ModelLatency& m) {
  double total = 0;
  for (const OpTypeTime& t : m.op_type_times) total += t.microseconds;
  std::printf("\ntime per op type in %s (%.3f ms over all nodes, each node's median of %d profiled runs):\n",
              m.label.c_str(), total / 1000, kProfiledRuns);
  for (size_t i = 0; i < m.op_type_times.size() && i < kTopOpTypes; ++i) {
    const OpTypeTime& t = m.op_type_times[i];
    std::printf("  %-24s %9.3f ms  %5.1f%%  %4d node%s\n", t.op_type.c_str(), t.microseconds / 1000,
                total > 0 ? 100 * t.microseconds / total : 0.0, t.nodes, t.nodes == 1 ? "" : "s");
  }
  if (m.op_type_times.size() > kTopOpTypes) {
    std::printf("  (%zu more op types)\n", m.op_type_times.size() - kTopOpTypes);
  }
}

nlohmann::json to_json(const LatencyComparison& c, const BenchArgs& a, const NamedTensors& feeds) {
  nlohmann::json inputs = nlohmann::json::object();
  for (const auto& [name, tensor] : feeds) inputs[name] = {{"dtype", dtype_name(tensor.dtype)}, {"shape", tensor.shape}};
  nlohmann::json models = nlohmann::json::array();
  for (const ModelLatency& m : c.models) {
    nlohmann::json j = {{"model", m.label},          {"median_ms", m.median_ms}, {"p10_ms", m.p10_ms},
                        {"p90_ms", m.p90_ms},        {"ratio_to_first", m.ratio_to_first},
                        {"run_ms", m.run_ms}};
    if (m.coverage) {
      const double share = m.coverage->share();
      j["int8_coverage"] = std::isnan(share) ? nlohmann::json(nullptr) : nlohmann::json(share);
      j["macs"] = {{"int8", m.coverage->int8_macs},
                   {"float", m.coverage->float_macs},
                   {"weight_only", m.coverage->weight_only_macs}};
    }
    if (a.profile) {
      nlohmann::json times = nlohmann::json::array();
      for (const OpTypeTime& t : m.op_type_times) {
        times.push_back({{"op_type", t.op_type}, {"ms", t.microseconds / 1000}, {"nodes", t.nodes}});
      }
      j["op_type_times"] = times;
    }
    models.push_back(j);
  }
  return {{"threads", a.threads},
          {"batch", a.batch},
          {"warmup_runs", a.warmup},
          {"timed_runs", a.runs},
          {"profiled_runs", a.profile ? kProfiledRuns : 0},
          {"data", a.data.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.data)},
          {"inputs", inputs},
          {"models", models}};
}

Result<NamedTensors> bench_feeds(const BenchArgs& a, const std::vector<BenchModel>& models) {
  QAC_ASSIGN_OR_RETURN(const InputShapes shapes, parse_input_shapes(a.shapes));
  const int64_t batch = static_cast<int64_t>(a.batch);
  QAC_ASSIGN_OR_RETURN(const std::vector<ValueSpec> inputs, shared_inputs(models, shapes, batch));
  if (!a.data.empty()) return dataset_feeds(a.data, inputs, a.batch, models[0].path);
  Result<NamedTensors> feeds = random_inputs(inputs, shapes, batch, models[0].path);
  if (!feeds.ok() && a.shapes.empty()) {  // then the error is a shape the user has to give
    return Status(feeds.status().code(), feeds.status().message() + " (--shape NAME=DIMS, e.g. x=1x3x320x320)");
  }
  return feeds;
}

int run(const BenchArgs& a) {
  apply_log_flags(a.log);
  std::vector<std::filesystem::path> inputs(a.models.begin(), a.models.end());
  inputs.push_back(a.data);
  if (Status s = check_output_paths({{"--json", a.json}}, inputs); !s.ok()) return fail(s);
  std::vector<BenchModel> models;
  for (const std::string& path : a.models) {
    auto model = Model::load(path);
    if (!model.ok()) return fail(model.status());
    models.push_back({path, std::move(model).value()});
  }
  auto feeds = bench_feeds(a, models);
  if (!feeds.ok()) return fail(feeds.status());
  LatencyOptions options;
  std::vector<Model> to_time;
  for (BenchModel& m : models) {
    options.labels.push_back(m.path);
    to_time.push_back(std::move(m.model));
  }
  models.clear();
  options.threads = a.threads;
  options.warmup_runs = a.warmup;
  options.timed_runs = a.runs;
  options.profiled_runs = a.profile ? kProfiledRuns : 0;
  auto comparison = compare_latency(to_time, *feeds, options);
  if (!comparison.ok()) return fail(comparison.status());
  if (!a.json.empty()) {
    if (Status s = write_file_atomically(a.json, to_json(*comparison, a, *feeds).dump(2) + "\n"); !s.ok()) return fail(s);
  }
  std::printf("inputs: %s\n", inputs_text(*feeds, a.data).c_str());
  std::printf("%s, %d warm-up and %d timed rounds, models interleaved\n", threads_text(a.threads).c_str(), a.warmup,
              a.runs);
  print_table(*comparison);
  if (a.profile) {
    for (const ModelLatency& m : comparison->models) print_op_type_times(m);
  }
  return kExitOk;
}

}  // namespace

void add_bench_command(CLI::App& root, int& exit_code) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = root.add_subcommand(
      "bench", "Time models in ONNX Runtime on the same inputs, interleaved, and show how much runs in int8");
  cmd->add_option("models", args->models, "ONNX models; ratios are to the first")->required();
  auto* data = cmd->add_option("--data", args->data,
                               "Dataset folder (<input>.npy or test_data_set_*); its first --batch samples are fed. "
                               "Without it, random values");
  cmd->add_option("--shape", args->shapes,
                  "Shape of a random input, NAME=DIMS (e.g. x=1x3x320x320); needed for symbolic dimensions "
                  "beyond the first, which is --batch")
      ->check(input_shape_flag())
      ->excludes(data);
  cmd->add_option("--batch", args->batch, "Samples per run")->check(positive_integer())->capture_default_str();
  cmd->add_option("--threads", args->threads, "ONNX Runtime intra-op threads (0 = all cores)")
      ->check(non_negative_number())->capture_default_str();
  cmd->add_option("--runs", args->runs, "Timed rounds; each runs every model once")
      ->check(positive_integer())->capture_default_str();
  cmd->add_option("--warmup", args->warmup, "Untimed rounds before timing")
      ->check(CLI::Range(0, INT_MAX))->capture_default_str();
  cmd->add_option("--json", args->json, "Also write every measurement here as JSON");
  cmd->add_flag("--profile", args->profile,
                "Also show where the time goes: time per op type, from " + std::to_string(kProfiledRuns) +
                    " profiled runs per model");
  add_log_flags(*cmd, args->log);
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace qac::cli
