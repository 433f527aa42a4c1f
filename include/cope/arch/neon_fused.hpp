// Internal header (not part of the public API): the fused kernels (detail/fused_kernels_inl.hpp) of the
// neon path, in its namespace, as neon.hpp compiles its rotary kernels.
#pragma once

#include "neon.hpp"

namespace cope::detail {
inline namespace COPE_ISA_NAMESPACE {
namespace isa_neon {
#include "../detail/fused_kernels_inl.hpp"
}  // namespace isa_neon
}  // namespace COPE_ISA_NAMESPACE
}  // namespace cope::detail
