// Fuzz target: cache entries read back from --cache-dir (a folder a user may copy between
// machines or damage). Byte 0 picks the reader (mod 3): a TensorStats state, an oracle answer,
// a sensitivity probe; the rest is the entry. Every input must end in an error or a value whose
// methods are then exercised.
#include <cstddef>
#include <cstdint>
#include <string>

#include "evaluation/evaluation_cache.h"
#include "fuzz_util.h"
#include "quant/tensor_stats.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  qac::fuzz::quiet_logs();
  return 0;
}

namespace {

void exercise(const qac::TensorStats& s) {
  (void)s.channel_means();
  if (s.num_values() > 0) (void)(s.min() + s.max() + s.mean_sample_min() + s.mean_sample_max());
  const qac::Histogram* h = s.histogram();
  if (h == nullptr || h->empty()) return;
  (void)h->quantile(0.5);
  (void)h->nonempty_bins();
  if (h->has_bins()) {
    (void)h->abs_histogram(256);
    (void)h->fraction_outside(h->range_lo(), h->range_hi(), h->range_lo(), h->range_hi());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string entry(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto stats = qac::TensorStats::from_bytes(entry);
      if (stats.ok()) exercise(*stats);
      break;
    }
    case 1:
      (void)qac::answer_from_bytes(entry);
      break;
    default:
      (void)qac::probe_from_bytes(entry);
      break;
  }
  return 0;
}
