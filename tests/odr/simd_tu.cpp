// Built with the host's widest -m flags (see tests/CMakeLists.txt).
#define COPE_ODR_ENTRY rotate_in_simd_tu
#include "rotate_tu.hpp"
