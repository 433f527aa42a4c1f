// Internal header (not part of the public API): what the checked layer hands the kernels of every ISA,
// already validated. Plain data: the same type for all ISAs.
#pragma once

#include "../config.hpp"
#include "../dtype.hpp"
#include "../positions.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>

// A hint to bring a cache line into L1 ahead of its use (kernels_inl.hpp: for_each_head). Never faults.
#if defined(__GNUC__) || defined(__clang__)
#define COPE_PREFETCH(address) __builtin_prefetch((address), 0, 3)
#else
#define COPE_PREFETCH(address) static_cast<void>(address)
#endif

namespace cope::detail {

// The kernels keep each token's angle rows on the stack: at most 512 pairs (rotary_dim 1024).
inline constexpr std::size_t max_pairs = 512;

// The storage pairs (in, out) the kernels implement, the one list: the checked layer accepts exactly
// these (validate.hpp), and select_heads (kernels_inl.hpp) has a loop for each.
struct storage_pair {
  dtype in, out;
};
inline constexpr storage_pair supported_storage[] = {{dtype::f32, dtype::f32},
                                                     {dtype::f16, dtype::f16},
                                                     {dtype::bf16, dtype::bf16},
                                                     {dtype::f32, dtype::f16},
                                                     {dtype::f32, dtype::bf16}};

struct head_job {
  const void* in = nullptr;
  void* out = nullptr;
  dtype in_type = dtype::f32;
  dtype out_type = dtype::f32;
  std::size_t heads = 0;  // 0: nothing to rotate (k absent)
  std::size_t head_dim = 0;
  std::ptrdiff_t in_token_stride = 0;  // elements
  std::ptrdiff_t in_head_stride = 0;
  std::ptrdiff_t out_token_stride = 0;
  std::ptrdiff_t out_head_stride = 0;
};

// QK-RMSNorm fused with the rotation (fused.hpp): r = 1 / sqrt(mean(x^2) + eps) per head row (or per
// token, over all its heads), then the kind's float32 sequence, rounded as the reference rounds it.
enum class norm_kind : std::uint8_t {
  none,
  weight_after_cast,  // store(w * store(x * r))
  weight,             // store((x * r) * w)
  one_plus_weight,    // store((x * r) * (1 + w))
  unit,               // store(x * r)
};
struct norm_job {
  norm_kind kind = norm_kind::none;
  bool span_token = false;  // one r over all heads of a token (weights: heads * head_dim)
  bool after_rope = false;  // rotate, round to the storage type, then normalize (Llama 4)
  bool only = false;        // the norm alone, no rotation (apply_qk_norm)
  float eps = 0.0f;
  const float* q_weight = nullptr;
  const float* k_weight = nullptr;
};

// RoPE + KV-cache append (fused.hpp): k rotated into its token's cache slot, v copied there.
struct cache_job {
  void* k = nullptr;  // null: no cache (q and k rotated where they are)
  void* v = nullptr;
  dtype type = dtype::f32;  // the cache's storage where not q8_0
  bool q8_0 = false;
  bool hnd = false;
  std::size_t page_size = 0, kv_heads = 0, head_dim = 0, row_bytes = 0;
  const void* slots = nullptr;  // null: slot = position
  bool slots_i64 = false;
  // The values: [tokens, kv_heads, head_dim] (v_in null: none).
  const void* v_in = nullptr;
  dtype v_type = dtype::f32;
  std::ptrdiff_t v_token_stride = 0, v_head_stride = 0;
};

struct rope_job {
  // Angle source: a table (rows of cos then sin, attention factor folded in) or the spectrum.
  const float* table = nullptr;
  std::ptrdiff_t table_row_stride = 0;
  const float* inv_freq = nullptr;
  double attention_factor = 1.0;  // folded into the table's rows, or applied to the spectrum's angles
  std::size_t pairs = 0;
  positions pos;
  head_job q, k;
  bool interleaved = false;
  bool inverse = false;
  // A shift of cached keys (shift_keys): positions are signed deltas, an offset is the same delta for
  // every token, and the rotation is pure (the attention factor divided out of table rows, not applied).
  bool shift = false;
  // Multi-axis (axis_map.hpp): pair j reads the position of axis pair_axis[j] (0xFF: an identity pair);
  // the positions are multi-axis, or 1-D and then the same on every axis. Null: 1-D RoPE.
  const std::uint8_t* pair_axis = nullptr;
  std::size_t rotary_offset = 0;
  std::size_t token_begin = 0, token_end = 0;
  // Fused operations (run_fused only).
  norm_job norm;
  cache_job cache;
};

// One ISA's kernels, as the checked layer calls them.
struct kernel_set {
  const char* name;
  void (*run)(const rope_job&) noexcept;
  void (*fill_table_rows)(const float* inv_freq, std::size_t pairs, double scale, std::int64_t first,
                          std::int64_t count, float* out, std::ptrdiff_t row_stride) noexcept;
  // The fused operations (fused.hpp). Null in a header-only unit's set, whose fused entry points take
  // the ISA's run_fused directly (so units that never call them never compile them).
  void (*run_fused)(const rope_job&) noexcept = nullptr;
};

}  // namespace cope::detail
