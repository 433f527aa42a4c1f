// cope analysis — semantic decay (paper Thm 3.2) and the implementation-view attention signal.
//
// Needs Eigen 3 (Debian libeigen3-dev); not included by cope/cope.hpp, whose headers need the standard
// library alone.
//
// For q, k with i.i.d. components of standard deviation sigma and a similar key k' = q + eps,
//   E[q . R(t) k'] - E[q . R(t) k] = 2 sigma^2 f^2 sum_j cos(t w_j)
// over the rotary pairs j (f: the spectrum's attention_factor, which scales cos and sin). Normalized to
// 1 at t = 0 this is S(t) = (1/N) sum_j cos(t w_j): how much a similar key still beats a random one at
// relative distance t. The frequencies w_j are the float32 inv_freq the kernels rotate by, so the
// closed form and a Monte-Carlo run through the kernels estimate the same quantity.
#pragma once

#include "../apply.hpp"
#include "../axis_map.hpp"
#include "../detail/message.hpp"
#include "../error.hpp"
#include "../spectrum.hpp"
#include "checks.hpp"

#include <Eigen/Dense>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace cope::analysis {

// The spectrum's frequencies as doubles: the float32 inv_freq, exactly.
inline Eigen::ArrayXd frequencies(const spectrum& s) {
  Eigen::ArrayXd w(s.pairs());
  for (int j = 0; j < s.pairs(); ++j) w[j] = static_cast<double>(s.inv_freq[static_cast<std::size_t>(j)]);
  return w;
}

namespace detail {
inline status check_curve_inputs(const char* ctx, const spectrum& s, const Eigen::ArrayXd& distances) {
  if (s.pairs() == 0 || static_cast<int>(s.inv_freq.size()) * 2 != s.rotary_dim || s.rotary_dim > s.head_dim)
    return ::cope::detail::fail(errc::invalid_dimension, ctx, ": the spectrum has ", s.pairs(), " pairs for rotary_dim ",
                                s.rotary_dim, " of head_dim ", s.head_dim, "; need 1 to head_dim / 2 pairs, 2 per rotary dim");
  return check_distances(ctx, distances);
}
}  // namespace detail

// A(t) = sum_j h_j cos(t w_j) / sum_j h_j at every distance t, vectorized as one (distances x pairs)
// product, a cosine per entry and a matrix-vector product. Uniform amplitudes h give S(t).
inline result<Eigen::ArrayXd> try_attention_signal(const spectrum& s, const Eigen::ArrayXd& distances,
                                                   const Eigen::ArrayXd& amplitudes) {
  return ::cope::detail::catch_allocation_failure("attention_signal", [&]() -> result<Eigen::ArrayXd> {
    const char* ctx = "attention_signal";
    if (status st = detail::check_curve_inputs(ctx, s, distances); !st) return st;
    if (amplitudes.size() != s.pairs())
      return ::cope::detail::fail(errc::invalid_argument, ctx, ": amplitudes has ", amplitudes.size(),
                                  " entries; the spectrum has ", s.pairs(), " pairs");
    const double total = amplitudes.sum();
    if (!std::isfinite(total) || total == 0.0)
      return ::cope::detail::fail(errc::invalid_argument, ctx, ": the amplitudes sum to ", total,
                                  "; need a finite nonzero sum to normalize");
    const Eigen::MatrixXd angles = distances.matrix() * frequencies(s).matrix().transpose();
    return Eigen::ArrayXd((angles.array().cos().matrix() * amplitudes.matrix()).array() / total);
  });
}

// S(t) = (1/N) sum_j cos(t w_j): the closed form of Thm 3.2, normalized to 1 at t = 0. Also the
// implementation view of the attention signal (design §5 (c)).
inline result<Eigen::ArrayXd> try_semantic_decay(const spectrum& s, const Eigen::ArrayXd& distances) {
  return ::cope::detail::catch_allocation_failure("semantic_decay", [&]() -> result<Eigen::ArrayXd> {
    return try_attention_signal(s, distances, Eigen::ArrayXd::Ones(s.pairs()));
  });
}

// Multi-axis RoPE (axis_map.hpp): the decay along one axis, a distance t on that axis alone (the others
// equal), over the pairs that read it: S_a(t) = (1/N_a) sum over axis(j) = a of cos(t w_j). The same
// theorem on the axis's share of the spectrum: a sectioned map gives each axis a band of frequencies
// (and CoPE's lowest pairs all to the last axis), an interleaved map gives each axis the whole range.
inline result<Eigen::ArrayXd> try_semantic_decay(const spectrum& s, const axis_map& map, std::uint8_t axis,
                                                 const Eigen::ArrayXd& distances) {
  return ::cope::detail::catch_allocation_failure("semantic_decay", [&]() -> result<Eigen::ArrayXd> {
    const char* ctx = "semantic_decay";
    if (map.pairs() != static_cast<std::size_t>(s.pairs()))
      return ::cope::detail::fail(errc::invalid_axis_map, ctx, ": the map has ", map.pairs(), " pairs; the spectrum has ",
                                  s.pairs());
    if (axis == axis_map::none || map.count(axis) == 0)
      return ::cope::detail::fail(errc::invalid_axis_map, ctx, ": no pair reads axis ", static_cast<int>(axis));
    Eigen::ArrayXd on_axis(s.pairs());
    for (int j = 0; j < s.pairs(); ++j) on_axis[j] = map[static_cast<std::size_t>(j)] == axis ? 1.0 : 0.0;
    return try_attention_signal(s, distances, on_axis);
  });
}

// ---- Monte-Carlo -------------------------------------------------------------------------------------

struct monte_carlo_options {
  std::size_t samples = 20000;  // (q, k', k) triples per distance
  std::uint64_t seed = 2602'05258;
  double sigma = 1.0;          // standard deviation of q's and k's components
  double mean = 0.0;           // their common mean (the theorem allows any; it cancels in the gap)
  double noise_sigma = 0.1;    // standard deviation of eps in k' = q + eps
};

struct monte_carlo_point {
  double distance;
  double estimate;        // mean of the normalized score gap
  double standard_error;  // its sample standard deviation / sqrt(samples)
};

namespace detail {
// Standard normal deviates by Box-Muller from std::mt19937_64, whose output the C++ standard fixes:
// the same seed gives the same draws with every standard library (std::normal_distribution does not).
class normal_source {
 public:
  explicit normal_source(std::uint64_t seed) : engine_(seed) {}
  double operator()() {
    if (have_spare_) {
      have_spare_ = false;
      return spare_;
    }
    const double u1 = (static_cast<double>(engine_() >> 11) + 0.5) * 0x1p-53;  // (0, 1)
    const double u2 = static_cast<double>(engine_() >> 11) * 0x1p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(two_pi * u2);
    have_spare_ = true;
    return r * std::cos(two_pi * u2);
  }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0;
  bool have_spare_ = false;
};
}  // namespace detail

// The Monte-Carlo estimate runs the kernels (try_apply_rope), which differ by the includer's -m flags
// (header-only): like the kernels' entry points it lives in the per-ISA namespace, so two units built
// with different flags each keep their own copy (tests/odr).
inline namespace COPE_API_NAMESPACE {

// Estimates S(t) at each distance by drawing q, k' = q + eps and an independent k, rotating q at
// position t and both keys at position 0 with the library's own kernels (apply_rope, float32, on the
// fly), and averaging (q_t . k'_0 - q_t . k_0) / (2 sigma^2 f^2 N) over the rotary dims. Each distance
// draws fresh vectors from one seeded stream, so a run is reproducible.
inline result<std::vector<monte_carlo_point>> try_semantic_decay_monte_carlo(const spectrum& s,
                                                                             const Eigen::ArrayXd& distances,
                                                                             const monte_carlo_options& o = {}) {
  return ::cope::detail::catch_allocation_failure("semantic_decay_monte_carlo", [&]() -> result<std::vector<monte_carlo_point>> {
    const char* ctx = "semantic_decay_monte_carlo";
    if (status st = detail::check_curve_inputs(ctx, s, distances); !st) return st;
    if (o.samples < 2)
      return ::cope::detail::fail(errc::invalid_argument, ctx, ": samples (", o.samples, ") must be at least 2");
    if (!(std::isfinite(o.sigma) && o.sigma > 0) || !std::isfinite(o.mean) ||
        !(std::isfinite(o.noise_sigma) && o.noise_sigma >= 0))
      return ::cope::detail::fail(errc::invalid_argument, ctx, ": sigma (", o.sigma, ") must be finite and positive, mean (",
                                  o.mean, ") finite and noise_sigma (", o.noise_sigma, ") finite and >= 0");
    for (Eigen::Index i = 0; i < distances.size(); ++i)
      if (distances[i] < 0 || distances[i] > static_cast<double>(max_position) || distances[i] != std::floor(distances[i]))
        return ::cope::detail::fail(errc::invalid_position, ctx, ": distances[", i, "] (", distances[i],
                                    ") must be a whole number of tokens in [0, ", max_position, "]");

    // The samples are the heads of one token: q's m heads at position t, the keys' 2m heads at 0.
    const std::size_t d = static_cast<std::size_t>(s.head_dim), m = o.samples;
    const Eigen::Index rotary = s.rotary_dim;
    using rows = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    rows q(m, d), keys(2 * m, d);  // keys: row 2i is k'_i = q_i + eps_i, row 2i + 1 an independent k_i
    const auto view = [d](rows& x) {
      const std::size_t heads = static_cast<std::size_t>(x.rows());
      return tensor_view{x.data(), dtype::f32, 1, heads, d, static_cast<std::ptrdiff_t>(heads * d),
                         static_cast<std::ptrdiff_t>(d), heads * d};
    };
    const double norm = 2.0 * o.sigma * o.sigma * s.attention_factor * s.attention_factor * static_cast<double>(rotary / 2);
    detail::normal_source normal(o.seed);
    std::vector<monte_carlo_point> out;
    out.reserve(static_cast<std::size_t>(distances.size()));
    Eigen::ArrayXd gap(static_cast<Eigen::Index>(m));
    for (Eigen::Index i = 0; i < distances.size(); ++i) {
      for (std::size_t r = 0; r < m; ++r)
        for (std::size_t c = 0; c < d; ++c) {
          const double x = o.mean + o.sigma * normal();
          q(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = static_cast<float>(x);
          keys(static_cast<Eigen::Index>(2 * r), static_cast<Eigen::Index>(c)) = static_cast<float>(x + o.noise_sigma * normal());
          keys(static_cast<Eigen::Index>(2 * r + 1), static_cast<Eigen::Index>(c)) = static_cast<float>(o.mean + o.sigma * normal());
        }
      const auto t = static_cast<std::int64_t>(distances[i]);
      if (status st = try_apply_rope(s, rope_args::in_place(view(q), {}, positions::from_offset(t))); !st)
        return st;
      if (status st = try_apply_rope(s, rope_args::in_place(view(keys), {}, positions::from_offset(0))); !st)
        return st;
      for (std::size_t r = 0; r < m; ++r) {
        const auto qr = q.row(static_cast<Eigen::Index>(r)).head(rotary).cast<double>();
        const auto similar = keys.row(static_cast<Eigen::Index>(2 * r)).head(rotary).cast<double>();
        const auto random = keys.row(static_cast<Eigen::Index>(2 * r + 1)).head(rotary).cast<double>();
        gap[static_cast<Eigen::Index>(r)] = (qr.dot(similar) - qr.dot(random)) / norm;
      }
      const double mean = gap.mean();
      const double variance = (gap - mean).square().sum() / static_cast<double>(m - 1);
      out.push_back({distances[i], mean, std::sqrt(variance / static_cast<double>(m))});
    }
    return out;
  });
}

#if COPE_EXCEPTIONS
inline std::vector<monte_carlo_point> semantic_decay_monte_carlo(const spectrum& s, const Eigen::ArrayXd& distances,
                                                                 const monte_carlo_options& o = {}) {
  return ::cope::detail::value_or_throw(try_semantic_decay_monte_carlo(s, distances, o));
}
#endif
}  // namespace COPE_API_NAMESPACE

#if COPE_EXCEPTIONS
inline Eigen::ArrayXd attention_signal(const spectrum& s, const Eigen::ArrayXd& distances,
                                       const Eigen::ArrayXd& amplitudes) {
  return ::cope::detail::value_or_throw(try_attention_signal(s, distances, amplitudes));
}
inline Eigen::ArrayXd semantic_decay(const spectrum& s, const Eigen::ArrayXd& distances) {
  return ::cope::detail::value_or_throw(try_semantic_decay(s, distances));
}
inline Eigen::ArrayXd semantic_decay(const spectrum& s, const axis_map& map, std::uint8_t axis,
                                     const Eigen::ArrayXd& distances) {
  return ::cope::detail::value_or_throw(try_semantic_decay(s, map, axis, distances));
}
#endif

}  // namespace cope::analysis
