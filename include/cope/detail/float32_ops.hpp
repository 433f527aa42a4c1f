// Internal header (not part of the public API): float32 arithmetic that rounds exactly as the
// reference's element-wise float32 tensor ops do, one rounding per operation.
//
// Why the volatile: GCC contracts a*b+c into a fused multiply-add by default (-ffp-contract=fast)
// whenever FMA is enabled (-march=native, -mfma), and one skipped rounding breaks bit-exactness.
// These run once per spectrum element, never in a kernel.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

namespace cope::detail::f32 {

inline float rounded(float x) noexcept {
  volatile float v = x;
  return v;
}
inline float mul(float a, float b) noexcept { return rounded(a * b); }
inline float div(float a, float b) noexcept { return rounded(a / b); }
inline float add(float a, float b) noexcept { return rounded(a + b); }
inline float sub(float a, float b) noexcept { return rounded(a - b); }

// A Python scalar meeting a float32 tensor is cast to float32 first (torch type promotion).
inline float scalar(double x) noexcept { return static_cast<float>(x); }

// torch's float32 `base ** exponent`: evaluating the power in double and rounding it once to float32
// reproduces the reference's values (design §2.2; checked bit for bit against spectra.json).
inline float pow(float base, float exponent) noexcept {
  return static_cast<float>(std::pow(static_cast<double>(base), static_cast<double>(exponent)));
}

// The reference's exponent tensor: arange(0, D, 2) cast to float32, divided by D in float32.
inline float rope_exponent(int pair, int rotary_dim) noexcept {
  return div(static_cast<float>(2 * pair), static_cast<float>(rotary_dim));
}

}  // namespace cope::detail::f32

namespace cope::detail {

// Elements per block of torch's vectorized CPU loop with its AVX2 kernels (ATen's vectorized_loop
// takes two 8-float vectors at a time); the remainder goes through the scalar code path.
inline constexpr std::size_t torch_cpu_block = 16;

// torch.linspace(start, end, steps) in float32 as torch's CPU kernel fills it: step = (end - start) /
// (steps - 1); an element left of `halfway` counts up from start, one right of it counts down from
// end; but inside a vector block each 8-lane vector counts up (base + lane * step) from the value of
// its first element, so elements of a block that cross halfway keep counting up.
inline std::vector<float> torch_linspace(float start, float end, int steps) {
  std::vector<float> out(static_cast<std::size_t>(steps));
  if (steps == 1) out[0] = start;
  if (steps < 2) return out;
  const float step = f32::div(f32::sub(end, start), static_cast<float>(steps - 1));
  const int halfway = steps / 2;
  auto element = [&](int idx) {
    return idx < halfway ? f32::add(start, f32::mul(step, static_cast<float>(idx)))
                         : f32::sub(end, f32::mul(step, static_cast<float>(steps - idx - 1)));
  };
  const int lanes = static_cast<int>(torch_cpu_block / 2);
  const int vectorized = steps - steps % static_cast<int>(torch_cpu_block);
  for (int v = 0; v < vectorized; v += lanes) {
    const float base = element(v);
    for (int lane = 0; lane < lanes; ++lane)
      out[static_cast<std::size_t>(v + lane)] = f32::add(base, f32::mul(static_cast<float>(lane), step));
  }
  for (int idx = vectorized; idx < steps; ++idx) out[static_cast<std::size_t>(idx)] = element(idx);
  return out;
}

}  // namespace cope::detail
