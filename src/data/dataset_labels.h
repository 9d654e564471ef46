// Labels stored beside a dataset: `labels.npy` (one integer class id per sample) or
// `labels.json` (a JSON list with one string per sample, e.g. OCR transcriptions; a list of
// integers is also accepted as class ids).
#pragma once

#include <filesystem>
#include <optional>

#include "qac/dataset.h"
#include "qac/status.h"

namespace qac {

inline constexpr const char* kLabelsNpyName = "labels.npy";
inline constexpr const char* kLabelsJsonName = "labels.json";

// Loads the labels of the dataset in `dir`, which holds `samples` samples.
// Returns nullopt when neither file exists. Fails (naming the file) when both exist, when the
// file cannot be parsed, has the wrong element type, or its length differs from `samples`.
Result<std::optional<Labels>> load_dataset_labels(const std::filesystem::path& dir, size_t samples);

}  // namespace qac
