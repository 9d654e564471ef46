#include "quant/target.h"

#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define QAC_X86 1
#endif
#if defined(__aarch64__)
#define QAC_ARM64 1
#endif

namespace qac {
namespace {

#ifdef QAC_X86
// XCR0 bits: 1 SSE, 2 AVX (YMM upper halves), 5-7 AVX-512 (opmask, ZMM0-15 upper, ZMM16-31).
constexpr uint64_t kXcr0Ymm = (1u << 1) | (1u << 2);
constexpr uint64_t kXcr0Zmm = kXcr0Ymm | (1u << 5) | (1u << 6) | (1u << 7);
constexpr unsigned kCpuid1EcxOsxsave = 1u << 27;
constexpr unsigned kCpuid7Leaf = 7;
constexpr unsigned kCpuid7Sub0EcxAvx512Vnni = 1u << 11;
constexpr unsigned kCpuid7Sub1EaxAvxVnni = 1u << 4;

uint64_t read_xcr0() {
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

bool host_has_vnni() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & kCpuid1EcxOsxsave)) return false;
  const uint64_t xcr0 = read_xcr0();
  if (__get_cpuid_max(0, nullptr) < kCpuid7Leaf) return false;
  __cpuid_count(kCpuid7Leaf, 0, eax, ebx, ecx, edx);
  const bool avx512_vnni = (ecx & kCpuid7Sub0EcxAvx512Vnni) && (xcr0 & kXcr0Zmm) == kXcr0Zmm;
  const unsigned max_subleaf = eax;
  bool avx_vnni = false;
  if (max_subleaf >= 1) {
    __cpuid_count(kCpuid7Leaf, 1, eax, ebx, ecx, edx);
    avx_vnni = (eax & kCpuid7Sub1EaxAvxVnni) && (xcr0 & kXcr0Ymm) == kXcr0Ymm;
  }
  return avx512_vnni || avx_vnni;
}
#endif

}  // namespace

Target resolve_target(Target target) {
  if (target != Target::kHost) return target;
#if defined(QAC_X86)
  return host_has_vnni() ? Target::kCpuVnni : Target::kCpuAvx2;
#elif defined(QAC_ARM64)
  return Target::kCpuArm;
#else
  return Target::kAny;
#endif
}

Target int8_kernels_of(Target resolved) {
  if (resolved != Target::kOpenVino) return resolved;
  const Target host = resolve_target(Target::kHost);
  return host == Target::kCpuVnni || host == Target::kCpuAvx2 ? host : Target::kAny;
}

QdqForm qdq_form(Target resolved) {
  switch (resolved) {
    case Target::kOpenVino:
    case Target::kAny: return QdqForm::kNncf;
    default: return QdqForm::kOnnxRuntimeUnits;
  }
}

Preset effective_preset(const QuantizationOptions& options) {
  if (options.preset != Preset::kTargetDefault) return options.preset;
  return qdq_form(resolve_target(options.target)) == QdqForm::kOnnxRuntimeUnits ? Preset::kMixed
                                                                                : Preset::kPerformance;
}

ActivationTypes activation_types(Target resolved) {
  const bool onnx_runtime_x86 = qdq_form(resolved) == QdqForm::kOnnxRuntimeUnits && resolved != Target::kCpuArm;
  return onnx_runtime_x86 ? ActivationTypes::kUInt8Only : ActivationTypes::kInt8OrUInt8;
}

}  // namespace qac
