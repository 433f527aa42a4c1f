// Two translation units built with different -m flags in one program (design §3: vector code is
// ODR-safe). Were the kernels or the entry points one symbol, the linker would keep a single copy and
// both units would report (and run) the same path.
#include <catch2/catch.hpp>

#include "cope/cope.hpp"
#include "odr.hpp"

#include <cmath>
#include <string>
#include <vector>

const char* rotate_in_simd_tu(std::vector<float>& x);
const char* rotate_in_generic_tu(std::vector<float>& x);
odr_monte_carlo rotate_in_simd_tu_monte_carlo();
odr_monte_carlo rotate_in_generic_tu_monte_carlo();
std::vector<double> rotate_in_simd_tu_estimates();
std::vector<double> rotate_in_generic_tu_estimates();

TEST_CASE("ODR: the analysis that runs the kernels is per-ISA too") {
  CHECK(rotate_in_simd_tu_monte_carlo() != rotate_in_generic_tu_monte_carlo());
  const std::vector<double> a = rotate_in_simd_tu_estimates(), b = rotate_in_generic_tu_estimates();
  REQUIRE(a.size() == 3);
  REQUIRE(b.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(std::abs(a[i] - b[i]) < 1e-4);
}

TEST_CASE("ODR: units built with different flags each run their own kernels, and agree") {
  std::vector<float> a(3 * 4 * 128), b;
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = std::sin(0.37f * static_cast<float>(i));
  b = a;
  const std::vector<float> x = a;
  const std::string simd = rotate_in_simd_tu(a), generic = rotate_in_generic_tu(b);
  CHECK(simd == COPE_TEST_EXPECTED_SIMD_ISA);
  CHECK(generic == "scalar");
  const cope::spectrum s = cope::cope_clip(cope::rope_default(128, {1e7, 1.0}), 20);
  for (std::size_t row = 0; row < 12; ++row) {
    std::vector<double> in(x.begin() + static_cast<std::ptrdiff_t>(row * 128),
                           x.begin() + static_cast<std::ptrdiff_t>(row * 128 + 128)),
        ref(128);
    cope::reference_rotate(s, cope::layout::interleaved, cope::direction::forward,
                           12345 + static_cast<std::int64_t>(row / 4), in.data(), ref.data(), 128);
    for (std::size_t i = 0; i < 128; ++i) {
      CHECK(std::abs(a[row * 128 + i] - ref[i]) <= 4e-7 * 2);
      CHECK(std::abs(b[row * 128 + i] - ref[i]) <= 4e-7 * 2);
    }
  }
}
