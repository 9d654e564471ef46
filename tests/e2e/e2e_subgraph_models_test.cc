// Silero VAD v5 (npm @ricky0123/vad-web): the whole network sits in the branches of an If, and
// its inputs are a scalar sample rate and a state [2, B, 128] batched on axis 1. From the CLI,
// with frames cut from synthesized speech streams with the state each really carries: the Conv
// inside the If branches are quantized, the model runs in ONNX Runtime with all optimizations,
// and accuracy control with a label-free metric returns branch groups to float to meet a budget.
#include <nlohmann/json.hpp>

#include "e2e_util.h"

namespace qac::e2e {
namespace {

const fs::path kVadModel = kSourceDir / "assets/models/extra/silero_vad_v5.onnx";
const fs::path kVadCalibration = kSourceDir / "assets/data/extra/silero_vad_v5_stream/calibration/dataset";
const fs::path kVadValidation = kSourceDir / "assets/data/extra/silero_vad_v5_stream/validation/dataset";

const onnx::GraphProto* then_branch(const onnx::ModelProto& model) {
  for (const auto& node : model.graph().node()) {
    if (node.op_type() != "If") continue;
    for (const auto& a : node.attribute()) {
      if (a.name() == "then_branch") return &a.g();
    }
  }
  return nullptr;
}

int count_op(const onnx::GraphProto& g, const std::string& op) {
  int n = 0;
  for (const auto& node : g.node()) n += node.op_type() == op;
  return n;
}

TEST(E2eSubgraphModels, SileroVadConvInsideTheIfRunInInt8) {
  QAC_E2E_REQUIRE_ASSETS(kVadModel, kVadCalibration, kVadValidation);
  ScratchDir dir;
  const fs::path out = dir / "vad.int8.onnx", report = dir / "report.json";
  const CliResult r = run_cli({"quantize", kVadModel.string(), "--calibration", kVadCalibration.string(), "-o",
                               out.string(), "--report", report.string(), "--no-latency"});
  ASSERT_EQ(r.exit_code, kExitOk) << r;
  auto model = load_model(out);
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  const onnx::GraphProto* branch = then_branch(*model);
  ASSERT_NE(branch, nullptr);
  EXPECT_GE(count_op(*branch, "QuantizeLinear"), 2);
  EXPECT_EQ(branch->input_size(), 0);
  const auto json = nlohmann::json::parse(read_text(report));
  EXPECT_GE(json["quantized_ops_per_type"].value("Conv", 0), 2) << json["quantized_ops_per_type"];
  bool branch_logged = false;
  for (const auto& line : json["decisions"]) branch_logged |= line.get<std::string>().starts_with("If_0/then_branch/");
  EXPECT_TRUE(branch_logged);

  // One whole sample (state [2, 1, 128], sr a scalar) through both models, all optimizations.
  auto feeds = first_samples(kVadValidation, 1);
  ASSERT_TRUE(feeds.ok()) << feeds.status().to_string();
  auto fp32 = run_model_file(kVadModel, OptimizationLevel::kAll, *feeds);
  auto int8 = run_model_file(out, OptimizationLevel::kAll, *feeds);
  ASSERT_TRUE(fp32.ok() && int8.ok()) << int8.status().to_string();
  const float p_fp32 = fp32->at(0).data<float>()[0], p_int8 = int8->at(0).data<float>()[0];
  EXPECT_NEAR(p_int8, p_fp32, 0.1);
}

// `qac inspect` plans the branches too: their quantizers, with the branch in each reason.
TEST(E2eSubgraphModels, InspectPlansTheBranches) {
  QAC_E2E_REQUIRE_ASSETS(kVadModel);
  const CliResult r = run_cli({"inspect", kVadModel.string()});
  ASSERT_EQ(r.exit_code, kExitOk) << r;
  EXPECT_EQ(r.out.find("would quantize (0 activation"), std::string::npos) << r;
  EXPECT_NE(r.out.find("If_0/then_branch/ read by int8 Conv"), std::string::npos) << r;
  EXPECT_NE(r.out.find("If_0/else_branch/ read by int8 Conv"), std::string::npos) << r;
}

TEST(E2eSubgraphModels, SileroVadAccuracyControlReturnsBranchGroupsToFloat) {
  QAC_E2E_REQUIRE_ASSETS(kVadModel, kVadCalibration, kVadValidation);
  ScratchDir dir;
  const fs::path out = dir / "vad.int8.onnx", report = dir / "report.json";
  const double budget = 0.0002;
  const CliResult r = run_cli({"quantize", kVadModel.string(), "--calibration", kVadCalibration.string(),
                               "--validation", kVadValidation.string(), "--metric", "cosine", "--max-drop",
                               std::to_string(budget), "-o", out.string(), "--report", report.string(),
                               "--no-latency"});
  ASSERT_EQ(r.exit_code, kExitOk) << r;
  const auto json = nlohmann::json::parse(read_text(report));
  EXPECT_TRUE(json["budget_met"].get<bool>());
  EXPECT_LE(json["final_drop"].get<double>(), budget);
  EXPECT_GE(json["total_groups"].get<int>(), 2);
  if (json["int8_drop"].get<double>() > budget) {
    ASSERT_GE(json["groups_in_float"].get<int>(), 1);
    for (const auto& group : json["reverted_groups"]) {
      for (const auto& node : group["nodes"]) EXPECT_TRUE(node.get<std::string>().starts_with("If_0_then_branch"));
    }
  }
}

}  // namespace
}  // namespace qac::e2e
