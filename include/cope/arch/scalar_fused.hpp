// Internal header (not part of the public API): the fused kernels (detail/fused_kernels_inl.hpp) of the
// scalar path, in its namespace, as scalar.hpp compiles its rotary kernels.
#pragma once

#include "scalar.hpp"

namespace cope::detail {
inline namespace COPE_ISA_NAMESPACE {
namespace isa_scalar {
#include "../detail/fused_kernels_inl.hpp"
}  // namespace isa_scalar
}  // namespace COPE_ISA_NAMESPACE
}  // namespace cope::detail
