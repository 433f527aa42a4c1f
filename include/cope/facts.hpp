// cope — facts about a spectrum (design §2.4; paper Def. 3.1): periods, critical dimension,
// out-of-distribution (OOD) pairs, clipping onset.
#pragma once

#include "detail/message.hpp"
#include "error.hpp"
#include "spectrum.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace cope {

// Period of pair j in tokens, 2*pi / inv_freq[j], from the float32 inv_freq the kernels rotate by;
// +infinity for a zero frequency (a fully clipped pair never turns).
inline std::vector<double> periods(const spectrum& s) {
  std::vector<double> out;
  out.reserve(s.inv_freq.size());
  for (float inv : s.inv_freq)
    out.push_back(inv == 0.0f ? std::numeric_limits<double>::infinity() : two_pi / static_cast<double>(inv));
  return out;
}

// Pairs whose period exceeds the training length: they never complete a turn during training, so
// positions beyond it rotate them into angles never seen (the OOD pairs of the paper, §3).
inline std::vector<int> ood_pairs(const spectrum& s, double training_length) {
  std::vector<int> out;
  const std::vector<double> t = periods(s);
  for (std::size_t j = 0; j < t.size(); ++j)
    if (t[j] > training_length) out.push_back(static_cast<int>(j));
  return out;
}

// Critical dimension (paper Def. 3.1, after Liu et al. 2024): d_ct = 2 * ceil((d/2) * log_b(L / 2pi)),
// the number of leading dimensions whose period fits in the training length L; clamped to [0, d].
// E.g. (L = 8192, d = 128, b = 5e5) gives 70.
inline result<int> try_critical_dimension(double training_length, int head_dim, double base) {
  const char* ctx = "critical_dimension";
  if (!(std::isfinite(training_length) && training_length > 0))
    return detail::fail(errc::invalid_length, ctx, ": training_length (", training_length,
                        ") must be finite and positive");
  if (head_dim <= 0 || head_dim % 2 != 0)
    return detail::fail(errc::invalid_dimension, ctx, ": head_dim (", head_dim, ") must be positive and even");
  if (!(std::isfinite(base) && base > 1.0))
    return detail::fail(errc::invalid_base, ctx, ": base (", base, ") must be finite and greater than 1");
  const double half = head_dim / 2.0;
  const double chunks = std::ceil(half * std::log(training_length / two_pi) / std::log(base));
  if (chunks <= 0) return 0;
  if (chunks >= half) return head_dim;
  return 2 * static_cast<int>(chunks);
}

#if COPE_EXCEPTIONS
inline int critical_dimension(double training_length, int head_dim, double base) {
  return detail::value_or_throw(try_critical_dimension(training_length, head_dim, base));
}
#endif

}  // namespace cope
