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
#include <string>

namespace cope::detail {
// Compiled once per choice of kernels, like them (scalar code vectorizes differently under other flags).
// The checks stay out of line (COPE_NOINLINE): one copy each, shared by every entry point, instead of
// one inlined per caller — their cost is per call, not per element.
inline namespace COPE_API_NAMESPACE {

constexpr const char* apply_ctx = "apply_rope";


// A view may span at most 2^60 bytes (nothing real comes close): the byte offsets of two overlapping
// views then add and subtract without overflow.
inline constexpr std::uint64_t max_view_bytes = std::uint64_t{1} << 60;

// A view's geometry in bytes. The stride of a dimension of size 1 is never used (taken as 0): any value
// is valid there, as PyTorch allows for size-1 dimensions.
struct grid {
  std::uintptr_t data;
  std::size_t tokens, heads;
  std::int64_t token_step, head_step, row_bytes;  // bytes
  std::int64_t span;                               // bytes from data to the end of the last row (tokens > 0)
};

// The geometry of a view, or false when its span exceeds max_view_bytes (computed without overflow).
inline bool grid_of(const const_tensor_view& v, grid& g) {
  const auto element = static_cast<std::uint64_t>(size_of(v.type));
  const std::uint64_t limit = max_view_bytes / element;  // elements
  g = {reinterpret_cast<std::uintptr_t>(v.data), v.tokens, v.heads, 0, 0, 0, 0};
  if (v.tokens == 0) return true;
  std::uint64_t span = v.head_dim;
  if (span > limit) return false;
  struct dim {
    std::size_t count;
    std::ptrdiff_t stride;
    std::int64_t* step;
  };
  for (const dim& d : {dim{v.tokens, v.token_stride, &g.token_step}, dim{v.heads, v.head_stride, &g.head_step}}) {
    const std::size_t count = d.count;
    const std::ptrdiff_t stride = d.stride;
    std::int64_t* step = d.step;
    if (count <= 1) continue;
    const auto s = static_cast<std::uint64_t>(stride);  // positive: checked before
    if (count - 1 > limit / s || (count - 1) * s > limit - span) return false;
    span += (count - 1) * s;
    *step = static_cast<std::int64_t>(s * element);
  }
  if (span > limit) return false;
  g.row_bytes = static_cast<std::int64_t>(v.head_dim * element);
  g.span = static_cast<std::int64_t>(span * element);
  return true;
}

// "q (4 tokens x 2 heads x 64 f32, token_stride 384, head_stride 64)": a view as an error names it.
COPE_NOINLINE inline std::string describe(const char* name, const const_tensor_view& v) {
  std::string out = std::string(name) + " (";
  const message_piece pieces[] = {v.tokens, " tokens x ", v.heads, " heads x ", v.head_dim, " ", to_string(v.type),
                                  ", token_stride ", static_cast<long long>(v.token_stride), ", head_stride ",
                                  static_cast<long long>(v.head_stride), ")"};
  for (const message_piece& p : pieces) out += p.text();
  return out;
}

// Two rows, one of each view, that share a byte; or why none could be found.
struct shared_row {
  enum verdict { disjoint, overlap, unproven } result = disjoint;
  std::size_t a_token = 0, a_head = 0, b_token = 0, b_head = 0;
  std::int64_t a_begin = 0, b_begin = 0;  // the rows' first bytes, from the lower data pointer
};

namespace lattice {
// floor(n / d) and ceil(n / d) for d > 0.
inline std::int64_t floor_div(std::int64_t n, std::int64_t d) { return n / d - (n % d != 0 && n < 0 ? 1 : 0); }
inline std::int64_t ceil_div(std::int64_t n, std::int64_t d) { return n / d + (n % d != 0 && n > 0 ? 1 : 0); }

// One integer unknown of the search: v in [lo, hi] moves A's row start relative to B's by v * step.
// A dimension of A alone (v = its index), of B alone (v = -its index), or one of each with the same step
// (v = A's index - B's index: every difference in the range occurs).
struct term {
  std::int64_t lo, hi, step;
  int a_dim, b_dim;  // 0 tokens, 1 heads, -1 none
};
}  // namespace lattice

// Exact for every pair of views within a budget of row-pair visits (then `unproven`): is there a row of
// A and a row of B whose byte ranges intersect? Row starts are a + i*sa (+ j*ha) and b + k*sb (+ l*hb);
// the search solves the unknown with the widest range analytically and visits the others, pairing
// dimensions of A and B with equal steps first (fused QKV buffers share the token stride, often the head
// stride too), so a [tokens, heads, 3, head_dim] buffer costs about 2 * heads visits.
COPE_NOINLINE inline shared_row find_shared_row(const grid& a, const grid& b, std::uint64_t budget = std::uint64_t{1} << 16) {
  using lattice::term;
  shared_row hit;
  if (a.tokens == 0 || b.tokens == 0) return hit;
  const std::uintptr_t origin = std::min(a.data, b.data);
  if (a.data + static_cast<std::uintptr_t>(a.span) <= b.data || b.data + static_cast<std::uintptr_t>(b.span) <= a.data)
    return hit;  // disjoint byte ranges (the common case); otherwise both starts lie within 2^60 of origin
  const std::int64_t a0 = static_cast<std::int64_t>(a.data - origin), b0 = static_cast<std::int64_t>(b.data - origin);
  const std::size_t a_count[2] = {a.tokens, a.heads}, b_count[2] = {b.tokens, b.heads};
  const std::int64_t a_step[2] = {a.token_step, a.head_step}, b_step[2] = {b.token_step, b.head_step};

  // The candidate searches: each way of pairing equal-step dimensions (none, one pair, two pairs).
  term best[4];
  int best_n = 0, best_solved = -1;
  std::uint64_t best_cost = ~std::uint64_t{0};
  for (int pairing = 0; pairing < 7; ++pairing) {
    // pairing: 0 none; 1..4 one pair (A dim (p-1)/2 with B dim (p-1)%2); 5 both straight; 6 both crossed.
    int partner[2] = {-1, -1};
    if (pairing >= 1 && pairing <= 4) partner[(pairing - 1) / 2] = (pairing - 1) % 2;
    if (pairing == 5) partner[0] = 0, partner[1] = 1;
    if (pairing == 6) partner[0] = 1, partner[1] = 0;
    term t[4];
    int n = 0;
    bool b_used[2] = {false, false}, valid = true;
    for (int i = 0; i < 2; ++i) {
      if (a_count[i] <= 1) {
        valid = valid && partner[i] < 0;
        continue;
      }
      const int j = partner[i];
      if (j >= 0) {
        valid = valid && b_count[j] > 1 && b_step[j] == a_step[i];
        if (!valid) break;
        b_used[j] = true;
        t[n++] = {-static_cast<std::int64_t>(b_count[j] - 1), static_cast<std::int64_t>(a_count[i] - 1), a_step[i], i, j};
      } else {
        t[n++] = {0, static_cast<std::int64_t>(a_count[i] - 1), a_step[i], i, -1};
      }
    }
    if (!valid) continue;
    for (int j = 0; j < 2; ++j)
      if (b_count[j] > 1 && !b_used[j]) t[n++] = {-static_cast<std::int64_t>(b_count[j] - 1), 0, b_step[j], -1, j};
    int solved = -1;
    for (int k = 0; k < n; ++k)
      if (solved < 0 || t[k].hi - t[k].lo > t[solved].hi - t[solved].lo) solved = k;
    std::uint64_t cost = 1;
    for (int k = 0; k < n; ++k) {
      const auto range = static_cast<std::uint64_t>(t[k].hi - t[k].lo) + 1;
      if (k != solved) cost = range > (budget + 1) / cost ? budget + 1 : cost * range;  // saturating
    }
    if (cost < best_cost) {
      best_cost = cost;
      best_n = n;
      best_solved = solved;
      std::copy(t, t + n, best);
    }
  }
  if (best_cost > budget) {
    hit.result = shared_row::unproven;
    return hit;
  }

  // Visit every value of the other unknowns (an odometer); solve the widest: rows intersect iff
  // -row_a < c + v * step < row_b.
  std::int64_t value[4];
  for (int k = 0; k < best_n; ++k) value[k] = best[k].lo;
  for (;;) {
    std::int64_t c = a0 - b0;
    for (int k = 0; k < best_n; ++k)
      if (k != best_solved) c += value[k] * best[k].step;
    bool found = false;
    if (best_solved < 0) {
      found = -a.row_bytes < c && c < b.row_bytes;
    } else {
      const term& s = best[best_solved];
      const std::int64_t lo = std::max(s.lo, lattice::floor_div(-a.row_bytes - c, s.step) + 1);
      const std::int64_t hi = std::min(s.hi, lattice::ceil_div(b.row_bytes - c, s.step) - 1);
      if (lo <= hi) {
        found = true;
        value[best_solved] = lo;
      }
    }
    if (found) {
      std::size_t a_index[2] = {0, 0}, b_index[2] = {0, 0};
      for (int k = 0; k < best_n; ++k) {
        const std::int64_t v = value[k];
        if (best[k].a_dim >= 0) a_index[best[k].a_dim] = static_cast<std::size_t>(best[k].b_dim >= 0 ? std::max<std::int64_t>(v, 0) : v);
        if (best[k].b_dim >= 0) b_index[best[k].b_dim] = static_cast<std::size_t>(best[k].a_dim >= 0 ? std::max<std::int64_t>(-v, 0) : -v);
      }
      hit.result = shared_row::overlap;
      hit.a_token = a_index[0], hit.a_head = a_index[1], hit.b_token = b_index[0], hit.b_head = b_index[1];
      hit.a_begin = a0 + static_cast<std::int64_t>(hit.a_token) * a.token_step + static_cast<std::int64_t>(hit.a_head) * a.head_step;
      hit.b_begin = b0 + static_cast<std::int64_t>(hit.b_token) * b.token_step + static_cast<std::int64_t>(hit.b_head) * b.head_step;
      return hit;
    }
    int k = 0;
    for (; k < best_n; ++k) {
      if (k == best_solved) continue;
      if (value[k] < best[k].hi) {
        ++value[k];
        break;
      }
      value[k] = best[k].lo;
    }
    if (k == best_n) return hit;  // every value visited: disjoint
  }
}

// The error for two views that share (or may share) a byte: both views, their strides and byte extents,
// and the first rows found in common.
COPE_NOINLINE inline status fail_shared(errc code, const char* where, const char* a_name, const const_tensor_view& a,
                                        const char* b_name, const const_tensor_view& b, const shared_row& hit) {
  grid ga, gb;
  static_cast<void>(grid_of(a, ga));
  static_cast<void>(grid_of(b, gb));
  const std::uintptr_t origin = std::min(ga.data, gb.data);
  const auto a0 = static_cast<long long>(ga.data - origin), b0 = static_cast<long long>(gb.data - origin);
  const std::string da = describe(a_name, a), db = describe(b_name, b);
  const char* same = code == errc::invalid_aliasing ? " without being the same view (in place)" : "";
  if (hit.result == shared_row::unproven)
    return fail(code, where, ": ", a_name, " and ", b_name, " may overlap", same, ": ", da, " spans bytes [", a0, ", ",
                a0 + ga.span, ") and ", db, " spans bytes [", b0, ", ", b0 + gb.span,
                ") from the lower data pointer; with these strides cope cannot prove them disjoint within its search "
                "budget (docs/kernels.md, \"Views\")");
  return fail(code, where, ": ", a_name, " and ", b_name, " overlap", same, ": ", a_name, "'s row (token ", hit.a_token,
              ", head ", hit.a_head, ") at bytes [", static_cast<long long>(hit.a_begin), ", ",
              static_cast<long long>(hit.a_begin + ga.row_bytes), ") meets ", b_name, "'s row (token ", hit.b_token,
              ", head ", hit.b_head, ") at bytes [", static_cast<long long>(hit.b_begin), ", ",
              static_cast<long long>(hit.b_begin + gb.row_bytes), "); ", da, " spans bytes [", a0, ", ", a0 + ga.span,
              "), ", db, " spans bytes [", b0, ", ", b0 + gb.span, "), counted from the lower data pointer");
}

// Both views already passed check_view.
COPE_NOINLINE inline status check_disjoint(errc code, const char* where, const char* a_name, const const_tensor_view& a,
                             const char* b_name, const const_tensor_view& b) {
  grid ga, gb;
  if (!grid_of(a, ga) || !grid_of(b, gb)) return {};  // unreachable after check_view
  const shared_row hit = find_shared_row(ga, gb);
  if (hit.result == shared_row::disjoint) return {};
  return fail_shared(code, where, a_name, a, b_name, b, hit);
}

COPE_NOINLINE inline status check_view(const char* name, const const_tensor_view& v, std::size_t window_end, const char* where = apply_ctx) {
  if (v.heads == 0 || v.head_dim == 0)
    return fail(errc::invalid_view, where, ": ", name, " has ", v.heads, " heads of head_dim ", v.head_dim,
                "; both must be positive");
  if (v.head_dim < window_end)
    return fail(errc::invalid_dimension, where, ": ", name, ".head_dim (", v.head_dim, ") is smaller than the rotary window end (",
                window_end, ")");
  if (v.tokens == 0) return {};  // an empty batch: nothing is read or written, data may be null
  if (v.data == nullptr) return fail(errc::null_data, where, ": ", name, " is null");
  if (reinterpret_cast<std::uintptr_t>(v.data) % size_of(v.type) != 0)  // found by tests/fuzz/apply.cpp
    return fail(errc::invalid_view, where, ": ", name, ".data is not aligned to its ", size_of(v.type), "-byte ",
                to_string(v.type), " elements");
  if (v.tokens > 1 && v.token_stride <= 0)
    return fail(errc::invalid_view, where, ": ", name, ".token_stride (", static_cast<long long>(v.token_stride),
                ") must be positive");
  if (v.heads > 1 && v.head_stride <= 0)
    return fail(errc::invalid_view, where, ": ", name, ".head_stride (", static_cast<long long>(v.head_stride),
                ") must be positive");
  grid g;
  if (!grid_of(v, g))
    return fail(errc::invalid_view, where, ": ", describe(name, v), " spans more than 2^60 bytes");
  if (g.data + static_cast<std::uintptr_t>(g.span) < g.data)
    return fail(errc::invalid_view, where, ": ", describe(name, v), " runs past the end of the address space");
  // Rows must not overlap: with the strides sorted, the smaller must clear a row and the larger
  // must clear all rows of the smaller. (Strides of size-1 dimensions count as 0.)
  std::size_t s1 = v.heads > 1 ? static_cast<std::size_t>(v.head_stride) : 0, n1 = v.heads;
  std::size_t s2 = v.tokens > 1 ? static_cast<std::size_t>(v.token_stride) : 0, n2 = v.tokens;
  if (n1 <= 1 || (n2 > 1 && s2 < s1)) {
    std::swap(s1, s2);
    std::swap(n1, n2);
  }
  const bool rows_ok = (n1 <= 1 || s1 >= v.head_dim) && (n2 <= 1 || s2 >= (n1 - 1) * s1 + v.head_dim);
  if (!rows_ok)
    return fail(errc::overlapping_views, where, ": ", describe(name, v), " has rows that overlap (a head's ", v.head_dim,
                " elements must fit within the smaller stride, all heads of a token within the larger)");
  const auto span = static_cast<std::size_t>(g.span) / size_of(v.type);
  if (v.capacity != 0 && span > v.capacity)
    return fail(errc::overlapping_views, where, ": ", describe(name, v), " spans ", span,
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
  if (in.tokens == 0) return {};
  if (out.data == in.data) {
    if (out.type != in.type || out.token_stride != in.token_stride || out.head_stride != in.head_stride)
      return fail(errc::invalid_aliasing, apply_ctx, ": ", out_name, " starts at ", in_name,
                  " but differs in type or strides; in place needs the same view");
    return {};
  }
  return check_disjoint(errc::invalid_aliasing, apply_ctx, in_name, in, out_name, out);
}

// [token_begin, token_end) within the view's tokens (token_end == all_tokens: to the last).
inline status check_token_range(const char* where, std::size_t token_begin, std::size_t token_end, std::size_t tokens) {
  const std::size_t end = token_end == all_tokens ? tokens : token_end;
  if (token_begin > end)
    return fail(errc::invalid_position, where, ": token_begin (", token_begin, ") is after token_end (", end, ")");
  if (end > tokens)
    return fail(errc::invalid_position, where, ": token_end (", end, ") is beyond the ", tokens, " tokens");
  return {};
}

// Why a position is rejected: finite, in [0, last], and an integer where it indexes a table's rows.
enum class position_problem { none, not_finite, negative, beyond, fractional };
inline position_problem problem_of(double p, std::int64_t last, bool integers_only) noexcept {
  if (!std::isfinite(p)) return position_problem::not_finite;
  if (p < 0) return position_problem::negative;
  if (p > static_cast<double>(last)) return position_problem::beyond;
  if (integers_only && std::floor(p) != p) return position_problem::fractional;
  return position_problem::none;
}
// "apply_rope: <name...> (<p>) is negative" and so on; name is the pieces that say which position.
template <class... Name>
status fail_position(position_problem problem, double p, std::int64_t last, const char* limit_name, const Name&... name) {
  switch (problem) {
    case position_problem::not_finite:
      return fail(errc::invalid_position, apply_ctx, ": ", name..., " (", p, ") is not finite");
    case position_problem::negative: return fail(errc::invalid_position, apply_ctx, ": ", name..., " (", p, ") is negative");
    case position_problem::beyond:
      return fail(errc::invalid_position, apply_ctx, ": ", name..., " (", p, ") is beyond ", limit_name, " (",
                  static_cast<long long>(last), ")");
    default:
      return fail(errc::invalid_position, apply_ctx, ": ", name..., " (", p,
                  ") is fractional; a table has rows for integer positions only (the spectrum takes fractional ones)");
  }
}

// A fractional request offset o (a multiple of 2^-e, e > 0) with `length` tokens: positions o + i are
// exact in double, and so are their angles, while they need at most 29 significant bits, as the
// integer positions up to 2^29 do: o + length - 1 <= 2^(29 - e).
COPE_NOINLINE inline status check_fractional_run(std::size_t r, float offset, std::int64_t length) {
  double scaled = offset;
  int e = 0;
  while (std::floor(scaled) != scaled) {  // at most 149 steps: every float32 is a multiple of 2^-149
    scaled *= 2;
    ++e;
  }
  if (e == 0 || length <= 0) return {};
  const double last = static_cast<double>(offset) + static_cast<double>(length - 1);
  if (last <= std::ldexp(1.0, 29 - e)) return {};
  return fail(errc::invalid_position, apply_ctx, ": request ", r, " (request_offsets[", r, "] ", offset, ", ",
              static_cast<long long>(length), " tokens): fractional positions up to ", last,
              " need more than 29 significant bits; exact angles need them within 2^", 29 - e, " at this fraction");
}

// Multi-axis positions: the stream layout (axes, strides) and every position in the token range.
COPE_NOINLINE inline status check_multi_axis(const positions& pos, std::size_t tokens, std::size_t begin, std::size_t end,
                               std::int64_t last, const char* limit_name, bool integers_only) {
  if (pos.axes == 0 || pos.axes > max_axes)
    return fail(errc::invalid_position, apply_ctx, ": multi-axis positions have ", pos.axes, " axes; 1 to ", max_axes,
                " are supported");
  if (pos.count != tokens)
    return fail(errc::invalid_position, apply_ctx, ": multi-axis positions have ", pos.count, " tokens for ", tokens,
                " tokens");
  if (pos.axis_stride < 0 || pos.token_stride < 0)
    return fail(errc::invalid_position, apply_ctx, ": multi-axis position strides (axis_stride ",
                static_cast<long long>(pos.axis_stride), ", token_stride ", static_cast<long long>(pos.token_stride),
                ") must not be negative");
  if (tokens == 0) return {};
  if (pos.ids == nullptr) return fail(errc::null_data, apply_ctx, ": multi-axis positions are null");
  // The last element's index, in elements: it must stay addressable (and so fit in ptrdiff_t).
  const std::size_t element = pos.kind == position_kind::multi_axis_i64 ? 8 : 4;
  const auto limit = static_cast<std::uint64_t>(max_view_bytes / element);
  const auto axis_span = static_cast<std::uint64_t>(pos.axes - 1), token_span = static_cast<std::uint64_t>(tokens - 1);
  const auto as = static_cast<std::uint64_t>(pos.axis_stride), ts = static_cast<std::uint64_t>(pos.token_stride);
  if ((as != 0 && axis_span > limit / as) || (ts != 0 && token_span > limit / ts) ||
      axis_span * as > limit - token_span * ts)
    return fail(errc::invalid_position, apply_ctx, ": multi-axis positions with axis_stride ",
                static_cast<long long>(pos.axis_stride), " and token_stride ", static_cast<long long>(pos.token_stride),
                " over ", pos.axes, " axes and ", tokens, " tokens reach beyond the address space");
  // Each stream's smallest and largest value in one pass (and, for float32, whether any is NaN or
  // fractional); only a failure looks closer, to name the first bad position.
  bool bad = false;
  for (std::size_t a = 0; a < pos.axes && !bad; ++a) {
    const std::ptrdiff_t base = static_cast<std::ptrdiff_t>(a) * pos.axis_stride;
    const std::ptrdiff_t step = pos.token_stride;
    const auto first = base + static_cast<std::ptrdiff_t>(begin) * step;
    const std::size_t n = end - begin;
    if (pos.kind == position_kind::multi_axis_i32) {
      const std::int32_t* v = static_cast<const std::int32_t*>(pos.ids) + first;
      std::int64_t lo = 0, hi = 0;
      for (std::size_t i = 0; i < n; ++i) {
        lo = std::min<std::int64_t>(lo, v[static_cast<std::ptrdiff_t>(i) * step]);
        hi = std::max<std::int64_t>(hi, v[static_cast<std::ptrdiff_t>(i) * step]);
      }
      bad = hi > last || (integers_only ? lo < 0 : lo < -last);
    } else if (pos.kind == position_kind::multi_axis_i64) {
      const std::int64_t* v = static_cast<const std::int64_t*>(pos.ids) + first;
      std::int64_t lo = 0, hi = 0;
      for (std::size_t i = 0; i < n; ++i) {
        lo = std::min(lo, v[static_cast<std::ptrdiff_t>(i) * step]);
        hi = std::max(hi, v[static_cast<std::ptrdiff_t>(i) * step]);
      }
      bad = hi > last || (integers_only ? lo < 0 : lo < -last);
    } else {
      const float* v = static_cast<const float*>(pos.ids) + first;
      float lo = 0, hi = 0;
      bool odd = false;  // NaN, or fractional where a table needs integers
      for (std::size_t i = 0; i < n; ++i) {
        const float x = v[static_cast<std::ptrdiff_t>(i) * step];
        lo = std::min(lo, x);
        hi = std::max(hi, x);
        odd = odd || x != x || (integers_only && std::floor(x) != x);
      }
      bad = odd || static_cast<double>(hi) > static_cast<double>(last) ||
            (integers_only ? lo < 0 : static_cast<double>(lo) < -static_cast<double>(last));
    }
  }
  if (!bad) return {};
  for (std::size_t t = begin; t < end; ++t) {
    for (std::size_t a = 0; a < pos.axes; ++a) {
      const auto i = static_cast<std::ptrdiff_t>(a) * pos.axis_stride + static_cast<std::ptrdiff_t>(t) * pos.token_stride;
      double p = 0;  // every int32, every float32 and int64 up to 2^53 exactly; beyond, still beyond `last`
      switch (pos.kind) {
        case position_kind::multi_axis_i32: p = static_cast<const std::int32_t*>(pos.ids)[i]; break;
        case position_kind::multi_axis_i64: p = static_cast<double>(static_cast<const std::int64_t*>(pos.ids)[i]); break;
        default: p = static_cast<const float*>(pos.ids)[i]; break;
      }
      // On the fly, multi-axis positions may be negative (HoPE's and VideoRoPE's spatial positions are
      // centred on t): |p| <= last keeps the angles exact. A table has rows for p >= 0 only.
      const double checked = integers_only || p >= 0 ? p : -p;
      if (const auto problem = problem_of(checked, last, integers_only); problem != position_problem::none)
        return fail_position(problem, p, last, limit_name, "axis ", a, " position of token ", t);
    }
  }
  return {};
}

COPE_NOINLINE inline status check_positions(const rope_args& a, std::size_t tokens, std::int64_t last,
                                            const char* limit_name, bool integers_only) {
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
    case position_kind::ids_i64:
    case position_kind::ids_f32: {
      if (pos.count != tokens)
        return fail(errc::invalid_position, apply_ctx, ": position_ids has ", pos.count, " entries for ", tokens, " tokens");
      if (tokens > 0 && pos.ids == nullptr) return fail(errc::null_data, apply_ctx, ": position_ids is null");
      for (std::size_t t = a.token_begin; t < end; ++t) {
        if (pos.kind == position_kind::ids_f32) {
          const double p = static_cast<const float*>(pos.ids)[t];
          if (const auto problem = problem_of(p, last, integers_only); problem != position_problem::none)
            return fail_position(problem, p, last, limit_name, "position_ids[", t, "]");
          continue;
        }
        const std::int64_t p = pos.kind == position_kind::ids_i32 ? static_cast<const std::int32_t*>(pos.ids)[t]
                                                                  : static_cast<const std::int64_t*>(pos.ids)[t];
        if (auto st = check_one("position_ids", t, p); !st) return st;
      }
      return {};
    }
    case position_kind::ragged_i32:
    case position_kind::ragged_i64:
    case position_kind::ragged_f32: {
      if (pos.requests == 0) {
        if (tokens == 0) return {};  // an empty batch: no request, the pointers may be null
        return fail(errc::invalid_position, apply_ctx, ": a ragged batch of ", tokens, " tokens needs at least one request");
      }
      if (pos.indptr == nullptr || pos.request_offsets == nullptr)
        return fail(errc::null_data, apply_ctx, ": ragged ", pos.indptr == nullptr ? "indptr" : "request_offsets", " is null");
      const bool i64 = pos.kind == position_kind::ragged_i64;
      auto indptr = [&](std::size_t r) -> std::int64_t {
        return i64 ? static_cast<const std::int64_t*>(pos.indptr)[r] : static_cast<const std::int32_t*>(pos.indptr)[r];
      };
      if (indptr(0) != 0)
        return fail(errc::invalid_position, apply_ctx, ": indptr[0] (", static_cast<long long>(indptr(0)), ") must be 0");
      if (indptr(pos.requests) != static_cast<std::int64_t>(tokens))
        return fail(errc::invalid_position, apply_ctx, ": indptr[", pos.requests, "] (",
                    static_cast<long long>(indptr(pos.requests)), ") must equal the number of tokens (", tokens, ")");
      // Compared before subtracting: indptr[r] in [0, tokens] makes every length exact.
      for (std::size_t r = 0; r < pos.requests; ++r) {
        if (indptr(r + 1) < indptr(r))
          return fail(errc::invalid_position, apply_ctx, ": indptr decreases at request ", r, " (",
                      static_cast<long long>(indptr(r)), " then ", static_cast<long long>(indptr(r + 1)), ")");
        if (indptr(r + 1) > static_cast<std::int64_t>(tokens))
          return fail(errc::invalid_position, apply_ctx, ": indptr[", r + 1, "] (", static_cast<long long>(indptr(r + 1)),
                      ") is beyond the number of tokens (", tokens, ")");
        const std::int64_t length = indptr(r + 1) - indptr(r);
        if (pos.kind == position_kind::ragged_f32) {
          const float o = static_cast<const float*>(pos.request_offsets)[r];
          if (const auto problem = problem_of(o, last, integers_only); problem != position_problem::none)
            return fail_position(problem, o, last, limit_name, "request_offsets[", r, "]");
          if (length > 0 && static_cast<double>(o) > static_cast<double>(last - (length - 1)))
            return fail(errc::invalid_position, apply_ctx, ": request ", r, " (request_offsets[", r, "] ", o, ", ",
                        static_cast<long long>(length), " tokens) reaches beyond ", limit_name, " (",
                        static_cast<long long>(last), ")");
          if (auto st = check_fractional_run(r, o, length); !st) return st;
          continue;
        }
        const std::int64_t o = i64 ? static_cast<const std::int64_t*>(pos.request_offsets)[r]
                                   : static_cast<const std::int32_t*>(pos.request_offsets)[r];
        if (auto st = check_one("request_offsets", r, o); !st) return st;
        if (length > 0 && o > last - (length - 1))
          return fail(errc::invalid_position, apply_ctx, ": request ", r, " (request_offsets[", r, "] ",
                      static_cast<long long>(o), ", ", static_cast<long long>(length), " tokens) reaches beyond ",
                      limit_name, " (", static_cast<long long>(last), ")");
      }
      return {};
    }
    case position_kind::multi_axis_i32:
    case position_kind::multi_axis_i64:
    case position_kind::multi_axis_f32:
      return check_multi_axis(pos, tokens, a.token_begin, end, last, limit_name, integers_only);
  }
  return fail(errc::invalid_position, apply_ctx, ": unknown position kind");
}

// The pair-to-axis map against the call: one entry per pair, each axis among the positions' streams.
COPE_NOINLINE inline status check_pair_axes(const char* where, const axis_map* map, std::size_t pairs, const positions* pos) {
  if (map == nullptr) {
    if (pos != nullptr && pos->is_multi_axis())
      return fail(errc::invalid_axis_map, where, ": multi-axis positions need pair_axes, the axis each pair reads");
    return {};
  }
  if (map->pairs() != pairs)
    return fail(errc::invalid_axis_map, where, ": pair_axes has ", map->pairs(), " pairs but the rotation has ", pairs,
                " (rotary_dim / 2)");
  // An axis_map holds valid entries by construction (its constructors check them), so one comparison
  // decides; the loop only finds the pair to name.
  if (pos != nullptr && pos->is_multi_axis() && map->axes() > pos->axes)
    for (std::size_t j = 0; j < pairs; ++j)
      if ((*map)[j] != axis_map::none && (*map)[j] >= pos->axes)
        return fail(errc::invalid_axis_map, where, ": pair_axes[", j, "] reads axis ", static_cast<int>((*map)[j]),
                    " but the positions have ", pos->axes, " axes");
  return {};
}

// Everything but the angle source, which the caller has checked.
COPE_NOINLINE inline status check_args(const rope_args& a, std::size_t pairs, std::int64_t last, const char* limit_name,
                                       bool integers_only) {
  const std::size_t window_end = a.rotary_offset + 2 * pairs;
  if (auto st = check_pair("q", a.q, "q_out", a.q_out, window_end); !st) return st;
  const bool has_k = a.k.data != nullptr || a.k_out.data != nullptr;
  if (has_k) {
    if (auto st = check_pair("k", a.k, "k_out", a.k_out, window_end); !st) return st;
    if (a.k.tokens != a.q.tokens)
      return fail(errc::invalid_view, apply_ctx, ": k has ", a.k.tokens, " tokens but q has ", a.q.tokens);
    // Each output against the other call's output and input (an input may be shared by both).
    const bool q_in_place = a.q_out.data == a.q.data, k_in_place = a.k_out.data == a.k.data;
    const char* q_out_name = q_in_place ? "q" : "q_out";
    const char* k_out_name = k_in_place ? "k" : "k_out";
    if (auto st = check_disjoint(errc::invalid_aliasing, apply_ctx, q_out_name, a.q_out, k_out_name, a.k_out); !st)
      return st;
    if (!k_in_place)
      if (auto st = check_disjoint(errc::invalid_aliasing, apply_ctx, q_out_name, a.q_out, "k", a.k); !st) return st;
    if (!q_in_place)
      if (auto st = check_disjoint(errc::invalid_aliasing, apply_ctx, "q", a.q, k_out_name, a.k_out); !st) return st;
  }
  if (auto st = check_pair_axes(apply_ctx, a.pair_axes, pairs, &a.pos); !st) return st;
  if (auto st = check_positions(a, a.q.tokens, last, limit_name, integers_only); !st) return st;

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
  if (!attention_factor_in_range(t.attention_factor))
    return fail_attention_factor(where, "the table's attention_factor", t.attention_factor);
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
      !attention_factor_in_range(s.attention_factor)) {
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
  if (auto st = check_pair_axes(where, a.pair_axes, pairs, nullptr); !st) return st;
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
  if (d.count != tokens)
    return fail(errc::invalid_position, where, ": ", d.count, " per-token deltas for ", tokens, " tokens");
  if (tokens > 0 && d.deltas == nullptr) return fail(errc::null_data, where, ": the per-token deltas are null");
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
