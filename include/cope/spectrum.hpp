// cope — the frequency spectrum of a rotary embedding (design §2.2).
//
// A spectrum is what every generator (generators.hpp) returns and every transform (clip.hpp) maps:
// one inverse frequency per rotary pair plus the attention factor that scales cos and sin.
// Data flows one way: generator -> spectrum -> (table) -> kernel, and spectrum -> analysis.
#pragma once

#include <string>
#include <vector>

namespace cope {

// Python's math.pi, the value the reference computes with; two_pi turns a frequency into a period.
inline constexpr double pi = 3.141592653589793;
inline constexpr double two_pi = 2 * pi;

// Which clipping transform (clip.hpp) has been applied to the lowest frequencies, if any.
enum class clip_kind {
  none,
  cope,  // raised-cosine soft clip (CoPE, arXiv 2602.05258 §4.2)
  hard,  // the same pairs set to zero frequency (HardClip baseline)
};

inline const char* to_string(clip_kind kind) noexcept {
  switch (kind) {
    case clip_kind::none: return "none";
    case clip_kind::cope: return "cope";
    case clip_kind::hard: return "hard";
  }
  return "unknown";
}

// The largest head_dim a generator accepts (real models use 64 to 576); bounds every allocation that
// scales with it.
inline constexpr int max_head_dim = 1 << 16;

// The attention factors every path handles exactly: forward and inverse, on the fly and from a table,
// whose inverse rows are rescaled by 1 / f^2 in float32 (normal for f in [2^-16, 2^16]). Real models
// use 1 to about 1.5 (YaRN's mscale, LongRoPE's factor).
inline constexpr double min_attention_factor = 1.0 / 65536;
inline constexpr double max_attention_factor = 65536.0;

struct spectrum {
  // The generator that produced it, named as Hugging Face's rope_type ("default", "yarn", ...).
  std::string rope_type = "default";
  int head_dim = 0;    // d
  int rotary_dim = 0;  // D = int(d * partial_rotary_factor); dims past D pass through unchanged

  // inv_freq[j] for pair j = 0 .. D/2-1, highest frequency first. Bit-identical to the float32
  // values of the reference (HF transformers' rope init functions, then the CoPE authors' clip).
  // Kernels form angles exactly from these values (design §4).
  std::vector<float> inv_freq;

  // The same formulas evaluated in double precision throughout (unrounded base, double weights),
  // for analysis. Differs from inv_freq by float32 rounding (a few 1e-7 relative), nothing more.
  std::vector<double> inv_freq_f64;

  // Multiplies both cos and sin (YaRN's mscale, LongRoPE's factor; 1 otherwise), as HF's
  // `attention_scaling` does; the q.k logit therefore scales by attention_factor squared. Within
  // [min_attention_factor, max_attention_factor].
  double attention_factor = 1.0;

  clip_kind clip = clip_kind::none;
  int clip_n = 0;  // number of clipped pairs: the last clip_n pairs, from pair `clip_onset()` on

  int pairs() const noexcept { return static_cast<int>(inv_freq.size()); }
  int clip_onset() const noexcept { return pairs() - clip_n; }
};

}  // namespace cope
