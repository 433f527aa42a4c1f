// The apply kernels (apply.hpp) against the double-precision reference (reference.hpp), once per
// compiled ISA: this file is built into one test executable per path (scalar, AVX2, AVX-512, runtime
// dispatch, NEON under qemu), each checking first that it runs the path it was built for.
//
// Tolerances (design §4): float32 outputs within 4e-7 of the pair's norm (times the attention factor);
// float16 / bfloat16 outputs within half an ulp of their format at the exact value, plus that 4e-7.
#include <catch2/catch.hpp>

#include "cope/cope.hpp"
#include "support/storage.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#if defined(__unix__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#ifndef COPE_TEST_EXPECTED_ISA
#error "COPE_TEST_EXPECTED_ISA must name the path this executable is built for"
#endif

namespace {

using cope::direction;
using cope::dtype;
using cope::layout;
using cope::position_kind;

// ---- typed access to type-erased buffers --------------------------------------------------------

using cope_test::get;
using cope_test::half_ulp;
using cope_test::representable;
using cope_test::set;

// A strided [tokens, heads, head_dim] buffer of exactly the view's span (AddressSanitizer sees any
// access past it), padding between rows filled with a sentinel that must survive.
struct buffer {
  dtype type;
  std::size_t tokens, heads, head_dim;
  std::ptrdiff_t token_stride, head_stride;
  std::vector<unsigned char> bytes;

  buffer(dtype t, std::size_t n_tokens, std::size_t n_heads, std::size_t dim, std::size_t head_pad, std::size_t token_pad)
      : type(t), tokens(n_tokens), heads(n_heads), head_dim(dim),
        token_stride(static_cast<std::ptrdiff_t>(n_heads * (dim + head_pad) + token_pad)),
        head_stride(static_cast<std::ptrdiff_t>(dim + head_pad)) {
    bytes.resize(span() * cope::size_of(t));
    for (std::size_t i = 0; i < span(); ++i) set(bytes.data(), t, i, sentinel);
  }
  static constexpr float sentinel = -12345.0f;
  std::size_t span() const {
    return (tokens - 1) * static_cast<std::size_t>(token_stride) + (heads - 1) * static_cast<std::size_t>(head_stride) +
           head_dim;
  }
  std::size_t index(std::size_t t, std::size_t h, std::size_t i) const {
    return t * static_cast<std::size_t>(token_stride) + h * static_cast<std::size_t>(head_stride) + i;
  }
  float at(std::size_t t, std::size_t h, std::size_t i) const { return get(bytes.data(), type, index(t, h, i)); }
  void put(std::size_t t, std::size_t h, std::size_t i, float v) { set(bytes.data(), type, index(t, h, i), v); }
  cope::tensor_view view() {
    return {bytes.data(), type, tokens, heads, head_dim, token_stride, head_stride, span()};
  }
  bool is_padding(std::size_t e) const {
    const std::size_t in_token = e % static_cast<std::size_t>(token_stride);
    return in_token >= heads * static_cast<std::size_t>(head_stride) ||
           in_token % static_cast<std::size_t>(head_stride) >= head_dim;
  }
};

void fill_random(buffer& b, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  for (std::size_t t = 0; t < b.tokens; ++t)
    for (std::size_t h = 0; h < b.heads; ++h)
      for (std::size_t i = 0; i < b.head_dim; ++i) b.put(t, h, i, representable(b.type, u(rng)));
}

// ---- the position forms ---------------------------------------------------------------------------

struct position_data {
  std::vector<std::array<double, cope::max_axes>> of_token;  // what the kernel must use: each token's axes
  std::vector<std::int32_t> ids32, indptr32, offsets32;
  std::vector<std::int64_t> ids64, indptr64, offsets64;
  std::vector<float> idsf, offsetsf;
  std::unique_ptr<cope::axis_map> map;  // multi-axis kinds only
  cope::positions pos;

  // Pair j's position for token t (the map's axis; 0 for an identity pair).
  double of_pair(std::size_t t, std::size_t j) const {
    if (!map) return of_token[t][0];
    const std::uint8_t a = (*map)[j];
    return a == cope::axis_map::none ? 0.0 : of_token[t][a];
  }
};

// A random map over `pairs` pairs reading axes below `axes`, about one pair in six an identity pair.
cope::axis_map random_map(std::size_t pairs, std::size_t axes, std::mt19937_64& rng) {
  std::vector<std::uint8_t> a(pairs);
  for (auto& v : a) {
    const auto r = std::uniform_int_distribution<std::size_t>(0, 6 * axes - 1)(rng);
    v = r < axes ? cope::axis_map::none : static_cast<std::uint8_t>(r % axes);
  }
  return cope::axis_map::from_axes(a.data(), pairs);
}

// fractional: float32 positions with a fraction (multiples of 1/8 below 2^20, exact as the kernels
// need); integers otherwise (tables).
position_data make_positions(position_kind kind, std::size_t tokens, std::size_t pairs, std::int64_t max_pos,
                             bool fractional, std::mt19937_64& rng) {
  position_data d;
  std::uniform_int_distribution<std::int64_t> any(0, max_pos);
  auto any_float = [&]() -> float {
    if (!fractional) return static_cast<float>(std::uniform_int_distribution<std::int64_t>(0, std::min<std::int64_t>(max_pos, 1 << 24))(rng));
    return static_cast<float>(std::uniform_int_distribution<std::int64_t>(0, std::int64_t{1} << 23)(rng)) / 8.0f;
  };
  auto one_axis = [&](double p) {
    std::array<double, cope::max_axes> v{};
    v.fill(p);
    d.of_token.push_back(v);
  };
  switch (kind) {
    case position_kind::offset: {
      const std::int64_t start = std::uniform_int_distribution<std::int64_t>(
          0, max_pos - static_cast<std::int64_t>(tokens) + 1)(rng);
      for (std::size_t t = 0; t < tokens; ++t) one_axis(static_cast<double>(start + static_cast<std::int64_t>(t)));
      d.pos = cope::positions::from_offset(start);
      break;
    }
    case position_kind::ids_i32:
    case position_kind::ids_i64:
      for (std::size_t t = 0; t < tokens; ++t) d.ids64.push_back(any(rng));
      for (std::int64_t p : d.ids64) one_axis(static_cast<double>(p));
      d.ids32.assign(d.ids64.begin(), d.ids64.end());
      d.pos = kind == position_kind::ids_i32 ? cope::positions::from_ids(d.ids32.data(), tokens)
                                             : cope::positions::from_ids(d.ids64.data(), tokens);
      break;
    case position_kind::ids_f32:
      for (std::size_t t = 0; t < tokens; ++t) d.idsf.push_back(any_float());
      for (float p : d.idsf) one_axis(p);
      d.pos = cope::positions::from_ids(d.idsf.data(), tokens);
      break;
    case position_kind::ragged_i32:
    case position_kind::ragged_i64:
    case position_kind::ragged_f32: {
      // Requests of random lengths (some empty), each at its own offset (fractional: a multiple of 1/4).
      d.indptr64.push_back(0);
      while (d.indptr64.back() < static_cast<std::int64_t>(tokens)) {
        const std::int64_t len = std::min<std::int64_t>(std::uniform_int_distribution<std::int64_t>(0, 40)(rng),
                                                        static_cast<std::int64_t>(tokens) - d.indptr64.back());
        const std::int64_t offset = std::uniform_int_distribution<std::int64_t>(0, max_pos - std::max<std::int64_t>(len, 1) + 1)(rng);
        const float offset_f = kind == position_kind::ragged_f32 && fractional
                                   ? static_cast<float>(offset % (1 << 20)) + 0.25f * static_cast<float>(offset % 4)
                                   : static_cast<float>(offset % (1 << 24));
        d.offsets64.push_back(offset);
        d.offsetsf.push_back(offset_f);
        for (std::int64_t i = 0; i < len; ++i)
          one_axis(kind == position_kind::ragged_f32 ? static_cast<double>(offset_f) + static_cast<double>(i)
                                                     : static_cast<double>(offset + i));
        d.indptr64.push_back(d.indptr64.back() + len);
      }
      d.indptr32.assign(d.indptr64.begin(), d.indptr64.end());
      d.offsets32.assign(d.offsets64.begin(), d.offsets64.end());
      if (kind == position_kind::ragged_f32)
        d.pos = cope::positions::ragged(d.indptr32.data(), d.offsetsf.data(), d.offsetsf.size());
      else
        d.pos = kind == position_kind::ragged_i32
                    ? cope::positions::ragged(d.indptr32.data(), d.offsets32.data(), d.offsets32.size())
                    : cope::positions::ragged(d.indptr64.data(), d.offsets64.data(), d.offsets64.size());
      break;
    }
    case position_kind::multi_axis_i32:
    case position_kind::multi_axis_i64:
    case position_kind::multi_axis_f32: {
      // K streams, axis-major or token-major ([tokens][K], padded to K + 1), text tokens (all axes
      // equal) among vision ones.
      const std::size_t axes = std::uniform_int_distribution<std::size_t>(1, cope::max_axes)(rng);
      const bool token_major = rng() % 2 == 0;
      const std::ptrdiff_t axis_stride = token_major ? 1 : static_cast<std::ptrdiff_t>(tokens);
      const std::ptrdiff_t token_stride = token_major ? static_cast<std::ptrdiff_t>(axes + 1) : 1;
      const std::size_t size = token_major ? tokens * (axes + 1) : axes * tokens;
      d.ids64.assign(size, -1);
      d.idsf.assign(size, -1.0f);
      for (std::size_t t = 0; t < tokens; ++t) {
        std::array<double, cope::max_axes> v{};
        const bool text = rng() % 3 == 0;
        for (std::size_t a = 0; a < axes; ++a) {
          const std::size_t i = a * static_cast<std::size_t>(axis_stride) + t * static_cast<std::size_t>(token_stride);
          if (kind == position_kind::multi_axis_f32) {
            d.idsf[i] = text && a > 0 ? d.idsf[t * static_cast<std::size_t>(token_stride)] : any_float();
            v[a] = d.idsf[i];
          } else {
            d.ids64[i] = text && a > 0 ? d.ids64[t * static_cast<std::size_t>(token_stride)] : any(rng);
            v[a] = static_cast<double>(d.ids64[i]);
          }
        }
        d.of_token.push_back(v);
      }
      d.ids32.assign(d.ids64.begin(), d.ids64.end());
      d.map = std::make_unique<cope::axis_map>(random_map(pairs, axes, rng));
      if (kind == position_kind::multi_axis_i32)
        d.pos = cope::positions::multi_axis(d.ids32.data(), axes, tokens, axis_stride, token_stride);
      else if (kind == position_kind::multi_axis_i64)
        d.pos = cope::positions::multi_axis(d.ids64.data(), axes, tokens, axis_stride, token_stride);
      else
        d.pos = cope::positions::multi_axis(d.idsf.data(), axes, tokens, axis_stride, token_stride);
      break;
    }
  }
  return d;
}

// ---- one case against the reference ---------------------------------------------------------------

struct kernel_case {
  cope::spectrum s;
  layout pairing;
  dtype in, out;
  direction dir;
  bool in_place, use_table;
  position_kind positions;
  std::size_t tokens, head_dim, rotary_offset, head_pad, token_pad, q_heads, k_heads;
};

std::string describe(const kernel_case& c) {
  return std::string(cope::to_string(c.pairing)) + " " + cope::to_string(c.in) + "->" + cope::to_string(c.out) + " " +
         cope::to_string(c.dir) + (c.in_place ? " in-place" : " out-of-place") + (c.use_table ? " table" : " on-the-fly") +
         " positions=" + std::to_string(static_cast<int>(c.positions)) + " tokens=" + std::to_string(c.tokens) +
         " head_dim=" + std::to_string(c.head_dim) + " rotary_dim=" + std::to_string(c.s.rotary_dim) + "@" +
         std::to_string(c.rotary_offset) + " pads=" + std::to_string(c.head_pad) + "/" + std::to_string(c.token_pad) +
         " heads=" + std::to_string(c.q_heads) + "/" + std::to_string(c.k_heads) + " " + c.s.rope_type +
         (c.s.clip != cope::clip_kind::none ? "+clip" : "");
}

// Largest error of an output row against the reference, in units of the allowed error (<= 1 passes).
double row_error(const kernel_case& c, const buffer& input, const buffer& output, std::size_t t, std::size_t h,
                 const position_data& pd) {
  std::vector<double> x(c.head_dim), y(c.head_dim);
  for (std::size_t i = 0; i < c.head_dim; ++i) x[i] = input.at(t, h, i);
  const std::size_t n = static_cast<std::size_t>(c.s.pairs());
  std::vector<double> pair_position(n);
  for (std::size_t j = 0; j < n; ++j) pair_position[j] = pd.of_pair(t, j);
  cope::reference_rotate_per_pair(c.s, c.pairing, c.dir, pair_position.data(), x.data(), y.data(),
                                  static_cast<int>(c.head_dim), static_cast<int>(c.rotary_offset));
  const double scale = c.dir == direction::forward ? c.s.attention_factor : 1.0 / c.s.attention_factor;
  double worst = 0;
  for (std::size_t i = 0; i < c.head_dim; ++i) {
    const double got = output.at(t, h, i);
    if (i < c.rotary_offset || i >= c.rotary_offset + 2 * n) {  // passed through (converted if out of place)
      worst = std::max(worst, got == static_cast<double>(representable(c.out, static_cast<float>(x[i]))) ? 0.0 : 1e9);
      continue;
    }
    const std::size_t r = i - c.rotary_offset;
    const std::size_t j = c.pairing == layout::rotate_half ? r % n : r / 2;
    const std::size_t ix = c.rotary_offset + (c.pairing == layout::rotate_half ? j : 2 * j);
    const std::size_t iy = c.rotary_offset + (c.pairing == layout::rotate_half ? j + n : 2 * j + 1);
    const double norm = std::hypot(x[ix], x[iy]) * scale;
    const double allowed = half_ulp(c.out, y[i]) + 4e-7 * norm + 1e-30;
    worst = std::max(worst, std::abs(got - y[i]) / allowed);
  }
  return worst;
}

void run_case(const kernel_case& c, std::mt19937_64& rng) {
  INFO(describe(c));
  // Tables cover positions 0..4095 here (large positions in tables: see the table tests); on the fly,
  // positions range up to 2^24.
  const cope::rope_table table = c.use_table ? cope::make_table(c.s, 4096) : cope::rope_table{};
  const std::int64_t max_pos = c.use_table ? 4095 : std::int64_t{1} << 24;
  const position_data pd =
      make_positions(c.positions, c.tokens, static_cast<std::size_t>(c.s.pairs()), max_pos, !c.use_table, rng);

  buffer q(c.in, c.tokens, c.q_heads, c.head_dim, c.head_pad, c.token_pad);
  buffer k(c.in, c.tokens, c.k_heads, c.head_dim, c.head_pad, c.token_pad);
  fill_random(q, rng);
  fill_random(k, rng);
  const buffer q_before = q, k_before = k;
  buffer q_out = c.in_place ? q : buffer(c.out, c.tokens, c.q_heads, c.head_dim, c.head_pad + 1, c.token_pad);
  buffer k_out = c.in_place ? k : buffer(c.out, c.tokens, c.k_heads, c.head_dim, c.head_pad, c.token_pad + 3);

  cope::rope_args args;
  args.q = q.view();
  args.k = k.view();
  args.q_out = c.in_place ? q.view() : q_out.view();
  args.k_out = c.in_place ? k.view() : k_out.view();
  args.pos = pd.pos;
  args.pairing = c.pairing;
  args.dir = c.dir;
  args.rotary_offset = c.rotary_offset;
  args.pair_axes = pd.map.get();
  const cope::status st = c.use_table ? cope::try_apply_rope(table.view(), args) : cope::try_apply_rope(c.s, args);
  INFO(st.message());
  REQUIRE(st.ok());

  const buffer& q_result = c.in_place ? q : q_out;
  const buffer& k_result = c.in_place ? k : k_out;
  double worst = 0;
  for (std::size_t t = 0; t < c.tokens; ++t) {
    for (std::size_t h = 0; h < c.q_heads; ++h) worst = std::max(worst, row_error(c, q_before, q_result, t, h, pd));
    for (std::size_t h = 0; h < c.k_heads; ++h) worst = std::max(worst, row_error(c, k_before, k_result, t, h, pd));
  }
  CHECK(worst <= 1.0);
  // Nothing outside the rows was written: padding keeps its sentinel; out of place, inputs are untouched.
  for (const buffer* b : {&q_result, &k_result})
    for (std::size_t e = 0; e < b->span(); ++e)
      if (b->is_padding(e)) REQUIRE(get(b->bytes.data(), b->type, e) == representable(b->type, buffer::sentinel));
  if (!c.in_place) {
    CHECK(q.bytes == q_before.bytes);
    CHECK(k.bytes == k_before.bytes);
  }
}

std::vector<cope::spectrum> test_spectra(std::size_t head_dim, std::size_t rotary_dim) {
  // int(head_dim * partial) must give rotary_dim back: aim half a dimension above it unless it is all.
  const double partial = rotary_dim == head_dim ? 1.0 : (static_cast<double>(rotary_dim) + 0.5) / static_cast<double>(head_dim);
  cope::yarn_parameters yarn;  // attention factor 1.1386
  yarn.rope_theta = 1e7;
  yarn.factor = 4.0;
  yarn.original_max_position_embeddings = 65536;
  yarn.partial_rotary_factor = partial;
  const int hd = static_cast<int>(head_dim);
  const cope::spectrum base = cope::rope_default(hd, {1e4, partial});
  return {base, cope::cope_clip(cope::rope_yarn(hd, yarn), base.pairs() / 3),
          cope::hard_clip(cope::rope_default(hd, {5e5, partial}), base.pairs() / 4)};
}

}  // namespace

TEST_CASE("kernels: this executable runs the path it was built for") {
  INFO("active " << cope::active_isa());
  CHECK(std::string(cope::active_isa()) == COPE_TEST_EXPECTED_ISA);
}

TEST_CASE("kernels match the double reference: layouts x types x directions x placement x sources x positions") {
  std::mt19937_64 rng(20260211);
  const std::size_t token_counts[] = {1, 3, 19, 99, 1000};
  const std::size_t head_dims[] = {64, 80, 96, 128, 256};
  const std::pair<dtype, dtype> types[] = {{dtype::f32, dtype::f32},
                                           {dtype::f16, dtype::f16},
                                           {dtype::bf16, dtype::bf16},
                                           {dtype::f32, dtype::f16},
                                           {dtype::f32, dtype::bf16}};
  const position_kind kinds[] = {position_kind::offset,         position_kind::ids_i32,
                                 position_kind::ids_i64,        position_kind::ids_f32,
                                 position_kind::ragged_i32,     position_kind::ragged_i64,
                                 position_kind::ragged_f32,     position_kind::multi_axis_i32,
                                 position_kind::multi_axis_i64, position_kind::multi_axis_f32};
  std::size_t n = 0;
  std::vector<std::size_t> seen_tokens, seen_head_dims, seen_rotary_kinds;  // coverage, asserted below
  for (layout pairing : {layout::rotate_half, layout::interleaved})
    for (const auto& [in, out] : types)
      for (direction dir : {direction::forward, direction::inverse})
        for (bool in_place : {true, false})
          for (bool use_table : {true, false})
            for (position_kind kind : kinds) {
              if (in_place && in != out) continue;  // in place needs one storage type
              ++n;
              // Shapes cycle through the awkward values so every one meets every other axis often.
              const std::size_t head_dim = head_dims[n % 5];
              const std::size_t tokens = token_counts[(n / 5) % 5] == 1000 && n % 3 != 0 ? 99 : token_counts[(n / 5) % 5];
              const std::size_t rotary_dim = n % 4 == 0 ? head_dim / 2 : (n % 4 == 1 ? head_dim - 2 * 7 : head_dim);
              const std::size_t rotary_offset = rotary_dim == head_dim ? 0 : (n % 3) * ((head_dim - rotary_dim) / 2);
              const std::vector<cope::spectrum> spectra = test_spectra(head_dim, rotary_dim);
              seen_tokens.push_back(tokens);
              seen_head_dims.push_back(head_dim);
              seen_rotary_kinds.push_back(rotary_dim == head_dim ? 0 : rotary_offset == 0 ? 1 : 2);
              kernel_case c{spectra[n % spectra.size()], pairing, in, out, dir, in_place, use_table, kind, tokens,
                            head_dim, rotary_offset, n % 2 ? std::size_t{3} : 0, n % 3 ? std::size_t{5} : 0, 1 + n % 4, 1 + n % 2};
              c.s.head_dim = static_cast<int>(head_dim);
              run_case(c, rng);
            }
  CHECK(n == 640);
  auto count = [](const std::vector<std::size_t>& v, std::size_t x) { return std::count(v.begin(), v.end(), x); };
  for (std::size_t t : token_counts) CHECK(count(seen_tokens, t) >= 8);
  for (std::size_t d : head_dims) CHECK(count(seen_head_dims, d) >= 40);
  for (std::size_t r : {0, 1, 2}) CHECK(count(seen_rotary_kinds, r) >= 40);  // full, partial, windowed
}

TEST_CASE("kernels: bf16 rows are the float32 kernel's results rounded once (rotate-half)") {
  // bf16 -> bf16 rows take their own loops (AVX-512: split into even and odd lanes, kernels_inl.hpp);
  // with the inputs widened exactly, the f32 -> bf16 call must give the same bits.
  std::mt19937_64 rng(20261122);
  for (std::size_t head_dim : {64, 96, 128, 256})
    for (bool in_place : {true, false})
      for (bool use_table : {true, false}) {
        INFO("head_dim " << head_dim << (in_place ? " in place" : " out of place") << (use_table ? " table" : " on the fly"));
        const std::size_t tokens = 37, heads = 3, n = tokens * heads * head_dim;
        const cope::spectrum s = cope::rope_default(static_cast<int>(head_dim), {1e4, 1.0});
        const cope::rope_table table = cope::make_table(s, 4096);
        std::vector<cope::bfloat16> x(n), bf16_out(n);
        std::vector<float> x32(n);
        std::uniform_real_distribution<float> u(-2.0f, 2.0f);
        for (std::size_t i = 0; i < n; ++i) {
          x[i] = cope::to_bfloat16(u(rng));
          x32[i] = cope::to_float(x[i]);
        }
        std::vector<cope::bfloat16> from_f32(n);
        const auto hd = static_cast<std::ptrdiff_t>(head_dim), row = static_cast<std::ptrdiff_t>(heads * head_dim);
        const cope::tensor_view v32{x32.data(), dtype::f32, tokens, heads, head_dim, row, hd, n};
        const cope::tensor_view v32_out{from_f32.data(), dtype::bf16, tokens, heads, head_dim, row, hd, n};
        const cope::tensor_view v16{x.data(), dtype::bf16, tokens, heads, head_dim, row, hd, n};
        cope::tensor_view v16_out = v16;
        if (!in_place) v16_out.data = bf16_out.data();
        const cope::positions pos = cope::positions::from_offset(1000);
        const auto a32 = cope::rope_args::out_of_place(v32, v32_out, {}, {}, pos, layout::rotate_half);
        const auto a16 = cope::rope_args::out_of_place(v16, v16_out, {}, {}, pos, layout::rotate_half);
        REQUIRE((use_table ? cope::try_apply_rope(table.view(), a32) : cope::try_apply_rope(s, a32)).ok());
        REQUIRE((use_table ? cope::try_apply_rope(table.view(), a16) : cope::try_apply_rope(s, a16)).ok());
        const std::vector<cope::bfloat16>& got = in_place ? x : bf16_out;
        std::size_t differ = 0;
        for (std::size_t i = 0; i < n; ++i) differ += got[i].bits != from_f32[i].bits;
        CHECK(differ == 0);
      }
}
