// cope::kernels: the checked entry points of apply.hpp and table.hpp compiled once (the same
// definitions a header-only unit inlines, detail/kernels_api_inl.hpp), and the run-time choice of the
// best kernels the CPU supports among the per-ISA sources.
#include "cope/apply.hpp"
#include "cope/detail/cpu_features.hpp"
#include "cope/detail/kernels_api_inl.hpp"
#include "cope/fused.hpp"
#include "cope/detail/fused_api_inl.hpp"
#include "kernel_sets.hpp"

#include <cstdlib>
#include <cstring>

#if !COPE_COMPILED_KERNELS
#error "cope::kernels is built with COPE_COMPILED_KERNELS=1 (CMakeLists.txt)"
#endif

namespace cope::detail {
inline namespace COPE_API_NAMESPACE {
namespace {

// COPE_MAX_ISA (environment) caps the choice: "scalar" (or "neon"), "avx2", "avx512" or "avx512bf16",
// to compare paths or to rule one out; unset or any other value leaves the best the CPU supports.
int max_isa_rank() noexcept {
  const char* cap = std::getenv("COPE_MAX_ISA");
  if (cap == nullptr) return 3;
  if (std::strcmp(cap, "scalar") == 0 || std::strcmp(cap, "neon") == 0) return 0;
  if (std::strcmp(cap, "avx2") == 0) return 1;
  if (std::strcmp(cap, "avx512") == 0) return 2;
  return 3;
}

kernel_set select_kernels() noexcept {
  const int cap = max_isa_rank();
#if COPE_ARCH_X86_64 && COPE_HAS_X86_FEATURES
  const x86_features f = detect_x86_features();
  if (f.avx512_bf16 && cap >= 3) return kernels_avx512bf16();
  if (f.avx512 && cap >= 2) return kernels_avx512();
  if (f.avx2_fma_f16c && cap >= 1) return kernels_avx2();
#else
  static_cast<void>(cap);
#endif
  return kernels_baseline();
}

}  // namespace

const kernel_set& kernels() noexcept {
  static const kernel_set chosen = select_kernels();  // once per process
  return chosen;
}

}  // namespace COPE_API_NAMESPACE
}  // namespace cope::detail
