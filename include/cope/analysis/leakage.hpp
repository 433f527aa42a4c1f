// cope analysis — spectral leakage of clipping (paper Thm 4.1), in the theorem's amplitude view.
//
// Needs Eigen 3; not included by cope/cope.hpp.
//
// The theorem treats clipping as a filter H(w) on the amplitudes of the attention signal's spectrum
// A(t) = sum_j h_j cos(t w_j), in the continuum limit (many pairs). What a filter removes, 1 - H, acts
// on A by convolution with the leakage kernel
//   k(t) = (1/pi) * integral_0^inf (1 - H(w)) cos(w t) dw,
// so the clipped signal is A - A * k. Hard clipping removes everything below a cutoff w_c:
// k(t) = sin(w_c t) / (pi t), whose envelope decays like 1/t (Gibbs ringing). CoPE's taper removes
// 1 - w(w), a raised cosine in log-frequency between the lowest frequency and the onset: 1 - H and its
// first derivative are continuous, so k decays like 1/t^3. Both kernels here come from numerical
// quadrature of that integral, not from the closed forms; the slopes are fitted to what comes out.
//
// The implementation is another matter (design §5): the code scales frequencies, not amplitudes, so a
// clipped pair becomes a slow or constant term instead of vanishing. See decay.hpp for that view.
#pragma once

#include "../detail/message.hpp"
#include "../error.hpp"
#include "../spectrum.hpp"
#include "checks.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <array>
#include <cmath>
#include <complex>
#include <vector>

namespace cope::analysis {

// A clipping transform as an amplitude filter on the continuum of frequencies, built from the
// unclipped spectrum (its float64 frequencies) and the number n of lowest pairs clipped.
struct clip_filter {
  clip_kind kind = clip_kind::hard;
  double theta_onset = 0;  // the first clipped pair's frequency, theta_s (CoPE's weight is 1 there)
  double theta_min = 0;    // the lowest frequency, theta_{N-1} (CoPE's weight is 0 there)
  double cutoff = 0;       // hard clipping's edge: between the last kept pair and theta_s (geometric mean)

  // 1 - H(w): the fraction of the amplitude at frequency w that the filter removes.
  double removed(double w) const noexcept {
    if (kind == clip_kind::hard) return w < cutoff ? 1.0 : 0.0;
    if (w >= theta_onset) return 0.0;
    if (w <= theta_min) return 1.0;
    const double phi = std::log(theta_onset / w) / std::log(theta_onset / theta_min);  // 0 at onset, 1 at min
    return 0.5 * (1.0 - std::cos(pi * phi));
  }
  // The frequencies where 1 - H is not smooth: the quadrature splits there. The lowest one sets the
  // longest period of the kernel's oscillation, 2 pi / lowest_edge().
  double lowest_edge() const noexcept { return kind == clip_kind::hard ? cutoff : theta_min; }
  double highest_edge() const noexcept { return kind == clip_kind::hard ? cutoff : theta_onset; }
};

inline result<clip_filter> try_make_clip_filter(const spectrum& rope, int n, clip_kind kind) {
  return ::cope::detail::catch_allocation_failure("make_clip_filter", [&]() -> result<clip_filter> {
    const char* ctx = "clip_filter";
    if (kind == clip_kind::none)
      return ::cope::detail::fail(errc::invalid_clip, ctx, ": kind must be hard or cope");
    if (rope.clip != clip_kind::none)
      return ::cope::detail::fail(errc::invalid_clip, ctx, ": the spectrum is already clipped (", to_string(rope.clip),
                                  ", n = ", rope.clip_n, "); pass the unclipped one");
    const int pairs = static_cast<int>(rope.inv_freq_f64.size());
    if (n < 2 || n > pairs - 1)
      return ::cope::detail::fail(errc::invalid_clip, ctx, ": n (", n, ") must be in [2, ", pairs - 1,
                                  "]: a taper needs two pairs and hard clipping a kept pair above the cutoff");
    const auto at = [&](int j) { return rope.inv_freq_f64[static_cast<std::size_t>(j)]; };
    const int onset = pairs - n;
    for (int j = onset - 1; j < pairs - 1; ++j)
      if (!(at(j) > at(j + 1) && at(j + 1) > 0))
        return ::cope::detail::fail(errc::invalid_clip, ctx, ": frequencies from pair ", onset - 1,
                                    " on must be positive and strictly decreasing (pair ", j + 1, ")");
    clip_filter f;
    f.kind = kind;
    f.theta_onset = at(onset);
    f.theta_min = at(pairs - 1);
    f.cutoff = std::sqrt(at(onset - 1) * at(onset));
    return f;
  });
}

namespace detail {

// 16-point Gauss-Legendre nodes and weights on [-1, 1], by Newton's method on P_16.
struct gauss_legendre16 {
  static constexpr int n = 16;
  std::array<double, n> x{}, w{};
  gauss_legendre16() {
    for (int i = 0; i < n; ++i) {
      double z = std::cos(pi * (i + 0.75) / (n + 0.5)), dp = 0;
      for (int it = 0; it < 100; ++it) {
        double p0 = 1, p1 = z;  // P_0, P_1, then the recurrence up to P_n
        for (int k = 2; k <= n; ++k) {
          const double p2 = ((2.0 * k - 1) * z * p1 - (k - 1.0) * p0) / k;
          p0 = p1;
          p1 = p2;
        }
        dp = n * (z * p1 - p0) / (z * z - 1);
        const double step = p1 / dp;
        z -= step;
        if (std::abs(step) < 1e-16) break;
      }
      x[static_cast<std::size_t>(i)] = z;
      w[static_cast<std::size_t>(i)] = 2 / ((1 - z * z) * dp * dp);
    }
  }
  static const gauss_legendre16& get() {
    static const gauss_legendre16 rule;
    return rule;
  }
};

// integral_a^b P(w) cos(w t) dw for the degree-8 interpolant P of g at 9 Chebyshev points of [a, b],
// through the moments M_k(s) = integral_{-1}^{1} x^k e^{isx} dx, s = t (b - a) / 2, by the forward
// recursion M_k = [x^k e^{isx} / (is)]_{-1}^{1} - k M_{k-1} / (is) (stable for s > k: used for s >= 20).
// Filon's idea: the oscillation is integrated exactly, so the cost does not grow with t.
// The monomial coefficients come from the inverse of the 9 x 9 Vandermonde matrix of the nodes, which
// depend on nothing else: computed once, by Gauss-Jordan elimination with partial pivoting (an Eigen LU
// here cost seconds of compile time in every unit that includes cope/analysis.hpp).
struct chebyshev_vandermonde_inverse {
  static constexpr std::size_t n = 9;
  std::array<std::array<double, n>, n> inverse{};
  chebyshev_vandermonde_inverse() {
    std::array<std::array<double, 2 * n>, n> m{};
    for (std::size_t i = 0; i < n; ++i) {
      const double x = std::cos(pi * (static_cast<double>(i) + 0.5) / n);
      double power = 1;
      for (std::size_t k = 0; k < n; ++k, power *= x) m[i][k] = power;
      m[i][n + i] = 1;
    }
    for (std::size_t col = 0; col < n; ++col) {
      std::size_t pivot = col;
      for (std::size_t r = col + 1; r < n; ++r)
        if (std::abs(m[r][col]) > std::abs(m[pivot][col])) pivot = r;
      std::swap(m[col], m[pivot]);
      const double d = m[col][col];
      for (double& v : m[col]) v /= d;
      for (std::size_t r = 0; r < n; ++r) {
        if (r == col) continue;
        const double f = m[r][col];
        for (std::size_t k = 0; k < 2 * n; ++k) m[r][k] -= f * m[col][k];
      }
    }
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < n; ++k) inverse[i][k] = m[i][n + k];
  }
  static const chebyshev_vandermonde_inverse& get() {
    static const chebyshev_vandermonde_inverse v;
    return v;
  }
};

template <class G>
double filon_cosine_piece(const G& g, double a, double b, double t) {
  constexpr std::size_t n = chebyshev_vandermonde_inverse::n;
  const double m = 0.5 * (a + b), h = 0.5 * (b - a), s = h * t;
  std::array<double, n> values{}, c{};
  for (std::size_t i = 0; i < n; ++i) values[i] = g(m + h * std::cos(pi * (static_cast<double>(i) + 0.5) / n));
  const auto& inverse = chebyshev_vandermonde_inverse::get().inverse;
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t i = 0; i < n; ++i) c[k] += inverse[k][i] * values[i];
  using cd = std::complex<double>;
  const cd is(0, s), e_plus = std::exp(cd(0, s)), e_minus = std::exp(cd(0, -s));
  cd moment = 2.0 * std::sin(s) / s, sum = c[0] * moment;
  for (std::size_t k = 1; k < n; ++k) {
    const double minus_one_k = (k % 2 == 0) ? 1.0 : -1.0;
    moment = (e_plus - minus_one_k * e_minus) / is - static_cast<double>(k) * moment / is;
    sum += c[k] * moment;
  }
  return h * (std::exp(cd(0, m * t)) * sum).real();
}

// integral_a^b g(w) cos(w t) dw on panels short enough (at most 2 radians of w t each, and at least
// `min_panels`) that the 16-point rule is exact to rounding for the smooth g used here; past 8192
// radians in all, on 64 pieces by Filon's rule, which integrates the oscillation exactly.
template <class G>
double cosine_integral(const G& g, double a, double b, double t, int min_panels = 8) {
  if (!(b > a)) return 0.0;
  if ((b - a) * std::abs(t) > 8192) {  // thousands of oscillations: Filon's rule on 64 pieces instead
    double sum = 0;
    for (int i = 0; i < 64; ++i) sum += filon_cosine_piece(g, a + (b - a) * i / 64, a + (b - a) * (i + 1) / 64, std::abs(t));
    return sum;
  }
  const auto& rule = gauss_legendre16::get();
  const int panels = std::max(min_panels, static_cast<int>(std::ceil((b - a) * std::abs(t) / 2.0)));
  const double h = (b - a) / panels;
  double sum = 0;
  for (int p = 0; p < panels; ++p) {
    const double mid = a + (p + 0.5) * h;
    double part = 0;
    for (int i = 0; i < gauss_legendre16::n; ++i) {
      const double w = mid + 0.5 * h * rule.x[static_cast<std::size_t>(i)];
      part += rule.w[static_cast<std::size_t>(i)] * g(w) * std::cos(w * t);
    }
    sum += 0.5 * h * part;
  }
  return sum;
}

// integral_a^b g(w) cos(w t) dw for g smooth on the scale of w, over pieces of at most 5% in w: Gauss-
// Legendre panels where a piece spans fewer than 20 radians of w t, Filon's rule where it spans more.
template <class G>
double cosine_integral_log(const G& g, double a, double b, double t) {
  if (!(b > a)) return 0.0;
  const int pieces = static_cast<int>(std::ceil(std::log(b / a) / std::log(1.05)));
  double sum = 0;
  for (int i = 0; i < pieces; ++i) {
    const double lo = a * std::pow(b / a, static_cast<double>(i) / pieces);
    const double hi = i + 1 == pieces ? b : a * std::pow(b / a, static_cast<double>(i + 1) / pieces);
    sum += 0.5 * (hi - lo) * std::abs(t) >= 20 ? filon_cosine_piece(g, lo, hi, std::abs(t)) : cosine_integral(g, lo, hi, t, 1);
  }
  return sum;
}

}  // namespace detail

// ---- (a) the leakage kernel and its envelope ------------------------------------------------------

// CoPE's removed fraction has a closed-form second derivative: with L = ln(theta_s / theta_min) and
// phi = ln(theta_s / w) / L, 1 - H = (1 - cos pi phi) / 2 and
//   (1 - H)'' = pi / (2 L w^2) * (pi cos(pi phi) / L + sin(pi phi))   on (theta_min, theta_s), 0 outside.
inline double taper_second_derivative(const clip_filter& f, double w) noexcept {
  if (w <= f.theta_min || w >= f.theta_onset) return 0.0;
  const double L = std::log(f.theta_onset / f.theta_min), phi = std::log(f.theta_onset / w) / L;
  return pi / (2 * L * w * w) * (pi * std::cos(pi * phi) / L + std::sin(pi * phi));
}

// k(t) = (1/pi) integral (1 - H(w)) cos(w t) dw at one distance. Hard clipping: Gauss-Legendre
// quadrature of 1 over [0, w_c]. CoPE: the same over [0, theta_s] while t theta_s is small; beyond,
// after integrating by parts twice (1 - H is 1 near 0 and 0 from theta_s on, with a continuous first
// derivative, so no boundary terms remain),
//   k(t) = -1 / (pi t^2) * integral_{theta_min}^{theta_s} (1 - H)''(w) cos(w t) dw,
// which carries the 1/t^3 decay without the cancellation of the plain form and is evaluated by Filon's
// rule, at a cost that does not grow with t.
inline double leakage_kernel_at(const clip_filter& f, double t) {
  const auto removed = [&f](double w) { return f.removed(w); };
  const double x = std::abs(t);
  if (f.kind == clip_kind::hard) return detail::cosine_integral(removed, 0.0, f.cutoff, x) / pi;
  if (x * f.theta_onset <= 64) {
    return (detail::cosine_integral(removed, 0.0, f.theta_min, x) +
            detail::cosine_integral_log(removed, f.theta_min, f.theta_onset, x)) / pi;
  }
  const auto curvature = [&f](double w) { return taper_second_derivative(f, w); };
  return -detail::cosine_integral_log(curvature, f.theta_min, f.theta_onset, x) / (pi * x * x);
}

inline result<Eigen::ArrayXd> try_leakage_kernel(const clip_filter& f, const Eigen::ArrayXd& distances) {
  return ::cope::detail::catch_allocation_failure("leakage_kernel", [&]() -> result<Eigen::ArrayXd> {
    if (status st = detail::check_distances("leakage_kernel", distances, f.highest_edge()); !st) return st;
    Eigen::ArrayXd k(distances.size());
    for (Eigen::Index i = 0; i < distances.size(); ++i) k[i] = leakage_kernel_at(f, distances[i]);
    return k;
  });
}

struct envelope_fit {
  double slope = 0;      // d log|k| / d log t of the envelope, least squares
  double intercept = 0;  // log|k| = intercept + slope * log t on the fitted range
  Eigen::ArrayXd distances, envelope;  // the points fitted: t and max |k| over [t, t + one period]
};

// Fits the log-log slope of the kernel's envelope over [t_begin, t_end] (default: 4 to 64 periods of
// the kernel's slowest oscillation, 2 pi / lowest_edge, where the asymptotic decay has set in). The
// envelope at t is the largest |k| over one such period from t, sampled 48 times; `points` values of
// t are spaced evenly in log t.
inline result<envelope_fit> try_fit_leakage_envelope(const clip_filter& f, double t_begin = 0, double t_end = 0,
                                                     int points = 16) {
  return ::cope::detail::catch_allocation_failure("fit_leakage_envelope", [&]() -> result<envelope_fit> {
    const char* ctx = "fit_leakage_envelope";
    const double period = two_pi / f.lowest_edge();
    if (t_begin == 0 && t_end == 0) {
      t_begin = 4 * period;
      t_end = 64 * period;
    }
    if (!(std::isfinite(t_begin) && std::isfinite(t_end) && t_begin > 0 && t_end > 2 * t_begin))
      return ::cope::detail::fail(errc::invalid_argument, ctx, ": the fit range [", t_begin, ", ", t_end,
                                  "] must be finite, positive and span more than a factor of 2");
    if ((t_end + period) * f.highest_edge() > detail::max_angle)
      return ::cope::detail::fail(errc::invalid_argument, ctx, ": t_end (", t_end, ") times the highest frequency (",
                                  f.highest_edge(), ") exceeds ", detail::max_angle,
                                  " radians, beyond what double-precision phases resolve");
    if (points < 3) return ::cope::detail::fail(errc::invalid_argument, ctx, ": points (", points, ") must be at least 3");
    envelope_fit fit;
    fit.distances.resize(points);
    fit.envelope.resize(points);
    constexpr int samples = 48;
    for (int i = 0; i < points; ++i) {
      const double t = t_begin * std::pow(t_end / t_begin, static_cast<double>(i) / (points - 1));
      double peak = 0;
      for (int k = 0; k < samples; ++k) peak = std::max(peak, std::abs(leakage_kernel_at(f, t + period * k / samples)));
      fit.distances[i] = t;
      fit.envelope[i] = peak;
    }
    // Least squares of log envelope on log t, in closed form (centred sums; a QR here cost seconds of
    // compile time in every unit including cope/analysis.hpp).
    const Eigen::ArrayXd x = fit.distances.log(), y = fit.envelope.log();
    const double x_mean = x.mean(), y_mean = y.mean();
    fit.slope = ((x - x_mean) * (y - y_mean)).sum() / (x - x_mean).square().sum();
    fit.intercept = y_mean - fit.slope * x_mean;
    return fit;
  });
}

// ---- (b) the error term on a smooth continuum test spectrum -------------------------------------

// A test spectrum in the continuum limit: amplitude density rho(u) = sin^2(pi (u - u_min) / (u_max -
// u_min)) per unit log-frequency u = ln w on [ln theta_min, ln theta_max] (a Hann window in log w, the
// variable in which RoPE's pairs are evenly spaced). It vanishes smoothly at both ends, so the only
// place a filtered version can ring from is the clipping edge.
struct continuum_spectrum {
  double theta_min = 0, theta_max = 0;
  double density(double w) const noexcept {
    const double u = std::log(w / theta_min) / std::log(theta_max / theta_min);
    return (u <= 0 || u >= 1) ? 0.0 : std::pow(std::sin(pi * u), 2);
  }
  double total() const noexcept { return 0.5 * std::log(theta_max / theta_min); }  // integral of rho du
};

// The continuum over the range of the unclipped spectrum's frequencies.
inline result<continuum_spectrum> try_continuum_of(const spectrum& rope) {
  return ::cope::detail::catch_allocation_failure("continuum_of", [&]() -> result<continuum_spectrum> {
    const auto& w = rope.inv_freq_f64;
    if (w.size() < 2) return ::cope::detail::fail(errc::invalid_dimension, "continuum_of: the spectrum needs 2 pairs");
    const auto [lo, hi] = std::minmax_element(w.begin(), w.end());
    if (!(*lo > 0 && *hi > *lo))
      return ::cope::detail::fail(errc::invalid_argument, "continuum_of: frequencies must be positive and not all equal");
    return continuum_spectrum{*lo, *hi};
  });
}

// The unfiltered signal A(t) = integral rho(u) cos(e^u t) du / integral rho du (1 at t = 0).
inline result<Eigen::ArrayXd> try_continuum_signal(const continuum_spectrum& c, const Eigen::ArrayXd& distances) {
  return ::cope::detail::catch_allocation_failure("continuum_signal", [&]() -> result<Eigen::ArrayXd> {
    if (status st = detail::check_distances("continuum_signal", distances, c.theta_max); !st) return st;
    const auto g = [&c](double w) { return c.density(w) / w; };  // du = dw / w
    Eigen::ArrayXd a(distances.size());
    for (Eigen::Index i = 0; i < distances.size(); ++i)
      a[i] = detail::cosine_integral_log(g, c.theta_min, c.theta_max, distances[i]) / c.total();
    return a;
  });
}

// The error the filter adds, E(t) = filtered - unfiltered = -integral (1 - H) rho cos(e^u t) du /
// integral rho du: minus the convolution of A with the leakage kernel (Thm 4.1).
inline result<Eigen::ArrayXd> try_leakage_error(const clip_filter& f, const continuum_spectrum& c,
                                                const Eigen::ArrayXd& distances) {
  return ::cope::detail::catch_allocation_failure("leakage_error", [&]() -> result<Eigen::ArrayXd> {
    if (status st = detail::check_distances("leakage_error", distances, std::min(f.highest_edge(), c.theta_max)); !st)
      return st;
    const auto g = [&](double w) { return f.removed(w) * c.density(w) / w; };
    const double lo = c.theta_min, mid = std::clamp(f.lowest_edge(), lo, c.theta_max),
                 hi = std::clamp(f.highest_edge(), lo, c.theta_max);
    Eigen::ArrayXd e(distances.size());
    for (Eigen::Index i = 0; i < distances.size(); ++i) {
      const double t = distances[i];
      e[i] = -(detail::cosine_integral_log(g, lo, mid, t) + detail::cosine_integral_log(g, mid, hi, t)) / c.total();
    }
    return e;
  });
}

// Ringing of a curve sampled in order: its total variation beyond the net change, in units of its
// largest magnitude, sum |E_{i+1} - E_i| - |E_last - E_first| over max |E|. 0 for a monotone curve;
// each full swing of relative height a adds 2a, so a kernel decaying like 1/t keeps adding.
inline double ringing_measure(const Eigen::ArrayXd& curve) {
  if (curve.size() < 2) return 0;
  const Eigen::Index n = curve.size();
  const double variation = (curve.tail(n - 1) - curve.head(n - 1)).abs().sum();
  const double peak = curve.abs().maxCoeff();
  // Never below 0 (triangle inequality); the max only hides rounding in a monotone curve.
  return peak == 0 ? 0 : std::max(0.0, variation - std::abs(curve[n - 1] - curve[0])) / peak;
}

#if COPE_EXCEPTIONS
inline clip_filter make_clip_filter(const spectrum& rope, int n, clip_kind kind) {
  return ::cope::detail::value_or_throw(try_make_clip_filter(rope, n, kind));
}
inline envelope_fit fit_leakage_envelope(const clip_filter& f, double t_begin = 0, double t_end = 0, int points = 16) {
  return ::cope::detail::value_or_throw(try_fit_leakage_envelope(f, t_begin, t_end, points));
}
inline Eigen::ArrayXd leakage_kernel(const clip_filter& f, const Eigen::ArrayXd& distances) {
  return ::cope::detail::value_or_throw(try_leakage_kernel(f, distances));
}
inline continuum_spectrum continuum_of(const spectrum& rope) {
  return ::cope::detail::value_or_throw(try_continuum_of(rope));
}
inline Eigen::ArrayXd continuum_signal(const continuum_spectrum& c, const Eigen::ArrayXd& distances) {
  return ::cope::detail::value_or_throw(try_continuum_signal(c, distances));
}
inline Eigen::ArrayXd leakage_error(const clip_filter& f, const continuum_spectrum& c, const Eigen::ArrayXd& distances) {
  return ::cope::detail::value_or_throw(try_leakage_error(f, c, distances));
}
#endif

}  // namespace cope::analysis
