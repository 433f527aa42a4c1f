// Internal header (not part of the public API): the fused kernels (design §10; fused.hpp): QK-RMSNorm +
// RoPE and RoPE + KV-cache append, written over the same vector interface as the rotary kernels and
// included, like them, inside an ISA's namespace, after kernels_inl.hpp (arch/<isa>_fused.hpp does
// both). Kept apart so that units which never call a fused operation never compile it: only fused.hpp
// (header-only) and cope::kernels include them. No include guard.

// ---- fused operations (design §10; fused.hpp) ---------------------------------------------------
//
// One pass over each token's rows: they are read once into a scratch row block in L1 (normalized there,
// or rotated there first), and written once to their destination by the same heads loops as run().

using ::cope::detail::norm_job;
using ::cope::detail::norm_kind;

// A fused call's scratch: up to this many elements of a token's head rows at a time (16 KB as float32).
inline constexpr std::size_t fused_scratch_elements = 4096;

// The sum of x[j]^2 over a row, in float32: fused multiply-adds into four vectors of lanes, their sum,
// then the tail. The order is the ISA's own (the reference's, torch's reduction, is its own too).
template <class T>
inline float sum_of_squares(const T* x, std::size_t n) noexcept {
  using F = typename fv2::type;
  constexpr std::size_t w = fv2::width;
  F a0 = fv2::set1(0.0f), a1 = a0, a2 = a0, a3 = a0;
  std::size_t j = 0;
  for (; j + 4 * w <= n; j += 4 * w) {
    const F x0 = fv2::load(x + j), x1 = fv2::load(x + j + w), x2 = fv2::load(x + j + 2 * w), x3 = fv2::load(x + j + 3 * w);
    a0 = fv2::fmadd(x0, x0, a0);
    a1 = fv2::fmadd(x1, x1, a1);
    a2 = fv2::fmadd(x2, x2, a2);
    a3 = fv2::fmadd(x3, x3, a3);
  }
  for (; j + w <= n; j += w) {
    const F x0 = fv2::load(x + j);
    a0 = fv2::fmadd(x0, x0, a0);
  }
  float sum = fv2::sum(fv2::add(fv2::add(a0, a1), fv2::add(a2, a3)));
  for (; j < n; ++j) {
    const float v = load_scalar(x + j);
    sum += v * v;
  }
  return sum;
}

// r = 1 / sqrt(mean + eps), each step a float32 operation as torch's CPU ops take them: mean = sum / n
// (torch's CPU mean is a sum divided by the count), rsqrt = 1 / sqrt.
inline float rms_scale(float sum, std::size_t n, float eps) noexcept {
  const float mean = sum / static_cast<float>(n);
  return 1.0f / std::sqrt(mean + eps);
}

// A row normalized with r by the kind's float32 sequence: y = x * r, then the weight (the row's own
// values w), the product rounded to Tdst on the store. weight_after_cast first rounds x * r to Tsrc, the
// storage type, as its reference does (hidden_states.to(input_dtype)).
template <norm_kind K, class Tsrc, class Tdst>
inline void normalize_row(const Tsrc* src, Tdst* dst, std::size_t n, float r, const float* w) noexcept {
  using F = typename fv2::type;
  constexpr std::size_t width = fv2::width;
  const F rv = fv2::set1(r), one = fv2::set1(1.0f);
  Tsrc rounded[width];
  std::size_t j = 0;
  for (; j + width <= n; j += width) {
    F y = fv2::mul(fv2::load(src + j), rv);
    if constexpr (K == norm_kind::weight_after_cast) {
      fv2::store(rounded, y);
      y = fv2::mul(fv2::load(w + j), fv2::load(rounded));
    } else if constexpr (K == norm_kind::weight) {
      y = fv2::mul(y, fv2::load(w + j));
    } else if constexpr (K == norm_kind::one_plus_weight) {
      y = fv2::mul(y, fv2::add(one, fv2::load(w + j)));
    }
    fv2::store(dst + j, y);
  }
  for (; j < n; ++j) {
    float y = load_scalar(src + j) * r;
    if constexpr (K == norm_kind::weight_after_cast) {
      store_scalar(rounded, y);
      y = w[j] * load_scalar(rounded);
    } else if constexpr (K == norm_kind::weight) {
      y = y * w[j];
    } else if constexpr (K == norm_kind::one_plus_weight) {
      y = y * (1.0f + w[j]);
    }
    store_scalar(dst + j, y);
  }
}

template <class Tsrc, class Tdst>
inline void normalize_row(norm_kind kind, const Tsrc* src, Tdst* dst, std::size_t n, float r, const float* w) noexcept {
  switch (kind) {
    case norm_kind::weight_after_cast: return normalize_row<norm_kind::weight_after_cast>(src, dst, n, r, w);
    case norm_kind::weight: return normalize_row<norm_kind::weight>(src, dst, n, r, w);
    case norm_kind::one_plus_weight: return normalize_row<norm_kind::one_plus_weight>(src, dst, n, r, w);
    default: return normalize_row<norm_kind::unit>(src, dst, n, r, w);
  }
}

// One side (q or k) of a token in a fused call: `side` addresses the token's rows (in: head 0 of the
// input, out: head 0 of the destination; token strides unused), rows holds its one angle row. rope
// rotates (Tin -> Tout), rope_in (Tin -> Tin) rotates into the scratch.
struct fused_side {
  head_job rows;
  const float* weight;  // head_dim values, or heads * head_dim with a norm over the token
  heads_fn rope;
  heads_fn rope_in;
};

using fused_heads_fn = void (*)(const rope_job& job, const fused_side& side, const token_rows& rows, void* scratch) noexcept;

// Weights from head `offset` on (span token), or none (unit: no weights, not even an offset null pointer).
inline const float* offset_weights(const float* w, std::size_t offset) noexcept { return w != nullptr ? w + offset : nullptr; }

template <class Tin, class Tout>
inline void fused_heads(const rope_job& job, const fused_side& side, const token_rows& rows, void* scratch_bytes) noexcept {
  const norm_job& norm = job.norm;
  const head_job& h = side.rows;
  const std::size_t d = h.head_dim, heads = h.heads;
  const Tin* in = static_cast<const Tin*>(h.in);
  Tout* out = static_cast<Tout*>(h.out);
  Tin* scratch = static_cast<Tin*>(scratch_bytes);
  const std::size_t per_chunk = fused_scratch_elements / d;  // >= 1: the checked layer bounds head_dim
  float r_token = 0.0f;
  if (norm.span_token && (norm.only || !norm.after_rope)) {
    float sum = 0.0f;
    for (std::size_t i = 0; i < heads; ++i) sum += sum_of_squares(in + static_cast<std::ptrdiff_t>(i) * h.in_head_stride, d);
    r_token = rms_scale(sum, heads * d, norm.eps);
  }
  for (std::size_t h0 = 0; h0 < heads; h0 += per_chunk) {
    const std::size_t count = heads - h0 < per_chunk ? heads - h0 : per_chunk;
    const Tin* chunk_in = in + static_cast<std::ptrdiff_t>(h0) * h.in_head_stride;
    Tout* chunk_out = out + static_cast<std::ptrdiff_t>(h0) * h.out_head_stride;
    head_job sub = h;
    sub.heads = count;
    sub.in_token_stride = sub.out_token_stride = 0;  // rows.first's rows are at in / out themselves
    const float* weight = norm.span_token ? offset_weights(side.weight, h0 * d) : side.weight;
    if (norm.only) {  // the norm alone: straight to the output
      for (std::size_t i = 0; i < count; ++i) {
        const Tin* src = chunk_in + static_cast<std::ptrdiff_t>(i) * h.in_head_stride;
        const float r = norm.span_token ? r_token : rms_scale(sum_of_squares(src, d), d, norm.eps);
        normalize_row(norm.kind, src, chunk_out + static_cast<std::ptrdiff_t>(i) * h.out_head_stride, d, r,
                      norm.span_token ? offset_weights(weight, i * d) : weight);
      }
    } else if (!norm.after_rope) {
      for (std::size_t i = 0; i < count; ++i) {
        const Tin* src = chunk_in + static_cast<std::ptrdiff_t>(i) * h.in_head_stride;
        const float r = norm.span_token ? r_token : rms_scale(sum_of_squares(src, d), d, norm.eps);
        normalize_row(norm.kind, src, scratch + i * d, d, r, norm.span_token ? offset_weights(weight, i * d) : weight);
      }
      sub.in = scratch;
      sub.in_head_stride = static_cast<std::ptrdiff_t>(d);
      sub.out = chunk_out;
      side.rope(sub, rows, job.pairs, job.rotary_offset);
    } else {
      // Rotated into the scratch in the input's type (the reference rounds there: type_as), then normalized.
      sub.in = chunk_in;
      sub.out = scratch;
      sub.out_type = sub.in_type;
      sub.out_head_stride = static_cast<std::ptrdiff_t>(d);
      side.rope_in(sub, rows, job.pairs, job.rotary_offset);
      if (norm.span_token) {  // the checked layer keeps such a token's heads within one chunk
        float sum = 0.0f;
        for (std::size_t i = 0; i < count; ++i) sum += sum_of_squares(scratch + i * d, d);
        r_token = rms_scale(sum, heads * d, norm.eps);
      }
      for (std::size_t i = 0; i < count; ++i) {
        const Tin* src = scratch + i * d;
        const float r = norm.span_token ? r_token : rms_scale(sum_of_squares(src, d), d, norm.eps);
        normalize_row(norm.kind, src, chunk_out + static_cast<std::ptrdiff_t>(i) * h.out_head_stride, d, r,
                      norm.span_token ? offset_weights(weight, i * d) : weight);
      }
    }
  }
}

// ---- the fused norm's fast path: rows normalized and rotated in registers ----
//
// Before RoPE with one r per head row and the rotary window the whole row (rotary_dim = head_dim 64,
// 128 or 256): each row is loaded once into registers, scaled by its r, rounded to the storage type (and
// first, for weight_after_cast, x * r too), multiplied by its weight, rounded again, rotated and stored,
// with the arithmetic of the generic path (normalize_row, then the heads loops): the same bits. The r of
// a token's heads are computed together on vectors (one division, square root and division per vector
// of heads instead of per head), from float32 sums of squares.

// v rounded to T's precision, as a store to T and a load back would (nothing for float): in registers
// where V can (V is fv2; a parameter so that the ops it may lack are looked up only where used).
template <class T, class V = fv2>
inline typename V::type rounded_to(typename V::type v) noexcept {
  if constexpr (std::is_same_v<T, float>) {
    return v;
  } else if constexpr (V::rounds_in_registers && std::is_same_v<T, ::cope::float16>) {
    return V::round_f16(v);
  } else if constexpr (V::rounds_in_registers && std::is_same_v<T, ::cope::bfloat16>) {
    return V::round_bf16(v);
  } else {
    T tmp[V::width];
    V::store(tmp, v);
    return V::load(tmp);
  }
}

// r[i] = 1 / sqrt(sum[i] / n + eps) for i < count, in place, as rms_scale computes each.
inline void rms_scales(float* r, std::size_t count, std::size_t n, float eps) noexcept {
  using F = typename fv2::type;
  const F nv = fv2::set1(static_cast<float>(n)), ev = fv2::set1(eps), one = fv2::set1(1.0f);
  std::size_t i = 0;
  for (; i + fv2::width <= count; i += fv2::width)
    fv2::store(r + i, fv2::div(one, fv2::sqrt(fv2::add(fv2::div(fv2::load(r + i), nv), ev))));
  for (; i < count; ++i) r[i] = rms_scale(r[i], n, eps);
}

// The rows of `h` (head 0 at h.in / h.out), P pairs each; a, b the token's angle rows as the
// element-wise loops take them (cos, sin; or spread for interleaved); w the effective weight (w, 1 + w,
// or 1: see fused_weights), r each row's scale.
// rotate false: the norm alone (apply_qk_norm), y stored as it is.
template <class Tin, class Tout, bool interleaved, std::size_t P, bool rotate = true>
inline void norm_rope_rows(const head_job& h, const float* r, const float* w, bool cast_first, const float* a,
                           const float* b) noexcept {
  using F = typename fv2::type;
  constexpr std::size_t width = fv2::width, vectors = 2 * P / width;
  const Tin* in = static_cast<const Tin*>(h.in);
  Tout* out = static_cast<Tout*>(h.out);
  for (std::size_t i = 0; i < h.heads; ++i, in += h.in_head_stride, out += h.out_head_stride) {
    const F rv = fv2::set1(r[i]);
    F y[vectors];
    for (std::size_t k = 0; k < vectors; ++k) {
      F v = fv2::mul(fv2::load(in + k * width), rv);
      if (cast_first) v = rounded_to<Tin>(v);
      y[k] = rounded_to<Tin>(fv2::mul(v, fv2::load(w + k * width)));
    }
    if constexpr (!rotate) {
      static_cast<void>(a);
      static_cast<void>(b);
      for (std::size_t k = 0; k < vectors; ++k) fv2::store(out + k * width, y[k]);
    } else if constexpr (interleaved) {
      for (std::size_t k = 0; k < vectors; ++k)
        fv2::store(out + k * width, fv2::fmadd(y[k], fv2::load(a + k * width),
                                               fv2::mul(fv2::swap_pairs(y[k]), fv2::load(b + k * width))));
    } else {
      constexpr std::size_t half = vectors / 2;
      for (std::size_t k = 0; k < half; ++k) {
        const F c = fv2::load(a + k * width), s = fv2::load(b + k * width);
        fv2::store(out + k * width, fv2::fmsub(y[k], c, fv2::mul(y[half + k], s)));
        fv2::store(out + P + k * width, fv2::fmadd(y[k], s, fv2::mul(y[half + k], c)));
      }
    }
  }
}

using norm_rope_rows_fn = void (*)(const head_job&, const float*, const float*, bool, const float*, const float*) noexcept;

// bf16 rows where fv2 splits them (V::splits_bf16, as bf16_heads_split rotates them): each raw vector of
// 2 * width halves is split into its even and its odd elements as float32 (exact, without the widening
// shuffles of fv2::load), normalized and rotated there and joined back (rounding to bfloat16 once). Lane
// by lane the arithmetic is norm_rope_rows's (x * r, its roundings, the weight, the layout's element-wise
// rotation), so the bits are too. w is in split order (split_order: each 32 weights' even ones, then
// their odd ones; for rows rounded in pairs, as split_orders says); a, b are the angle rows as
// norm_rope_rows takes them.
template <class V, bool interleaved, std::size_t P>
inline void norm_rope_rows_split(const head_job& h, const float* r, const float* w, bool cast_first, const float* a,
                                 const float* b) noexcept {
  using F = typename V::type;
  using bf16 = ::cope::bfloat16;
  constexpr std::size_t lanes = V::width, step = 2 * lanes, raws = 2 * P / step;
  const bf16* in = static_cast<const bf16*>(h.in);
  bf16* out = static_cast<bf16*>(h.out);
  // y = x * r (rounded for weight_after_cast), times the weight, rounded: each lane as normalize_row.
  auto normalized = [cast_first](F x, F rv, const float* weight) {
    F v = V::mul(x, rv);
    if (cast_first) v = V::round_bf16(v);
    return V::round_bf16(V::mul(v, V::load(weight)));
  };
  if constexpr (interleaved) {
    // A lane is a pair (x even, y odd); a, b spread (c, c; -s, s): c from a's even elements, s from b's odd.
    F c[raws], sn[raws], unused;
    for (std::size_t k = 0; k < raws; ++k) {
      V::load_even_odd(a + k * step, c[k], unused);
      V::load_even_odd(b + k * step, unused, sn[k]);
    }
    for (std::size_t i = 0; i < h.heads; ++i, in += h.in_head_stride, out += h.out_head_stride) {
      const F rv = V::set1(r[i]);
      for (std::size_t k = 0; k < raws; ++k) {
        F x, y;
        V::split(V::load_raw(in + k * step), x, y);
        x = normalized(x, rv, w + k * step);
        y = normalized(y, rv, w + k * step + lanes);
        V::store_raw(out + k * step, V::join(V::fmsub(x, c[k], V::mul(y, sn[k])), V::fmadd(y, c[k], V::mul(x, sn[k]))));
      }
    }
  } else {
    // Where V rounds pairs (round_bf16_pair), a raw vector's two split halves are rounded together: R
    // roundings (2 for weight_after_cast, else 1) leave the lanes unshuffled R times, so the weights come
    // unshuffled R - 1 times beyond split order (split_orders), the angles R times, and
    // join_unshuffled<R + 1> packs. Elsewhere each half is rounded alone (normalized).
    auto rows = [&](auto rounds) {
      constexpr std::size_t R = decltype(rounds)::value, half = raws / 2;
      F ce[half], co[half], se[half], so[half];
      for (std::size_t k = 0; k < half; ++k) {
        V::load_even_odd(a + k * step, ce[k], co[k]);
        V::load_even_odd(b + k * step, se[k], so[k]);
        if constexpr (V::rounds_bf16_pairs)
          for (std::size_t t = 0; t < R; ++t) {
            V::unshuffle_pair(ce[k], co[k]);
            V::unshuffle_pair(se[k], so[k]);
          }
      }
      auto join = [](F even, F odd) {
        if constexpr (V::rounds_bf16_pairs) return V::template join_unshuffled<R + 1>(even, odd);
        else return V::join(even, odd);
      };
      for (std::size_t i = 0; i < h.heads; ++i, in += h.in_head_stride, out += h.out_head_stride) {
        const F rv = V::set1(r[i]);
        for (std::size_t k = 0; k < half; ++k) {
          F xe, xo, ye, yo;
          V::split(V::load_raw(in + k * step), xe, xo);
          V::split(V::load_raw(in + P + k * step), ye, yo);
          if constexpr (V::rounds_bf16_pairs) {
            xe = V::mul(xe, rv);
            xo = V::mul(xo, rv);
            ye = V::mul(ye, rv);
            yo = V::mul(yo, rv);
            if constexpr (R == 2) {
              V::round_bf16_pair(xe, xo);
              V::round_bf16_pair(ye, yo);
            }
            xe = V::mul(xe, V::load(w + k * step));
            xo = V::mul(xo, V::load(w + k * step + lanes));
            ye = V::mul(ye, V::load(w + P + k * step));
            yo = V::mul(yo, V::load(w + P + k * step + lanes));
            V::round_bf16_pair(xe, xo);
            V::round_bf16_pair(ye, yo);
          } else {
            xe = normalized(xe, rv, w + k * step);
            xo = normalized(xo, rv, w + k * step + lanes);
            ye = normalized(ye, rv, w + P + k * step);
            yo = normalized(yo, rv, w + P + k * step + lanes);
          }
          V::store_raw(out + k * step, join(V::fmsub(xe, ce[k], V::mul(ye, se[k])), V::fmsub(xo, co[k], V::mul(yo, so[k]))));
          V::store_raw(out + P + k * step, join(V::fmadd(xe, se[k], V::mul(ye, ce[k])), V::fmadd(xo, so[k], V::mul(yo, co[k]))));
        }
      }
    };
    if (V::rounds_bf16_pairs && cast_first)
      rows(std::integral_constant<std::size_t, 2>{});
    else
      rows(std::integral_constant<std::size_t, 1>{});
  }
}

// Whether a side's register path is norm_rope_rows_split (its weights then in split order), and how
// many times split_order arranges them: once, or for rotate-half rows rounded in pairs after a first
// rounding (weight_after_cast), twice.
inline bool splits_rows(const rope_job& job, const head_job& side) noexcept {
  return fv2::splits_bf16 && !job.norm.only && side.in_type == ::cope::dtype::bf16 &&
         side.out_type == ::cope::dtype::bf16;
}
inline std::size_t split_orders(const rope_job& job) noexcept {
  return fv2::rounds_bf16_pairs && !job.interleaved && job.norm.kind == norm_kind::weight_after_cast ? 2 : 1;
}

// (V: fv2, a parameter so that the split operations are looked up only where V has them.)
template <class V = fv2>
inline norm_rope_rows_fn select_norm_rope_rows_split(bool interleaved, std::size_t pairs) noexcept {
  if constexpr (V::splits_bf16) {
    switch (pairs) {
      case 32: return interleaved ? &norm_rope_rows_split<V, true, 32> : &norm_rope_rows_split<V, false, 32>;
      case 64: return interleaved ? &norm_rope_rows_split<V, true, 64> : &norm_rope_rows_split<V, false, 64>;
      case 128: return interleaved ? &norm_rope_rows_split<V, true, 128> : &norm_rope_rows_split<V, false, 128>;
      default: break;
    }
  }
  static_cast<void>(interleaved);
  static_cast<void>(pairs);
  return nullptr;
}

// n weights (a multiple of 2 * fv2::width) reordered for norm_rope_rows_split: each 2 * width of them
// as split() parts a raw vector, the even ones, then the odd ones; `times` times (unshuffle_pair's
// order after the first).
inline void split_order(float* w, std::size_t n, std::size_t times) noexcept {
  constexpr std::size_t step = 2 * fv2::width;
  float group[step];
  for (std::size_t t = 0; t < times; ++t)
    for (std::size_t g = 0; g + step <= n; g += step) {
      for (std::size_t i = 0; i < step / 2; ++i) {
        group[i] = w[g + 2 * i];
        group[step / 2 + i] = w[g + 2 * i + 1];
      }
      std::memcpy(w + g, group, sizeof(group));
    }
}

template <class Tin, class Tout, bool interleaved, bool rotate = true>
inline norm_rope_rows_fn select_norm_rope_rows(std::size_t pairs) noexcept {
  if constexpr (fv2::width >= 2) {
    switch (pairs) {
      case 32: return &norm_rope_rows<Tin, Tout, interleaved, 32, rotate>;
      case 64: return &norm_rope_rows<Tin, Tout, interleaved, 64, rotate>;
      case 128: return &norm_rope_rows<Tin, Tout, interleaved, 128, rotate>;
      default: break;
    }
  }
  return nullptr;
}

// The fast path's rows for a job, or null where it does not apply (the generic path runs).
inline norm_rope_rows_fn select_norm_rope_rows(const rope_job& job, const head_job& side) noexcept {
  using ::cope::dtype;
  using ::cope::float16;
  using ::cope::bfloat16;
  const norm_job& n = job.norm;
  if (n.kind == norm_kind::none || n.span_token) return nullptr;
  if (n.only) {  // the norm alone: rows of 64, 128 or 256 values, one storage type
    if (side.head_dim % 2 != 0 || side.in_type != side.out_type) return nullptr;
    const std::size_t half = side.head_dim / 2;
    if (side.in_type == dtype::f32) return select_norm_rope_rows<float, float, false, false>(half);
    if (side.in_type == dtype::bf16) return select_norm_rope_rows<bfloat16, bfloat16, false, false>(half);
    return select_norm_rope_rows<float16, float16, false, false>(half);
  }
  if (n.after_rope || job.rotary_offset != 0 || side.head_dim != 2 * job.pairs) return nullptr;
  const bool il = job.interleaved;
  if (side.in_type == dtype::f32 && side.out_type == dtype::f32)
    return il ? select_norm_rope_rows<float, float, true>(job.pairs) : select_norm_rope_rows<float, float, false>(job.pairs);
  if (side.in_type == dtype::bf16 && side.out_type == dtype::bf16) {
    if (splits_rows(job, side)) return select_norm_rope_rows_split(il, job.pairs);
    return il ? select_norm_rope_rows<bfloat16, bfloat16, true>(job.pairs)
              : select_norm_rope_rows<bfloat16, bfloat16, false>(job.pairs);
  }
  if (side.in_type == dtype::f16 && side.out_type == dtype::f16)
    return il ? select_norm_rope_rows<float16, float16, true>(job.pairs)
              : select_norm_rope_rows<float16, float16, false>(job.pairs);
  return nullptr;  // converting calls (f32 -> f16 / bf16) take the generic path
}

// The weight each kind multiplies by, as a float32 row: w, 1 + w (rounded as the reference adds them), or
// 1 (x * r * 1 is x * r exactly).
inline void fused_weights(norm_kind kind, const float* w, std::size_t n, float* out) noexcept {
  for (std::size_t j = 0; j < n; ++j)
    out[j] = kind == norm_kind::unit ? 1.0f : kind == norm_kind::one_plus_weight ? 1.0f + w[j] : w[j];
}

// The row `ahead` rows after head i of h in visiting order (h's later heads, then `then`'s from head 0),
// prefetched into L1 as for_each_head does in place: the rows are read first by the sums of squares,
// whose loads the hardware prefetchers alone leave waiting on memory. Addresses only; never faults.
inline void prefetch_fused_row(const head_job& h, const head_job& then, std::size_t i, std::size_t ahead) noexcept {
  const head_job& j = i + ahead < h.heads ? h : then;
  const std::size_t at = i + ahead < h.heads ? i + ahead : i + ahead - h.heads;
  const std::size_t row_bytes = j.head_dim * ::cope::size_of(j.in_type);
  const std::uintptr_t row = reinterpret_cast<std::uintptr_t>(j.in) +
                             static_cast<std::uintptr_t>(static_cast<std::ptrdiff_t>(at) * j.in_head_stride *
                                                         static_cast<std::ptrdiff_t>(::cope::size_of(j.in_type)));
  for (std::uintptr_t line = row & ~std::uintptr_t{63}; line < row + row_bytes; line += 64)
    COPE_PREFETCH(reinterpret_cast<const void*>(line));
}

// One side of a token on the fast path: the heads' r together, then their rows. `then`: the rows
// visited after these (k's of this token after q's, q's of the next token after k's), for the prefetch.
inline void fused_fast_side(const rope_job& job, const head_job& h, const head_job& then, norm_rope_rows_fn rows_fn,
                            const float* w, const token_rows& rows) noexcept {
  const std::size_t d = h.head_dim;
  const row_pair angles = job.interleaved ? elementwise_rows<true>(rows, 0, job.pairs)
                                          : elementwise_rows<false>(rows, 0, job.pairs);
  const bool cast_first = job.norm.kind == norm_kind::weight_after_cast;
  const std::size_t in_size = ::cope::size_of(h.in_type), out_size = ::cope::size_of(h.out_type);
  constexpr std::size_t group = 64;
  alignas(64) float r[group];
  for (std::size_t h0 = 0; h0 < h.heads; h0 += group) {
    head_job sub = h;
    sub.heads = h.heads - h0 < group ? h.heads - h0 : group;
    sub.in = static_cast<const unsigned char*>(h.in) + static_cast<std::ptrdiff_t>(h0 * in_size) * h.in_head_stride;
    sub.out = static_cast<unsigned char*>(h.out) + static_cast<std::ptrdiff_t>(h0 * out_size) * h.out_head_stride;
    const std::size_t ahead = (prefetch_distance_bytes + d * in_size - 1) / (d * in_size);
    for (std::size_t i = 0; i < sub.heads; ++i) {
      prefetch_fused_row(h, then, h0 + i, ahead);
      const unsigned char* row = static_cast<const unsigned char*>(sub.in) +
                                 static_cast<std::ptrdiff_t>(i * in_size) * h.in_head_stride;
      switch (h.in_type) {
        case ::cope::dtype::f32: r[i] = sum_of_squares(reinterpret_cast<const float*>(row), d); break;
        case ::cope::dtype::f16: r[i] = sum_of_squares(reinterpret_cast<const ::cope::float16*>(row), d); break;
        default: r[i] = sum_of_squares(reinterpret_cast<const ::cope::bfloat16*>(row), d); break;
      }
    }
    rms_scales(r, sub.heads, d, job.norm.eps);
    rows_fn(sub, r, w, cast_first, angles.a, angles.b);
  }
}

inline fused_heads_fn select_fused_heads(::cope::dtype in, ::cope::dtype out) noexcept {
  using ::cope::dtype;
  using ::cope::float16;
  using ::cope::bfloat16;
  if (in == dtype::f32 && out == dtype::f32) return &fused_heads<float, float>;
  if (in == dtype::f16 && out == dtype::f16) return &fused_heads<float16, float16>;
  if (in == dtype::bf16 && out == dtype::bf16) return &fused_heads<bfloat16, bfloat16>;
  if (in == dtype::f32 && out == dtype::f16) return &fused_heads<float, float16>;
  if (in == dtype::f32 && out == dtype::bf16) return &fused_heads<float, bfloat16>;
  return nullptr;  // rejected by the checked layer
}

// A side's rows at token t: its input and output head 0, strides kept.
inline fused_side side_at(const head_job& job, const float* weight, bool interleaved) noexcept {
  return {job, weight, select_heads(job.in_type, job.out_type, interleaved),
          select_heads(job.in_type, job.in_type, interleaved)};
}
// (A null side stays null: k absent, or an append's k, whose rows go to the cache.)
inline head_job rows_at(head_job job, std::size_t token) noexcept {
  if (job.in != nullptr)
    job.in = static_cast<const unsigned char*>(job.in) +
             static_cast<std::ptrdiff_t>(token) * job.in_token_stride * static_cast<std::ptrdiff_t>(::cope::size_of(job.in_type));
  if (job.out != nullptr)
    job.out = static_cast<unsigned char*>(job.out) +
              static_cast<std::ptrdiff_t>(token) * job.out_token_stride * static_cast<std::ptrdiff_t>(::cope::size_of(job.out_type));
  return job;
}

// ---- RoPE + KV-cache append -------------------------------------------------------------------------

using ::cope::detail::cache_job;

// llama.cpp's quantize_row_q8_0_ref, block by block (32 values -> a float16 scale and 32 int8): amax the
// largest |x| (as its MAX(a, b) = a > b ? a : b takes it), d = amax / 127, id = d ? 1 / d : 0, the scale
// stored as float16 (nearest even, as GGML_FP32_TO_FP16), each value roundf(x * id): to nearest, halves
// away from zero, here as trunc plus a step where the remainder reaches one half (exact below 2^23). A
// NaN value (the reference's int8 conversion of it is undefined) stores 0.
inline void quantize_q8_0(const float* x, std::size_t n, unsigned char* out) noexcept {
  for (std::size_t b = 0; b + 32 <= n; b += 32, x += 32, out += 34) {
    float amax = 0.0f;
    for (std::size_t j = 0; j < 32; ++j) {
      const float a = std::fabs(x[j]);
      amax = amax > a ? amax : a;
    }
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const ::cope::float16 scale = conv::to_float16(d);
    std::memcpy(out, &scale, 2);
    for (std::size_t j = 0; j < 32; ++j) {
      const float v = x[j] * id, t = std::trunc(v);
      float r = std::fabs(v - t) >= 0.5f ? t + (v < 0.0f ? -1.0f : 1.0f) : t;
      if (!(r == r)) r = 0.0f;
      const auto q = static_cast<std::int8_t>(r);
      std::memcpy(out + 2 + j, &q, 1);
    }
  }
}

// A row of n values of type `type` at p, as float32 into out.
inline void widen_row(const void* p, ::cope::dtype type, std::size_t n, float* out) noexcept {
  switch (type) {
    case ::cope::dtype::f32: convert_copy<fv>(static_cast<const float*>(p), out, n); break;
    case ::cope::dtype::f16: convert_copy<fv>(static_cast<const ::cope::float16*>(p), out, n); break;
    default: convert_copy<fv>(static_cast<const ::cope::bfloat16*>(p), out, n); break;
  }
}

// A row of n values copied between storage types (the same type: a copy).
template <class Tin>
inline void copy_row_from(const Tin* in, void* out, ::cope::dtype out_type, std::size_t n) noexcept {
  switch (out_type) {
    case ::cope::dtype::f32: convert_copy<fv>(in, static_cast<float*>(out), n); break;
    case ::cope::dtype::f16: convert_copy<fv>(in, static_cast<::cope::float16*>(out), n); break;
    default: convert_copy<fv>(in, static_cast<::cope::bfloat16*>(out), n); break;
  }
}
inline void copy_row(const void* in, ::cope::dtype in_type, void* out, ::cope::dtype out_type, std::size_t n) noexcept {
  if (in_type == out_type) return static_cast<void>(std::memcpy(out, in, n * ::cope::size_of(in_type)));
  switch (in_type) {
    case ::cope::dtype::f32: copy_row_from(static_cast<const float*>(in), out, out_type, n); break;
    case ::cope::dtype::f16: copy_row_from(static_cast<const ::cope::float16*>(in), out, out_type, n); break;
    default: copy_row_from(static_cast<const ::cope::bfloat16*>(in), out, out_type, n); break;
  }
}

// A call that writes at least this many cache bytes (k and v) stores its cache rows past the caches,
// where the ISA streams lines: such a write is DRAM-sized (a prefill's), and ordinary stores would read
// every line in before filling it, as the bulk copies (memcpy, rep movsb) engines compare with do not.
// Smaller calls (decode) keep ordinary stores, which leave the rows in cache for the attention after.
inline constexpr std::size_t stream_cache_bytes = std::size_t{4} << 20;

// n bytes from src to dst: dst's whole 64-byte lines by stream_line (where the ISA streams), its
// unaligned ends by memcpy. (V: fv, a parameter so that stream_line is looked up only where it exists.)
template <class V = fv>
inline void stream_copy(void* dst, const void* src, std::size_t n) noexcept {
  if constexpr (V::streams_lines) {
    auto* d = static_cast<unsigned char*>(dst);
    const auto* s = static_cast<const unsigned char*>(src);
    const std::size_t head = (64 - (reinterpret_cast<std::uintptr_t>(d) & 63)) & 63;
    if (head >= n) return static_cast<void>(std::memcpy(d, s, n));
    std::memcpy(d, s, head);
    d += head;
    s += head;
    n -= head;
    for (; n >= 64; n -= 64, d += 64, s += 64) V::stream_line(d, s);
    std::memcpy(d, s, n);
  } else {
    std::memcpy(dst, src, n);
  }
}

// The streamed lines ordered before what follows, as ordinary stores are (a no-op where nothing streams).
template <class V = fv>
inline void stream_fence() noexcept {
  if constexpr (V::streams_lines) V::stream_fence();
}

// Byte offset of (slot, head 0) in a cache, and the bytes from one head's row to the next.
inline std::size_t cache_row_offset(const cache_job& c, std::size_t slot, std::size_t& head_step) noexcept {
  const std::size_t page = slot / c.page_size, row = slot % c.page_size;
  if (c.hnd) {
    head_step = c.page_size * c.row_bytes;
    return (page * c.kv_heads * c.page_size + row) * c.row_bytes;
  }
  head_step = c.row_bytes;
  return slot * c.kv_heads * c.row_bytes;
}

// Token t's slot: the mapping's, or its position (checked: integer 1-D positions within the cache).
inline std::int64_t slot_of(const cache_job& c, position_cursor& cursor, std::size_t t) noexcept {
  if (c.slots == nullptr) return static_cast<std::int64_t>(cursor.at(t));
  return c.slots_i64 ? static_cast<const std::int64_t*>(c.slots)[t]
                     : static_cast<std::int64_t>(static_cast<const std::int32_t*>(c.slots)[t]);
}

// v's rows of token t prefetched (the next token's, while this one's q and k are rotated): they are
// read once, by a copy the hardware prefetchers alone leave waiting on memory. Addresses only.
inline void prefetch_values(const cache_job& c, std::size_t t) noexcept {
  const std::size_t in_size = ::cope::size_of(c.v_type), row_bytes = c.head_dim * in_size;
  const std::uintptr_t token = reinterpret_cast<std::uintptr_t>(c.v_in) +
                               static_cast<std::uintptr_t>(static_cast<std::ptrdiff_t>(t) * c.v_token_stride *
                                                           static_cast<std::ptrdiff_t>(in_size));
  for (std::size_t h = 0; h < c.kv_heads; ++h) {
    const std::uintptr_t row = token + static_cast<std::uintptr_t>(static_cast<std::ptrdiff_t>(h) * c.v_head_stride *
                                                                    static_cast<std::ptrdiff_t>(in_size));
    for (std::uintptr_t line = row & ~std::uintptr_t{63}; line < row + row_bytes; line += 64)
      COPE_PREFETCH(reinterpret_cast<const void*>(line));
  }
}

// v's rows of token t into the cache row at `offset` (converted, or quantized to q8_0 through `wide`;
// streamed: converted into `wide`, then streamed).
inline void append_values(const cache_job& c, std::size_t t, std::size_t offset, std::size_t head_step,
                          float* wide, bool stream) noexcept {
  const std::size_t in_size = ::cope::size_of(c.v_type);
  const auto* in = static_cast<const unsigned char*>(c.v_in) +
                   static_cast<std::ptrdiff_t>(t) * c.v_token_stride * static_cast<std::ptrdiff_t>(in_size);
  auto* out = static_cast<unsigned char*>(c.v) + offset;
  for (std::size_t h = 0; h < c.kv_heads; ++h, in += c.v_head_stride * static_cast<std::ptrdiff_t>(in_size), out += head_step) {
    if (c.q8_0) {
      widen_row(in, c.v_type, c.head_dim, wide);
      quantize_q8_0(wide, c.head_dim, out);
    } else if (stream) {
      const void* row = in;
      if (c.v_type != c.type) row = (copy_row(in, c.v_type, wide, c.type, c.head_dim), wide);
      stream_copy(out, row, c.head_dim * ::cope::size_of(c.type));
    } else {
      copy_row(in, c.v_type, out, c.type, c.head_dim);
    }
  }
}

// The fused operations' entry point: every token in [token_begin, token_end) of q and k, one at a time:
// each side normalized (job.norm) and rotated, k into its cache slot (job.cache) with v beside it.
inline void run_fused(const rope_job& job) noexcept {
  alignas(64) float scratch[fused_scratch_elements], staging[fused_scratch_elements], wide[fused_scratch_elements];
  const cache_job& cache = job.cache;
  const bool to_cache = cache.k != nullptr, has_k = job.k.heads != 0;
  // k's destination rows: the cache's type, or (q8_0) k's own type in the staging rows, quantized after.
  head_job k_target = job.k;
  if (to_cache) k_target.out_type = cache.q8_0 ? job.k.in_type : cache.type;
  const bool with_norm = job.norm.kind != norm_kind::none;
  fused_side q = side_at(job.q, job.norm.q_weight, job.interleaved);
  fused_side k = side_at(k_target, job.norm.k_weight, job.interleaved);
  const fused_heads_fn q_fn = with_norm ? select_fused_heads(job.q.in_type, job.q.out_type) : nullptr;
  const fused_heads_fn k_fn = with_norm && has_k ? select_fused_heads(k_target.in_type, k_target.out_type) : nullptr;
  // The register path where it applies, with each side's effective weights.
  const norm_rope_rows_fn q_fast = with_norm ? select_norm_rope_rows(job, job.q) : nullptr;
  const norm_rope_rows_fn k_fast = with_norm && has_k ? select_norm_rope_rows(job, k_target) : nullptr;
  alignas(64) float q_w[2 * max_pairs], k_w[2 * max_pairs];
  if (q_fast != nullptr) fused_weights(job.norm.kind, job.norm.q_weight, job.q.head_dim, q_w);
  if (k_fast != nullptr) fused_weights(job.norm.kind, job.norm.k_weight, job.k.head_dim, k_w);
  if (q_fast != nullptr && splits_rows(job, job.q)) split_order(q_w, job.q.head_dim, split_orders(job));
  if (k_fast != nullptr && splits_rows(job, k_target)) split_order(k_w, job.k.head_dim, split_orders(job));
  // Large appends stream their cache rows (stream_cache_bytes): k's are rotated into the staging rows
  // first, then streamed.
  const std::size_t cache_token_bytes = cache.kv_heads * cache.row_bytes;
  const bool stream = fv::streams_lines && to_cache && has_k && !cache.q8_0 &&
                      cache_token_bytes <= sizeof(staging) &&
                      (job.token_end - job.token_begin) * cache_token_bytes * (cache.v_in != nullptr ? 2 : 1) >=
                          stream_cache_bytes;
  position_cursor cursor(job.pos, job.token_begin);
  // One side of token t: side.rows addresses the token's rows (head 0 of in and out); without a norm the
  // rotation alone runs on `plain`, the side with its token strides (in place, the heads loops then
  // prefetch the rows visited next: rows.then).
  auto one_side = [&](const fused_side& side, const head_job& plain, norm_rope_rows_fn fast, fused_heads_fn generic,
                      const float* w, const head_job& then, const token_rows& rows) {
    if (fast != nullptr) return fused_fast_side(job, side.rows, then, fast, w, rows);
    if (generic != nullptr) return generic(job, side, rows, scratch);
    side.rope(plain, rows, job.pairs, job.rotary_offset);
  };
  head_job k_plain = k_target;  // k's rows as the rotation alone takes them: out at the token's slot
  k_plain.out_token_stride = 0;
  // A block of tokens at a time, each side's rows in turn (q's, then k's, then v's): token by token, the
  // five streams interleaved (q, k, v and the two caches) ran a prefill far slower than the rotations
  // and copies they replace (docs/performance.md).
  const std::size_t block = max_block(job.pairs);
  std::int64_t slot[token_block];
  std::size_t offset[token_block], head_step = 0;
  for_each_block(job, block, [&](token_rows& rows) {
    const std::size_t first = rows.first, count = rows.count, end = first + count;
    token_rows one = rows;  // token first + i's angle rows alone
    one.count = 1;
    auto token = [&](std::size_t i) -> const token_rows& {
      one.first = first + i;
      one.c[0] = rows.c[i];
      one.s[0] = rows.s[i];
      return one;
    };
    // q's rows; the register path prefetches the rows visited next, the rotation alone its next token's
    // (the next block's first q rows after the last: in cache by then).
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t t = first + i;
      q.rows = rows_at(job.q, t);
      one.then = nullptr;
      one_side(q, job.q, q_fast, q_fn, q_w, t + 1 < end || !has_k ? rows_at(job.q, t + 1) : rows_at(k_target, first),
               token(i));
    }
    if (!has_k) return;
    if (to_cache && cache.v_in != nullptr) prefetch_values(cache, first);
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t t = first + i;
      k.rows = rows_at(k_target, t);
      if (to_cache) {
        slot[i] = slot_of(cache, cursor, t);
        if (slot[i] < 0) continue;  // skipped (speculative decoding's rejected tokens)
        offset[i] = cache_row_offset(cache, static_cast<std::size_t>(slot[i]), head_step);
        if (cache.q8_0 || stream) {
          k.rows.out = staging;
          k.rows.out_head_stride = static_cast<std::ptrdiff_t>(job.k.head_dim);
        } else {
          k.rows.out = static_cast<unsigned char*>(cache.k) + offset[i];
          k.rows.out_head_stride = static_cast<std::ptrdiff_t>(head_step / ::cope::size_of(cache.type));
        }
        k_plain.out = k.rows.out;
        k_plain.out_head_stride = k.rows.out_head_stride;
      }
      one.then = t + 1 < end ? nullptr : &job.q;  // the next block's q after the last
      one.then_step = 1;
      one_side(k, to_cache ? k_plain : job.k, k_fast, k_fn, k_w, t + 1 < end ? rows_at(k_target, t + 1) : rows_at(job.q, t + 1),
               token(i));
      if (!to_cache) continue;
      if (cache.q8_0) {
        const std::size_t row = job.k.head_dim * ::cope::size_of(job.k.in_type);
        for (std::size_t h = 0; h < cache.kv_heads; ++h) {
          widen_row(reinterpret_cast<const unsigned char*>(staging) + h * row, job.k.in_type, cache.head_dim, wide);
          quantize_q8_0(wide, cache.head_dim, static_cast<unsigned char*>(cache.k) + offset[i] + h * head_step);
        }
      } else if (stream) {
        for (std::size_t h = 0; h < cache.kv_heads; ++h)
          stream_copy(static_cast<unsigned char*>(cache.k) + offset[i] + h * head_step,
                      reinterpret_cast<const unsigned char*>(staging) + h * cache.row_bytes, cache.row_bytes);
      }
    }
    if (!to_cache || cache.v_in == nullptr) return;
    for (std::size_t i = 0; i < count; ++i) {
      if (first + i + 1 < end) prefetch_values(cache, first + i + 1);
      if (slot[i] >= 0) append_values(cache, first + i, offset[i], head_step, wide, stream);
    }
  });
  if (stream) stream_fence();
}

