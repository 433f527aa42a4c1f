// Internal header (not part of the public API): the kernels of a header-only unit (COPE_COMPILED_KERNELS
// = 0), as detail/isa_select.hpp chose them, behind one kernel_set.
#pragma once

#include "isa_select.hpp"

#if COPE_SELECTED_ISA == COPE_ISA_SCALAR
#include "../arch/scalar.hpp"
#define COPE_KERNELS isa_scalar
#elif COPE_SELECTED_ISA == COPE_ISA_DISPATCH
#include "../arch/avx2.hpp"
#include "../arch/avx512.hpp"
#include "../arch/avx512bf16.hpp"
#include "../arch/scalar.hpp"
#include "cpu_features.hpp"
#elif COPE_SELECTED_ISA == COPE_ISA_AVX512BF16
#include "../arch/avx512bf16.hpp"
#define COPE_KERNELS isa_avx512bf16
#elif COPE_SELECTED_ISA == COPE_ISA_AVX512
#include "../arch/avx512.hpp"
#define COPE_KERNELS isa_avx512
#elif COPE_SELECTED_ISA == COPE_ISA_AVX2
#include "../arch/avx2.hpp"
#define COPE_KERNELS isa_avx2
#elif COPE_SELECTED_ISA == COPE_ISA_NEON
#include "../arch/neon.hpp"
#define COPE_KERNELS isa_neon
#else
#error "detail/dispatch.hpp is for header-only units; cope::kernels defines kernels() in src/kernels_api.cpp"
#endif

#include "job.hpp"

namespace cope::detail {
inline namespace COPE_API_NAMESPACE {

#if COPE_SELECTED_ISA == COPE_ISA_DISPATCH
inline kernel_set select_kernels() noexcept {
  const x86_features f = detect_x86_features();
  if (f.avx512_bf16) return {"dispatch:avx512bf16", &isa_avx512bf16::run, &isa_avx512bf16::fill_table_rows, nullptr};
  if (f.avx512) return {"dispatch:avx512", &isa_avx512::run, &isa_avx512::fill_table_rows, nullptr};
  if (f.avx2_fma_f16c) return {"dispatch:avx2", &isa_avx2::run, &isa_avx2::fill_table_rows, nullptr};
  return {"dispatch:scalar", &isa_scalar::run, &isa_scalar::fill_table_rows, nullptr};
}
inline const kernel_set& kernels() noexcept {
  static const kernel_set chosen = select_kernels();  // once per process
  return chosen;
}
#else
inline const kernel_set& kernels() noexcept {
  static const kernel_set chosen{COPE_KERNELS::isa_name(), &COPE_KERNELS::run, &COPE_KERNELS::fill_table_rows, nullptr};
  return chosen;
}
#endif

}  // namespace COPE_API_NAMESPACE
}  // namespace cope::detail
