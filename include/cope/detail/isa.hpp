// Internal header (not part of the public API): which kernels this translation unit uses.
//
// By default the including translation unit's own flags choose at compile time (AVX-512 F/BW/VL/DQ with
// BF16, else AVX-512 F/BW/VL/DQ, else AVX2 + FMA + F16C, else AArch64 NEON, else scalar). COPE_RUNTIME_DISPATCH=1 (x86-64, GCC or
// Clang) compiles the AVX2 and AVX-512 kernels into a generic build and picks the best one the CPU
// supports at run time. COPE_FORCE_SCALAR=1 forces the portable path.
//
// The public kernel entry points live in an inline namespace named after that choice
// (cope::api_avx512, ...), and the kernels in cope::isa_*: two translation units built with different
// flags never share a symbol of kernel code (ODR).
#pragma once

#ifndef COPE_RUNTIME_DISPATCH
#define COPE_RUNTIME_DISPATCH 0
#endif
#ifndef COPE_FORCE_SCALAR
#define COPE_FORCE_SCALAR 0
#endif

#if defined(__x86_64__) || defined(_M_X64)
#define COPE_ARCH_X86_64 1
#else
#define COPE_ARCH_X86_64 0
#endif

#if COPE_FORCE_SCALAR
#define COPE_API_NAMESPACE api_scalar
#define COPE_KERNELS isa_scalar
#include "../arch/scalar.hpp"
#elif COPE_RUNTIME_DISPATCH
#if !COPE_ARCH_X86_64 || !(defined(__GNUC__) || defined(__clang__))
#error "COPE_RUNTIME_DISPATCH=1 needs x86-64 and GCC or Clang; elsewhere the compile-time choice is used"
#endif
#define COPE_API_NAMESPACE api_dispatch
#include <cpuid.h>

#include "../arch/avx2.hpp"
#include "../arch/avx512.hpp"
#include "../arch/avx512bf16.hpp"
#include "../arch/scalar.hpp"
#elif COPE_ARCH_X86_64 && defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && \
    defined(__AVX512DQ__) && defined(__AVX512BF16__)
#define COPE_API_NAMESPACE api_avx512bf16
#define COPE_KERNELS isa_avx512bf16
#include "../arch/avx512bf16.hpp"
#elif COPE_ARCH_X86_64 && defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && \
    defined(__AVX512DQ__)
#define COPE_API_NAMESPACE api_avx512
#define COPE_KERNELS isa_avx512
#include "../arch/avx512.hpp"
#elif COPE_ARCH_X86_64 && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#define COPE_API_NAMESPACE api_avx2
#define COPE_KERNELS isa_avx2
#include "../arch/avx2.hpp"
#elif defined(__aarch64__) && defined(__ARM_NEON)
#define COPE_API_NAMESPACE api_neon
#define COPE_KERNELS isa_neon
#include "../arch/neon.hpp"
#else
#define COPE_API_NAMESPACE api_scalar
#define COPE_KERNELS isa_scalar
#include "../arch/scalar.hpp"
#endif

#include "job.hpp"

#include <cstdint>

namespace cope {
inline namespace COPE_API_NAMESPACE {
namespace dispatch {

struct kernel_set {
  const char* name;
  void (*run)(const ::cope::detail::rope_job&) noexcept;
  void (*fill_table_rows)(const float* inv_freq, std::size_t pairs, double scale, std::int64_t first,
                          std::int64_t count, float* out, std::ptrdiff_t row_stride) noexcept;
};

#if COPE_RUNTIME_DISPATCH
// CPUID plus XGETBV: the CPU has the instructions and the OS saves the registers they use.
struct x86_features {
  bool avx2_fma_f16c = false;
  bool avx512 = false;  // F, BW, VL, DQ
  bool avx512_bf16 = false;
};
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

inline kernel_set select_kernels() noexcept {
  const x86_features f = detect_x86_features();
  if (f.avx512_bf16) return {"dispatch:avx512bf16", &isa_avx512bf16::run, &isa_avx512bf16::fill_table_rows};
  if (f.avx512) return {"dispatch:avx512", &isa_avx512::run, &isa_avx512::fill_table_rows};
  if (f.avx2_fma_f16c) return {"dispatch:avx2", &isa_avx2::run, &isa_avx2::fill_table_rows};
  return {"dispatch:scalar", &isa_scalar::run, &isa_scalar::fill_table_rows};
}
inline const kernel_set& kernels() noexcept {
  static const kernel_set chosen = select_kernels();  // once per process
  return chosen;
}
#else
inline const kernel_set& kernels() noexcept {
  static const kernel_set chosen{COPE_KERNELS::isa_name(), &COPE_KERNELS::run, &COPE_KERNELS::fill_table_rows};
  return chosen;
}
#endif

}  // namespace dispatch
}  // namespace COPE_API_NAMESPACE
}  // namespace cope
