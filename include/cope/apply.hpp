// cope — apply RoPE / CoPE to q and k (design §3, §4, §7), and shift cached keys.
//
//   cope::apply_rope(table.view(), args)   angles from a cos/sin table (table.hpp)
//   cope::apply_rope(spectrum, args)       exact angles computed on the fly, no table
//   cope::shift_keys(spectrum or table, shift_args)   re-rotate cached keys by a position delta
//
// One call rotates q and k together (GQA: any head counts), in place or out of place, forward or
// inverse, rotate-half or interleaved, over strided views of float32 / float16 / bfloat16, for a start
// offset, per-token position ids (integer or float32), a ragged batch, or multi-axis positions with an
// axis_map (M-RoPE, IMRoPE, HoPE, ...: axis_map.hpp). Each token's angles are computed (or read) once and
// shared by all its heads. try_apply_rope validates everything and writes nothing on error;
// apply_rope_unchecked skips the checks (opt-in; same preconditions) and is noexcept, like the kernels,
// which never allocate. Work splits by token range (token_begin / token_end) across an engine's threads.
//
// Two ways to build (detail/isa_select.hpp): header-only, where the including unit's -m flags choose the
// SIMD path, or against the compiled library cope::kernels (COPE_COMPILED_KERNELS=1, set by linking it),
// which selects the best path the CPU supports at run time; then this header declares the entry points
// and includes no kernel code. Both give bit-identical results on the same path.
#pragma once

#include "axis_map.hpp"
#include "detail/isa_select.hpp"
#include "error.hpp"
#include "layout.hpp"
#include "positions.hpp"
#include "spectrum.hpp"
#include "table.hpp"
#include "view.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>

namespace cope {

inline constexpr std::size_t all_tokens = std::numeric_limits<std::size_t>::max();
// Largest position with exact angles (design §4: position * inv_freq formed exactly in double).
inline constexpr std::int64_t max_position = std::int64_t{1} << 29;
// The per-token rows live on the stack: at most 1024 rotary dims (512 pairs).
inline constexpr std::size_t max_rotary_dim = 1024;
// |angle| < 2^31 keeps the range reduction exact: inv_freq <= 4 at position 2^29.
inline constexpr float max_inv_freq = 4.0f;

struct rope_args {
  const_tensor_view q;
  tensor_view q_out;    // q_out.data == q.data (same type and strides): in place
  const_tensor_view k;  // k.data == nullptr: q only
  tensor_view k_out;
  positions pos;
  layout pairing = layout::rotate_half;
  direction dir = direction::forward;
  std::size_t rotary_offset = 0;  // the rotary window starts here inside each head
  std::size_t token_begin = 0;    // rotate tokens [token_begin, token_end) only
  std::size_t token_end = all_tokens;
  // Multi-axis RoPE: which position stream each pair reads (one entry per pair of the spectrum or
  // table). Required with multi-axis positions; with 1-D positions every axis is at that position
  // (a text-only batch), so only the map's identity pairs differ from 1-D RoPE. Null: 1-D RoPE.
  const axis_map* pair_axes = nullptr;

  static rope_args in_place(const tensor_view& q, const tensor_view& k, const positions& pos,
                            layout pairing = layout::rotate_half) {
    return out_of_place(q, q, k, k, pos, pairing);
  }
  static rope_args out_of_place(const const_tensor_view& q, const tensor_view& q_out, const const_tensor_view& k,
                                const tensor_view& k_out, const positions& pos,
                                layout pairing = layout::rotate_half) {
    rope_args a;
    a.q = q;
    a.q_out = q_out;
    a.k = k;
    a.k_out = k_out;
    a.pos = pos;
    a.pairing = pairing;
    return a;
  }
};

// Cached keys moved by a position delta (context shift): k rotated in place by delta * inv_freq, a pure
// rotation whatever the spectrum's attention factor (the keys already carry it). Keys rotated at p and
// shifted by d equal keys rotated at p + d, up to two roundings.
struct shift_args {
  tensor_view k;  // the cache, [tokens, kv_heads, head_dim]
  position_delta delta;
  layout pairing = layout::rotate_half;
  std::size_t rotary_offset = 0;
  std::size_t token_begin = 0;
  std::size_t token_end = all_tokens;
  // Multi-axis models: the delta applies on every axis, so pairs move as in 1-D RoPE except the map's
  // identity pairs, which stay as they are. Null: 1-D RoPE.
  const axis_map* pair_axes = nullptr;

  static shift_args make(const tensor_view& k, const position_delta& delta, layout pairing = layout::rotate_half) {
    shift_args a;
    a.k = k;
    a.delta = delta;
    a.pairing = pairing;
    return a;
  }
};

inline namespace COPE_API_NAMESPACE {

// The kernels this unit calls: "avx512bf16", "avx512", "avx2", "neon", "scalar", "dispatch:<isa>"
// (header-only runtime dispatch) or "kernels:<isa>" (the compiled library's choice).
COPE_KERNELS_API const char* active_isa() noexcept;

[[nodiscard]] COPE_KERNELS_API status try_apply_rope(const table_view& table, const rope_args& args);
[[nodiscard]] COPE_KERNELS_API status try_apply_rope(const spectrum& s, const rope_args& args);
// Unchecked (opt-in): the caller guarantees what try_apply_rope would have checked.
COPE_KERNELS_API void apply_rope_unchecked(const table_view& table, const rope_args& args) noexcept;
COPE_KERNELS_API void apply_rope_unchecked(const spectrum& s, const rope_args& args) noexcept;

// Deltas from a table must lie within its positions (|delta| <= positions - 1); on the fly within
// +-max_position.
[[nodiscard]] COPE_KERNELS_API status try_shift_keys(const table_view& table, const shift_args& args);
[[nodiscard]] COPE_KERNELS_API status try_shift_keys(const spectrum& s, const shift_args& args);
COPE_KERNELS_API void shift_keys_unchecked(const table_view& table, const shift_args& args) noexcept;
COPE_KERNELS_API void shift_keys_unchecked(const spectrum& s, const shift_args& args) noexcept;

#if COPE_EXCEPTIONS
inline void apply_rope(const table_view& table, const rope_args& args) {
  detail::throw_if_error(try_apply_rope(table, args));
}
inline void apply_rope(const spectrum& s, const rope_args& args) { detail::throw_if_error(try_apply_rope(s, args)); }
inline void shift_keys(const table_view& table, const shift_args& args) {
  detail::throw_if_error(try_shift_keys(table, args));
}
inline void shift_keys(const spectrum& s, const shift_args& args) { detail::throw_if_error(try_shift_keys(s, args)); }
#endif

}  // namespace COPE_API_NAMESPACE
}  // namespace cope

#if !COPE_COMPILED_KERNELS
#include "detail/kernels_api_inl.hpp"
#endif
