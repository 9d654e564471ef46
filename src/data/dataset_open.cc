// open_dataset (include/qac/dataset.h): picks the reader for the directory's layout.
#include "data/dataset_npy.h"
#include "data/dataset_pb.h"
#include "data/dataset_util.h"
#include "qac/dataset.h"

namespace qac {

Result<std::unique_ptr<Dataset>> open_dataset(const std::filesystem::path& dir,
                                              const std::vector<std::string>& model_inputs) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    return Status::NotFound("dataset directory " + quoted_path(dir) + " does not exist");
  }
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::InvalidArgument("dataset " + quoted_path(dir) +
                                   " is not a directory (expected <input>.npy files or "
                                   "test_data_set_*/input_*.pb)");
  }
  const bool npy = NpyDataset::looks_like(dir);
  const bool pb = PbDataset::looks_like(dir);
  if (npy && pb) {
    return Status::InvalidData("dataset " + quoted_path(dir) +
                               " holds both <input>.npy files and test_data_set_* directories; "
                               "keep one layout");
  }
  if (npy) {
    QAC_ASSIGN_OR_RETURN(auto ds, NpyDataset::open(dir));
    return std::unique_ptr<Dataset>(std::move(ds));
  }
  if (pb) {
    QAC_ASSIGN_OR_RETURN(auto ds, PbDataset::open(dir, model_inputs));
    return std::unique_ptr<Dataset>(std::move(ds));
  }
  return Status::InvalidData("dataset " + quoted_path(dir) +
                             " holds neither <input>.npy files nor test_data_set_*/input_*.pb");
}

}  // namespace qac
