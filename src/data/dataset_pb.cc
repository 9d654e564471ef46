#include "data/dataset_pb.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "data/dataset_labels.h"
#include "data/dataset_pb_tensor.h"
#include "data/dataset_util.h"

namespace qac {
namespace {

constexpr std::string_view kSetPrefix = "test_data_set_";
constexpr std::string_view kInputPrefix = "input_";
constexpr std::string_view kPbExtension = ".pb";

// The number after `prefix` in `name` (e.g. 12 for "input_12.pb"), or nullopt.
std::optional<size_t> index_after(std::string_view name, std::string_view prefix) {
  if (name.substr(0, prefix.size()) != prefix) return std::nullopt;
  size_t value = 0;
  const char* first = name.data() + prefix.size();
  const char* last = name.data() + name.size();
  const auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || end == first) return std::nullopt;
  return value;
}

// Entries of `dir` whose names start with `prefix`, sorted by the number after the prefix
// (entries without a number go last, by name).
std::vector<std::filesystem::path> numbered_entries(const std::filesystem::path& dir,
                                                    std::string_view prefix, bool directories,
                                                    std::string_view extension) {
  std::vector<std::pair<size_t, std::filesystem::path>> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.substr(0, prefix.size()) != prefix) continue;
    if (directories ? !entry.is_directory(ec) : !entry.is_regular_file(ec)) continue;
    if (!extension.empty() && entry.path().extension() != extension) continue;
    found.emplace_back(index_after(name, prefix).value_or(std::numeric_limits<size_t>::max()),
                       entry.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::filesystem::path> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

std::vector<int64_t> without_batch_axis(const std::vector<int64_t>& shape) {
  return std::vector<int64_t>(shape.begin() + 1, shape.end());
}

}  // namespace

bool PbDataset::looks_like(const std::filesystem::path& dir) {
  return !numbered_entries(dir, kSetPrefix, /*directories=*/true, "").empty();
}

Result<std::unique_ptr<PbDataset>> PbDataset::open(const std::filesystem::path& dir,
                                                   const std::vector<std::string>& model_inputs) {
  const auto set_dirs = numbered_entries(dir, kSetPrefix, /*directories=*/true, "");
  if (set_dirs.empty()) {
    return Status::NotFound("dataset " + quoted_path(dir) + " holds no test_data_set_* directory");
  }
  std::unique_ptr<PbDataset> ds(new PbDataset());
  ds->dir_ = dir;
  std::vector<std::filesystem::path> first_files;  // set 0's files, for messages
  for (const auto& set_dir : set_dirs) {
    SetInfo set;
    set.files = numbered_entries(set_dir, kInputPrefix, /*directories=*/false, kPbExtension);
    set.first_row = ds->samples_;
    if (set.files.empty()) {
      return Status::InvalidData("dataset " + quoted_path(dir) + ": " + quoted_path(set_dir) +
                                 " holds no input_*.pb file");
    }
    const bool first_set = ds->sets_.empty();
    if (!first_set && set.files.size() != ds->inputs_.size()) {
      return Status::InvalidData("dataset " + quoted_path(dir) + ": " + quoted_path(set_dir) +
                                 " holds " + std::to_string(set.files.size()) +
                                 " inputs but the first set holds " +
                                 std::to_string(ds->inputs_.size()));
    }
    for (size_t i = 0; i < set.files.size(); ++i) {
      const std::filesystem::path& file = set.files[i];
      QAC_ASSIGN_OR_RETURN(NamedProtoTensor proto, read_tensor_proto_file(file));
      const Tensor& t = proto.tensor;
      if (t.shape.empty()) {
        return Status::InvalidData("dataset input " + quoted_path(file) +
                                   " holds a 0-d tensor; inputs need a leading batch axis");
      }
      std::string name = proto.name;
      if (name.empty()) {
        name = i < model_inputs.size() ? model_inputs[i] : "input_" + std::to_string(i);
      }
      const auto rows = static_cast<size_t>(t.shape[0]);
      if (i == 0) {
        set.rows = rows;
      } else if (rows != set.rows) {
        return Status::InvalidData(quoted_path(file) + " holds " + std::to_string(rows) +
                                   " rows but " + quoted_path(set.files[0]) + " holds " +
                                   std::to_string(set.rows));
      }
      InputInfo info{name, t.dtype, without_batch_axis(t.shape)};
      if (first_set) {
        if (std::any_of(ds->inputs_.begin(), ds->inputs_.end(),
                        [&](const InputInfo& in) { return in.name == name; })) {
          return Status::InvalidData(quoted_path(file) + ": input name '" + name +
                                     "' appears twice in " + quoted_path(set_dir));
        }
        ds->inputs_.push_back(std::move(info));
        first_files.push_back(file);
        continue;
      }
      const InputInfo& expected = ds->inputs_[i];
      if (info.name != expected.name || info.dtype != expected.dtype ||
          info.sample_shape != expected.sample_shape) {
        return Status::InvalidData(
            quoted_path(file) + " holds '" + info.name + "' " + dtype_name(info.dtype) +
            " with per-sample shape " + shape_to_string(info.sample_shape) + " but " +
            quoted_path(first_files[i]) + " holds '" + expected.name + "' " +
            dtype_name(expected.dtype) + " with per-sample shape " +
            shape_to_string(expected.sample_shape));
      }
    }
    ds->samples_ += set.rows;
    ds->sets_.push_back(std::move(set));
  }
  QAC_ASSIGN_OR_RETURN(ds->labels_, load_dataset_labels(dir, ds->samples_));
  return ds;
}

std::vector<std::string> PbDataset::input_names() const {
  std::vector<std::string> names;
  for (const InputInfo& in : inputs_) names.push_back(in.name);
  return names;
}

Result<std::pair<DType, std::vector<int64_t>>> PbDataset::input_spec(const std::string& name) const {
  for (const InputInfo& in : inputs_) {
    if (in.name == name) return std::make_pair(in.dtype, in.sample_shape);
  }
  return Status::NotFound("dataset " + quoted_path(dir_) + " has no input '" + name + "'");
}

Result<std::shared_ptr<const std::vector<Tensor>>> PbDataset::load_set(size_t index) const {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (cached_set_ != index) {
    auto tensors = std::make_shared<std::vector<Tensor>>();
    for (const auto& file : sets_[index].files) {
      QAC_ASSIGN_OR_RETURN(NamedProtoTensor proto, read_tensor_proto_file(file));
      tensors->push_back(std::move(proto.tensor));
    }
    cached_tensors_ = std::move(tensors);
    cached_set_ = index;
  }
  return cached_tensors_;
}

Result<NamedTensors> PbDataset::read(size_t begin, size_t count) const {
  if (begin > samples_ || count > samples_ - begin) {
    return Status::InvalidArgument("dataset " + quoted_path(dir_) + ": samples [" +
                                   std::to_string(begin) + ", " + std::to_string(begin + count) +
                                   ") outside its " + std::to_string(samples_) + " samples");
  }
  const size_t end = begin + count;
  std::vector<std::vector<Tensor>> parts(inputs_.size());  // per input, one slice per set
  for (size_t s = 0; s < sets_.size(); ++s) {
    const SetInfo& set = sets_[s];
    const size_t lo = std::max(begin, set.first_row);
    const size_t hi = std::min(end, set.first_row + set.rows);
    if (lo >= hi) continue;
    QAC_ASSIGN_OR_RETURN(auto tensors, load_set(s));
    for (size_t i = 0; i < inputs_.size(); ++i) {
      parts[i].push_back((*tensors)[i].slice_rows(static_cast<int64_t>(lo - set.first_row),
                                               static_cast<int64_t>(hi - lo)));
    }
  }
  NamedTensors out;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    if (parts[i].empty()) {  // count == 0
      std::vector<int64_t> shape = inputs_[i].sample_shape;
      shape.insert(shape.begin(), 0);
      out.emplace(inputs_[i].name, Tensor(inputs_[i].dtype, shape));
      continue;
    }
    std::vector<const Tensor*> ptrs;
    for (const Tensor& t : parts[i]) ptrs.push_back(&t);
    out.emplace(inputs_[i].name, ptrs.size() == 1 ? std::move(parts[i][0]) : concat_rows(ptrs));
  }
  return out;
}

}  // namespace qac
