// The C++ side of the C API test (c_api_test.c): the same spectra and calls made with the C++ API on
// cope::kernels, built from plain arguments (not from the C structs), for a byte-for-byte comparison.
#include "cope/cope.hpp"
#include "cope/fused.hpp"

#include <cstdint>
#include <vector>

namespace {

cope::spectrum test_spectrum(int clip) {
  cope::yarn_parameters y;
  y.rope_theta = 1e6;
  y.factor = 4.0;
  y.original_max_position_embeddings = 32768;
  const cope::spectrum s = cope::rope_yarn(128, y);
  return clip == 1 ? cope::cope_clip(s, 20) : clip == 2 ? cope::hard_clip(s, 20) : s;
}

// Tables for positions 0 .. 2^17 - 1 (the C test uses table sources with positions below that only).
const cope::rope_table& test_table(int clip) {
  static const cope::rope_table tables[3] = {cope::make_table(test_spectrum(0), 1 << 17),
                                             cope::make_table(test_spectrum(1), 1 << 17),
                                             cope::make_table(test_spectrum(2), 1 << 17)};
  return tables[clip];
}

cope::dtype dtype_of(int t) { return t == 0 ? cope::dtype::f32 : t == 1 ? cope::dtype::f16 : cope::dtype::bf16; }

}  // namespace

// The positions of form `form` for 6 tokens (the same as c_api_test.c's).
const std::int32_t test_ids32[6] = {0, 9, 4, 100000, 3, 77};
const std::int64_t test_ids64[6] = {5, 1, 123456789, 2, 8, 65536};
const std::int32_t test_indptr32[3] = {0, 4, 6}, test_offsets32[2] = {10, 500};
const std::int64_t test_indptr64[3] = {0, 1, 6}, test_offsets64[2] = {1 << 20, 3};
const float test_idsf[6] = {0.5f, 9.0f, 4.25f, 100000.0f, 3.0f, 77.75f}, test_offsetsf[2] = {10.5f, 500.25f};
const std::int32_t test_axes32[18] = {0, 9, 4, 10, 3, 77, 0, 10, 5, 11, 3, 70, 0, 11, 6, 12, 3, 71};
const std::int64_t test_axes64[18] = {0, 9, 4, 10, 3, 77, 0, 10, 5, 11, 3, 70, 0, 11, 6, 12, 3, 71};
const float test_axesf[18] = {0, 9, 4, 10, 3, 77, 0, 10, 5, 11, 3, 70, 0, 11, 6, 12, 3, 71};

cope::positions test_positions(int form) {
  switch (form) {
    case 0: return cope::positions::from_offset(17);
    case 1: return cope::positions::from_ids(test_ids32, 6);
    case 2: return cope::positions::from_ids(test_ids64, 6);
    case 3: return cope::positions::ragged(test_indptr32, test_offsets32, 2);
    case 4: return cope::positions::ragged(test_indptr64, test_offsets64, 2);
    case 5: return cope::positions::from_ids(test_idsf, 6);
    case 6: return cope::positions::ragged(test_indptr32, test_offsetsf, 2);
    case 7: return cope::positions::multi_axis(test_axes32, 3, 6);
    case 8: return cope::positions::multi_axis(test_axes64, 3, 6);
    default: return cope::positions::multi_axis(test_axesf, 3, 6);
  }
}

extern "C" {

// inv_freq of the test spectrum (clip 0 none, 1 CoPE, 2 HardClip) into out[64]; its attention factor.
double cpp_inv_freq(int clip, float* out) {
  const cope::spectrum s = test_spectrum(clip);
  for (std::size_t j = 0; j < s.inv_freq.size(); ++j) out[j] = s.inv_freq[j];
  return s.attention_factor;
}

// Rotates 6 tokens of q [6, 4, 128] and k [6, 2, 128] (in place when q_out == q), as the C test does.
void cpp_rotate(int clip, int interleaved, int inverse, int from_table, int form, int type_in, int type_out,
                const void* q, void* q_out, const void* k, void* k_out) {
  const cope::spectrum s = test_spectrum(clip);
  const std::size_t tokens = 6;
  auto view = [&](const void* data, int type, std::size_t heads) {
    return cope::tensor_view{const_cast<void*>(data), dtype_of(type), tokens, heads, 128,
                             static_cast<std::ptrdiff_t>(heads * 128), 128, tokens * heads * 128};
  };
  cope::rope_args a = cope::rope_args::out_of_place(view(q, type_in, 4), view(q_out, type_out, 4), view(k, type_in, 2),
                                                    view(k_out, type_out, 2), test_positions(form),
                                                    interleaved ? cope::layout::interleaved : cope::layout::rotate_half);
  a.dir = inverse ? cope::direction::inverse : cope::direction::forward;
  const cope::axis_map map = cope::axis_map::sectioned({16, 24, 24});
  if (form >= 7) a.pair_axes = &map;
  if (from_table)
    cope::apply_rope(test_table(clip).view(), a);
  else
    cope::apply_rope(s, a);
}

// Shifts k [6, 2, 128] in place by the per-token deltas (or the constant -12 where deltas is null).
void cpp_shift(int clip, int interleaved, int from_table, int type, void* k, const std::int64_t* deltas) {
  const cope::spectrum s = test_spectrum(clip);
  const cope::tensor_view v{k, dtype_of(type), 6, 2, 128, 256, 128, 6 * 256};
  const cope::shift_args a = cope::shift_args::make(
      v, deltas != nullptr ? cope::position_delta::per_token(deltas, 6) : cope::position_delta::constant(-12),
      interleaved ? cope::layout::interleaved : cope::layout::rotate_half);
  if (from_table)
    cope::shift_keys(test_table(clip).view(), a);
  else
    cope::shift_keys(s, a);
}

// cpp_rotate's call with a QK-norm (clip 0): the kinds, spans and orders as cope.h numbers them.
void cpp_qk_norm_rope(int kind, int span, int order, int interleaved, int from_table, int form, int type_in,
                      int type_out, const void* q, void* q_out, const void* k, void* k_out, const float* q_weight,
                      const float* k_weight) {
  const cope::spectrum s = test_spectrum(0);
  const std::size_t tokens = 6;
  auto view = [&](const void* data, int type, std::size_t heads) {
    return cope::tensor_view{const_cast<void*>(data), dtype_of(type), tokens, heads, 128,
                             static_cast<std::ptrdiff_t>(heads * 128), 128, tokens * heads * 128};
  };
  cope::rope_args a = cope::rope_args::out_of_place(view(q, type_in, 4), view(q_out, type_out, 4), view(k, type_in, 2),
                                                    view(k_out, type_out, 2), test_positions(form),
                                                    interleaved ? cope::layout::interleaved : cope::layout::rotate_half);
  const cope::axis_map map = cope::axis_map::sectioned({16, 24, 24});
  if (form >= 7) a.pair_axes = &map;
  const cope::qk_norm norm{static_cast<cope::qk_norm_kind>(kind), 1e-6f, q_weight, k_weight,
                           static_cast<cope::qk_norm_span>(span), static_cast<cope::qk_norm_order>(order)};
  if (from_table)
    cope::apply_qk_norm_rope(test_table(0).view(), a, norm);
  else
    cope::apply_qk_norm_rope(s, a, norm);
}

// cope_apply_rope_append's C++ form for the C test: q [6, 4, 128] in place, k and v [6, 2, 128] of type
// `type` into a cache of `cache_type` (cope.h numbering), 4 pages of 4 slots, layout `hnd`, slots as given
// (NULL: positions 0 .. 5 of a contiguous 16-slot cache), with Qwen3's norm where q_weight is not null.
void cpp_append(int type, int cache_type, int hnd, const std::int32_t* slots, void* q, const void* k, const void* v,
                void* k_cache, void* v_cache, const float* q_weight, const float* k_weight) {
  auto view = [&](const void* data, std::size_t heads) {
    return cope::tensor_view{const_cast<void*>(data), dtype_of(type), 6, heads, 128,
                             static_cast<std::ptrdiff_t>(heads * 128), 128, 6 * heads * 128};
  };
  cope::append_args a;
  a.q = a.q_out = view(q, 4);
  a.k = view(k, 2);
  a.v = view(v, 2);
  const auto ct = static_cast<cope::cache_type>(cache_type);
  a.cache = slots != nullptr ? cope::kv_cache::paged(k_cache, v_cache, ct, hnd ? cope::kv_layout::hnd : cope::kv_layout::nhd, 4, 4, 2, 128)
                             : cope::kv_cache::contiguous(k_cache, v_cache, ct, 16, 2, 128);
  if (slots != nullptr) a.slots = cope::slot_mapping::from(slots, 6);
  a.pos = cope::positions::from_offset(0);
  const cope::qk_norm norm = cope::qk_norm::qwen3(q_weight, k_weight);
  if (q_weight != nullptr) a.norm = &norm;
  cope::apply_rope_append(test_spectrum(0), a);
}

// Table rows first .. first + count - 1 of the test spectrum, contiguous.
void cpp_fill_table(int clip, std::int64_t first, std::int64_t count, float* out) {
  cope::fill_table(test_spectrum(clip), first, count, out, 128);
}

}  // extern "C"
