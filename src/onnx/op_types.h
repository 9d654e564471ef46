// ONNX operator type names, in one place: every layer that names an op type uses these.
#pragma once

namespace qac::op {

inline constexpr const char* kAdd = "Add";
inline constexpr const char* kAnd = "And";
inline constexpr const char* kArgMax = "ArgMax";
inline constexpr const char* kArgMin = "ArgMin";
inline constexpr const char* kAveragePool = "AveragePool";
inline constexpr const char* kBatchNormalization = "BatchNormalization";
inline constexpr const char* kCast = "Cast";
inline constexpr const char* kCelu = "Celu";
inline constexpr const char* kClip = "Clip";
inline constexpr const char* kConcat = "Concat";
inline constexpr const char* kConstant = "Constant";
inline constexpr const char* kConv = "Conv";
inline constexpr const char* kConvTranspose = "ConvTranspose";
inline constexpr const char* kDepthToSpace = "DepthToSpace";
inline constexpr const char* kDequantizeLinear = "DequantizeLinear";
inline constexpr const char* kDiv = "Div";
inline constexpr const char* kDropout = "Dropout";
inline constexpr const char* kElu = "Elu";
inline constexpr const char* kEqual = "Equal";
inline constexpr const char* kErf = "Erf";
inline constexpr const char* kExpand = "Expand";
inline constexpr const char* kFlatten = "Flatten";
inline constexpr const char* kGRU = "GRU";
inline constexpr const char* kGather = "Gather";
inline constexpr const char* kGelu = "Gelu";
inline constexpr const char* kGemm = "Gemm";
inline constexpr const char* kGlobalAveragePool = "GlobalAveragePool";
inline constexpr const char* kGlobalLpPool = "GlobalLpPool";
inline constexpr const char* kGlobalMaxPool = "GlobalMaxPool";
inline constexpr const char* kGreater = "Greater";
inline constexpr const char* kGreaterOrEqual = "GreaterOrEqual";
inline constexpr const char* kHardSigmoid = "HardSigmoid";
inline constexpr const char* kHardSwish = "HardSwish";
inline constexpr const char* kHardmax = "Hardmax";
inline constexpr const char* kIdentity = "Identity";
inline constexpr const char* kIf = "If";
inline constexpr const char* kIsInf = "IsInf";
inline constexpr const char* kIsNaN = "IsNaN";
inline constexpr const char* kLSTM = "LSTM";
inline constexpr const char* kLayerNormalization = "LayerNormalization";
inline constexpr const char* kLeakyRelu = "LeakyRelu";
inline constexpr const char* kLess = "Less";
inline constexpr const char* kLessOrEqual = "LessOrEqual";
inline constexpr const char* kLogSoftmax = "LogSoftmax";
inline constexpr const char* kLoop = "Loop";
inline constexpr const char* kLpPool = "LpPool";
inline constexpr const char* kMatMul = "MatMul";
inline constexpr const char* kMaxPool = "MaxPool";
inline constexpr const char* kMish = "Mish";
inline constexpr const char* kMul = "Mul";
inline constexpr const char* kNonZero = "NonZero";
inline constexpr const char* kNot = "Not";
inline constexpr const char* kOr = "Or";
inline constexpr const char* kPRelu = "PRelu";
inline constexpr const char* kPad = "Pad";
inline constexpr const char* kPow = "Pow";
inline constexpr const char* kQuantizeLinear = "QuantizeLinear";
inline constexpr const char* kRNN = "RNN";
inline constexpr const char* kReduceMean = "ReduceMean";
inline constexpr const char* kReduceSum = "ReduceSum";
inline constexpr const char* kRelu = "Relu";
inline constexpr const char* kReshape = "Reshape";
inline constexpr const char* kResize = "Resize";
inline constexpr const char* kScan = "Scan";
inline constexpr const char* kScatter = "Scatter";
inline constexpr const char* kScatterElements = "ScatterElements";
inline constexpr const char* kSelu = "Selu";
inline constexpr const char* kShape = "Shape";
inline constexpr const char* kSigmoid = "Sigmoid";
inline constexpr const char* kSize = "Size";
inline constexpr const char* kSlice = "Slice";
inline constexpr const char* kSoftmax = "Softmax";
inline constexpr const char* kSoftplus = "Softplus";
inline constexpr const char* kSoftsign = "Softsign";
inline constexpr const char* kSpaceToDepth = "SpaceToDepth";
inline constexpr const char* kSplit = "Split";
inline constexpr const char* kSqrt = "Sqrt";
inline constexpr const char* kSqueeze = "Squeeze";
inline constexpr const char* kSub = "Sub";
inline constexpr const char* kTanh = "Tanh";
inline constexpr const char* kThresholdedRelu = "ThresholdedRelu";
inline constexpr const char* kTile = "Tile";
inline constexpr const char* kTopK = "TopK";
inline constexpr const char* kTranspose = "Transpose";
inline constexpr const char* kUnsqueeze = "Unsqueeze";
inline constexpr const char* kUpsample = "Upsample";
inline constexpr const char* kWhere = "Where";
inline constexpr const char* kXor = "Xor";

}  // namespace qac::op

namespace qac {
namespace ops = op;  // the name the quantization code uses
}  // namespace qac
