#include "qac/benchmark.h"

#include "runtime/latency.h"
#include "runtime/random_feeds.h"

namespace qac {

Result<LatencyComparison> compare_latency(const std::vector<Model>& models, const NamedTensors& inputs,
                                          const LatencyOptions& options) {
  std::vector<std::string> bytes;
  bytes.reserve(models.size());
  for (const Model& model : models) bytes.push_back(model.serialize());
  return compare_latency(bytes, inputs, options);
}

Result<NamedTensors> random_inputs(const std::vector<ValueSpec>& inputs, const InputShapes& shapes, int64_t batch,
                                   const std::string& model_label, uint32_t seed) {
  return random_feeds(inputs, shapes, batch, model_label, seed);
}

}  // namespace qac
