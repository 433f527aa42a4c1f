// cope — how the generators evaluate the float32 transcendental functions whose rounding reaches
// inv_freq: `base ** exponents` (every generator) and `cos` (CoPE's taper).
//
// Everything else in a generator is a fixed sequence of correctly rounded float32 operations, the
// reference's own order, so the only way two implementations of the reference can disagree is in
// these two functions. The reference (torch on CPU) evaluates them with Sleef's vector routines on
// blocks of 16 elements and with the C library on the remainder; both are accurate to about half an
// ulp plus a little, so near a rounding tie the reference's own float32 result depends on the code
// path it took.
//
//   correctly_rounded_math()  (default) evaluates in double and rounds once: portable,
//       deterministic, and bit-identical to the reference except where the exact value lies within a
//       few hundredths of an ulp of a tie (then 1 ulp apart).
//   compat::torch_cpu_math()  (cope/compat/torch_cpu.hpp, needs Sleef) reproduces torch's CPU
//       kernels call for call, and with them every reference value bit for bit.
#pragma once

#include <cmath>
#include <cstddef>

namespace cope {

struct float32_math {
  // out[i] = base ** exponent[i], i < n: torch's `base ** tensor` over one contiguous tensor.
  void (*pow)(float base, const float* exponent, float* out, std::size_t n);
  // out[i] = cos(x[i]), i < n: torch.cos over one contiguous tensor.
  void (*cos)(const float* x, float* out, std::size_t n);
  const char* name;
};

namespace detail {
inline void correctly_rounded_pow(float base, const float* exponent, float* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<float>(std::pow(static_cast<double>(base), static_cast<double>(exponent[i])));
}
inline void correctly_rounded_cos(const float* x, float* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(std::cos(static_cast<double>(x[i])));
}
}  // namespace detail

// float32 pow and cos evaluated in double and rounded once (correct except at double-rounding
// ties, which do not occur for the arguments generators use: checked against the golden data).
inline float32_math correctly_rounded_math() noexcept {
  return {&detail::correctly_rounded_pow, &detail::correctly_rounded_cos, "correctly_rounded"};
}

}  // namespace cope
