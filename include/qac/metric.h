// Accuracy metrics: streaming scores over model outputs, higher is better.
//
// Built-in metrics (make_metric by name):
//   "top1", "top5", "topk:K"  fraction of samples whose label is among the K highest scores of
//                             output `output_index`, shaped [N, C]. Needs class labels.
//                             Ties rank by position (as argmax does: the first maximum wins).
//   "agreement"               fraction of samples whose argmax equals the FP32 argmax.
//   "sqnr"                    per sample 10*log10(sum ref^2 / sum (out-ref)^2) in dB, clamped
//                             to [-kSqnrCapDb, kSqnrCapDb] (identical outputs give the cap).
//   "cosine"                  per sample dot(out, ref) / (|out| |ref|); 1 when both are all
//                             zero, 0 when only one is.
//   "nmse"                    per sample -sum (out-ref)^2 / sum ref^2 (negative normalized MSE;
//                             0 is perfect); when ref is all zero the denominator is the
//                             element count (negative MSE).
//   "ctc-exact"               OCR: 1 when the CTC greedy decoding of output [N, T, C] equals the
//                             label text, else 0. Needs text labels and a dictionary file.
//   "ctc-cer"                 OCR: per sample 1 - CER, CER = Levenshtein(decoded, truth) /
//                             max(1, len(truth)) counted in Unicode code points (can be
//                             negative when the decoding is much longer than the truth).
// Similarity metrics ("agreement", "sqnr", "cosine", "nmse") compare against the FP32 model's
// outputs. "sqnr", "cosine" and "nmse" read every output by default (kEveryOutput): each output
// is compared on its own and a sample's value is that of its worst output, so that a model with
// several outputs (boxes, scores, offsets) cannot meet a budget on one output while another is
// broken. output_index = kAllOutputs compares the concatenation of a sample's outputs instead
// (large outputs dominate it), and an index >= 0 one output. "agreement" and the label metrics
// read one output (index 0 by default).
// For every built-in, the dataset value is the mean of the per-sample values, so the value of
// any subset of samples is the mean of their per-sample values.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "qac/dataset.h"
#include "qac/status.h"
#include "qac/tensor.h"

namespace qac {

inline constexpr double kSqnrCapDb = 100.0;
inline constexpr int kAllOutputs = -1;    // the concatenation of every output
inline constexpr int kEveryOutput = -2;   // each output on its own; a sample's worst value
inline constexpr int kDefaultOutput = -3; // the metric's default (see above)

struct MetricValue {
  double value = 0;                // higher is better
  std::vector<double> per_sample;  // one value per sample, in the order the samples were added
  // A metric over every output on its own (label-free metrics' default, `--output-index
  // every`): each output's mean over the samples, in model output order; empty otherwise.
  std::vector<double> per_output;
};

class Metric {  // streaming: batches arrive in sample order
 public:
  virtual ~Metric() = default;
  virtual std::string name() const = 0;
  virtual bool needs_labels() const = 0;
  virtual bool needs_reference() const = 0;  // compares against FP32 model outputs
  // The name and every parameter that decides this metric's values besides the outputs and the
  // labels. Cached evaluations are keyed by it (QuantizationOptions::cache_dir): two metrics
  // with the same identity must score the same outputs alike. The default, name(), suits a
  // metric without parameters.
  virtual std::string identity() const { return name(); }
  // outputs: model outputs of samples [first, first+n) (all outputs, in model order), each
  //   with the sample axis first; n is their shape[0].
  // reference: FP32 outputs of the same samples (empty if !needs_reference()).
  // labels: the dataset labels (null if none); sample i's label is at index i.
  // REQUIRES: `first` of each batch after the first equals the previous first + n.
  virtual Status add_batch(size_t first, const std::vector<Tensor>& outputs,
                           const std::vector<Tensor>& reference, const Labels* labels) = 0;
  // The value over every sample added since the last reset(). A NaN or infinite per-sample
  // value (e.g. NaN model outputs), or no sample at all, is InvalidData naming the metric.
  virtual Result<MetricValue> finish() = 0;
  virtual void reset() = 0;
};

struct MetricSpec {
  std::string name;             // one of builtin_metric_names(), or "topk:K"
  std::string dictionary_path;  // ctc-*: one dictionary entry per line (class i = line i)
  int output_index = kDefaultOutput;  // which model output(s) the metric reads
};

// Creates a built-in metric. InvalidArgument for an unknown name, a bad K, or a CTC metric
// without a dictionary; the dictionary is loaded here (NotFound naming a missing file).
Result<std::unique_ptr<Metric>> make_metric(const MetricSpec& spec);

// Names accepted by make_metric (with "topk:K" standing for the parameterized form).
std::vector<std::string> builtin_metric_names();

// How long a metric command may run by default.
inline constexpr std::chrono::seconds kDefaultMetricTimeout{600};

// A user metric implemented as an external command (make_command_metric).
// Contract: after the last batch qac writes, into a fresh temporary folder DIR,
//   output_<i>.npy   model output i of every evaluated sample, stacked along axis 0
//   labels.npy / labels.json   the labels of those samples, when the dataset has labels
// then runs `COMMAND DIR` (through /bin/sh, in its own process group) and reads one JSON
// object from its stdout:
//   {"metric": m, "per_sample": [v_0, ..., v_{n-1}]}   (per_sample optional; higher is better)
// A non-zero exit status, output that is not such an object, a per_sample list of the wrong
// length, or a non-finite value is an error naming the command. A command still running after
// `timeout` is killed with every process it started, and that is an error naming the command.
// DIR is removed on every way out of the evaluation, including SIGINT, SIGTERM and SIGHUP
// (which kill the command, remove DIR, then end qac as they would have).
std::unique_ptr<Metric> make_command_metric(const std::string& command,
                                            std::chrono::milliseconds timeout = kDefaultMetricTimeout);

}  // namespace qac
