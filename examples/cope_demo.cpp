// The cope demo: the CoPE report for a model, then the paper's figures.
//
// With no model arguments: the paper's setting (Llama-3-8B geometry: head_dim 128, ABF base 1e7,
// training length 65536, n = 20) — the spectrum table, critical dimension, semantic decay at a few
// distances for RoPE / HardClip / CoPE (closed form and Monte-Carlo through the kernels), the leakage
// slopes — and the figures in the setting the paper draws them (head_dim 128, base 1e4, n = 20),
// written to docs/figures. With model arguments, the same report and figures for that model, the
// figures written to build/demo/figures. Every figure is a CSV rendered to PNG by gnuplot
// (docs/figures/figures.gp). Run it through scripts/demo.sh, which builds it and installs gnuplot.
//
//   cope_demo [--head_dim D] [--rope_theta B] [--training_length L] [--n N] [--rope_type T]
//             [--factor F] [--original_max_position_embeddings N] [...]   (see usage())
#include "demo_options.hpp"

#include <cope/analysis.hpp>
#include <cope/cope.hpp>
#include <cope/gguf.hpp>
#include <cope/hf_config.hpp>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <spawn.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <vector>

extern char** environ;

#ifndef COPE_FIGURES_SCRIPT
#error "COPE_FIGURES_SCRIPT (the path of docs/figures/figures.gp) must be defined by the build"
#endif

namespace {

namespace an = cope::analysis;
using demo::bad_argument;

// ---- output helpers -----------------------------------------------------------------------------

struct csv {
  std::FILE* f = nullptr;
  std::string path;
  csv(const std::string& dir, const std::string& name, const std::string& header) : path(dir + "/" + name) {
    f = std::fopen(path.c_str(), "w");
    if (f == nullptr) throw bad_argument{"cannot write " + path};
    std::fprintf(f, "%s\n", header.c_str());
  }
  ~csv() {
    if (f != nullptr) std::fclose(f);
  }
  csv(const csv&) = delete;
  csv& operator=(const csv&) = delete;
  // Values with 9 significant digits: enough for any curve here, few enough that a re-run on the same
  // build writes the same bytes.
  void row(std::initializer_list<double> values) {
    const char* sep = "";
    for (double v : values) {
      std::fprintf(f, "%s%.9g", sep, v);
      sep = ",";
    }
    std::fprintf(f, "\n");
  }
};

void make_dirs(const std::string& path) {
  for (std::size_t i = 1; i <= path.size(); ++i)
    if (i == path.size() || path[i] == '/') {
      const std::string prefix = path.substr(0, i);
      if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) throw bad_argument{"cannot create directory " + prefix};
    }
}

template <class T>
T checked(cope::result<T> r) {
  if (!r) throw bad_argument{r.error().message()};
  return std::move(*r);
}

// ---- the report ---------------------------------------------------------------------------------

// Multi-axis models: which pairs each axis reads, how many of them are OOD and clipped, and the semantic
// decay along each axis alone, RoPE against CoPE (a sectioned map hands CoPE's lowest pairs to its last
// axis; an interleaved one spreads them over all three).
cope::axis_map axis_map_of(const std::vector<int>& sections, bool interleaved, const cope::spectrum& rope) {
  const cope::axis_map map = checked(interleaved ? cope::axis_map::try_interleaved(sections.data(), sections.size())
                                                 : cope::axis_map::try_sectioned(sections.data(), sections.size()));
  if (map.pairs() != static_cast<std::size_t>(rope.pairs()))
    throw bad_argument{"--mrope_section adds up to " + std::to_string(map.pairs()) + " pairs; the spectrum has " +
                       std::to_string(rope.pairs()) + " (rotary_dim / 2)"};
  return map;
}

void print_axes(const an::spectrum_facts& f, const cope::axis_map& map, const std::vector<int>& sections,
                bool interleaved) {
  std::string list;
  for (int v : sections) list += (list.empty() ? "" : ", ") + std::to_string(v);
  std::printf("\nMulti-axis RoPE: mrope_section [%s], %s. Per axis: its pairs, OOD and CoPE-clipped among them, and the\n"
              "semantic decay along that axis alone, S_a(t) = mean over its pairs of cos(t w_j), RoPE -> CoPE:\n",
              list.c_str(), interleaved ? "interleaved (Qwen3-VL)" : "sectioned (Qwen2-VL)");
  const double distances[] = {100, 1000, 10000, 100000};
  std::printf("%5s %6s %5s %8s", "axis", "pairs", "OOD", "clipped");
  for (double t : distances) std::printf("   S(%6.0f) RoPE -> CoPE", t);
  std::printf("\n");
  Eigen::ArrayXd t(4);
  t << distances[0], distances[1], distances[2], distances[3];
  for (std::uint8_t axis = 0; axis < map.axes(); ++axis) {
    int ood = 0, clipped = 0;
    for (std::size_t j = 0; j < map.pairs(); ++j)
      if (map[j] == axis) {
        ood += f.pairs[j].ood;
        clipped += static_cast<int>(j) >= f.onset;
      }
    std::printf("%5s %6zu %5d %8d", axis < 3 ? std::string(1, "thw"[axis]).c_str() : "e", map.count(axis), ood, clipped);
    if (map.count(axis) == 0) {
      std::printf("\n");
      continue;
    }
    const Eigen::ArrayXd r = checked(an::try_semantic_decay(f.rope, map, axis, t));
    const Eigen::ArrayXd c = checked(an::try_semantic_decay(f.cope, map, axis, t));
    for (Eigen::Index i = 0; i < t.size(); ++i) std::printf("   %9.4f -> %9.4f", r[i], c[i]);
    std::printf("\n");
  }
}

void print_spectrum_table(const an::spectrum_facts& f) {
  std::printf("%4s  %13s  %13s  %4s  %8s  %13s  %13s\n", "pair", "inv_freq", "period", "OOD", "weight", "CoPE inv_freq",
              "CoPE period");
  for (const an::pair_fact& p : f.pairs)
    std::printf("%4d  %13.6e  %13.6e  %4s  %8.4f  %13.6e  %13.6e%s\n", p.pair, p.inv_freq, p.period, p.ood ? "yes" : "",
                p.cope_weight, p.cope_inv_freq, p.cope_period, p.pair == f.onset ? "  <- onset" : "");
}

void print_decay(const an::spectrum_facts& f) {
  std::vector<double> at = {0, 100, 1000, 10000, 30000};
  for (double x : {f.training_length / 2, f.training_length, 2 * f.training_length})
    if (x > at.back() && x <= static_cast<double>(cope::max_position)) at.push_back(std::round(x));
  const Eigen::ArrayXd t = Eigen::Map<const Eigen::ArrayXd>(at.data(), static_cast<Eigen::Index>(at.size()));
  an::monte_carlo_options mc;
  mc.samples = 4000;
  std::printf("\nSemantic decay S(t) = (1/N) sum_j cos(t w_j) (paper Thm 3.2; 1 at t = 0): closed form, and a Monte-Carlo\n"
              "estimate through the kernels (%zu draws of q, k' = q + eps, k per distance; +- one standard error)\n",
              mc.samples);
  std::printf("%10s  %9s %18s  %9s %18s  %9s %18s\n", "t", "RoPE", "(Monte-Carlo)", "HardClip", "(Monte-Carlo)", "CoPE",
              "(Monte-Carlo)");
  std::vector<Eigen::ArrayXd> closed;
  std::vector<std::vector<an::monte_carlo_point>> sampled;
  for (const cope::spectrum* s : {&f.rope, &f.hard, &f.cope}) {
    closed.push_back(checked(an::try_semantic_decay(*s, t)));
    sampled.push_back(checked(an::try_semantic_decay_monte_carlo(*s, t, mc)));
  }
  for (Eigen::Index i = 0; i < t.size(); ++i) {
    std::printf("%10.0f", t[i]);
    for (std::size_t k = 0; k < 3; ++k) {
      const an::monte_carlo_point& p = sampled[k][static_cast<std::size_t>(i)];
      std::printf("  %9.4f  (%7.4f +- %.4f)", closed[k][i], p.estimate, p.standard_error);
    }
    std::printf("\n");
  }
}

// Thm 4.1 for one spectrum: the two filters, their kernels' envelope fits, and the error terms on the
// smooth test spectrum over t = 0 .. 50 periods of the hard cutoff; the report prints it, the figures
// draw it.
struct leakage_summary {
  an::clip_filter hard, cope;
  an::envelope_fit hard_fit, cope_fit;
  Eigen::ArrayXd t, hard_error, cope_error;
  double hard_ringing = 0, cope_ringing = 0;
};

leakage_summary leakage_of(const cope::spectrum& rope, int n) {
  leakage_summary l;
  l.hard = checked(an::try_make_clip_filter(rope, n, cope::clip_kind::hard));
  l.cope = checked(an::try_make_clip_filter(rope, n, cope::clip_kind::cope));
  l.hard_fit = checked(an::try_fit_leakage_envelope(l.hard));
  l.cope_fit = checked(an::try_fit_leakage_envelope(l.cope));
  const an::continuum_spectrum c = checked(an::try_continuum_of(rope));
  l.t = Eigen::ArrayXd::LinSpaced(2001, 0, 50 * cope::two_pi / l.hard.cutoff);
  l.hard_error = checked(an::try_leakage_error(l.hard, c, l.t));
  l.cope_error = checked(an::try_leakage_error(l.cope, c, l.t));
  l.hard_ringing = an::ringing_measure(l.hard_error);
  l.cope_ringing = an::ringing_measure(l.cope_error);
  return l;
}

void print_leakage(const leakage_summary& l) {
  std::printf("\nSpectral leakage (paper Thm 4.1, amplitude view): envelope of the leakage kernel k(t), log-log slope\n");
  std::printf("  HardClip (ideal high-pass, cutoff %.4e):     slope %6.3f over t in [%.3g, %.3g]   (theory: -1)\n",
              l.hard.cutoff, l.hard_fit.slope, l.hard_fit.distances[0], l.hard_fit.distances[l.hard_fit.distances.size() - 1]);
  std::printf("  CoPE taper (raised cosine, %.4e..%.4e): slope %6.3f over t in [%.3g, %.3g]   (theory: -3)\n",
              l.cope.theta_min, l.cope.theta_onset, l.cope_fit.slope, l.cope_fit.distances[0],
              l.cope_fit.distances[l.cope_fit.distances.size() - 1]);
  std::printf("  ringing of the error term on a smooth test spectrum, t in [0, %.3g]: HardClip %.3f, CoPE %.3f\n",
              l.t[l.t.size() - 1], l.hard_ringing, l.cope_ringing);
}

// ---- the figures --------------------------------------------------------------------------------

// The multi-axis maps of each family (docs/kernels.md): one row per family, the axis each pair reads
// (0 t, 1 h, 2 w, 3 the 4th stream, -1 identity), at each model's own pair count.
void write_axis_maps(const std::string& dir) {
  struct family {
    const char* name;
    cope::result<cope::axis_map> map;
  };
  const family families[] = {
      {"Qwen2-VL / Qwen2.5-VL: sectioned [16, 24, 24]", cope::axis_map::try_sectioned({16, 24, 24})},
      {"Qwen3-VL: interleaved [24, 20, 20]", cope::axis_map::try_interleaved({24, 20, 20})},
      {"Qwen3.5: interleaved [11, 11, 10] (32 of 128 pairs)", cope::axis_map::try_interleaved({11, 11, 10})},
      {"GLM-4V: sectioned [8, 12, 12] (32 pairs, interleaved layout)", cope::axis_map::try_sectioned({8, 12, 12})},
      {"ERNIE-4.5-VL: h/w alternating, t on the lowest 20", cope::axis_map::try_ernie(64, 20)},
      {"HoPE: h/w alternating, the lowest 16 identity", cope::axis_map::try_hope({16, 24, 24})},
      {"XD-RoPE: 4 sections [16, 16, 16, 16]", cope::axis_map::try_sectioned({16, 16, 16, 16})},
  };
  csv out(dir, "axis_maps.csv", "family,pair,axis,name");
  int row = 0;
  for (const family& f : families) {
    const cope::axis_map& m = checked(cope::result<cope::axis_map>(f.map));
    for (std::size_t j = 0; j < m.pairs(); ++j)
      std::fprintf(out.f, "%d,%zu,%d,\"%s\"\n", row, j, m[j] == cope::axis_map::none ? -1 : m[j], f.name);
    ++row;
  }
}

void write_figures(const std::string& dir, const cope::spectrum& rope, int n, const leakage_summary& l) {
  make_dirs(dir);
  write_axis_maps(dir);
  const cope::spectrum hard = checked(cope::try_hard_clip(rope, n)), taper = checked(cope::try_cope_clip(rope, n));
  const int onset = rope.pairs() - n;

  {  // Fig. 2b: the spectrum against pair index, with the onset
    csv out(dir, "spectrum.csv", "pair,rope,hardclip,cope,onset");
    for (int j = 0; j < rope.pairs(); ++j) {
      const auto u = static_cast<std::size_t>(j);
      out.row({static_cast<double>(j), rope.inv_freq[u], hard.inv_freq[u], taper.inv_freq[u], static_cast<double>(onset)});
    }
  }
  {  // Fig. 3: semantic decay over 0..30000, closed form and Monte-Carlo points
    const Eigen::ArrayXd t = Eigen::ArrayXd::LinSpaced(3001, 0, 30000);
    const Eigen::ArrayXd r = checked(an::try_semantic_decay(rope, t)), h = checked(an::try_semantic_decay(hard, t)),
                         c = checked(an::try_semantic_decay(taper, t));
    csv out(dir, "semantic_decay.csv", "t,rope,hardclip,cope");
    for (Eigen::Index i = 0; i < t.size(); ++i) out.row({t[i], r[i], h[i], c[i]});
    const Eigen::ArrayXd at = Eigen::ArrayXd::LinSpaced(11, 0, 30000);
    an::monte_carlo_options mc;
    mc.samples = 4000;
    const auto mr = checked(an::try_semantic_decay_monte_carlo(rope, at, mc));
    const auto mc_cope = checked(an::try_semantic_decay_monte_carlo(taper, at, mc));
    csv points(dir, "semantic_decay_monte_carlo.csv", "t,rope,rope_se,cope,cope_se");
    for (std::size_t i = 0; i < mr.size(); ++i)
      points.row({mr[i].distance, mr[i].estimate, mr[i].standard_error, mc_cope[i].estimate, mc_cope[i].standard_error});
  }
  {  // Fig. 4 (implementation view): the attention signal over 0..500
    const Eigen::ArrayXd t = Eigen::ArrayXd::LinSpaced(501, 0, 500);
    const Eigen::ArrayXd r = checked(an::try_semantic_decay(rope, t)), h = checked(an::try_semantic_decay(hard, t)),
                         c = checked(an::try_semantic_decay(taper, t));
    csv out(dir, "attention_signal.csv", "t,rope,hardclip,cope");
    for (Eigen::Index i = 0; i < t.size(); ++i) out.row({t[i], r[i], h[i], c[i]});
  }
  {  // Fig. 4 (theorem view): the leakage kernels, their envelopes and fitted slopes
    const double t_end = 64 * cope::two_pi / l.cope.lowest_edge();
    const Eigen::ArrayXd t = Eigen::ArrayXd::LinSpaced(1200, 0, std::log10(t_end) - 1).unaryExpr([](double e) {
      return 10 * std::pow(10.0, e);
    });
    const Eigen::ArrayXd kh = checked(an::try_leakage_kernel(l.hard, t)), kc = checked(an::try_leakage_kernel(l.cope, t));
    csv out(dir, "leakage_kernel.csv", "t,hardclip_abs,cope_abs");
    for (Eigen::Index i = 0; i < t.size(); ++i) out.row({t[i], std::abs(kh[i]), std::abs(kc[i])});
    for (const auto& [name, fit] : {std::pair{"hardclip", &l.hard_fit}, std::pair{"cope", &l.cope_fit}}) {
      csv env(dir, std::string("leakage_envelope_") + name + ".csv", "t,envelope,fit,slope");
      for (Eigen::Index i = 0; i < fit->distances.size(); ++i)
        env.row({fit->distances[i], fit->envelope[i], std::exp(fit->intercept + fit->slope * std::log(fit->distances[i])),
                 fit->slope});
    }
  }
  {  // Thm 4.1 (b): the error term on a smooth continuum test spectrum, filtered each way
    csv out(dir, "leakage_error.csv", "t,error_hardclip,error_cope,ringing_hardclip,ringing_cope");
    for (Eigen::Index i = 0; i < l.t.size(); ++i)
      out.row({l.t[i], l.hard_error[i], l.cope_error[i], l.hard_ringing, l.cope_ringing});
  }
}

// Runs gnuplot on the figure script with the directory as its ARG1: an argument vector, no shell, so a
// directory name is never interpreted. Returns gnuplot's exit status (127: not found).
int render_figures(const std::string& dir) {
  const char* argv[] = {"gnuplot", "-c", COPE_FIGURES_SCRIPT, dir.c_str(), nullptr};
  pid_t pid = 0;
  if (posix_spawnp(&pid, "gnuplot", nullptr, nullptr, const_cast<char* const*>(argv), environ) != 0) return 127;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return 1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

// ---- a model file's rope plan -------------------------------------------------------------------

// "0-4, 6-10, 12 (11 layers)": the layers of one kind, as ranges.
std::string layer_ranges(const cope::rope_plan& plan, int kind) {
  std::string out;
  int count = 0;
  for (int i = 0; i < plan.num_layers();) {
    if (plan.layer_kind[static_cast<std::size_t>(i)] != kind) {
      ++i;
      continue;
    }
    int j = i;
    while (j + 1 < plan.num_layers() && plan.layer_kind[static_cast<std::size_t>(j + 1)] == kind) ++j;
    count += j - i + 1;
    if (out.size() < 40) out += (out.empty() ? "" : ", ") + std::to_string(i) + (j > i ? "-" + std::to_string(j) : "");
    else if (out.back() != '.') out += ", ...";
    i = j + 1;
  }
  return out + " (" + std::to_string(count) + (count == 1 ? " layer)" : " layers)");
}

std::string rope_parameters_text(const cope::layer_rope& k) {
  const cope::rope_parameters& p = k.parameters;
  char buf[256];
  std::string out = p.rope_type;
  if (!k.pair_factors.empty()) out = "per-pair factors (rope_freqs)";
  std::snprintf(buf, sizeof buf, ", rope_theta %g", p.rope_theta);
  out += buf;
  auto add = [&](const char* name, const std::optional<double>& v) {
    if (!v) return;
    std::snprintf(buf, sizeof buf, ", %s %g", name, *v);
    out += buf;
  };
  add("factor", p.factor);
  add("alpha", p.alpha);
  add("mixed_b", p.mixed_b);
  add("low_freq_factor", p.low_freq_factor);
  add("high_freq_factor", p.high_freq_factor);
  add("beta_fast", p.beta_fast);
  add("beta_slow", p.beta_slow);
  add("mscale", p.mscale);
  add("mscale_all_dim", p.mscale_all_dim);
  if (p.original_max_position_embeddings) out += ", original " + std::to_string(*p.original_max_position_embeddings);
  if (p.truncate) out += *p.truncate ? ", truncate" : ", no truncate";
  if (!p.short_factor.empty()) out += ", short/long factors x" + std::to_string(p.short_factor.size());
  return out;
}

void print_plan(const cope::rope_plan& plan, const std::string& file) {
  std::printf("Rope plan of %s (%s, model_type %s): %d layers, %zu layer kinds\n", file.c_str(), plan.source.c_str(),
              plan.model_type.c_str(), plan.num_layers(), plan.kinds.size());
  for (std::size_t i = 0; i < plan.kinds.size(); ++i) {
    const cope::layer_rope& k = plan.kinds[i];
    std::printf("  %s: layers %s\n", k.name.c_str(), layer_ranges(plan, static_cast<int>(i)).c_str());
    if (!k.has_rope) {
      std::printf("      no RoPE (head_dim %d)%s\n", k.head_dim,
                  plan.nope_temperature.enabled ? "; q scaled by the attention temperature below" : "");
      continue;
    }
    std::printf("      head_dim %d, rotary dims %d..%d (rotary_dim %d), %s pairs\n", k.head_dim, k.rotary_offset,
                k.rotary_offset + k.rotary_dim - 1, k.rotary_dim, cope::to_string(k.pairing));
    std::printf("      %s; attention_factor %.17g", rope_parameters_text(k).c_str(), k.spectrum->attention_factor);
    int identity = 0;
    for (float f : k.spectrum->inv_freq) identity += f == 0.0f;
    if (identity > 0) std::printf("; identity pairs (inv_freq 0): %d", identity);
    std::printf("\n");
    if (k.clip.kind != cope::clip_kind::none)
      std::printf("      clip: %s, n = %d\n", cope::to_string(k.clip.kind), k.clip_n);
    if (k.norm.kind != cope::qk_norm_kind::none)
      std::printf("      q / k norm: %s over each %s, %s RoPE, eps %g (%s; cope::apply_qk_norm_rope)\n",
                  cope::to_string(k.norm.kind), k.norm.span == cope::qk_norm_span::head ? "head" : "token's heads",
                  k.norm.order == cope::qk_norm_order::before_rope ? "before" : "after", static_cast<double>(k.norm.eps),
                  k.norm.source);
    if (k.pair_axes) {
      std::string list;
      for (int v : k.mrope_section) list += (list.empty() ? "" : ", ") + std::to_string(v);
      std::printf("      multi-axis: mrope_section [%s], %s\n", list.c_str(), k.mrope_interleaved ? "interleaved" : "sectioned");
    }
    for (std::size_t j = 0; j < i; ++j)
      if (plan.kinds[j].spectrum == k.spectrum) std::printf("      (shares its spectrum with %s)\n", plan.kinds[j].name.c_str());
  }
  if (plan.softmax_scale_multiplier != 1.0)
    std::printf("  softmax scale multiplier %.17g (qk_head_dim^-0.5 times this; DeepSeek's YaRN mscale^2)\n",
                plan.softmax_scale_multiplier);
  if (plan.nope_temperature.enabled)
    std::printf("  NoPE layers: q *= log(floor((pos + 1) / %g) + 1) * %g + 1 (Llama 4 attention temperature)\n",
                plan.nope_temperature.floor_scale, plan.nope_temperature.attn_scale);
  for (const std::string& w : plan.warnings) std::printf("  note: %s\n", w.c_str());
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    demo::options parsed = demo::parse(argc, argv);
    if (parsed.help) {
      demo::usage(stdout);
      return 0;
    }
    demo::options o = std::move(parsed);
    cope::spectrum rope;
    cope::axis_map map;
    if (!o.config_path.empty() || !o.gguf_path.empty()) {
      // A model file: its plan, then the report for its first RoPE kind (unclipped: the report
      // compares RoPE, HardClip and CoPE itself).
      const std::string& file = o.config_path.empty() ? o.gguf_path : o.config_path;
      const cope::rope_plan plan =
          checked(o.config_path.empty() ? cope::try_read_gguf_file(file) : cope::try_read_hf_config_file(file));
      print_plan(plan, file);
      const cope::layer_rope* kind = nullptr;
      if (!o.layer_kind.empty()) {
        kind = plan.kind(o.layer_kind);
        if (kind == nullptr || !kind->has_rope)
          throw bad_argument{"--layer_kind '" + demo::printable(o.layer_kind) + "' is not a layer kind with RoPE in " + file};
      }
      for (const char* preferred : {"full_attention", "all"})
        if (kind == nullptr && plan.kind(preferred) != nullptr && plan.kind(preferred)->has_rope) kind = plan.kind(preferred);
      for (const cope::layer_rope& k : plan.kinds)
        if (kind == nullptr && k.has_rope) kind = &k;
      if (kind == nullptr) throw bad_argument{file + ": no layer has RoPE"};
      cope::layer_rope unclipped = *kind;
      unclipped.clip = {};
      rope = checked(cope::detail::kind_spectrum(unclipped, std::nullopt, nullptr, cope::correctly_rounded_math()));
      if (rope.head_dim > demo::max_head_dim)
        throw bad_argument{file + ": head_dim " + std::to_string(rope.head_dim) + " is beyond the demo's analysis (" +
                           std::to_string(demo::max_head_dim) + ")"};
      if (!o.training_length_given) {
        const auto length = kind->parameters.original_max_position_embeddings ? kind->parameters.original_max_position_embeddings
                                                                               : kind->max_position_embeddings;
        if (length) o.training_length = static_cast<double>(*length);
      }
      if (!o.n_given) o.n = kind->clip.kind != cope::clip_kind::none ? kind->clip_n : std::min(cope::paper_clip_pairs, rope.pairs());
      o.rope = kind->parameters;
      o.mrope_section = kind->mrope_section;
      o.mrope_interleaved = kind->mrope_interleaved;
      std::printf("The report below is for layer kind '%s'.\n", kind->name.c_str());
    } else {
      rope = checked(cope::try_make_spectrum(o.rope, o.head_dim, o.max_position_embeddings, o.seq_len));
    }
    const an::spectrum_facts facts = checked(an::try_make_spectrum_facts(rope, o.training_length, o.n));
    if (!o.mrope_section.empty()) map = axis_map_of(o.mrope_section, o.mrope_interleaved, rope);

    std::printf("CoPE report: rope_type %s, head_dim %d (rotary_dim %d), rope_theta %g, training length %g, n = %d\n",
                rope.rope_type.c_str(), rope.head_dim, rope.rotary_dim, o.rope.rope_theta, o.training_length, o.n);
    if (rope.attention_factor != 1.0) std::printf("attention factor %.6g (scales cos and sin)\n", rope.attention_factor);
    std::printf("critical dimension d_ct = %d; OOD pairs (period > %g): %d of %d; CoPE onset: pair %d\n\n",
                facts.critical_dimension, o.training_length, facts.ood_count, rope.pairs(), facts.onset);
    print_spectrum_table(facts);
    print_decay(facts);
    if (!o.mrope_section.empty()) print_axes(facts, map, o.mrope_section, o.mrope_interleaved);
    const leakage_summary leakage = leakage_of(rope, o.n);
    print_leakage(leakage);

    // The figures: the paper's figure setting with no model options, else this model (whose leakage
    // summary is the report's).
    const cope::spectrum figure_rope = o.model_given ? rope : cope::rope_default(128, {1e4, 1.0});
    const int figure_n = o.model_given ? o.n : cope::paper_clip_pairs;
    write_figures(o.figures, figure_rope, figure_n, o.model_given ? leakage : leakage_of(figure_rope, figure_n));
    std::printf("\nFigures (%s): head_dim %d, rope_theta %g, n = %d -> %s/*.csv\n",
                o.model_given ? "this model" : "the paper's figure setting", figure_rope.head_dim,
                o.model_given ? o.rope.rope_theta : 1e4, figure_n, o.figures.c_str());
    if (o.render) {
      if (const int status = render_figures(o.figures); status != 0) {
        std::fprintf(stderr, "cope_demo: rendering the figures failed: gnuplot -c %s <figures dir> exited with %d\n",
                     COPE_FIGURES_SCRIPT, status);
        return 1;
      }
      std::printf("rendered %s/{spectrum,semantic_decay,attention_signal,leakage_kernel,leakage_error,axis_maps}.png\n",
                  o.figures.c_str());
    }
    return 0;
  } catch (const bad_argument& e) {
    std::fprintf(stderr, "cope_demo: %s\n", e.message.c_str());
    std::fprintf(stderr, "run cope_demo --help for the options\n");
    return 2;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "cope_demo: out of memory (the analysis of these options needs more than this machine has)\n");
    return 2;
  }
}
