#include "data/dataset_labels.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "data/dataset_util.h"
#include "core/npy.h"

namespace qac {
namespace {

Status length_mismatch(const std::filesystem::path& file, size_t labels, size_t samples) {
  return Status::InvalidData(quoted_path(file) + " holds " + std::to_string(labels) +
                             " labels but the dataset has " + std::to_string(samples) + " samples");
}

bool is_integer(DType t) {
  return t == DType::kInt8 || t == DType::kUInt8 || t == DType::kInt16 || t == DType::kInt32 ||
         t == DType::kInt64;
}

// REQUIRES: is_integer(t.dtype), i < t.numel().
int64_t integer_at(const Tensor& t, size_t i) {
  switch (t.dtype) {
    case DType::kInt8: return t.data<int8_t>()[i];
    case DType::kUInt8: return t.data<uint8_t>()[i];
    case DType::kInt16: return t.data<int16_t>()[i];
    case DType::kInt32: return t.data<int32_t>()[i];
    default: return t.data<int64_t>()[i];
  }
}

Result<Labels> load_npy_labels(const std::filesystem::path& file, size_t samples) {
  QAC_ASSIGN_OR_RETURN(Tensor t, read_npy(file));
  if (!is_integer(t.dtype)) {
    return Status::InvalidData(quoted_path(file) + " has dtype " + dtype_name(t.dtype) +
                               "; class labels must be integers (int64 or int32)");
  }
  const bool column = t.shape.size() == 2 && t.shape[1] == 1;
  if (t.shape.size() != 1 && !column) {
    return Status::InvalidData(quoted_path(file) + " has shape " + shape_to_string(t.shape) +
                               "; class labels must have shape [samples]");
  }
  if (t.numel() != samples) return length_mismatch(file, t.numel(), samples);
  Labels labels;
  labels.classes.resize(samples);
  for (size_t i = 0; i < samples; ++i) labels.classes[i] = integer_at(t, i);
  return labels;
}

Result<Labels> load_json_labels(const std::filesystem::path& file, size_t samples) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::IoError(quoted_path(file) + ": cannot open");
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Status::InvalidData(quoted_path(file) + ": invalid JSON");
  if (!json.is_array()) {
    return Status::InvalidData(quoted_path(file) + ": expected a JSON list of labels");
  }
  Labels labels;
  for (size_t i = 0; i < json.size(); ++i) {
    const nlohmann::json& item = json[i];
    if (item.is_string() && labels.classes.empty()) {
      labels.texts.push_back(item.get<std::string>());
    } else if (item.is_number_integer() && labels.texts.empty()) {
      labels.classes.push_back(item.get<int64_t>());
    } else {
      return Status::InvalidData(quoted_path(file) + ": element " + std::to_string(i) +
                                 " breaks the rule that labels are all strings or all integers");
    }
  }
  if (json.size() != samples) return length_mismatch(file, json.size(), samples);
  return labels;
}

}  // namespace

Result<std::optional<Labels>> load_dataset_labels(const std::filesystem::path& dir, size_t samples) {
  const std::filesystem::path npy = dir / kLabelsNpyName;
  const std::filesystem::path json = dir / kLabelsJsonName;
  std::error_code ec;
  const bool has_npy = std::filesystem::exists(npy, ec);
  const bool has_json = std::filesystem::exists(json, ec);
  if (has_npy && has_json) {
    return Status::InvalidData("dataset " + quoted_path(dir) + " holds both " + kLabelsNpyName +
                               " and " + kLabelsJsonName + "; keep one");
  }
  if (has_npy) {
    QAC_ASSIGN_OR_RETURN(Labels labels, load_npy_labels(npy, samples));
    return std::optional<Labels>(std::move(labels));
  }
  if (has_json) {
    QAC_ASSIGN_OR_RETURN(Labels labels, load_json_labels(json, samples));
    return std::optional<Labels>(std::move(labels));
  }
  return std::optional<Labels>();
}

}  // namespace qac
