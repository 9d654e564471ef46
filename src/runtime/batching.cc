#include "runtime/batching.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "core/cancel.h"

namespace qac {
namespace {

// Every model input must come from the dataset and the dataset may hold nothing else.
Status check_input_names(const Session& session, const Dataset& data) {
  const std::vector<std::string> names = data.input_names();
  const std::set<std::string> provided(names.begin(), names.end());
  std::set<std::string> expected;
  for (const ValueSpec& spec : session.inputs()) {
    expected.insert(spec.name);
    if (!provided.count(spec.name)) {
      return Status::InvalidData("dataset " + data.description() + " has no tensor '" + spec.name +
                                 "', which the model takes as input");
    }
  }
  for (const std::string& name : names) {
    if (!expected.count(name)) {
      return Status::InvalidData("dataset " + data.description() + " holds tensor '" + name +
                                 "', which is not an input of the model");
    }
  }
  return Status::Ok();
}

// Rows [count, rows) repeat the last of the `count` given rows.
Tensor pad_rows(const Tensor& t, size_t count, size_t rows) {
  const Tensor last = t.slice_rows(static_cast<int64_t>(count) - 1, 1);
  std::vector<const Tensor*> parts{&t};
  parts.insert(parts.end(), rows - count, &last);
  return concat_rows(parts);
}

}  // namespace

Result<std::set<std::string>> whole_fed_inputs(const Session& session, const Dataset& data) {
  QAC_RETURN_IF_ERROR(check_input_names(session, data));
  std::set<std::string> whole;
  for (const ValueSpec& spec : session.inputs()) {
    QAC_ASSIGN_OR_RETURN(auto sample, data.input_spec(spec.name));
    if (sample_fed_whole(sample.second.size(), spec.shape.size())) whole.insert(spec.name);
  }
  return whole;
}

Result<bool> fed_whole(const Session& session, const Dataset& data) {
  QAC_ASSIGN_OR_RETURN(std::set<std::string> whole, whole_fed_inputs(session, data));
  return !whole.empty();
}

Result<size_t> fixed_batch_size(const Session& session, const Dataset& data) {
  QAC_ASSIGN_OR_RETURN(bool whole, fed_whole(session, data));
  return whole ? size_t{1} : fixed_batch_size(session);
}

size_t fixed_batch_size(const Session& session) {
  size_t fixed = 0;
  for (const ValueSpec& spec : session.inputs()) {
    if (spec.shape.empty() || spec.shape[0] <= 0) continue;
    // A model that fixes different inputs differently can only run the smallest.
    const size_t dim = static_cast<size_t>(spec.shape[0]);
    fixed = fixed == 0 ? dim : std::min(fixed, dim);
  }
  return fixed;
}

size_t auto_batch_size(const Session& session, size_t num_samples) {
  const size_t fixed = fixed_batch_size(session);
  if (fixed > 0) return fixed;
  return std::clamp<size_t>(num_samples, 1, kDefaultBatchSize);
}

Status run_batches(const Session& session, const Dataset& data, size_t num_samples,
                   size_t batch_size, const std::vector<std::string>& fetch,
                   const BatchHandler& on_batch, size_t first_sample) {
  QAC_RETURN_IF_ERROR(check_input_names(session, data));
  if (first_sample + num_samples > data.size()) {
    return Status::InvalidArgument("samples [" + std::to_string(first_sample) + ", " +
                                   std::to_string(first_sample + num_samples) +
                                   ") requested but dataset " + data.description() + " holds " +
                                   std::to_string(data.size()));
  }
  QAC_ASSIGN_OR_RETURN(const size_t fixed, fixed_batch_size(session, data));
  if (fixed > 0) {
    batch_size = fixed;
  } else if (batch_size == 0) {
    batch_size = auto_batch_size(session, num_samples);
  }
  const size_t end = first_sample + num_samples;
  // Kept across batches: each batch's outputs are written into the previous batch's storage
  // (unless the handler moved it out).
  RunOutputs run_outputs;
  std::vector<Tensor>& outputs = run_outputs.tensors;
  for (size_t first = first_sample; first < end; first += batch_size) {
    const size_t count = std::min(batch_size, end - first);
    QAC_RETURN_IF_ERROR(check_cancelled());
    QAC_ASSIGN_OR_RETURN(NamedTensors inputs, data.read(first, count));
    if (fixed > 0 && count < fixed) {
      NamedTensors padded;
      for (const auto& [name, t] : inputs) padded.emplace(name, pad_rows(t, count, fixed));
      QAC_RETURN_IF_ERROR(session.run_into(padded, fetch, run_outputs));
      for (Tensor& out : outputs) {
        if (!out.shape.empty() && out.shape[0] == static_cast<int64_t>(fixed)) {
          out = out.slice_rows(0, static_cast<int64_t>(count));
        }
      }
    } else {
      QAC_RETURN_IF_ERROR(session.run_into(inputs, fetch, run_outputs));
    }
    QAC_RETURN_IF_ERROR(on_batch(first, count, inputs, outputs));
  }
  return Status::Ok();
}

Status run_batches_within_bytes(const Session& session, const Dataset& data, size_t num_samples,
                                size_t batch_size, size_t batch_bytes,
                                const std::vector<std::string>& fetch, const BatchHandler& on_batch,
                                const std::function<void(size_t batch)>& on_sized) {
  QAC_RETURN_IF_ERROR(check_input_names(session, data));
  QAC_ASSIGN_OR_RETURN(const size_t fixed, fixed_batch_size(session, data));
  size_t done = 0;
  if (batch_size == 0 && fixed == 0 && num_samples > 0) {
    size_t sample_bytes = 0;
    QAC_RETURN_IF_ERROR(run_batches(session, data, 1, 1, fetch,
        [&](size_t first, size_t count, const NamedTensors& inputs, std::vector<Tensor>& outputs) -> Status {
          for (const Tensor& t : outputs) sample_bytes += t.byte_size();
          return on_batch(first, count, inputs, outputs);
        }));
    done = 1;
    batch_size = std::clamp<size_t>(batch_bytes / std::max<size_t>(sample_bytes, 1), 1, kDefaultBatchSize);
  }
  if (on_sized) on_sized(fixed > 0 ? fixed : batch_size);
  return run_batches(session, data, num_samples - done, batch_size, fetch, on_batch, done);
}

Result<std::string> batch_coupling(const Session& session, const Dataset& data, size_t num_samples) {
  const size_t n = std::min(num_samples, kCouplingProbeSamples);
  QAC_RETURN_IF_ERROR(check_input_names(session, data));
  QAC_ASSIGN_OR_RETURN(const size_t fixed, fixed_batch_size(session, data));
  if (n < 2 || fixed > 0) return std::string();
  std::vector<std::vector<Tensor>> alone(n);
  QAC_RETURN_IF_ERROR(run_batches(session, data, n, 1, {},
                                  [&](size_t first, size_t, const NamedTensors&, std::vector<Tensor>& outputs) {
                                    alone[first] = std::move(outputs);
                                    outputs.clear();
                                    return Status::Ok();
                                  }));
  std::string difference;
  QAC_RETURN_IF_ERROR(run_batches(session, data, n, n, {},
                                  [&](size_t, size_t count, const NamedTensors&, std::vector<Tensor>& outputs) {
    const std::vector<std::string> names = session.output_names();
    for (size_t o = 0; o < outputs.size() && difference.empty(); ++o) {
      const Tensor& batched = outputs[o];
      if (batched.dtype != DType::kFloat32 || batched.shape.empty() ||
          batched.shape[0] != static_cast<int64_t>(count)) {
        continue;
      }
      const size_t row = batched.numel() / count;
      for (size_t i = 0; i < count && difference.empty(); ++i) {
        const Tensor& single = alone[i][o];
        if (single.dtype != DType::kFloat32 || single.numel() != row) continue;
        const float* a = batched.data<float>() + i * row;
        const float* b = single.data<float>();
        double largest = 0, worst = 0;
        for (size_t k = 0; k < row; ++k) {
          largest = std::max(largest, static_cast<double>(std::fabs(b[k])));
          worst = std::max(worst, static_cast<double>(std::fabs(a[k] - b[k])));
        }
        if (worst > 1e-3 * largest + 1e-5) {
          char text[200];
          std::snprintf(text, sizeof text, "output '%s' of sample %zu differs by up to %.3g (largest value %.3g) "
                        "between a batch of %zu and a run of its own", o < names.size() ? names[o].c_str() : "?",
                        i, worst, largest, count);
          difference = text;
        }
      }
    }
    return Status::Ok();
  }));
  return difference;
}

Result<size_t> batch_size_for(const std::string& model_bytes, const std::string& label, const Dataset& data,
                              size_t requested, std::string* note) {
  if (requested != 0 || data.size() < 2) return requested;
  SessionOptions so;
  so.intra_op_threads = 1;
  QAC_ASSIGN_OR_RETURN(auto session, Session::create(model_bytes, so, label));
  return batch_size_for(*session, label, data, data.size(), requested, note);
}

Result<size_t> batch_size_for(const Session& session, const std::string& label, const Dataset& data,
                              size_t num_samples, size_t requested, std::string* note) {
  if (requested != 0) return requested;
  QAC_ASSIGN_OR_RETURN(std::string coupling, batch_coupling(session, data, num_samples));
  if (coupling.empty()) return size_t{0};
  if (note) {
    *note = "model " + label + " couples the samples of a batch (" + coupling +
            "): its samples are run one at a time, so that each result is the one the sample gets alone";
  }
  return size_t{1};
}

}  // namespace qac
