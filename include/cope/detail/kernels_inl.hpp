// Internal header (not part of the public API): the rotary kernels, written once over a small vector
// interface and included on purpose inside each ISA namespace (cope::detail::isa_scalar, isa_avx2,
// isa_avx512, isa_avx512bf16, isa_neon) after that namespace has defined the vectors below. The contract
// is code, in detail/vector_contract.hpp: the struct vector_defaults that each ISA's vectors inherit (the
// optional capabilities, off by default) and the operations checked at the end of this file, one static_assert each.
//
//   struct fv   float vector: width; type; registers (how many the compiler can allocate); load/store
//               for float, float16, bfloat16 (converting); set1, add, mul, fmadd(a, b, c) = a*b + c,
//               div, sqrt (IEEE, lane by lane), sum(v) (the lanes' sum, in the ISA's own order),
//               fmsub(a, b, c) = a*b - c, swap_pairs; where pair_shuffles is true, deinterleave,
//               interleave and load_in_pair_order (the split of interleaved pairs); where
//               streams_lines is true, stream_line(dst, src) (64 bytes by non-temporal stores) and
//               stream_fence() (the fused append's large cache writes).
//   fv2         the float vector for rows stored in 2-byte types (f16/bf16 in and out) and for float32
//               rows rotated in place: the same interface; `using fv2 = fv;` unless the ISA computes
//               those rows on wider vectors. Where splits_bf16 is true: raw (a vector of 2 * width
//               bf16), load_raw, store_raw, split(raw, even, odd), join(even, odd), load_even_odd; where
//               spreads_pairs is true, load_spread(c, s, cc, ss): width / 2 angles' cos and sin as
//               spread() lays them out.
//   struct dv   double vector: width; type; load_widen(const float*), store_narrow(float*, v); set1,
//               add, sub, mul, fmadd; select_odd(k, if_odd, if_even) and flip_sign_bit1(x, k), where
//               k holds an integer in the low mantissa bits (the 1.5 * 2^52 rounding trick).
//
// Everything here is therefore compiled per ISA and never shared between translation units built with
// different flags (ODR, design §3). Hot functions are noexcept and never allocate. Expects <cstddef>,
// <cstdint>, <cstring> and cope's public types; no include guard.

// ---- scalar helpers, local to this ISA ----------------------------------------------------------

namespace conv {  // called qualified, so argument-dependent lookup cannot pick cope::to_float instead
#include "convert_inl.hpp"
}  // namespace conv

inline float load_scalar(const float* p) noexcept { return *p; }
inline float load_scalar(const ::cope::float16* p) noexcept { return conv::to_float(*p); }
inline float load_scalar(const ::cope::bfloat16* p) noexcept { return conv::to_float(*p); }
inline void store_scalar(float* p, float v) noexcept { *p = v; }
inline void store_scalar(::cope::float16* p, float v) noexcept { *p = conv::to_float16(v); }
inline void store_scalar(::cope::bfloat16* p, float v) noexcept { *p = conv::to_bfloat16(v); }

// One double lane, for the tails of the angle loop.
struct dv1 {
  static constexpr std::size_t width = 1;
  using type = double;
  static type load_widen(const float* p) noexcept { return static_cast<double>(*p); }
  static void store_narrow(float* p, type v) noexcept { *p = static_cast<float>(v); }
  static type set1(double x) noexcept { return x; }
  static type add(type a, type b) noexcept { return a + b; }
  static type sub(type a, type b) noexcept { return a - b; }
  static type mul(type a, type b) noexcept { return a * b; }
  static type fmadd(type a, type b, type c) noexcept { return a * b + c; }
  static std::uint64_t bits(type x) noexcept {
    std::uint64_t u;
    std::memcpy(&u, &x, sizeof u);
    return u;
  }
  static type select_odd(type k, type if_odd, type if_even) noexcept { return (bits(k) & 1u) ? if_odd : if_even; }
  static type flip_sign_bit1(type x, type k) noexcept {
    const std::uint64_t u = bits(x) ^ ((bits(k) & 2u) << 62);
    std::memcpy(&x, &u, sizeof x);
    return x;
  }
};

// ---- exact angles (design §4) -------------------------------------------------------------------
//
// angle = position * inv_freq is exact in double (position <= 2^29, inv_freq a float32: at most
// 29 + 24 significant bits). It is reduced by pi/2 with a three-part Cody-Waite split whose first two
// parts carry 21 bits, so k * part is exact for k < 2^32; the remainder r lies in [-pi/4, pi/4] and its
// sine and cosine come from Taylor polynomials accurate to 1e-11 there. Rounding to float32 is the only
// rounding that reaches the result at float32 precision, at any position.

inline constexpr double angle_two_over_pi = 0x1.45f306dc9c883p-1;
inline constexpr double angle_pio2_1 = 0x1.921fb00000000p+0;   // pi/2, first 21 bits
inline constexpr double angle_pio2_2 = 0x1.5110b00000000p-22;  // next 21 bits
inline constexpr double angle_pio2_3 = 0x1.18469898cc517p-44;  // the rest, rounded
inline constexpr double angle_round_magic = 0x1.8p52;          // x + magic - magic = nearest integer

// Pair j's angle: sum over the axes a < axes of freq[a][j] * position[a]. 1-D RoPE is one axis,
// freq[0] = inv_freq: angle = position * inv_freq[j], exact. Multi-axis (axis_map.hpp): freq[a][j] is
// inv_freq[j] where pair j reads axis a and 0 elsewhere, so one product is exact and the others are
// exact zeros: the same double as the 1-D angle (identity pairs: 0 on every axis, angle 0).
// cos_out[j] = scale_cos * cos(angle), sin_out[j] = scale_sin * sin(angle) for j in [first, first + n),
// in whole vectors of D; returns how many were done.
inline constexpr std::size_t axis_freq_capacity = ::cope::max_axes;
template <class D>
inline std::size_t sincos_span(const float* const* freq, std::size_t axes, const double* position, std::size_t first,
                               std::size_t n, double scale_cos, double scale_sin, float* cos_out,
                               float* sin_out) noexcept {
  using V = typename D::type;
  V p[axis_freq_capacity];
  for (std::size_t a = 0; a < axes; ++a) p[a] = D::set1(position[a]);
  const V magic = D::set1(angle_round_magic), one = D::set1(1.0);
  const V sc = D::set1(scale_cos), ss = D::set1(scale_sin);
  std::size_t j = 0;
  for (; j + D::width <= n; j += D::width) {
    V a = D::mul(D::load_widen(freq[0] + first + j), p[0]);
    for (std::size_t axis = 1; axis < axes; ++axis) a = D::fmadd(D::load_widen(freq[axis] + first + j), p[axis], a);
    const V k_magic = D::add(D::mul(a, D::set1(angle_two_over_pi)), magic);
    const V k = D::sub(k_magic, magic);
    V r = D::sub(a, D::mul(k, D::set1(angle_pio2_1)));
    r = D::sub(r, D::mul(k, D::set1(angle_pio2_2)));
    r = D::sub(r, D::mul(k, D::set1(angle_pio2_3)));
    const V r2 = D::mul(r, r);
    // sin r = r + r^3 (-1/3! + r^2 (1/5! + ...)), cos r = 1 + r^2 (-1/2! + r^2 (1/4! + ...))
    V ps = D::fmadd(r2, D::set1(-1.0 / 39916800.0), D::set1(1.0 / 362880.0));
    ps = D::fmadd(r2, ps, D::set1(-1.0 / 5040.0));
    ps = D::fmadd(r2, ps, D::set1(1.0 / 120.0));
    ps = D::fmadd(r2, ps, D::set1(-1.0 / 6.0));
    const V sin_r = D::fmadd(D::mul(r, r2), ps, r);
    V pc = D::fmadd(r2, D::set1(1.0 / 479001600.0), D::set1(-1.0 / 3628800.0));
    pc = D::fmadd(r2, pc, D::set1(1.0 / 40320.0));
    pc = D::fmadd(r2, pc, D::set1(-1.0 / 720.0));
    pc = D::fmadd(r2, pc, D::set1(1.0 / 24.0));
    pc = D::fmadd(r2, pc, D::set1(-0.5));
    const V cos_r = D::fmadd(r2, pc, one);
    // angle = k pi/2 + r: quadrant k mod 4 swaps sin/cos (odd k) and sets the signs.
    const V sin_a = D::flip_sign_bit1(D::select_odd(k_magic, cos_r, sin_r), k_magic);
    const V cos_a = D::flip_sign_bit1(D::select_odd(k_magic, sin_r, cos_r), D::add(k_magic, one));
    D::store_narrow(cos_out + j, D::mul(cos_a, sc));
    D::store_narrow(sin_out + j, D::mul(sin_a, ss));
  }
  return j;
}

// A whole row: vectors of dv, then the tail one lane at a time.
inline void sincos_row(const float* const* freq, std::size_t axes, const double* position, std::size_t n,
                       double scale_cos, double scale_sin, float* cos_out, float* sin_out) noexcept {
  const std::size_t done = sincos_span<dv>(freq, axes, position, 0, n, scale_cos, scale_sin, cos_out, sin_out);
  sincos_span<dv1>(freq, axes, position, done, n - done, scale_cos, scale_sin, cos_out + done, sin_out + done);
}

// 1-D: one position for every pair.
inline void sincos_row(const float* inv_freq, std::size_t n, double position, double scale_cos, double scale_sin,
                       float* cos_out, float* sin_out) noexcept {
  sincos_row(&inv_freq, 1, &position, n, scale_cos, scale_sin, cos_out, sin_out);
}

// Table rows for positions first .. first + count - 1: row i holds scale * cos at [0, n) and
// scale * sin at [n, 2n), at out + i * row_stride.
inline void fill_table_rows(const float* inv_freq, std::size_t n, double scale, std::int64_t first, std::int64_t count,
                            float* out, std::ptrdiff_t row_stride) noexcept {
  for (std::int64_t i = 0; i < count; ++i) {
    float* row = out + i * row_stride;
    sincos_row(inv_freq, n, static_cast<double>(first + i), scale, scale, row, row + n);
  }
}

// ---- one head row -------------------------------------------------------------------------------

// rotate-half: pair j is (x[j], x[j + n]); x' = x c - y s, y' = x s + y c. Pairs [j, n) of a row,
// whole vectors of V only; returns where it stopped.
template <class V, class Tin, class Tout>
inline std::size_t rotate_half_span(const Tin* in, Tout* out, const float* c, const float* s, std::size_t j,
                                    std::size_t n) noexcept {
  for (; j + V::width <= n; j += V::width) {
    const typename V::type x = V::load(in + j), y = V::load(in + n + j);
    const typename V::type cv = V::load(c + j), sv = V::load(s + j);
    V::store(out + j, V::fmsub(x, cv, V::mul(y, sv)));
    V::store(out + n + j, V::fmadd(x, sv, V::mul(y, cv)));
  }
  return j;
}

// interleaved: pair j is (x[2j], x[2j + 1]); with cc = (c0, c0, c1, c1, ...) and
// ss = (-s0, s0, -s1, s1, ...), out = h * cc + swap_pairs(h) * ss over dims [j, n2), whole vectors.
template <class V, class Tin, class Tout>
inline std::size_t interleaved_span(const Tin* in, Tout* out, const float* cc, const float* ss, std::size_t j,
                                    std::size_t n2) noexcept {
  if constexpr (V::width >= 2) {
    for (; j + V::width <= n2; j += V::width) {
      const typename V::type h = V::load(in + j);
      V::store(out + j, V::fmadd(h, V::load(cc + j), V::mul(V::swap_pairs(h), V::load(ss + j))));
    }
  }
  return j;
}

template <class V, class Tin, class Tout>
inline std::size_t convert_span(const Tin* in, Tout* out, std::size_t j, std::size_t n) noexcept {
  for (; j + V::width <= n; j += V::width) V::store(out + j, V::load(in + j));
  return j;
}

// A whole row: vectors of V, then (where V is wider than fv) of fv, then scalars.
template <class V, class Tin, class Tout>
inline void rotate_half_row(const Tin* in, Tout* out, const float* c, const float* s, std::size_t n) noexcept {
  std::size_t j = rotate_half_span<V>(in, out, c, s, 0, n);
  if constexpr (V::width > fv::width) j = rotate_half_span<fv>(in, out, c, s, j, n);
  for (; j < n; ++j) {
    const float x = load_scalar(in + j), y = load_scalar(in + n + j);
    store_scalar(out + j, x * c[j] - y * s[j]);
    store_scalar(out + n + j, x * s[j] + y * c[j]);
  }
}

template <class V, class Tin, class Tout>
inline void interleaved_row(const Tin* in, Tout* out, const float* cc, const float* ss, std::size_t n2) noexcept {
  std::size_t j = interleaved_span<V>(in, out, cc, ss, 0, n2);
  if constexpr (V::width > fv::width) j = interleaved_span<fv>(in, out, cc, ss, j, n2);
  for (; j < n2; j += 2) {
    const float x = load_scalar(in + j), y = load_scalar(in + j + 1);
    store_scalar(out + j, x * cc[j] + y * ss[j]);
    store_scalar(out + j + 1, y * cc[j + 1] + x * ss[j + 1]);
  }
}

template <class V, class Tin, class Tout>
inline void convert_copy(const Tin* in, Tout* out, std::size_t n) noexcept {
  std::size_t j = convert_span<V>(in, out, 0, n);
  if constexpr (V::width > fv::width) j = convert_span<fv>(in, out, j, n);
  for (; j < n; ++j) store_scalar(out + j, load_scalar(in + j));
}

// ---- a call's work ------------------------------------------------------------------------------

using ::cope::detail::head_job;
using ::cope::detail::rope_job;

// A block of consecutive tokens and each one's angle rows, cos and sin per pair, as run() hands them to
// the heads functions: one call, and one choice of loop, per block rather than per token (measured per
// token of 32 heads x 128 in L2: bf16 105 -> 101 ns, f32 181 -> 173 ns; of 1 head: 10.2 -> 8.5 and
// 14.2 -> 10.8 ns). cc and ss: scratch for spread().
inline constexpr std::size_t token_block = 16;
struct token_rows {
  std::size_t first = 0, count = 0;
  const float* c[token_block] = {};
  const float* s[token_block] = {};
  float* cc = nullptr;  // 2 * pairs floats each
  float* ss = nullptr;
  // The rows rotated after the block's last token, for for_each_head's prefetch: those of `then` at
  // token first + then_step (with k in the call: q's block, then k's from its first token, then_step 0,
  // then q's next block, then_step count), or, where `then` is null, the same job's next token (as after
  // every other token of the block).
  const head_job* then = nullptr;
  std::size_t then_step = 1;
};

// For the interleaved loops that take them so: cos and sin spread over each pair's two dims,
// cc = (c0, c0, c1, c1, ...) and ss = (-s0, s0, -s1, s1, ...).
inline void spread(const float* c, const float* s, std::size_t pairs, float* cc, float* ss) noexcept {
  for (std::size_t j = 0; j < pairs; ++j) {
    cc[2 * j] = cc[2 * j + 1] = c[j];
    ss[2 * j] = -s[j];
    ss[2 * j + 1] = s[j];
  }
}

// Token i's rows as the element-wise loops take them: (cos, sin) for rotate-half, (cc, ss) spread for
// interleaved.
struct row_pair {
  const float* a;
  const float* b;
};
template <bool interleaved>
inline row_pair elementwise_rows(const token_rows& rows, std::size_t i, std::size_t pairs) noexcept {
  if constexpr (!interleaved) return {rows.c[i], rows.s[i]};
  spread(rows.c[i], rows.s[i], pairs, rows.cc, rows.ss);
  return {rows.cc, rows.ss};
}

using heads_fn = void (*)(const head_job&, const token_rows& rows, std::size_t pairs, std::size_t rotary_offset) noexcept;

// Rows with K vectors per half (rotate-half, n = K * width) or K vectors in all (interleaved,
// 2n = K * width): the token's angle vectors stay in registers across all its heads instead of being
// reloaded for every head, where the ISA has the registers (V::registers).
template <class V, class Tin, class Tout, std::size_t K>
struct rows_in_registers {
  using T = typename V::type;
  // Vector k of an angle row: held in a register, or read from the token's row (in L1).
  static T at(const T (&held)[K], std::size_t k) noexcept { return held[k]; }
  static T at(const float* row, std::size_t k) noexcept { return V::load(row + k * V::width); }
  // sin held (S = T[K]) or, for 4K == registers out of place, where the two extra address streams leave
  // no room for it too, read per head (S = const float*).
  template <class S>
  static void rotate_half(const Tin* in, Tout* out, const T (&c)[K], const S& s) noexcept {
    T x[K], y[K];
    for (std::size_t k = 0; k < K; ++k) x[k] = V::load(in + k * V::width);
    for (std::size_t k = 0; k < K; ++k) y[k] = V::load(in + (K + k) * V::width);
    for (std::size_t k = 0; k < K; ++k) V::store(out + k * V::width, V::fmsub(x[k], c[k], V::mul(y[k], at(s, k))));
    for (std::size_t k = 0; k < K; ++k) V::store(out + (K + k) * V::width, V::fmadd(x[k], at(s, k), V::mul(y[k], c[k])));
  }
  static void interleaved(const Tin* in, Tout* out, const T (&cc)[K], const T (&ss)[K]) noexcept {
    T h[K];
    for (std::size_t k = 0; k < K; ++k) h[k] = V::load(in + k * V::width);
    for (std::size_t k = 0; k < K; ++k)
      V::store(out + k * V::width, V::fmadd(h[k], cc[k], V::mul(V::swap_pairs(h[k]), ss[k])));
  }
};

// Head 0 of a token's rows.
template <class Tin>
inline const Tin* token_in(const head_job& job, std::size_t token) noexcept {
  return static_cast<const Tin*>(job.in) + static_cast<std::ptrdiff_t>(token) * job.in_token_stride;
}
template <class Tout>
inline Tout* token_out(const head_job& job, std::size_t token) noexcept {
  return static_cast<Tout*>(job.out) + static_cast<std::ptrdiff_t>(token) * job.out_token_stride;
}

// Out of place, the dims of each head row outside the rotary window [rotary_offset, rotary_end), copied
// (converted) as they are.
template <class V, class Tin, class Tout>
COPE_NOINLINE inline void copy_outside_window(const Tin* in, Tout* out, std::ptrdiff_t in_step, std::ptrdiff_t out_step,
                                              std::size_t heads, std::size_t head_dim, std::size_t rotary_offset,
                                              std::size_t rotary_end) noexcept {
  for (std::size_t h = 0; h < heads; ++h, in += in_step, out += out_step) {
    convert_copy<V>(in, out, rotary_offset);
    convert_copy<V>(in + rotary_end, out + rotary_end, head_dim - rotary_end);
  }
}

// Whether the job's rows are rotated in place: the checked layer lets an output alias its input only
// as exactly the same view.
inline bool in_place(const head_job& job) noexcept {
  return job.in == job.out && job.in_token_stride == job.out_token_stride && job.in_head_stride == job.out_head_stride;
}

// In place, each row's lines are prefetched into L1 about 2 KB of rows before the row is rotated, in the
// order rows are visited (a token's heads, then those of token_rows::then or of the next token). The
// hardware prefetchers alone leave the rotation's loads behind the floor's, more so on 512-bit vectors.
// Measured on 32 heads x 128 f32 in place, against the in-place floor in the same process: 512-bit
// rotate-half 0.78-0.80 -> 0.98-0.99 of the floor at 16384 tokens; 256-bit rotate-half at 512 tokens
// 185-192 -> 169-172 ns per token. A distance of 1 KB lost at 16384 tokens (0.91), 3-4 KB were no better
// than 2. GQA q + k in one call against two calls at 16384 tokens: 0.95-1.00 (three full runs) with each
// job prefetching its own next token, 0.99-1.04 (full and filtered runs) in visiting order. Out of place
// it measured slower (copy floor at 512 tokens 0.88-0.94 -> 0.76-0.84, prefetching the input, or the
// input and the output for writing), so it is not done there. Addresses only: rows past a tensor's last
// may be prefetched, which never faults.
inline constexpr std::size_t prefetch_distance_bytes = 2048;

// A row's rotary window as an address (never dereferenced, so it may lie past the tensor).
inline std::uintptr_t row_address(const head_job& job, std::size_t token, std::size_t head, std::size_t rotary_offset) noexcept {
  const std::ptrdiff_t element = static_cast<std::ptrdiff_t>(token) * job.in_token_stride +
                                 static_cast<std::ptrdiff_t>(head) * job.in_head_stride + static_cast<std::ptrdiff_t>(rotary_offset);
  return reinterpret_cast<std::uintptr_t>(job.in) +
         static_cast<std::uintptr_t>(element * static_cast<std::ptrdiff_t>(::cope::size_of(job.in_type)));
}

// Calls rotate(in, out) with the rotary window of each of a token's head rows, after copying the dims
// outside the window where it runs out of place. The job's fields are read once into locals and each row
// is one stride on from the last: read from the job inside the loop, they were reloaded and multiplied
// out for every head, behind the previous head's stores (measured: f32 rotate-half in L1 from 183 to 141
// ns per token of 32 heads x 128). One loop with no call in it: with a second loop for the copying case,
// GCC inlined rotate into one of the two and left the other a call per head row; with the copies in the
// loop, every vector register is caller-saved across them.
template <class V, class Tin, class Tout, class Rotate>
inline void for_each_head(const head_job& job, const token_rows& rows, std::size_t token, std::size_t rotary_offset,
                          std::size_t pairs, Rotate&& rotate) noexcept {
  const Tin* in = token_in<Tin>(job, token);
  Tout* out = token_out<Tout>(job, token);
  const std::ptrdiff_t in_step = job.in_head_stride, out_step = job.out_head_stride;
  const std::size_t heads = job.heads, head_dim = job.head_dim, rotary_end = rotary_offset + 2 * pairs;
  // Where fv2 is wider, float32 rows in place run on fv2 and out of place on fv (rotate_heads): each
  // instantiation then compiles only the loop it can reach.
  constexpr bool f32_rows = ::cope::dtype_of<Tin>::value == ::cope::dtype::f32 &&
                            ::cope::dtype_of<Tout>::value == ::cope::dtype::f32;
  constexpr bool split = f32_rows && !std::is_same_v<fv, fv2>;
  constexpr bool only_in_place = split && std::is_same_v<V, fv2>;
  constexpr bool never_in_place = split && std::is_same_v<V, fv>;
  if constexpr (::cope::dtype_of<Tin>::value == ::cope::dtype_of<Tout>::value && !never_in_place) {
    if (only_in_place || in_place(job)) {
      // In place (one storage type): one pointer walks the rows.
      Tout* row_io = out + rotary_offset;
      const std::size_t row_bytes = 2 * pairs * sizeof(Tin);
      if (heads == 0 || row_bytes == 0) return;  // nothing to rotate
      // The row prefetched next, `ahead` rows on, and the step to the one after: this token's later heads,
      // then from head 0 of the rows visited next (`then`'s where it has rows, else this job's next token),
      // whose rows are taken to follow at their head stride (so they do in a [token][head][dim] tensor).
      const bool last = token + 1 == rows.first + rows.count;
      const head_job& later = last && rows.then != nullptr && rows.then->heads != 0 ? *rows.then : job;
      const std::size_t later_token = &later == &job ? token + 1 : rows.first + rows.then_step;
      const auto later_step = static_cast<std::uintptr_t>(later.in_head_stride) * ::cope::size_of(later.in_type);
      const std::size_t ahead = (prefetch_distance_bytes + row_bytes - 1) / row_bytes;
      // From head switch_at on, the rows prefetched are later's (from head 0 where ahead >= heads).
      const std::size_t switch_at = ahead < heads ? heads - ahead : 0;
      const std::uintptr_t later_row = row_address(later, later_token, ahead < heads ? 0 : ahead - heads, rotary_offset);
      std::uintptr_t step = static_cast<std::uintptr_t>(in_step) * sizeof(Tin);
      std::uintptr_t row = reinterpret_cast<std::uintptr_t>(row_io) + ahead * step;
      for (std::size_t h = 0; h < heads; ++h, row_io += in_step) {
        if (h == switch_at) {
          row = later_row;
          step = later_step;
        }
        for (std::uintptr_t line = row & ~std::uintptr_t{63}; line < row + row_bytes; line += 64)
          COPE_PREFETCH(reinterpret_cast<const void*>(line));
        row += step;
        rotate(row_io, row_io);
      }
      return;
    }
  }
  if constexpr (!only_in_place) {
    if (rotary_offset != 0 || rotary_end != head_dim)
      copy_outside_window<V>(in, out, in_step, out_step, heads, head_dim, rotary_offset, rotary_end);
    for (std::size_t h = 0; h < heads; ++h, in += in_step, out += out_step) rotate(in + rotary_offset, out + rotary_offset);
  }
}

template <class V, class Tin, class Tout, bool interleaved, std::size_t K>
inline void rotate_heads_in_registers(const head_job& job, const token_rows& rows, std::size_t pairs,
                                      std::size_t rotary_offset) noexcept {
  using R = rows_in_registers<V, Tin, Tout, K>;
  for (std::size_t i = 0; i < rows.count; ++i) {
    const std::size_t token = rows.first + i;
    typename V::type va[K], vb[K];
    if constexpr (interleaved && V::spreads_pairs) {
      // (cc, ss) straight from cos and sin, half a vector of pairs at a time: written out by spread(), a
      // scalar loop, they cost about 30 ns per token (f32, 32 heads x 128, 32 tokens in L2: 138-141 ->
      // 112-123 ns per token).
      for (std::size_t k = 0; k < K; ++k) V::load_spread(rows.c[i] + k * V::width / 2, rows.s[i] + k * V::width / 2, va[k], vb[k]);
    } else {
      const row_pair r = elementwise_rows<interleaved>(rows, i, pairs);
      for (std::size_t k = 0; k < K; ++k) {
        va[k] = V::load(r.a + k * V::width);
        vb[k] = V::load(r.b + k * V::width);
      }
    }
    if constexpr (!interleaved && 4 * K == V::registers) {
      if (!in_place(job)) {
        for_each_head<V, Tin, Tout>(job, rows, token, rotary_offset, pairs, [&](const Tin* in, Tout* out) {
          R::rotate_half(in, out, va, rows.s[i]);
        });
        continue;
      }
    }
    for_each_head<V, Tin, Tout>(job, rows, token, rotary_offset, pairs, [&](const Tin* in, Tout* out) {
      if constexpr (interleaved)
        R::interleaved(in, out, va, vb);
      else
        R::rotate_half(in, out, va, vb);
    });
  }
}

// Interleaved rows whose duplicated angle rows do not fit the registers (head_dim 128 on 8 lanes): each
// pair of vectors is split into its x and y parts (V::deinterleave), rotated as interleaved_span rounds
// (x' = x c - (y s), y' = y c + (x s)), and put back (V::interleave). cos and sin, not duplicated, then fit: 2K registers, held
// across the token's heads in the lane order the split produces (V::load_in_pair_order).
template <class V, class Tin, class Tout, std::size_t K>
inline void interleaved_heads_by_shuffles(const head_job& job, const token_rows& rows, std::size_t pairs,
                                          std::size_t rotary_offset) noexcept {
  using T = typename V::type;
  constexpr std::size_t w = V::width;
  for (std::size_t i = 0; i < rows.count; ++i) {
    T vc[K], vs[K];
    for (std::size_t k = 0; k < K; ++k) {
      vc[k] = V::load_in_pair_order(rows.c[i] + k * w);
      vs[k] = V::load_in_pair_order(rows.s[i] + k * w);
    }
    for_each_head<V, Tin, Tout>(job, rows, rows.first + i, rotary_offset, pairs, [&](const Tin* in, Tout* out) {
      for (std::size_t k = 0; k < K; ++k) {
        T x, y, h0 = V::load(in + 2 * k * w), h1 = V::load(in + (2 * k + 1) * w);
        V::deinterleave(h0, h1, x, y);
        V::interleave(V::fmsub(x, vc[k], V::mul(y, vs[k])), V::fmadd(y, vc[k], V::mul(x, vs[k])), h0, h1);
        V::store(out + 2 * k * w, h0);
        V::store(out + (2 * k + 1) * w, h1);
      }
    });
  }
}

// bf16 rows where V splits them (V::splits_bf16): each vector of 2 * width halves is split into its even
// and its odd elements as float32 (V::split, exact and shuffle-free) and joined back after the rotation
// (V::join, rounding to nearest even). Interleaved, a 32-bit lane is one pair (x, y): even = x and odd =
// y of pairs k*width .. k*width + width - 1, whose cos and sin load as they are. Rotate-half, the x and
// the y rows are split alike and the even pairs rotated apart from the odd ones, against cos and sin in
// that order (V::load_even_odd). Either way the angle vectors are held in registers across the token's
// heads (2K interleaved, 4K rotate-half). The arithmetic is that of the layout's element-wise loop
// (rotate_half_span: x' = x c - (y s), y' = x s + (y c); interleaved_span: x' = x c - (y s),
// y' = y c + (x s)), so the results are the float32 kernels' (fv) rounded once to bfloat16, bit for bit.
template <class V, bool interleaved, std::size_t K>
inline void bf16_heads_split(const head_job& job, const token_rows& rows, std::size_t pairs,
                             std::size_t rotary_offset) noexcept {
  using T = typename V::type;
  using bf16 = ::cope::bfloat16;
  constexpr std::size_t w = V::width;
  for (std::size_t i = 0; i < rows.count; ++i) {
    const std::size_t token = rows.first + i;
    if constexpr (interleaved) {
      T vc[K], vs[K];
      for (std::size_t k = 0; k < K; ++k) {
        vc[k] = V::load(rows.c[i] + k * w);
        vs[k] = V::load(rows.s[i] + k * w);
      }
      for_each_head<V, bf16, bf16>(job, rows, token, rotary_offset, pairs, [&](const bf16* in, bf16* out) {
        for (std::size_t k = 0; k < K; ++k) {
          T x, y;
          V::split(V::load_raw(in + 2 * w * k), x, y);
          V::store_raw(out + 2 * w * k, V::join(V::fmsub(x, vc[k], V::mul(y, vs[k])), V::fmadd(y, vc[k], V::mul(x, vs[k]))));
        }
      });
    } else {
      T ce[K], co[K], se[K], so[K];
      for (std::size_t k = 0; k < K; ++k) {
        V::load_even_odd(rows.c[i] + 2 * w * k, ce[k], co[k]);
        V::load_even_odd(rows.s[i] + 2 * w * k, se[k], so[k]);
      }
      for_each_head<V, bf16, bf16>(job, rows, token, rotary_offset, pairs, [&](const bf16* in, bf16* out) {
        for (std::size_t k = 0; k < K; ++k) {
          T xe, xo, ye, yo;
          V::split(V::load_raw(in + 2 * w * k), xe, xo);
          V::split(V::load_raw(in + pairs + 2 * w * k), ye, yo);
          V::store_raw(out + 2 * w * k, V::join(V::fmsub(xe, ce[k], V::mul(ye, se[k])), V::fmsub(xo, co[k], V::mul(yo, so[k]))));
          V::store_raw(out + pairs + 2 * w * k,
                       V::join(V::fmadd(xe, se[k], V::mul(ye, ce[k])), V::fmadd(xo, so[k], V::mul(yo, co[k]))));
        }
      });
    }
  }
}

// Which row shapes get loops of their own (K vectors per row, held in registers): all of them in
// cope::kernels (and with COPE_ALL_ROW_SHAPES=1), else those of rotary_dim 64 and 128 (most models) and
// only where input and output share a storage type — the rest run the element-wise loops, which round
// alike (bit-identical results, fewer instantiations: docs/performance.md, "Build cost").
template <class Tin, class Tout>
constexpr bool specialized_shape(std::size_t k, std::size_t k_rotary_64, std::size_t k_rotary_128) {
  if (COPE_ALL_ROW_SHAPES) return true;
  return ::cope::dtype_of<Tin>::value == ::cope::dtype_of<Tout>::value && (k == k_rotary_64 || k == k_rotary_128);
}

// Every head of a block of tokens: the loop for the row shape is chosen once per block.
template <class V, class Tin, class Tout, bool interleaved>
inline void rotate_heads(const head_job& job, const token_rows& rows, std::size_t pairs,
                         std::size_t rotary_offset) noexcept {
  using ::cope::dtype;
  using ::cope::dtype_of;
  if constexpr (dtype_of<Tin>::value == dtype::f32 && dtype_of<Tout>::value == dtype::f32 && fv2::width > V::width) {
    // Float32 rows in place run on fv2 where it is wider (AVX-512: 512-bit vectors, with the prefetch in
    // for_each_head). Measured on 32 heads x 128, ns per token of the 256-bit -> the 512-bit rows: in L1
    // (2 tokens) rotate-half 156 -> 120-130, interleaved 178 -> 138-154; 32 tokens (L2) 132 -> 105 and
    // 163 -> 131; 512 tokens 185-192 -> 156-169 and 186-203 -> 167-186; at 16384 tokens 0.96-1.01 of the
    // floor either way. Out of place they stay on fv: on 512-bit vectors the copy-floor ratio fell (512
    // tokens 0.88-0.94 -> 0.81-0.84, 16384 tokens 0.98-0.99 -> 0.92-0.95).
    if (in_place(job)) return rotate_heads<fv2, Tin, Tout, interleaved>(job, rows, pairs, rotary_offset);
  }
  if constexpr (V::splits_bf16 && dtype_of<Tin>::value == dtype::bf16 && dtype_of<Tout>::value == dtype::bf16) {
    // K split vectors per row: width pairs each (interleaved) or 2 * width of each half (rotate-half),
    // with 2K or 4K angle vectors held, and 8 registers left for the work.
    const std::size_t per = interleaved ? V::width : 2 * V::width, k = pairs / per;
    if (pairs % per == 0 && k * (interleaved ? 2 : 4) + 8 <= V::registers) {
      // K per row at rotary_dim 64 and 128: pairs 32 and 64 over `per` pairs a split vector.
      constexpr std::size_t per_c = interleaved ? V::width : 2 * V::width;
      switch (k) {
        case 1:
          if constexpr (specialized_shape<::cope::bfloat16, ::cope::bfloat16>(1, 32 / per_c, 64 / per_c))
            return bf16_heads_split<V, interleaved, 1>(job, rows, pairs, rotary_offset);
          break;
        case 2:
          if constexpr (specialized_shape<::cope::bfloat16, ::cope::bfloat16>(2, 32 / per_c, 64 / per_c))
            return bf16_heads_split<V, interleaved, 2>(job, rows, pairs, rotary_offset);
          break;
        case 3:
          if constexpr (specialized_shape<::cope::bfloat16, ::cope::bfloat16>(3, 32 / per_c, 64 / per_c))
            return bf16_heads_split<V, interleaved, 3>(job, rows, pairs, rotary_offset);
          break;
        case 4:
          if constexpr (specialized_shape<::cope::bfloat16, ::cope::bfloat16>(4, 32 / per_c, 64 / per_c))
            return bf16_heads_split<V, interleaved, 4>(job, rows, pairs, rotary_offset);
          break;
        case 5:
          if constexpr (specialized_shape<::cope::bfloat16, ::cope::bfloat16>(5, 32 / per_c, 64 / per_c))
            return bf16_heads_split<V, interleaved, 5>(job, rows, pairs, rotary_offset);
          break;
        case 6:
          if constexpr (specialized_shape<::cope::bfloat16, ::cope::bfloat16>(6, 32 / per_c, 64 / per_c))
            return bf16_heads_split<V, interleaved, 6>(job, rows, pairs, rotary_offset);
          break;
        case 8:
          if constexpr (specialized_shape<::cope::bfloat16, ::cope::bfloat16>(8, 32 / per_c, 64 / per_c))
            return bf16_heads_split<V, interleaved, 8>(job, rows, pairs, rotary_offset);
          break;
        default: break;
      }
    }
  }
  if constexpr (interleaved && V::pair_shuffles) {
    // Interleaved rows too long for their duplicated angle rows to stay in registers (below), short
    // enough for cos and sin plus the working set: 2K + 6 registers.
    if (pairs % V::width == 0 && 2 * (pairs / V::width) + 6 <= V::registers) {
      switch (pairs / V::width) {
        case 6:
          if constexpr (specialized_shape<Tin, Tout>(6, 32 / V::width, 64 / V::width))
            return interleaved_heads_by_shuffles<V, Tin, Tout, 6>(job, rows, pairs, rotary_offset);
          break;
        case 7:
          if constexpr (specialized_shape<Tin, Tout>(7, 32 / V::width, 64 / V::width))
            return interleaved_heads_by_shuffles<V, Tin, Tout, 7>(job, rows, pairs, rotary_offset);
          break;
        case 8:
          if constexpr (specialized_shape<Tin, Tout>(8, 32 / V::width, 64 / V::width))
            return interleaved_heads_by_shuffles<V, Tin, Tout, 8>(job, rows, pairs, rotary_offset);
          break;
        case 9:
          if constexpr (specialized_shape<Tin, Tout>(9, 32 / V::width, 64 / V::width))
            return interleaved_heads_by_shuffles<V, Tin, Tout, 9>(job, rows, pairs, rotary_offset);
          break;
        case 10:
          if constexpr (specialized_shape<Tin, Tout>(10, 32 / V::width, 64 / V::width))
            return interleaved_heads_by_shuffles<V, Tin, Tout, 10>(job, rows, pairs, rotary_offset);
          break;
        case 11:
          if constexpr (specialized_shape<Tin, Tout>(11, 32 / V::width, 64 / V::width))
            return interleaved_heads_by_shuffles<V, Tin, Tout, 11>(job, rows, pairs, rotary_offset);
          break;
        case 12:
          if constexpr (specialized_shape<Tin, Tout>(12, 32 / V::width, 64 / V::width))
            return interleaved_heads_by_shuffles<V, Tin, Tout, 12>(job, rows, pairs, rotary_offset);
          break;
        default: break;
      }
    }
  }
  if constexpr (V::width >= 4) {
    // Angle vectors per row: n / width of each of cos and sin (rotate-half; with the row's x and y, 4K
    // registers) or 2n / width of each of cc and ss (interleaved; with the row, 3K registers).
    // Where that takes every register (rotate-half, 4K == registers), out of place holds only cos: with
    // its two more address streams, holding both measured 0.80-0.83 of the copy floor at 512 and 16384
    // tokens, against 0.89 / 0.97-1.0 with sin read per head (and 0.78 / 0.97 for the plain loop).
    const std::size_t span = interleaved ? 2 * pairs : pairs;
    const std::size_t k = span / V::width, need = k * (interleaved ? 3 : 4);
    if (span % V::width == 0 && need <= V::registers) {
      // K per row at rotary_dim 64 and 128: 32 and 64 pairs, or 64 and 128 interleaved dims.
      constexpr std::size_t k64 = (interleaved ? 64 : 32) / V::width, k128 = (interleaved ? 128 : 64) / V::width;
      switch (k) {
        case 1:
          if constexpr (specialized_shape<Tin, Tout>(1, k64, k128))
            return rotate_heads_in_registers<V, Tin, Tout, interleaved, 1>(job, rows, pairs, rotary_offset);
          break;
        case 2:
          if constexpr (specialized_shape<Tin, Tout>(2, k64, k128))
            return rotate_heads_in_registers<V, Tin, Tout, interleaved, 2>(job, rows, pairs, rotary_offset);
          break;
        case 3:
          if constexpr (specialized_shape<Tin, Tout>(3, k64, k128))
            return rotate_heads_in_registers<V, Tin, Tout, interleaved, 3>(job, rows, pairs, rotary_offset);
          break;
        case 4:
          if constexpr (specialized_shape<Tin, Tout>(4, k64, k128))
            return rotate_heads_in_registers<V, Tin, Tout, interleaved, 4>(job, rows, pairs, rotary_offset);
          break;
        case 5:
          if constexpr (specialized_shape<Tin, Tout>(5, k64, k128))
            return rotate_heads_in_registers<V, Tin, Tout, interleaved, 5>(job, rows, pairs, rotary_offset);
          break;
        case 6:
          if constexpr (specialized_shape<Tin, Tout>(6, k64, k128))
            return rotate_heads_in_registers<V, Tin, Tout, interleaved, 6>(job, rows, pairs, rotary_offset);
          break;
        case 8:
          if constexpr (specialized_shape<Tin, Tout>(8, k64, k128))
            return rotate_heads_in_registers<V, Tin, Tout, interleaved, 8>(job, rows, pairs, rotary_offset);
          break;
        default: break;
      }
    }
  }
  for (std::size_t i = 0; i < rows.count; ++i) {
    const row_pair r = elementwise_rows<interleaved>(rows, i, pairs);
    const float* a = r.a;
    const float* b = r.b;
    for_each_head<V, Tin, Tout>(job, rows, rows.first + i, rotary_offset, pairs, [&](const Tin* in, Tout* out) {
      if constexpr (interleaved)
        interleaved_row<V>(in, out, a, b, 2 * pairs);
      else
        rotate_half_row<V>(in, out, a, b, pairs);
    });
  }
}

template <bool interleaved>
inline heads_fn select_heads(::cope::dtype in, ::cope::dtype out) noexcept {
  using ::cope::dtype;
  using ::cope::float16;
  using ::cope::bfloat16;
  if (in == dtype::f32 && out == dtype::f32) return &rotate_heads<fv, float, float, interleaved>;
  if (in == dtype::f16 && out == dtype::f16) return &rotate_heads<fv2, float16, float16, interleaved>;
  if (in == dtype::bf16 && out == dtype::bf16) return &rotate_heads<fv2, bfloat16, bfloat16, interleaved>;
  if (in == dtype::f32 && out == dtype::f16) return &rotate_heads<fv, float, float16, interleaved>;
  if (in == dtype::f32 && out == dtype::bf16) return &rotate_heads<fv, float, bfloat16, interleaved>;
  static_assert(sizeof(::cope::detail::supported_storage) / sizeof(::cope::detail::supported_storage[0]) == 5,
                "select_heads has a loop for each pair of detail/job.hpp's supported_storage");
  return nullptr;  // rejected by the checked layer
}

inline heads_fn select_heads(::cope::dtype in, ::cope::dtype out, bool interleaved) noexcept {
  return interleaved ? select_heads<true>(in, out) : select_heads<false>(in, out);
}

// Position of each token in [token_begin, token_end), in order (a cursor over ragged requests), as a
// double: exact for every form the checked layer accepts (integers up to 2^29, float32 values, and a
// float32 request offset plus a token index within 29 significant bits).
class position_cursor {
 public:
  // constant: an offset places every token at start (a shift's one delta), not at start + token.
  position_cursor(const ::cope::positions& pos, std::size_t first_token, bool constant = false) noexcept
      : pos_(pos), step_(constant ? 0 : 1) {
    if (ragged()) {
      std::size_t lo = 0, hi = pos_.requests;  // last request whose start <= first_token
      while (hi - lo > 1) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (indptr(mid) <= static_cast<std::int64_t>(first_token)) lo = mid; else hi = mid;
      }
      request_ = lo;
    }
  }
  double at(std::size_t token) noexcept {
    using ::cope::position_kind;
    switch (pos_.kind) {
      case position_kind::offset: return static_cast<double>(pos_.start + step_ * static_cast<std::int64_t>(token));
      case position_kind::ids_i32: return static_cast<const std::int32_t*>(pos_.ids)[token];
      case position_kind::ids_i64: return static_cast<double>(static_cast<const std::int64_t*>(pos_.ids)[token]);
      case position_kind::ids_f32: return static_cast<const float*>(pos_.ids)[token];
      default: break;
    }
    const auto t = static_cast<std::int64_t>(token);
    while (indptr(request_ + 1) <= t) ++request_;  // skips empty requests too
    return offset(request_) + static_cast<double>(t - indptr(request_));
  }
  // Multi-axis positions: token's position on each of the first `axes` streams.
  void at_axes(std::size_t token, std::size_t axes, double* out) const noexcept {
    switch (pos_.kind) {
      case ::cope::position_kind::multi_axis_i32: return read_axes<std::int32_t>(token, axes, out);
      case ::cope::position_kind::multi_axis_i64: return read_axes<std::int64_t>(token, axes, out);
      default: return read_axes<float>(token, axes, out);
    }
  }

 private:
  template <class T>
  void read_axes(std::size_t token, std::size_t axes, double* out) const noexcept {
    const T* p = static_cast<const T*>(pos_.ids) + static_cast<std::ptrdiff_t>(token) * pos_.token_stride;
    for (std::size_t a = 0; a < axes; ++a) out[a] = static_cast<double>(p[static_cast<std::ptrdiff_t>(a) * pos_.axis_stride]);
  }
  bool ragged() const noexcept {
    using ::cope::position_kind;
    return pos_.kind == position_kind::ragged_i32 || pos_.kind == position_kind::ragged_i64 ||
           pos_.kind == position_kind::ragged_f32;
  }
  std::int64_t indptr(std::size_t r) const noexcept {
    return pos_.kind == ::cope::position_kind::ragged_i64 ? static_cast<const std::int64_t*>(pos_.indptr)[r]
                                                          : static_cast<const std::int32_t*>(pos_.indptr)[r];
  }
  double offset(std::size_t r) const noexcept {
    switch (pos_.kind) {
      case ::cope::position_kind::ragged_i32: return static_cast<const std::int32_t*>(pos_.request_offsets)[r];
      case ::cope::position_kind::ragged_i64:
        return static_cast<double>(static_cast<const std::int64_t*>(pos_.request_offsets)[r]);
      default: return static_cast<const float*>(pos_.request_offsets)[r];
    }
  }
  const ::cope::positions& pos_;
  std::int64_t step_;
  std::size_t request_ = 0;
};

using ::cope::detail::max_pairs;

// Multi-axis state of one call (axis_map.hpp). A token whose axes all carry one position (a text token)
// takes the 1-D path unchanged, unless the map has identity pairs; the others read weights built on the
// first such token: on the fly each axis's share of inv_freq (sincos_span), from a table a 0 / 1
// weight per axis and pair, plus one for the identity pairs, which take (c_none, 0): the call's cos
// scale at angle 0, exactly (forward f, inverse 1 / f, a shift 1).
struct axis_plan {
  std::size_t axes = 1;  // position streams read per token
  bool has_none = false;
  bool prepared = false;
  float c_none = 1.0f;
  const std::uint8_t* slot = nullptr;  // the map: pair j reads axis slot[j], or none (0xFF)
  alignas(64) float weight[axis_freq_capacity + 1][max_pairs];
  const float* freq[axis_freq_capacity] = {};  // weight's rows, as sincos_row takes them

  void start(const rope_job& job) noexcept {
    slot = job.pair_axis;
    has_none = std::memchr(slot, 0xFF, job.pairs) != nullptr;
    // Multi-axis positions: every stream they hold (the checked layer saw the map read no more). 1-D
    // positions (every axis at that position): as many as any map can read.
    axes = job.pos.is_multi_axis() ? job.pos.axes : axis_freq_capacity;
  }
  void prepare(const rope_job& job, float identity_cos) noexcept {
    prepared = true;
    c_none = identity_cos;
    const std::size_t n = job.pairs;
    for (std::size_t a = 0; a < axes; ++a) {
      for (std::size_t j = 0; j < n; ++j)
        weight[a][j] = slot[j] != a ? 0.0f : job.table != nullptr ? 1.0f : job.inv_freq[j];
      freq[a] = weight[a];
    }
    if (job.table == nullptr || !has_none) return;
    for (std::size_t j = 0; j < n; ++j) weight[axes][j] = slot[j] == 0xFF ? 1.0f : 0.0f;
  }
};

// Multi-axis rows from a table: pair j takes column j of the row at its axis's position, as a sum of
// rows weighted 0 or 1 (so exact), then scaled as 1-D rows are; an identity pair takes (c_none, 0).
inline void gather_table_rows(const rope_job& job, const axis_plan& plan, const double* position, float row_scale,
                              float sin_scale, float* c_out, float* s_out) noexcept {
  const std::size_t n = job.pairs;
  const float* row[axis_freq_capacity];
  for (std::size_t a = 0; a < plan.axes; ++a) {
    const double p = position[a] < 0 ? -position[a] : position[a];  // p < 0: shifts only
    row[a] = job.table + static_cast<std::ptrdiff_t>(p) * job.table_row_stride;
  }
  // On fv2, the widest vectors: the heads loops read these rows back at once, and loads as wide as the
  // stores forward from them (a 512-bit load of two 256-bit stores waits for both to retire).
  using F = typename fv2::type;
  const F cs = fv2::set1(row_scale), ss = fv2::set1(sin_scale), identity = fv2::set1(plan.c_none);
  const bool scaled = row_scale != 1.0f || sin_scale != 1.0f;  // forward: the rows as they are
  std::size_t j = 0;
  for (; j + fv2::width <= n; j += fv2::width) {
    F c = fv2::mul(fv2::load(plan.weight[0] + j), fv2::load(row[0] + j));
    F s = fv2::mul(fv2::load(plan.weight[0] + j), fv2::load(row[0] + n + j));
    for (std::size_t a = 1; a < plan.axes; ++a) {
      const F w = fv2::load(plan.weight[a] + j);
      c = fv2::fmadd(w, fv2::load(row[a] + j), c);
      s = fv2::fmadd(w, fv2::load(row[a] + n + j), s);
    }
    if (scaled) {
      c = fv2::mul(c, cs);
      s = fv2::mul(s, ss);
    }
    if (plan.has_none) c = fv2::fmadd(fv2::load(plan.weight[plan.axes] + j), identity, c);
    fv2::store(c_out + j, c);
    fv2::store(s_out + j, s);
  }
  for (; j < n; ++j) {
    const std::uint8_t a = plan.slot[j];
    c_out[j] = a == 0xFF ? plan.c_none : row[a][j] * row_scale;
    s_out[j] = a == 0xFF ? 0.0f : row[a][n + j] * sin_scale;
  }
}

// The largest block of tokens whose rows for_each_block can hold: 2n floats per token.
inline std::size_t max_block(std::size_t pairs) noexcept {
  return pairs == 0 || 2 * max_pairs / pairs >= token_block ? token_block : 2 * max_pairs / pairs;
}

// The tokens [token_begin, token_end) in blocks of at most `block` (<= max_block(pairs)): each token's
// angle rows (read from the table, or computed here: on the fly, or the inverse's rescaled table rows),
// then consume(rows).
template <class Consume>
inline void for_each_block(const rope_job& job, std::size_t block, Consume&& consume) noexcept {
  const std::size_t n = job.pairs;
  alignas(64) float computed[4 * max_pairs], cc[2 * max_pairs], ss[2 * max_pairs];
  token_rows rows;
  rows.cc = cc;
  rows.ss = ss;
  const double f = job.attention_factor;
  // Table rows hold f cos and f sin. Forward uses them as they are; the exact inverse rotates by -a and
  // divides by f (1/f^2 of the rows); a shift is a pure rotation (1/f of the rows), by -a for a negative
  // delta (the row of |delta|).
  const float row_scale = static_cast<float>(job.inverse ? 1.0 / (f * f) : job.shift ? 1.0 / f : 1.0);
  // On the fly: forward f cos, f sin; inverse cos / f, -sin / f; a shift cos, sin at the signed delta.
  const double angle_cos = job.shift ? 1.0 : job.inverse ? 1.0 / f : f;
  const double angle_sin = job.inverse ? -angle_cos : angle_cos;
  const bool multi = job.pair_axis != nullptr;
  axis_plan plan;
  if (multi) plan.start(job);
  const bool multi_axis_positions = job.pos.is_multi_axis();
  position_cursor cursor(job.pos, job.token_begin, job.shift);
  for (std::size_t t = job.token_begin; t < job.token_end; t += rows.count) {
    rows.first = t;
    rows.count = job.token_end - t < block ? job.token_end - t : block;
    for (std::size_t i = 0; i < rows.count; ++i) {
      float* c_buf = computed + 2 * n * i;
      float* s_buf = c_buf + n;
      rows.c[i] = c_buf;
      rows.s[i] = s_buf;
      double p_one;
      if (multi) {
        double p[axis_freq_capacity] = {};
        bool same = true;
        if (multi_axis_positions) {
          cursor.at_axes(t + i, plan.axes, p);
          for (std::size_t a = 1; a < plan.axes; ++a) same = same && p[a] == p[0];
        } else {  // 1-D positions (a shift's delta, a text-only batch): every axis at that position
          p[0] = cursor.at(t + i);
          for (std::size_t a = 1; a < plan.axes; ++a) p[a] = p[0];
        }
        if (same && !plan.has_none) {
          p_one = p[0];  // a text token: plain RoPE, the same angles
        } else {
          if (!plan.prepared) plan.prepare(job, static_cast<float>(angle_cos));
          if (job.table != nullptr) {
            const bool negative = !multi_axis_positions && p[0] < 0;
            const float sin_scale = job.inverse || negative ? -row_scale : row_scale;
            gather_table_rows(job, plan, p, row_scale, sin_scale, c_buf, s_buf);
          } else {
            sincos_row(plan.freq, plan.axes, p, n, angle_cos, angle_sin, c_buf, s_buf);
          }
          continue;
        }
      } else {
        p_one = cursor.at(t + i);
      }
      const double p = p_one;
      if (job.table != nullptr) {
        const float* row = job.table + static_cast<std::ptrdiff_t>(p < 0 ? -p : p) * job.table_row_stride;
        const float sin_scale = job.inverse || p < 0 ? -row_scale : row_scale;
        if (row_scale == 1.0f && sin_scale == 1.0f) {
          rows.c[i] = row;
          rows.s[i] = row + n;
        } else {
          for (std::size_t j = 0; j < n; ++j) {
            c_buf[j] = row[j] * row_scale;
            s_buf[j] = row[n + j] * sin_scale;
          }
        }
      } else {
        sincos_row(job.inv_freq, n, p, angle_cos, angle_sin, c_buf, s_buf);
      }
    }
    consume(rows);
  }
}

inline void run(const rope_job& job, heads_fn q_fn, heads_fn k_fn) noexcept {
  // With k in the call, a block of tokens' q rows, then the same tokens' k rows, as run_fused visits
  // them (where token by token cost its append a third more: docs/performance.md); for the rotation
  // alone the two orders measured alike.
  for_each_block(job, max_block(job.pairs), [&](token_rows& rows) {
    rows.then = job.k.heads != 0 ? &job.k : nullptr;
    rows.then_step = 0;
    q_fn(job.q, rows, job.pairs, job.rotary_offset);
    if (job.k.heads != 0) {
      rows.then = &job.q;
      rows.then_step = rows.count;
      k_fn(job.k, rows, job.pairs, job.rotary_offset);
    }
  });
}

// The kernels' entry point: every token in [token_begin, token_end) of q and k.
inline void run(const rope_job& job) noexcept {
  run(job, select_heads(job.q.in_type, job.q.out_type, job.interleaved),
      select_heads(job.k.in_type, job.k.out_type, job.interleaved));
}

// ---- the contract (detail/vector_contract.hpp), checked once the scalar lane dv1 is complete ----
COPE_REQUIRE_FLOAT_VECTOR(fv);
COPE_REQUIRE_FLOAT_VECTOR(fv2);
COPE_REQUIRE_DOUBLE_VECTOR(dv);
