#include "evaluation/validator_lookahead.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <optional>
#include <sstream>

#include "core/cancel.h"
#include "core/content_hash.h"
#include "core/log.h"

namespace qac {
namespace {

// Lone runs timed on the first run ahead, after one untimed run that warms the session up.
constexpr size_t kTimedLoneRuns = 3;

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

uint64_t feeds_hash(const NamedTensors& feeds) {
  ContentHash h;
  for (const auto& [name, t] : feeds) {
    h.add_field(name).add_number(static_cast<uint64_t>(t.dtype)).add_number(t.shape.size());
    for (int64_t d : t.shape) h.add_number(static_cast<uint64_t>(d));
    h.add(std::string_view(reinterpret_cast<const char*>(t.bytes.data()), t.bytes.size()));
  }
  return h.value();
}

bool same_feeds(const NamedTensors& a, const NamedTensors& b) {
  if (a.size() != b.size()) return false;
  for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
    if (ia->first != ib->first || ia->second.dtype != ib->second.dtype || ia->second.shape != ib->second.shape ||
        ia->second.bytes != ib->second.bytes) {
      return false;
    }
  }
  return true;
}

// Equal names, types and shapes past the batch axis: the two items can share a batch.
bool stackable(const NamedTensors& a, const NamedTensors& b) {
  if (a.size() != b.size()) return false;
  for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
    const Tensor& x = ia->second;
    const Tensor& y = ib->second;
    if (ia->first != ib->first || x.dtype != y.dtype || x.shape.size() != y.shape.size() ||
        !std::equal(x.shape.begin() + 1, x.shape.end(), y.shape.begin() + 1)) {
      return false;
    }
  }
  return true;
}

size_t bytes_of(const NamedTensors& feeds) {
  size_t n = 0;
  for (const auto& [name, t] : feeds) n += t.byte_size();
  return n;
}

size_t bytes_of(const std::vector<Tensor>& tensors) {
  size_t n = 0;
  for (const Tensor& t : tensors) n += t.byte_size();
  return n;
}

std::string milliseconds(double seconds) {
  std::ostringstream s;
  s.precision(3);
  s << seconds * 1e3 << " ms";
  return s.str();
}

}  // namespace

Result<std::vector<Tensor>> AnsweringModel::run(const NamedTensors& feeds) const {
  auto [first, last] = by_hash_.equal_range(feeds_hash(feeds));
  for (auto it = first; it != last; ++it) {
    Entry& entry = entries_[it->second];
    if (entry.used || !same_feeds(entry.feeds, feeds)) continue;
    entry.used = true;
    ++answered_;
    return std::move(entry.outputs);
  }
  ++forwarded_;
  return inner_.run(feeds);
}

void AnsweringModel::store(NamedTensors feeds, std::vector<Tensor> outputs) {
  stored_bytes_ += bytes_of(feeds) + bytes_of(outputs);
  by_hash_.emplace(feeds_hash(feeds), entries_.size());
  entries_.push_back(Entry{std::move(feeds), std::move(outputs), false});
}

ValidatorLookahead::ValidatorLookahead(const Dataset& validation, const ModelValidator& validator, size_t batch_size,
                                       size_t budget_bytes)
    : validation_(validation), validator_(validator), batch_size_(batch_size), budget_bytes_(budget_bytes) {
  if (batch_size_ <= 1) on_ = false;  // settled to one sample per run: nothing to batch
}

size_t ValidatorLookahead::samples_of(size_t item) const {
  return validator_.first_sample(item + 1) - validator_.first_sample(item);
}

Result<NamedTensors> ValidatorLookahead::read_item(size_t item) const {
  return validation_.read(validator_.first_sample(item), samples_of(item));
}

bool ValidatorLookahead::worthwhile(const CompiledModel& model, const std::vector<size_t>& items) const {
  if (!on_) return false;
  const size_t count = items.empty() ? validator_.num_items() : items.size();
  if (count < 2) return false;
  size_t samples = 0;
  for (size_t k = 0; k < count; ++k) {
    const size_t item = items.empty() ? k : items[k];
    samples += samples_of(item);
  }
  if (samples * 2 > count * batch_size_) return false;  // items of more than half a batch already batch
  for (const ValueSpec& spec : model.inputs()) {
    if (spec.shape.empty() || spec.shape[0] >= 0) return false;  // no free batch axis first
  }
  return true;
}

void ValidatorLookahead::turn_off(std::string reason) {
  if (!on_) return;
  on_ = false;
  off_reason_ = std::move(reason);
  QAC_LOG(kInfo) << validator_.name() << ": batching the validation items ahead is off: " << off_reason_;
}

Result<size_t> ValidatorLookahead::run_alone(const CompiledModel& model, const std::vector<size_t>& order,
                                             AnsweringModel& into) {
  std::vector<double> lone;
  size_t next = 0;
  for (; next < order.size() && next <= kTimedLoneRuns && next + 2 < order.size(); ++next) {
    const size_t item = order[next];
    QAC_ASSIGN_OR_RETURN(NamedTensors feeds, read_item(item));
    QAC_RETURN_IF_ERROR(check_cancelled());
    const auto start = Clock::now();
    QAC_ASSIGN_OR_RETURN(std::vector<Tensor> outputs, model.run(feeds));
    if (next > 0) lone.push_back(seconds_since(start));  // the first run warms the session up
    into.store(std::move(feeds), std::move(outputs));
  }
  std::sort(lone.begin(), lone.end());
  if (!lone.empty()) last_.lone_run_seconds = lone[lone.size() / 2];
  return next;
}

Status ValidatorLookahead::run_ahead(const CompiledModel& model, const std::vector<size_t>& items,
                                     AnsweringModel& into) {
  std::vector<size_t> order(items);
  if (order.empty()) {
    order.resize(validator_.num_items());
    std::iota(order.begin(), order.end(), size_t{0});
  }
  last_ = LookaheadTiming{};
  size_t next = 0;
  if (!measured_) {
    QAC_ASSIGN_OR_RETURN(next, run_alone(model, order, into));
  }
  std::vector<NamedTensors> batch;
  size_t rows = 0;
  std::optional<NamedTensors> pending;
  while (on_ && (next < order.size() || pending || !batch.empty())) {
    if (!pending && next < order.size()) {
      const size_t item = order[next++];
      const auto start = Clock::now();
      QAC_ASSIGN_OR_RETURN(NamedTensors feeds, read_item(item));
      last_.read_seconds += seconds_since(start);
      pending = std::move(feeds);
    }
    const size_t pending_rows = pending ? static_cast<size_t>(pending->begin()->second.shape[0]) : 0;
    if (pending && (batch.empty() || (rows + pending_rows <= batch_size_ && stackable(batch[0], *pending)))) {
      rows += pending_rows;
      batch.push_back(std::move(*pending));
      pending.reset();
      if (next < order.size()) continue;
    }
    if (batch.empty()) continue;
    QAC_RETURN_IF_ERROR(check_cancelled());
    const auto start = Clock::now();
    QAC_ASSIGN_OR_RETURN(std::vector<Tensor> outputs, model.run(concat_rows_by_name(batch)));
    last_.batched_run_seconds += seconds_since(start);
    for (size_t o = 0; o < outputs.size(); ++o) {
      if (outputs[o].shape.empty() || static_cast<size_t>(outputs[o].shape[0]) != rows) {
        turn_off("output '" + (o < model.outputs().size() ? model.outputs()[o].name : std::to_string(o)) +
                 "' does not hold one row per sample of the batch");
        return Status::Ok();
      }
    }
    int64_t offset = 0;
    for (NamedTensors& feeds : batch) {
      const int64_t n = feeds.begin()->second.shape[0];
      std::vector<Tensor> item_outputs;
      for (const Tensor& t : outputs) item_outputs.push_back(t.slice_rows(offset, n));
      offset += n;
      into.store(std::move(feeds), std::move(item_outputs));
      ++last_.items_batched;
    }
    batch.clear();
    rows = 0;
    if (into.stored_bytes() > budget_bytes_) break;  // the rest: the validator's own calls
  }
  return Status::Ok();
}

void ValidatorLookahead::settle(const AnsweringModel& answered) {
  if (!on_ || answered.stored() == 0) return;
  if (answered.answered() * 2 < answered.stored()) {
    turn_off("the validation function's calls matched the inputs of " + std::to_string(answered.answered()) +
             " of " + std::to_string(answered.stored()) + " items (it does not feed what transform_fn gives)");
    return;
  }
  if (measured_ || last_.items_batched == 0 || last_.lone_run_seconds <= 0) return;
  measured_ = true;
  const double per_item = (last_.read_seconds + last_.batched_run_seconds) / static_cast<double>(last_.items_batched);
  const std::string costs = "reading an item and its share of a batched run take " + milliseconds(per_item) +
                            ", a run of one item " + milliseconds(last_.lone_run_seconds);
  if (per_item >= last_.lone_run_seconds) {
    turn_off(costs);
    return;
  }
  QAC_LOG(kInfo) << validator_.name() << ": validation items run ahead in batches of up to " << batch_size_
                 << " samples: " << costs;
}

}  // namespace qac
