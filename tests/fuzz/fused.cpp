// libFuzzer target: the fused operations (fused.hpp) on fuzzed input — try_apply_qk_norm_rope,
// try_apply_qk_norm and try_apply_rope_append with fuzzed norms (kind, span, order, eps, weights or
// none), caches (type, layout, pages, page size, rows matching k or not, overlapping the views or not),
// slot mappings (in range, -1, beyond, repeated, wild) or positions as slots, storage types and token
// ranges.
//   * every buffer ends at a PROT_NONE page: an access past it faults;
//   * on error, every byte of every buffer is unchanged;
//   * on success, a cache slot no token addressed keeps its bytes, and every written value is finite
//     where the inputs were (the norms of finite rows with eps > 0 are finite).
// Runs on the compiled kernels; COPE_MAX_ISA picks the ISA.
#include "fuzz_input.hpp"

#include "cope/cope.hpp"
#include "cope/fused.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <vector>

namespace {

using cope_fuzz::input;

std::string scenario;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz fused: %s (active ISA %s)\n%s\n", what, cope::active_isa(), scenario.c_str());
  std::abort();
}

constexpr std::size_t region_bytes = 1 << 18;
cope_fuzz::guarded_region& region(int i) {
  static cope_fuzz::guarded_region regions[6] = {
      cope_fuzz::guarded_region(region_bytes), cope_fuzz::guarded_region(region_bytes), cope_fuzz::guarded_region(region_bytes),
      cope_fuzz::guarded_region(region_bytes), cope_fuzz::guarded_region(region_bytes), cope_fuzz::guarded_region(region_bytes)};
  return regions[i];
}

cope::dtype type_of(input& in) {
  const cope::dtype types[] = {cope::dtype::f32, cope::dtype::f16, cope::dtype::bf16};
  return types[in.below(3)];
}

// A contiguous [tokens, heads, head_dim] view at the end of region r, filled with finite values.
cope::tensor_view place(input& in, int r, std::size_t tokens, std::size_t heads, std::size_t head_dim, cope::dtype t) {
  const std::size_t n = tokens * heads * head_dim, element = cope::size_of(t);
  if (n * element > region_bytes / 2) return {};
  void* data = region(r).tail(n * element, element);
  const std::uint32_t seed = in.raw<std::uint32_t>();
  for (std::size_t i = 0; i < n; ++i) {
    const float v = static_cast<float>(static_cast<std::int32_t>((seed + 2654435761u * i) >> 8) % 2001 - 1000) / 500.0f;
    switch (t) {
      case cope::dtype::f32: static_cast<float*>(data)[i] = v; break;
      case cope::dtype::f16: static_cast<cope::float16*>(data)[i] = cope::to_float16(v); break;
      case cope::dtype::bf16: static_cast<cope::bfloat16*>(data)[i] = cope::to_bfloat16(v); break;
    }
  }
  return {data, t, tokens, heads, head_dim, static_cast<std::ptrdiff_t>(heads * head_dim),
          static_cast<std::ptrdiff_t>(head_dim), n};
}

// The bytes of every region's used tail, to compare after a failed call.
std::vector<unsigned char> snapshot(const std::size_t (&used)[6]) {
  std::vector<unsigned char> all;
  for (int r = 0; r < 6; ++r) {
    const auto* p = static_cast<const unsigned char*>(region(r).tail(used[r], 1));
    all.insert(all.end(), p, p + used[r]);
  }
  return all;
}

cope::qk_norm make_norm(input& in, const float* q_weight, const float* k_weight) {
  cope::qk_norm n;
  n.kind = static_cast<cope::qk_norm_kind>(in.below(7));  // 5, 6: not a kind
  n.span = static_cast<cope::qk_norm_span>(in.below(3) == 2 ? 2 : in.below(2));
  n.order = static_cast<cope::qk_norm_order>(in.below(9) == 8 ? 2 : in.below(2));
  switch (in.byte() % 6) {
    case 0: n.eps = in.raw<float>(); break;
    case 1: n.eps = 0.0f; break;
    default: n.eps = 1e-6f; break;
  }
  n.q_weight = in.below(8) == 0 ? nullptr : q_weight;
  n.k_weight = in.below(8) == 0 ? nullptr : k_weight;
  if (n.kind == cope::qk_norm_kind::unit && in.flag()) n.q_weight = n.k_weight = nullptr;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  input in(data, size);
  const std::size_t head_dims[] = {32, 64, 96, 128, 256};
  const std::size_t head_dim = head_dims[in.below(5)];
  const std::size_t tokens = in.below(9), q_heads = 1 + in.below(6), kv_heads = 1 + in.below(4);
  const cope::dtype qt = type_of(in);
  const cope::dtype kt = in.below(4) == 0 ? type_of(in) : qt;
  const cope::spectrum s = cope::rope_default(static_cast<int>(head_dim), {1e4, in.flag() ? 1.0 : 0.5});
  std::size_t used[6] = {};
  cope::tensor_view q = place(in, 0, tokens, q_heads, head_dim, qt);
  cope::tensor_view k = place(in, 1, tokens, kv_heads, head_dim, kt);
  cope::tensor_view v = place(in, 2, tokens, kv_heads, head_dim, kt);
  for (int r = 0; r < 3; ++r) {
    const cope::tensor_view& view = r == 0 ? q : r == 1 ? k : v;
    used[r] = view.data != nullptr ? region(r).bytes_from(view.data) : 0;
  }
  // Weights for every head (span token) at the end of region 3.
  const std::size_t weights = std::max(q_heads, kv_heads) * head_dim;
  auto* w = static_cast<float*>(region(3).tail(2 * weights * sizeof(float), sizeof(float)));
  for (std::size_t i = 0; i < 2 * weights; ++i) w[i] = 0.5f + static_cast<float>(i % 7) / 7.0f;
  used[3] = 2 * weights * sizeof(float);
  const cope::qk_norm norm = make_norm(in, w, w + weights);
  std::vector<std::int64_t> ids(tokens);
  for (std::size_t t = 0; t < tokens; ++t) ids[t] = in.int64(64);
  const cope::positions pos = in.flag() ? cope::positions::from_offset(in.int64(32)) : cope::positions::from_ids(ids.data(), tokens);
  const cope::layout pairing = in.flag() ? cope::layout::interleaved : cope::layout::rotate_half;
  scenario = "head_dim " + std::to_string(head_dim) + ", tokens " + std::to_string(tokens) + ", q heads " +
             std::to_string(q_heads) + ", kv heads " + std::to_string(kv_heads) + ", norm kind " +
             std::to_string(static_cast<int>(norm.kind));

  const int op = static_cast<int>(in.below(3));
  if (op == 0 || op == 1) {
    cope::rope_args a = cope::rope_args::in_place(q, k, pos, pairing);
    if (in.flag()) a.k = {}, a.k_out = {};
    if (in.flag()) a.token_begin = in.below(10);
    const std::vector<unsigned char> before = snapshot(used);
    cope::status st;
    if (op == 0) {
      st = cope::try_apply_qk_norm_rope(s, a, norm);
    } else {
      cope::norm_args n = cope::norm_args::in_place(q, a.k.data != nullptr ? k : cope::tensor_view{});
      n.token_begin = a.token_begin;
      st = cope::try_apply_qk_norm(n, norm);
    }
    if (!st && snapshot(used) != before) fail("a failed call wrote");
    return 0;
  }

  // RoPE + append.
  cope::kv_cache cache;
  cache.type = static_cast<cope::cache_type>(in.below(9) == 8 ? 5 : in.below(4));
  cache.layout = in.flag() ? cope::kv_layout::hnd : cope::kv_layout::nhd;
  cache.pages = in.below(5);
  cache.page_size = in.below(6);
  cache.kv_heads = in.below(8) == 0 ? kv_heads + 1 : kv_heads;
  cache.head_dim = in.below(8) == 0 ? head_dim / 2 : head_dim;
  const std::size_t cache_bytes = cache.type == cope::cache_type::q8_0 || static_cast<int>(cache.type) <= 2 ? cache.bytes() : 0;
  if (cache_bytes > region_bytes / 2) return 0;
  cache.k = region(4).tail(cache_bytes + 1, 4);
  cache.v = in.below(4) == 0 ? nullptr : region(5).tail(cache_bytes + 1, 4);
  if (in.below(16) == 0) cache.v = cache.k;                      // overlapping caches
  if (in.below(16) == 0 && q.data != nullptr) cache.k = q.data;  // a cache over q
  for (int r = 4; r < 6; ++r) {
    auto* p = static_cast<unsigned char*>(region(r).tail(cache_bytes + 1, 4));
    for (std::size_t i = 0; i < cache_bytes + 1; ++i) p[i] = static_cast<unsigned char>(0x5A ^ i);
    used[r] = region(r).bytes_from(p);
  }
  std::vector<std::int32_t> slots(tokens);
  const auto total = static_cast<std::int64_t>(cache.pages * cache.page_size);
  for (std::size_t t = 0; t < tokens; ++t) {
    switch (in.byte() % 8) {
      case 0: slots[t] = in.raw<std::int32_t>(); break;
      case 1: slots[t] = -1; break;
      default: slots[t] = total > 0 ? static_cast<std::int32_t>(in.below(static_cast<std::uint32_t>(std::min<std::int64_t>(total, 60000)))) : 0;
    }
  }
  cope::append_args a;
  a.q = q;
  a.q_out = q;
  a.k = k;
  a.v = in.below(4) == 0 ? cope::const_tensor_view() : cope::const_tensor_view(v);
  a.cache = cache;
  if (in.below(4) != 0) a.slots = cope::slot_mapping::from(slots.data(), tokens);
  a.pos = pos;
  a.pairing = pairing;
  a.norm = in.flag() ? &norm : nullptr;
  if (in.below(8) == 0) a.token_begin = in.below(10);
  const std::vector<unsigned char> before = snapshot(used);
  const cope::status st = cope::try_apply_rope_append(s, a);
  if (!st) {
    if (snapshot(used) != before) fail("a failed append wrote");
    return 0;
  }
  // Slots no token addressed keep their bytes (the patterned cache; an empty call may have run with the
  // cache placed over an empty q).
  if (cache.k != region(4).tail(cache_bytes + 1, 4)) return 0;
  std::set<std::int64_t> addressed;
  for (std::size_t t = a.token_begin; t < tokens; ++t)
    addressed.insert(a.slots.ids != nullptr ? slots[t] : (pos.kind == cope::position_kind::offset ? pos.start + static_cast<std::int64_t>(t) : ids[t]));
  const std::size_t row = cache.row_bytes();
  const auto* kc = static_cast<const unsigned char*>(cache.k);
  for (std::int64_t slot = 0; slot < total; ++slot) {
    if (addressed.count(slot) != 0) continue;
    const std::size_t page = static_cast<std::size_t>(slot) / cache.page_size, at = static_cast<std::size_t>(slot) % cache.page_size;
    for (std::size_t h = 0; h < cache.kv_heads; ++h) {
      const std::size_t index = cache.layout == cope::kv_layout::nhd ? static_cast<std::size_t>(slot) * cache.kv_heads + h
                                                                     : (page * cache.kv_heads + h) * cache.page_size + at;
      for (std::size_t b = 0; b < row; ++b)
        if (kc[index * row + b] != static_cast<unsigned char>(0x5A ^ (index * row + b))) fail("an unaddressed cache slot changed");
    }
  }
  return 0;
}
