// The analysis module (design §5): semantic decay against a direct double sum and against a
// Monte-Carlo run through the library's own kernels; leakage kernels against their closed form and
// their envelope slopes; the ringing ranking; the facts report; bad input.
#include <cope/analysis.hpp>
#include <cope/cope.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

namespace {

using cope::analysis::frequencies;

struct paper_figure_spectra {  // d = 128, base 1e4, n = 20: the setting of the paper's Figs. 3 and 4
  cope::spectrum rope = cope::rope_default(128, {1e4, 1.0});
  cope::spectrum hard = cope::hard_clip(rope, 20);
  cope::spectrum cope = cope::cope_clip(rope, 20);
};

Eigen::ArrayXd direct_sum(const cope::spectrum& s, const Eigen::ArrayXd& t) {
  Eigen::ArrayXd out(t.size());
  for (Eigen::Index i = 0; i < t.size(); ++i) {
    double sum = 0;
    for (float w : s.inv_freq) sum += std::cos(t[i] * static_cast<double>(w));
    out[i] = sum / s.pairs();
  }
  return out;
}

}  // namespace

TEST_CASE("semantic decay: 1 at t = 0 and the direct double sum elsewhere", "[analysis]") {
  const paper_figure_spectra p;
  const cope::spectrum yarn = [] {
    cope::yarn_parameters y;
    y.rope_theta = 1e7;
    y.factor = 4;
    y.original_max_position_embeddings = 65536;
    return cope::rope_yarn(128, y);
  }();
  const Eigen::ArrayXd t = Eigen::ArrayXd::LinSpaced(3001, 0, 30000);
  for (const cope::spectrum* s : {&p.rope, &p.hard, &p.cope, &yarn}) {
    const Eigen::ArrayXd closed = cope::analysis::semantic_decay(*s, t);
    CHECK(closed[0] == 1.0);
    CHECK((closed - direct_sum(*s, t)).abs().maxCoeff() < 1e-12);
  }
  // The paper-notes values (cope_paper.md §4): RoPE vs CoPE at 10000 and 30000.
  Eigen::ArrayXd at(2);
  at << 10000, 30000;
  const Eigen::ArrayXd rope = cope::analysis::semantic_decay(p.rope, at), cope = cope::analysis::semantic_decay(p.cope, at);
  CHECK(rope[0] == Approx(-0.028).margin(5e-4));
  CHECK(cope[0] == Approx(0.106).margin(5e-4));
  CHECK(rope[1] == Approx(-0.094).margin(5e-4));
  CHECK(cope[1] == Approx(-0.002).margin(5e-4));
  // HardClip turns the 20 lowest terms into constants: S_hard - S_rope = (1/N) sum_{j >= 44} (1 - cos(t w_j)),
  // which tends to 20/64 once those slow terms average out (cope_paper.md §4).
  const Eigen::ArrayXd hard = cope::analysis::semantic_decay(p.hard, at);
  for (int i = 0; i < 2; ++i) {
    double lift = 0;
    for (int j = 44; j < 64; ++j) lift += 1 - std::cos(at[i] * frequencies(p.rope)[j]);
    CHECK(hard[i] - rope[i] == Approx(lift / 64).margin(1e-12));
  }
}

TEST_CASE("semantic decay: amplitudes weight the pairs", "[analysis]") {
  const paper_figure_spectra p;
  Eigen::ArrayXd h = Eigen::ArrayXd::Zero(p.rope.pairs());
  h[3] = 2.0;
  Eigen::ArrayXd t(3);
  t << 0, 7, 1234.5;
  const Eigen::ArrayXd a = cope::analysis::attention_signal(p.rope, t, h);
  for (Eigen::Index i = 0; i < t.size(); ++i) CHECK(a[i] == Approx(std::cos(t[i] * frequencies(p.rope)[3])).margin(1e-15));
}

TEST_CASE("semantic decay per axis: each axis's pairs, CoPE on a multi-axis spectrum", "[analysis]") {
  // Qwen2-VL's sectioned map: t on the highest 16 frequencies, w on the lowest 24, where CoPE clips.
  const cope::spectrum rope = cope::rope_default(128, {1e6, 1.0});
  const cope::spectrum clipped = cope::cope_clip(rope, 20);
  const cope::axis_map sectioned = cope::axis_map::sectioned({16, 24, 24});
  const cope::axis_map interleaved = cope::axis_map::interleaved({24, 20, 20});
  Eigen::ArrayXd t(5);
  t << 0, 1, 10, 1000, 100000;
  for (const cope::axis_map* map : {&sectioned, &interleaved})
    for (std::uint8_t axis : {cope::axis_t, cope::axis_h, cope::axis_w}) {
      const Eigen::ArrayXd got = cope::analysis::semantic_decay(clipped, *map, axis, t);
      for (Eigen::Index i = 0; i < t.size(); ++i) {
        double sum = 0;
        int pairs = 0;
        for (std::size_t j = 0; j < map->pairs(); ++j)
          if ((*map)[j] == axis) {
            sum += std::cos(t[i] * static_cast<double>(clipped.inv_freq[j]));
            ++pairs;
          }
        CHECK(std::abs(got[i] - sum / pairs) <= 1e-12);
      }
    }
  // Weighted by pair counts, the axes' decays add up to the whole spectrum's.
  const Eigen::ArrayXd whole = cope::analysis::semantic_decay(clipped, t);
  Eigen::ArrayXd sum = Eigen::ArrayXd::Zero(t.size());
  for (std::uint8_t axis : {cope::axis_t, cope::axis_h, cope::axis_w})
    sum += cope::analysis::semantic_decay(clipped, sectioned, axis, t) * static_cast<double>(sectioned.count(axis)) / 64.0;
  CHECK((sum - whole).abs().maxCoeff() <= 1e-12);
  const auto bad = cope::analysis::try_semantic_decay(clipped, cope::axis_map::sectioned({16, 24}), cope::axis_t, t);
  CHECK(bad.error().message() == "semantic_decay: the map has 40 pairs; the spectrum has 64");
  const auto none = cope::analysis::try_semantic_decay(clipped, sectioned, 3, t);
  CHECK(none.error().message() == "semantic_decay: no pair reads axis 3");
}

TEST_CASE("semantic decay: Monte-Carlo through the kernels agrees with the closed form within 4 SE", "[analysis]") {
  const paper_figure_spectra p;
  Eigen::ArrayXd t(5);
  t << 0, 100, 2000, 10000, 30000;
  cope::analysis::monte_carlo_options o;
  o.samples = 8000;
  for (const cope::spectrum* s : {&p.rope, &p.hard, &p.cope}) {
    INFO("clip " << cope::to_string(s->clip));
    const Eigen::ArrayXd closed = cope::analysis::semantic_decay(*s, t);
    const auto mc = cope::analysis::semantic_decay_monte_carlo(*s, t, o);
    REQUIRE(mc.size() == 5);
    for (std::size_t i = 0; i < mc.size(); ++i) {
      INFO("t = " << mc[i].distance << ": closed " << closed[static_cast<Eigen::Index>(i)] << ", estimate "
                  << mc[i].estimate << " +- " << mc[i].standard_error);
      CHECK(mc[i].distance == t[static_cast<Eigen::Index>(i)]);
      CHECK(mc[i].standard_error > 0);
      CHECK(mc[i].standard_error < 0.01);  // a precise enough estimate that the 4-SE check means something
      CHECK(std::abs(mc[i].estimate - closed[static_cast<Eigen::Index>(i)]) < 4 * mc[i].standard_error);
    }
  }
}

TEST_CASE("semantic decay: Monte-Carlo is seeded, and the mean cancels in the gap", "[analysis]") {
  const paper_figure_spectra p;
  Eigen::ArrayXd t(2);
  t << 500, 5000;
  cope::analysis::monte_carlo_options o;
  o.samples = 4000;
  const auto a = cope::analysis::semantic_decay_monte_carlo(p.cope, t, o);
  const auto b = cope::analysis::semantic_decay_monte_carlo(p.cope, t, o);
  o.seed += 1;
  const auto c = cope::analysis::semantic_decay_monte_carlo(p.cope, t, o);
  CHECK(a[0].estimate == b[0].estimate);
  CHECK(a[1].standard_error == b[1].standard_error);
  CHECK(a[0].estimate != c[0].estimate);
  // Components with mean 0.5 (Thm 3.2 allows any common mean): the expected gap is unchanged.
  o.mean = 0.5;
  o.samples = 8000;
  const Eigen::ArrayXd closed = cope::analysis::semantic_decay(p.cope, t);
  const auto m = cope::analysis::semantic_decay_monte_carlo(p.cope, t, o);
  for (int i = 0; i < 2; ++i) CHECK(std::abs(m[static_cast<std::size_t>(i)].estimate - closed[i]) < 4 * m[static_cast<std::size_t>(i)].standard_error);
}

TEST_CASE("leakage: the hard-clip kernel from quadrature is sin(w_c t) / (pi t)", "[analysis]") {
  const paper_figure_spectra p;
  const auto f = cope::analysis::make_clip_filter(p.rope, 20, cope::clip_kind::hard);
  CHECK(f.cutoff == Approx(std::sqrt(frequencies(p.rope)[43] * frequencies(p.rope)[44])).epsilon(1e-6));
  for (double t : {1.0, 37.0, 1000.0, 123456.0, 2.5e6}) {
    INFO("t = " << t);
    const double exact = std::sin(f.cutoff * t) / (cope::pi * t);
    CHECK(cope::analysis::leakage_kernel_at(f, t) == Approx(exact).margin(1e-13));
  }
  CHECK(cope::analysis::leakage_kernel_at(f, 0) == Approx(f.cutoff / cope::pi).epsilon(1e-12));
}

TEST_CASE("leakage: the CoPE kernel by Filon's rule after integration by parts equals plain quadrature", "[analysis]") {
  // Plain Gauss-Legendre quadrature of (1 - H) cos(w t) over [0, theta_s] on panels of 1/8 radian,
  // independent of the library's evaluation; at these t its cancellation error stays below 1e-15.
  const paper_figure_spectra p;
  const auto f = cope::analysis::make_clip_filter(p.rope, 20, cope::clip_kind::cope);
  const double x16[8] = {0.0950125098376374, 0.2816035507792589, 0.4580167776572274, 0.6178762444026438,
                         0.7554044083550030, 0.8656312023878318, 0.9445750230732326, 0.9894009349916499};
  const double w16[8] = {0.1894506104550685, 0.1826034150449236, 0.1691565193950025, 0.1495959888165767,
                         0.1246289712555339, 0.0951585116824928, 0.0622535239386479, 0.0271524594117541};
  for (double t : {1e3, 4e4, 3e5, 3e6}) {
    const int panels = static_cast<int>(std::ceil(f.theta_onset * t * 8)) + 64;
    double sum = 0;
    for (int i = 0; i < panels; ++i) {
      const double a = f.theta_onset * i / panels, h = f.theta_onset / panels;
      for (int k = 0; k < 8; ++k)
        for (double sign : {-1.0, 1.0}) {
          const double w = a + 0.5 * h * (1 + sign * x16[k]);
          sum += 0.5 * h * w16[k] * f.removed(w) * std::cos(w * t);
        }
    }
    INFO("t = " << t);
    CHECK(cope::analysis::leakage_kernel_at(f, t) == Approx(sum / cope::pi).epsilon(1e-6).margin(2e-17));
  }
}

TEST_CASE("leakage: envelope slopes, hard clipping about -1 and CoPE's taper at most -2.5", "[analysis]") {
  for (double base : {1e4, 1e7}) {
    INFO("base " << base);
    const cope::spectrum rope = cope::rope_default(128, {base, 1.0});
    const auto hard = cope::analysis::fit_leakage_envelope(cope::analysis::make_clip_filter(rope, 20, cope::clip_kind::hard));
    const auto taper = cope::analysis::fit_leakage_envelope(cope::analysis::make_clip_filter(rope, 20, cope::clip_kind::cope));
    CHECK(hard.slope >= -1.15);
    CHECK(hard.slope <= -0.85);
    CHECK(taper.slope <= -2.5);
    CHECK(taper.slope >= -3.5);  // 1/t^3: the taper and its first derivative are continuous, not its second
  }
}

TEST_CASE("leakage: on a smooth continuum spectrum the ringing measure ranks hard clipping worst", "[analysis]") {
  const paper_figure_spectra p;
  const auto continuum = *cope::analysis::try_continuum_of(p.rope);
  const Eigen::ArrayXd t = Eigen::ArrayXd::LinSpaced(2001, 0, 100000);
  Eigen::ArrayXd near(3);
  near << 0, 1, 10;
  const Eigen::ArrayXd signal = *cope::analysis::try_continuum_signal(continuum, near);
  CHECK(signal[0] == Approx(1.0).epsilon(1e-12));
  CHECK(signal[1] < signal[0]);
  CHECK(std::abs(signal[2]) < signal[1]);
  const auto hard_f = cope::analysis::make_clip_filter(p.rope, 20, cope::clip_kind::hard);
  const auto cope_f = cope::analysis::make_clip_filter(p.rope, 20, cope::clip_kind::cope);
  const Eigen::ArrayXd hard = *cope::analysis::try_leakage_error(hard_f, continuum, t);
  const Eigen::ArrayXd taper = *cope::analysis::try_leakage_error(cope_f, continuum, t);
  // At t = 0 the error is minus the removed share of the amplitude: the integral of rho = sin^2(pi x / U)
  // over x = ln(w / theta_min) in [0, X], X = ln(cutoff / theta_min), is X/2 - U sin(2 pi X / U) / (4 pi).
  const double U = std::log(continuum.theta_max / continuum.theta_min), X = std::log(hard_f.cutoff / continuum.theta_min);
  const double removed = X / 2 - U * std::sin(2 * cope::pi * X / U) / (4 * cope::pi);
  CHECK(hard[0] == Approx(-removed / continuum.total()).epsilon(1e-10));
  const double ring_hard = cope::analysis::ringing_measure(hard), ring_cope = cope::analysis::ringing_measure(taper);
  INFO("ringing: hard " << ring_hard << ", CoPE " << ring_cope);
  CHECK(ring_hard > 2 * ring_cope);
  CHECK(ring_cope > 0);
  Eigen::ArrayXd monotone = Eigen::ArrayXd::LinSpaced(10, 3, -1);
  CHECK(cope::analysis::ringing_measure(monotone) == 0.0);
}

TEST_CASE("spectrum facts: critical dimensions and OOD counts of design 2.4", "[analysis]") {
  struct row {
    double length;
    int d;
    double base;
    int d_ct, n_ood;
  };
  for (const row r : {row{8192, 128, 5e5, 70, 29}, row{8192, 128, 1e7, 58, 35}, row{65536, 128, 1e7, 74, 27},
                      row{131072, 128, 1e7, 80, 24}, row{262144, 64, 1e7, 44, 10}}) {
    INFO("L " << r.length << ", d " << r.d << ", base " << r.base);
    const auto f = cope::analysis::make_spectrum_facts(cope::rope_default(r.d, {r.base, 1.0}), r.length, 10);
    CHECK(f.critical_dimension == r.d_ct);
    CHECK(cope::critical_dimension(r.length, r.d, r.base) == r.d_ct);
    CHECK(f.ood_count == r.n_ood);
  }
  const auto f = cope::analysis::make_spectrum_facts(cope::rope_default(128, {1e7, 1.0}), 65536, 20);
  CHECK(f.onset == 44);
  CHECK(f.pairs[43].cope_weight == 1.0);
  CHECK(f.pairs[44].cope_weight == 1.0);
  CHECK(f.pairs[45].cope_weight == Approx(0.9932).margin(1e-4));
  CHECK(f.pairs[63].cope_weight == 0.0);
  CHECK(std::isinf(f.pairs[63].cope_period));
  CHECK(f.pairs[44].hard_inv_freq == 0.0);
  CHECK(f.pairs[43].hard_inv_freq == f.pairs[43].inv_freq);
  CHECK(f.pairs[44].period == Approx(4.08e5).epsilon(0.01));  // T_44 of the notes' table
}

TEST_CASE("analysis: bad input gets a specific error", "[analysis]") {
  const paper_figure_spectra p;
  Eigen::ArrayXd t(2);
  t << 0, std::nan("");
  auto bad_t = cope::analysis::try_semantic_decay(p.rope, t);
  REQUIRE_FALSE(bad_t);
  CHECK(bad_t.error().code() == cope::errc::invalid_argument);
  CHECK(bad_t.error().message() == "attention_signal: distances[1] (nan) is not finite");

  auto bad_h = cope::analysis::try_attention_signal(p.rope, Eigen::ArrayXd::Zero(1), Eigen::ArrayXd::Ones(3));
  REQUIRE_FALSE(bad_h);
  CHECK(bad_h.error().message() == "attention_signal: amplitudes has 3 entries; the spectrum has 64 pairs");

  Eigen::ArrayXd frac(1);
  frac << 2.5;
  auto bad_mc = cope::analysis::try_semantic_decay_monte_carlo(p.rope, frac);
  REQUIRE_FALSE(bad_mc);
  CHECK(bad_mc.error().code() == cope::errc::invalid_position);
  CHECK(bad_mc.error().message() ==
        "semantic_decay_monte_carlo: distances[0] (2.5) must be a whole number of tokens in [0, 536870912]");
  cope::analysis::monte_carlo_options o;
  o.samples = 1;
  auto bad_samples = cope::analysis::try_semantic_decay_monte_carlo(p.rope, Eigen::ArrayXd::Zero(1), o);
  REQUIRE_FALSE(bad_samples);
  CHECK(bad_samples.error().message() == "semantic_decay_monte_carlo: samples (1) must be at least 2");

  auto clipped = cope::analysis::try_make_clip_filter(p.cope, 20, cope::clip_kind::hard);
  REQUIRE_FALSE(clipped);
  CHECK(clipped.error().code() == cope::errc::invalid_clip);
  CHECK(clipped.error().message() ==
        "clip_filter: the spectrum is already clipped (cope, n = 20); pass the unclipped one");
  auto big_n = cope::analysis::try_make_clip_filter(p.rope, 64, cope::clip_kind::cope);
  REQUIRE_FALSE(big_n);
  CHECK(big_n.error().message() ==
        "clip_filter: n (64) must be in [2, 63]: a taper needs two pairs and hard clipping a kept pair above the cutoff");

  const auto f = cope::analysis::make_clip_filter(p.rope, 20, cope::clip_kind::cope);
  auto bad_fit = cope::analysis::try_fit_leakage_envelope(f, 100, 150);
  REQUIRE_FALSE(bad_fit);
  CHECK(bad_fit.error().message() ==
        "fit_leakage_envelope: the fit range [100, 150] must be finite, positive and span more than a factor of 2");

  Eigen::ArrayXd far(1);
  far << 1e14;
  auto too_far = cope::analysis::try_leakage_kernel(f, far);
  REQUIRE_FALSE(too_far);
  CHECK(too_far.error().code() == cope::errc::invalid_argument);
  CHECK(too_far.error().message().rfind("leakage_kernel: distances[0] (1e+14) times the highest frequency (", 0) == 0);

  auto bad_len = cope::analysis::try_make_spectrum_facts(p.rope, -1, 20);
  REQUIRE_FALSE(bad_len);
  CHECK(bad_len.error().code() == cope::errc::invalid_length);
  auto bad_n = cope::analysis::try_make_spectrum_facts(p.rope, 65536, 65);
  REQUIRE_FALSE(bad_n);
  CHECK(bad_n.error().code() == cope::errc::invalid_clip);
}
