// Internal header (not part of the public API): the checks a spectrum must pass before anything
// rotates by it (the reference rotation, the kernels, the table builders).
#pragma once

#include "../spectrum.hpp"
#include "message.hpp"

#include <cmath>
#include <cstddef>

namespace cope::detail {

inline bool attention_factor_in_range(double f) noexcept {
  return f >= min_attention_factor && f <= max_attention_factor;  // false for NaN
}

inline status fail_attention_factor(const char* ctx, const char* name, double f) {
  return fail(errc::invalid_factor, ctx, ": ", name, " (", f, ") must be in [2^-16, 2^16] (min_attention_factor, ",
              "max_attention_factor: the range every kernel path handles exactly)");
}

inline status check_spectrum(const char* ctx, const spectrum& s) {
  if (s.inv_freq.empty() || s.rotary_dim != 2 * s.pairs())
    return fail(errc::invalid_dimension, ctx, ": the spectrum is empty or inconsistent (", s.inv_freq.size(),
                " inv_freq for rotary_dim ", s.rotary_dim, ")");
  if (!attention_factor_in_range(s.attention_factor))
    return fail_attention_factor(ctx, "attention_factor", s.attention_factor);
  for (std::size_t j = 0; j < s.inv_freq.size(); ++j)
    if (!(std::isfinite(s.inv_freq[j]) && s.inv_freq[j] >= 0.0f))
      return fail(errc::invalid_factor, ctx, ": inv_freq[", j, "] (", s.inv_freq[j], ") must be finite and >= 0");
  return {};
}

}  // namespace cope::detail
