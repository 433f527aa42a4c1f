// Prints the RoPE and CoPE spectra of the CoPE paper's configuration: head_dim 128, ABF base 1e7,
// training length 65536, clipping the n = 20 lowest pairs (onset 44). For each pair: the frequency,
// its period in tokens, whether that period exceeds the training length (OOD), CoPE's weight and the
// clipped frequency. Arguments (all optional): head_dim base training_length n.
#include <cope/cope.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {
bool parse(const char* text, double& value, bool integral) {
  char* end = nullptr;
  value = std::strtod(text, &end);
  return end != text && *end == '\0' && (!integral || value == static_cast<double>(static_cast<long>(value)));
}
}  // namespace

int main(int argc, char** argv) {
  double head_dim = 128, base = 1e7, training_length = 65536, n = cope::paper_clip_pairs;
  double* args[] = {&head_dim, &base, &training_length, &n};
  const char* names[] = {"head_dim", "base", "training_length", "n"};
  const bool integral[] = {true, false, false, true};
  if (argc > 5) {
    std::fprintf(stderr, "usage: %s [head_dim [base [training_length [n]]]]\n", argv[0]);
    return 2;
  }
  for (int i = 1; i < argc; ++i)
    if (!parse(argv[i], *args[i - 1], integral[i - 1])) {
      std::fprintf(stderr, "spectrum_table: %s '%s' is not %s\n", names[i - 1], argv[i],
                   integral[i - 1] ? "an integer" : "a number");
      return 2;
    }

  const cope::result<cope::spectrum> rope = cope::try_rope_default(static_cast<int>(head_dim), {base, 1.0});
  if (!rope) return std::fprintf(stderr, "spectrum_table: %s\n", rope.error().message().c_str()), 2;
  const cope::result<cope::spectrum> clipped = cope::try_cope_clip(*rope, static_cast<int>(n));
  if (!clipped) return std::fprintf(stderr, "spectrum_table: %s\n", clipped.error().message().c_str()), 2;
  const cope::result<int> d_ct = cope::try_critical_dimension(training_length, static_cast<int>(head_dim), base);
  if (!d_ct) return std::fprintf(stderr, "spectrum_table: %s\n", d_ct.error().message().c_str()), 2;

  const std::vector<double> rope_periods = cope::periods(*rope);
  const std::vector<double> cope_periods = cope::periods(*clipped);
  const std::vector<int> ood = cope::ood_pairs(*rope, training_length);
  const std::vector<double> weights = cope::cope_weights_f64(static_cast<int>(n));

  std::printf("CoPE spectrum: head_dim %d, base %g, training length %g, n = %d\n", rope->head_dim, base,
              training_length, clipped->clip_n);
  std::printf("critical dimension d_ct = %d; OOD pairs (period > %g): %zu of %d; CoPE onset: pair %d\n\n", *d_ct,
              training_length, ood.size(), rope->pairs(), clipped->clip_onset());
  std::printf("%4s  %13s  %13s  %4s  %8s  %13s  %13s\n", "pair", "inv_freq", "period", "OOD", "weight",
              "CoPE inv_freq", "CoPE period");
  for (int j = 0; j < rope->pairs(); ++j) {
    const auto u = static_cast<std::size_t>(j);
    const bool is_ood = rope_periods[u] > training_length;
    const double w = j < clipped->clip_onset() ? 1.0 : weights[u - static_cast<std::size_t>(clipped->clip_onset())];
    std::printf("%4d  %13.6e  %13.6e  %4s  %8.4f  %13.6e  %13.6e%s\n", j, static_cast<double>(rope->inv_freq[u]),
                rope_periods[u], is_ood ? "yes" : "", w, static_cast<double>(clipped->inv_freq[u]), cope_periods[u],
                j == clipped->clip_onset() ? "  <- onset" : "");
  }
  return 0;
}
