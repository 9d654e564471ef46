// ONNX operator type names used by the normalization passes, in one place.
#pragma once

namespace qac::op {

inline constexpr const char* kAdd = "Add";
inline constexpr const char* kAnd = "And";
inline constexpr const char* kBatchNormalization = "BatchNormalization";
inline constexpr const char* kCast = "Cast";
inline constexpr const char* kClip = "Clip";
inline constexpr const char* kConcat = "Concat";
inline constexpr const char* kConstant = "Constant";
inline constexpr const char* kDiv = "Div";
inline constexpr const char* kDropout = "Dropout";
inline constexpr const char* kEqual = "Equal";
inline constexpr const char* kFlatten = "Flatten";
inline constexpr const char* kGemm = "Gemm";
inline constexpr const char* kGlobalLpPool = "GlobalLpPool";
inline constexpr const char* kGreater = "Greater";
inline constexpr const char* kGRU = "GRU";
inline constexpr const char* kHardmax = "Hardmax";
inline constexpr const char* kIf = "If";
inline constexpr const char* kLess = "Less";
inline constexpr const char* kLogSoftmax = "LogSoftmax";
inline constexpr const char* kLoop = "Loop";
inline constexpr const char* kLpPool = "LpPool";
inline constexpr const char* kLSTM = "LSTM";
inline constexpr const char* kMul = "Mul";
inline constexpr const char* kOr = "Or";
inline constexpr const char* kPad = "Pad";
inline constexpr const char* kPow = "Pow";
inline constexpr const char* kPRelu = "PRelu";
inline constexpr const char* kReduceSum = "ReduceSum";
inline constexpr const char* kReshape = "Reshape";
inline constexpr const char* kResize = "Resize";
inline constexpr const char* kRNN = "RNN";
inline constexpr const char* kScan = "Scan";
inline constexpr const char* kScatter = "Scatter";
inline constexpr const char* kScatterElements = "ScatterElements";
inline constexpr const char* kShape = "Shape";
inline constexpr const char* kSlice = "Slice";
inline constexpr const char* kSoftmax = "Softmax";
inline constexpr const char* kSplit = "Split";
inline constexpr const char* kSqueeze = "Squeeze";
inline constexpr const char* kSub = "Sub";
inline constexpr const char* kTile = "Tile";
inline constexpr const char* kTopK = "TopK";
inline constexpr const char* kUnsqueeze = "Unsqueeze";
inline constexpr const char* kUpsample = "Upsample";
inline constexpr const char* kXor = "Xor";

}  // namespace qac::op
