// cope — configuration macros. Every macro is 0/1 so that `#if` and -Wundef catch typos;
// docs/configuration.md lists them all.
#pragma once

#define COPE_VERSION_MAJOR 0
#define COPE_VERSION_MINOR 1
#define COPE_VERSION_PATCH 0

// COPE_EXCEPTIONS: 1 = checked entry points throw cope::error; 0 = only the try_* forms that return a
// cope::status / cope::result exist. Follows the includer's -fno-exceptions by default.
#ifndef COPE_EXCEPTIONS
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define COPE_EXCEPTIONS 1
#else
#define COPE_EXCEPTIONS 0
#endif
#endif

// COPE_ENABLE_ASSERTS: internal consistency checks (preconditions of unchecked functions).
// On unless NDEBUG is defined.
#ifndef COPE_ENABLE_ASSERTS
#ifdef NDEBUG
#define COPE_ENABLE_ASSERTS 0
#else
#define COPE_ENABLE_ASSERTS 1
#endif
#endif

// COPE_ASSERT(cond): the assertion used by cope; an includer may define its own before including cope.
#ifndef COPE_ASSERT
#if COPE_ENABLE_ASSERTS
#include <cassert>
#define COPE_ASSERT(cond) assert(cond)
#else
#define COPE_ASSERT(cond) ((void)0)
#endif
#endif

// COPE_NOINLINE: keeps cold code (error messages, kernels_inl.hpp's copy_outside_window) out of hot
// functions, so that the compiler's inlining budget goes where it pays.
#if defined(__GNUC__) || defined(__clang__)
#define COPE_NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#define COPE_NOINLINE __declspec(noinline)
#else
#define COPE_NOINLINE
#endif
