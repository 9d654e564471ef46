// ReferenceOutputs: the FP32 model's outputs for every validation sample, kept in memory so
// that scoring a configuration against FP32 (agreement, sqnr, cosine, nmse, output NMSE)
// reads them instead of running the FP32 model again on every batch of every evaluation.
//
// Filled batch by batch, in sample order, from one pass of the FP32 model over the whole
// validation set. It gives up (and frees what it holds) when the outputs of the whole set
// would exceed its byte budget, or when an output cannot be split per sample (no sample axis,
// or trailing dimensions that change from batch to batch); callers then run the FP32 model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "qac/status.h"
#include "qac/tensor.h"

namespace qac {

// Default memory budget: the FP32 outputs of a whole validation set up to this size are kept.
inline constexpr size_t kDefaultReferenceBudgetBytes = size_t{256} << 20;

class ReferenceOutputs {
 public:
  // REQUIRES: num_samples > 0.
  ReferenceOutputs(size_t num_samples, size_t budget_bytes);

  // Stores the outputs of samples [first, first + count) (all model outputs, in model order).
  // REQUIRES: batches arrive in order, the first at sample 0, each starting where the previous
  // ended. Returns false (and drops everything) when the set cannot be cached; later calls
  // are ignored.
  bool add_batch(size_t first, size_t count, const std::vector<Tensor>& outputs);

  // Every sample's outputs are held.
  bool complete() const { return !abandoned_ && filled_ == num_samples_; }

  // The outputs of the given samples, stacked in the given order (one tensor per model
  // output). REQUIRES: complete(); every index < num_samples.
  Result<std::vector<Tensor>> rows(const std::vector<size_t>& samples) const;

  // Bytes held.
  size_t bytes() const;

 private:
  struct Output {
    DType dtype = DType::kFloat32;
    std::vector<int64_t> row_shape;  // the shape without the sample axis
    size_t row_bytes = 0;
    std::vector<uint8_t> data;       // num_samples * row_bytes once complete
  };
  bool accept_layout(size_t count, const std::vector<Tensor>& outputs);
  void abandon();

  size_t num_samples_;
  size_t budget_bytes_;
  size_t filled_ = 0;
  bool abandoned_ = false;
  std::vector<Output> outputs_;
};

}  // namespace qac
