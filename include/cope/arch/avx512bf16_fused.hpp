// Internal header (not part of the public API): the fused kernels (detail/fused_kernels_inl.hpp) of the
// avx512bf16 path, in its namespace and for its features, as avx512bf16.hpp compiles its rotary kernels.
#pragma once

#include "avx512bf16.hpp"

#define COPE_TARGET_FEATURES COPE_AVX512BF16_FEATURES
#include "../detail/target_begin.hpp"

namespace cope::detail {
inline namespace COPE_ISA_NAMESPACE {
namespace isa_avx512bf16 {
#include "../detail/fused_kernels_inl.hpp"
}  // namespace isa_avx512bf16
}  // namespace COPE_ISA_NAMESPACE
}  // namespace cope::detail

#include "../detail/target_end.hpp"
