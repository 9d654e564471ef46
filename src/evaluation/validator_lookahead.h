// Batched runs ahead of a ModelValidator (a user's validation function): the validator calls
// the compiled model item by item, and items of one sample each pay ONNX Runtime's per-run
// cost once per sample. Before the validator runs, the items it is about to score are read
// from the validation Dataset and run through the same compiled model in batches of up to
// `batch_size` samples (the batch size the built-in metrics use; 1 for a model whose samples
// interact inside a batch, which turns this off). A later call whose feeds equal an item's
// inputs byte for byte is answered with that item's rows of the batched outputs; any other
// call runs the model as usual. The validator sees the same outputs the built-in metrics see
// for those samples, batched the same way.
//
// Whether it pays is measured, not assumed: the first evaluation also runs a few items alone
// and times reading an item, a batched run per item and a lone run. Batching ahead stays on
// only while (read + batched run) per item is below the lone run, and while the validator's
// calls match the items (at least half of the items answered); otherwise it is turned off for
// the rest of the search, and the reason is logged.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "qac/accuracy_control.h"
#include "qac/dataset.h"

namespace qac {

// A CompiledModel that answers run() from outputs stored for known feeds, and forwards every
// other call to the model it wraps. REQUIRES: `inner` outlives it.
class AnsweringModel : public CompiledModel {
 public:
  explicit AnsweringModel(const CompiledModel& inner) : inner_(inner) {}

  const std::vector<ValueSpec>& inputs() const override { return inner_.inputs(); }
  const std::vector<ValueSpec>& outputs() const override { return inner_.outputs(); }
  // The stored outputs of the first unused entry whose feeds equal `feeds` (names, types,
  // shapes and bytes); each entry answers once. Else inner.run(feeds).
  Result<std::vector<Tensor>> run(const NamedTensors& feeds) const override;

  void store(NamedTensors feeds, std::vector<Tensor> outputs);
  size_t stored() const { return entries_.size(); }
  size_t stored_bytes() const { return stored_bytes_; }
  size_t answered() const { return answered_; }
  size_t forwarded() const { return forwarded_; }

 private:
  struct Entry {
    NamedTensors feeds;
    std::vector<Tensor> outputs;
    bool used = false;
  };
  const CompiledModel& inner_;
  mutable std::vector<Entry> entries_;
  std::unordered_multimap<uint64_t, size_t> by_hash_;
  size_t stored_bytes_ = 0;
  mutable size_t answered_ = 0;
  mutable size_t forwarded_ = 0;
};

// What one run ahead measured.
struct LookaheadTiming {
  size_t items_batched = 0;
  double read_seconds = 0;         // reading the batched items from the Dataset
  double batched_run_seconds = 0;  // their batched runs
  double lone_run_seconds = 0;     // median of the timed lone runs (0: none timed)
};

class ValidatorLookahead {
 public:
  // Inputs and outputs stored per evaluation stay under `budget_bytes`; items beyond it are
  // left to the validator's own calls.
  static constexpr size_t kDefaultBudgetBytes = size_t{256} << 20;

  // REQUIRES: `validation` and `validator` outlive this object; validator's items cover
  // `validation`'s samples.
  ValidatorLookahead(const Dataset& validation, const ModelValidator& validator, size_t batch_size,
                     size_t budget_bytes = kDefaultBudgetBytes);

  // Whether evaluating `items` (empty = all) of `model` should run ahead: on, more than one
  // item, items of at most half a batch on average, and every model input batch axis first.
  bool worthwhile(const CompiledModel& model, const std::vector<size_t>& items) const;
  // Runs `items` (empty = all) through `model` in batches and stores each item's feeds and
  // output rows in `into`. Errors: reading or running fails (as the validator's own calls
  // would). An output without the batch rows leading turns batching ahead off (logged).
  Status run_ahead(const CompiledModel& model, const std::vector<size_t>& items, AnsweringModel& into);
  // After the validator's evaluation: turns batching ahead off when it did not pay (logged).
  void settle(const AnsweringModel& answered);

  bool on() const { return on_; }
  const std::string& off_reason() const { return off_reason_; }

 private:
  void turn_off(std::string reason);
  // The validation samples of validator item `item`, and their model inputs.
  size_t samples_of(size_t item) const;
  Result<NamedTensors> read_item(size_t item) const;
  // Runs the first items of `order` alone (one untimed warm-up run, then up to
  // kTimedLoneRuns timed), storing them in `into`, leaving at least two items to batch.
  // Returns how many ran; last_.lone_run_seconds gets their median time.
  Result<size_t> run_alone(const CompiledModel& model, const std::vector<size_t>& order, AnsweringModel& into);

  const Dataset& validation_;
  const ModelValidator& validator_;
  size_t batch_size_;
  size_t budget_bytes_;
  bool on_ = true;
  bool measured_ = false;  // the lone-run comparison is made on the first run ahead
  LookaheadTiming last_;
  std::string off_reason_;
};

}  // namespace qac
