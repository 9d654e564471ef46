#include "accuracy/metric_command.h"

#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/npy.h"

namespace qac {
namespace {

// Quotes `s` for /bin/sh.
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "qac-metric-XXXXXX").string();
    if (mkdtemp(tmpl.data())) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class CommandMetric : public Metric {
 public:
  explicit CommandMetric(std::string command) : command_(std::move(command)) {}
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
    TempDir dir;
    if (dir.path().empty()) return Status::IoError("cannot create a temporary folder for " + name());
    QAC_RETURN_IF_ERROR(write_inputs(dir.path()));
    const std::string cmd = command_ + " " + shell_quote(dir.path());
    FILE* pipe = popen(cmd.c_str(), "r");
    if (!pipe) return Status::RuntimeError("cannot run metric command '" + command_ + "'");
    std::string out;
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, got);
    const int status = pclose(pipe);
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      return Status::RuntimeError("metric command '" + command_ + "' failed (exit status " +
                                  std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
    }
    return parse(out);
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

  Result<MetricValue> parse(const std::string& out) const {
    const std::string shown = out.size() > 200 ? out.substr(0, 200) + "..." : out;
    nlohmann::json j = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object() || !j.contains("metric") || !j["metric"].is_number()) {
      return Status::InvalidData("metric command '" + command_ +
                                 "' must print {\"metric\": number, \"per_sample\": [...]}, got: " + shown);
    }
    MetricValue v;
    v.value = j["metric"].get<double>();
    if (!std::isfinite(v.value)) return Status::InvalidData("metric command '" + command_ + "' returned a non-finite metric");
    if (j.contains("per_sample")) {
      const auto& ps = j["per_sample"];
      if (!ps.is_array() || ps.size() != count_) {
        return Status::InvalidData("metric command '" + command_ + "' returned per_sample with " +
                                   std::to_string(ps.is_array() ? ps.size() : 0) + " values for " +
                                   std::to_string(count_) + " samples");
      }
      for (const auto& x : ps) {
        if (!x.is_number() || !std::isfinite(x.get<double>())) {
          return Status::InvalidData("metric command '" + command_ + "' returned a non-numeric or non-finite per-sample value");
        }
        v.per_sample.push_back(x.get<double>());
      }
    }
    return v;
  }

  std::string command_;
  std::vector<std::vector<Tensor>> batches_;
  std::vector<int64_t> label_classes_;
  std::vector<std::string> label_texts_;
  size_t count_ = 0;
};

}  // namespace

std::unique_ptr<Metric> make_command_metric(const std::string& command) {
  return std::make_unique<CommandMetric>(command);
}

}  // namespace qac
