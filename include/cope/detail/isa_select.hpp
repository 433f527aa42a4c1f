// Internal header (not part of the public API): which kernels this translation unit uses, as macros
// only (no kernel code: detail/dispatch.hpp includes that, in header-only mode).
//
//   COPE_COMPILED_KERNELS=1 (set by linking cope::kernels): the entry points are declared here and
//     defined in the compiled library, which chooses the best path the CPU supports at run time.
//   Header-only (the default): the including unit's own flags choose at compile time (AVX-512
//     F/BW/VL/DQ with BF16, else AVX-512 F/BW/VL/DQ, else AVX2 + FMA + F16C, else AArch64 NEON, else
//     scalar); COPE_RUNTIME_DISPATCH=1 (x86-64, GCC or Clang) compiles the AVX2 and AVX-512 kernels into
//     a generic build and picks at run time; COPE_FORCE_SCALAR=1 forces the portable path.
//
// The public entry points live in an inline namespace named after that choice (cope::api_avx512,
// cope::api_kernels, ...), the kernels in cope::detail::<COPE_ISA_NAMESPACE>::isa_*: units built with
// different flags, or one header-only and one against the library, never share a symbol (ODR).
#pragma once

#ifndef COPE_COMPILED_KERNELS
#define COPE_COMPILED_KERNELS 0
#endif
#ifndef COPE_RUNTIME_DISPATCH
#define COPE_RUNTIME_DISPATCH 0
#endif
#ifndef COPE_FORCE_SCALAR
#define COPE_FORCE_SCALAR 0
#endif

#if defined(__x86_64__) || defined(_M_X64)
#define COPE_ARCH_X86_64 1
#else
#define COPE_ARCH_X86_64 0
#endif

// COPE_SELECTED_ISA: one of these.
#define COPE_ISA_SCALAR 0
#define COPE_ISA_AVX2 1
#define COPE_ISA_AVX512 2
#define COPE_ISA_AVX512BF16 3
#define COPE_ISA_NEON 4
#define COPE_ISA_DISPATCH 5  // header-only runtime dispatch
#define COPE_ISA_LIBRARY 6   // cope::kernels

#if COPE_COMPILED_KERNELS
#define COPE_SELECTED_ISA COPE_ISA_LIBRARY
#define COPE_API_NAMESPACE api_kernels
#elif COPE_FORCE_SCALAR
#define COPE_SELECTED_ISA COPE_ISA_SCALAR
#define COPE_API_NAMESPACE api_scalar
#elif COPE_RUNTIME_DISPATCH
#if !COPE_ARCH_X86_64 || !(defined(__GNUC__) || defined(__clang__))
#error "COPE_RUNTIME_DISPATCH=1 needs x86-64 and GCC or Clang; elsewhere the compile-time choice is used"
#endif
#define COPE_SELECTED_ISA COPE_ISA_DISPATCH
#define COPE_API_NAMESPACE api_dispatch
#elif COPE_ARCH_X86_64 && defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && \
    defined(__AVX512DQ__) && defined(__AVX512BF16__)
#define COPE_SELECTED_ISA COPE_ISA_AVX512BF16
#define COPE_API_NAMESPACE api_avx512bf16
#elif COPE_ARCH_X86_64 && defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__) && \
    defined(__AVX512DQ__)
#define COPE_SELECTED_ISA COPE_ISA_AVX512
#define COPE_API_NAMESPACE api_avx512
#elif COPE_ARCH_X86_64 && defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#define COPE_SELECTED_ISA COPE_ISA_AVX2
#define COPE_API_NAMESPACE api_avx2
#elif defined(__aarch64__) && defined(__ARM_NEON)
#define COPE_SELECTED_ISA COPE_ISA_NEON
#define COPE_API_NAMESPACE api_neon
#else
#define COPE_SELECTED_ISA COPE_ISA_SCALAR
#define COPE_API_NAMESPACE api_scalar
#endif

// The inline namespace (under cope::detail) holding the kernels a unit compiles; the library's per-ISA
// sources name their own (src/kernels_*.cpp).
#ifndef COPE_ISA_NAMESPACE
#define COPE_ISA_NAMESPACE COPE_API_NAMESPACE
#endif

// How the kernel entry points are declared: inline here (header-only), or exported by cope::kernels.
#if COPE_COMPILED_KERNELS
#if defined(_WIN32)
#define COPE_KERNELS_API
#else
#define COPE_KERNELS_API __attribute__((visibility("default")))
#endif
#else
#define COPE_KERNELS_API inline
#endif

// COPE_ALL_ROW_SHAPES=1: loops of their own for every row shape the kernels specialize (kernels_inl.hpp,
// specialized_shape); 0: for rotary_dim 64 and 128 only, the others on the element-wise loops, which
// give the same bits. cope::kernels has all; header-only units default to 0 to compile faster.
#ifndef COPE_ALL_ROW_SHAPES
#define COPE_ALL_ROW_SHAPES COPE_COMPILED_KERNELS
#endif
