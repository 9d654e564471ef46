#include "runtime/observer_kernels.h"

#include <onnxruntime_lite_custom_op.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "core/float_scan.h"
#include "runtime/observer_ops.h"

namespace qac {
namespace {

using FloatIn = Ort::Custom::Tensor<float>;

// Tensors smaller than this are scanned on the calling thread: handing out work to the pool
// would cost more than it saves.
constexpr size_t kParallelMinElements = size_t{1} << 15;
// Rows longer than this are split into pieces of this size, so that a batch of one sample still
// uses every thread.
constexpr size_t kPieceElements = size_t{1} << 16;

// ChannelSum splits its channels into at most this many tasks, and contiguous channels into
// blocks of at least this many.
constexpr size_t kMaxChannelTasks = 64;
constexpr size_t kMinContiguousChannelsPerTask = 256;

size_t element_count(const std::vector<int64_t>& shape) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(std::max<int64_t>(d, 0));
  return n;
}

// Runs fn(i) for i in [0, count) on the session's intra-op threads (inline for small work).
template <typename Fn>
void parallel_for(OrtKernelContext* context, size_t count, size_t elements, Fn& fn) {
  if (count <= 1 || elements < kParallelMinElements) {
    for (size_t i = 0; i < count; ++i) fn(i);
    return;
  }
  Ort::KernelContext(context).ParallelFor(
      [](void* user, size_t i) { (*static_cast<Fn*>(user))(i); }, count, 0, &fn);
}

template <typename Body>
Ort::Status guarded(const char* op, Body body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return Ort::Status((std::string(op) + ": " + e.what()).c_str(), ORT_RUNTIME_EXCEPTION);
  }
}

Ort::Status row_range(OrtKernelContext* context, const FloatIn& x,
                      Ort::Custom::Tensor<float>& ranges, Ort::Custom::Tensor<int64_t>& nonfinite,
                      Ort::Custom::Tensor<int64_t>& shape_out) {
  return guarded(kRowRangeOp, [&] {
    const std::vector<int64_t> shape = x.Shape();
    const size_t numel = element_count(shape);
    const size_t rows = shape.empty() ? 1 : static_cast<size_t>(std::max<int64_t>(shape[0], 0));
    const size_t row_len = rows == 0 ? 0 : numel / rows;
    float* out_ranges = ranges.Allocate({static_cast<int64_t>(rows), 2});
    int64_t* out_nonfinite = nonfinite.Allocate({static_cast<int64_t>(rows)});
    int64_t* out_shape = shape_out.Allocate({1, static_cast<int64_t>(shape.size())});
    std::copy(shape.begin(), shape.end(), out_shape);
    if (rows == 0) return Ort::Status{nullptr};
    const float* data = numel == 0 ? nullptr : x.Data();
    const size_t pieces = row_len == 0 ? 1 : (row_len + kPieceElements - 1) / kPieceElements;
    std::vector<FiniteRange> partial(rows * pieces);
    auto scan = [&](size_t task) {
      const size_t row = task / pieces, piece = task % pieces;
      const size_t begin = piece * kPieceElements;
      const size_t len = row_len == 0 ? 0 : std::min(kPieceElements, row_len - begin);
      partial[task] = finite_range(data + row * row_len + begin, len);
    };
    parallel_for(context, rows * pieces, numel, scan);
    for (size_t r = 0; r < rows; ++r) {
      FiniteRange total = partial[r * pieces];
      for (size_t k = 1; k < pieces; ++k) {
        const FiniteRange& p = partial[r * pieces + k];
        total.lo = std::min(total.lo, p.lo);
        total.hi = std::max(total.hi, p.hi);
        total.nonfinite += p.nonfinite;
      }
      out_ranges[2 * r] = total.lo;
      out_ranges[2 * r + 1] = total.hi;
      out_nonfinite[r] = static_cast<int64_t>(total.nonfinite);
    }
    return Ort::Status{nullptr};
  });
}

struct ChannelSumKernel {
  ChannelSumKernel(const OrtApi* /*api*/, const OrtKernelInfo* info)
      : axis(Ort::ConstKernelInfo(info).GetAttribute<int64_t>("axis")),
        tensor(Ort::ConstKernelInfo(info).GetAttribute<std::string>("tensor")) {}

  Ort::Status Compute(OrtKernelContext* context, const FloatIn& x,
                      Ort::Custom::Tensor<double>& sums) {
    return guarded(kChannelSumOp, [&] {
      const std::vector<int64_t> shape = x.Shape();
      const int64_t rank = static_cast<int64_t>(shape.size());
      const int64_t normalized = axis < 0 ? axis + rank : axis;
      if (normalized < 0 || normalized >= rank) {
        return Ort::Status(("tensor '" + tensor + "' of rank " + std::to_string(rank) + " has no axis " +
                            std::to_string(axis) + " for per-channel means").c_str(),
                           ORT_INVALID_ARGUMENT);
      }
      const auto a = static_cast<size_t>(normalized);
      const size_t channels = static_cast<size_t>(shape[a]);
      size_t outer = 1, inner = 1;
      for (size_t d = 0; d < a; ++d) outer *= static_cast<size_t>(shape[d]);
      for (size_t d = a + 1; d < shape.size(); ++d) inner *= static_cast<size_t>(shape[d]);
      double* out = sums.Allocate({1, static_cast<int64_t>(channels)});
      std::fill(out, out + channels, 0.0);
      if (outer * inner == 0 || channels == 0) return Ort::Status{nullptr};
      const float* data = x.Data();
      // Channel blocks as tasks; each channel is summed in one fixed order whatever the blocks.
      // Contiguous channels (inner == 1) are summed across the channels of a row at once, so
      // their blocks must be wide to keep the vector lanes busy.
      const size_t channels_per_task = inner == 1 ? kMinContiguousChannelsPerTask : 1;
      const size_t tasks = std::clamp<size_t>(channels / channels_per_task, 1, kMaxChannelTasks);
      auto sum_block = [&](size_t t) {
        const size_t begin = channels * t / tasks, end = channels * (t + 1) / tasks;
        accumulate_channel_sums(data, outer, channels, inner, begin, end, out);
      };
      parallel_for(context, tasks, outer * channels * inner, sum_block);
      return Ort::Status{nullptr};
    });
  }

  int64_t axis;
  std::string tensor;
};

Ort::Status last_axis_absmax(const FloatIn& x, Ort::Custom::Tensor<float>& absmax) {
  return guarded(kLastAxisAbsMaxOp, [&] {
    const std::vector<int64_t> shape = x.Shape();
    if (shape.empty()) return Ort::Status("a scalar has no last axis", ORT_INVALID_ARGUMENT);
    const size_t channels = static_cast<size_t>(std::max<int64_t>(shape.back(), 0));
    float* out = absmax.Allocate({1, static_cast<int64_t>(channels)});
    std::fill(out, out + channels, 0.0f);
    const size_t numel = element_count(shape);
    if (channels > 0 && numel > 0) accumulate_column_absmax(x.Data(), numel / channels, channels, out);
    return Ort::Status{nullptr};
  });
}

struct ObserverDomain {
  ObserverDomain() : domain(kObserverDomain) {
    ops.emplace_back(Ort::Custom::CreateLiteCustomOp(kRowRangeOp, "CPUExecutionProvider", row_range));
    ops.emplace_back(Ort::Custom::CreateLiteCustomOp<ChannelSumKernel>(kChannelSumOp, "CPUExecutionProvider"));
    ops.emplace_back(Ort::Custom::CreateLiteCustomOp(kLastAxisAbsMaxOp, "CPUExecutionProvider", last_axis_absmax));
    for (const auto& op : ops) domain.Add(op.get());
  }
  Ort::CustomOpDomain domain;
  std::vector<std::unique_ptr<Ort::Custom::OrtLiteCustomOp>> ops;
};

}  // namespace

void add_observer_kernels(Ort::SessionOptions& options) {
  // Never destroyed: sessions may outlive any static destruction order.
  static ObserverDomain* const observers = new ObserverDomain();
  options.Add(observers->domain);
}

}  // namespace qac
