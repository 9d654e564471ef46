// A user metric implemented as an external command.
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
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "qac/metric.h"

namespace qac {

// How long a metric command may run by default.
inline constexpr std::chrono::seconds kDefaultMetricTimeout{600};

std::unique_ptr<Metric> make_command_metric(const std::string& command,
                                            std::chrono::milliseconds timeout = kDefaultMetricTimeout);

}  // namespace qac
