#include "evaluation/evaluation_cache.h"

#include <filesystem>

#include "core/byte_record.h"
#include "core/content_hash.h"
#include "core/log.h"

namespace qac {
namespace {

constexpr const char* kAnswerTag = "qac-answer-1";
constexpr const char* kProbeTag = "qac-probe-1";

const char* kind_name(EvaluationCache::Kind kind) {
  switch (kind) {
    case EvaluationCache::Kind::kEvaluate: return "evaluate";
    case EvaluationCache::Kind::kScreen: return "screen";
    case EvaluationCache::Kind::kFp32: return "fp32";
    case EvaluationCache::Kind::kOutputNmse: return "nmse";
  }
  return "?";
}

std::string answer_key(EvaluationCache::Kind kind, const std::vector<int>& reverted,
                       const std::vector<size_t>& samples) {
  ContentHash h;
  h.add_field(kind_name(kind)).add_number(reverted.size());
  for (int g : reverted) h.add_number(static_cast<uint64_t>(g));
  h.add_number(samples.size());
  for (size_t s : samples) h.add_number(s);
  return std::string(kind_name(kind)) + "-" + h.hex();
}

}  // namespace

std::string answer_to_bytes(const CachedAnswer& a) {
  ByteWriter out;
  out.put_string(kAnswerTag).put(a.evaluation.metric).put_vector(a.evaluation.per_sample);
  out.put_vector(a.evaluation.per_output).put<uint8_t>(a.evaluation.approximate ? 1 : 0).put(a.nmse);
  out.put<uint8_t>(a.cost ? 1 : 0);
  if (a.cost) out.put(a.cost->create_seconds).put(a.cost->seconds_per_sample);
  return out.bytes();
}

std::optional<CachedAnswer> answer_from_bytes(const std::string& bytes) {
  ByteReader in(bytes);
  CachedAnswer a;
  std::string tag;
  uint8_t approximate = 0, has_cost = 0;
  if (!in.get_string(tag) || tag != kAnswerTag || !in.get(a.evaluation.metric) ||
      !in.get_vector(a.evaluation.per_sample) || !in.get_vector(a.evaluation.per_output) || !in.get(approximate) ||
      !in.get(a.nmse) || !in.get(has_cost)) {
    return std::nullopt;
  }
  a.evaluation.approximate = approximate != 0;
  if (has_cost) {
    RealEvaluationCost cost;
    if (!in.get(cost.create_seconds) || !in.get(cost.seconds_per_sample)) return std::nullopt;
    a.cost = cost;
  }
  if (!in.at_end()) return std::nullopt;
  return a;
}

std::string probe_to_bytes(const CachedProbe& p) {
  ByteWriter out;
  out.put_string(kProbeTag).put_vector(p.sensitivity).put<uint64_t>(p.node_errors.size());
  for (const auto& e : p.node_errors) {
    out.put_string(e.node).put_string(e.op_type).put_string(e.tensor).put<int64_t>(e.group).put(e.sqnr_db);
  }
  out.put<uint64_t>(p.samples).put<uint8_t>(p.on_switchable ? 1 : 0);
  return out.bytes();
}

std::optional<CachedProbe> probe_from_bytes(const std::string& bytes) {
  ByteReader in(bytes);
  CachedProbe p;
  std::string tag;
  uint64_t count = 0, samples = 0;
  uint8_t on_switchable = 0;
  if (!in.get_string(tag) || tag != kProbeTag || !in.get_vector(p.sensitivity) || !in.get(count)) return std::nullopt;
  for (uint64_t i = 0; i < count; ++i) {
    SensitivityProbe::NodeError e;
    int64_t group = 0;
    if (!in.get_string(e.node) || !in.get_string(e.op_type) || !in.get_string(e.tensor) || !in.get(group) ||
        !in.get(e.sqnr_db)) {
      return std::nullopt;
    }
    e.group = static_cast<int>(group);
    p.node_errors.push_back(std::move(e));
  }
  if (!in.get(samples) || !in.get(on_switchable) || !in.at_end()) return std::nullopt;
  p.samples = static_cast<size_t>(samples);
  p.on_switchable = on_switchable != 0;
  return p;
}

EvaluationCache::EvaluationCache(const std::string& cache_dir, const std::string& run_key)
    : files_((std::filesystem::path(cache_dir) / "evaluations" / run_key).string()) {}

template <typename Entry>
std::optional<Entry> EvaluationCache::read(const std::string& key,
                                           std::optional<Entry> (*parse)(const std::string&)) const {
  std::optional<std::string> bytes = files_.get(key);
  if (!bytes) return std::nullopt;
  std::optional<Entry> entry = parse(*bytes);
  if (entry) ++hits_;
  return entry;
}

std::optional<CachedAnswer> EvaluationCache::get(Kind kind, const std::vector<int>& reverted,
                                                 const std::vector<size_t>& samples) const {
  return read(answer_key(kind, reverted, samples), &answer_from_bytes);
}

void EvaluationCache::put(Kind kind, const std::vector<int>& reverted, const std::vector<size_t>& samples,
                          const CachedAnswer& answer) {
  store(answer_key(kind, reverted, samples), answer_to_bytes(answer));
}

std::optional<CachedProbe> EvaluationCache::get_probe() const { return read("probe", &probe_from_bytes); }

void EvaluationCache::put_probe(const CachedProbe& probe) { store("probe", probe_to_bytes(probe)); }

std::optional<std::string> EvaluationCache::get_decision(const std::string& name) const {
  return files_.get("decision-" + name);
}

void EvaluationCache::put_decision(const std::string& name, const std::string& value) {
  store("decision-" + name, value);
}

void EvaluationCache::store(const std::string& key, const std::string& bytes) {
  Status stored = files_.put(key, bytes);
  if (!stored.ok() && !store_failed_) {
    store_failed_ = true;
    QAC_LOG(kWarning) << "evaluations are not being cached: " << stored.to_string();
  }
}

}  // namespace qac
