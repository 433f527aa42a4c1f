// CoPE and HardClip (clip.hpp): the authors' weights, which pairs they touch, automatic n, and
// composition with every generator.
#include <catch2/catch.hpp>

#include "cope/compat/torch_cpu.hpp"
#include "cope/cope.hpp"
#include "support/models.hpp"

#include <cstring>

namespace {
std::uint32_t bits(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

// Checks that cope_clip(s, n) is s with the last n pairs multiplied by the float32 weights, and the
// rest (pairs before the onset, attention factor, geometry) untouched.
void check_cope_on(const cope::spectrum& s, int n) {
  const cope::spectrum c = cope::cope_clip(s, n);
  const std::vector<float> w = cope::cope_weights(n);
  const std::vector<double> w64 = cope::cope_weights_f64(n);
  const int onset = s.pairs() - n;
  CHECK(c.clip == cope::clip_kind::cope);
  CHECK(c.clip_n == n);
  CHECK(c.clip_onset() == onset);
  CHECK(c.attention_factor == s.attention_factor);
  CHECK(c.rotary_dim == s.rotary_dim);
  for (int j = 0; j < s.pairs(); ++j) {
    const auto u = static_cast<std::size_t>(j);
    INFO(s.rope_type << " pair " << j);
    if (j < onset) {
      CHECK(bits(c.inv_freq[u]) == bits(s.inv_freq[u]));
      CHECK(c.inv_freq_f64[u] == s.inv_freq_f64[u]);
    } else {
      const auto k = static_cast<std::size_t>(j - onset);
      CHECK(bits(c.inv_freq[u]) == bits(s.inv_freq[u] * w[k]));
      CHECK(c.inv_freq_f64[u] == s.inv_freq_f64[u] * w64[k]);
    }
  }
  CHECK(c.inv_freq[static_cast<std::size_t>(onset)] == s.inv_freq[static_cast<std::size_t>(onset)]);
  CHECK(c.inv_freq.back() == 0.0f);
  CHECK(c.inv_freq_f64.back() == 0.0);
}
}  // namespace

TEST_CASE("CoPE weights for n = 20 are the authors' raised cosine") {
  const double paper[20] = {1.0,   .9932, .9729, .9397, .8946, .8386, .7735, .7008, .6227, .5413,
                            .4587, .3773, .2992, .2265, .1614, .1054, .0603, .0271, .0068, 0.0};
  const std::vector<float> w = cope::cope_weights(20);
  const std::vector<double> w64 = cope::cope_weights_f64(20);
  REQUIRE(w.size() == 20);
  CHECK(w.front() == 1.0f);
  CHECK(w.back() == 0.0f);
  for (std::size_t k = 0; k < 20; ++k) {
    CHECK(std::abs(w[k] - paper[k]) <= 5e-5);
    CHECK(std::abs(w[k] - w64[k]) <= 1e-7);
    CHECK(w64[k] == Approx(0.5 * (1 + std::cos(3.141592653589793 * static_cast<double>(k) / 19))).margin(1e-16));
    if (k > 0) CHECK(w[k] < w[k - 1]);
  }
}

TEST_CASE("CoPE weights: n = 1 is {1} (the onset pair is the lowest), n = 0 is empty") {
  CHECK(cope::cope_weights(1) == std::vector<float>{1.0f});
  CHECK(cope::cope_weights_f64(1) == std::vector<double>{1.0});
  CHECK(cope::cope_weights(0).empty());
  const cope::spectrum s = cope::rope_default(64);
  const cope::spectrum one = cope::cope_clip(s, 1);
  CHECK(bits(one.inv_freq.back()) == bits(s.inv_freq.back()));
  const cope::spectrum none = cope::cope_clip(s, 0);
  CHECK(none.clip == cope::clip_kind::none);
  CHECK(none.inv_freq == s.inv_freq);
}

TEST_CASE("CoPE weights: the default float32 math differs from torch's by at most 2^-24") {
  CHECK(cope::cope_weights(20) == cope::cope_weights(20, cope::compat::torch_cpu_math()));  // the paper's n
  for (int n = 1; n <= 128; ++n) {
    const std::vector<float> portable = cope::cope_weights(n);
    const std::vector<float> torch = cope::cope_weights(n, cope::compat::torch_cpu_math());
    REQUIRE(portable.size() == torch.size());
    for (std::size_t k = 0; k < portable.size(); ++k) {
      INFO("n = " << n << ", k = " << k);
      // w = 0.5 * (1 + cos): the two cos differ by at most one ulp, so their rounded 1 + cos by at most
      // one ulp of [0, 2] (2^-23), and w by 2^-24: an absolute bound, many ulps of w near w = 0.
      CHECK(std::abs(portable[k] - torch[k]) <= 0x1p-24f);
    }
  }
}

TEST_CASE("CoPE keeps the onset pair, tapers the rest, zeroes the lowest (paper: onset 44 of 64)") {
  const cope::spectrum s = cope::rope_default(128, {1e7, 1.0});
  check_cope_on(s, cope::paper_clip_pairs);
  CHECK(cope::cope_clip(s, 20).clip_onset() == 44);
  check_cope_on(s, 64);  // every pair: the first keeps its frequency
  check_cope_on(s, 2);
}

TEST_CASE("HardClip zeroes exactly the last n pairs") {
  const cope::spectrum s = cope::rope_default(128, {1e7, 1.0});
  const cope::spectrum h = cope::hard_clip(s, 20);
  CHECK(h.clip == cope::clip_kind::hard);
  CHECK(h.clip_onset() == 44);
  for (std::size_t j = 0; j < 64; ++j) {
    CHECK(h.inv_freq[j] == (j < 44 ? s.inv_freq[j] : 0.0f));
    CHECK(h.inv_freq_f64[j] == (j < 44 ? s.inv_freq_f64[j] : 0.0));
  }
}

TEST_CASE("automatic n counts the pairs whose period exceeds the training length") {
  CHECK(cope::ood_clip_count(cope::rope_default(128, {5e5, 1.0}), 8192) == 29);
  CHECK(cope::ood_clip_count(cope::rope_default(128, {1e7, 1.0}), 65536) == 27);
  CHECK(cope::ood_clip_count(cope::rope_default(64, {1e7, 1.0}), 262144) == 10);
  CHECK(cope::ood_clip_count(cope::rope_default(128, {1e7, 1.0}), 8192) == 35);
  // Zero frequencies never turn: they count.
  CHECK(cope::ood_clip_count(cope::hard_clip(cope::rope_default(128, {1e4, 1.0}), 5), 1e9) == 5);
  const cope::spectrum s = cope::rope_default(128, {5e5, 1.0});
  CHECK(cope::cope_clip(s, cope::ood_clip_count(s, 8192)).clip_onset() == 35);
}

TEST_CASE("CoPE composes with ABF, YaRN, Llama-3, linear and dynamic NTK") {
  const cope::spectrum y = cope::rope_yarn(128, cope_test::cope_paper_yarn4());
  CHECK(y.attention_factor == Approx(1.1386294361119891).epsilon(1e-15));
  check_cope_on(y, 20);  // YaRN's attention factor is kept

  check_cope_on(cope::rope_llama3(128, cope_test::llama31_8b()), 20);
  check_cope_on(cope::rope_linear(256, {1e6, 1.0, 8.0}), 40);
  check_cope_on(cope::rope_default(128, {1e7, 1.0}), 20);
  // Dynamic NTK: re-clip every recomputed spectrum (the authors' code re-applies the mask).
  for (std::int64_t seq_len : {4096, 8192, 65536}) check_cope_on(cope::rope_dynamic(128, {1e4, 1.0, 2.0, 4096}, seq_len), 20);
}

TEST_CASE("HardClip composes likewise and keeps the attention factor") {
  const cope::spectrum h = cope::hard_clip(cope::rope_yarn(128, cope_test::cope_paper_yarn4()), 20);
  CHECK(h.attention_factor == Approx(1.1386294361119891).epsilon(1e-15));
  CHECK(h.inv_freq[43] > 0.0f);
  CHECK(h.inv_freq[44] == 0.0f);
}
