// Internal header (not part of the public API): the definitions of the generators declared in
// generators.hpp — inline in a header-only unit, compiled once into cope::kernels (src/generators.cpp)
// otherwise. The float32 sequences reproduce the reference's operations one by one (float32_ops.hpp).
#pragma once

#include "../generators.hpp"
#include "check_spectrum.hpp"
#include "float32_ops.hpp"
#include "message.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cope {

namespace detail {

// --- shared validation ------------------------------------------------------------------------

// HF: dim = int(head_dim * partial_rotary_factor) (Python int() truncates toward zero).
inline status check_rotary_dim(const char* ctx, int head_dim, double partial_rotary_factor, int& rotary_dim) {
  if (head_dim <= 0 || head_dim > max_head_dim)
    return fail(errc::invalid_dimension, ctx, ": head_dim (", head_dim, ") must be in [1, ", max_head_dim,
                "] (max_head_dim)");
  if (!(partial_rotary_factor > 0.0 && partial_rotary_factor <= 1.0))
    return fail(errc::invalid_factor, ctx, ": partial_rotary_factor (", partial_rotary_factor, ") must be in (0, 1]");
  const int dim = static_cast<int>(static_cast<double>(head_dim) * partial_rotary_factor);
  if (dim == 0)
    return fail(errc::invalid_dimension, ctx, ": rotary_dim (0 = int(head_dim ", head_dim, " * partial_rotary_factor ",
                partial_rotary_factor, ")) must be positive");
  if (dim % 2 != 0)
    return fail(errc::invalid_dimension, ctx, ": rotary_dim (", dim, " = int(head_dim ", head_dim,
                " * partial_rotary_factor ", partial_rotary_factor, ")) must be even");
  rotary_dim = dim;
  return {};
}

inline status check_theta(const char* ctx, double rope_theta) {
  // Above 1 so that frequencies decrease and log(base) (YaRN, critical dimension) is positive;
  // float32-representable because the reference rounds the base to float32.
  if (std::isfinite(rope_theta) && rope_theta > 1.0 && rope_theta <= static_cast<double>(FLT_MAX)) return {};
  return fail(errc::invalid_base, ctx, ": rope_theta (", rope_theta,
              ") must be finite, greater than 1 and representable in float32");
}

template <class T>
status check_required(const char* ctx, const char* name, const std::optional<T>& value) {
  if (value) return {};
  return fail(errc::missing_parameter, ctx, ": missing required parameter '", name, "'");
}

inline status check_factor_list(const char* ctx, const char* name, const std::vector<double>& list, int pairs) {
  if (static_cast<int>(list.size()) != pairs)
    return fail(errc::invalid_factor_list, ctx, ": ", name, " has ", list.size(), " entries, expected ", pairs,
                " (rotary_dim / 2)");
  for (std::size_t j = 0; j < list.size(); ++j)
    if (!(std::isfinite(list[j]) && list[j] > 0.0))
      return fail(errc::invalid_factor_list, ctx, ": ", name, "[", j, "] (", list[j], ") must be finite and positive");
  return {};
}

inline status check_attention_factor(const char* ctx, const char* name, double value) {
  if (attention_factor_in_range(value)) return {};
  return fail_attention_factor(ctx, name, value);
}

// Every generator checks what it returns: a finite positive parameter can still overflow or underflow
// float32 on the way (factor 1e-320 rounds to 0, and inv_freq / 0 is inf), which must be an error naming
// the parameter, never an "ok" spectrum holding inf or NaN. `cause(j)` names the parameter (and its
// value) behind pair j.
template <class Cause>
status check_generated(const char* ctx, const spectrum& s, Cause&& cause) {
  for (std::size_t j = 0; j < s.inv_freq.size(); ++j)
    if (!std::isfinite(s.inv_freq[j]) || !std::isfinite(s.inv_freq_f64[j])) {
      const auto [name, value] = cause(j);
      return fail(errc::invalid_factor, ctx, ": ", name, " (", value, ") makes inv_freq[", j, "] ", s.inv_freq[j],
                  " in float32 (", s.inv_freq_f64[j], " in double): it over- or underflows float32, and every "
                  "inv_freq must be finite");
    }
  return check_attention_factor(ctx, "attention_factor", s.attention_factor);
}

inline status check_generated(const char* ctx, const spectrum& s, const char* name, double value) {
  return check_generated(ctx, s, [&](std::size_t) { return std::pair<std::string, double>(name, value); });
}

// The list entry behind each pair (LongRoPE's short_factor / long_factor, pair_factors' factors).
inline status check_generated(const char* ctx, const spectrum& s, const char* list_name,
                              const std::vector<double>& list) {
  return check_generated(ctx, s, [&](std::size_t j) {
    return std::pair<std::string, double>(std::string(list_name) + "[" + std::to_string(j) + "]", list[j]);
  });
}

// --- shared arithmetic ------------------------------------------------------------------------

// base ** (arange(0, D, 2) / D): float32 exactly as the reference (one tensor of D/2 exponents
// through `math.pow`), and the same in double from the unrounded base.
struct base_powers {
  std::vector<float> f32;
  std::vector<double> f64;
};

inline base_powers rope_base_powers(float base32, double base64, int rotary_dim, const float32_math& math) {
  const std::size_t pairs = static_cast<std::size_t>(rotary_dim / 2);
  base_powers p;
  std::vector<float> exponent(pairs);
  p.f32.resize(pairs);
  p.f64.resize(pairs);
  for (std::size_t j = 0; j < pairs; ++j) {
    exponent[j] = f32::rope_exponent(static_cast<int>(j), rotary_dim);
    p.f64[j] = std::pow(base64, static_cast<double>(2 * j) / rotary_dim);
  }
  math.pow(base32, exponent.data(), p.f32.data(), pairs);
  return p;
}

inline base_powers rope_base_powers(double rope_theta, int rotary_dim, const float32_math& math) {
  return rope_base_powers(f32::scalar(rope_theta), rope_theta, rotary_dim, math);
}

// inv_freq = 1.0 / base_powers (float32 reciprocal of the float32 power).
inline spectrum spectrum_from_powers(const char* rope_type, int head_dim, int rotary_dim, const base_powers& p) {
  spectrum s;
  s.rope_type = rope_type;
  s.head_dim = head_dim;
  s.rotary_dim = rotary_dim;
  s.inv_freq.resize(p.f32.size());
  s.inv_freq_f64.resize(p.f64.size());
  for (std::size_t j = 0; j < p.f32.size(); ++j) {
    s.inv_freq[j] = f32::div(1.0f, p.f32[j]);
    s.inv_freq_f64[j] = 1.0 / p.f64[j];
  }
  return s;
}

// YaRN's find_correction_dim: the real pair index whose wavelength makes `num_rotations` full turns
// over the original length (float64, HF's operation order).
inline double yarn_correction_dim(double num_rotations, int rotary_dim, double rope_theta, double original_length) {
  return (rotary_dim * std::log(original_length / (num_rotations * 2 * pi))) / (2 * std::log(rope_theta));
}

}  // namespace detail
inline namespace COPE_API_NAMESPACE {

// ---------------------------------------------------------------------------------------------
// default: inv_freq_j = 1 / base^(2j/D), attention_factor 1.
// ---------------------------------------------------------------------------------------------
COPE_KERNELS_API result<spectrum> try_rope_default(int head_dim, const default_parameters& p,
                                                   const float32_math& math) {
  return detail::catch_allocation_failure("default", [&]() -> result<spectrum> {
    const char* ctx = "default";
    int dim = 0;
    if (auto st = detail::check_rotary_dim(ctx, head_dim, p.partial_rotary_factor, dim); !st) return st;
    if (auto st = detail::check_theta(ctx, p.rope_theta); !st) return st;
    spectrum s = detail::spectrum_from_powers("default", head_dim, dim, detail::rope_base_powers(p.rope_theta, dim, math));
    if (auto st = detail::check_generated(ctx, s, "rope_theta", p.rope_theta); !st) return st;
    return s;
  });
}

// ---------------------------------------------------------------------------------------------
// linear (position interpolation): the default inv_freq divided by factor in float32.
// ---------------------------------------------------------------------------------------------
COPE_KERNELS_API result<spectrum> try_rope_linear(int head_dim, const linear_parameters& p,
                                                  const float32_math& math) {
  return detail::catch_allocation_failure("linear", [&]() -> result<spectrum> {
    const char* ctx = "linear";
    int dim = 0;
    if (auto st = detail::check_rotary_dim(ctx, head_dim, p.partial_rotary_factor, dim); !st) return st;
    if (auto st = detail::check_theta(ctx, p.rope_theta); !st) return st;
    if (auto st = detail::check_required(ctx, "factor", p.factor); !st) return st;
    if (auto st = detail::check_positive(ctx, "factor", *p.factor, errc::invalid_factor); !st) return st;
    spectrum s = detail::spectrum_from_powers("linear", head_dim, dim, detail::rope_base_powers(p.rope_theta, dim, math));
    const float factor32 = detail::f32::scalar(*p.factor);
    for (std::size_t j = 0; j < s.inv_freq.size(); ++j) {
      s.inv_freq[j] = detail::f32::div(s.inv_freq[j], factor32);
      s.inv_freq_f64[j] /= *p.factor;
    }
    if (auto st = detail::check_generated(ctx, s, "factor", *p.factor); !st) return st;
    return s;
  });
}

// ---------------------------------------------------------------------------------------------
// dynamic NTK: base' = base * ((factor * S / L) - (factor - 1)) ^ (D / (D - 2)), S = max(seq_len, L),
// L = max_position_embeddings. Without seq_len (init time) S = L and the default spectrum results.
// With seq_len, the reference's runtime path is followed: seq_len arrives as an int64 tensor
// (max(position_ids) + 1), so the bracket and base' are float32 values.
// ---------------------------------------------------------------------------------------------
COPE_KERNELS_API result<spectrum> try_rope_dynamic(int head_dim, const dynamic_parameters& p,
                                                   std::optional<std::int64_t> seq_len,
                                                   const float32_math& math) {
  return detail::catch_allocation_failure("dynamic", [&]() -> result<spectrum> {
    const char* ctx = "dynamic";
    int dim = 0;
    if (auto st = detail::check_rotary_dim(ctx, head_dim, p.partial_rotary_factor, dim); !st) return st;
    if (dim <= 2)
      return detail::fail(errc::invalid_dimension, ctx, ": rotary_dim (", dim,
                          ") must be greater than 2 (the base exponent is D / (D - 2))");
    if (auto st = detail::check_theta(ctx, p.rope_theta); !st) return st;
    if (auto st = detail::check_required(ctx, "factor", p.factor); !st) return st;
    if (auto st = detail::check_positive(ctx, "factor", *p.factor, errc::invalid_factor); !st) return st;
    if (auto st = detail::check_required(ctx, "max_position_embeddings", p.max_position_embeddings); !st) return st;
    if (auto st = detail::check_positive_length(ctx, "max_position_embeddings", *p.max_position_embeddings); !st)
      return st;
    if (seq_len)
      if (auto st = detail::check_positive_length(ctx, "seq_len", *seq_len); !st) return st;

    const double factor = *p.factor;
    const std::int64_t max_len = *p.max_position_embeddings;
    const double exponent = static_cast<double>(dim) / (dim - 2);

    double base64 = p.rope_theta;  // init time: the bracket is exactly 1
    float base32 = detail::f32::scalar(p.rope_theta);
    if (seq_len) {
      namespace f32 = detail::f32;
      const std::int64_t effective = std::max(*seq_len, max_len);
      // float32 tensor arithmetic, left to right: factor * seq_len / L - (factor - 1); then
      // `** (D / (D - 2))` with the exponent kept in double (torch's tensor ** Python-float path).
      const float bracket = f32::sub(f32::div(f32::mul(f32::scalar(factor), static_cast<float>(effective)),
                                              static_cast<float>(max_len)),
                                     f32::scalar(factor - 1.0));
      const float stretch = static_cast<float>(std::pow(static_cast<double>(bracket), exponent));
      base32 = f32::mul(f32::scalar(p.rope_theta), stretch);
      base64 = p.rope_theta * std::pow(factor * static_cast<double>(effective) / static_cast<double>(max_len) -
                                           (factor - 1.0),
                                       exponent);
    }
    // The bracket is >= 1 in exact arithmetic, but in float32 a large factor cancels it (factor 1e9 at
    // seq_len = L: 1e9 - (1e9 - 1) is 0), and a large seq_len overflows the base.
    if (!(std::isfinite(base32) && base32 > 1.0f && std::isfinite(base64)))
      return detail::fail(errc::invalid_factor, ctx, ": factor (", factor, ") with seq_len (",
                          static_cast<long long>(seq_len.value_or(max_len)), ") and max_position_embeddings (",
                          static_cast<long long>(max_len), ") makes the rescaled base ", base32,
                          " in float32; it must be finite and greater than 1");

    spectrum s =
        detail::spectrum_from_powers("dynamic", head_dim, dim, detail::rope_base_powers(base32, base64, dim, math));
    if (auto st = detail::check_generated(ctx, s, "factor", factor); !st) return st;
    return s;
  });
}

// ---------------------------------------------------------------------------------------------
// YaRN (newest HF semantics: explicit factor wins; original length defaults to the max length).
// Pairs below the correction range keep their frequency, pairs above it are divided by factor, and a
// linear ramp over the pair index blends the two; attention_factor = explicit, else
// get_mscale(s, mscale) / get_mscale(s, mscale_all_dim) when both are set, else 0.1 ln s + 1.
// ---------------------------------------------------------------------------------------------
COPE_KERNELS_API result<spectrum> try_rope_yarn(int head_dim, const yarn_parameters& p,
                                                const float32_math& math) {
  return detail::catch_allocation_failure("yarn", [&]() -> result<spectrum> {
    const char* ctx = "yarn";
    namespace f32 = detail::f32;
    int dim = 0;
    if (auto st = detail::check_rotary_dim(ctx, head_dim, p.partial_rotary_factor, dim); !st) return st;
    if (auto st = detail::check_theta(ctx, p.rope_theta); !st) return st;
    if (p.max_position_embeddings)
      if (auto st = detail::check_positive_length(ctx, "max_position_embeddings", *p.max_position_embeddings); !st)
        return st;
    if (!p.original_max_position_embeddings && !p.max_position_embeddings)
      return detail::fail(errc::missing_parameter, ctx,
                          ": missing required parameter 'original_max_position_embeddings' "
                          "(or max_position_embeddings to default it from)");
    const std::int64_t original = p.original_max_position_embeddings.value_or(p.max_position_embeddings.value_or(0));
    if (auto st = detail::check_positive_length(ctx, "original_max_position_embeddings", original); !st) return st;
    if (!p.factor && !p.max_position_embeddings)
      return detail::fail(errc::missing_parameter, ctx,
                          ": missing required parameter 'factor' (or max_position_embeddings to derive it)");
    const double factor = p.factor ? *p.factor
                                   : static_cast<double>(*p.max_position_embeddings) / static_cast<double>(original);
    if (auto st = detail::check_positive(ctx, "factor", factor, errc::invalid_factor); !st) return st;
    if (auto st = detail::check_positive(ctx, "beta_fast", p.beta_fast, errc::invalid_beta); !st) return st;
    if (auto st = detail::check_positive(ctx, "beta_slow", p.beta_slow, errc::invalid_beta); !st) return st;
    if (!(p.beta_fast > p.beta_slow))
      return detail::fail(errc::invalid_beta, ctx, ": beta_fast (", p.beta_fast, ") must be greater than beta_slow (",
                          p.beta_slow, ")");
    if (p.attention_factor)
      if (auto st = detail::check_attention_factor(ctx, "attention_factor", *p.attention_factor); !st) return st;
    for (const auto& [name, value] : {std::pair{"mscale", p.mscale}, std::pair{"mscale_all_dim", p.mscale_all_dim}})
      if (value && !std::isfinite(*value))
        return detail::fail(errc::invalid_factor, ctx, ": ", name, " (", *value, ") must be finite");

    double attention_factor = 0.0;
    if (p.attention_factor) {
      attention_factor = *p.attention_factor;
    } else if (p.mscale.value_or(0.0) != 0.0 && p.mscale_all_dim.value_or(0.0) != 0.0) {  // Python truthiness
      attention_factor = detail::yarn_get_mscale(factor, *p.mscale) / detail::yarn_get_mscale(factor, *p.mscale_all_dim);
    } else {
      attention_factor = detail::yarn_get_mscale(factor);
    }
    if (!(std::isfinite(attention_factor) && attention_factor >= min_attention_factor &&
          attention_factor <= max_attention_factor))
      return detail::fail(errc::invalid_factor, ctx, ": the attention factor from mscale (", p.mscale.value_or(0.0),
                          ") and mscale_all_dim (", p.mscale_all_dim.value_or(0.0), ") is ", attention_factor,
                          ", outside [2^-16, 2^16] (min_attention_factor, max_attention_factor)");

    // find_correction_range, then clamp to [0, D - 1] (HF clamps to D - 1, not D/2 - 1).
    double low = detail::yarn_correction_dim(p.beta_fast, dim, p.rope_theta, static_cast<double>(original));
    double high = detail::yarn_correction_dim(p.beta_slow, dim, p.rope_theta, static_cast<double>(original));
    if (p.truncate) {
      low = std::floor(low);
      high = std::ceil(high);
    }
    low = std::max(low, 0.0);
    high = std::min(high, static_cast<double>(dim - 1));
    if (low == high) high += 0.001;  // HF's singularity guard; low > high stays unguarded, as in HF

    const detail::base_powers powers = detail::rope_base_powers(p.rope_theta, dim, math);
    spectrum s;
    s.rope_type = "yarn";
    s.head_dim = head_dim;
    s.rotary_dim = dim;
    s.attention_factor = attention_factor;
    s.inv_freq.resize(powers.f32.size());
    s.inv_freq_f64.resize(powers.f64.size());
    const float factor32 = f32::scalar(factor);
    const float low32 = f32::scalar(low);
    const float span32 = f32::scalar(high - low);
    for (std::size_t j = 0; j < powers.f32.size(); ++j) {
      // float32: ramp = clamp((j - low) / (high - low), 0, 1); w_ext = 1 - ramp;
      // inv = inv_int * (1 - w_ext) + inv_ext * w_ext, each operation rounded to float32.
      const float ramp = std::min(std::max(f32::div(f32::sub(static_cast<float>(j), low32), span32), 0.0f), 1.0f);
      const float w_ext = f32::sub(1.0f, ramp);
      const float inv_ext = f32::div(1.0f, powers.f32[j]);
      const float inv_int = f32::div(1.0f, f32::mul(factor32, powers.f32[j]));
      s.inv_freq[j] = f32::add(f32::mul(inv_int, f32::sub(1.0f, w_ext)), f32::mul(inv_ext, w_ext));

      const double ramp64 = std::min(std::max((static_cast<double>(j) - low) / (high - low), 0.0), 1.0);
      s.inv_freq_f64[j] = ramp64 / (factor * powers.f64[j]) + (1.0 - ramp64) / powers.f64[j];
    }
    if (auto st = detail::check_generated(ctx, s, "factor", factor); !st) return st;
    return s;
  });
}

// ---------------------------------------------------------------------------------------------
// Llama-3: wavelengths below original/high_freq_factor keep their frequency, those above
// original/low_freq_factor are divided by factor, and the band between is blended smoothly by
// gamma = (original / wavelength - low) / (high - low). attention_factor 1.
// ---------------------------------------------------------------------------------------------
COPE_KERNELS_API result<spectrum> try_rope_llama3(int head_dim, const llama3_parameters& p,
                                                  const float32_math& math) {
  return detail::catch_allocation_failure("llama3", [&]() -> result<spectrum> {
    const char* ctx = "llama3";
    namespace f32 = detail::f32;
    int dim = 0;
    if (auto st = detail::check_rotary_dim(ctx, head_dim, p.partial_rotary_factor, dim); !st) return st;
    if (auto st = detail::check_theta(ctx, p.rope_theta); !st) return st;
    if (auto st = detail::check_required(ctx, "factor", p.factor); !st) return st;
    if (auto st = detail::check_required(ctx, "low_freq_factor", p.low_freq_factor); !st) return st;
    if (auto st = detail::check_required(ctx, "high_freq_factor", p.high_freq_factor); !st) return st;
    if (auto st = detail::check_required(ctx, "original_max_position_embeddings", p.original_max_position_embeddings);
        !st)
      return st;
    if (auto st = detail::check_positive(ctx, "factor", *p.factor, errc::invalid_factor); !st) return st;
    if (auto st = detail::check_positive(ctx, "low_freq_factor", *p.low_freq_factor, errc::invalid_factor); !st)
      return st;
    if (auto st = detail::check_positive(ctx, "high_freq_factor", *p.high_freq_factor, errc::invalid_factor); !st)
      return st;
    if (!(*p.high_freq_factor > *p.low_freq_factor))
      return detail::fail(errc::invalid_factor, ctx, ": high_freq_factor (", *p.high_freq_factor,
                          ") must be greater than low_freq_factor (", *p.low_freq_factor, ")");
    const std::int64_t original = *p.original_max_position_embeddings;
    if (auto st = detail::check_positive_length(ctx, "original_max_position_embeddings", original); !st) return st;
    if (p.max_position_embeddings && original >= *p.max_position_embeddings)
      return detail::fail(errc::invalid_length, ctx, ": original_max_position_embeddings (",
                          static_cast<long long>(original), ") must be less than max_position_embeddings (",
                          static_cast<long long>(*p.max_position_embeddings), ")");

    result<spectrum> base = try_rope_default(head_dim, default_parameters{p.rope_theta, p.partial_rotary_factor}, math);
    spectrum s = std::move(base).value();
    s.rope_type = "llama3";
    const double factor = *p.factor, low = *p.low_freq_factor, high = *p.high_freq_factor;
    const double orig = static_cast<double>(original);
    // float32 path, as HF's two torch.where calls; the Python-float thresholds become float32 scalars.
    const float two_pi32 = f32::scalar(2 * pi), factor32 = f32::scalar(factor);
    const float low_wavelen32 = f32::scalar(orig / low), high_wavelen32 = f32::scalar(orig / high);
    const float orig32 = f32::scalar(orig), low32 = f32::scalar(low), band32 = f32::scalar(high - low);
    for (std::size_t j = 0; j < s.inv_freq.size(); ++j) {
      const float inv = s.inv_freq[j];
      const float wavelen = f32::div(two_pi32, inv);
      const float scaled = wavelen > low_wavelen32 ? f32::div(inv, factor32) : inv;
      const bool medium = !(wavelen < high_wavelen32) && !(wavelen > low_wavelen32);
      if (medium) {
        const float smooth = f32::div(f32::sub(f32::div(orig32, wavelen), low32), band32);
        s.inv_freq[j] = f32::add(f32::div(f32::mul(f32::sub(1.0f, smooth), scaled), factor32), f32::mul(smooth, scaled));
      } else {
        s.inv_freq[j] = scaled;
      }

      const double inv64 = s.inv_freq_f64[j];
      const double wavelen64 = two_pi / inv64;
      if (wavelen64 > orig / low) {
        s.inv_freq_f64[j] = inv64 / factor;
      } else if (!(wavelen64 < orig / high)) {
        const double smooth64 = (orig / wavelen64 - low) / (high - low);
        s.inv_freq_f64[j] = (1.0 - smooth64) * inv64 / factor + smooth64 * inv64;
      }
    }
    if (auto st = detail::check_generated(ctx, s, "factor", factor); !st) return st;
    return s;
  });
}
}  // namespace COPE_API_NAMESPACE

namespace detail {
// inv_freq_j = 1 / (f_j * base^(2j/D)), the factor rounded to float32 and multiplied into the
// float32 power before the reciprocal (LongRoPE's rounding).
inline spectrum spectrum_with_pair_factors(const char* rope_type, int head_dim, int rotary_dim, double rope_theta,
                                           const std::vector<double>& factors, const float32_math& math) {
  base_powers powers = rope_base_powers(rope_theta, rotary_dim, math);
  for (std::size_t j = 0; j < powers.f32.size(); ++j) {
    powers.f32[j] = f32::mul(f32::scalar(factors[j]), powers.f32[j]);
    powers.f64[j] *= factors[j];
  }
  return spectrum_from_powers(rope_type, head_dim, rotary_dim, powers);
}
}  // namespace detail
inline namespace COPE_API_NAMESPACE {

// ---------------------------------------------------------------------------------------------
// LongRoPE (Phi-3): per-pair factors, long_factor when the current sequence length exceeds the
// original length, short_factor otherwise (also at init time, seq_len absent).
// attention_factor = explicit, else 1 for factor <= 1, else sqrt(1 + ln factor / ln original).
// ---------------------------------------------------------------------------------------------
COPE_KERNELS_API result<spectrum> try_rope_longrope(int head_dim, const longrope_parameters& p,
                                                    std::optional<std::int64_t> seq_len,
                                                    const float32_math& math) {
  return detail::catch_allocation_failure("longrope", [&]() -> result<spectrum> {
    const char* ctx = "longrope";
    int dim = 0;
    if (auto st = detail::check_rotary_dim(ctx, head_dim, p.partial_rotary_factor, dim); !st) return st;
    if (auto st = detail::check_theta(ctx, p.rope_theta); !st) return st;
    if (auto st = detail::check_factor_list(ctx, "short_factor", p.short_factor, dim / 2); !st) return st;
    if (auto st = detail::check_factor_list(ctx, "long_factor", p.long_factor, dim / 2); !st) return st;
    if (auto st = detail::check_required(ctx, "original_max_position_embeddings", p.original_max_position_embeddings);
        !st)
      return st;
    const std::int64_t original = *p.original_max_position_embeddings;
    if (auto st = detail::check_positive_length(ctx, "original_max_position_embeddings", original); !st) return st;
    if (p.max_position_embeddings)
      if (auto st = detail::check_positive_length(ctx, "max_position_embeddings", *p.max_position_embeddings); !st)
        return st;
    if (!p.factor && !p.max_position_embeddings)
      return detail::fail(errc::missing_parameter, ctx,
                          ": missing required parameter 'factor' (or max_position_embeddings to derive it)");
    const double factor = p.factor ? *p.factor
                                   : static_cast<double>(*p.max_position_embeddings) / static_cast<double>(original);
    if (auto st = detail::check_positive(ctx, "factor", factor, errc::invalid_factor); !st) return st;
    if (p.attention_factor)
      if (auto st = detail::check_attention_factor(ctx, "attention_factor", *p.attention_factor); !st) return st;
    if (seq_len)
      if (auto st = detail::check_positive_length(ctx, "seq_len", *seq_len); !st) return st;

    const bool use_long = seq_len && *seq_len > original;
    spectrum s = detail::spectrum_with_pair_factors("longrope", head_dim, dim, p.rope_theta,
                                                    use_long ? p.long_factor : p.short_factor, math);
    if (p.attention_factor)
      s.attention_factor = *p.attention_factor;
    else if (factor <= 1.0)
      s.attention_factor = 1.0;
    else
      s.attention_factor = std::sqrt(1 + std::log(factor) / std::log(static_cast<double>(original)));
    if (auto st = detail::check_generated(ctx, s, use_long ? "long_factor" : "short_factor",
                                          use_long ? p.long_factor : p.short_factor);
        !st)
      return st;
    return s;
  });
}

// ---------------------------------------------------------------------------------------------
// Arbitrary per-pair frequency factors: inv_freq_j = 1 / (factors[j] * base^(2j/D)).
// ---------------------------------------------------------------------------------------------
COPE_KERNELS_API result<spectrum> try_rope_pair_factors(int head_dim, const pair_factor_parameters& p,
                                                        const float32_math& math) {
  return detail::catch_allocation_failure("pair_factors", [&]() -> result<spectrum> {
    const char* ctx = "pair_factors";
    int dim = 0;
    if (auto st = detail::check_rotary_dim(ctx, head_dim, p.partial_rotary_factor, dim); !st) return st;
    if (auto st = detail::check_theta(ctx, p.rope_theta); !st) return st;
    if (auto st = detail::check_factor_list(ctx, "factors", p.factors, dim / 2); !st) return st;
    if (auto st = detail::check_attention_factor(ctx, "attention_factor", p.attention_factor); !st) return st;
    spectrum s = detail::spectrum_with_pair_factors("pair_factors", head_dim, dim, p.rope_theta, p.factors, math);
    s.attention_factor = p.attention_factor;
    if (auto st = detail::check_generated(ctx, s, "factors", p.factors); !st) return st;
    return s;
  });
}

// ---------------------------------------------------------------------------------------------
// proportional (HF v5 `_compute_proportional_rope_parameters`): k = int(p * d // 2) pairs at
// 1 / base^(2j/d) (the power taken over those k exponents, as the reference's one tensor of k), then
// d/2 - k zeros, everything divided by factor in float32. attention_factor 1.
// ---------------------------------------------------------------------------------------------
COPE_KERNELS_API result<spectrum> try_rope_proportional(int head_dim, const proportional_parameters& p,
                                                        const float32_math& math) {
  return detail::catch_allocation_failure("proportional", [&]() -> result<spectrum> {
    const char* ctx = "proportional";
    namespace f32 = detail::f32;
    if (head_dim <= 0 || head_dim > max_head_dim || head_dim % 2 != 0)
      return detail::fail(errc::invalid_dimension, ctx, ": head_dim (", head_dim, ") must be even and in [2, ",
                          max_head_dim, "]: the spectrum spans the whole head");
    if (!(p.partial_rotary_factor > 0.0 && p.partial_rotary_factor <= 1.0))
      return detail::fail(errc::invalid_factor, ctx, ": partial_rotary_factor (", p.partial_rotary_factor,
                          ") must be in (0, 1]");
    if (auto st = detail::check_theta(ctx, p.rope_theta); !st) return st;
    if (auto st = detail::check_positive(ctx, "factor", p.factor, errc::invalid_factor); !st) return st;
    // Python: int(rope_proportion * head_dim // 2), a float floor division.
    const int rotated = static_cast<int>(std::floor(p.partial_rotary_factor * head_dim / 2.0));
    if (rotated == 0)
      return detail::fail(errc::invalid_dimension, ctx, ": partial_rotary_factor (", p.partial_rotary_factor,
                          ") of head_dim (", head_dim, ") rotates no pair (int(p * head_dim // 2) = 0)");
    const std::size_t k = static_cast<std::size_t>(rotated), pairs = static_cast<std::size_t>(head_dim / 2);
    std::vector<float> exponent(k), power(k);
    for (std::size_t j = 0; j < k; ++j) exponent[j] = f32::rope_exponent(static_cast<int>(j), head_dim);
    math.pow(f32::scalar(p.rope_theta), exponent.data(), power.data(), k);
    spectrum s;
    s.rope_type = "proportional";
    s.head_dim = head_dim;
    s.rotary_dim = head_dim;
    s.inv_freq.assign(pairs, 0.0f);
    s.inv_freq_f64.assign(pairs, 0.0);
    const float factor32 = f32::scalar(p.factor);
    for (std::size_t j = 0; j < k; ++j) {
      s.inv_freq[j] = f32::div(f32::div(1.0f, power[j]), factor32);
      s.inv_freq_f64[j] = 1.0 / std::pow(p.rope_theta, static_cast<double>(2 * j) / head_dim) / p.factor;
    }
    if (auto st = detail::check_generated(ctx, s, "factor", p.factor); !st) return st;
    return s;
  });
}

// ---------------------------------------------------------------------------------------------
// ntk (vLLM's NTKScalingRotaryEmbedding._compute_inv_freq): the float32 sequence of that code, with
// its three transcendental tensor ops (log, pow, exp of the mixed form) rounded once from double.
// ---------------------------------------------------------------------------------------------
COPE_KERNELS_API result<spectrum> try_rope_ntk(int head_dim, const ntk_parameters& p, const float32_math& math) {
  return detail::catch_allocation_failure("ntk", [&]() -> result<spectrum> {
    const char* ctx = "ntk";
    namespace f32 = detail::f32;
    int dim = 0;
    if (auto st = detail::check_rotary_dim(ctx, head_dim, p.partial_rotary_factor, dim); !st) return st;
    if (auto st = detail::check_theta(ctx, p.rope_theta); !st) return st;
    if (auto st = detail::check_required(ctx, "factor", p.factor); !st) return st;
    if (auto st = detail::check_positive(ctx, "factor", *p.factor, errc::invalid_factor); !st) return st;
    if (p.mixed_b)
      if (auto st = detail::check_positive(ctx, "mixed_b", *p.mixed_b, errc::invalid_factor); !st) return st;
    const double factor = *p.factor;
    const double half = dim / 2.0;
    if (!p.mixed_b) {
      const double base = p.rope_theta * factor;  // Python float arithmetic
      if (auto st = detail::check_theta(ctx, base); !st)
        return detail::fail(errc::invalid_factor, ctx, ": factor (", factor, ") makes the rescaled base rope_theta * "
                            "factor ", base, "; it must be finite, greater than 1 and representable in float32");
      spectrum s = detail::spectrum_from_powers("ntk", head_dim, dim, detail::rope_base_powers(base, dim, math));
      const double divisor = std::pow(factor, 2.0 / dim);  // `inv_freq / factor ** (2 / rotary_dim)`
      const float divisor32 = f32::scalar(divisor);
      for (std::size_t j = 0; j < s.inv_freq.size(); ++j) {
        s.inv_freq[j] = f32::div(s.inv_freq[j], divisor32);
        s.inv_freq_f64[j] /= divisor;
      }
      if (auto st = detail::check_generated(ctx, s, "factor", factor); !st) return st;
      return s;
    }
    const double b = *p.mixed_b;
    spectrum s = detail::spectrum_from_powers("ntk", head_dim, dim, detail::rope_base_powers(p.rope_theta, dim, math));
    // a = torch.tensor(factor).log() / (D/2) ** mixed_b: a float32 tensor over a Python float.
    const float log32 = static_cast<float>(std::log(static_cast<double>(f32::scalar(factor))));
    const float a32 = f32::div(log32, f32::scalar(std::pow(half, b)));
    const float b32 = f32::scalar(b);
    const double a64 = std::log(factor) / std::pow(half, b);
    for (std::size_t j = 0; j < s.inv_freq.size(); ++j) {
      // lambda = (a * arange(1, D/2 + 1).float() ** mixed_b).exp()
      const float power32 = f32::pow(static_cast<float>(j + 1), b32);
      const float lambda32 = static_cast<float>(std::exp(static_cast<double>(f32::mul(a32, power32))));
      s.inv_freq[j] = f32::div(s.inv_freq[j], lambda32);
      s.inv_freq_f64[j] /= std::exp(a64 * std::pow(static_cast<double>(j + 1), b));
    }
    if (auto st = detail::check_generated(ctx, s, "mixed_b", b); !st) return st;
    return s;
  });
}

// ---------------------------------------------------------------------------------------------
// NTK-alpha (vLLM's DynamicNTKAlphaRotaryEmbedding): base' = base * alpha ** (D / (D - 2)) in Python
// floats, then the default spectrum over base' (rounded to float32 for the power, as torch does).
// ---------------------------------------------------------------------------------------------
COPE_KERNELS_API result<spectrum> try_rope_ntk_alpha(int head_dim, const ntk_alpha_parameters& p,
                                                     const float32_math& math) {
  return detail::catch_allocation_failure("ntk_alpha", [&]() -> result<spectrum> {
    const char* ctx = "ntk_alpha";
    int dim = 0;
    if (auto st = detail::check_rotary_dim(ctx, head_dim, p.partial_rotary_factor, dim); !st) return st;
    if (dim <= 2)
      return detail::fail(errc::invalid_dimension, ctx, ": rotary_dim (", dim,
                          ") must be greater than 2 (the base exponent is D / (D - 2))");
    if (auto st = detail::check_theta(ctx, p.rope_theta); !st) return st;
    if (auto st = detail::check_required(ctx, "alpha", p.alpha); !st) return st;
    if (auto st = detail::check_positive(ctx, "alpha", *p.alpha, errc::invalid_factor); !st) return st;
    const double base = p.rope_theta * std::pow(*p.alpha, static_cast<double>(dim) / (dim - 2));
    if (auto st = detail::check_theta(ctx, base); !st)
      return detail::fail(errc::invalid_factor, ctx, ": alpha (", *p.alpha, ") makes the rescaled base ", base,
                          "; it must be finite, greater than 1 and representable in float32");
    spectrum s = detail::spectrum_from_powers("ntk_alpha", head_dim, dim, detail::rope_base_powers(base, dim, math));
    if (auto st = detail::check_generated(ctx, s, "alpha", *p.alpha); !st) return st;
    return s;
  });
}

// ---------------------------------------------------------------------------------------------
// Dispatch on a model config's rope_type, reading the keys as HF does. `max_position_embeddings` is
// the config's top-level value; `seq_len` is the current sequence length (dynamic, longrope), absent
// at init time.
// ---------------------------------------------------------------------------------------------
COPE_KERNELS_API result<spectrum> try_make_spectrum(const rope_parameters& p, int head_dim,
                                                    std::optional<std::int64_t> max_position_embeddings,
                                                    std::optional<std::int64_t> seq_len,
                                                    const float32_math& math) {
  return detail::catch_allocation_failure("make_spectrum", [&]() -> result<spectrum> {
    const std::string_view type = p.rope_type;
    if (type == "default") return try_rope_default(head_dim, {p.rope_theta, p.partial_rotary_factor}, math);
    if (type == "linear") return try_rope_linear(head_dim, {p.rope_theta, p.partial_rotary_factor, p.factor}, math);
    if (type == "dynamic" && p.alpha)  // Hunyuan: vLLM takes `alpha` over `factor` when both are present
      return try_rope_ntk_alpha(head_dim, {p.rope_theta, p.partial_rotary_factor, p.alpha}, math);
    if (type == "proportional")
      return try_rope_proportional(head_dim, {p.rope_theta, p.partial_rotary_factor, p.factor.value_or(1.0)}, math);
    if (type == "ntk") return try_rope_ntk(head_dim, {p.rope_theta, p.partial_rotary_factor, p.factor, p.mixed_b}, math);
    if (type == "dynamic")
      return try_rope_dynamic(head_dim, {p.rope_theta, p.partial_rotary_factor, p.factor, max_position_embeddings},
                              seq_len, math);
    if (type == "yarn") {
      yarn_parameters y;
      y.rope_theta = p.rope_theta;
      y.partial_rotary_factor = p.partial_rotary_factor;
      y.factor = p.factor;
      y.original_max_position_embeddings = p.original_max_position_embeddings;
      y.max_position_embeddings = max_position_embeddings;
      // HF: `beta_fast or 32`, `beta_slow or 1` — absent or zero means the default.
      y.beta_fast = p.beta_fast.value_or(0.0) != 0.0 ? *p.beta_fast : 32.0;
      y.beta_slow = p.beta_slow.value_or(0.0) != 0.0 ? *p.beta_slow : 1.0;
      y.truncate = p.truncate.value_or(true);
      y.mscale = p.mscale;
      y.mscale_all_dim = p.mscale_all_dim;
      y.attention_factor = p.attention_factor;
      return try_rope_yarn(head_dim, y, math);
    }
    if (type == "longrope" || type == "su") {  // "su": the legacy name in early Phi-3 configs
      longrope_parameters l;
      l.rope_theta = p.rope_theta;
      l.partial_rotary_factor = p.partial_rotary_factor;
      l.short_factor = p.short_factor;
      l.long_factor = p.long_factor;
      l.factor = p.factor;
      l.original_max_position_embeddings = p.original_max_position_embeddings;
      l.max_position_embeddings = max_position_embeddings;
      l.attention_factor = p.attention_factor;
      return try_rope_longrope(head_dim, l, seq_len, math);
    }
    if (type == "llama3")
      return try_rope_llama3(head_dim, {p.rope_theta, p.partial_rotary_factor, p.factor, p.low_freq_factor,
                                        p.high_freq_factor, p.original_max_position_embeddings,
                                        max_position_embeddings},
                             math);
    return detail::fail(errc::unknown_rope_type, "make_spectrum: unknown rope_type '", detail::printable(p.rope_type),
                        "' (expected default, linear, dynamic, yarn, longrope, su, llama3, proportional or ntk)");
  });
}
}  // namespace COPE_API_NAMESPACE

}  // namespace cope
