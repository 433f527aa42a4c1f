// Properties through the kernels, once per compiled path (built into the same executables as
// apply_kernels.cpp): norms kept, relative-position invariance up to 2^24, inverse undoing forward,
// zero frequencies passing through, exact table rows (golden exact_cos / exact_sin), token ranges,
// q + k in one call, engine-owned tables, and no access past a view (guard page).
#include <catch2/catch.hpp>

#include "cope/cope.hpp"
#include "support/storage.hpp"
#include "support/golden.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#if defined(__unix__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace {

using cope::direction;
using cope::layout;

std::vector<float> random_floats(std::mt19937_64& rng, std::size_t n) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

std::vector<cope::spectrum> spectra() {
  cope::yarn_parameters yarn;
  yarn.rope_theta = 1e7;
  yarn.factor = 4.0;
  yarn.original_max_position_embeddings = 65536;
  return {cope::rope_default(128, {1e4, 1.0}), cope::cope_clip(cope::rope_yarn(128, yarn), 20),
          cope::rope_default(96, {5e5, 0.5})};
}

// Rotates `heads` contiguous rows of one token in place at `position`, on the fly or from `table`.
void rotate(const cope::spectrum& s, const cope::rope_table* table, layout pairing, direction dir, std::int64_t position,
            std::vector<float>& x, std::size_t heads) {
  const std::size_t head_dim = x.size() / heads;
  cope::rope_args a = cope::rope_args::in_place(cope::make_view(x.data(), 1, heads, head_dim), {},
                                                cope::positions::from_offset(position), pairing);
  a.dir = dir;
  if (table != nullptr)
    cope::apply_rope(table->view(), a);
  else
    cope::apply_rope(s, a);
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

}  // namespace

TEST_CASE("properties: rotation keeps each pair's norm, times the attention factor") {
  std::mt19937_64 rng(1);
  for (const cope::spectrum& s : spectra()) {
    const cope::rope_table table = cope::make_table(s, 4096);
    const std::size_t n = static_cast<std::size_t>(s.pairs());
    for (layout pairing : {layout::rotate_half, layout::interleaved})
      for (std::int64_t p : {std::int64_t{0}, std::int64_t{4095}, std::int64_t{1000003}, std::int64_t{1} << 24}) {
        const std::vector<float> x = random_floats(rng, static_cast<std::size_t>(s.head_dim));
        std::vector<float> y = x;
        rotate(s, p < 4096 ? &table : nullptr, pairing, direction::forward, p, y, 1);
        for (std::size_t j = 0; j < n; ++j) {
          const std::size_t ix = pairing == layout::rotate_half ? j : 2 * j;
          const std::size_t iy = pairing == layout::rotate_half ? j + n : 2 * j + 1;
          const double before = std::hypot(x[ix], x[iy]), after = std::hypot(y[ix], y[iy]);
          CHECK(std::abs(after - s.attention_factor * before) <= 4e-7 * s.attention_factor * before + 1e-30);
        }
      }
  }
}

TEST_CASE("properties: q(m).k(n) depends only on m - n, up to 2^24") {
  std::mt19937_64 rng(2);
  for (const cope::spectrum& s : spectra())
    for (layout pairing : {layout::rotate_half, layout::interleaved}) {
      const std::vector<float> q = random_floats(rng, static_cast<std::size_t>(s.head_dim));
      const std::vector<float> k = random_floats(rng, static_cast<std::size_t>(s.head_dim));
      const double scale = std::sqrt(dot(q, q) * dot(k, k)) * s.attention_factor * s.attention_factor;
      for (std::int64_t delta : {std::int64_t{0}, std::int64_t{5}, std::int64_t{40000}}) {
        auto score = [&](std::int64_t m) {
          std::vector<float> qm = q, kn = k;
          rotate(s, nullptr, pairing, direction::forward, m + delta, qm, 1);
          rotate(s, nullptr, pairing, direction::forward, m, kn, 1);
          return dot(qm, kn);
        };
        const double at_origin = score(0);
        for (std::int64_t m : {std::int64_t{1}, std::int64_t{65536}, std::int64_t{1000000}, (std::int64_t{1} << 24) - delta}) {
          INFO("delta " << delta << " m " << m);
          CHECK(std::abs(score(m) - at_origin) <= 2e-6 * scale);
        }
      }
    }
}

TEST_CASE("properties: inverse undoes forward (table and on the fly, both layouts)") {
  std::mt19937_64 rng(3);
  for (const cope::spectrum& s : spectra()) {
    const cope::rope_table table = cope::make_table(s, 4096);
    for (layout pairing : {layout::rotate_half, layout::interleaved})
      for (bool use_table : {true, false})
        for (std::int64_t p : {std::int64_t{7}, std::int64_t{4095}}) {
          const std::vector<float> x = random_floats(rng, static_cast<std::size_t>(2 * s.head_dim));
          std::vector<float> y = x;
          rotate(s, use_table ? &table : nullptr, pairing, direction::forward, p, y, 2);
          rotate(s, use_table ? &table : nullptr, pairing, direction::inverse, p, y, 2);
          for (std::size_t i = 0; i < x.size(); ++i) CHECK(std::abs(y[i] - x[i]) <= 1e-6);
        }
  }
}

TEST_CASE("properties: zero-frequency (clipped) pairs pass through unchanged") {
  std::mt19937_64 rng(4);
  const cope::spectrum s = cope::hard_clip(cope::rope_default(128, {1e4, 1.0}), 20);
  const cope::spectrum c = cope::cope_clip(cope::rope_default(128, {1e4, 1.0}), 20);
  const cope::rope_table table = cope::make_table(s, 2048);
  for (layout pairing : {layout::rotate_half, layout::interleaved})
    for (std::int64_t p : {std::int64_t{1}, std::int64_t{2047}, std::int64_t{12345678}}) {
      const std::vector<float> x = random_floats(rng, 128);
      std::vector<float> y = x, z = x;
      rotate(s, p < 2048 ? &table : nullptr, pairing, direction::forward, p, y, 1);
      rotate(c, nullptr, pairing, direction::forward, p, z, 1);
      for (std::size_t j = 44; j < 64; ++j) {
        const std::size_t ix = pairing == layout::rotate_half ? j : 2 * j;
        const std::size_t iy = pairing == layout::rotate_half ? j + 64 : 2 * j + 1;
        CHECK(y[ix] == x[ix]);
        CHECK(y[iy] == x[iy]);
      }
      const std::size_t last_x = pairing == layout::rotate_half ? 63 : 126, last_y = last_x + (pairing == layout::rotate_half ? 64 : 1);
      CHECK(z[last_x] == x[last_x]);  // CoPE's lowest pair: weight exactly 0
      CHECK(z[last_y] == x[last_y]);
    }
}

TEST_CASE("tables: rows match the golden exact_cos / exact_sin up to position 1e6") {
  const cope_test::json& data = cope_test::golden();
  for (const cope_test::json& c : data.at("cases")) {
    INFO(c.at("name").get<std::string>());
    cope::spectrum s;  // exactly the reference's inv_freq
    for (const cope_test::json& v : c.at("inv_freq")) {
      s.inv_freq.push_back(static_cast<float>(v.get<double>()));
      s.inv_freq_f64.push_back(v.get<double>());
    }
    s.rotary_dim = 2 * s.pairs();
    s.head_dim = s.rotary_dim;
    s.attention_factor = c.at("attention_factor").get<double>();
    const std::size_t n = s.inv_freq.size();
    std::vector<float> row(2 * n);
    const cope_test::json& positions = c.at("positions");
    for (std::size_t i = 0; i < positions.size(); ++i) {
      const auto p = static_cast<std::int64_t>(positions[i].get<double>());
      cope::fill_table(s, p, 1, row.data(), static_cast<std::ptrdiff_t>(2 * n));
      for (std::size_t j = 0; j < n; ++j) {
        INFO("position " << p << " pair " << j);
        // One float32 rounding of values of magnitude <= attention_factor: at most 2^-24 of it.
        const double tol = 0x1p-24 * s.attention_factor;
        CHECK(std::abs(row[j] - c.at("exact_cos")[i][j].get<double>()) <= tol);
        CHECK(std::abs(row[n + j] - c.at("exact_sin")[i][j].get<double>()) <= tol);
      }
      // On the fly uses the same angles: rotating (1, 0) in every pair gives the table row.
      std::vector<float> x(2 * n, 0.0f);
      for (std::size_t j = 0; j < n; ++j) x[j] = 1.0f;
      rotate(s, nullptr, layout::rotate_half, direction::forward, p, x, 1);
      for (std::size_t j = 0; j < n; ++j) {
        CHECK(x[j] == row[j]);
        CHECK(x[n + j] == row[n + j]);
      }
    }
  }
}

TEST_CASE("tables: exact at every position up to 2^24") {
  std::mt19937_64 rng(5);
  for (const cope::spectrum& s : spectra()) {
    const std::size_t n = static_cast<std::size_t>(s.pairs());
    std::vector<std::int64_t> positions = {(std::int64_t{1} << 24) - 3, std::int64_t{1} << 24, 8388609, 16777213};
    for (int i = 0; i < 16; ++i) positions.push_back(std::uniform_int_distribution<std::int64_t>(0, std::int64_t{1} << 24)(rng));
    std::vector<float> row(2 * n);
    for (std::int64_t p : positions) {
      cope::fill_table(s, p, 1, row.data(), static_cast<std::ptrdiff_t>(2 * n));
      for (std::size_t j = 0; j < n; ++j) {
        const double a = static_cast<double>(p) * static_cast<double>(s.inv_freq[j]);
        CHECK(std::abs(row[j] - s.attention_factor * std::cos(a)) <= 0x1p-24 * s.attention_factor);
        CHECK(std::abs(row[n + j] - s.attention_factor * std::sin(a)) <= 0x1p-24 * s.attention_factor);
      }
    }
  }
}

TEST_CASE("tables: fill_table writes rows into an engine's strided buffer") {
  const cope::spectrum s = cope::rope_default(64, {1e4, 1.0});
  const cope::rope_table table = cope::make_table(s, 100);
  const std::ptrdiff_t stride = 64 + 5;
  std::vector<float> cache(static_cast<std::size_t>(30 * stride), -1.0f);
  cope::fill_table(s, 70, 30, cache.data(), stride);
  for (std::size_t i = 0; i < 30; ++i)
    for (std::size_t e = 0; e < static_cast<std::size_t>(stride); ++e) {
      const float got = cache[i * static_cast<std::size_t>(stride) + e];
      if (e < 64)
        CHECK(got == table.values[(70 + i) * 64 + e]);
      else
        CHECK(got == -1.0f);
    }
  CHECK(table.cos(3)[5] == table.values[3 * 64 + 5]);
  CHECK(table.sin(3)[5] == table.values[3 * 64 + 32 + 5]);
}

TEST_CASE("kernels: a token range splits the work exactly") {
  std::mt19937_64 rng(6);
  const cope::spectrum s = spectra()[1];
  std::vector<float> whole = random_floats(rng, 37 * 4 * 128);
  std::vector<float> split = whole;
  auto args = [&](std::vector<float>& v) {
    return cope::rope_args::in_place(cope::make_view(v.data(), 37, 4, 128), {}, cope::positions::from_offset(1000),
                                     layout::interleaved);
  };
  cope::apply_rope(s, args(whole));
  cope::rope_args a = args(split);
  a.token_end = 11;
  cope::apply_rope(s, a);
  a.token_begin = 11;
  a.token_end = 37;
  cope::apply_rope(s, a);
  CHECK(split == whole);
}

TEST_CASE("kernels: q and k in one call (GQA 32 + 8 heads) equal two separate calls") {
  std::mt19937_64 rng(7);
  const cope::spectrum s = spectra()[0];
  const cope::rope_table table = cope::make_table(s, 64);
  // A fused QKV buffer: per token 32 q heads, 8 k heads, 8 v heads.
  std::vector<float> qkv = random_floats(rng, 5 * 48 * 128), separate = qkv;
  const std::ptrdiff_t row = 48 * 128;
  auto q_view = [&](std::vector<float>& v) { return cope::make_view(v.data(), 5, 32, 128, row, 128); };
  auto k_view = [&](std::vector<float>& v) { return cope::make_view(v.data() + 32 * 128, 5, 8, 128, row, 128); };
  const cope::positions pos = cope::positions::from_offset(17);
  cope::apply_rope(table.view(), cope::rope_args::in_place(q_view(qkv), k_view(qkv), pos));
  cope::apply_rope(table.view(), cope::rope_args::in_place(q_view(separate), {}, pos));
  cope::apply_rope(table.view(), cope::rope_args::in_place(k_view(separate), {}, pos));
  CHECK(qkv == separate);
}

#if defined(__unix__)
TEST_CASE("kernels: no access past a view's end (guard page)") {
  // Each buffer ends exactly at an inaccessible page.
  const cope_test::guarded_pages in_mem(4096), out_mem(4096), table_mem(4096);
  REQUIRE((in_mem.base != nullptr && out_mem.base != nullptr && table_mem.base != nullptr));
  const cope::spectrum s = cope::rope_default(80, {1e4, 66.5 / 80});  // rotary_dim 66: odd tails everywhere
  const std::size_t tokens = 3, heads = 2, head_dim = 80, span = tokens * heads * head_dim;
  // The table, too, ends at its guard: rows for positions 0..3.
  const std::size_t table_floats = 4 * 2 * static_cast<std::size_t>(s.pairs());
  float* table_data = static_cast<float*>(table_mem.ending_at_guard(table_floats * sizeof(float)));
  cope::fill_table(s, 0, 4, table_data, 2 * s.pairs());
  const cope::table_view table{table_data, 4, static_cast<std::size_t>(s.pairs()), 2 * s.pairs(), s.attention_factor};
  for (cope::dtype in : {cope::dtype::f32, cope::dtype::f16, cope::dtype::bf16})
    for (layout pairing : {layout::rotate_half, layout::interleaved})
      for (bool in_place : {true, false})
        for (bool use_table : {true, false}) {
          const cope::dtype out = in;
          void* in_data = in_mem.ending_at_guard(span * cope::size_of(in));
          void* out_data = in_place ? in_data : out_mem.ending_at_guard(span * cope::size_of(out));
          std::memset(in_data, 0, span * cope::size_of(in));
          const cope::tensor_view q{in_data, in, tokens, heads, head_dim, static_cast<std::ptrdiff_t>(heads * head_dim),
                                    static_cast<std::ptrdiff_t>(head_dim), span};
          cope::tensor_view q_out = q;
          q_out.data = out_data;
          cope::rope_args a = cope::rope_args::out_of_place(q, q_out, {}, {}, cope::positions::from_offset(1), pairing);
          a.rotary_offset = 14;  // the window ends at the row's end
          const cope::status st = use_table ? cope::try_apply_rope(table, a) : cope::try_apply_rope(s, a);
          CHECK(st.ok());  // reaching here without a fault is the test
        }
}
#endif
