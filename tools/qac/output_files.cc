#include "output_files.h"

#include <optional>

#include "core/atomic_file.h"

namespace qac::cli {

Status write_outputs(const Model& model, const std::filesystem::path& model_path,
                     const std::filesystem::path& report_path, const std::string& report_text) {
  std::optional<StagedFile> report;
  if (!report_path.empty()) {
    QAC_ASSIGN_OR_RETURN(StagedFile staged, StagedFile::write(report_path, report_text));
    report.emplace(std::move(staged));
  }
  QAC_RETURN_IF_ERROR(model.save(model_path));
  return report ? report->commit() : Status::Ok();
}

}  // namespace qac::cli
