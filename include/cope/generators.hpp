// cope — spectrum generators: Hugging Face transformers' rope init functions, bit for bit (design §2.2).
//
// Each generator takes head_dim and a parameter struct whose fields are the model config's
// `rope_parameters` keys (same names, same defaults) and returns inv_freq plus attention_factor.
// The float32 values follow the reference's order of float32 operations exactly, so that they are
// bit-identical to it (tests/spectrum_golden.cpp checks every case of reference/spectra.json); the
// same formulas are also evaluated in double for analysis (spectrum::inv_freq_f64).
// Formulas, quirks and version history: ../shared/reference/spectrum_formulas.md.
//
// Every generator has a non-throwing form try_rope_xxx returning cope::result<spectrum>, and, when
// exceptions are enabled, rope_xxx which throws cope::error with the same message. Definitions:
// detail/generators_inl.hpp, inline in header-only units, compiled once into cope::kernels when it is
// linked (COPE_COMPILED_KERNELS=1), like the kernels.
#pragma once

#include "detail/isa_select.hpp"
#include "error.hpp"
#include "float32_math.hpp"
#include "spectrum.hpp"

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cope {

// ---------------------------------------------------------------------------------------------
// Parameter structs. Keys absent from HF's config are std::optional; defaults are HF's.
// `max_position_embeddings` lives at the top level of a model config, not in rope_parameters;
// the types whose formulas read it take it here.
// ---------------------------------------------------------------------------------------------

struct default_parameters {
  double rope_theta = 10000.0;  // base; ABF ("adjusted base frequency") is simply a larger base
  double partial_rotary_factor = 1.0;
};

struct linear_parameters {
  double rope_theta = 10000.0;
  double partial_rotary_factor = 1.0;
  std::optional<double> factor;  // required: every frequency is divided by it
};

struct dynamic_parameters {
  double rope_theta = 10000.0;
  double partial_rotary_factor = 1.0;
  std::optional<double> factor;                         // required
  std::optional<std::int64_t> max_position_embeddings;  // required (HF uses it, not the original length)
};

struct yarn_parameters {
  double rope_theta = 10000.0;
  double partial_rotary_factor = 1.0;
  std::optional<double> factor;                                  // absent: max / original
  std::optional<std::int64_t> original_max_position_embeddings;  // absent: max_position_embeddings
  std::optional<std::int64_t> max_position_embeddings;
  double beta_fast = 32.0;
  double beta_slow = 1.0;
  bool truncate = true;
  std::optional<double> mscale;
  std::optional<double> mscale_all_dim;
  std::optional<double> attention_factor;  // explicit value wins (even 1.0)
};

struct llama3_parameters {
  double rope_theta = 10000.0;
  double partial_rotary_factor = 1.0;
  std::optional<double> factor;                                  // required
  std::optional<double> low_freq_factor;                         // required
  std::optional<double> high_freq_factor;                        // required
  std::optional<std::int64_t> original_max_position_embeddings;  // required
  std::optional<std::int64_t> max_position_embeddings;           // if given, must exceed the original
};

struct longrope_parameters {
  double rope_theta = 10000.0;
  double partial_rotary_factor = 1.0;
  std::vector<double> short_factor;                              // required, rotary_dim/2 entries
  std::vector<double> long_factor;                               // required, rotary_dim/2 entries
  std::optional<double> factor;                                  // absent: max / original
  std::optional<std::int64_t> original_max_position_embeddings;  // required
  std::optional<std::int64_t> max_position_embeddings;           // needed when factor is absent
  std::optional<double> attention_factor;
};

// Arbitrary per-pair frequency factors (llama.cpp's freq_factors): pair j's frequency is divided by
// factors[j], rounded as LongRoPE rounds its factors.
struct pair_factor_parameters {
  double rope_theta = 10000.0;
  double partial_rotary_factor = 1.0;
  std::vector<double> factors;  // rotary_dim/2 entries, finite and positive
  double attention_factor = 1.0;
};

// proportional (Gemma 4's p-RoPE, HF v5): the first k = int(partial_rotary_factor * head_dim // 2)
// pairs at base^(-2j / head_dim) — the denominator is the full head_dim, so these are plain RoPE's k
// highest frequencies — and the other head_dim/2 - k pairs identity (inv_freq 0); all divided by factor.
// The spectrum spans the whole head (rotary_dim = head_dim), as vLLM applies it.
struct proportional_parameters {
  double rope_theta = 10000.0;
  double partial_rotary_factor = 1.0;  // the rotated fraction p, not a rotary_dim
  double factor = 1.0;
};

// Static NTK-aware scaling as engines ship it (vLLM's NTKScalingRotaryEmbedding; InternLM family):
//   without mixed_b: base' = base * factor, inv_freq_j = (1 / base'^(2j/D)) / factor^(2/D);
//   with mixed_b (kexue.fm/archives/9706): inv_freq_j = (1 / base^(2j/D)) / lambda_j,
//   lambda_j = exp(a * (j+1)^mixed_b), a = ln(factor) / (D/2)^mixed_b.
struct ntk_parameters {
  double rope_theta = 10000.0;
  double partial_rotary_factor = 1.0;
  std::optional<double> factor;  // required
  std::optional<double> mixed_b;
};

// Dynamic NTK with alpha (Hunyuan; vLLM's DynamicNTKAlphaRotaryEmbedding, GGUF `rope.scaling.alpha`):
// a static base change base' = base * alpha^(D / (D - 2)), then the default spectrum over base'.
// No sequence-length dependence, despite the name.
struct ntk_alpha_parameters {
  double rope_theta = 10000.0;
  double partial_rotary_factor = 1.0;
  std::optional<double> alpha;  // required
};

// The union of all keys, for dispatching on a model config's `rope_type` (see make_spectrum).
struct rope_parameters {
  // default | linear | dynamic | yarn | longrope (legacy "su") | llama3 | proportional | ntk;
  // "dynamic" with `alpha` is Hunyuan's NTK-alpha (as vLLM reads it).
  std::string rope_type = "default";
  double rope_theta = 10000.0;
  double partial_rotary_factor = 1.0;
  std::optional<double> factor;
  std::optional<std::int64_t> original_max_position_embeddings;
  std::optional<double> attention_factor;
  std::optional<double> beta_fast;  // HF reads `beta_fast or 32`: absent or 0 means 32
  std::optional<double> beta_slow;  // `beta_slow or 1`
  std::optional<double> mscale;
  std::optional<double> mscale_all_dim;
  std::optional<bool> truncate;     // absent: true
  std::optional<double> low_freq_factor;
  std::optional<double> high_freq_factor;
  std::vector<double> short_factor;
  std::vector<double> long_factor;
  std::optional<double> alpha;    // dynamic: Hunyuan's NTK-alpha
  std::optional<double> mixed_b;  // ntk: mixed NTK exponent
};

namespace detail {
// YaRN's get_mscale (float64, as HF): 1 for scale <= 1, else 0.1 * mscale * ln(scale) + 1. Also the
// readers' (plan.hpp) DeepSeek softmax multiplier, so it lives here rather than in generators_inl.hpp.
inline double yarn_get_mscale(double scale, double mscale = 1.0) {
  if (scale <= 1.0) return 1.0;
  return 0.1 * mscale * std::log(scale) + 1.0;
}
}  // namespace detail

// The generators (definitions: detail/generators_inl.hpp, inline here or compiled into cope::kernels).
inline namespace COPE_API_NAMESPACE {

[[nodiscard]] COPE_KERNELS_API result<spectrum> try_rope_default(int head_dim, const default_parameters& p = {},
                                                                 const float32_math& math = correctly_rounded_math());
[[nodiscard]] COPE_KERNELS_API result<spectrum> try_rope_linear(int head_dim, const linear_parameters& p,
                                                                const float32_math& math = correctly_rounded_math());
[[nodiscard]] COPE_KERNELS_API result<spectrum> try_rope_dynamic(int head_dim, const dynamic_parameters& p,
                                                                 std::optional<std::int64_t> seq_len = std::nullopt,
                                                                 const float32_math& math = correctly_rounded_math());
[[nodiscard]] COPE_KERNELS_API result<spectrum> try_rope_yarn(int head_dim, const yarn_parameters& p,
                                                              const float32_math& math = correctly_rounded_math());
[[nodiscard]] COPE_KERNELS_API result<spectrum> try_rope_llama3(int head_dim, const llama3_parameters& p,
                                                                const float32_math& math = correctly_rounded_math());
[[nodiscard]] COPE_KERNELS_API result<spectrum> try_rope_longrope(int head_dim, const longrope_parameters& p,
                                                                  std::optional<std::int64_t> seq_len = std::nullopt,
                                                                  const float32_math& math = correctly_rounded_math());
[[nodiscard]] COPE_KERNELS_API result<spectrum> try_rope_pair_factors(int head_dim, const pair_factor_parameters& p,
                                                                      const float32_math& math = correctly_rounded_math());
[[nodiscard]] COPE_KERNELS_API result<spectrum> try_rope_proportional(int head_dim, const proportional_parameters& p,
                                                                      const float32_math& math = correctly_rounded_math());
[[nodiscard]] COPE_KERNELS_API result<spectrum> try_rope_ntk(int head_dim, const ntk_parameters& p,
                                                             const float32_math& math = correctly_rounded_math());
[[nodiscard]] COPE_KERNELS_API result<spectrum> try_rope_ntk_alpha(int head_dim, const ntk_alpha_parameters& p,
                                                                   const float32_math& math = correctly_rounded_math());
[[nodiscard]] COPE_KERNELS_API result<spectrum> try_make_spectrum(const rope_parameters& p, int head_dim,
                                                                  std::optional<std::int64_t> max_position_embeddings = std::nullopt,
                                                                  std::optional<std::int64_t> seq_len = std::nullopt,
                                                                  const float32_math& math = correctly_rounded_math());

#if COPE_EXCEPTIONS
inline spectrum rope_default(int head_dim, const default_parameters& p = {},
                             const float32_math& math = correctly_rounded_math()) {
  return detail::value_or_throw(try_rope_default(head_dim, p, math));
}
inline spectrum rope_linear(int head_dim, const linear_parameters& p,
                            const float32_math& math = correctly_rounded_math()) {
  return detail::value_or_throw(try_rope_linear(head_dim, p, math));
}
inline spectrum rope_dynamic(int head_dim, const dynamic_parameters& p,
                             std::optional<std::int64_t> seq_len = std::nullopt,
                             const float32_math& math = correctly_rounded_math()) {
  return detail::value_or_throw(try_rope_dynamic(head_dim, p, seq_len, math));
}
inline spectrum rope_yarn(int head_dim, const yarn_parameters& p, const float32_math& math = correctly_rounded_math()) {
  return detail::value_or_throw(try_rope_yarn(head_dim, p, math));
}
inline spectrum rope_llama3(int head_dim, const llama3_parameters& p,
                            const float32_math& math = correctly_rounded_math()) {
  return detail::value_or_throw(try_rope_llama3(head_dim, p, math));
}
inline spectrum rope_longrope(int head_dim, const longrope_parameters& p,
                              std::optional<std::int64_t> seq_len = std::nullopt,
                              const float32_math& math = correctly_rounded_math()) {
  return detail::value_or_throw(try_rope_longrope(head_dim, p, seq_len, math));
}
inline spectrum rope_pair_factors(int head_dim, const pair_factor_parameters& p,
                                  const float32_math& math = correctly_rounded_math()) {
  return detail::value_or_throw(try_rope_pair_factors(head_dim, p, math));
}
inline spectrum rope_proportional(int head_dim, const proportional_parameters& p,
                                  const float32_math& math = correctly_rounded_math()) {
  return detail::value_or_throw(try_rope_proportional(head_dim, p, math));
}
inline spectrum rope_ntk(int head_dim, const ntk_parameters& p, const float32_math& math = correctly_rounded_math()) {
  return detail::value_or_throw(try_rope_ntk(head_dim, p, math));
}
inline spectrum rope_ntk_alpha(int head_dim, const ntk_alpha_parameters& p,
                               const float32_math& math = correctly_rounded_math()) {
  return detail::value_or_throw(try_rope_ntk_alpha(head_dim, p, math));
}
inline spectrum make_spectrum(const rope_parameters& p, int head_dim,
                              std::optional<std::int64_t> max_position_embeddings = std::nullopt,
                              std::optional<std::int64_t> seq_len = std::nullopt,
                              const float32_math& math = correctly_rounded_math()) {
  return detail::value_or_throw(try_make_spectrum(p, head_dim, max_position_embeddings, seq_len, math));
}
#endif

}  // namespace COPE_API_NAMESPACE
}  // namespace cope

#if !COPE_COMPILED_KERNELS
#include "detail/generators_inl.hpp"
#endif
