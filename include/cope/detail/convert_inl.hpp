// Internal header (not part of the public API), included more than once on purpose: by dtype.hpp in
// namespace cope (the public conversions) and by detail/kernels_inl.hpp inside each ISA namespace, so
// that kernels compiled with different -m flags never share an out-of-line copy (ODR; design §3).
// Expects <cstdint>, <cstring> and the names float16 and bfloat16. No include guard.

inline std::uint32_t float_bits(float f) noexcept {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}
inline float bits_float(std::uint32_t u) noexcept {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

inline float to_float(bfloat16 h) noexcept { return bits_float(static_cast<std::uint32_t>(h.bits) << 16); }

inline bfloat16 to_bfloat16(float f) noexcept {
  const std::uint32_t u = float_bits(f);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return {static_cast<std::uint16_t>((u >> 16) | 0x40u)};  // quiet NaN
  return {static_cast<std::uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16)};
}

inline float to_float(float16 h) noexcept {
  const std::uint32_t sign = static_cast<std::uint32_t>(h.bits & 0x8000u) << 16;
  const std::uint32_t exponent = (h.bits >> 10) & 0x1Fu, mantissa = h.bits & 0x3FFu;
  if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24, exact in float32
    const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
    return bits_float(sign | float_bits(magnitude));
  }
  if (exponent == 31) return bits_float(sign | 0x7F800000u | (mantissa << 13));  // inf, NaN
  return bits_float(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

inline float16 to_float16(float f) noexcept {
  const std::uint32_t u = float_bits(f);
  const std::uint32_t sign = (u >> 16) & 0x8000u, magnitude = u & 0x7FFFFFFFu;
  if (magnitude > 0x7F800000u)  // NaN: keep it quiet and keep the top payload bits
    return {static_cast<std::uint16_t>(sign | 0x7E00u | ((magnitude >> 13) & 0x3FFu))};
  if (magnitude >= 0x477FF000u) return {static_cast<std::uint16_t>(sign | 0x7C00u)};  // >= 65520: inf
  if (magnitude < 0x38800000u) {  // below 2^-14: a subnormal half, round(f * 2^24) to nearest even
    const std::uint32_t shift = 126u - (magnitude >> 23);  // float exponent e: value = m * 2^(e-150)
    if (shift > 24u) return {static_cast<std::uint16_t>(sign)};  // below half the smallest subnormal
    const std::uint32_t m = (magnitude & 0x7FFFFFu) | 0x800000u;
    const std::uint32_t half_ulp = 1u << (shift - 1), rest = m & ((1u << shift) - 1u);
    std::uint32_t q = m >> shift;
    if (rest > half_ulp || (rest == half_ulp && (q & 1u))) ++q;
    return {static_cast<std::uint16_t>(sign | q)};
  }
  // Normal: rebias the exponent (127 -> 15) and round the 13 dropped mantissa bits to even; a carry
  // into the exponent is the correct result.
  const std::uint32_t rounded = magnitude + 0xC8000FFFu + ((magnitude >> 13) & 1u);
  return {static_cast<std::uint16_t>(sign | (rounded >> 13))};
}

