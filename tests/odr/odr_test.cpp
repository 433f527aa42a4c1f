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

TEST_CASE("ODR: the analysis that runs the kernels is per-ISA too") {
  const odr_monte_carlo simd = rotate_in_simd_tu_monte_carlo(), generic = rotate_in_generic_tu_monte_carlo();
  CHECK(simd != generic);
  const cope::spectrum s = cope::rope_default(64);
  cope::analysis::monte_carlo_options o;
  o.samples = 64;
  const Eigen::ArrayXd t = Eigen::ArrayXd::LinSpaced(3, 0, 100);
  const auto a = simd(s, t, o), b = generic(s, t, o);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  for (std::size_t i = 0; i < 3; ++i) CHECK(std::abs(a->at(i).estimate - b->at(i).estimate) < 1e-4);
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
