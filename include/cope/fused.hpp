// cope — fused operations around RoPE (design §10): one pass over q and k where an engine would make two.
//
//   cope::apply_qk_norm_rope(table or spectrum, rope_args, qk_norm)
//       per-head RMSNorm of q and k (Qwen3, Gemma 2/3/4, Qwen3.5, OLMo-2, GLM-4.5, ...) then RoPE, or RoPE
//       then Llama 4's weightless norm: each row read once and written once.
//   cope::apply_qk_norm(norm_args, qk_norm)   the same norm alone (no rotation).
//   cope::apply_rope_append(table or spectrum, append_args)
//       q rotated, k rotated straight into a KV cache slot and v copied into its cache, in one pass:
//       contiguous or paged (NHD / HND) caches, a slot mapping with -1 to skip, f32 / f16 / bf16 or
//       llama.cpp's q8_0 blocks; optionally with the QK-norm too.
//
// Everything apply_rope takes works here too: layouts, storage types, strided views, every position form
// (multi-axis included), tables and on-the-fly angles, in place or out of place, token ranges. Checked
// (try_), throwing, and unchecked forms, as apply.hpp; cope.h has the C form.
//
// The norm's float32 sequence is the model's own (docs/kernels.md cites each source): with x a row
// read as float32, r = 1 / sqrt(sum(x^2) / n + eps) and store() rounding to the storage type of q or k,
//   weight_after_cast   y = store(w * store(x * r))      LlamaRMSNorm: Qwen3, GLM-4.5, Qwen2-VL's vision, ...
//   weight              y = store((x * r) * w)          Gemma 4, OLMo-2 (over all heads: span token)
//   one_plus_weight     y = store((x * r) * (1 + w))    Gemma 2 / 3, Qwen3-Next, Qwen3.5
//   unit                y = store(x * r)                Llama 4 (after RoPE), Gemma 4's v_norm
// then the rotation of y as apply_rope rotates it (after_rope: the rotation first, rounded to the storage
// type, then the norm). The sum of squares is accumulated in float32 in the kernels' own order, as the
// reference's torch reduction is in its own.
#pragma once

#include "apply.hpp"
#include "qk_norm.hpp"

#include <cstdint>

namespace cope {

// A fused norm reads each head row (all head_dim values) through a scratch of this many elements.
inline constexpr std::size_t max_fused_head_dim = 4096;

// The norm alone, no rotation: an engine's separate QK-norm pass (the unfused sequence's first half), or
// Gemma 4's v_norm (unit). norm.order is not used.
struct norm_args {
  const_tensor_view q;
  tensor_view q_out;    // q_out.data == q.data: in place
  const_tensor_view k;  // k.data == nullptr: q only
  tensor_view k_out;
  std::size_t token_begin = 0;
  std::size_t token_end = all_tokens;

  static norm_args in_place(const tensor_view& q, const tensor_view& k = {}) {
    norm_args a;
    a.q = q;
    a.q_out = q;
    a.k = k;
    a.k_out = k;
    return a;
  }
};

// ---- RoPE + KV-cache append ----------------------------------------------------------------------

// How a cache page holds its rows: [page_size, kv_heads, head_dim] (NHD: vLLM's and FlashInfer's
// default) or [kv_heads, page_size, head_dim] (HND).
enum class kv_layout { nhd, hnd };

// A cache's storage: float32, float16, bfloat16, or llama.cpp's q8_0 blocks (32 values: a float16 scale d
// then 32 int8, 34 bytes; each head row of head_dim values is head_dim / 32 blocks).
enum class cache_type { f32, f16, bf16, q8_0 };

inline const char* to_string(cache_type t) noexcept {
  switch (t) {
    case cache_type::f32: return "f32";
    case cache_type::f16: return "f16";
    case cache_type::bf16: return "bf16";
    case cache_type::q8_0: return "q8_0";
  }
  return "unknown";
}

inline constexpr std::size_t q8_0_block_values = 32;
inline constexpr std::size_t q8_0_block_bytes = 34;

// A KV cache of `pages` pages of page_size slots; slot s is row s % page_size of page s / page_size. A
// contiguous cache [max_tokens, kv_heads, head_dim] is one NHD page of max_tokens slots.
struct kv_cache {
  void* k = nullptr;
  void* v = nullptr;  // null: no values (k only)
  cache_type type = cache_type::f16;
  kv_layout layout = kv_layout::nhd;
  std::size_t pages = 0;
  std::size_t page_size = 0;
  std::size_t kv_heads = 0;
  std::size_t head_dim = 0;

  static kv_cache contiguous(void* k, void* v, cache_type type, std::size_t max_tokens, std::size_t kv_heads,
                             std::size_t head_dim) {
    return {k, v, type, kv_layout::nhd, 1, max_tokens, kv_heads, head_dim};
  }
  static kv_cache paged(void* k, void* v, cache_type type, kv_layout layout, std::size_t pages, std::size_t page_size,
                        std::size_t kv_heads, std::size_t head_dim) {
    return {k, v, type, layout, pages, page_size, kv_heads, head_dim};
  }
  std::size_t slots() const noexcept { return pages * page_size; }
  // Bytes of one head row and of one cache (k or v).
  std::size_t row_bytes() const noexcept {
    return type == cache_type::q8_0 ? head_dim / q8_0_block_values * q8_0_block_bytes
                                    : head_dim * (type == cache_type::f32 ? 4 : 2);
  }
  std::size_t bytes() const noexcept { return slots() * kv_heads * row_bytes(); }
};

// Where each token goes: slot_ids[t] = page * page_size + offset, or -1 to skip the token (its k and v
// are not written; q is still rotated), as vLLM's slot_mapping and SGLang's out_loc. No ids: token t goes
// to the slot of its position (a contiguous cache at given positions).
struct slot_mapping {
  const void* ids = nullptr;
  bool wide = false;  // int64 ids, else int32
  std::size_t count = 0;
  static slot_mapping from(const std::int32_t* ids, std::size_t n) { return {ids, false, n}; }
  static slot_mapping from(const std::int64_t* ids, std::size_t n) { return {ids, true, n}; }
};

// q rotated (in place or out of place), k rotated and written into cache.k at its token's slot, v copied
// (converted or quantized) into cache.v, in one pass; with `norm`, q and k normalized first as
// apply_qk_norm_rope does.
struct append_args {
  const_tensor_view q;
  tensor_view q_out;    // q_out.data == q.data: in place
  const_tensor_view k;  // [tokens, kv_heads, head_dim]: read only
  const_tensor_view v;  // v.data == nullptr: no values
  kv_cache cache;
  slot_mapping slots;
  positions pos;
  layout pairing = layout::rotate_half;
  std::size_t rotary_offset = 0;
  std::size_t token_begin = 0;
  std::size_t token_end = all_tokens;
  const axis_map* pair_axes = nullptr;
  const qk_norm* norm = nullptr;  // null: no norm
};

inline namespace COPE_API_NAMESPACE {

// q and k normalized, then rotated as apply_rope(table or s, args) rotates (or rotated, then normalized).
// With norm.kind none this is apply_rope.
[[nodiscard]] COPE_KERNELS_API status try_apply_qk_norm_rope(const table_view& table, const rope_args& args,
                                                             const qk_norm& norm);
[[nodiscard]] COPE_KERNELS_API status try_apply_qk_norm_rope(const spectrum& s, const rope_args& args,
                                                             const qk_norm& norm);
COPE_KERNELS_API void apply_qk_norm_rope_unchecked(const table_view& table, const rope_args& args,
                                                   const qk_norm& norm) noexcept;
COPE_KERNELS_API void apply_qk_norm_rope_unchecked(const spectrum& s, const rope_args& args,
                                                   const qk_norm& norm) noexcept;

[[nodiscard]] COPE_KERNELS_API status try_apply_qk_norm(const norm_args& args, const qk_norm& norm);
COPE_KERNELS_API void apply_qk_norm_unchecked(const norm_args& args, const qk_norm& norm) noexcept;

// Checked: slots beyond the cache or below -1, a slot written twice in the call, page sizes, shapes, a
// cache overlapping q, k, v or the other cache (errc::invalid_cache); the rope checks as apply_rope.
[[nodiscard]] COPE_KERNELS_API status try_apply_rope_append(const table_view& table, const append_args& args);
[[nodiscard]] COPE_KERNELS_API status try_apply_rope_append(const spectrum& s, const append_args& args);
COPE_KERNELS_API void apply_rope_append_unchecked(const table_view& table, const append_args& args) noexcept;
COPE_KERNELS_API void apply_rope_append_unchecked(const spectrum& s, const append_args& args) noexcept;

#if COPE_EXCEPTIONS
inline void apply_rope_append(const table_view& table, const append_args& args) {
  detail::throw_if_error(try_apply_rope_append(table, args));
}
inline void apply_rope_append(const spectrum& s, const append_args& args) {
  detail::throw_if_error(try_apply_rope_append(s, args));
}
inline void apply_qk_norm(const norm_args& args, const qk_norm& norm) {
  detail::throw_if_error(try_apply_qk_norm(args, norm));
}
inline void apply_qk_norm_rope(const table_view& table, const rope_args& args, const qk_norm& norm) {
  detail::throw_if_error(try_apply_qk_norm_rope(table, args, norm));
}
inline void apply_qk_norm_rope(const spectrum& s, const rope_args& args, const qk_norm& norm) {
  detail::throw_if_error(try_apply_qk_norm_rope(s, args, norm));
}
#endif

}  // namespace COPE_API_NAMESPACE
}  // namespace cope

#if !COPE_COMPILED_KERNELS
#include "detail/fused_api_inl.hpp"
#endif
