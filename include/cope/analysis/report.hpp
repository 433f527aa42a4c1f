// cope analysis — the facts of a spectrum, pair by pair (design §5, paper Def. 3.1 and §4.2): what the
// demo prints and what an engine developer checks before choosing a clip count.
//
// Standard library only (the rest of cope/analysis needs Eigen).
#pragma once

#include "../clip.hpp"
#include "../detail/message.hpp"
#include "../error.hpp"
#include "../facts.hpp"
#include "../spectrum.hpp"

#include <cmath>
#include <vector>

namespace cope::analysis {

struct pair_fact {
  int pair = 0;
  double inv_freq = 0;       // the float32 frequency the kernels rotate by
  double period = 0;         // 2 pi / inv_freq, tokens
  bool ood = false;          // period > training length: never a full turn during training
  double cope_weight = 1;    // CoPE's raised-cosine weight (1 before the onset, 0 at the last pair)
  double cope_inv_freq = 0;  // the CoPE-clipped frequency
  double cope_period = 0;    // its period (+inf where the weight is 0)
  double hard_inv_freq = 0;  // the HardClip frequency (0 from the onset on)
};

struct spectrum_facts {
  spectrum rope, hard, cope;  // the spectrum as given and its two clipped versions (same n)
  double training_length = 0;
  int clip_n = 0;
  int onset = 0;               // first clipped pair, pairs - n (44 for d = 128, n = 20)
  int critical_dimension = 0;  // 2 * #{pairs with period <= training length} (paper Def. 3.1)
  int ood_count = 0;           // pairs whose period exceeds the training length
  std::vector<pair_fact> pairs;
};

// The critical dimension counted on the spectrum's own periods, so it holds for every rope type
// (linear, YaRN, ... shift periods); for plain RoPE it equals the closed form
// try_critical_dimension(L, d, base) = 2 ceil((d/2) log_b(L / 2 pi)) (tests/analysis.cpp checks both).
inline result<spectrum_facts> try_make_spectrum_facts(const spectrum& rope, double training_length, int n) {
  return ::cope::detail::catch_allocation_failure("make_spectrum_facts", [&]() -> result<spectrum_facts> {
    const char* ctx = "spectrum_facts";
    if (rope.clip != clip_kind::none)
      return ::cope::detail::fail(errc::invalid_clip, ctx, ": the spectrum is already clipped (", to_string(rope.clip),
                                  ", n = ", rope.clip_n, "); pass the unclipped one");
    if (!(std::isfinite(training_length) && training_length > 0))
      return ::cope::detail::fail(errc::invalid_length, ctx, ": training_length (", training_length,
                                  ") must be finite and positive");
    result<spectrum> cope = try_cope_clip(rope, n);
    if (!cope) return cope.error();
    result<spectrum> hard = try_hard_clip(rope, n);
    if (!hard) return hard.error();

    spectrum_facts f;
    f.rope = rope;
    f.cope = std::move(*cope);
    f.hard = std::move(*hard);
    f.training_length = training_length;
    f.clip_n = n;
    f.onset = rope.pairs() - n;
    const std::vector<double> weights = cope_weights_f64(n);
    const std::vector<double> rope_periods = periods(rope), cope_periods = periods(f.cope);
    for (int j = 0; j < rope.pairs(); ++j) {
      const auto u = static_cast<std::size_t>(j);
      pair_fact p;
      p.pair = j;
      p.inv_freq = static_cast<double>(rope.inv_freq[u]);
      p.period = rope_periods[u];
      p.ood = p.period > training_length;
      p.cope_weight = j < f.onset ? 1.0 : weights[u - static_cast<std::size_t>(f.onset)];
      p.cope_inv_freq = static_cast<double>(f.cope.inv_freq[u]);
      p.cope_period = cope_periods[u];
      p.hard_inv_freq = static_cast<double>(f.hard.inv_freq[u]);
      f.ood_count += p.ood;
      f.critical_dimension += p.ood ? 0 : 2;
      f.pairs.push_back(p);
    }
    return f;
  });
}

#if COPE_EXCEPTIONS
inline spectrum_facts make_spectrum_facts(const spectrum& rope, double training_length, int n) {
  return ::cope::detail::value_or_throw(try_make_spectrum_facts(rope, training_length, n));
}
#endif

}  // namespace cope::analysis
