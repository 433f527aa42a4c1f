// cope — storage types of q and k: float32, IEEE float16 and bfloat16 (design §3). Math is always
// float32; storing rounds to nearest, ties to even.
#pragma once

#include <cstdint>
#include <cstring>

namespace cope {

enum class dtype { f32, f16, bf16 };

inline const char* to_string(dtype t) noexcept {
  switch (t) {
    case dtype::f32: return "f32";
    case dtype::f16: return "f16";
    case dtype::bf16: return "bf16";
  }
  return "unknown";
}

inline std::size_t size_of(dtype t) noexcept { return t == dtype::f32 ? 4 : 2; }

// IEEE 754 binary16, stored as its bit pattern.
struct float16 {
  std::uint16_t bits;
};

// bfloat16: the upper half of a float32, stored as its bit pattern.
struct bfloat16 {
  std::uint16_t bits;
};

template <class T>
struct dtype_of;
template <>
struct dtype_of<float> {
  static constexpr dtype value = dtype::f32;
};
template <>
struct dtype_of<float16> {
  static constexpr dtype value = dtype::f16;
};
template <>
struct dtype_of<bfloat16> {
  static constexpr dtype value = dtype::bf16;
};

// Scalar conversions (to_float, to_float16, to_bfloat16) and the bit casts float_bits / bits_float:
// integer bit manipulation only, the same under any -m flags.
#include "detail/convert_inl.hpp"

}  // namespace cope
