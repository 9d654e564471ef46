#include "output_files.h"

#include "core/atomic_file.h"

namespace qac::cli {

Status write_outputs(const Model& model, const std::filesystem::path& model_path,
                     const std::vector<TextOutput>& texts) {
  std::vector<StagedFile> staged;
  for (const TextOutput& t : texts) {
    if (t.path.empty()) continue;
    QAC_ASSIGN_OR_RETURN(StagedFile file, StagedFile::write(t.path, t.text));
    staged.push_back(std::move(file));
  }
  QAC_RETURN_IF_ERROR(model.save(model_path));
  for (StagedFile& file : staged) QAC_RETURN_IF_ERROR(file.commit());
  return Status::Ok();
}

}  // namespace qac::cli
