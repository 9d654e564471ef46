#include "qac/metric.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "metrics/metric_output.h"
#include "core/interrupt_guard.h"
#include "core/npy.h"
#include "core/shell_command.h"

namespace qac {
namespace {

// Quotes `s` for /bin/sh.
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// A fresh folder under the system temp folder, removed with its contents when this goes out
// of scope. path() is empty when it could not be created.
class TempDir {
 public:
  TempDir() {
    std::error_code ec;
    std::string tmpl = (std::filesystem::temp_directory_path(ec) / "qac-metric-XXXXXX").string();
    if (!ec && mkdtemp(tmpl.data())) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class CommandMetric : public Metric {
 public:
  CommandMetric(std::string command, std::chrono::milliseconds timeout)
      : command_(std::move(command)), timeout_(timeout) {}
  std::string name() const override { return "command '" + command_ + "'"; }
  bool needs_labels() const override { return false; }
  bool needs_reference() const override { return false; }

  Status add_batch(size_t, const std::vector<Tensor>& outputs, const std::vector<Tensor>&,
                   const Labels* labels) override {
    if (batches_.empty()) batches_.resize(outputs.size());
    if (outputs.size() != batches_.size()) return Status::Internal("output count changed between batches");
    const size_t n = outputs.empty() || outputs[0].shape.empty() ? 0 : static_cast<size_t>(outputs[0].shape[0]);
    for (size_t i = 0; i < outputs.size(); ++i) batches_[i].push_back(outputs[i]);
    if (labels) {
      for (size_t k = count_; k < count_ + n; ++k) {
        if (!labels->classes.empty() && k < labels->classes.size()) label_classes_.push_back(labels->classes[k]);
        if (!labels->texts.empty() && k < labels->texts.size()) label_texts_.push_back(labels->texts[k]);
      }
    }
    count_ += n;
    return Status::Ok();
  }

  Result<MetricValue> finish() override {
    if (count_ == 0) return Status::InvalidData(name() + ": no samples were evaluated");
    // Declared first, destroyed last: a signal that arrives meanwhile kills the command, lets
    // `dir` be removed, and only then ends the process.
    InterruptGuard interrupts;
    TempDir dir;
    if (dir.path().empty()) return Status::IoError("cannot create a temporary folder for " + name());
    QAC_RETURN_IF_ERROR(write_inputs(dir.path()));
    const std::string label = "metric command '" + command_ + "'";
    QAC_ASSIGN_OR_RETURN(ShellCommandResult run,
                         run_shell_command(command_ + " " + shell_quote(dir.path()), timeout_, label));
    if (run.exit_code != 0) {
      return Status::RuntimeError(label + " failed (exit status " + std::to_string(run.exit_code) + ")");
    }
    return parse_metric_output(run.output, count_, label);
  }

  void reset() override {
    batches_.clear();
    label_classes_.clear();
    label_texts_.clear();
    count_ = 0;
  }

 private:
  Status write_inputs(const std::string& dir) const {
    for (size_t i = 0; i < batches_.size(); ++i) {
      std::vector<const Tensor*> parts;
      for (const auto& t : batches_[i]) parts.push_back(&t);
      QAC_RETURN_IF_ERROR(write_npy(std::filesystem::path(dir) / ("output_" + std::to_string(i) + ".npy"),
                                    concat_rows(parts)));
    }
    if (!label_classes_.empty()) {
      Tensor l(DType::kInt64, {static_cast<int64_t>(label_classes_.size())});
      std::copy(label_classes_.begin(), label_classes_.end(), l.data<int64_t>());
      QAC_RETURN_IF_ERROR(write_npy(std::filesystem::path(dir) / "labels.npy", l));
    }
    if (!label_texts_.empty()) {
      std::ofstream f(std::filesystem::path(dir) / "labels.json");
      f << nlohmann::json(label_texts_).dump();
      if (!f) return Status::IoError("cannot write labels.json for " + name());
    }
    return Status::Ok();
  }

  std::string command_;
  std::chrono::milliseconds timeout_;
  std::vector<std::vector<Tensor>> batches_;
  std::vector<int64_t> label_classes_;
  std::vector<std::string> label_texts_;
  size_t count_ = 0;
};

}  // namespace

std::unique_ptr<Metric> make_command_metric(const std::string& command, std::chrono::milliseconds timeout) {
  return std::make_unique<CommandMetric>(command, timeout);
}

}  // namespace qac
