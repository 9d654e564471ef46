#include "evaluation/reference_outputs.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace qac {

ReferenceOutputs::ReferenceOutputs(size_t num_samples, size_t budget_bytes)
    : num_samples_(num_samples), budget_bytes_(budget_bytes) {}

void ReferenceOutputs::abandon() {
  abandoned_ = true;
  outputs_.clear();
  outputs_.shrink_to_fit();
}

bool ReferenceOutputs::accept_layout(size_t count, const std::vector<Tensor>& outputs) {
  if (outputs.empty()) return false;
  if (outputs_.empty()) {  // the first batch fixes the layout and decides the budget
    size_t total = 0;
    for (const Tensor& t : outputs) {
      if (t.shape.empty() || t.shape[0] != static_cast<int64_t>(count)) return false;
      Output out;
      out.dtype = t.dtype;
      out.row_shape.assign(t.shape.begin() + 1, t.shape.end());
      out.row_bytes = t.byte_size() / count;
      if (out.row_bytes > (budget_bytes_ - total) / num_samples_) return false;
      total += out.row_bytes * num_samples_;
      outputs_.push_back(std::move(out));
    }
    for (Output& out : outputs_) out.data.reserve(out.row_bytes * num_samples_);
    return true;
  }
  if (outputs.size() != outputs_.size()) return false;
  for (size_t k = 0; k < outputs.size(); ++k) {
    const Tensor& t = outputs[k];
    const Output& out = outputs_[k];
    if (t.dtype != out.dtype || t.shape.empty() || t.shape[0] != static_cast<int64_t>(count) ||
        !std::equal(t.shape.begin() + 1, t.shape.end(), out.row_shape.begin(), out.row_shape.end())) {
      return false;
    }
  }
  return true;
}

bool ReferenceOutputs::add_batch(size_t first, size_t count, const std::vector<Tensor>& outputs) {
  if (abandoned_) return false;
  if (first != filled_ || count == 0 || first + count > num_samples_ || !accept_layout(count, outputs)) {
    abandon();
    return false;
  }
  for (size_t k = 0; k < outputs.size(); ++k) {
    Output& out = outputs_[k];
    out.data.insert(out.data.end(), outputs[k].bytes.begin(), outputs[k].bytes.end());
  }
  filled_ += count;
  return true;
}

Result<std::vector<Tensor>> ReferenceOutputs::rows(const std::vector<size_t>& samples) const {
  if (!complete()) return Status::Internal("FP32 reference outputs requested before they were cached");
  std::vector<Tensor> result;
  result.reserve(outputs_.size());
  for (const Output& out : outputs_) {
    std::vector<int64_t> shape{static_cast<int64_t>(samples.size())};
    shape.insert(shape.end(), out.row_shape.begin(), out.row_shape.end());
    Tensor t;
    t.dtype = out.dtype;
    t.shape = std::move(shape);
    t.bytes.resize(samples.size() * out.row_bytes);
    for (size_t i = 0; i < samples.size(); ++i) {
      if (samples[i] >= num_samples_) {
        return Status::Internal("FP32 reference outputs of sample " + std::to_string(samples[i]) +
                                " requested, " + std::to_string(num_samples_) + " cached");
      }
      if (out.row_bytes > 0) {
        std::memcpy(t.bytes.data() + i * out.row_bytes, out.data.data() + samples[i] * out.row_bytes,
                    out.row_bytes);
      }
    }
    result.push_back(std::move(t));
  }
  return result;
}

size_t ReferenceOutputs::bytes() const {
  size_t total = 0;
  for (const Output& out : outputs_) total += out.data.size();
  return total;
}

}  // namespace qac
