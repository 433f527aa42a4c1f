// Internal header (not part of the public API): the checked layer of the kernel entry points (design
// §7): views, aliasing, positions, tables and spectra, each failure naming the parameter, its value and
// the rule. Nothing here writes to the caller's buffers.
#pragma once

#include "../apply.hpp"
#include "../table.hpp"
#include "job.hpp"
#include "check_spectrum.hpp"
#include "message.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>

namespace cope::detail {
// Compiled once per choice of kernels, like them (scalar code vectorizes differently under other flags).
// The checks stay out of line (COPE_NOINLINE): one copy each, shared by every entry point, instead of
// one inlined per caller — their cost is per call, not per element.
inline namespace COPE_API_NAMESPACE {

constexpr const char* apply_ctx = "apply_rope";


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

COPE_NOINLINE inline status check_view(const char* name, const const_tensor_view& v, std::size_t window_end, const char* where = apply_ctx) {
  if (v.data == nullptr) return fail(errc::null_data, where, ": ", name, " is null");
  if (v.heads == 0 || v.head_dim == 0)
    return fail(errc::invalid_view, where, ": ", name, " has ", v.heads, " heads of head_dim ", v.head_dim,
                "; both must be positive");
  if (v.head_dim < window_end)
    return fail(errc::invalid_dimension, where, ": ", name, ".head_dim (", v.head_dim, ") is smaller than the rotary window end (",
                window_end, ")");
  if (v.tokens > 1 && v.token_stride <= 0)
    return fail(errc::invalid_view, where, ": ", name, ".token_stride (", static_cast<long long>(v.token_stride),
                ") must be positive");
  if (v.heads > 1 && v.head_stride <= 0)
    return fail(errc::invalid_view, where, ": ", name, ".head_stride (", static_cast<long long>(v.head_stride),
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
    return fail(errc::overlapping_views, where, ": ", name, "'s rows overlap (token_stride ",
                static_cast<long long>(v.token_stride), ", head_stride ", static_cast<long long>(v.head_stride),
                ", head_dim ", v.head_dim, ")");
  if (v.capacity != 0 && grid_of(v).span() > v.capacity)
    return fail(errc::overlapping_views, where, ": ", name, " spans ", grid_of(v).span(),
                " elements, past its stated capacity (", v.capacity, ")");
  return {};
}

inline bool supported_types(dtype in, dtype out) {
  for (const storage_pair& p : supported_storage)
    if (p.in == in && p.out == out) return true;
  return false;
}

COPE_NOINLINE inline status check_pair(const char* in_name, const const_tensor_view& in, const char* out_name,
                         const tensor_view& out, std::size_t window_end) {
  if (auto st = check_view(in_name, in, window_end); !st) return st;
  const bool same_view = out.data == in.data && out.type == in.type && out.tokens == in.tokens &&
                         out.heads == in.heads && out.head_dim == in.head_dim && out.token_stride == in.token_stride &&
                         out.head_stride == in.head_stride && out.capacity == in.capacity;
  if (same_view) return {};  // exactly in place: the view just checked
  if (auto st = check_view(out_name, out, window_end); !st) return st;
  if (out.tokens != in.tokens || out.heads != in.heads || out.head_dim != in.head_dim)
    return fail(errc::invalid_view, apply_ctx, ": ", out_name, " is [", out.tokens, ", ", out.heads, ", ", out.head_dim,
                "] but ", in_name, " is [", in.tokens, ", ", in.heads, ", ", in.head_dim, "]");
  if (!supported_types(in.type, out.type))
    return fail(errc::invalid_view, apply_ctx, ": ", in_name, " (", to_string(in.type), ") to ", out_name, " (",
                to_string(out.type), ") is not supported: same type, or f32 to f16 / bf16");
  if (out.data == in.data) {
    if (out.type != in.type || out.token_stride != in.token_stride || out.head_stride != in.head_stride)
      return fail(errc::invalid_aliasing, apply_ctx, ": ", out_name, " starts at ", in_name,
                  " but differs in type or strides; in place needs the same view");
    return {};
  }
  if (!disjoint(grid_of(in), grid_of(out)))
    return fail(errc::invalid_aliasing, apply_ctx, ": ", in_name, " and ", out_name,
                " overlap without being the same view (in place)");
  return {};
}

// [token_begin, token_end) within the view's tokens (token_end == all_tokens: to the last).
inline status check_token_range(const char* where, std::size_t token_begin, std::size_t token_end, std::size_t tokens) {
  const std::size_t end = token_end == all_tokens ? tokens : token_end;
  if (token_begin > end || end > tokens)
    return fail(errc::invalid_position, where, ": token range [", token_begin, ", ", end, ") is not within the ", tokens,
                " tokens");
  return {};
}

COPE_NOINLINE inline status check_positions(const rope_args& a, std::size_t tokens, std::int64_t last, const char* limit_name) {
  if (auto st = check_token_range(apply_ctx, a.token_begin, a.token_end, tokens); !st) return st;
  const std::size_t end = a.token_end == all_tokens ? tokens : a.token_end;
  auto check_one = [&](const char* what, std::size_t i, std::int64_t p) -> status {
    if (p < 0) return fail(errc::invalid_position, apply_ctx, ": ", what, "[", i, "] (", static_cast<long long>(p), ") is negative");
    if (p > last)
      return fail(errc::invalid_position, apply_ctx, ": ", what, "[", i, "] (", static_cast<long long>(p), ") is beyond ",
                  limit_name, " (", static_cast<long long>(last), ")");
    return {};
  };
  const positions& pos = a.pos;
  switch (pos.kind) {
    case position_kind::offset:
      if (pos.start < 0)
        return fail(errc::invalid_position, apply_ctx, ": start position (", static_cast<long long>(pos.start), ") is negative");
      if (end > a.token_begin && pos.start > last - static_cast<std::int64_t>(end - 1))
        return fail(errc::invalid_position, apply_ctx, ": start position (", static_cast<long long>(pos.start), ") + token ",
                    end - 1, " is beyond ", limit_name, " (", static_cast<long long>(last), ")");
      return {};
    case position_kind::ids_i32:
    case position_kind::ids_i64: {
      if (pos.ids == nullptr) return fail(errc::null_data, apply_ctx, ": position_ids is null");
      if (pos.count != tokens)
        return fail(errc::invalid_position, apply_ctx, ": position_ids has ", pos.count, " entries for ", tokens, " tokens");
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
        return fail(errc::null_data, apply_ctx, ": ragged ", pos.indptr == nullptr ? "indptr" : "request_offsets", " is null");
      if (pos.requests == 0) return fail(errc::invalid_position, apply_ctx, ": a ragged batch needs at least one request");
      const bool i32 = pos.kind == position_kind::ragged_i32;
      auto indptr = [&](std::size_t r) -> std::int64_t {
        return i32 ? static_cast<const std::int32_t*>(pos.indptr)[r] : static_cast<const std::int64_t*>(pos.indptr)[r];
      };
      auto offset = [&](std::size_t r) -> std::int64_t {
        return i32 ? static_cast<const std::int32_t*>(pos.request_offsets)[r]
                   : static_cast<const std::int64_t*>(pos.request_offsets)[r];
      };
      if (indptr(0) != 0)
        return fail(errc::invalid_position, apply_ctx, ": indptr[0] (", static_cast<long long>(indptr(0)), ") must be 0");
      if (indptr(pos.requests) != static_cast<std::int64_t>(tokens))
        return fail(errc::invalid_position, apply_ctx, ": indptr[", pos.requests, "] (",
                    static_cast<long long>(indptr(pos.requests)), ") must equal the number of tokens (", tokens, ")");
      for (std::size_t r = 0; r < pos.requests; ++r) {
        const std::int64_t length = indptr(r + 1) - indptr(r);
        if (length < 0)
          return fail(errc::invalid_position, apply_ctx, ": indptr decreases at request ", r, " (",
                      static_cast<long long>(indptr(r)), " then ", static_cast<long long>(indptr(r + 1)), ")");
        if (auto st = check_one("request_offsets", r, offset(r)); !st) return st;
        if (length > 0 && offset(r) > last - (length - 1))
          return fail(errc::invalid_position, apply_ctx, ": request ", r, " reaches position ",
                      static_cast<long long>(offset(r) + length - 1), ", beyond ", limit_name, " (",
                      static_cast<long long>(last), ")");
      }
      return {};
    }
  }
  return fail(errc::invalid_position, apply_ctx, ": unknown position kind");
}

// Everything but the angle source, which the caller has checked.
COPE_NOINLINE inline status check_args(const rope_args& a, std::size_t pairs, std::int64_t last, const char* limit_name) {
  const std::size_t window_end = a.rotary_offset + 2 * pairs;
  if (auto st = check_pair("q", a.q, "q_out", a.q_out, window_end); !st) return st;
  const bool has_k = a.k.data != nullptr || a.k_out.data != nullptr;
  if (has_k) {
    if (auto st = check_pair("k", a.k, "k_out", a.k_out, window_end); !st) return st;
    if (a.k.tokens != a.q.tokens)
      return fail(errc::invalid_view, apply_ctx, ": k has ", a.k.tokens, " tokens but q has ", a.q.tokens);
    const grid q = grid_of(a.q), q_out = grid_of(a.q_out), k = grid_of(a.k), k_out = grid_of(a.k_out);
    if (!disjoint(q_out, k_out) || !disjoint(q_out, k) || !disjoint(k_out, q))
      return fail(errc::invalid_aliasing, apply_ctx, ": q and k views overlap");
  }
  if (auto st = check_positions(a, a.q.tokens, last, limit_name); !st) return st;

  return {};
}

COPE_NOINLINE inline status check_table(const table_view& t, const char* where = apply_ctx) {
  if (t.data == nullptr) return fail(errc::null_data, where, ": the table is null");
  if (t.pairs == 0 || 2 * t.pairs > max_rotary_dim)
    return fail(errc::invalid_dimension, where, ": the table has ", t.pairs, " pairs; rotary_dim must be in [2, ",
                max_rotary_dim, "]");
  if (t.positions <= 0)
    return fail(errc::invalid_position, where, ": the table has ", static_cast<long long>(t.positions), " positions");
  if (t.row_stride < static_cast<std::ptrdiff_t>(2 * t.pairs))
    return fail(errc::invalid_view, where, ": the table's row_stride (", static_cast<long long>(t.row_stride),
                ") is below 2 * pairs (", 2 * t.pairs, ")");
  if (!(std::isfinite(t.attention_factor) && t.attention_factor > 0))
    return fail(errc::invalid_factor, where, ": the table's attention_factor (", t.attention_factor,
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
    if (auto st = check_spectrum(where, s); !st) return st;
    for (std::size_t j = 0; j < s.inv_freq.size(); ++j)
      if (s.inv_freq[j] > max_inv_freq)
        return fail(errc::invalid_factor, where, ": inv_freq[", j, "] (", s.inv_freq[j], ") exceeds ", max_inv_freq,
                    "; exact angles need position * inv_freq < 2^31");
  }
  if (2 * s.inv_freq.size() > max_rotary_dim)
    return fail(errc::invalid_dimension, where, ": rotary_dim (", s.rotary_dim, ") exceeds ", max_rotary_dim);
  return {};
}


// shift_keys: the cache view (rotated in place), the token range and each delta, |delta| <= last.
COPE_NOINLINE inline status check_shift(const shift_args& a, std::size_t pairs, std::int64_t last, const char* limit_name) {
  const char* where = "shift_keys";
  if (auto st = check_view("k", a.k, a.rotary_offset + 2 * pairs, where); !st) return st;
  if (auto st = check_token_range(where, a.token_begin, a.token_end, a.k.tokens); !st) return st;
  const std::size_t tokens = a.k.tokens, end = a.token_end == all_tokens ? tokens : a.token_end;
  auto check_one = [&](const char* what, std::int64_t d) -> status {
    if (d > last || d < -last)  // written so that no negation of INT64_MIN occurs
      return fail(errc::invalid_position, where, ": ", what, " (", static_cast<long long>(d), ") is beyond +-",
                  limit_name, " (", static_cast<long long>(last), ")");
    return {};
  };
  const position_delta& d = a.delta;
  if (d.kind == delta_kind::constant) return check_one("delta", d.value);
  if (d.kind != delta_kind::per_token_i32 && d.kind != delta_kind::per_token_i64)
    return fail(errc::invalid_position, where, ": unknown delta kind");
  if (d.deltas == nullptr) return fail(errc::null_data, where, ": the per-token deltas are null");
  if (d.count != tokens)
    return fail(errc::invalid_position, where, ": ", d.count, " per-token deltas for ", tokens, " tokens");
  for (std::size_t t = a.token_begin; t < end; ++t) {
    const std::int64_t v = d.kind == delta_kind::per_token_i64 ? static_cast<const std::int64_t*>(d.deltas)[t]
                                                               : static_cast<const std::int32_t*>(d.deltas)[t];
    if (auto st = check_one("a per-token delta", v); !st)
      return fail(st.code(), st.message(), " at token ", t);
  }
  return {};
}

}  // namespace COPE_API_NAMESPACE
}  // namespace cope::detail
