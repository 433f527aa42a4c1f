// RoPE + KV-cache append (fused.hpp), once per compiled ISA like the other kernel tests: the cache's
// bytes and q bit for bit against the unfused sequence (apply_rope or apply_qk_norm_rope out of place,
// then a copy, a conversion or llama.cpp's reference q8_0 quantizer into the slot's rows), for
// contiguous and paged NHD / HND caches, f32 / f16 / bf16 / q8_0, slot mappings with skipped tokens,
// positions as slots; every slot not addressed keeps its bytes; bad input named, nothing written; no
// access past a cache (guard page).
#include <catch2/catch.hpp>

#include "cope/cope.hpp"
#include "cope/fused.hpp"
#include "support/storage.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>


namespace {

using cope::cache_type;
using cope::dtype;
using cope::kv_layout;
using cope::layout;

using cope_test::tensor;

void fill(tensor& x, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  for (std::size_t i = 0; i < x.size(); ++i) x.put(i, u(rng));
}

dtype dtype_of(cache_type t) { return t == cache_type::f32 ? dtype::f32 : t == cache_type::f16 ? dtype::f16 : dtype::bf16; }

// llama.cpp's quantize_row_q8_0_ref (ggml-quants.c), as written there.
void reference_q8_0(const float* x, std::size_t n, unsigned char* out) {
  for (std::size_t b = 0; b < n / 32; ++b) {
    float amax = 0.0f;
    for (std::size_t j = 0; j < 32; ++j) {
      const float v = x[b * 32 + j];
      amax = amax > std::fabs(v) ? amax : std::fabs(v);
    }
    const float d = amax / ((1 << 7) - 1);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const cope::float16 h = cope::to_float16(d);
    std::memcpy(out + b * 34, &h, 2);
    for (std::size_t j = 0; j < 32; ++j) {
      const auto q = static_cast<std::int8_t>(std::round(x[b * 32 + j] * id));
      std::memcpy(out + b * 34 + 2 + j, &q, 1);
    }
  }
}

// A cache's bytes (k or v), filled with a pattern that must survive where nothing is written.
std::vector<unsigned char> patterned(std::size_t n) {
  std::vector<unsigned char> b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<unsigned char>(0xA5 ^ (i * 7));
  return b;
}

// Row (slot, head) of a cache as its bytes.
unsigned char* cache_row(std::vector<unsigned char>& bytes, const cope::kv_cache& c, std::size_t slot, std::size_t head) {
  const std::size_t page = slot / c.page_size, row = slot % c.page_size;
  const std::size_t index = c.layout == kv_layout::nhd ? slot * c.kv_heads + head
                                                       : (page * c.kv_heads + head) * c.page_size + row;
  return bytes.data() + index * c.row_bytes();
}

// One head row (values in `from`, `head_dim` of them, storage `t`) stored into a cache row.
void store_row(const tensor& from, std::size_t first, const cope::kv_cache& c, unsigned char* row) {
  std::vector<float> x(c.head_dim);
  for (std::size_t j = 0; j < c.head_dim; ++j) x[j] = from.at(first + j);
  if (c.type == cache_type::q8_0) return reference_q8_0(x.data(), c.head_dim, row);
  tensor one(dtype_of(c.type), 1, 1, c.head_dim);
  for (std::size_t j = 0; j < c.head_dim; ++j) one.put(j, x[j]);
  std::memcpy(row, one.bytes.data(), one.bytes.size());
}

}  // namespace

TEST_CASE("rope + append: the cache and q equal rotate-then-copy, bit for bit") {
  std::mt19937 rng(71);
  const std::size_t tokens = 7, q_heads = 4, kv_heads = 2, head_dim = 64;
  const cope::spectrum s = cope::rope_default(static_cast<int>(head_dim), {1e4, 1.0});
  const cope::rope_table table = cope::make_table(s, 64);
  std::vector<float> qw(head_dim), kw(head_dim);
  for (std::size_t i = 0; i < head_dim; ++i) {
    qw[i] = 0.5f + static_cast<float>(i % 9) / 9.0f;
    kw[i] = 1.5f - static_cast<float>(i % 7) / 7.0f;
  }
  const cope::qk_norm qwen3 = cope::qk_norm::qwen3(qw.data(), kw.data());
  const std::vector<std::int64_t> ids = {3, 4, 5, 6, 7, 8, 9};
  const std::vector<std::int32_t> slots = {5, -1, 0, 12, 7, -1, 3};  // pages of 4: slots 0..15
  int calls = 0;
  for (cache_type ct : {cache_type::f32, cache_type::f16, cache_type::bf16, cache_type::q8_0})
    for (dtype kt : {dtype::f32, dtype::f16, dtype::bf16}) {
      if (ct != cache_type::q8_0 && kt != dtype_of(ct) && kt != dtype::f32) continue;  // unsupported pairs
      for (int cache_form = 0; cache_form < 3; ++cache_form)  // contiguous, paged NHD, paged HND
        for (layout pairing : {layout::rotate_half, layout::interleaved})
          for (bool use_norm : {false, true})
            for (bool use_table : {false, true})
              for (bool in_place : {true, false}) {
                tensor q(kt, tokens, q_heads, head_dim), k(kt, tokens, kv_heads, head_dim), v(kt, tokens, kv_heads, head_dim);
                fill(q, rng);
                fill(k, rng);
                fill(v, rng);
                tensor q_out(kt, tokens, q_heads, head_dim);
                cope::kv_cache cache = cache_form == 0
                                           ? cope::kv_cache::contiguous(nullptr, nullptr, ct, 16, kv_heads, head_dim)
                                           : cope::kv_cache::paged(nullptr, nullptr, ct, cache_form == 1 ? kv_layout::nhd : kv_layout::hnd,
                                                                   4, 4, kv_heads, head_dim);
                std::vector<unsigned char> k_cache = patterned(cache.bytes()), v_cache = patterned(cache.bytes());
                std::vector<unsigned char> k_want = k_cache, v_want = v_cache;
                cache.k = k_cache.data();
                cache.v = v_cache.data();
                // The unfused sequence: rotate q and k out of place (k in its own type for q8_0, else into
                // the cache's type), then copy each token's rows into its slot.
                const dtype k_rot_type = ct == cache_type::q8_0 ? kt : dtype_of(ct);
                tensor q_want(kt, tokens, q_heads, head_dim), k_rot(k_rot_type, tokens, kv_heads, head_dim);
                const cope::positions pos = cope::positions::from_ids(ids.data(), tokens);
                cope::rope_args r = cope::rope_args::out_of_place(q.view(), q_want.view(), k.view(), k_rot.view(), pos, pairing);
                cope::status st = use_norm ? (use_table ? cope::try_apply_qk_norm_rope(table.view(), r, qwen3)
                                                        : cope::try_apply_qk_norm_rope(s, r, qwen3))
                                           : (use_table ? cope::try_apply_rope(table.view(), r) : cope::try_apply_rope(s, r));
                REQUIRE(st.ok());
                for (std::size_t t = 0; t < tokens; ++t) {
                  const std::int64_t slot = cache_form == 0 ? ids[t] : slots[t];
                  if (slot < 0) continue;
                  for (std::size_t h = 0; h < kv_heads; ++h) {
                    store_row(k_rot, (t * kv_heads + h) * head_dim, cache, cache_row(k_want, cache, static_cast<std::size_t>(slot), h));
                    store_row(v, (t * kv_heads + h) * head_dim, cache, cache_row(v_want, cache, static_cast<std::size_t>(slot), h));
                  }
                }
                // The fused call.
                cope::append_args a;
                a.q = q.view();
                a.q_out = in_place ? q.view() : q_out.view();
                a.k = k.view();
                a.v = v.view();
                a.cache = cache;
                if (cache_form != 0) a.slots = cope::slot_mapping::from(slots.data(), tokens);
                a.pos = pos;
                a.pairing = pairing;
                a.norm = use_norm ? &qwen3 : nullptr;
                st = use_table ? cope::try_apply_rope_append(table.view(), a) : cope::try_apply_rope_append(s, a);
                INFO(cope::to_string(ct) << " cache, k " << cope::to_string(kt) << ", cache form " << cache_form << ", "
                                         << cope::to_string(pairing) << (use_norm ? ", qwen3 norm" : "")
                                         << (use_table ? ", table" : ", on the fly") << (in_place ? ", in place" : ""));
                REQUIRE(st.ok());
                CHECK((in_place ? q.bytes : q_out.bytes) == q_want.bytes);
                CHECK(k_cache == k_want);
                CHECK(v_cache == v_want);
                ++calls;
              }
    }
  CHECK(calls > 300);
}

TEST_CASE("rope + append: prefill-sized appends (cache rows streamed) equal rotate-then-copy, bit for bit") {
  // Above 4 MiB of cache rows a call stores them past the caches (non-temporal stores, ends by memcpy):
  // the same bytes, at unaligned cache bases too, and slots not addressed keep theirs.
  std::mt19937 rng(73);
  const std::size_t tokens = 2304, q_heads = 2, kv_heads = 8, head_dim = 64, page_size = 16;
  const cope::spectrum s = cope::rope_default(static_cast<int>(head_dim), {1e4, 1.0});
  std::vector<std::int64_t> ids(tokens), slots(tokens);
  std::iota(ids.begin(), ids.end(), std::int64_t{0});
  std::iota(slots.begin(), slots.end(), std::int64_t{page_size});  // page 0 left alone
  std::shuffle(slots.begin(), slots.end(), rng);
  for (std::size_t t = 0; t < tokens; t += 97) slots[t] = -1;
  const cope::positions pos = cope::positions::from_ids(ids.data(), tokens);
  for (cache_type ct : {cache_type::f32, cache_type::bf16})
    for (kv_layout lay : {kv_layout::nhd, kv_layout::hnd})
      for (std::size_t shift : {std::size_t{0}, std::size_t{4}}) {
        tensor q(dtype::f32, tokens, q_heads, head_dim), k(dtype::f32, tokens, kv_heads, head_dim),
            v(dtype::f32, tokens, kv_heads, head_dim);
        fill(q, rng);
        fill(k, rng);
        fill(v, rng);
        cope::kv_cache cache = cope::kv_cache::paged(nullptr, nullptr, ct, lay, tokens / page_size + 1, page_size, kv_heads, head_dim);
        // The cache bases: 64-byte aligned (std::vector promises 16), then moved by `shift` bytes.
        std::vector<unsigned char> k_bytes = patterned(cache.bytes() + 64), v_bytes = patterned(cache.bytes() + 64);
        auto base = [&](std::vector<unsigned char>& b) {
          return b.data() + ((64 - reinterpret_cast<std::uintptr_t>(b.data()) % 64) % 64 + shift) % 64;
        };
        cache.k = base(k_bytes);
        cache.v = base(v_bytes);
        const auto cache_end = static_cast<std::ptrdiff_t>(cache.bytes());
        std::vector<unsigned char> k_want(static_cast<unsigned char*>(cache.k), static_cast<unsigned char*>(cache.k) + cache_end),
            v_want(static_cast<unsigned char*>(cache.v), static_cast<unsigned char*>(cache.v) + cache_end);
        tensor q_want(dtype::f32, tokens, q_heads, head_dim), k_rot(dtype_of(ct), tokens, kv_heads, head_dim);
        const cope::rope_args r = cope::rope_args::out_of_place(q.view(), q_want.view(), k.view(), k_rot.view(), pos);
        REQUIRE(cope::try_apply_rope(s, r).ok());
        for (std::size_t t = 0; t < tokens; ++t)
          if (slots[t] >= 0)
            for (std::size_t h = 0; h < kv_heads; ++h) {
              store_row(k_rot, (t * kv_heads + h) * head_dim, cache, cache_row(k_want, cache, static_cast<std::size_t>(slots[t]), h));
              store_row(v, (t * kv_heads + h) * head_dim, cache, cache_row(v_want, cache, static_cast<std::size_t>(slots[t]), h));
            }
        cope::append_args a;
        a.q = a.q_out = q.view();
        a.k = k.view();
        a.v = v.view();
        a.cache = cache;
        a.slots = cope::slot_mapping::from(slots.data(), tokens);
        a.pos = pos;
        INFO(cope::to_string(ct) << " cache, " << (lay == kv_layout::nhd ? "NHD" : "HND") << ", base + " << shift);
        REQUIRE(cache.bytes() * 2 > (std::size_t{4} << 20));
        REQUIRE(cope::try_apply_rope_append(s, a).ok());
        CHECK(q.bytes == q_want.bytes);
        CHECK(std::equal(k_want.begin(), k_want.end(), static_cast<unsigned char*>(cache.k)));
        CHECK(std::equal(v_want.begin(), v_want.end(), static_cast<unsigned char*>(cache.v)));
      }
}

TEST_CASE("rope + append: q8_0 blocks are llama.cpp's reference quantizer's, ties and zeros included") {
  // Rows chosen for the quantizer's edges: a zero block (d = 0), values at exact halves after scaling
  // (roundf takes them away from zero), a negative maximum.
  const std::size_t head_dim = 64;
  const cope::spectrum s = cope::rope_default(static_cast<int>(head_dim));
  tensor k(dtype::f32, 1, 1, head_dim), v(dtype::f32, 1, 1, head_dim);
  // Block 0 all zeros; block 1 with amax 127 (d = 1, id = 1): its values are their own scaled values,
  // the halves among them rounded away from zero.
  const float block1[8] = {127.0f, 2.5f, -3.5f, 0.5f, -0.5f, 1.5f, -126.5f, 0.49999997f};
  for (std::size_t j = 0; j < head_dim; ++j) v.put(j, j < 32 ? 0.0f : block1[j % 8] * (j < 40 ? 1.0f : 0.25f));
  std::vector<unsigned char> k_cache(34 * 2), v_cache(34 * 2), v_want(34 * 2);
  cope::append_args a;
  tensor q(dtype::f32, 1, 1, head_dim);
  a.q = q.view();
  a.q_out = q.view();
  a.k = k.view();
  a.v = v.view();
  a.cache = cope::kv_cache::contiguous(k_cache.data(), v_cache.data(), cache_type::q8_0, 1, 1, head_dim);
  a.pos = cope::positions::from_offset(0);
  REQUIRE(cope::try_apply_rope_append(s, a).ok());
  std::vector<float> x(head_dim);
  for (std::size_t j = 0; j < head_dim; ++j) x[j] = v.at(j);
  reference_q8_0(x.data(), head_dim, v_want.data());
  CHECK(v_cache == v_want);
  CHECK(v_cache[0] == 0);  // the zero block's scale
  CHECK(v_cache[1] == 0);
  const auto q_at = [&](std::size_t j) { return static_cast<int>(static_cast<std::int8_t>(v_cache[34 + 2 + j])); };
  CHECK(q_at(0) == 127);
  CHECK(q_at(1) == 3);
  CHECK(q_at(2) == -4);
  CHECK(q_at(3) == 1);
  CHECK(q_at(4) == -1);
  CHECK(q_at(6) == -127);
  CHECK(q_at(7) == 0);
}

TEST_CASE("rope + append: bad input names the parameter and writes nothing") {
  const std::size_t tokens = 3, heads = 2, head_dim = 64;
  const cope::spectrum s = cope::rope_default(static_cast<int>(head_dim));
  std::vector<float> q(tokens * heads * head_dim, 1.0f), k(tokens * heads * head_dim, 2.0f), v(tokens * heads * head_dim, 3.0f);
  std::vector<float> k_cache(8 * heads * head_dim, -7.0f), v_cache(8 * heads * head_dim, -9.0f);
  const std::vector<float> q0 = q, k_cache0 = k_cache, v_cache0 = v_cache;
  const std::vector<std::int32_t> good = {0, 5, -1}, beyond = {0, 8, 1}, below = {0, -2, 1}, twice = {3, 1, 3};
  auto base = [&] {
    cope::append_args a;
    a.q = a.q_out = cope::make_view(q.data(), tokens, heads, head_dim);
    a.k = cope::make_view(k.data(), tokens, heads, head_dim);
    a.v = cope::make_view(v.data(), tokens, heads, head_dim);
    a.cache = cope::kv_cache::paged(k_cache.data(), v_cache.data(), cache_type::f32, kv_layout::hnd, 2, 4, heads, head_dim);
    a.slots = cope::slot_mapping::from(good.data(), tokens);
    a.pos = cope::positions::from_offset(0);
    return a;
  };
  REQUIRE(cope::try_apply_rope_append(s, base()).ok());  // the base call is valid
  q = q0;
  k_cache = k_cache0;
  v_cache = v_cache0;
  struct bad {
    cope::append_args args;
    cope::errc code;
    std::string message;
  };
  std::vector<bad> cases;
  auto add = [&](cope::append_args a, cope::errc code, std::string message) { cases.push_back({a, code, std::move(message)}); };
  cope::append_args a = base();
  a.slots = cope::slot_mapping::from(beyond.data(), tokens);
  add(a, cope::errc::invalid_cache, "apply_rope_append: slots[1] (8) is beyond the cache's last slot (7 = pages x page_size - 1)");
  a.slots = cope::slot_mapping::from(below.data(), tokens);
  add(a, cope::errc::invalid_cache, "slots[1] (-2) is below -1 (-1 skips the token)");
  a.slots = cope::slot_mapping::from(twice.data(), tokens);
  add(a, cope::errc::invalid_cache, "tokens 0 and 2 both go to slot 3; a slot is written once per call");
  a = base();
  a.slots = cope::slot_mapping::from(good.data(), 2);
  add(a, cope::errc::invalid_cache, "slots holds 2 ids but k has 3 tokens");
  a = base();
  a.cache.page_size = 0;
  add(a, cope::errc::invalid_cache, "cache.pages (2) and cache.page_size (0) must be positive");
  a = base();
  a.cache.head_dim = 32;
  add(a, cope::errc::invalid_cache, "cache rows are 2 heads x 32 but k is 2 heads x 64");
  a = base();
  a.cache.v = nullptr;
  add(a, cope::errc::invalid_cache, "v is given but cache.v is null");
  a = base();
  a.v = {};
  add(a, cope::errc::invalid_cache, "cache.v is given but v is null");
  a = base();
  a.cache.k = nullptr;
  add(a, cope::errc::null_data, "cache.k is null");
  a = base();
  a.cache.v = a.cache.k;
  add(a, cope::errc::invalid_cache, "cache.k and cache.v overlap");
  a = base();
  a.cache.k = q.data();
  add(a, cope::errc::invalid_cache, "q overlaps cache.k");
  a = base();
  a.v = cope::make_view(v_cache.data() + 16, tokens, heads, head_dim);  // the values inside their own cache
  add(a, cope::errc::invalid_cache, "v overlaps cache.v");
  a = base();
  a.cache.type = static_cast<cache_type>(7);
  add(a, cope::errc::invalid_cache, "cache.type (7) is not a cache_type");
  a = base();
  a.slots = {};
  a.pos = cope::positions::from_offset(6);
  add(a, cope::errc::invalid_cache, "token 2's position (8) is beyond the cache's last slot (7 = pages x page_size - 1)");
  std::vector<float> fractional = {0.0f, 1.0f, 2.5f};
  a.pos = cope::positions::from_ids(fractional.data(), tokens);
  add(a, cope::errc::invalid_cache, "without slots, each token goes to the slot of its position");
  std::vector<cope::bfloat16> kb(tokens * heads * head_dim);
  a = base();
  a.k = cope::make_view(kb.data(), tokens, heads, head_dim);
  add(a, cope::errc::invalid_cache, "k (bf16) cannot be rotated into a f32 cache: same type, or f32 into f16 / bf16");
  a = base();
  a.k = {};
  add(a, cope::errc::null_data, "k is null; an append writes k into the cache");
  for (const bad& b : cases) {
    const cope::status st = cope::try_apply_rope_append(s, b.args);
    INFO(b.message);
    CHECK(st.code() == b.code);
    CHECK_THAT(st.message(), Catch::Contains(b.message));
    CHECK(q == q0);
    CHECK(k_cache == k_cache0);
    CHECK(v_cache == v_cache0);
  }
  // A q8_0 cache needs whole blocks per row.
  std::vector<float> q48(tokens * heads * 48), k48(tokens * heads * 48);
  std::vector<unsigned char> qc(8 * heads * 2 * 34);
  cope::append_args c;
  c.q = c.q_out = cope::make_view(q48.data(), tokens, heads, 48);
  c.k = cope::make_view(k48.data(), tokens, heads, 48);
  c.cache = cope::kv_cache::contiguous(qc.data(), nullptr, cache_type::q8_0, 8, heads, 48);
  c.pos = cope::positions::from_offset(0);
  const cope::status st = cope::try_apply_rope_append(cope::rope_default(48), c);
  CHECK(st.code() == cope::errc::invalid_cache);
  CHECK_THAT(st.message(), Catch::Contains("a q8_0 cache needs head_dim (48) a multiple of 32"));
}

#if defined(__unix__)
TEST_CASE("rope + append: no access past a cache's end (guard page)") {
  const std::size_t tokens = 2, heads = 2, head_dim = 64;
  const cope::spectrum s = cope::rope_default(static_cast<int>(head_dim));
  for (cache_type ct : {cache_type::f32, cache_type::bf16, cache_type::q8_0})
    for (kv_layout lay : {kv_layout::nhd, kv_layout::hnd}) {
      cope::kv_cache cache = cope::kv_cache::paged(nullptr, nullptr, ct, lay, 2, 3, heads, head_dim);
      const cope_test::guarded_pages km(cache.bytes()), vm(cache.bytes());
      REQUIRE((km.base != nullptr && vm.base != nullptr));
      cache.k = km.ending_at_guard(cache.bytes());
      cache.v = vm.ending_at_guard(cache.bytes());
      std::vector<float> q(tokens * heads * head_dim, 0.5f), k(q), v(q);
      const std::vector<std::int64_t> last = {5, 2};  // the cache's last slot, and the last of page 0
      cope::append_args a;
      a.q = a.q_out = cope::make_view(q.data(), tokens, heads, head_dim);
      a.k = cope::make_view(k.data(), tokens, heads, head_dim);
      a.v = cope::make_view(v.data(), tokens, heads, head_dim);
      a.cache = cache;
      a.slots = cope::slot_mapping::from(last.data(), tokens);
      a.pos = cope::positions::from_offset(0);
      CHECK(cope::try_apply_rope_append(s, a).ok());  // reaching here without a fault is the test
    }
}
#endif
