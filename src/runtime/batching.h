// Runs a dataset through a session in batches: the one loop behind calibration statistics,
// evaluation and benchmarks.
#pragma once

#include <cstddef>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "qac/dataset.h"
#include "qac/status.h"
#include "qac/tensor.h"
#include "runtime/session.h"

namespace qac {

// Batch size chosen for models whose batch dimension is free: large enough to amortize the
// per-run overhead of ONNX Runtime, small enough that the intermediate tensors of one batch
// (all of them, when statistics fetch every activation) stay modest.
inline constexpr size_t kDefaultBatchSize = 16;

// Called once per batch with samples [first, first + count) of the dataset, the inputs that
// were fed (count rows each) and the fetched outputs (in `fetch` order; count rows each for
// outputs whose leading dimension is the batch). The handler may move from `outputs`.
using BatchHandler = std::function<Status(size_t first, size_t count, const NamedTensors& inputs,
                                          std::vector<Tensor>& outputs)>;

// The leading dimension the model fixes for its inputs (e.g. 1 for a model exported with a
// static batch), or 0 when it is free (symbolic) for every input.
size_t fixed_batch_size(const Session& session);

// The inputs of `session` that take the samples of `data` whole (qac/dataset.h,
// sample_fed_whole). Errors: `data` lacks one of the session's inputs.
Result<std::set<std::string>> whole_fed_inputs(const Session& session, const Dataset& data);

// Whether some input of `session` takes the samples of `data` whole (qac/dataset.h,
// sample_fed_whole): the model then runs one sample at a time.
// Errors: `data` lacks one of the session's inputs.
Result<bool> fed_whole(const Session& session, const Dataset& data);

// The batch size the model fixes when fed from `data`: 1 when samples are fed whole, else
// fixed_batch_size(session). Errors: those of fed_whole().
Result<size_t> fixed_batch_size(const Session& session, const Dataset& data);

// kDefaultBatchSize (at most num_samples, at least 1) for free batch dimensions; the fixed
// size otherwise.
size_t auto_batch_size(const Session& session, size_t num_samples);

// Samples the batch-coupling probe runs, as one batch and one by one.
inline constexpr size_t kCouplingProbeSamples = 4;

// Whether a sample's outputs depend on the other samples of its batch (ops that reduce over the
// batch axis, such as a ReduceMax over the whole tensor): the first min(num_samples,
// kCouplingProbeSamples) samples run as one batch and each alone, and every float output is
// compared. Returns a description of the first output that differs by more than 1e-3 of its
// largest magnitude (plus 1e-5), naming the output and the sample; "" when the outputs agree,
// when fewer than two samples are given or when the model fixes its batch size.
// Errors: those of run_batches().
Result<std::string> batch_coupling(const Session& session, const Dataset& data, size_t num_samples);

// The batch size to use for a model whose FP32 form is `model_bytes`: `requested` when it is not
// 0; otherwise 0 (automatic), or 1 when batch_coupling() finds a sample's outputs depend on its
// batch, in which case `note` (may be null) says so, naming `label` and the output.
// Errors: the session's and those of batch_coupling().
// Same, on an existing session of the model, probing the first `num_samples` samples of `data`.
Result<size_t> batch_size_for(const Session& session, const std::string& label, const Dataset& data,
                              size_t num_samples, size_t requested, std::string* note);
Result<size_t> batch_size_for(const std::string& model_bytes, const std::string& label, const Dataset& data,
                              size_t requested, std::string* note);

// Runs samples [first_sample, first_sample + num_samples) through `session` in batches of
// `batch_size` (0 = auto_batch_size) and hands each batch to `on_batch`; stops at the first
// error. When the model fixes its batch dimension to K, batches have K rows: a last, partial
// batch is padded by repeating its last sample, and outputs are cut back to `count` rows.
// `fetch` lists output names (empty = all model outputs). Samples fed whole (qac/dataset.h) run
// one at a time; their outputs carry a leading sample axis of 1.
// Errors: the dataset's tensors differ from the model inputs (naming the tensor), the range
// exceeds the dataset, and anything from reading, running or the handler.
Status run_batches(const Session& session, const Dataset& data, size_t num_samples,
                   size_t batch_size, const std::vector<std::string>& fetch,
                   const BatchHandler& on_batch, size_t first_sample = 0);

// As run_batches over samples [0, num_samples), for passes that fetch large tensors: when
// neither `batch_size` (0 = free) nor the model fixes the batch, the first sample runs alone
// and the rest in batches of floor(batch_bytes / that sample's output bytes), clamped to
// [1, kDefaultBatchSize]. `on_sized`, when given, is called with the batch size of the rest
// (the model's fixed size when it has one) before the rest runs.
Status run_batches_within_bytes(const Session& session, const Dataset& data, size_t num_samples,
                                size_t batch_size, size_t batch_bytes,
                                const std::vector<std::string>& fetch, const BatchHandler& on_batch,
                                const std::function<void(size_t batch)>& on_sized = {});

}  // namespace qac
