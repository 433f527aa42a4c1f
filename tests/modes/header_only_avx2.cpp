// Header-only (the target's COPE_COMPILED_KERNELS=1 undone), built with the avx2 flags
// (tests/CMakeLists.txt).
#undef COPE_COMPILED_KERNELS
#define COPE_COMPILED_KERNELS 0
#define COPE_MODE_ENTRY battery_header_only_avx2
#include "battery.hpp"
