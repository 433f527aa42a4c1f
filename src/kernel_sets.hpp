// Internal to cope::kernels: the kernel sets of the per-ISA sources (kernels_<isa>.cpp), each compiled
// from one arch/ header into its own namespace, for the run-time choice in kernels_api.cpp.
#pragma once

#include "cope/detail/isa_select.hpp"
#include "cope/detail/job.hpp"

namespace cope::detail {
kernel_set kernels_baseline() noexcept;  // the target's baseline: scalar on x86-64, NEON on AArch64
#if COPE_ARCH_X86_64
kernel_set kernels_avx2() noexcept;
kernel_set kernels_avx512() noexcept;
kernel_set kernels_avx512bf16() noexcept;
#endif
}  // namespace cope::detail
