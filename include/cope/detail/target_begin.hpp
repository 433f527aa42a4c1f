// Internal header (not part of the public API): opens a region whose functions are compiled for the
// x86 features named by COPE_TARGET_FEATURES (a string like "avx2,fma,f16c"), so that one translation
// unit built for generic x86-64 can hold AVX2 / AVX-512 kernels for runtime dispatch. Pair with
// target_end.hpp. No include guard.
//
// -Wpsabi is silenced inside: GCC warns that inline functions passing vectors would change the ABI
// without the feature enabled, but vectors only cross calls inside the region; its entry points (run,
// fill_table_rows) take plain pointers.
#ifndef COPE_PRAGMA
#define COPE_PRAGMA(text) _Pragma(#text)
#define COPE_GCC_TARGET(features) COPE_PRAGMA(GCC target(features))
#define COPE_CLANG_TARGET(features) \
  COPE_PRAGMA(clang attribute push(__attribute__((target(features))), apply_to = function))
#endif
#if defined(__clang__)
COPE_CLANG_TARGET(COPE_TARGET_FEATURES)
#elif defined(__GNUC__)
#pragma GCC push_options
COPE_GCC_TARGET(COPE_TARGET_FEATURES)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
