// Calibration cost: the time `qac quantize` spends collecting statistics, against the time of a
// plain FP32 pass over the same samples with the same batching, and the peak memory (which must
// not grow with the number of samples).
//
//   bench_calibration [--model M.onnx] [--data DIR] [--samples N] [--batch B] [--repeats R]
//                     [--model-type cnn|transformer]
//
// For each repeat the rows run interleaved; medians and minima are reported:
//   (a) FP32 pass:   session creation + run_batches over N samples of the model as given,
//                    fetching its outputs
//   (b) statistics:  collect_statistics with exactly the request calibrate() makes (activation
//                    quantizer inputs, per-channel means for bias correction), on the prepared
//                    model (normalized, BatchNorm folded): in-graph observers, as qac runs it
//   (c) the same request fetched whole and accumulated on the host (in_graph_observers off)
//   (d) the same request with histograms (quantile/MSE/KL estimators, --tune-hyperparams),
//       which are accumulated on the host
//   (e) calibrate() as a whole: SmoothQuant's pass (transformers) + (b)
// then the range estimators over the statistics of (d), and the peak RSS. Run it with two
// sample counts (e.g. 100 and 300) to see that memory does not grow with the samples.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "core/log.h"
#include "onnx/model_io.h"
#include "qac/dataset.h"
#include "quant/pipeline.h"
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
  qac::ModelType model_type = qac::ModelType::kDefault;
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
    else if (flag == "--model-type") {
      if (value == "transformer") a.model_type = qac::ModelType::kTransformer;
      else if (value == "cnn" || value == "any") a.model_type = qac::ModelType::kDefault;
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

struct Row {
  const char* label;
  std::vector<double> times;
};

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!parse_args(argc, argv, args)) {
    std::fprintf(stderr,
                 "usage: %s [--model M.onnx] [--data DIR] [--samples N] [--batch B] "
                 "[--repeats R] [--model-type cnn|transformer]\n",
                 argv[0]);
    return 2;
  }
  qac::set_log_level(qac::LogLevel::kWarning);

  auto model = qac::load_model(args.model);
  if (!model.ok()) return fail(model.status());
  auto data = qac::open_dataset(args.data);
  if (!data.ok()) return fail(data.status());
  const qac::Dataset& dataset = *data.value();
  const size_t samples = std::min(args.samples, dataset.size());
  const std::string fp32_bytes = qac::serialize(model.value());

  qac::QuantizationOptions options;
  options.subset_size = samples;
  options.batch_size = args.batch;
  options.model_type = args.model_type;
  auto prepared = qac::prepare(model.value(), options, nullptr);
  if (!prepared.ok()) return fail(prepared.status());
  // The request calibrate() makes; for transformers after SmoothQuant, as calibrate() does.
  qac::CalibratedModel smoothed = prepared.value();
  if (qac::Status s = qac::calibrate(smoothed, dataset, options, nullptr); !s.ok()) return fail(s);
  const qac::StatisticsRequest request = qac::statistics_request(smoothed, options, false);
  qac::StatisticsRequest host_request = request;
  host_request.in_graph_observers = false;
  qac::StatisticsRequest histogram_request = request;
  histogram_request.histograms = true;
  const qac::SessionOptions fp32_options;  // what a user's FP32 run gets
  qac::SessionOptions stats_options;       // what calibrate() passes
  stats_options.intra_op_threads = options.num_threads;

  Row fp32{"(a) FP32 pass", {}}, observed{"(b) statistics, in-graph (qac)", {}},
      host{"(c) statistics, fetched whole", {}}, histograms{"(d) with histograms", {}},
      calibrate{"(e) calibrate() incl. SmoothQuant", {}};
  qac::StatisticsInfo info;
  std::map<std::string, qac::TensorStats> histogram_stats;
  for (int r = 0; r < args.repeats; ++r) {
    // Each row creates and destroys its session inside its timed region: a session left alive
    // keeps its idle threads spinning on the cores the next row needs.
    auto t0 = Clock::now();
    {
      auto session = qac::Session::create(fp32_bytes, fp32_options, args.model);
      if (!session.ok()) return fail(session.status());
      qac::Status s = qac::run_batches(**session, dataset, samples, args.batch, {},
                                       [](size_t, size_t, const qac::NamedTensors&,
                                          std::vector<qac::Tensor>&) { return qac::Status::Ok(); });
      if (!s.ok()) return fail(s);
    }
    fp32.times.push_back(seconds_since(t0));

    t0 = Clock::now();
    auto collected = qac::collect_statistics(smoothed.fp32, dataset, request, samples, args.batch,
                                             stats_options, &info);
    if (!collected.ok()) return fail(collected.status());
    observed.times.push_back(seconds_since(t0));

    t0 = Clock::now();
    auto fetched = qac::collect_statistics(smoothed.fp32, dataset, host_request, samples, args.batch, stats_options);
    if (!fetched.ok()) return fail(fetched.status());
    host.times.push_back(seconds_since(t0));

    t0 = Clock::now();
    auto with_histograms = qac::collect_statistics(smoothed.fp32, dataset, histogram_request, samples,
                                                   args.batch, stats_options);
    if (!with_histograms.ok()) return fail(with_histograms.status());
    histograms.times.push_back(seconds_since(t0));
    histogram_stats = std::move(with_histograms).value();

    qac::CalibratedModel cm = prepared.value();  // copied outside the timed region
    t0 = Clock::now();
    if (qac::Status c = qac::calibrate(cm, dataset, options, nullptr); !c.ok()) return fail(c);
    calibrate.times.push_back(seconds_since(t0));
  }
  std::printf("model %s, data %s: %zu samples, batch %zu, %zu requested tensors (%zu observed in "
              "the graph, %zu fetched), %d repeats\n",
              args.model.c_str(), args.data.c_str(), samples, args.batch,
              info.in_graph + info.fetched, info.in_graph, info.fetched, args.repeats);
  // Medians, and minima (the least disturbed run when other processes share the cores).
  const double fp32_median = median(fp32.times), fp32_min = minimum(fp32.times);
  std::printf("                                       median ms  ratio  |  min ms  ratio\n");
  for (const Row* row : {&fp32, &observed, &host, &histograms, &calibrate}) {
    const double med = median(row->times), low = minimum(row->times);
    if (row == &fp32) {
      std::printf("%-38s %9.1f         |%8.1f\n", row->label, med * 1e3, low * 1e3);
    } else {
      std::printf("%-38s %9.1f  %5.2f  |%8.1f  %5.2f\n", row->label, med * 1e3, med / fp32_median,
                  low * 1e3, low / fp32_min);
    }
  }
  std::printf("    target: (b) ratio <= 1.5\n");
  for (qac::RangeEstimator e : {qac::RangeEstimator::kMeanMinMax, qac::RangeEstimator::kQuantile,
                                qac::RangeEstimator::kMse, qac::RangeEstimator::kKl}) {
    const auto t0 = Clock::now();
    for (const auto& [name, st] : histogram_stats) {
      auto range = qac::estimate_range(st, e, 1e-4, qac::Preset::kPerformance, name);
      if (!range.ok()) std::fprintf(stderr, "  %s\n", range.status().to_string().c_str());
    }
    const char* names[] = {"min-max", "mean-min-max", "quantile", "mse", "kl"};
    std::printf("    ranges of (d), %-13s %8.1f ms\n", names[static_cast<int>(e)],
                seconds_since(t0) * 1e3);
  }
  std::printf("peak RSS %ld MiB, current RSS %ld MiB\n", peak_rss_kib() / 1024,
              current_rss_kib() / 1024);
  return 0;
}
