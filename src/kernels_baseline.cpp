// cope::kernels: the kernels every CPU of the target runs — scalar on x86-64 (the wider paths are
// kernels_avx2.cpp, kernels_avx512.cpp, kernels_avx512bf16.cpp), NEON on AArch64, scalar elsewhere.
#define COPE_ISA_NAMESPACE lib_baseline
#include "kernel_sets.hpp"

#if defined(__aarch64__) && defined(__ARM_NEON)
#include "cope/arch/neon.hpp"
#include "cope/arch/neon_fused.hpp"
#define COPE_BASELINE isa_neon
#define COPE_BASELINE_NAME "kernels:neon"
#else
#include "cope/arch/scalar.hpp"
#include "cope/arch/scalar_fused.hpp"
#define COPE_BASELINE isa_scalar
#define COPE_BASELINE_NAME "kernels:scalar"
#endif

namespace cope::detail {
kernel_set kernels_baseline() noexcept {
  return {COPE_BASELINE_NAME, &COPE_BASELINE::run, &COPE_BASELINE::fill_table_rows, &COPE_BASELINE::run_fused};
}
}  // namespace cope::detail
