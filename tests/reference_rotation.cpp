// The double-precision reference rotation (reference.hpp), the kernels' oracle, checked by the
// properties a rotation must have: norms kept (times the attention factor), scores that depend only
// on relative position, inverse undoing forward, zero frequencies passing through, both layouts.
#include <catch2/catch.hpp>

#include "cope/cope.hpp"
#include "support/models.hpp"

#include <cmath>
#include <random>
#include <vector>

namespace {
using vec = std::vector<double>;

vec random_vector(std::mt19937_64& rng, int n) {
  std::normal_distribution<double> normal;
  vec v(static_cast<std::size_t>(n));
  for (double& x : v) x = normal(rng);
  return v;
}
double dot(const vec& a, const vec& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}
vec rotate(const cope::spectrum& s, cope::layout l, cope::direction d, std::int64_t p, const vec& x, int offset = 0) {
  vec y(x.size());
  cope::reference_rotate(s, l, d, p, x.data(), y.data(), static_cast<int>(x.size()), offset);
  return y;
}
std::vector<cope::spectrum> spectra() {
  return {cope::rope_default(128, {1e4, 1.0}), cope::cope_clip(cope::rope_default(128, {1e7, 1.0}), 20),
          cope::cope_clip(cope::rope_yarn(128, cope_test::cope_paper_yarn4()), 20),
          cope::rope_default(128, {1e4, 0.5})};
}
const std::int64_t positions[] = {0, 1, 7, 4095, 65535, 1000000, (std::int64_t{1} << 24) - 1, std::int64_t{1} << 24};
const cope::layout layouts[] = {cope::layout::rotate_half, cope::layout::interleaved};
}  // namespace

TEST_CASE("reference: rotation keeps norms, times the attention factor") {
  std::mt19937_64 rng(1);
  for (const cope::spectrum& s : spectra())
    for (cope::layout l : layouts)
      for (std::int64_t p : positions) {
        const vec x = random_vector(rng, 128);
        const vec y = rotate(s, l, cope::direction::forward, p, x);
        CHECK(std::sqrt(dot(y, y)) == Approx(s.attention_factor * std::sqrt(dot(x, x))).epsilon(1e-14));
      }
}

TEST_CASE("reference: q(m).k(n) depends only on m - n, up to 2^24") {
  std::mt19937_64 rng(2);
  for (const cope::spectrum& s : spectra())
    for (cope::layout l : layouts) {
      const vec q = random_vector(rng, 128), k = random_vector(rng, 128);
      for (std::int64_t delta : {std::int64_t{0}, std::int64_t{3}, std::int64_t{4097}, std::int64_t{999983}}) {
        const double at_origin = dot(rotate(s, l, cope::direction::forward, delta, q),
                                     rotate(s, l, cope::direction::forward, 0, k));
        for (std::int64_t shift : {std::int64_t{1}, std::int64_t{65536}, (std::int64_t{1} << 24) - delta}) {
          const double shifted = dot(rotate(s, l, cope::direction::forward, shift + delta, q),
                                     rotate(s, l, cope::direction::forward, shift, k));
          INFO("delta " << delta << " shift " << shift);
          CHECK(shifted == Approx(at_origin).margin(1e-9 * std::sqrt(dot(q, q) * dot(k, k))));
        }
      }
    }
}

TEST_CASE("reference: inverse undoes forward, in place and out of place") {
  std::mt19937_64 rng(3);
  for (const cope::spectrum& s : spectra())
    for (cope::layout l : layouts)
      for (std::int64_t p : positions) {
        const vec x = random_vector(rng, 128);
        vec y = rotate(s, l, cope::direction::forward, p, x);
        cope::reference_rotate(s, l, cope::direction::inverse, p, y.data(), y.data(), 128);  // in place
        for (std::size_t i = 0; i < x.size(); ++i) CHECK(y[i] == Approx(x[i]).margin(1e-13));
      }
}

TEST_CASE("reference: position 0 is the identity times the attention factor") {
  std::mt19937_64 rng(4);
  for (const cope::spectrum& s : spectra()) {
    const vec x = random_vector(rng, 128);
    const vec y = rotate(s, cope::layout::interleaved, cope::direction::forward, 0, x);
    for (std::size_t i = 0; i < x.size(); ++i) CHECK(y[i] == Approx(s.attention_factor * x[i]).epsilon(1e-15));
  }
}

TEST_CASE("reference: pair j turns by position * inv_freq_j in both layouts") {
  const cope::spectrum s = cope::rope_default(8, {100.0, 1.0});  // N = 4
  const vec x = {1, 2, 3, 4, 5, 6, 7, 8};
  const std::int64_t p = 5;
  const vec half = rotate(s, cope::layout::rotate_half, cope::direction::forward, p, x);
  const vec inter = rotate(s, cope::layout::interleaved, cope::direction::forward, p, x);
  for (std::size_t j = 0; j < 4; ++j) {
    const double a = static_cast<double>(p) * static_cast<double>(s.inv_freq[j]);
    CHECK(half[j] == Approx(x[j] * std::cos(a) - x[j + 4] * std::sin(a)).margin(1e-15));
    CHECK(half[j + 4] == Approx(x[j] * std::sin(a) + x[j + 4] * std::cos(a)).margin(1e-15));
    CHECK(inter[2 * j] == Approx(x[2 * j] * std::cos(a) - x[2 * j + 1] * std::sin(a)).margin(1e-15));
    CHECK(inter[2 * j + 1] == Approx(x[2 * j] * std::sin(a) + x[2 * j + 1] * std::cos(a)).margin(1e-15));
  }
}

TEST_CASE("reference: zero-frequency (clipped) pairs pass through unchanged") {
  std::mt19937_64 rng(5);
  const cope::spectrum s = cope::hard_clip(cope::rope_default(128, {1e4, 1.0}), 20);
  const cope::spectrum c = cope::cope_clip(cope::rope_default(128, {1e4, 1.0}), 20);
  const vec x = random_vector(rng, 128);
  for (std::int64_t p : positions) {
    const vec h = rotate(s, cope::layout::rotate_half, cope::direction::forward, p, x);
    for (std::size_t j = 44; j < 64; ++j) {
      CHECK(h[j] == x[j]);
      CHECK(h[j + 64] == x[j + 64]);
    }
    const vec y = rotate(c, cope::layout::interleaved, cope::direction::forward, p, x);
    CHECK(y[126] == x[126]);  // CoPE's lowest pair has weight exactly 0
    CHECK(y[127] == x[127]);
  }
}

TEST_CASE("reference: partial rotary and a rotary window leave the other dimensions untouched") {
  std::mt19937_64 rng(6);
  const cope::spectrum s = cope::rope_default(192, {1e4, 1.0 / 3.0});  // 64 rotary dims, like DeepSeek's rope part
  REQUIRE(s.rotary_dim == 64);
  const vec x = random_vector(rng, 192);
  for (int offset : {0, 128, 37}) {
    const vec y = rotate(s, cope::layout::interleaved, cope::direction::forward, 12345, x, offset);
    for (int i = 0; i < 192; ++i) {
      const auto u = static_cast<std::size_t>(i);
      if (i < offset || i >= offset + 64)
        CHECK(y[u] == x[u]);
      else if (i == offset)
        CHECK(y[u] != x[u]);
    }
    // The window rotated exactly as a 64-dim head would be.
    const cope::spectrum head64 = cope::rope_default(64, {1e4, 1.0});
    const vec window(x.begin() + offset, x.begin() + offset + 64);
    const vec alone = rotate(head64, cope::layout::interleaved, cope::direction::forward, 12345, window);
    for (std::size_t i = 0; i < 64; ++i) CHECK(y[static_cast<std::size_t>(offset) + i] == alone[i]);
  }
}

TEST_CASE("reference: bad input is reported and nothing is written") {
  const cope::spectrum s = cope::rope_default(64);
  vec x(64, 1.0), out(64, -7.0);
  const vec untouched = out;
  auto expect = [&](const cope::status& st, cope::errc code, const char* message) {
    CHECK(st.code() == code);
    CHECK(st.message() == message);
    CHECK(out == untouched);
  };
  using cope::direction;
  using cope::layout;
  expect(cope::try_reference_rotate(s, layout::rotate_half, direction::forward, 0, nullptr, out.data(), 64),
         cope::errc::null_data, "reference_rotate: in is null");
  expect(cope::try_reference_rotate(s, layout::rotate_half, direction::forward, -1, x.data(), out.data(), 64),
         cope::errc::invalid_position, "reference_rotate: position (-1) must be in [0, 2^29]");
  expect(cope::try_reference_rotate(s, layout::rotate_half, direction::forward, 0, x.data(), out.data(), 64, 1),
         cope::errc::invalid_dimension, "reference_rotate: rotary window [1, 65) does not fit in head_dim (64)");
  expect(cope::try_reference_rotate(s, layout::rotate_half, direction::forward, 0, x.data(), out.data(), 32),
         cope::errc::invalid_dimension, "reference_rotate: rotary window [0, 64) does not fit in head_dim (32)");
  vec buffer(65, 1.0);
  const vec buffer_before = buffer;
  const cope::status overlap = cope::try_reference_rotate(s, layout::interleaved, direction::forward, 3, buffer.data(),
                                                          buffer.data() + 1, 64);
  CHECK(overlap.code() == cope::errc::invalid_aliasing);
  CHECK(overlap.message() == "reference_rotate: in and out overlap without being the same (in place)");
  CHECK(buffer == buffer_before);
  CHECK_THROWS_AS(cope::reference_rotate(cope::spectrum{}, layout::interleaved, direction::forward, 0, x.data(),
                                         out.data(), 64),
                  cope::error);
  CHECK(out == untouched);
}
