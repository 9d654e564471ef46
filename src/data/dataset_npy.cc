#include "data/dataset_npy.h"

#include <algorithm>

#include "data/dataset_labels.h"
#include "data/dataset_util.h"

namespace qac {
namespace {

constexpr const char* kNpyExtension = ".npy";

// The input arrays of `dir`, sorted by file name.
std::vector<std::filesystem::path> input_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::filesystem::path& p = entry.path();
    if (!entry.is_regular_file(ec) || p.extension() != kNpyExtension) continue;
    if (p.filename() == kLabelsNpyName) continue;
    files.push_back(p);
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

bool NpyDataset::looks_like(const std::filesystem::path& dir) { return !input_files(dir).empty(); }

Result<std::unique_ptr<NpyDataset>> NpyDataset::open(const std::filesystem::path& dir) {
  const std::vector<std::filesystem::path> files = input_files(dir);
  if (files.empty()) {
    return Status::NotFound("dataset " + quoted_path(dir) + " holds no <input>.npy file");
  }
  std::unique_ptr<NpyDataset> ds(new NpyDataset());
  ds->dir_ = dir;
  for (const auto& file : files) {
    QAC_ASSIGN_OR_RETURN(auto reader, NpyReader::open(file));
    if (reader->shape().empty()) {
      return Status::InvalidData("dataset input " + quoted_path(file) +
                                 " is a 0-d array; inputs need a leading sample axis");
    }
    const auto rows = static_cast<size_t>(reader->rows());
    if (ds->inputs_.empty()) {
      ds->samples_ = rows;
    } else if (rows != ds->samples_) {
      const NpyReader& first = *ds->inputs_.front().reader;
      return Status::InvalidData("dataset " + quoted_path(dir) + ": " + quoted_path(first.path()) +
                                 " holds " + std::to_string(ds->samples_) + " samples but " +
                                 quoted_path(file) + " holds " + std::to_string(rows));
    }
    ds->inputs_.push_back({file.stem().string(), std::move(reader)});
  }
  QAC_ASSIGN_OR_RETURN(ds->labels_, load_dataset_labels(dir, ds->samples_));
  return ds;
}

std::vector<std::string> NpyDataset::input_names() const {
  std::vector<std::string> names;
  for (const Input& in : inputs_) names.push_back(in.name);
  return names;
}

Result<std::pair<DType, std::vector<int64_t>>> NpyDataset::input_spec(const std::string& name) const {
  for (const Input& in : inputs_) {
    if (in.name != name) continue;
    const auto& shape = in.reader->shape();
    return std::make_pair(in.reader->dtype(), std::vector<int64_t>(shape.begin() + 1, shape.end()));
  }
  return Status::NotFound("dataset " + quoted_path(dir_) + " has no input '" + name + "'");
}

Result<NamedTensors> NpyDataset::read(size_t begin, size_t count) const {
  if (begin > samples_ || count > samples_ - begin) {
    return Status::InvalidArgument("dataset " + quoted_path(dir_) + ": samples [" +
                                   std::to_string(begin) + ", " + std::to_string(begin + count) +
                                   ") outside its " + std::to_string(samples_) + " samples");
  }
  NamedTensors out;
  for (const Input& in : inputs_) {
    QAC_ASSIGN_OR_RETURN(Tensor t, in.reader->read_rows(static_cast<int64_t>(begin),
                                                        static_cast<int64_t>(count)));
    out.emplace(in.name, std::move(t));
  }
  return out;
}

}  // namespace qac
