// Internal header (not part of the public API): what the x86-64 CPU and OS support, for run-time
// selection of kernels (header-only COPE_RUNTIME_DISPATCH, and the compiled cope::kernels).
#pragma once

#include "isa_select.hpp"

#if COPE_ARCH_X86_64 && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#define COPE_HAS_X86_FEATURES 1
#else
#define COPE_HAS_X86_FEATURES 0
#endif

namespace cope::detail {
inline namespace COPE_API_NAMESPACE {

struct x86_features {
  bool avx2_fma_f16c = false;
  bool avx512 = false;  // F, BW, VL, DQ
  bool avx512_bf16 = false;
};

#if COPE_HAS_X86_FEATURES
// CPUID plus XGETBV: the CPU has the instructions and the OS saves the registers they use.
inline x86_features detect_x86_features() noexcept {
  x86_features f;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = (c >> 27) & 1u, avx = (c >> 28) & 1u, fma = (c >> 12) & 1u, f16c = (c >> 29) & 1u;
  if (!osxsave || !avx) return f;
  unsigned xcr0_lo = 0, xcr0_hi = 0;
  __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  if ((xcr0_lo & 0x6u) != 0x6u) return f;  // XMM and YMM state
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(7, 0, a, b, c, d);
  const bool avx2 = (b >> 5) & 1u;
  f.avx2_fma_f16c = avx2 && fma && f16c;
  const bool zmm_state = (xcr0_lo & 0xE0u) == 0xE0u;  // opmask and ZMM state
  const bool avx512f = (b >> 16) & 1u, avx512dq = (b >> 17) & 1u, avx512bw = (b >> 30) & 1u, avx512vl = (b >> 31) & 1u;
  f.avx512 = f.avx2_fma_f16c && zmm_state && avx512f && avx512dq && avx512bw && avx512vl;
  if (f.avx512 && a >= 1) {  // leaf 7 reports its last subleaf in EAX; subleaf 1 EAX bit 5: AVX512_BF16
    __cpuid_count(7, 1, a, b, c, d);
    f.avx512_bf16 = (a >> 5) & 1u;
  }
  return f;
}
#endif

}  // namespace COPE_API_NAMESPACE
}  // namespace cope::detail
