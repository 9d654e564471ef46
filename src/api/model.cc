#include "qac/model.h"

#include "api/calibration_check.h"
#include "api/model_impl.h"
#include "onnx/model_io.h"

namespace qac {

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::Model(const Model& other) : impl_(std::make_unique<Impl>(*other.impl_)) {}
Model& Model::operator=(const Model& other) {
  if (this != &other) impl_ = std::make_unique<Impl>(*other.impl_);
  return *this;
}
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;
Model::~Model() = default;

Model ModelAccess::make(onnx::ModelProto proto, std::string label) {
  auto impl = std::make_unique<Model::Impl>();
  impl->proto = std::move(proto);
  impl->label = std::move(label);
  return Model(std::move(impl));
}

Result<Model> Model::load(const std::filesystem::path& path) {
  QAC_ASSIGN_OR_RETURN(onnx::ModelProto proto, load_model(path));
  return make_model(std::move(proto), path.filename().string());
}

Result<Model> Model::from_bytes(const std::string& bytes, const std::string& label) {
  onnx::ModelProto proto;
  if (!proto.ParseFromString(bytes)) {
    return Status::InvalidModel(label + " is not a valid ONNX model (protobuf parse failed)");
  }
  return make_model(std::move(proto), label);
}

Status Model::save(const std::filesystem::path& path) const { return save_model(impl_->proto, path); }
std::string Model::serialize() const { return qac::serialize(impl_->proto); }
const std::string& Model::label() const { return impl_->label; }

Result<std::vector<ValueSpec>> Model::inputs() const { return model_input_specs(impl_->proto); }

std::vector<std::string> Model::output_names() const {
  std::vector<std::string> names;
  for (const auto& output : impl_->proto.graph().output()) names.push_back(output.name());
  return names;
}

}  // namespace qac
