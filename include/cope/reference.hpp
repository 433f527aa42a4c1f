// cope — the scalar double-precision reference rotation: the oracle every kernel is tested against.
//
// Angles are formed exactly: position * inv_freq[j] with the float32 inv_freq widened to double is
// exact for positions up to 2^29 (24 + 29 <= 53 significant bits), and the C library's double sin and
// cos reduce large arguments correctly. Slow by design; not for production use.
#pragma once

#include "detail/check_spectrum.hpp"
#include "detail/message.hpp"
#include "error.hpp"
#include "layout.hpp"
#include "spectrum.hpp"

#include <cmath>
#include <cstdint>
#include <cstddef>

namespace cope {

// Largest position for which the reference's angle is exact.
inline constexpr std::int64_t reference_max_position = std::int64_t{1} << 29;

namespace detail {
// True when [a, a + n) and [b, b + n) share an element (compared as addresses: a total order, as
// std::less gives, without <functional>).
template <class T>
bool ranges_overlap(const T* a, const T* b, std::size_t n) {
  const auto lo_a = reinterpret_cast<std::uintptr_t>(a), lo_b = reinterpret_cast<std::uintptr_t>(b);
  return lo_a < lo_b + n * sizeof(T) && lo_b < lo_a + n * sizeof(T);
}
}  // namespace detail

namespace detail {
// The checks and the rotation shared by both forms; position_of(j) is pair j's position.
template <class PositionOf>
status rotate_reference(const char* ctx, const spectrum& s, layout pairing, direction dir,
                              const PositionOf& position_of, const double* in, double* out, int head_dim,
                              int rotary_offset) {
  if (auto st = detail::check_spectrum(ctx, s); !st) return st;
  if (in == nullptr || out == nullptr)
    return detail::fail(errc::null_data, ctx, ": ", in == nullptr ? "in" : "out", " is null");
  if (head_dim <= 0) return detail::fail(errc::invalid_dimension, ctx, ": head_dim (", head_dim, ") must be positive");
  if (rotary_offset < 0 || rotary_offset > head_dim - s.rotary_dim)  // the window's end in 64 bits: it may pass INT_MAX
    return detail::fail(errc::invalid_dimension, ctx, ": rotary window [", rotary_offset, ", ",
                        static_cast<long long>(rotary_offset) + s.rotary_dim, ") does not fit in head_dim (", head_dim, ")");
  const int pairs = s.pairs();
  for (int j = 0; j < pairs; ++j) {
    const double p = position_of(j);
    if (!(std::abs(p) <= static_cast<double>(reference_max_position)))  // NaN fails too
      return detail::fail(errc::invalid_position, ctx, ": the position of pair ", j, " (", p, ") must be in [-2^29, 2^29]");
  }
  const std::size_t n = static_cast<std::size_t>(head_dim);
  if (in != out && detail::ranges_overlap(in, static_cast<const double*>(out), n))
    return detail::fail(errc::invalid_aliasing, ctx, ": in and out overlap without being the same (in place)");

  const double scale = dir == direction::forward ? s.attention_factor : 1.0 / s.attention_factor;
  const double sign = dir == direction::forward ? 1.0 : -1.0;
  for (int i = 0; i < head_dim; ++i)
    if (i < rotary_offset || i >= rotary_offset + s.rotary_dim) out[i] = in[i];
  for (int j = 0; j < pairs; ++j) {
    const int ix = rotary_offset + (pairing == layout::rotate_half ? j : 2 * j);
    const int iy = rotary_offset + (pairing == layout::rotate_half ? j + pairs : 2 * j + 1);
    const double angle = position_of(j) * static_cast<double>(s.inv_freq[static_cast<std::size_t>(j)]);
    const double c = std::cos(angle) * scale, sn = sign * std::sin(angle) * scale;
    const double x = in[ix], y = in[iy];
    out[ix] = x * c - y * sn;
    out[iy] = x * sn + y * c;
  }
  return {};
}
}  // namespace detail

// Rotates one head vector in[0..head_dim) into out (out == in: in place). The rotary dimensions are
// [rotary_offset, rotary_offset + s.rotary_dim), paired per `pairing`; the others are copied.
[[nodiscard]] inline status try_reference_rotate(const spectrum& s, layout pairing, direction dir, std::int64_t position,
                                   const double* in, double* out, int head_dim, int rotary_offset = 0) {
  const char* ctx = "reference_rotate";
  if (position < 0 || position > reference_max_position)
    return detail::fail(errc::invalid_position, ctx, ": position (", static_cast<long long>(position),
                        ") must be in [0, 2^29]");
  const auto p = static_cast<double>(position);
  return detail::rotate_reference(ctx, s, pairing, dir, [p](int) { return p; }, in, out, head_dim, rotary_offset);
}

// Each pair at its own position (multi-axis RoPE: pair j at the position of its axis, 0 for an
// identity pair; fractional or negative positions): pair_position[j], j < pairs. Exact angles for
// positions that are float32 values or integers, within +-2^29.
[[nodiscard]] inline status try_reference_rotate_per_pair(const spectrum& s, layout pairing, direction dir,
                                                          const double* pair_position, const double* in, double* out,
                                                 int head_dim, int rotary_offset = 0) {
  const char* ctx = "reference_rotate_per_pair";
  if (pair_position == nullptr) return detail::fail(errc::null_data, ctx, ": pair_position is null");
  return detail::rotate_reference(
      ctx, s, pairing, dir, [pair_position](int j) { return pair_position[j]; }, in, out, head_dim, rotary_offset);
}

#if COPE_EXCEPTIONS
inline void reference_rotate(const spectrum& s, layout pairing, direction dir, std::int64_t position,
                             const double* in, double* out, int head_dim, int rotary_offset = 0) {
  detail::throw_if_error(try_reference_rotate(s, pairing, dir, position, in, out, head_dim, rotary_offset));
}
inline void reference_rotate_per_pair(const spectrum& s, layout pairing, direction dir, const double* pair_position,
                                      const double* in, double* out, int head_dim, int rotary_offset = 0) {
  detail::throw_if_error(try_reference_rotate_per_pair(s, pairing, dir, pair_position, in, out, head_dim, rotary_offset));
}
#endif

}  // namespace cope
