// The target runtime and CPU of a quantized model, and what follows from it: the QDQ form that
// is emitted and the int8 kernels whose arithmetic the weights must respect.
#pragma once

#include "qac/options.h"
#include "quant/scheme.h"

namespace qac {

// The QDQ form a target's runtime turns into int8 kernels.
enum class QdqForm {
  kOnnxRuntimeUnits,  // ONNX Runtime CPU: node units DQ -> op -> Q, uint8 activations
  kNncf,              // OpenVINO: NNCF's quantizers on the inputs of quantizable ops
};

// kHost -> kCpuVnni when the CPU (and OS) support AVX-512 VNNI or AVX-VNNI, else kCpuAvx2;
// kCpuArm on ARM64; kAny elsewhere. Other targets are returned unchanged.
//   AVX512_VNNI: CPUID.(EAX=7,ECX=0):ECX bit 11, usable when XCR0 enables the ZMM state.
//   AVX_VNNI:    CPUID.(EAX=7,ECX=1):EAX bit 4,  usable when XCR0 enables the YMM state.
Target resolve_target(Target target);

// The x86 int8 kernels that will run a model for resolved target `resolved`: the target itself,
// except kOpenVino, whose CPU plugin runs on this host (kCpuVnni / kCpuAvx2, else kAny).
Target int8_kernels_of(Target resolved);

// REQUIRES: `resolved` is not kHost (resolve_target() first).
QdqForm qdq_form(Target resolved);

// The 8-bit activation types the int8 kernels of `resolved` take: uint8 only for ONNX Runtime
// on x86 (it fuses int8 activations on ARM only). REQUIRES: `resolved` is not kHost.
ActivationTypes activation_types(Target resolved);


// options.preset, with kTargetDefault resolved for options.target: kMixed for ONNX Runtime's
// form, kPerformance for NNCF's.
Preset effective_preset(const QuantizationOptions& options);

}  // namespace qac
