// Spectrum facts (facts.hpp): the paper's critical dimensions and OOD counts (design §2.4).
#include <catch2/catch.hpp>

#include "cope/cope.hpp"

#include <cmath>

TEST_CASE("critical dimension: the paper's example and the table of spectrum notes") {
  CHECK(cope::critical_dimension(8192, 128, 5e5) == 70);
  CHECK(cope::critical_dimension(8192, 128, 1e7) == 58);
  CHECK(cope::critical_dimension(65536, 128, 1e7) == 74);
  CHECK(cope::critical_dimension(131072, 128, 1e7) == 80);
  CHECK(cope::critical_dimension(262144, 64, 1e7) == 44);
}

TEST_CASE("critical dimension is clamped to 0..head_dim") {
  CHECK(cope::critical_dimension(4, 128, 1e4) == 0);         // shorter than one turn of the fastest pair
  CHECK(cope::critical_dimension(1e12, 128, 1e4) == 128);    // every pair completes a turn
}

TEST_CASE("OOD pairs: 29 / 27 / 10 for the paper's configurations") {
  CHECK(cope::ood_pairs(cope::rope_default(128, {5e5, 1.0}), 8192).size() == 29);
  CHECK(cope::ood_pairs(cope::rope_default(128, {1e7, 1.0}), 65536).size() == 27);
  CHECK(cope::ood_pairs(cope::rope_default(64, {1e7, 1.0}), 262144).size() == 10);
}

TEST_CASE("OOD pairs are the trailing pairs past the critical dimension (Llama-3: i = 35..63)") {
  const cope::spectrum s = cope::rope_default(128, {5e5, 1.0});
  const std::vector<int> ood = cope::ood_pairs(s, 8192);
  REQUIRE(!ood.empty());
  CHECK(ood.front() == 35);
  CHECK(ood.back() == 63);
  CHECK(static_cast<int>(ood.size()) == 64 - cope::critical_dimension(8192, 128, 5e5) / 2);
  const std::vector<double> t = cope::periods(s);
  CHECK(t[34] == Approx(6695).margin(1));  // T_34 fits in 8192 ...
  CHECK(t[35] == Approx(8219).margin(1));  // ... T_35 is just above it
}

TEST_CASE("periods are 2 pi / inv_freq, infinite for clipped pairs") {
  const cope::spectrum s = cope::hard_clip(cope::rope_default(128, {1e4, 1.0}), 20);
  const std::vector<double> t = cope::periods(s);
  REQUIRE(t.size() == 64);
  CHECK(t[0] == Approx(2 * 3.141592653589793));
  CHECK(t[43] == Approx(cope::two_pi / static_cast<double>(s.inv_freq[43])).epsilon(1e-15));
  CHECK(std::isinf(t[44]));
  CHECK(s.clip_onset() == 44);
}
