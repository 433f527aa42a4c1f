// Validation (design §7): each rule reports its specific error code and a message naming the
// parameter, the value and the rule, through both channels (status result and exception).
#include <catch2/catch.hpp>

#include "cope/cope.hpp"
#include "support/models.hpp"

#include <limits>
#include <string>

namespace {
const double not_a_number = std::numeric_limits<double>::quiet_NaN();
const double infinity = std::numeric_limits<double>::infinity();

template <class T>
void check_error(const cope::result<T>& r, cope::errc code, const std::string& message) {
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == code);
  CHECK(r.error().message() == message);
}

cope::longrope_parameters longrope() {
  cope::longrope_parameters p;
  p.original_max_position_embeddings = 4096;
  p.max_position_embeddings = 131072;
  p.short_factor.assign(48, 1.0);
  p.long_factor.assign(48, 2.0);
  return p;
}
}  // namespace

TEST_CASE("validation: head_dim must be positive") {
  check_error(cope::try_rope_default(0), cope::errc::invalid_dimension, "default: head_dim (0) must be in [1, 65536] (max_head_dim)");
  check_error(cope::try_rope_yarn(-64, cope_test::qwen25_yarn4()), cope::errc::invalid_dimension, "yarn: head_dim (-64) must be in [1, 65536] (max_head_dim)");
}

TEST_CASE("validation: odd rotary dimension") {
  check_error(cope::try_rope_default(127), cope::errc::invalid_dimension,
              "default: rotary_dim (127 = int(head_dim 127 * partial_rotary_factor 1)) must be even");
  check_error(cope::try_rope_default(100, {10000.0, 0.33}), cope::errc::invalid_dimension,
              "default: rotary_dim (33 = int(head_dim 100 * partial_rotary_factor 0.33)) must be even");
}

TEST_CASE("validation: zero rotary dimension") {
  check_error(cope::try_rope_default(2, {10000.0, 0.25}), cope::errc::invalid_dimension,
              "default: rotary_dim (0 = int(head_dim 2 * partial_rotary_factor 0.25)) must be positive");
}

TEST_CASE("validation: partial_rotary_factor not positive or above 1") {
  for (double f : {0.0, -0.5, 1.5, not_a_number})
    check_error(cope::try_rope_default(128, {10000.0, f}), cope::errc::invalid_factor,
                "default: partial_rotary_factor (" + cope::detail::format_number(f) + ") must be in (0, 1]");
}

TEST_CASE("validation: non-positive, NaN, infinite or non-float32 base") {
  for (double b : {-1.0, 0.0, 1.0, not_a_number, infinity, 1e39})
    check_error(cope::try_rope_default(128, {b, 1.0}), cope::errc::invalid_base,
                "default: rope_theta (" + cope::detail::format_number(b) +
                    ") must be finite, greater than 1 and representable in float32");
  cope::yarn_parameters p = cope_test::qwen25_yarn4();
  p.rope_theta = -5.0;
  check_error(cope::try_rope_yarn(128, p), cope::errc::invalid_base,
              "yarn: rope_theta (-5) must be finite, greater than 1 and representable in float32");
}

TEST_CASE("validation: non-positive, NaN or infinite factor") {
  for (double f : {0.0, -2.0, not_a_number, infinity}) {
    const std::string value = cope::detail::format_number(f);
    check_error(cope::try_rope_linear(128, {10000.0, 1.0, f}), cope::errc::invalid_factor,
                "linear: factor (" + value + ") must be finite and positive");
    check_error(cope::try_rope_dynamic(128, {10000.0, 1.0, f, 4096}), cope::errc::invalid_factor,
                "dynamic: factor (" + value + ") must be finite and positive");
    cope::yarn_parameters y = cope_test::qwen25_yarn4();
    y.factor = f;
    check_error(cope::try_rope_yarn(128, y), cope::errc::invalid_factor,
                "yarn: factor (" + value + ") must be finite and positive");
    cope::llama3_parameters l = cope_test::llama31_8b();
    l.low_freq_factor = f;
    check_error(cope::try_rope_llama3(128, l), cope::errc::invalid_factor,
                "llama3: low_freq_factor (" + value + ") must be finite and positive");
  }
  cope::yarn_parameters y = cope_test::qwen25_yarn4();
  y.attention_factor = -1.0;
  check_error(cope::try_rope_yarn(128, y), cope::errc::invalid_factor,
              "yarn: attention_factor (-1) must be in [2^-16, 2^16] (min_attention_factor, max_attention_factor: the range every kernel path handles exactly)");
}

TEST_CASE("validation: missing required parameters") {
  check_error(cope::try_rope_linear(128, {}), cope::errc::missing_parameter,
              "linear: missing required parameter 'factor'");
  check_error(cope::try_rope_dynamic(128, {10000.0, 1.0, 2.0, std::nullopt}), cope::errc::missing_parameter,
              "dynamic: missing required parameter 'max_position_embeddings'");
  cope::llama3_parameters l = cope_test::llama31_8b();
  l.high_freq_factor.reset();
  check_error(cope::try_rope_llama3(128, l), cope::errc::missing_parameter,
              "llama3: missing required parameter 'high_freq_factor'");
  cope::yarn_parameters y = cope_test::qwen25_yarn4();
  y.original_max_position_embeddings.reset();
  check_error(cope::try_rope_yarn(128, y), cope::errc::missing_parameter,
              "yarn: missing required parameter 'original_max_position_embeddings' "
              "(or max_position_embeddings to default it from)");
}

TEST_CASE("validation: yarn beta_fast must exceed beta_slow") {
  cope::yarn_parameters p = cope_test::qwen25_yarn4();
  p.beta_fast = 1.0;
  p.beta_slow = 32.0;
  check_error(cope::try_rope_yarn(128, p), cope::errc::invalid_beta,
              "yarn: beta_fast (1) must be greater than beta_slow (32)");
  p.beta_fast = 32.0;
  check_error(cope::try_rope_yarn(128, p), cope::errc::invalid_beta,
              "yarn: beta_fast (32) must be greater than beta_slow (32)");
  p.beta_slow = not_a_number;
  check_error(cope::try_rope_yarn(128, p), cope::errc::invalid_beta, "yarn: beta_slow (nan) must be finite and positive");
}

TEST_CASE("validation: factor lists of the wrong length or with non-positive entries") {
  cope::longrope_parameters p = longrope();
  p.short_factor.resize(10, 1.0);
  check_error(cope::try_rope_longrope(96, p), cope::errc::invalid_factor_list,
              "longrope: short_factor has 10 entries, expected 48 (rotary_dim / 2)");
  p = longrope();
  p.long_factor[3] = 0.0;
  check_error(cope::try_rope_longrope(96, p), cope::errc::invalid_factor_list,
              "longrope: long_factor[3] (0) must be finite and positive");
  cope::pair_factor_parameters f;
  f.factors.assign(31, 1.0);
  check_error(cope::try_rope_pair_factors(64, f), cope::errc::invalid_factor_list,
              "pair_factors: factors has 31 entries, expected 32 (rotary_dim / 2)");
  f.factors.assign(32, 1.0);
  f.factors[31] = -1.0;
  check_error(cope::try_rope_pair_factors(64, f), cope::errc::invalid_factor_list,
              "pair_factors: factors[31] (-1) must be finite and positive");
}

TEST_CASE("validation: llama3 low_freq_factor must be below high_freq_factor") {
  cope::llama3_parameters p = cope_test::llama31_8b();
  p.low_freq_factor = 4.0;
  p.high_freq_factor = 1.0;
  check_error(cope::try_rope_llama3(128, p), cope::errc::invalid_factor,
              "llama3: high_freq_factor (1) must be greater than low_freq_factor (4)");
  p.high_freq_factor = 4.0;
  check_error(cope::try_rope_llama3(128, p), cope::errc::invalid_factor,
              "llama3: high_freq_factor (4) must be greater than low_freq_factor (4)");
}

TEST_CASE("validation: llama3 original length must be below the max length") {
  cope::llama3_parameters p = cope_test::llama31_8b();
  p.max_position_embeddings = 8192;
  check_error(cope::try_rope_llama3(128, p), cope::errc::invalid_length,
              "llama3: original_max_position_embeddings (8192) must be less than max_position_embeddings (8192)");
}

TEST_CASE("validation: non-positive lengths") {
  check_error(cope::try_rope_dynamic(128, {10000.0, 1.0, 2.0, 4096}, 0), cope::errc::invalid_length,
              "dynamic: seq_len (0) must be positive");
  check_error(cope::try_rope_dynamic(128, {10000.0, 1.0, 2.0, -1}), cope::errc::invalid_length,
              "dynamic: max_position_embeddings (-1) must be positive");
  cope::longrope_parameters p = longrope();
  p.original_max_position_embeddings = 0;
  check_error(cope::try_rope_longrope(96, p), cope::errc::invalid_length,
              "longrope: original_max_position_embeddings (0) must be positive");
  check_error(cope::try_rope_dynamic(2, {10000.0, 1.0, 2.0, 4096}), cope::errc::invalid_dimension,
              "dynamic: rotary_dim (2) must be greater than 2 (the base exponent is D / (D - 2))");
}

TEST_CASE("validation: unknown rope type") {
  cope::rope_parameters p;
  p.rope_type = "xpos";
  check_error(cope::try_make_spectrum(p, 128), cope::errc::unknown_rope_type,
              "make_spectrum: unknown rope_type 'xpos' (expected default, linear, dynamic, yarn, longrope, su, "
              "llama3, proportional or ntk)");
}

TEST_CASE("validation: clip count beyond the number of pairs, negative, or twice") {
  const cope::spectrum s = cope::rope_default(128);
  check_error(cope::try_cope_clip(s, 65), cope::errc::invalid_clip,
              "cope_clip: n (65) exceeds the number of pairs (64 = rotary_dim 128 / 2)");
  check_error(cope::try_hard_clip(s, -1), cope::errc::invalid_clip, "hard_clip: n (-1) must not be negative");
  check_error(cope::try_cope_clip(cope::hard_clip(s, 20), 20), cope::errc::invalid_clip,
              "cope_clip: the spectrum is already clipped (hard, n = 20); clip the generator's spectrum instead");
  check_error(cope::try_cope_clip(cope::spectrum{}, 1), cope::errc::invalid_clip,
              "cope_clip: the spectrum is empty or inconsistent (0 inv_freq for rotary_dim 0)");
  check_error(cope::try_ood_clip_count(s, 0.0), cope::errc::invalid_clip,
              "ood_clip_count: training_length (0) must be finite and positive");
}

TEST_CASE("validation: critical dimension arguments") {
  check_error(cope::try_critical_dimension(-1.0, 128, 1e4), cope::errc::invalid_length,
              "critical_dimension: training_length (-1) must be finite and positive");
  check_error(cope::try_critical_dimension(8192, 127, 1e4), cope::errc::invalid_dimension,
              "critical_dimension: head_dim (127) must be positive and even");
  check_error(cope::try_critical_dimension(8192, 128, 1.0), cope::errc::invalid_base,
              "critical_dimension: base (1) must be finite and greater than 1");
}

TEST_CASE("validation: the throwing forms throw cope::error with the same code and message") {
  cope::yarn_parameters p = cope_test::qwen25_yarn4();
  p.beta_fast = 1.0;
  p.beta_slow = 32.0;
  CHECK_THROWS_WITH(cope::rope_yarn(128, p), "yarn: beta_fast (1) must be greater than beta_slow (32)");
  try {
    (void)cope::rope_yarn(128, p);
  } catch (const cope::error& e) {
    CHECK(e.code() == cope::errc::invalid_beta);
  }
  CHECK_THROWS_AS(cope::cope_clip(cope::rope_default(64), 33), std::invalid_argument);
  CHECK_THROWS_AS(cope::critical_dimension(0, 128, 1e4), cope::error);
}
