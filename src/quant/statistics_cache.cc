#include "quant/statistics_cache.h"

#include <algorithm>
#include <filesystem>

#include "core/byte_record.h"
#include "core/content_hash.h"
#include "core/cpu_identity.h"
#include "core/dataset_fingerprint.h"
#include "core/keyed_files.h"
#include "core/log.h"
#include "onnx/model_io.h"
#include "qac/version.h"

namespace qac {
namespace {

constexpr const char* kEntryTag = "qac-statistics-1";

Result<std::string> statistics_key(const onnx::ModelProto& model, const Dataset& data,
                                   const StatisticsRequest& request, size_t subset_size, size_t batch_size,
                                   const SessionOptions& options) {
  ContentHash h;
  h.add_field(kEntryTag).add_field(version()).add_field(onnxruntime_version()).add_field(cpu_model_name());
  h.add_field(serialize(model));
  h.add_number(request.tensors.size());
  for (const std::string& t : request.tensors) h.add_field(t);
  h.add_number(request.channel_mean_axis.size());
  for (const auto& [t, axis] : request.channel_mean_axis) h.add_field(t).add_field(std::to_string(axis));
  h.add_number(request.channel_absmax_last_axis.size());
  for (const std::string& t : request.channel_absmax_last_axis) h.add_field(t);
  h.add_number(request.histograms).add_number(request.in_graph_observers);
  h.add_number(subset_size).add_number(batch_size).add_number(static_cast<uint64_t>(options.intra_op_threads));
  QAC_RETURN_IF_ERROR(add_dataset_content(data, h, subset_size));
  return h.hex() + ".stats";
}

}  // namespace

std::string statistics_to_bytes(const std::map<std::string, TensorStats>& stats) {
  ByteWriter out;
  out.put_string(kEntryTag).put<uint64_t>(stats.size());
  for (const auto& [name, s] : stats) out.put_string(s.to_bytes());
  return out.bytes();
}

Result<std::map<std::string, TensorStats>> statistics_from_bytes(const std::string& bytes) {
  ByteReader in(bytes);
  std::string tag;
  uint64_t count = 0;
  if (!in.get_string(tag) || tag != kEntryTag || !in.get(count)) {
    return Status::InvalidData("not a statistics cache entry");
  }
  std::map<std::string, TensorStats> stats;
  for (uint64_t i = 0; i < count; ++i) {
    std::string entry;
    if (!in.get_string(entry)) return Status::InvalidData("truncated statistics cache entry");
    QAC_ASSIGN_OR_RETURN(TensorStats s, TensorStats::from_bytes(entry));
    const std::string name = s.name();
    stats.emplace(name, std::move(s));
  }
  if (!in.at_end()) return Status::InvalidData("statistics cache entry has trailing bytes");
  return stats;
}

Result<std::map<std::string, TensorStats>> collect_statistics_cached(const onnx::ModelProto& model,
                                                                     const Dataset& data,
                                                                     const StatisticsRequest& request,
                                                                     size_t subset_size, size_t batch_size,
                                                                     const SessionOptions& options,
                                                                     const std::string& cache_dir) {
  if (cache_dir.empty()) return collect_statistics(model, data, request, subset_size, batch_size, options);
  const KeyedFiles store((std::filesystem::path(cache_dir) / "statistics").string());
  QAC_ASSIGN_OR_RETURN(const std::string key,
                       statistics_key(model, data, request, subset_size, batch_size, options));
  if (std::optional<std::string> bytes = store.get(key)) {
    Result<std::map<std::string, TensorStats>> cached = statistics_from_bytes(*bytes);
    if (cached.ok()) {
      QAC_LOG(kInfo) << "calibration statistics of " << std::min(subset_size, data.size())
                     << " samples read from the cache (" << store.dir() << "/" << key << ")";
      return cached;
    }
    QAC_LOG(kWarning) << "ignoring the unreadable cache entry " << store.dir() << "/" << key << ": "
                      << cached.status().to_string();
  }
  QAC_ASSIGN_OR_RETURN(auto stats, collect_statistics(model, data, request, subset_size, batch_size, options));
  if (Status stored = store.put(key, statistics_to_bytes(stats)); !stored.ok()) {
    QAC_LOG(kWarning) << "calibration statistics not cached: " << stored.to_string();
  }
  return stats;
}

}  // namespace qac
