// The content of a dataset as a cache key: computations over the same samples and labels may
// reuse each other's results; a dataset whose bytes changed gets a different key.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/content_hash.h"
#include "qac/dataset.h"

namespace qac {

// Adds to `hash` the input names, and of the first min(max_samples, size()) samples their
// element types, shapes and bytes, then the labels. Reads the data once, in chunks.
// Errors: those of Dataset::read.
Status add_dataset_content(const Dataset& data, ContentHash& hash, size_t max_samples = SIZE_MAX);

}  // namespace qac
