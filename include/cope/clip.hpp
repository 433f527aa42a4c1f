// cope — CoPE (soft clip) and HardClip of the lowest frequencies (design §2.3; paper §4.2).
//
// Both act on the last n pairs (the lowest frequencies), from the onset s = N - n, after any
// generator, so they compose with ABF, YaRN, Llama-3, linear and dynamic NTK alike:
//   CoPE:     inv_freq[s+k] *= 0.5 * (1 + cos(pi * k / (n - 1))), k = 0..n-1 (weight 1 when n == 1):
//             the onset pair keeps its frequency and the lowest pair becomes exactly 0 (identity).
//   HardClip: inv_freq[s+k] = 0.
// Neither adds attention scaling; a generator's attention_factor (YaRN's mscale) is kept.
#pragma once

#include "detail/float32_ops.hpp"
#include "detail/message.hpp"
#include "error.hpp"
#include "facts.hpp"
#include "float32_math.hpp"
#include "spectrum.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

namespace cope {

// The paper's default: clip the 20 lowest of 64 pairs (onset 44 at head_dim 128).
inline constexpr int paper_clip_pairs = 20;

// CoPE's raised-cosine weights exactly as the authors' code computes them, in float32:
// torch.linspace(0, pi, n), then 0.5 * (1 + torch.cos(.)). n == 1 gives {1} (linspace gives {0}).
inline std::vector<float> cope_weights(int n, const float32_math& math = correctly_rounded_math()) {
  namespace f32 = detail::f32;
  if (n <= 0) return {};
  std::vector<float> w = detail::torch_linspace(0.0f, f32::scalar(pi), n);
  math.cos(w.data(), w.data(), w.size());
  for (float& x : w) x = f32::mul(0.5f, f32::add(1.0f, x));
  return w;
}

// The same weights in double precision (for the double spectrum and the analysis).
inline std::vector<double> cope_weights_f64(int n) {
  std::vector<double> w(static_cast<std::size_t>(n > 0 ? n : 0));
  if (n == 1) w[0] = 1.0;
  for (int k = 0; n >= 2 && k < n; ++k) w[static_cast<std::size_t>(k)] = 0.5 * (1.0 + std::cos(pi * k / (n - 1)));
  if (n >= 2) w.back() = 0.0;  // cos(pi) rounds to -1, but say it: the lowest pair is exactly identity
  return w;
}

namespace detail {
inline status check_clip(const char* ctx, const spectrum& s, int n) {
  if (s.inv_freq.empty() || s.inv_freq.size() != s.inv_freq_f64.size() || s.rotary_dim != 2 * s.pairs())
    return fail(errc::invalid_clip, ctx, ": the spectrum is empty or inconsistent (", s.inv_freq.size(),
                " inv_freq for rotary_dim ", s.rotary_dim, ")");
  if (n < 0) return fail(errc::invalid_clip, ctx, ": n (", n, ") must not be negative");
  if (n > s.pairs())
    return fail(errc::invalid_clip, ctx, ": n (", n, ") exceeds the number of pairs (", s.pairs(), " = rotary_dim ",
                s.rotary_dim, " / 2)");
  if (s.clip != clip_kind::none)
    return fail(errc::invalid_clip, ctx, ": the spectrum is already clipped (", to_string(s.clip), ", n = ", s.clip_n,
                "); clip the generator's spectrum instead");
  return {};
}
}  // namespace detail

inline result<spectrum> try_cope_clip(const spectrum& s, int n, const float32_math& math = correctly_rounded_math()) {
  return detail::catch_allocation_failure("cope_clip", [&]() -> result<spectrum> {
    if (auto st = detail::check_clip("cope_clip", s, n); !st) return st;
    spectrum out = s;
    if (n == 0) return out;
    const std::vector<float> w = cope_weights(n, math);
    const std::vector<double> w64 = cope_weights_f64(n);
    const std::size_t onset = static_cast<std::size_t>(s.pairs() - n);
    for (std::size_t k = 0; k < w.size(); ++k) {
      out.inv_freq[onset + k] = detail::f32::mul(out.inv_freq[onset + k], w[k]);  // `inv_freq[-n:] *= mask`
      out.inv_freq_f64[onset + k] *= w64[k];
    }
    out.clip = clip_kind::cope;
    out.clip_n = n;
    return out;
  });
}

inline result<spectrum> try_hard_clip(const spectrum& s, int n) {
  return detail::catch_allocation_failure("hard_clip", [&]() -> result<spectrum> {
    if (auto st = detail::check_clip("hard_clip", s, n); !st) return st;
    spectrum out = s;
    if (n == 0) return out;
    for (std::size_t j = static_cast<std::size_t>(s.pairs() - n); j < out.inv_freq.size(); ++j) {
      out.inv_freq[j] = 0.0f;
      out.inv_freq_f64[j] = 0.0;
    }
    out.clip = clip_kind::hard;
    out.clip_n = n;
    return out;
  });
}

// Automatic n (the paper's "critical dimension" rule, its CoPE-29 variant; mlx-lm's auto-sizing):
// the number of pairs whose period 2*pi / inv_freq exceeds the training length (zero frequencies
// have an infinite period and count).
inline result<int> try_ood_clip_count(const spectrum& s, double training_length) {
  if (!(std::isfinite(training_length) && training_length > 0))
    return detail::fail(errc::invalid_clip, "ood_clip_count: training_length (", training_length,
                        ") must be finite and positive");
  return detail::catch_allocation_failure("ood_clip_count", [&]() -> result<int> {
    return static_cast<int>(ood_pairs(s, training_length).size());
  });
}

#if COPE_EXCEPTIONS
inline spectrum cope_clip(const spectrum& s, int n, const float32_math& math = correctly_rounded_math()) {
  return detail::value_or_throw(try_cope_clip(s, n, math));
}
inline spectrum hard_clip(const spectrum& s, int n) { return detail::value_or_throw(try_hard_clip(s, n)); }
inline int ood_clip_count(const spectrum& s, double training_length) {
  return detail::value_or_throw(try_ood_clip_count(s, training_length));
}
#endif

}  // namespace cope
