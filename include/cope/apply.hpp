// cope — apply RoPE / CoPE to q and k (design §3, §4, §7).
//
//   cope::apply_rope(table.view(), args)   angles from a cos/sin table (table.hpp)
//   cope::apply_rope(spectrum, args)       exact angles computed on the fly, no table
//
// One call rotates q and k together (GQA: any head counts), in place or out of place, forward or
// inverse, rotate-half or interleaved, over strided views of float32 / float16 / bfloat16, for a start
// offset, per-token position ids or a ragged batch. Each token's angles are computed (or read) once and
// shared by all its heads. try_apply_rope validates everything and writes nothing on error;
// apply_rope_unchecked skips the checks (opt-in; same preconditions) and is noexcept, like the kernels,
// which never allocate. Work splits by token range (token_begin / token_end) across an engine's threads.
#pragma once

#include "detail/isa.hpp"
#include "detail/message.hpp"
#include "error.hpp"
#include "layout.hpp"
#include "positions.hpp"
#include "reference.hpp"
#include "spectrum.hpp"
#include "table.hpp"
#include "view.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

namespace cope {

inline constexpr std::size_t all_tokens = std::numeric_limits<std::size_t>::max();
// Largest position with exact angles (design §4: position * inv_freq formed exactly in double).
inline constexpr std::int64_t max_position = std::int64_t{1} << 29;
// The per-token rows live on the stack: at most 1024 rotary dims (512 pairs).
inline constexpr std::size_t max_rotary_dim = 2 * detail::max_pairs;
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

inline namespace COPE_API_NAMESPACE {

// The kernels this translation unit calls: "avx512", "avx2", "neon", "scalar", or "dispatch:<isa>".
inline const char* active_isa() noexcept { return dispatch::kernels().name; }

namespace checks {
using ::cope::detail::fail;
constexpr const char* ctx = "apply_rope";

struct grid {  // a view's geometry in bytes
  const char* data;
  std::size_t element, tokens, heads, head_dim;
  std::ptrdiff_t token_stride, head_stride;  // elements
  std::size_t span() const noexcept {        // elements from data to the end of the last row
    if (tokens == 0) return 0;
    return (tokens - 1) * static_cast<std::size_t>(token_stride) + (heads - 1) * static_cast<std::size_t>(head_stride) +
           head_dim;
  }
  const char* end() const noexcept { return data + span() * element; }
};

inline grid grid_of(const const_tensor_view& v) {
  return {static_cast<const char*>(v.data), size_of(v.type), v.tokens, v.heads, v.head_dim, v.token_stride,
          v.head_stride};
}

// Conservative: true when the two grids provably share no byte. Disjoint address ranges, or (fused
// QKV) the same token stride with both one-token footprints disjoint inside one stride.
inline bool disjoint(const grid& a, const grid& b) {
  std::less<const char*> less;
  if (a.tokens == 0 || b.tokens == 0) return true;
  if (!less(b.data, a.end()) || !less(a.data, b.end())) return true;
  const std::ptrdiff_t a_stride = a.token_stride * static_cast<std::ptrdiff_t>(a.element);
  const std::ptrdiff_t b_stride = b.token_stride * static_cast<std::ptrdiff_t>(b.element);
  if (a.tokens != b.tokens || a_stride != b_stride) return false;
  grid a0 = a, b0 = b;
  a0.tokens = b0.tokens = 1;
  const bool rows_disjoint = !less(b0.data, a0.end()) || !less(a0.data, b0.end());
  const char* lo = less(a0.data, b0.data) ? a0.data : b0.data;
  const char* hi = less(a0.end(), b0.end()) ? b0.end() : a0.end();
  return rows_disjoint && hi - lo <= a_stride;
}

inline status check_view(const char* name, const const_tensor_view& v, std::size_t window_end) {
  if (v.data == nullptr) return fail(errc::null_data, ctx, ": ", name, " is null");
  if (v.heads == 0 || v.head_dim == 0)
    return fail(errc::invalid_view, ctx, ": ", name, " has ", v.heads, " heads of head_dim ", v.head_dim,
                "; both must be positive");
  if (v.head_dim < window_end)
    return fail(errc::invalid_dimension, ctx, ": ", name, ".head_dim (", v.head_dim, ") is smaller than the rotary window end (",
                window_end, ")");
  if (v.tokens > 1 && v.token_stride <= 0)
    return fail(errc::invalid_view, ctx, ": ", name, ".token_stride (", static_cast<long long>(v.token_stride),
                ") must be positive");
  if (v.heads > 1 && v.head_stride <= 0)
    return fail(errc::invalid_view, ctx, ": ", name, ".head_stride (", static_cast<long long>(v.head_stride),
                ") must be positive");
  // Rows must not overlap: with the strides sorted, the smaller must clear a row and the larger
  // must clear all rows of the smaller.
  std::size_t s1 = static_cast<std::size_t>(std::max<std::ptrdiff_t>(v.head_stride, 0)), n1 = v.heads;
  std::size_t s2 = static_cast<std::size_t>(std::max<std::ptrdiff_t>(v.token_stride, 0)), n2 = v.tokens;
  if (n1 <= 1 || (n2 > 1 && s2 < s1)) {
    std::swap(s1, s2);
    std::swap(n1, n2);
  }
  const bool rows_ok = (n1 <= 1 || s1 >= v.head_dim) && (n2 <= 1 || s2 >= (n1 - 1) * s1 + v.head_dim);
  if (!rows_ok)
    return fail(errc::overlapping_views, ctx, ": ", name, "'s rows overlap (token_stride ",
                static_cast<long long>(v.token_stride), ", head_stride ", static_cast<long long>(v.head_stride),
                ", head_dim ", v.head_dim, ")");
  if (v.capacity != 0 && grid_of(v).span() > v.capacity)
    return fail(errc::overlapping_views, ctx, ": ", name, " spans ", grid_of(v).span(),
                " elements, past its stated capacity (", v.capacity, ")");
  return {};
}

inline bool supported_types(dtype in, dtype out) {
  return in == out || (in == dtype::f32 && (out == dtype::f16 || out == dtype::bf16));
}

inline status check_pair(const char* in_name, const const_tensor_view& in, const char* out_name,
                         const tensor_view& out, std::size_t window_end) {
  if (auto st = check_view(in_name, in, window_end); !st) return st;
  const bool same_view = out.data == in.data && out.type == in.type && out.tokens == in.tokens &&
                         out.heads == in.heads && out.head_dim == in.head_dim && out.token_stride == in.token_stride &&
                         out.head_stride == in.head_stride && out.capacity == in.capacity;
  if (same_view) return {};  // exactly in place: the view just checked
  if (auto st = check_view(out_name, out, window_end); !st) return st;
  if (out.tokens != in.tokens || out.heads != in.heads || out.head_dim != in.head_dim)
    return fail(errc::invalid_view, ctx, ": ", out_name, " is [", out.tokens, ", ", out.heads, ", ", out.head_dim,
                "] but ", in_name, " is [", in.tokens, ", ", in.heads, ", ", in.head_dim, "]");
  if (!supported_types(in.type, out.type))
    return fail(errc::invalid_view, ctx, ": ", in_name, " (", to_string(in.type), ") to ", out_name, " (",
                to_string(out.type), ") is not supported: same type, or f32 to f16 / bf16");
  if (out.data == in.data) {
    if (out.type != in.type || out.token_stride != in.token_stride || out.head_stride != in.head_stride)
      return fail(errc::invalid_aliasing, ctx, ": ", out_name, " starts at ", in_name,
                  " but differs in type or strides; in place needs the same view");
    return {};
  }
  if (!disjoint(grid_of(in), grid_of(out)))
    return fail(errc::invalid_aliasing, ctx, ": ", in_name, " and ", out_name,
                " overlap without being the same view (in place)");
  return {};
}

inline status check_positions(const rope_args& a, std::size_t tokens, std::int64_t last, const char* limit_name) {
  const std::size_t end = a.token_end == all_tokens ? tokens : a.token_end;
  if (a.token_begin > end || end > tokens)
    return fail(errc::invalid_position, ctx, ": token range [", a.token_begin, ", ", end, ") is not within the ",
                tokens, " tokens");
  auto check_one = [&](const char* what, std::size_t i, std::int64_t p) -> status {
    if (p < 0) return fail(errc::invalid_position, ctx, ": ", what, "[", i, "] (", static_cast<long long>(p), ") is negative");
    if (p > last)
      return fail(errc::invalid_position, ctx, ": ", what, "[", i, "] (", static_cast<long long>(p), ") is beyond ",
                  limit_name, " (", static_cast<long long>(last), ")");
    return {};
  };
  const positions& pos = a.pos;
  switch (pos.kind) {
    case position_kind::offset:
      if (pos.start < 0)
        return fail(errc::invalid_position, ctx, ": start position (", static_cast<long long>(pos.start), ") is negative");
      if (end > a.token_begin && pos.start > last - static_cast<std::int64_t>(end - 1))
        return fail(errc::invalid_position, ctx, ": start position (", static_cast<long long>(pos.start), ") + token ",
                    end - 1, " is beyond ", limit_name, " (", static_cast<long long>(last), ")");
      return {};
    case position_kind::ids_i32:
    case position_kind::ids_i64: {
      if (pos.ids == nullptr) return fail(errc::null_data, ctx, ": position_ids is null");
      if (pos.count != tokens)
        return fail(errc::invalid_position, ctx, ": position_ids has ", pos.count, " entries for ", tokens, " tokens");
      for (std::size_t t = a.token_begin; t < end; ++t) {
        const std::int64_t p = pos.kind == position_kind::ids_i32 ? static_cast<const std::int32_t*>(pos.ids)[t]
                                                                  : static_cast<const std::int64_t*>(pos.ids)[t];
        if (auto st = check_one("position_ids", t, p); !st) return st;
      }
      return {};
    }
    case position_kind::ragged_i32:
    case position_kind::ragged_i64: {
      if (pos.indptr == nullptr || pos.request_offsets == nullptr)
        return fail(errc::null_data, ctx, ": ragged ", pos.indptr == nullptr ? "indptr" : "request_offsets", " is null");
      if (pos.requests == 0) return fail(errc::invalid_position, ctx, ": a ragged batch needs at least one request");
      const bool i32 = pos.kind == position_kind::ragged_i32;
      auto indptr = [&](std::size_t r) -> std::int64_t {
        return i32 ? static_cast<const std::int32_t*>(pos.indptr)[r] : static_cast<const std::int64_t*>(pos.indptr)[r];
      };
      auto offset = [&](std::size_t r) -> std::int64_t {
        return i32 ? static_cast<const std::int32_t*>(pos.request_offsets)[r]
                   : static_cast<const std::int64_t*>(pos.request_offsets)[r];
      };
      if (indptr(0) != 0)
        return fail(errc::invalid_position, ctx, ": indptr[0] (", static_cast<long long>(indptr(0)), ") must be 0");
      if (indptr(pos.requests) != static_cast<std::int64_t>(tokens))
        return fail(errc::invalid_position, ctx, ": indptr[", pos.requests, "] (",
                    static_cast<long long>(indptr(pos.requests)), ") must equal the number of tokens (", tokens, ")");
      for (std::size_t r = 0; r < pos.requests; ++r) {
        const std::int64_t length = indptr(r + 1) - indptr(r);
        if (length < 0)
          return fail(errc::invalid_position, ctx, ": indptr decreases at request ", r, " (",
                      static_cast<long long>(indptr(r)), " then ", static_cast<long long>(indptr(r + 1)), ")");
        if (auto st = check_one("request_offsets", r, offset(r)); !st) return st;
        if (length > 0 && offset(r) > last - (length - 1))
          return fail(errc::invalid_position, ctx, ": request ", r, " reaches position ",
                      static_cast<long long>(offset(r) + length - 1), ", beyond ", limit_name, " (",
                      static_cast<long long>(last), ")");
      }
      return {};
    }
  }
  return fail(errc::invalid_position, ctx, ": unknown position kind");
}

// Everything but the angle source, which the caller has checked.
inline status check_args(const rope_args& a, std::size_t pairs, std::int64_t last, const char* limit_name) {
  const std::size_t window_end = a.rotary_offset + 2 * pairs;
  if (auto st = check_pair("q", a.q, "q_out", a.q_out, window_end); !st) return st;
  const bool has_k = a.k.data != nullptr || a.k_out.data != nullptr;
  if (has_k) {
    if (auto st = check_pair("k", a.k, "k_out", a.k_out, window_end); !st) return st;
    if (a.k.tokens != a.q.tokens)
      return fail(errc::invalid_view, ctx, ": k has ", a.k.tokens, " tokens but q has ", a.q.tokens);
    const grid q = grid_of(a.q), q_out = grid_of(a.q_out), k = grid_of(a.k), k_out = grid_of(a.k_out);
    if (!disjoint(q_out, k_out) || !disjoint(q_out, k) || !disjoint(k_out, q))
      return fail(errc::invalid_aliasing, ctx, ": q and k views overlap");
  }
  if (auto st = check_positions(a, a.q.tokens, last, limit_name); !st) return st;

  return {};
}

inline status check_table(const table_view& t) {
  if (t.data == nullptr) return fail(errc::null_data, ctx, ": the table is null");
  if (t.pairs == 0 || 2 * t.pairs > max_rotary_dim)
    return fail(errc::invalid_dimension, ctx, ": the table has ", t.pairs, " pairs; rotary_dim must be in [2, ",
                max_rotary_dim, "]");
  if (t.positions <= 0)
    return fail(errc::invalid_position, ctx, ": the table has ", static_cast<long long>(t.positions), " positions");
  if (t.row_stride < static_cast<std::ptrdiff_t>(2 * t.pairs))
    return fail(errc::invalid_view, ctx, ": the table's row_stride (", static_cast<long long>(t.row_stride),
                ") is below 2 * pairs (", 2 * t.pairs, ")");
  if (!(std::isfinite(t.attention_factor) && t.attention_factor > 0))
    return fail(errc::invalid_factor, ctx, ": the table's attention_factor (", t.attention_factor,
                ") must be finite and positive");
  return {};
}

// Runs on every on-the-fly call (decode: one token), so one pass over inv_freq decides; only a failure
// looks closer to name the rule.
inline status check_spectrum_for_angles(const char* where, const spectrum& s) {
  // Every value in [+0, 4] has a bit pattern <= that of 4.0f; negatives, -0, NaN and inf lie above it.
  // An unsigned max vectorizes; anything above goes to the precise checks below.
  std::uint32_t largest = 0;
  for (float v : s.inv_freq) {
    std::uint32_t u;
    std::memcpy(&u, &v, sizeof u);
    largest = std::max(largest, u);
  }
  const bool in_range = largest <= 0x40800000u;  // 4.0f
  if (!in_range || s.inv_freq.empty() || s.rotary_dim != 2 * s.pairs() ||
      !(std::isfinite(s.attention_factor) && s.attention_factor > 0)) {
    if (auto st = ::cope::detail::check_spectrum(where, s); !st) return st;
    for (std::size_t j = 0; j < s.inv_freq.size(); ++j)
      if (s.inv_freq[j] > max_inv_freq)
        return fail(errc::invalid_factor, where, ": inv_freq[", j, "] (", s.inv_freq[j], ") exceeds ", max_inv_freq,
                    "; exact angles need position * inv_freq < 2^31");
  }
  if (2 * s.inv_freq.size() > max_rotary_dim)
    return fail(errc::invalid_dimension, where, ": rotary_dim (", s.rotary_dim, ") exceeds ", max_rotary_dim);
  return {};
}

inline ::cope::detail::rope_job table_job(const table_view& t) {
  ::cope::detail::rope_job job;
  job.table = t.data;
  job.table_row_stride = t.row_stride;
  job.attention_factor = t.attention_factor;
  job.pairs = t.pairs;
  return job;
}

inline ::cope::detail::rope_job spectrum_job(const spectrum& s) {
  ::cope::detail::rope_job job;
  job.inv_freq = s.inv_freq.data();
  job.attention_factor = s.attention_factor;
  job.pairs = s.inv_freq.size();
  return job;
}
inline void unchecked_run(::cope::detail::rope_job job, const rope_args& a) noexcept {
  job.pos = a.pos;
  job.interleaved = a.pairing == layout::interleaved;
  job.inverse = a.dir == direction::inverse;
  job.rotary_offset = a.rotary_offset;
  job.token_begin = a.token_begin;
  job.token_end = a.token_end == all_tokens ? a.q.tokens : a.token_end;
  job.q = {a.q.data,         a.q_out.data,         a.q.type,
           a.q_out.type,     a.q.heads,            a.q.head_dim,
           a.q.token_stride, a.q.head_stride,      a.q_out.token_stride,
           a.q_out.head_stride};
  if (a.k.data != nullptr)
    job.k = {a.k.data,         a.k_out.data,    a.k.type,
             a.k_out.type,     a.k.heads,       a.k.head_dim,
             a.k.token_stride, a.k.head_stride, a.k_out.token_stride,
             a.k_out.head_stride};
  dispatch::kernels().run(job);
}
}  // namespace checks

// ---- apply --------------------------------------------------------------------------------------

inline status try_apply_rope(const table_view& table, const rope_args& args) {
  if (auto st = checks::check_table(table); !st) return st;
  if (auto st = checks::check_args(args, table.pairs, table.positions - 1, "the table's last position"); !st)
    return st;
  checks::unchecked_run(checks::table_job(table), args);
  return {};
}

inline status try_apply_rope(const spectrum& s, const rope_args& args) {
  if (auto st = checks::check_spectrum_for_angles(checks::ctx, s); !st) return st;
  if (auto st = checks::check_args(args, s.inv_freq.size(), max_position, "the largest exact position"); !st)
    return st;
  checks::unchecked_run(checks::spectrum_job(s), args);
  return {};
}

// Unchecked (opt-in): the caller guarantees what try_apply_rope would have checked.
inline void apply_rope_unchecked(const table_view& table, const rope_args& args) noexcept {
  checks::unchecked_run(checks::table_job(table), args);
}

inline void apply_rope_unchecked(const spectrum& s, const rope_args& args) noexcept {
  checks::unchecked_run(checks::spectrum_job(s), args);
}

// ---- tables -------------------------------------------------------------------------------------

// Rows for positions first .. first + count - 1 into an engine's buffer, row i at out + i * row_stride.
inline status try_fill_table(const spectrum& s, std::int64_t first, std::int64_t count, float* out,
                             std::ptrdiff_t row_stride) {
  const char* ctx = "fill_table";
  if (auto st = checks::check_spectrum_for_angles(ctx, s); !st) return st;
  if (out == nullptr) return ::cope::detail::fail(errc::null_data, ctx, ": out is null");
  if (row_stride < static_cast<std::ptrdiff_t>(2 * s.inv_freq.size()))
    return ::cope::detail::fail(errc::invalid_view, ctx, ": row_stride (", static_cast<long long>(row_stride),
                                ") is below 2 * pairs (", 2 * s.inv_freq.size(), ")");
  if (first < 0 || count < 0 || first > max_position - (count > 0 ? count - 1 : 0))
    return ::cope::detail::fail(errc::invalid_position, ctx, ": positions [", static_cast<long long>(first), ", ",
                                static_cast<long long>(first + count), ") must lie in [0, 2^29]");
  dispatch::kernels().fill_table_rows(s.inv_freq.data(), s.inv_freq.size(), s.attention_factor, first, count, out,
                                      row_stride);
  return {};
}

// A table for positions 0 .. positions - 1.
inline result<rope_table> try_make_table(const spectrum& s, std::int64_t positions) {
  if (positions <= 0 || positions > max_position + 1)
    return ::cope::detail::fail(errc::invalid_position, "make_table: positions (", static_cast<long long>(positions),
                                ") must be in [1, 2^29 + 1]");
  if (auto st = checks::check_spectrum_for_angles("make_table", s); !st) return st;
  rope_table t;
  t.pairs = s.inv_freq.size();
  t.positions = positions;
  t.attention_factor = s.attention_factor;
  t.values.resize(static_cast<std::size_t>(positions) * 2 * t.pairs);
  dispatch::kernels().fill_table_rows(s.inv_freq.data(), t.pairs, s.attention_factor, 0, positions, t.values.data(),
                                      static_cast<std::ptrdiff_t>(2 * t.pairs));
  return t;
}

#if COPE_EXCEPTIONS
inline void apply_rope(const table_view& table, const rope_args& args) {
  ::cope::detail::throw_if_error(try_apply_rope(table, args));
}
inline void apply_rope(const spectrum& s, const rope_args& args) {
  ::cope::detail::throw_if_error(try_apply_rope(s, args));
}
inline void fill_table(const spectrum& s, std::int64_t first, std::int64_t count, float* out,
                       std::ptrdiff_t row_stride) {
  ::cope::detail::throw_if_error(try_fill_table(s, first, count, out, row_stride));
}
inline rope_table make_table(const spectrum& s, std::int64_t positions) {
  return ::cope::detail::value_or_throw(try_make_table(s, positions));
}
#endif

}  // namespace COPE_API_NAMESPACE
}  // namespace cope
