// Generators (generators.hpp): each behaviour of HF's rope init functions, at the reference values
// of ../shared/reference/spectrum_formulas.md. Bit-identity with the reference: spectrum_golden.cpp.
#include <catch2/catch.hpp>

#include "cope/cope.hpp"
#include "support/models.hpp"

#include <cmath>
#include <cstring>

namespace {
std::uint32_t bits(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}
using cope_test::llama31_8b;
using cope_test::qwen25_yarn4;
}  // namespace

TEST_CASE("default: inv_freq_j = base^(-2j/D), highest frequency first, attention factor 1") {
  const cope::spectrum s = cope::rope_default(128, {10000.0, 1.0});
  REQUIRE(s.pairs() == 64);
  REQUIRE(s.rotary_dim == 128);
  CHECK(s.inv_freq[0] == 1.0f);
  CHECK(s.attention_factor == 1.0);
  for (int j = 0; j < 64; ++j) {
    const double exact = std::pow(10000.0, -2.0 * j / 128);
    CHECK(std::abs(s.inv_freq[static_cast<std::size_t>(j)] - exact) <= 1.2e-7 * exact);  // two float32 roundings
    CHECK(std::abs(s.inv_freq_f64[static_cast<std::size_t>(j)] - exact) <= 1e-15 * exact);
    if (j > 0) CHECK(s.inv_freq[static_cast<std::size_t>(j)] < s.inv_freq[static_cast<std::size_t>(j - 1)]);
  }
}

TEST_CASE("ABF: a larger base lowers every frequency but the first") {
  const cope::spectrum llama3 = cope::rope_default(128, {500000.0, 1.0});
  const cope::spectrum abf = cope::rope_default(128, {1e7, 1.0});
  CHECK(abf.inv_freq[0] == llama3.inv_freq[0]);
  for (std::size_t j = 1; j < 64; ++j) CHECK(abf.inv_freq[j] < llama3.inv_freq[j]);
}

TEST_CASE("partial rotary: rotary_dim = int(head_dim * factor), exponent over rotary_dim") {
  const cope::spectrum s = cope::rope_default(96, {10000.0, 0.25});  // GPT-NeoX-20B
  CHECK(s.head_dim == 96);
  CHECK(s.rotary_dim == 24);
  REQUIRE(s.pairs() == 12);
  CHECK(std::abs(s.inv_freq_f64[1] - std::pow(10000.0, -2.0 / 24)) < 1e-15);
  // Python int() truncates: 80 * 0.4 = 32.000000000000004 -> 32; 100 * 0.33 = 33.0 -> odd, rejected.
  CHECK(cope::rope_default(80, {10000.0, 0.4}).rotary_dim == 32);
}

TEST_CASE("linear: every frequency divided by factor in float32") {
  const cope::spectrum base = cope::rope_default(256, {1e6, 1.0});
  cope::linear_parameters p;
  p.rope_theta = 1e6;
  p.factor = 8.0;
  const cope::spectrum s = cope::rope_linear(256, p);
  CHECK(s.rope_type == "linear");
  for (std::size_t j = 0; j < 128; ++j) {
    CHECK(bits(s.inv_freq[j]) == bits(base.inv_freq[j] / 8.0f));
    CHECK(s.inv_freq_f64[j] == base.inv_freq_f64[j] / 8.0);
  }
}

TEST_CASE("dynamic NTK: the default spectrum at init time and up to max_position_embeddings") {
  const cope::spectrum base = cope::rope_default(128, {10000.0, 1.0});
  const cope::dynamic_parameters p{10000.0, 1.0, 2.0, 4096};
  for (const auto& seq_len : {std::optional<std::int64_t>{}, std::optional<std::int64_t>{100},
                              std::optional<std::int64_t>{4096}}) {
    const cope::spectrum s = cope::rope_dynamic(128, p, seq_len);
    for (std::size_t j = 0; j < 64; ++j) CHECK(bits(s.inv_freq[j]) == bits(base.inv_freq[j]));
  }
}

TEST_CASE("dynamic NTK: Llama-2 geometry at 8192 tokens rescales the base to 30527.74") {
  const cope::spectrum s = cope::rope_dynamic(128, {10000.0, 1.0, 2.0, 4096}, 8192);
  // inv_freq_1 = base'^(-2/128)
  CHECK(std::pow(s.inv_freq_f64[1], -64.0) == Approx(30527.737).epsilon(1e-7));
  CHECK(std::pow(static_cast<double>(s.inv_freq[1]), -64.0) == Approx(30527.737).epsilon(1e-5));
  // The base grows with the length seen.
  const cope::spectrum longer = cope::rope_dynamic(128, {10000.0, 1.0, 2.0, 4096}, 16384);
  CHECK(longer.inv_freq[63] < s.inv_freq[63]);
}

TEST_CASE("yarn: correction range of Qwen2.5 (23.596, 39.651) truncates to pairs 23..40") {
  CHECK(cope::detail::yarn_correction_dim(32, 128, 1e6, 32768) == Approx(23.596).margin(5e-4));
  CHECK(cope::detail::yarn_correction_dim(1, 128, 1e6, 32768) == Approx(39.651).margin(5e-4));
  const cope::spectrum base = cope::rope_default(128, {1e6, 1.0});
  const cope::spectrum s = cope::rope_yarn(128, qwen25_yarn4());
  for (std::size_t j = 0; j <= 23; ++j) CHECK(bits(s.inv_freq[j]) == bits(base.inv_freq[j]));  // extrapolated
  for (std::size_t j = 40; j < 64; ++j)                                                          // interpolated
    CHECK(s.inv_freq_f64[j] == Approx(base.inv_freq_f64[j] / 4.0).epsilon(1e-14));
  for (std::size_t j = 24; j < 40; ++j) {  // the ramp: strictly between, decreasing ratio
    const double ratio = s.inv_freq_f64[j] / base.inv_freq_f64[j];
    CHECK(ratio < 1.0);
    CHECK(ratio > 0.25);
  }
}

TEST_CASE("yarn: DeepSeek-V3 range (10.472, 22.513) truncates to pairs 10..23") {
  CHECK(cope::detail::yarn_correction_dim(32, 64, 1e4, 4096) == Approx(10.472).margin(5e-4));
  CHECK(cope::detail::yarn_correction_dim(1, 64, 1e4, 4096) == Approx(22.513).margin(5e-4));
}

TEST_CASE("yarn: truncate=false keeps gpt-oss's raw range; pairs outside it are unaffected") {
  cope::yarn_parameters p;
  p.rope_theta = 150000.0;
  p.factor = 32.0;
  p.original_max_position_embeddings = 4096;
  const cope::spectrum truncated = cope::rope_yarn(64, p);
  p.truncate = false;
  const cope::spectrum raw = cope::rope_yarn(64, p);
  CHECK(cope::detail::yarn_correction_dim(32, 64, 150000, 4096) == Approx(8.0928).margin(5e-5));
  CHECK(cope::detail::yarn_correction_dim(1, 64, 150000, 4096) == Approx(17.3980).margin(5e-5));
  for (std::size_t j = 0; j < 32; ++j) {
    if (j <= 8 || j >= 18)
      CHECK(bits(raw.inv_freq[j]) == bits(truncated.inv_freq[j]));
    else
      CHECK(bits(raw.inv_freq[j]) != bits(truncated.inv_freq[j]));
  }
}

TEST_CASE("yarn: attention factor is 0.1 ln s + 1, the mscale ratio, or the explicit value") {
  CHECK(cope::rope_yarn(128, qwen25_yarn4()).attention_factor == Approx(1.1386294361119891).epsilon(1e-15));
  cope::yarn_parameters p = qwen25_yarn4();
  p.factor = 32.0;
  CHECK(cope::rope_yarn(128, p).attention_factor == Approx(1.3465736).epsilon(1e-7));
  p.factor = 40.0;
  p.mscale = 1.0;
  p.mscale_all_dim = 1.0;  // DeepSeek-V3: the ratio is exactly 1
  CHECK(cope::rope_yarn(128, p).attention_factor == 1.0);
  p.mscale = 0.707;
  CHECK(cope::rope_yarn(128, p).attention_factor ==
        Approx((0.1 * 0.707 * std::log(40.0) + 1) / (0.1 * std::log(40.0) + 1)).epsilon(1e-15));
  p.mscale_all_dim = 0.0;  // falsy in one field: back to get_mscale(s)
  CHECK(cope::rope_yarn(128, p).attention_factor == Approx(0.1 * std::log(40.0) + 1).epsilon(1e-15));
  p.attention_factor = 1.0;  // explicit wins, even 1.0
  CHECK(cope::rope_yarn(128, p).attention_factor == 1.0);
}

TEST_CASE("yarn: factor defaults to max / original, original defaults to max") {
  cope::yarn_parameters p;
  p.rope_theta = 1e6;
  p.original_max_position_embeddings = 32768;
  p.max_position_embeddings = 131072;
  const cope::spectrum derived = cope::rope_yarn(128, p);
  const cope::spectrum explicit_4 = cope::rope_yarn(128, qwen25_yarn4());
  for (std::size_t j = 0; j < 64; ++j) CHECK(bits(derived.inv_freq[j]) == bits(explicit_4.inv_freq[j]));
  cope::yarn_parameters q = qwen25_yarn4();
  q.original_max_position_embeddings.reset();
  q.max_position_embeddings = 32768;  // Qwen2.5 README block without its own original length
  const cope::spectrum defaulted = cope::rope_yarn(128, q);
  for (std::size_t j = 0; j < 64; ++j) CHECK(bits(defaulted.inv_freq[j]) == bits(explicit_4.inv_freq[j]));
}

TEST_CASE("llama3: Llama-3.1-8B keeps pairs 0-28, smooths 29-34, divides 35-63 by 8") {
  const cope::spectrum base = cope::rope_default(128, {500000.0, 1.0});
  const cope::spectrum s = cope::rope_llama3(128, llama31_8b());
  CHECK(s.attention_factor == 1.0);
  for (std::size_t j = 0; j < 64; ++j) {
    INFO("pair " << j);
    if (j <= 28) CHECK(bits(s.inv_freq[j]) == bits(base.inv_freq[j]));
    if (j >= 35) CHECK(bits(s.inv_freq[j]) == bits(base.inv_freq[j] / 8.0f));
    if (j >= 29 && j <= 34) {
      CHECK(s.inv_freq[j] < base.inv_freq[j]);
      CHECK(s.inv_freq[j] > base.inv_freq[j] / 8.0f);
    }
  }
}

TEST_CASE("llama3: Llama-3.2-1B (head_dim 64, factor 32) bands 0-14, 15-17, 18-31") {
  cope::llama3_parameters p = llama31_8b();
  p.factor = 32.0;
  const cope::spectrum base = cope::rope_default(64, {500000.0, 1.0});
  const cope::spectrum s = cope::rope_llama3(64, p);
  for (std::size_t j = 0; j < 32; ++j) {
    INFO("pair " << j);
    if (j <= 14) CHECK(bits(s.inv_freq[j]) == bits(base.inv_freq[j]));
    if (j >= 18) CHECK(bits(s.inv_freq[j]) == bits(base.inv_freq[j] / 32.0f));
    if (j >= 15 && j <= 17) CHECK((s.inv_freq[j] < base.inv_freq[j] && s.inv_freq[j] > base.inv_freq[j] / 32.0f));
  }
}

TEST_CASE("longrope: long factors only when seq_len exceeds the original length") {
  cope::longrope_parameters p;
  p.rope_theta = 10000.0;
  p.original_max_position_embeddings = 4096;
  p.max_position_embeddings = 131072;
  p.short_factor.assign(48, 1.0);
  p.long_factor.assign(48, 4.0);
  const cope::spectrum base = cope::rope_default(96, {10000.0, 1.0});
  for (const auto& seq_len : {std::optional<std::int64_t>{}, std::optional<std::int64_t>{4096}}) {
    const cope::spectrum s = cope::rope_longrope(96, p, seq_len);
    for (std::size_t j = 0; j < 48; ++j) CHECK(bits(s.inv_freq[j]) == bits(base.inv_freq[j]));
  }
  const cope::spectrum longer = cope::rope_longrope(96, p, 4097);
  for (std::size_t j = 0; j < 48; ++j) CHECK(longer.inv_freq_f64[j] == Approx(base.inv_freq_f64[j] / 4).epsilon(1e-15));
}

TEST_CASE("longrope: attention factor sqrt(1 + ln s / ln L0), 1 when s <= 1, or explicit") {
  cope::longrope_parameters p;
  p.original_max_position_embeddings = 4096;
  p.max_position_embeddings = 131072;  // s = 32 (Phi-3-mini-128k)
  p.short_factor.assign(48, 1.0);
  p.long_factor.assign(48, 1.0);
  CHECK(cope::rope_longrope(96, p).attention_factor == Approx(1.1902380714238083).epsilon(1e-15));
  p.factor = 1.0;
  CHECK(cope::rope_longrope(96, p).attention_factor == 1.0);
  p.attention_factor = 1.5;
  CHECK(cope::rope_longrope(96, p).attention_factor == 1.5);
}

TEST_CASE("pair factors: inv_freq_j = 1 / (f_j * base^(2j/D))") {
  const cope::spectrum base = cope::rope_default(64, {10000.0, 1.0});
  cope::pair_factor_parameters p;
  p.factors.assign(32, 1.0);
  const cope::spectrum ones = cope::rope_pair_factors(64, p);
  for (std::size_t j = 0; j < 32; ++j) CHECK(bits(ones.inv_freq[j]) == bits(base.inv_freq[j]));
  p.factors.assign(32, 2.0);
  p.attention_factor = 1.25;
  const cope::spectrum twice = cope::rope_pair_factors(64, p);
  CHECK(twice.attention_factor == 1.25);
  for (std::size_t j = 0; j < 32; ++j) CHECK(bits(twice.inv_freq[j]) == bits(base.inv_freq[j] / 2.0f));
}

TEST_CASE("make_spectrum: dispatch on rope_type, legacy 'su', HF's `beta or default`") {
  cope::rope_parameters p;
  p.rope_type = "yarn";
  p.rope_theta = 1e6;
  p.factor = 4.0;
  p.original_max_position_embeddings = 32768;
  p.beta_fast = 0.0;  // `beta_fast or 32`
  const cope::spectrum viaconfig = cope::make_spectrum(p, 128, 131072);
  const cope::spectrum direct = cope::rope_yarn(128, qwen25_yarn4());
  CHECK(viaconfig.rope_type == "yarn");
  for (std::size_t j = 0; j < 64; ++j) CHECK(bits(viaconfig.inv_freq[j]) == bits(direct.inv_freq[j]));
  CHECK(viaconfig.attention_factor == direct.attention_factor);

  cope::rope_parameters su;
  su.rope_type = "su";
  su.original_max_position_embeddings = 4096;
  su.short_factor.assign(48, 1.0);
  su.long_factor.assign(48, 2.0);
  CHECK(cope::make_spectrum(su, 96, 131072).rope_type == "longrope");
  CHECK(cope::make_spectrum(cope::rope_parameters{}, 64).rope_type == "default");
}

TEST_CASE("generators: the double spectrum is the float32 one without rounding") {
  // A handful of float32 roundings: at most about 3e-7 relative (Llama-3's smoothing band).
  for (const cope::spectrum& s :
       {cope::rope_default(128, {5e5, 1.0}), cope::rope_yarn(128, qwen25_yarn4()), cope::rope_llama3(128, llama31_8b()),
        cope::rope_dynamic(128, {1e4, 1.0, 2.0, 4096}, 10000)}) {
    INFO(s.rope_type);
    for (std::size_t j = 0; j < s.inv_freq.size(); ++j)
      CHECK(std::abs(s.inv_freq[j] - s.inv_freq_f64[j]) <= 5e-7 * s.inv_freq_f64[j]);
  }
}
