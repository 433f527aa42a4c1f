// Built with the compiler's default x86-64 flags: scalar kernels.
#define COPE_ODR_ENTRY rotate_in_generic_tu
#include "rotate_tu.hpp"
