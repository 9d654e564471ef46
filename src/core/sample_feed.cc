#include "qac/dataset.h"

namespace qac {

bool sample_fed_whole(size_t sample_rank, size_t model_rank) { return sample_rank == model_rank; }

}  // namespace qac
