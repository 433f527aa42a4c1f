// Internal header of cope analysis (not part of the public API): the check of a distances argument,
// shared by decay.hpp and leakage.hpp. Needs Eigen 3.
#pragma once

#include "../detail/message.hpp"
#include "../error.hpp"

#include <Eigen/Dense>

#include <cmath>

namespace cope::analysis::detail {

// Phases w t beyond max_angle radians carry an error above 1e-6 radian from the rounding of w alone
// (and the leakage quadrature's Gauss-Legendre parts' cost grows with them).
inline constexpr double max_angle = 1e10;

// Every distance finite; with max_frequency > 0, also |t| * max_frequency <= max_angle.
inline status check_distances(const char* ctx, const Eigen::ArrayXd& t, double max_frequency = 0) {
  for (Eigen::Index i = 0; i < t.size(); ++i) {
    if (!std::isfinite(t[i]))
      return ::cope::detail::fail(errc::invalid_argument, ctx, ": distances[", i, "] (", t[i], ") is not finite");
    if (max_frequency > 0 && std::abs(t[i]) * max_frequency > max_angle)
      return ::cope::detail::fail(errc::invalid_argument, ctx, ": distances[", i, "] (", t[i], ") times the highest frequency (",
                                  max_frequency, ") exceeds ", max_angle, " radians, beyond what double-precision phases resolve");
  }
  return {};
}

}  // namespace cope::analysis::detail
