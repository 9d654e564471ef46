// Calibration cost: the time to collect statistics for every activation a quantizer could
// observe, against the time of a plain FP32 pass over the same samples with the same batching,
// and the peak memory (which must not grow with the number of samples).
//
//   bench_calibration [--model M.onnx] [--data DIR] [--samples N] [--batch B] [--repeats R]
//                     [--opt all|basic|disabled]
//
// For each repeat, (a), (b) and (c) run interleaved; medians and minima are reported:
//   (a) FP32:       session creation + run_batches over N samples, fetching the model outputs
//   (b) statistics: collect_statistics over the same N samples for every floating-point tensor
//                   produced by a node of the main graph (an upper bound of what a quantizer
//                   observes), histograms on
//   (c) statistics: the same for the tensors place_quantizers() puts activation quantizers on
//                   (what quantization really observes), without histograms, as the pipeline
//                   collects them for the default estimator
// then the range estimators over the collected statistics, and the peak RSS. Run it with two
// sample counts (e.g. 100 and 300) to see that memory does not grow with the samples.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "core/log.h"
#include "onnx/model_io.h"
#include "onnx/normalize.h"
#include "qac/dataset.h"
#include "quant/placement.h"
#include "quant/range_estimator.h"
#include "quant/statistics.h"
#include "runtime/batching.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  // Defaults relative to the repository root.
  std::string model = "models/fashion_mnist_cnn.onnx";
  std::string data = "assets/data/fmnist/calibration";
  size_t samples = 300;
  size_t batch = qac::kDefaultBatchSize;
  int repeats = 9;
  qac::OptimizationLevel opt = qac::OptimizationLevel::kAll;
};

bool parse_args(int argc, char** argv, Args& a) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h" || i + 1 >= argc) return false;
    const std::string value = argv[++i];
    if (flag == "--model") a.model = value;
    else if (flag == "--data") a.data = value;
    else if (flag == "--samples") a.samples = std::strtoul(value.c_str(), nullptr, 10);
    else if (flag == "--batch") a.batch = std::strtoul(value.c_str(), nullptr, 10);
    else if (flag == "--repeats") a.repeats = std::max(1, std::atoi(value.c_str()));
    else if (flag == "--opt") {
      if (value == "all") a.opt = qac::OptimizationLevel::kAll;
      else if (value == "basic") a.opt = qac::OptimizationLevel::kBasic;
      else if (value == "disabled") a.opt = qac::OptimizationLevel::kDisabled;
      else return false;
    } else {
      return false;
    }
  }
  return true;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

double minimum(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;  // KiB on Linux
}

long current_rss_kib() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int fail(const qac::Status& s) {
  std::fprintf(stderr, "error: %s\n", s.to_string().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parse_args(argc, argv, args)) {
    std::fprintf(stderr,
                 "usage: %s [--model M.onnx] [--data DIR] [--samples N] [--batch B] "
                 "[--repeats R] [--opt all|basic|disabled]\n",
                 argv[0]);
    return 2;
  }
  qac::set_log_level(qac::LogLevel::kWarning);

  auto model = qac::load_model(args.model);
  if (!model.ok()) return fail(model.status());
  qac::NormalizeLog normalize_log;
  if (qac::Status s = qac::normalize(model.value(), normalize_log); !s.ok()) return fail(s);
  auto data = qac::open_dataset(args.data);
  if (!data.ok()) return fail(data.status());
  const qac::Dataset& dataset = *data.value();
  const size_t samples = std::min(args.samples, dataset.size());

  qac::StatisticsRequest request;
  for (const onnx::NodeProto& node : model->graph().node()) {
    for (const std::string& out : node.output()) {
      if (!out.empty()) request.tensors.push_back(out);
    }
  }
  auto setup = qac::place_quantizers(model.value(), qac::PlacementOptions{});
  if (!setup.ok()) return fail(setup.status());
  qac::StatisticsRequest placed;
  for (const qac::ActivationQuantizer& q : setup->activations) placed.tensors.push_back(q.tensor);
  placed.histograms = false;  // as the pipeline with the default estimator (mean of per-sample min-max)
  const std::string bytes = qac::serialize(model.value());
  qac::SessionOptions options;
  options.optimization = args.opt;
  qac::SessionOptions stats_options = options;  // as the quantization pipeline runs statistics
  stats_options.allow_spinning = false;

  std::printf("model %s, data %s: %zu samples, batch %zu, %zu node outputs, %zu quantized "
              "activations, %d repeats\n",
              args.model.c_str(), args.data.c_str(), samples, args.batch, request.tensors.size(),
              placed.tensors.size(), args.repeats);
  std::vector<double> fp32_times, stats_times, placed_times;
  std::map<std::string, qac::TensorStats> stats;
  for (int r = 0; r < args.repeats; ++r) {
    auto t0 = Clock::now();
    auto session = qac::Session::create(bytes, options, args.model);
    if (!session.ok()) return fail(session.status());
    qac::Status s = qac::run_batches(**session, dataset, samples, args.batch, {},
                                     [](size_t, size_t, const qac::NamedTensors&,
                                        std::vector<qac::Tensor>&) { return qac::Status::Ok(); });
    if (!s.ok()) return fail(s);
    fp32_times.push_back(seconds_since(t0));

    t0 = Clock::now();
    auto collected = qac::collect_statistics(model.value(), dataset, request, samples, args.batch, stats_options);
    if (!collected.ok()) return fail(collected.status());
    stats_times.push_back(seconds_since(t0));
    stats = std::move(collected).value();

    t0 = Clock::now();
    auto observed = qac::collect_statistics(model.value(), dataset, placed, samples, args.batch, stats_options);
    if (!observed.ok()) return fail(observed.status());
    placed_times.push_back(seconds_since(t0));
  }
  // Medians, and minima (the least disturbed run when other processes share the cores).
  const double fp32 = median(fp32_times), stat = median(stats_times), used = median(placed_times);
  const double fp32_min = minimum(fp32_times), stat_min = minimum(stats_times),
               used_min = minimum(placed_times);
  std::printf("                                    median ms  ratio  |  min ms  ratio\n");
  std::printf("(a) FP32 pass                      %9.1f         |%8.1f\n", fp32 * 1e3, fp32_min * 1e3);
  std::printf("(b) statistics, all node outputs   %9.1f  %5.2f  |%8.1f  %5.2f   (%zu tensors)\n",
              stat * 1e3, stat / fp32, stat_min * 1e3, stat_min / fp32_min, stats.size());
  std::printf("(c) statistics, quantized tensors  %9.1f  %5.2f  |%8.1f  %5.2f   (%zu tensors)\n",
              used * 1e3, used / fp32, used_min * 1e3, used_min / fp32_min, placed.tensors.size());
  std::printf("    target: ratio <= 1.5\n");
  for (qac::RangeEstimator e : {qac::RangeEstimator::kMeanMinMax, qac::RangeEstimator::kQuantile,
                                qac::RangeEstimator::kMse, qac::RangeEstimator::kKl}) {
    const auto t0 = Clock::now();
    for (const auto& [name, st] : stats) {
      auto range = qac::estimate_range(st, e, 1e-4, qac::Preset::kPerformance, name);
      if (!range.ok()) std::fprintf(stderr, "  %s\n", range.status().to_string().c_str());
    }
    const char* names[] = {"min-max", "mean-min-max", "quantile", "mse", "kl"};
    std::printf("    ranges of (b), %-13s %8.1f ms\n", names[static_cast<int>(e)],
                seconds_since(t0) * 1e3);
  }
  std::printf("peak RSS %ld MiB, current RSS %ld MiB\n", peak_rss_kib() / 1024,
              current_rss_kib() / 1024);
  return 0;
}
