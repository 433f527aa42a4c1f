// Internal header (not part of the public API): the fused kernels (detail/fused_kernels_inl.hpp) of the
// avx2 path, in its namespace and for its features, as avx2.hpp compiles its rotary kernels.
#pragma once

#include "avx2.hpp"

#define COPE_TARGET_FEATURES COPE_AVX2_FEATURES
#include "../detail/target_begin.hpp"

namespace cope::detail {
inline namespace COPE_ISA_NAMESPACE {
namespace isa_avx2 {
#include "../detail/fused_kernels_inl.hpp"
}  // namespace isa_avx2
}  // namespace COPE_ISA_NAMESPACE
}  // namespace cope::detail

#include "../detail/target_end.hpp"
