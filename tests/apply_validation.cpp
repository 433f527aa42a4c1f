// Bad input to the apply layer (design §7): each rule reports its code and a specific message, and
// the output buffers are left exactly as they were.
#include <catch2/catch.hpp>

#include "cope/cope.hpp"

#include <atomic>
#include <cmath>
#include <limits>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

// Counts every allocation of this program, to show that applying RoPE allocates nothing. Not under
// AddressSanitizer, which keeps its own books on operator new (the GCC and Clang suites run it).
#if defined(__SANITIZE_ADDRESS__)
#define COPE_TEST_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COPE_TEST_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef COPE_TEST_COUNT_ALLOCATIONS
#define COPE_TEST_COUNT_ALLOCATIONS 1
#endif

#if COPE_TEST_COUNT_ALLOCATIONS
// GCC 12 sees the replaced operator delete's free() inlined against a vector's operator new and
// reports a mismatch; the pair below is matched (malloc / free) by construction.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
static std::atomic<long> allocations{0};
void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace {

struct fixture {
  cope::spectrum s = cope::rope_default(64, {1e4, 1.0});
  cope::rope_table table = cope::make_table(s, 16);
  std::vector<float> q = std::vector<float>(4 * 2 * 64, 0.5f);
  std::vector<float> k = std::vector<float>(4 * 1 * 64, 0.25f);
  std::vector<float> q_out = std::vector<float>(4 * 2 * 64, -1.0f);
  std::vector<float> k_out = std::vector<float>(4 * 1 * 64, -1.0f);

  cope::rope_args args() {
    return cope::rope_args::out_of_place(cope::make_view(q.data(), 4, 2, 64), cope::make_view(q_out.data(), 4, 2, 64),
                                         cope::make_view(k.data(), 4, 1, 64), cope::make_view(k_out.data(), 4, 1, 64),
                                         cope::positions::from_offset(0));
  }

  // Runs the call through the table and the spectrum source alike; nothing may change.
  void expect(const cope::rope_args& a, cope::errc code, const std::string& message, bool table_only = false,
              bool spectrum_only = false) {
    const std::vector<float> before[] = {q, k, q_out, k_out};
    if (!spectrum_only) {
      const cope::status st = cope::try_apply_rope(table.view(), a);
      CHECK(st.code() == code);
      CHECK(st.message() == message);
    }
    if (!table_only) {
      const cope::status st = cope::try_apply_rope(s, a);
      CHECK(st.code() == code);
      CHECK(st.message() == message);
    }
    CHECK(q == before[0]);
    CHECK(k == before[1]);
    CHECK(q_out == before[2]);
    CHECK(k_out == before[3]);
  }
};

}  // namespace

TEST_CASE("apply validation: a good call succeeds (the fixture is sound)") {
  fixture f;
  CHECK(cope::try_apply_rope(f.table.view(), f.args()).ok());
  CHECK(cope::try_apply_rope(f.s, f.args()).ok());
}

#if COPE_TEST_COUNT_ALLOCATIONS
TEST_CASE("apply: the kernels never allocate, checked or unchecked, table or on the fly") {
  fixture f;
  const cope::rope_args a = f.args();
  cope::rope_args ragged = a;
  const std::int64_t indptr[] = {0, 1, 4}, offsets[] = {3, 9};
  ragged.pos = cope::positions::ragged(indptr, offsets, 2);
  ragged.pairing = cope::layout::interleaved;
  ragged.dir = cope::direction::inverse;
  const long before = allocations.load();
  cope::apply_rope_unchecked(f.table.view(), a);
  cope::apply_rope_unchecked(f.s, ragged);
  CHECK(cope::try_apply_rope(f.table.view(), ragged).ok());
  CHECK(cope::try_apply_rope(f.s, a).ok());
  CHECK(allocations.load() == before);
}
#endif

TEST_CASE("apply validation: null data") {
  fixture f;
  cope::rope_args a = f.args();
  a.q.data = nullptr;
  f.expect(a, cope::errc::null_data, "apply_rope: q is null");
  a = f.args();
  a.k_out.data = nullptr;
  f.expect(a, cope::errc::null_data, "apply_rope: k_out is null");
}

TEST_CASE("apply validation: rotary window larger than the head") {
  fixture f;
  cope::rope_args a = f.args();
  a.rotary_offset = 2;
  f.expect(a, cope::errc::invalid_dimension, "apply_rope: q.head_dim (64) is smaller than the rotary window end (66)");
}

TEST_CASE("apply validation: strides that are not positive or make rows overlap") {
  fixture f;
  cope::rope_args a = f.args();
  a.q.token_stride = 0;
  f.expect(a, cope::errc::invalid_view, "apply_rope: q.token_stride (0) must be positive");
  a = f.args();
  a.q_out.head_stride = 32;  // heads overlap by half a row
  f.expect(a, cope::errc::overlapping_views, "apply_rope: q_out (4 tokens x 2 heads x 64 f32, token_stride 128, head_stride 32) has rows that overlap (a head's 64 elements must fit within the smaller stride, all heads of a token within the larger)");
  a = f.args();
  a.k.token_stride = 32;  // one head per token, tokens overlap
  f.expect(a, cope::errc::overlapping_views, "apply_rope: k (4 tokens x 1 heads x 64 f32, token_stride 32, head_stride 64) has rows that overlap (a head's 64 elements must fit within the smaller stride, all heads of a token within the larger)");
}

TEST_CASE("apply validation: a view that runs past its stated capacity") {
  fixture f;
  cope::rope_args a = f.args();
  a.q_out.capacity = 4 * 2 * 64 - 1;
  f.expect(a, cope::errc::overlapping_views, "apply_rope: q_out (4 tokens x 2 heads x 64 f32, token_stride 128, head_stride 64) spans 512 elements, past its stated capacity (511)");
}

TEST_CASE("apply validation: output shape and storage type") {
  fixture f;
  cope::rope_args a = f.args();
  a.q_out.heads = 1;
  f.expect(a, cope::errc::invalid_view, "apply_rope: q_out is [4, 1, 64] but q is [4, 2, 64]");
  a = f.args();
  a.q.type = cope::dtype::bf16;  // bf16 -> f32 is no engine's need
  f.expect(a, cope::errc::invalid_view,
           "apply_rope: q (bf16) to q_out (f32) is not supported: same type, or f32 to f16 / bf16");
}

TEST_CASE("apply validation: in/out aliasing that is not exactly in place") {
  fixture f;
  cope::rope_args a = f.args();
  a.q_out.data = f.q.data() + 1;
  a.q_out.capacity = 0;
  f.expect(a, cope::errc::invalid_aliasing, "apply_rope: q and q_out overlap without being the same view (in place): q's row (token 1, head 0) at bytes [512, 768) meets q_out's row (token 0, head 1) at bytes [260, 516); q (4 tokens x 2 heads x 64 f32, token_stride 128, head_stride 64) spans bytes [0, 2048), q_out (4 tokens x 2 heads x 64 f32, token_stride 128, head_stride 64) spans bytes [4, 2052), counted from the lower data pointer");
  a = f.args();
  a.q_out.data = f.q.data();
  a.q_out.token_stride = 2 * 64;
  a.q_out.head_stride = 64;
  a.q_out.type = cope::dtype::f16;
  f.expect(a, cope::errc::invalid_aliasing,
           "apply_rope: q_out starts at q but differs in type or strides; in place needs the same view");
  a = f.args();
  a.k_out.data = f.q_out.data() + 64;  // k's output inside q's output
  a.k_out.capacity = 0;
  f.expect(a, cope::errc::invalid_aliasing, "apply_rope: q_out and k_out overlap without being the same view (in place): q_out's row (token 0, head 1) at bytes [256, 512) meets k_out's row (token 0, head 0) at bytes [256, 512); q_out (4 tokens x 2 heads x 64 f32, token_stride 128, head_stride 64) spans bytes [0, 2048), k_out (4 tokens x 1 heads x 64 f32, token_stride 64, head_stride 64) spans bytes [256, 1280), counted from the lower data pointer");
}

TEST_CASE("apply validation: q and k token counts differ") {
  fixture f;
  cope::rope_args a = f.args();
  a.k.tokens = a.k_out.tokens = 3;
  f.expect(a, cope::errc::invalid_view, "apply_rope: k has 3 tokens but q has 4");
}

TEST_CASE("apply validation: token range") {
  fixture f;
  cope::rope_args a = f.args();
  a.token_begin = 3;
  a.token_end = 2;
  f.expect(a, cope::errc::invalid_position, "apply_rope: token_begin (3) is after token_end (2)");
  a.token_begin = 0;
  a.token_end = 5;
  f.expect(a, cope::errc::invalid_position, "apply_rope: token_end (5) is beyond the 4 tokens");
}

TEST_CASE("apply validation: start positions negative or beyond the table") {
  fixture f;
  cope::rope_args a = f.args();
  a.pos = cope::positions::from_offset(-1);
  f.expect(a, cope::errc::invalid_position, "apply_rope: start position (-1) is negative");
  a.pos = cope::positions::from_offset(13);
  f.expect(a, cope::errc::invalid_position,
           "apply_rope: start position (13) + token 3 is beyond the table's last position (15)", true);
  a.pos = cope::positions::from_offset((std::int64_t{1} << 29) - 2);
  f.expect(a, cope::errc::invalid_position,
           "apply_rope: start position (536870910) + token 3 is beyond the largest exact position (536870912)", false,
           true);
}

TEST_CASE("apply validation: position ids") {
  fixture f;
  cope::rope_args a = f.args();
  const std::int32_t ids32[] = {0, 1, -1, 3};
  const std::int64_t ids64[] = {0, 1, 2, 16};
  a.pos = cope::positions::from_ids(ids32, 4);
  f.expect(a, cope::errc::invalid_position, "apply_rope: position_ids[2] (-1) is negative");
  a.pos = cope::positions::from_ids(ids64, 4);
  f.expect(a, cope::errc::invalid_position, "apply_rope: position_ids[3] (16) is beyond the table's last position (15)",
           true);
  a.pos = cope::positions::from_ids(ids64, 3);
  f.expect(a, cope::errc::invalid_position, "apply_rope: position_ids has 3 entries for 4 tokens");
  a.pos = cope::positions::from_ids(static_cast<const std::int64_t*>(nullptr), 4);
  f.expect(a, cope::errc::null_data, "apply_rope: position_ids is null");
}

TEST_CASE("apply validation: ragged batches") {
  fixture f;
  cope::rope_args a = f.args();
  const std::int32_t good_offsets[] = {0, 5};
  const std::int32_t starts_at_one[] = {1, 2, 4};
  a.pos = cope::positions::ragged(starts_at_one, good_offsets, 2);
  f.expect(a, cope::errc::invalid_position, "apply_rope: indptr[0] (1) must be 0");
  const std::int32_t short_indptr[] = {0, 2, 3};
  a.pos = cope::positions::ragged(short_indptr, good_offsets, 2);
  f.expect(a, cope::errc::invalid_position, "apply_rope: indptr[2] (3) must equal the number of tokens (4)");
  const std::int64_t decreasing[] = {0, 3, 2, 4};
  const std::int64_t offsets3[] = {0, 0, 0};
  a.pos = cope::positions::ragged(decreasing, offsets3, 3);
  f.expect(a, cope::errc::invalid_position, "apply_rope: indptr decreases at request 1 (3 then 2)");
  const std::int64_t indptr[] = {0, 1, 4};
  const std::int64_t too_far[] = {0, 14};
  a.pos = cope::positions::ragged(indptr, too_far, 2);
  f.expect(a, cope::errc::invalid_position, "apply_rope: request 1 (request_offsets[1] 14, 3 tokens) reaches beyond the table's last position (15)",
           true);
  const std::int64_t negative[] = {-3, 0};
  a.pos = cope::positions::ragged(indptr, negative, 2);
  f.expect(a, cope::errc::invalid_position, "apply_rope: request_offsets[0] (-3) is negative");
  a.pos = cope::positions::ragged(indptr, static_cast<const std::int64_t*>(nullptr), 2);
  f.expect(a, cope::errc::null_data, "apply_rope: ragged request_offsets is null");
  a.pos = cope::positions::ragged(indptr, too_far, 0);
  f.expect(a, cope::errc::invalid_position, "apply_rope: a ragged batch of 4 tokens needs at least one request");
}

TEST_CASE("apply validation: bad tables and spectra") {
  fixture f;
  cope::table_view t = f.table.view();
  t.data = nullptr;
  CHECK(cope::try_apply_rope(t, f.args()).message() == "apply_rope: the table is null");
  t = f.table.view();
  t.row_stride = 63;
  CHECK(cope::try_apply_rope(t, f.args()).message() == "apply_rope: the table's row_stride (63) is below 2 * pairs (64)");
  t = f.table.view();
  t.pairs = 0;
  CHECK(cope::try_apply_rope(t, f.args()).code() == cope::errc::invalid_dimension);
  t = f.table.view();
  t.attention_factor = 0;
  CHECK(cope::try_apply_rope(t, f.args()).message() ==
        "apply_rope: the table's attention_factor (0) must be in [2^-16, 2^16] (min_attention_factor, max_attention_factor: the range every kernel path handles exactly)");

  cope::spectrum fast = f.s;
  fast.inv_freq[0] = 8.0f;
  CHECK(cope::try_apply_rope(fast, f.args()).message() ==
        "apply_rope: inv_freq[0] (8) exceeds 4; exact angles need position * inv_freq < 2^31");
  CHECK(cope::try_apply_rope(cope::spectrum{}, f.args()).code() == cope::errc::invalid_dimension);
  const cope::spectrum wide = cope::rope_default(2048, {1e4, 1.0});
  CHECK(cope::try_apply_rope(wide, f.args()).message() == "apply_rope: rotary_dim (2048) exceeds 1024");
  CHECK(f.q_out == std::vector<float>(4 * 2 * 64, -1.0f));
}

TEST_CASE("table validation: make_table and fill_table") {
  const cope::spectrum s = cope::rope_default(64);
  CHECK(cope::try_make_table(s, 0).error().message() == "make_table: positions (0) must be in [1, 2^29 + 1]");
  std::vector<float> rows(64 * 3, 7.0f);
  const std::vector<float> before = rows;
  CHECK(cope::try_fill_table(s, 0, 3, nullptr, 64).message() == "fill_table: out is null");
  CHECK(cope::try_fill_table(s, 0, 3, rows.data(), 60).message() == "fill_table: row_stride (60) is below 2 * pairs (64)");
  CHECK(cope::try_fill_table(s, -1, 3, rows.data(), 64).message() == "fill_table: first (-1) and count (3): positions first .. first + count - 1 must lie in [0, 2^29]");
  CHECK(cope::try_fill_table(s, (std::int64_t{1} << 29) - 1, 3, rows.data(), 64).code() == cope::errc::invalid_position);
  CHECK(rows == before);
  CHECK_THROWS_AS(cope::make_table(cope::spectrum{}, 4), cope::error);
}

TEST_CASE("apply validation: float32 positions") {
  fixture f;
  cope::rope_args a = f.args();
  std::vector<float> ids = {0.5f, 1.0f, 2.0f, 3.0f};
  a.pos = cope::positions::from_ids(ids.data(), 4);
  CHECK(cope::try_apply_rope(f.s, a).ok());  // fractional on the fly
  f.q_out.assign(f.q_out.size(), -1.0f);
  f.k_out.assign(f.k_out.size(), -1.0f);
  f.expect(a, cope::errc::invalid_position,
           "apply_rope: position_ids[0] (0.5) is fractional; a table has rows for integer positions only (the spectrum takes fractional ones)",
           true);
  ids[1] = std::nanf("");
  f.expect(a, cope::errc::invalid_position, "apply_rope: position_ids[1] (nan) is not finite", false, true);
  ids[1] = -0.25f;
  f.expect(a, cope::errc::invalid_position, "apply_rope: position_ids[1] (-0.25) is negative", false, true);
  ids[1] = 6e8f;
  f.expect(a, cope::errc::invalid_position,
           "apply_rope: position_ids[1] (6e+08) is beyond the largest exact position (536870912)", false, true);
  // Ragged batches with float32 request offsets.
  std::vector<std::int32_t> indptr = {0, 1, 4};
  std::vector<float> offsets = {0.5f, 2.0f};
  a.pos = cope::positions::ragged(indptr.data(), offsets.data(), 2);
  CHECK(cope::try_apply_rope(f.s, a).ok());
  f.q_out.assign(f.q_out.size(), -1.0f);
  f.k_out.assign(f.k_out.size(), -1.0f);
  offsets = {1.0f, 14.0f};
  f.expect(a, cope::errc::invalid_position,
           "apply_rope: request 1 (request_offsets[1] 14, 3 tokens) reaches beyond the table's last position (15)", true);
  offsets = {-1.0f, 2.0f};
  f.expect(a, cope::errc::invalid_position, "apply_rope: request_offsets[0] (-1) is negative", false, true);
  // A fraction of 2^-20 over 600 tokens: positions past 2^9 need more than 29 significant bits.
  std::vector<float> long_q(600 * 64, 0.5f);
  const std::vector<float> long_before = long_q;
  const std::int32_t long_indptr[] = {0, 600};
  const float tiny[] = {0x1p-20f};
  cope::rope_args b = cope::rope_args::in_place(cope::make_view(long_q.data(), 600, 1, 64), {},
                                                cope::positions::ragged(long_indptr, tiny, 1));
  const cope::status st = cope::try_apply_rope(f.s, b);
  CHECK(st.message() ==
        "apply_rope: request 0 (request_offsets[0] 9.5367431640625e-07, 600 tokens): fractional positions up to "
        "599.0000009536743 need more than 29 significant bits; exact angles need them within 2^9 at this fraction");
  CHECK(long_q == long_before);
}

TEST_CASE("apply validation: multi-axis positions and maps") {
  fixture f;
  cope::rope_args a = f.args();
  const cope::axis_map map = cope::axis_map::sectioned({8, 12, 12});
  std::vector<std::int64_t> pos = {0, 1, 2, 3, 0, 1, 1, 2, 0, 2, 1, 3};  // [3][4]
  a.pos = cope::positions::multi_axis(pos.data(), 3, 4);
  f.expect(a, cope::errc::invalid_axis_map, "apply_rope: multi-axis positions need pair_axes, the axis each pair reads");
  a.pair_axes = &map;
  CHECK(cope::try_apply_rope(f.table.view(), a).ok());
  f.q_out.assign(f.q_out.size(), -1.0f);
  f.k_out.assign(f.k_out.size(), -1.0f);
  const cope::axis_map short_map = cope::axis_map::sectioned({8, 12, 11});
  a.pair_axes = &short_map;
  f.expect(a, cope::errc::invalid_axis_map, "apply_rope: pair_axes has 31 pairs but the rotation has 32 (rotary_dim / 2)");
  a.pair_axes = &map;
  a.pos = cope::positions::multi_axis(pos.data(), 2, 4);
  f.expect(a, cope::errc::invalid_axis_map, "apply_rope: pair_axes[20] reads axis 2 but the positions have 2 axes");
  a.pos = cope::positions::multi_axis(pos.data(), 5, 4);
  f.expect(a, cope::errc::invalid_position, "apply_rope: multi-axis positions have 5 axes; 1 to 4 are supported");
  a.pos = cope::positions::multi_axis(pos.data(), 3, 3);
  f.expect(a, cope::errc::invalid_position, "apply_rope: multi-axis positions have 3 tokens for 4 tokens");
  a.pos = cope::positions::multi_axis(pos.data(), 3, 4, -4, 1);
  f.expect(a, cope::errc::invalid_position,
           "apply_rope: multi-axis position strides (axis_stride -4, token_stride 1) must not be negative");
  a.pos = cope::positions::multi_axis(static_cast<const std::int64_t*>(nullptr), 3, 4);
  f.expect(a, cope::errc::null_data, "apply_rope: multi-axis positions are null");
  a.pos = cope::positions::multi_axis(pos.data(), 3, 4, std::ptrdiff_t{1} << 58, 1);
  f.expect(a, cope::errc::invalid_position,
           "apply_rope: multi-axis positions with axis_stride 288230376151711744 and token_stride 1 over 3 axes and 4 "
           "tokens reach beyond the address space");
  pos[9] = 16;  // axis 2, token 1
  a.pos = cope::positions::multi_axis(pos.data(), 3, 4);
  f.expect(a, cope::errc::invalid_position,
           "apply_rope: axis 2 position of token 1 (16) is beyond the table's last position (15)", true);
  pos[9] = -3;  // negative: on the fly only (centred spatial layouts)
  f.expect(a, cope::errc::invalid_position, "apply_rope: axis 2 position of token 1 (-3) is negative", true);
  CHECK(cope::try_apply_rope(f.s, a).ok());
  f.q_out.assign(f.q_out.size(), -1.0f);
  f.k_out.assign(f.k_out.size(), -1.0f);
  std::vector<float> posf(12, 1.0f);
  posf[5] = 1.5f;
  a.pos = cope::positions::multi_axis(posf.data(), 3, 4);
  f.expect(a, cope::errc::invalid_position,
           "apply_rope: axis 1 position of token 1 (1.5) is fractional; a table has rows for integer positions only (the "
           "spectrum takes fractional ones)",
           true);
  posf[5] = std::numeric_limits<float>::infinity();
  f.expect(a, cope::errc::invalid_position, "apply_rope: axis 1 position of token 1 (inf) is not finite", false, true);
  // A map with 1-D positions is fine (every axis at that position); an unknown kind is not.
  a.pos = cope::positions::from_offset(0);
  CHECK(cope::try_apply_rope(f.s, a).ok());
  f.q_out.assign(f.q_out.size(), -1.0f);
  f.k_out.assign(f.k_out.size(), -1.0f);
  a.pos.kind = static_cast<cope::position_kind>(99);
  f.expect(a, cope::errc::invalid_position, "apply_rope: unknown position kind");
}

TEST_CASE("shift validation: a map of the wrong length") {
  const cope::spectrum s = cope::rope_default(64, {1e4, 1.0});
  std::vector<float> k(4 * 64, 0.5f);
  const std::vector<float> before = k;
  const cope::axis_map map = cope::axis_map::sectioned({8, 8, 8});
  cope::shift_args a = cope::shift_args::make(cope::make_view(k.data(), 4, 1, 64), cope::position_delta::constant(3));
  a.pair_axes = &map;
  const cope::status st = cope::try_shift_keys(s, a);
  CHECK(st.code() == cope::errc::invalid_axis_map);
  CHECK(st.message() == "shift_keys: pair_axes has 24 pairs but the rotation has 32 (rotary_dim / 2)");
  CHECK(k == before);
}
