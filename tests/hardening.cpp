// What fuzzing and a first engine found (issue 14), one test case per finding: each reproduces the
// finding (it failed before the fix; the UB ones under the sanitizer suite) and pins the promise kept.
#include <catch2/catch.hpp>

#include "cope/cope.hpp"

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <new>
#include <string>
#include <vector>

// Allocation failure injected into operator new: the N-th allocation from now throws std::bad_alloc.
// Not under AddressSanitizer, whose operator new never throws (it reports and stops instead).
#if defined(__SANITIZE_ADDRESS__)
#define COPE_TEST_INJECT_ALLOCATION_FAILURE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COPE_TEST_INJECT_ALLOCATION_FAILURE 0
#endif
#endif
#ifndef COPE_TEST_INJECT_ALLOCATION_FAILURE
#define COPE_TEST_INJECT_ALLOCATION_FAILURE 1
#endif

#if COPE_TEST_INJECT_ALLOCATION_FAILURE
static long allocations_until_failure = -1;  // -1: never fail
// Out of line, so that GCC does not see free() meet operator new's pointer (-Wmismatched-new-delete).
__attribute__((noinline)) void* operator new(std::size_t size) {
  if (allocations_until_failure == 0) {
    allocations_until_failure = -1;
    throw std::bad_alloc();
  }
  if (allocations_until_failure > 0) --allocations_until_failure;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
__attribute__((noinline)) void operator delete(void* p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace {

bool contains(const std::string& text, const std::string& piece) { return text.find(piece) != std::string::npos; }

bool all_finite(const cope::spectrum& s) {
  for (float v : s.inv_freq)
    if (!std::isfinite(v)) return false;
  for (double v : s.inv_freq_f64)
    if (!std::isfinite(v)) return false;
  return std::isfinite(s.attention_factor) && s.attention_factor > 0;
}

cope::rope_parameters params(const char* type) {
  cope::rope_parameters p;
  p.rope_type = type;
  p.rope_theta = 10000;
  return p;
}

}  // namespace

TEST_CASE("finding 1: a finite positive factor that underflows float32 is rejected, not an inf/NaN spectrum") {
  SECTION("linear and yarn, factor 1e-320 and 1e-45") {
    for (const char* type : {"linear", "yarn"})
      for (double factor : {1e-320, 1e-45}) {
        cope::rope_parameters p = params(type);
        p.factor = factor;
        p.original_max_position_embeddings = 4096;
        const auto r = cope::try_make_spectrum(p, 128);
        INFO(type << " factor " << factor << ": " << (r ? std::string("ok") : r.error().message()));
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code() == cope::errc::invalid_factor);
        CHECK(contains(r.error().message(), "factor ("));
      }
  }
  SECTION("a LongRoPE short_factor entry of 1e-50 names its index") {
    cope::rope_parameters p = params("longrope");
    p.short_factor.assign(64, 1.0);
    p.long_factor.assign(64, 2.0);
    p.short_factor[3] = 1e-50;
    p.original_max_position_embeddings = 4096;
    p.factor = 2.0;
    const auto r = cope::try_make_spectrum(p, 128);
    REQUIRE_FALSE(r.ok());
    CHECK(contains(r.error().message(), "short_factor[3] (1e-50)"));
  }
  SECTION("dynamic: factor 1e9 at seq_len = max_position_embeddings cancels the float32 bracket to 0") {
    cope::rope_parameters p = params("dynamic");
    p.factor = 1e9;
    const auto r = cope::try_make_spectrum(p, 128, 4096, 4096);
    INFO((r ? std::string("ok") : r.error().message()));
    REQUIRE_FALSE(r.ok());
    CHECK(contains(r.error().message(), "factor (1e+09)"));
  }
  SECTION("property: every ok spectrum over a sweep of factors is finite") {
    for (const char* type : {"linear", "dynamic", "yarn", "llama3", "longrope"})
      for (int e = -320; e <= 300; e += 7)
        for (double mantissa : {1.0, 3.7}) {
          cope::rope_parameters p = params(type);
          p.factor = mantissa * std::pow(10.0, e);
          p.original_max_position_embeddings = 4096;
          p.low_freq_factor = 1.0;
          p.high_freq_factor = 4.0;
          p.short_factor.assign(32, *p.factor);
          p.long_factor.assign(32, *p.factor);
          const auto r = cope::try_make_spectrum(p, 64, 8192, 8192);
          if (r.ok()) {
            INFO(type << " factor " << *p.factor);
            CHECK(all_finite(*r));
          }
        }
  }
}

TEST_CASE("finding 2: sizes are bounded and allocation failure is an error code, never an exception") {
  SECTION("head_dim beyond max_head_dim") {
    const auto r = cope::try_make_spectrum(params("default"), 2000000000);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == cope::errc::invalid_dimension);
    CHECK(contains(r.error().message(), "2000000000"));
    CHECK(contains(r.error().message(), std::to_string(cope::max_head_dim)));
    CHECK(cope::try_rope_default(cope::max_head_dim, {}).ok());
  }
#if COPE_TEST_INJECT_ALLOCATION_FAILURE
  SECTION("a table of 2 TB is out_of_memory") {
    const cope::spectrum s = cope::rope_default(1024);
    cope::status st;
    CHECK_NOTHROW(st = cope::try_make_table(s, std::int64_t{1} << 29).error());
    CHECK(st.code() == cope::errc::out_of_memory);
    CHECK(contains(st.message(), "make_table"));
  }
  SECTION("every allocation of every allocating try_ function, failed in turn") {
    const cope::spectrum base = cope::rope_default(128);
    cope::rope_parameters yarn = params("yarn");
    yarn.factor = 4.0;
    yarn.original_max_position_embeddings = 4096;
    cope::rope_parameters longrope = params("longrope");
    longrope.short_factor.assign(64, 1.0);
    longrope.long_factor.assign(64, 2.0);
    longrope.original_max_position_embeddings = 4096;
    longrope.factor = 2.0;
    auto status_of = [](const auto& r) { return r.ok() ? cope::status() : r.error(); };
    const std::vector<std::pair<const char*, std::function<cope::status()>>> calls = {
        {"make_spectrum yarn", [&] { return status_of(cope::try_make_spectrum(yarn, 128)); }},
        {"make_spectrum longrope", [&] { return status_of(cope::try_make_spectrum(longrope, 128, 8192, 16384)); }},
        {"rope_default", [&] { return status_of(cope::try_rope_default(128, {})); }},
        {"cope_clip", [&] { return status_of(cope::try_cope_clip(base, 20)); }},
        {"hard_clip", [&] { return status_of(cope::try_hard_clip(base, 20)); }},
        {"make_table", [&] { return status_of(cope::try_make_table(base, 64)); }},
    };
    for (const auto& [name, call] : calls) {
      int failures = 0;
      for (long n = 0; n < 1000; ++n) {
        cope::status st;
        bool threw = false;
        allocations_until_failure = n;
        try {
          st = call();
        } catch (...) {
          threw = true;
        }
        const bool injected = allocations_until_failure == -1;
        allocations_until_failure = -1;
        CHECK_FALSE(threw);
        if (!injected) break;  // the call made fewer than n + 1 allocations: every one has been failed once
        INFO(name << ", allocation " << n << ": " << st.message());
        CHECK(st.code() == cope::errc::out_of_memory);
        ++failures;
      }
      INFO(name);
      CHECK(failures > 0);
    }
  }
#endif
}

TEST_CASE("finding 3: no signed overflow while checking or composing messages") {
  const cope::spectrum s = cope::rope_default(64);
  SECTION("reference_rotate, rotary_offset near INT_MAX") {
    std::vector<double> in(64, 1.0), out(64);
    const cope::status st = cope::try_reference_rotate(s, cope::layout::rotate_half, cope::direction::forward, 0,
                                                       in.data(), out.data(), 64, INT_MAX - 10);
    REQUIRE_FALSE(st.ok());
    CHECK(contains(st.message(), "[2147483637, 2147483701)"));
  }
  SECTION("fill_table, first + count beyond int64") {
    std::vector<float> out(64);
    const cope::status st = cope::try_fill_table(s, 1, INT64_MAX, out.data(), 64);
    REQUIRE_FALSE(st.ok());
    CHECK(st.code() == cope::errc::invalid_position);
    CHECK(contains(st.message(), "count (9223372036854775807)"));
    CHECK_FALSE(contains(st.message(), "-9223372036854775808"));
  }
  SECTION("ragged indptr {0, 1, INT64_MIN, 1}: a decrease, found without subtracting") {
    std::vector<float> q(64, 1.0f);
    const std::int64_t indptr[] = {0, 1, INT64_MIN, 1}, offsets[] = {0, 0, 0};
    const cope::status st = cope::try_apply_rope(
        s, cope::rope_args::in_place(cope::make_view(q.data(), 1, 1, 64), {}, cope::positions::ragged(indptr, offsets, 3)));
    REQUIRE_FALSE(st.ok());
    CHECK(contains(st.message(), "indptr decreases at request 1"));
  }
  SECTION("ragged indptr {0, INT64_MAX, 1}, offsets {5, 0}: indptr beyond the tokens") {
    std::vector<float> q(64, 1.0f);
    const std::int64_t indptr[] = {0, INT64_MAX, 1}, offsets[] = {5, 0};
    const cope::status st = cope::try_apply_rope(
        s, cope::rope_args::in_place(cope::make_view(q.data(), 1, 1, 64), {}, cope::positions::ragged(indptr, offsets, 2)));
    REQUIRE_FALSE(st.ok());
    CHECK(contains(st.message(), "indptr[1] (9223372036854775807)"));
  }
}

TEST_CASE("finding 4: a span that wraps size_t cannot bypass the capacity check") {
  const cope::spectrum s = cope::rope_default(8);
  std::vector<float> q(3 * 8, 1.0f);
  const std::vector<float> before = q;
  const cope::status st = cope::try_apply_rope(
      s, cope::rope_args::in_place(cope::make_view(q.data(), 3, 1, 8, PTRDIFF_MAX, 8, 8), {},
                                   cope::positions::from_offset(0)));
  REQUIRE_FALSE(st.ok());
  CHECK(contains(st.message(), "token_stride 9223372036854775807"));
  CHECK(q == before);
}

TEST_CASE("finding 5: the stride of a size-1 dimension is never used") {
  // Under UBSan the prefetch address and the step after the last head overflowed before the fix.
  const cope::spectrum s = cope::rope_default(64);
  std::vector<float> x(2 * 64), expected;
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.3f * static_cast<float>(i));
  expected = x;
  cope::apply_rope(s, cope::rope_args::in_place(cope::make_view(expected.data(), 1, 2, 64), {},
                                                cope::positions::from_offset(7)));
  std::vector<float> a = x;
  cope::apply_rope(s, cope::rope_args::in_place(cope::make_view(a.data(), 1, 2, 64, PTRDIFF_MAX, 64), {},
                                                cope::positions::from_offset(7)));
  CHECK(a == expected);
  std::vector<float> b = x;
  const std::int64_t ids[] = {7, 7};
  cope::apply_rope(s, cope::rope_args::in_place(cope::make_view(b.data(), 2, 1, 64, 64, std::ptrdiff_t{1} << 57), {},
                                                cope::positions::from_ids(ids, 2)));
  CHECK(b == expected);
}

TEST_CASE("finding 6: attention_factor outside the range every path handles exactly is rejected") {
  std::vector<float> q(4 * 64, 0.5f);
  const auto args = cope::rope_args::in_place(cope::make_view(q.data(), 4, 1, 64), {}, cope::positions::from_offset(3));
  for (double f : {1e-20, 1e-39, 1e39, 1e20, cope::min_attention_factor / 2, cope::max_attention_factor * 2}) {
    cope::spectrum s = cope::rope_default(64);
    s.attention_factor = f;
    INFO("attention_factor " << f);
    const cope::status st = cope::try_apply_rope(s, args);
    REQUIRE_FALSE(st.ok());
    CHECK(st.code() == cope::errc::invalid_factor);
    CHECK(contains(st.message(), "attention_factor"));
    CHECK_FALSE(cope::try_make_table(s, 8).ok());
    cope::rope_table t = cope::make_table(cope::rope_default(64), 8);
    t.attention_factor = f;
    CHECK_FALSE(cope::try_apply_rope(t.view(), args).ok());
    cope::pair_factor_parameters p;
    p.factors.assign(32, 1.0);
    p.attention_factor = f;
    CHECK_FALSE(cope::try_rope_pair_factors(64, p).ok());
  }
  SECTION("at the ends of the range, every path is within the bound, forward and inverse") {
    for (double f : {cope::min_attention_factor, cope::max_attention_factor}) {
      cope::spectrum s = cope::rope_default(64);
      s.attention_factor = f;
      const cope::rope_table t = cope::make_table(s, 64);
      for (auto dir : {cope::direction::forward, cope::direction::inverse}) {
        std::vector<float> x(64);
        for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::cos(0.7f * static_cast<float>(i));
        std::vector<double> in(x.begin(), x.end()), ref(64);
        cope::reference_rotate(s, cope::layout::rotate_half, dir, 50, in.data(), ref.data(), 64);
        std::vector<float> a = x, b = x;
        auto args_for = [&](std::vector<float>& v) {
          auto r = cope::rope_args::in_place(cope::make_view(v.data(), 1, 1, 64), {}, cope::positions::from_offset(50));
          r.dir = dir;
          return r;
        };
        cope::apply_rope(s, args_for(a));
        cope::apply_rope(t.view(), args_for(b));
        const double scale = dir == cope::direction::forward ? f : 1 / f;
        for (std::size_t i = 0; i < 64; ++i) {
          INFO("f " << f << " inverse " << (dir == cope::direction::inverse) << " i " << i);
          CHECK(std::abs(a[i] - ref[i]) <= 4e-7 * 2 * scale);
          CHECK(std::abs(b[i] - ref[i]) <= 4e-7 * 4 * scale);
        }
      }
    }
  }
}

TEST_CASE("finding 7: q and k as strided views of one fused QKV buffer, in both orders") {
  const cope::spectrum s = cope::rope_default(64);
  const std::size_t tokens = 5, heads = 4, d = 64;
  std::vector<float> fused(tokens * 3 * heads * d);
  for (std::size_t i = 0; i < fused.size(); ++i) fused[i] = std::sin(0.01f * static_cast<float>(i));
  const auto pos = cope::positions::from_offset(11);
  // The expected result: q and k rotated in separate calls.
  auto rotate_separately = [&](std::vector<float> v, cope::tensor_view q, cope::tensor_view k) {
    q.data = v.data() + (static_cast<float*>(q.data) - fused.data());
    k.data = v.data() + (static_cast<float*>(k.data) - fused.data());
    cope::apply_rope(s, cope::rope_args::in_place(q, {}, pos));
    cope::apply_rope(s, cope::rope_args::in_place(k, {}, pos));
    return v;
  };
  const auto h = static_cast<std::ptrdiff_t>(heads), dd = static_cast<std::ptrdiff_t>(d);
  SECTION("[tokens, heads, 3, head_dim] (GPT-NeoX / Pythia)") {
    const cope::tensor_view q = cope::make_view(fused.data(), tokens, heads, d, h * 3 * dd, 3 * dd);
    const cope::tensor_view k = cope::make_view(fused.data() + d, tokens, heads, d, h * 3 * dd, 3 * dd);
    const std::vector<float> expected = rotate_separately(fused, q, k);
    std::vector<float> copy = fused;
    const cope::tensor_view q2 = cope::make_view(copy.data(), tokens, heads, d, h * 3 * dd, 3 * dd);
    const cope::tensor_view k2 = cope::make_view(copy.data() + d, tokens, heads, d, h * 3 * dd, 3 * dd);
    const cope::status st = cope::try_apply_rope(s, cope::rope_args::in_place(q2, k2, pos));
    INFO(st.message());
    REQUIRE(st.ok());
    CHECK(copy == expected);
  }
  SECTION("[tokens, 3, heads, head_dim]") {
    const cope::tensor_view q = cope::make_view(fused.data(), tokens, heads, d, 3 * h * dd, dd);
    const cope::tensor_view k = cope::make_view(fused.data() + heads * d, tokens, heads, d, 3 * h * dd, dd);
    const std::vector<float> expected = rotate_separately(fused, q, k);
    std::vector<float> copy = fused;
    const cope::status st = cope::try_apply_rope(
        s, cope::rope_args::in_place(cope::make_view(copy.data(), tokens, heads, d, 3 * h * dd, dd),
                                     cope::make_view(copy.data() + heads * d, tokens, heads, d, 3 * h * dd, dd), pos));
    REQUIRE(st.ok());
    CHECK(copy == expected);
  }
  SECTION("exact: random lattices in one buffer agree with a byte-by-byte test") {
    std::uint64_t state = 12345;
    auto next = [&](std::uint64_t n) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      return (state >> 33) % n;
    };
    std::vector<float> buffer(4096, 0.25f);
    int accepted = 0, rejected = 0;
    for (int trial = 0; trial < 3000; ++trial) {
      const std::size_t hd = 2 * (1 + next(4));
      cope::spectrum small = cope::rope_default(static_cast<int>(hd));
      auto random_view = [&](std::size_t tok) {
        const std::size_t hs = 1 + next(4);
        const std::ptrdiff_t head_stride = static_cast<std::ptrdiff_t>(hd + next(12));
        const std::ptrdiff_t token_stride =
            next(2) != 0 ? static_cast<std::ptrdiff_t>(hd + next(40))
                         : static_cast<std::ptrdiff_t>(hs) * head_stride + static_cast<std::ptrdiff_t>(next(8));
        return cope::make_view(buffer.data() + next(64), tok, hs, hd, token_stride, head_stride);
      };
      const std::size_t tok = 1 + next(5);
      const cope::tensor_view q = random_view(tok), k = random_view(tok);
      auto bytes = [&](const cope::tensor_view& v) {
        std::vector<char> used(buffer.size(), 0);
        for (std::size_t t = 0; t < v.tokens; ++t)
          for (std::size_t hh = 0; hh < v.heads; ++hh)
            for (std::size_t i = 0; i < v.head_dim; ++i)
              used[static_cast<std::size_t>(static_cast<float*>(v.data) - buffer.data()) +
                   t * static_cast<std::size_t>(v.token_stride) + hh * static_cast<std::size_t>(v.head_stride) + i]++;
        return used;
      };
      const std::vector<char> uq = bytes(q), uk = bytes(k);
      bool each_valid = true, shared = false;
      for (std::size_t i = 0; i < uq.size(); ++i) {
        each_valid = each_valid && uq[i] <= 1 && uk[i] <= 1;
        shared = shared || (uq[i] != 0 && uk[i] != 0);
      }
      if (!each_valid) continue;
      // Each view alone must pass cope's per-view rule (conservative: with the strides sorted, the smaller
      // clears a row and the larger all rows of the smaller); the pair test is what is exact.
      if (!cope::try_apply_rope(small, cope::rope_args::in_place(q, {}, cope::positions::from_offset(0))).ok() ||
          !cope::try_apply_rope(small, cope::rope_args::in_place(k, {}, cope::positions::from_offset(0))).ok())
        continue;
      const cope::status st = cope::try_apply_rope(small, cope::rope_args::in_place(q, k, cope::positions::from_offset(0)));
      INFO("trial " << trial << ": " << st.message());
      CHECK(st.ok() == !shared);
      (st.ok() ? accepted : rejected)++;
    }
    CHECK(accepted > 100);
    CHECK(rejected > 100);
  }
}

TEST_CASE("finding 8: an empty batch is a successful no-op for every position form") {
  const cope::spectrum s = cope::rope_default(64);
  const cope::rope_table t = cope::make_table(s, 16);
  const std::int32_t indptr32[] = {0};
  const std::int64_t indptr64[] = {0, 0};
  const std::int64_t offsets64[] = {3};
  const cope::positions forms[] = {
      cope::positions::from_offset(0),
      cope::positions::from_ids(static_cast<const std::int32_t*>(nullptr), 0),
      cope::positions::from_ids(static_cast<const std::int64_t*>(nullptr), 0),
      cope::positions::ragged(indptr32, static_cast<const std::int32_t*>(nullptr), 0),
      cope::positions::ragged(indptr64, offsets64, 1),
      cope::positions::ragged(static_cast<const std::int64_t*>(nullptr), static_cast<const std::int64_t*>(nullptr), 0),
  };
  for (const cope::positions& p : forms) {
    const auto q = cope::make_view(static_cast<float*>(nullptr), 0, 8, 64);
    const auto k = cope::make_view(static_cast<float*>(nullptr), 0, 2, 64);
    const cope::status a = cope::try_apply_rope(s, cope::rope_args::in_place(q, k, p));
    INFO(a.message());
    CHECK(a.ok());
    CHECK(cope::try_apply_rope(t.view(), cope::rope_args::in_place(q, k, p)).ok());
  }
  CHECK(cope::try_shift_keys(s, cope::shift_args::make(cope::make_view(static_cast<float*>(nullptr), 0, 2, 64),
                                                      cope::position_delta::constant(-3)))
            .ok());
}

TEST_CASE("finding 9: messages name both views, escape what they echo, and say what is wrong") {
  const cope::spectrum s = cope::rope_default(64);
  SECTION("a wrong token stride on a fused QKV buffer") {
    std::vector<float> fused(4 * 3 * 2 * 64, 1.0f);
    // q [4 tokens, 2 heads] and k [4 tokens, 2 heads] of [tokens, 3, heads, 64], but k given token_stride 128.
    const cope::status st = cope::try_apply_rope(
        s, cope::rope_args::in_place(cope::make_view(fused.data(), 4, 2, 64, 384, 64),
                                     cope::make_view(fused.data() + 128, 4, 2, 64, 128, 64), cope::positions::from_offset(0)));
    REQUIRE_FALSE(st.ok());
    INFO(st.message());
    for (const char* piece : {"q (", "k (", "token_stride 384", "token_stride 128", "bytes [", "row (token"})
      CHECK(contains(st.message(), piece));
  }
  SECTION("capacity errors give the strides") {
    std::vector<float> q(256, 1.0f);
    const cope::status st = cope::try_apply_rope(
        s, cope::rope_args::in_place(cope::make_view(q.data(), 4, 1, 64, 64, 64, 200), {}, cope::positions::from_offset(0)));
    REQUIRE_FALSE(st.ok());
    CHECK(contains(st.message(), "token_stride 64"));
    CHECK(contains(st.message(), "capacity (200)"));
  }
  SECTION("an unknown rope_type with control bytes is escaped") {
    cope::rope_parameters p = params("x");
    p.rope_type = std::string("ya\0rn\n\x1b[31m", 11);
    const auto r = cope::try_make_spectrum(p, 64);
    REQUIRE_FALSE(r.ok());
    INFO(r.error().message());
    CHECK(contains(r.error().message(), "'ya\\x00rn\\x0a\\x1b[31m'"));
    for (char c : r.error().message()) CHECK(static_cast<unsigned char>(c) >= 0x20);
  }
  SECTION("a token range whose begin is after its end") {
    std::vector<float> q(4 * 64, 1.0f);
    auto args = cope::rope_args::in_place(cope::make_view(q.data(), 4, 1, 64), {}, cope::positions::from_offset(0));
    args.token_begin = 3;
    args.token_end = 2;
    const cope::status st = cope::try_apply_rope(s, args);
    REQUIRE_FALSE(st.ok());
    CHECK(contains(st.message(), "token_begin (3) is after token_end (2)"));
  }
}

TEST_CASE("found by the in-project fuzzer: a view whose data is not aligned to its elements is rejected") {
  // tests/fuzz/apply.cpp, scalar kernels: q_out 17 bytes after q was accepted, then stored a float at an
  // odd address (UBSan: store to misaligned address).
  const cope::spectrum s = cope::rope_default(2);
  alignas(8) unsigned char bytes[64] = {};
  float* q = reinterpret_cast<float*>(bytes);
  q[0] = 1.0f;
  q[1] = 0.5f;
  void* odd = bytes + 17;
  const cope::tensor_view qv = cope::make_view(q, 1, 1, 2);
  cope::tensor_view out = qv;
  out.data = odd;
  const std::vector<unsigned char> before(bytes, bytes + 64);
  const cope::status st = cope::try_apply_rope(s, cope::rope_args::out_of_place(qv, out, {}, {}, cope::positions::from_offset(3)));
  REQUIRE_FALSE(st.ok());
  CHECK(st.code() == cope::errc::invalid_view);
  CHECK(contains(st.message(), "q_out.data is not aligned to its 4-byte f32 elements"));
  CHECK(std::vector<unsigned char>(bytes, bytes + 64) == before);
  for (cope::dtype t : {cope::dtype::f16, cope::dtype::bf16}) {
    cope::tensor_view h = qv;
    h.type = t;
    h.data = bytes + 1;
    CHECK(cope::try_apply_rope(s, cope::rope_args::in_place(h, {}, cope::positions::from_offset(3))).code() ==
          cope::errc::invalid_view);
  }
}
