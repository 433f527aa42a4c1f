// cope::kernels: the spectrum generators of generators.hpp compiled once (the same definitions a
// header-only unit inlines, detail/generators_inl.hpp), so that units linking the library parse
// declarations only.
#include "cope/generators.hpp"
#include "cope/detail/generators_inl.hpp"

#if !COPE_COMPILED_KERNELS
#error "cope::kernels is built with COPE_COMPILED_KERNELS=1 (CMakeLists.txt)"
#endif
