// cope — optional: torch's CPU float32 pow and cos, call for call (see float32_math.hpp).
//
// Needs Sleef (Debian: libsleef-dev; link with -lsleef). Not included by cope.hpp: the core headers
// depend on the standard library alone.
//
// torch's element-wise CPU loop (ATen's vectorized_loop) processes a contiguous tensor in blocks of
// two vectors (16 floats with its AVX2 kernels, which produced reference/spectra.json) through
// Sleef's 1-ulp vector routines, and the remaining elements through the C library's scalar powf/cosf.
// Sleef's scalar FMA build (`purecfma`) computes exactly what its AVX2 build computes, lane for lane,
// so no vector types or -m flags are needed here; it needs a CPU with FMA (x86-64 since Haswell,
// every AArch64).
#pragma once

#include "../float32_math.hpp"

#include <cmath>
#include <cstddef>

// Declared here rather than through <sleef.h>, which hides the purecfma declarations unless the
// includer is compiled with FMA enabled; the symbols are always in libsleef.
extern "C" {
float Sleef_powf1_u10purecfma(float, float);
float Sleef_cosf1_u10purecfma(float);
}

namespace cope::compat {

// Elements per block in torch's vectorized loop: 2 * Vectorized<float>::size() with AVX2 kernels.
inline constexpr std::size_t torch_avx2_block = 16;

namespace detail {
inline void torch_cpu_pow(float base, const float* exponent, float* out, std::size_t n) {
  const std::size_t vectorized = n - n % torch_avx2_block;
  for (std::size_t i = 0; i < vectorized; ++i) out[i] = Sleef_powf1_u10purecfma(base, exponent[i]);
  for (std::size_t i = vectorized; i < n; ++i) out[i] = std::pow(base, exponent[i]);  // float overload: powf
}
inline void torch_cpu_cos(const float* x, float* out, std::size_t n) {
  const std::size_t vectorized = n - n % torch_avx2_block;
  for (std::size_t i = 0; i < vectorized; ++i) out[i] = Sleef_cosf1_u10purecfma(x[i]);
  for (std::size_t i = vectorized; i < n; ++i) out[i] = std::cos(x[i]);  // float overload: cosf
}
}  // namespace detail

inline float32_math torch_cpu_math() noexcept {
  return {&detail::torch_cpu_pow, &detail::torch_cpu_cos, "torch_cpu_avx2_sleef"};
}

}  // namespace cope::compat
