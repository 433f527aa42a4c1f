// shift_keys (apply.hpp): cached keys re-rotated by a position delta, once per compiled path (built into
// the kernel test executables beside apply_kernels.cpp). Keys rotated at p and shifted by d match keys
// rotated at p + d within 8e-7 of the pair norm (two roundings); shifting by d then -d returns the
// input within the same bound; the rotation is pure whatever the spectrum's attention factor.
#include <catch2/catch.hpp>

#include "cope/cope.hpp"

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace {

using cope::layout;

const std::size_t head_dim = 128, heads = 2;

// YaRN (attention factor 1.1386) with and without CoPE: the factor must not be applied twice.
std::vector<cope::spectrum> shift_spectra() {
  cope::yarn_parameters yarn;
  yarn.rope_theta = 1e6;
  yarn.factor = 4.0;
  yarn.original_max_position_embeddings = 32768;
  const cope::spectrum y = cope::rope_yarn(static_cast<int>(head_dim), yarn);
  return {y, cope::cope_clip(y, 20)};
}

std::vector<float> random_keys(std::mt19937_64& rng, std::size_t tokens) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(tokens * heads * head_dim);
  for (float& x : v) x = u(rng);
  return v;
}

// Each pair of a row: |a - b| <= bound * |pair of b|, for rows of `pairs` rotated pairs.
void check_pairs_close(const std::vector<float>& a, const std::vector<double>& b, layout pairing, std::size_t row,
                       double bound) {
  const std::size_t n = head_dim / 2;
  for (std::size_t j = 0; j < n; ++j) {
    const std::size_t ix = row * head_dim + (pairing == layout::rotate_half ? j : 2 * j);
    const std::size_t iy = row * head_dim + (pairing == layout::rotate_half ? j + n : 2 * j + 1);
    const double norm = std::hypot(b[ix], b[iy]);
    INFO("row " << row << " pair " << j);
    CHECK(std::abs(a[ix] - b[ix]) <= bound * norm + 1e-30);
    CHECK(std::abs(a[iy] - b[iy]) <= bound * norm + 1e-30);
  }
}

// The double reference of keys at positions[t] (forward, with the attention factor).
std::vector<double> reference_keys(const cope::spectrum& s, layout pairing, const std::vector<float>& k,
                                   const std::vector<std::int64_t>& positions) {
  std::vector<double> out(k.size());
  for (std::size_t t = 0; t < positions.size(); ++t)
    for (std::size_t h = 0; h < heads; ++h) {
      const std::size_t row = (t * heads + h) * head_dim;
      std::vector<double> in(k.begin() + static_cast<std::ptrdiff_t>(row),
                             k.begin() + static_cast<std::ptrdiff_t>(row + head_dim));
      cope::reference_rotate(s, pairing, cope::direction::forward, positions[t], in.data(), out.data() + row,
                             static_cast<int>(head_dim));
    }
  return out;
}

}  // namespace

TEST_CASE("shift_keys: keys rotated at p and shifted by d match keys rotated at p + d (YaRN, CoPE)") {
  std::mt19937_64 rng(11);
  const std::vector<std::int64_t> p = {4, 5, 1000, 70000, 4000, 12};
  const std::size_t tokens = p.size();
  const std::vector<std::int32_t> d = {3, 0, -999, -70000, 123, 60000};  // per token, negative allowed
  for (const cope::spectrum& s : shift_spectra()) {
    const cope::rope_table table = cope::make_table(s, 1 << 17);
    for (layout pairing : {layout::rotate_half, layout::interleaved})
      for (bool use_table : {false, true})
        for (bool per_token : {false, true}) {
          INFO("attention_factor " << s.attention_factor << ", clip " << cope::to_string(s.clip) << ", "
                                   << cope::to_string(pairing) << (use_table ? ", table" : ", on the fly")
                                   << (per_token ? ", per-token deltas" : ", constant delta -4"));
          const std::vector<float> x = random_keys(rng, tokens);
          std::vector<float> k = x;
          cope::apply_rope(s, cope::rope_args::in_place(cope::make_view(k.data(), tokens, heads, head_dim), {},
                                                        cope::positions::from_ids(p.data(), tokens), pairing));
          const cope::position_delta delta =
              per_token ? cope::position_delta::per_token(d.data(), tokens) : cope::position_delta::constant(-4);
          std::vector<std::int64_t> moved(tokens);
          for (std::size_t t = 0; t < tokens; ++t) moved[t] = p[t] + (per_token ? d[t] : -4);
          const cope::shift_args a = cope::shift_args::make(cope::make_view(k.data(), tokens, heads, head_dim), delta, pairing);
          if (use_table)
            cope::shift_keys(table.view(), a);
          else
            cope::shift_keys(s, a);
          const std::vector<double> expected = reference_keys(s, pairing, x, moved);
          for (std::size_t row = 0; row < tokens * heads; ++row) check_pairs_close(k, expected, pairing, row, 8e-7);
        }
  }
}

TEST_CASE("shift_keys: a shift by d then -d returns the input") {
  std::mt19937_64 rng(12);
  for (const cope::spectrum& s : shift_spectra()) {
    const cope::rope_table table = cope::make_table(s, 1 << 17);
    for (layout pairing : {layout::rotate_half, layout::interleaved})
      for (bool use_table : {false, true})
        for (std::int64_t d : {std::int64_t{1}, std::int64_t{-37}, std::int64_t{100000}}) {
          const std::vector<float> x = random_keys(rng, 3);
          std::vector<float> k = x;
          const cope::tensor_view v = cope::make_view(k.data(), 3, heads, head_dim);
          for (std::int64_t step : {d, -d}) {
            const cope::shift_args a = cope::shift_args::make(v, cope::position_delta::constant(step), pairing);
            if (use_table)
              cope::shift_keys(table.view(), a);
            else
              cope::shift_keys(s, a);
          }
          const std::vector<double> x64(x.begin(), x.end());
          for (std::size_t row = 0; row < 3 * heads; ++row) check_pairs_close(k, x64, pairing, row, 8e-7);
        }
  }
}

TEST_CASE("shift_keys: a pure rotation, whatever the attention factor (shift by 0 on the fly is the identity)") {
  std::mt19937_64 rng(13);
  const cope::spectrum s = shift_spectra()[0];
  REQUIRE(s.attention_factor > 1.1);
  const std::vector<float> x = random_keys(rng, 4);
  std::vector<float> k = x;
  cope::shift_keys(s, cope::shift_args::make(cope::make_view(k.data(), 4, heads, head_dim), cope::position_delta::constant(0)));
  CHECK(k == x);
}

TEST_CASE("shift_keys: every storage type, both layouts, against the reference rotation of the stored keys") {
  std::mt19937_64 rng(14);
  const cope::spectrum s = shift_spectra()[1];
  const std::vector<std::int64_t> d = {-5, 17, 30000};
  for (layout pairing : {layout::rotate_half, layout::interleaved})
    for (cope::dtype type : {cope::dtype::f16, cope::dtype::bf16}) {
      const std::vector<float> x = random_keys(rng, 3);
      std::vector<cope::float16> h(x.size());
      std::vector<cope::bfloat16> b(x.size());
      std::vector<float> stored(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) {
        h[i] = cope::to_float16(x[i]);
        b[i] = cope::to_bfloat16(x[i]);
        stored[i] = type == cope::dtype::f16 ? cope::to_float(h[i]) : cope::to_float(b[i]);
      }
      const cope::tensor_view v = type == cope::dtype::f16 ? cope::make_view(h.data(), 3, heads, head_dim)
                                                           : cope::make_view(b.data(), 3, heads, head_dim);
      cope::shift_keys(s, cope::shift_args::make(v, cope::position_delta::per_token(d.data(), 3), pairing));
      // The pure rotation by d of the stored keys: the reference with attention factor 1, by |d|, inverse
      // where d < 0.
      cope::spectrum unit = s;
      unit.attention_factor = 1.0;
      std::vector<double> rotated(x.size());
      for (std::size_t t = 0; t < 3; ++t)
        for (std::size_t hh = 0; hh < heads; ++hh) {
          const std::size_t row = (t * heads + hh) * head_dim;
          std::vector<double> in(stored.begin() + static_cast<std::ptrdiff_t>(row),
                                 stored.begin() + static_cast<std::ptrdiff_t>(row + head_dim));
          cope::reference_rotate(unit, pairing, d[t] < 0 ? cope::direction::inverse : cope::direction::forward,
                                 d[t] < 0 ? -d[t] : d[t], in.data(), rotated.data() + row, static_cast<int>(head_dim));
        }
      std::vector<float> got(x.size());
      for (std::size_t i = 0; i < x.size(); ++i)
        got[i] = type == cope::dtype::f16 ? cope::to_float(h[i]) : cope::to_float(b[i]);
      // Half an ulp of the storage format (2^-11 f16, 2^-8 bf16, relative) plus the float32 bound.
      const double bound = (type == cope::dtype::f16 ? 0x1p-11 : 0x1p-8) + 8e-7;
      for (std::size_t row = 0; row < 3 * heads; ++row) check_pairs_close(got, rotated, pairing, row, bound);
    }
}

TEST_CASE("shift_keys validation: deltas beyond the table or the exact range, counts, nulls; nothing written") {
  const cope::spectrum s = shift_spectra()[0];
  const cope::rope_table table = cope::make_table(s, 100);
  std::vector<float> k(2 * heads * head_dim, 0.5f);
  const std::vector<float> before = k;
  const cope::tensor_view v = cope::make_view(k.data(), 2, heads, head_dim);
  auto expect_error = [&](const cope::status& st, cope::errc code, const std::string& text) {
    INFO(st.message());
    CHECK(st.code() == code);
    CHECK(st.message().find(text) != std::string::npos);
    CHECK(k == before);
  };
  expect_error(cope::try_shift_keys(table.view(), cope::shift_args::make(v, cope::position_delta::constant(100))),
               cope::errc::invalid_position, "shift_keys: delta (100) is beyond +-the table's last position (99)");
  expect_error(cope::try_shift_keys(table.view(), cope::shift_args::make(v, cope::position_delta::constant(-100))),
               cope::errc::invalid_position, "delta (-100)");
  expect_error(cope::try_shift_keys(s, cope::shift_args::make(v, cope::position_delta::constant(INT64_MIN))),
               cope::errc::invalid_position, "is beyond +-the largest exact position");
  const std::int64_t deltas[2] = {1, -(std::int64_t{1} << 30)};
  expect_error(cope::try_shift_keys(s, cope::shift_args::make(v, cope::position_delta::per_token(deltas, 2))),
               cope::errc::invalid_position, "at token 1");
  expect_error(cope::try_shift_keys(s, cope::shift_args::make(v, cope::position_delta::per_token(deltas, 3))),
               cope::errc::invalid_position, "3 per-token deltas for 2 tokens");
  expect_error(cope::try_shift_keys(s, cope::shift_args::make(v, cope::position_delta::per_token(static_cast<const std::int32_t*>(nullptr), 2))),
               cope::errc::null_data, "per-token deltas are null");
  cope::shift_args range = cope::shift_args::make(v, cope::position_delta::constant(1));
  range.token_begin = 3;
  expect_error(cope::try_shift_keys(s, range), cope::errc::invalid_position, "token_begin (3) is after token_end (2)");
  expect_error(cope::try_shift_keys(s, cope::shift_args::make(cope::make_view(static_cast<float*>(nullptr), 2, heads, head_dim),
                                                                cope::position_delta::constant(1))),
               cope::errc::null_data, "shift_keys: k is null");
#if COPE_EXCEPTIONS
  CHECK_THROWS_AS(cope::shift_keys(table.view(), cope::shift_args::make(v, cope::position_delta::constant(200))), cope::error);
#endif
}
