// cope — a model's rope plan: for every layer, whether it has RoPE and everything the kernels need to
// apply it (the spectrum, head_dim, the rotary window, the pair layout, the multi-axis map), plus the
// scalars an engine needs beside the attention factor (DeepSeek's softmax-scale multiplier, Llama 4's
// attention temperature on its NoPE layers).
//
// The readers fill a plan's description from a model's files — cope/hf_config.hpp (config.json) and
// cope/gguf.hpp (GGUF metadata) — and build_plan computes the rest. A plan can also be written by hand:
// fill `kinds` and `layer_kind`, then call try_build_plan. Layers of one kind share one spectrum, and
// kinds whose inputs are equal share it too.
#pragma once

#include "axis_map.hpp"
#include "clip.hpp"
#include "error.hpp"
#include "generators.hpp"
#include "layout.hpp"
#include "qk_norm.hpp"
#include "spectrum.hpp"

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cope {

// The clip a config asks for, applied after the generator (clip.hpp). Without n, the count is automatic:
// the pairs whose period exceeds training_length (ood_clip_count), training_length defaulting to the
// rope dict's original_max_position_embeddings, else the model's max_position_embeddings.
struct clip_request {
  clip_kind kind = clip_kind::none;
  std::optional<int> n;
  std::optional<std::int64_t> training_length;
};

// Llama 4's attention temperature tuning on its NoPE layers (HF modeling_llama4.py, Llama4TextAttention):
// q is scaled per token by log(floor((position + 1) / floor_scale) + 1) * attn_scale + 1.
struct attention_temperature {
  bool enabled = false;
  double floor_scale = 8192.0;
  double attn_scale = 0.1;

  // The factor for a token at `position` (1 below floor_scale - 1; 1.0693 at 8191 with the defaults).
  // Double precision; the reference evaluates the same expression in float32.
  double q_scale(std::int64_t position) const noexcept {
    if (!enabled) return 1.0;
    return std::log(std::floor((static_cast<double>(position) + 1.0) / floor_scale) + 1.0) * attn_scale + 1.0;
  }
};

// One kind of layer. The fields above `rotary_dim` describe it (a reader or a user fills them); build_plan
// computes the ones below.
struct layer_rope {
  std::string name = "all";  // the layer type: "all", "full_attention", "sliding_attention", "nope", ...
  bool has_rope = true;
  int head_dim = 0;       // the q / k head size the kernels see
  int rotary_offset = 0;  // channels before the rotary window (DeepSeek MLA: qk_nope_head_dim)
  layout pairing = layout::rotate_half;
  // The generator's inputs: rope_type and its keys. The spectrum is generated at `rope_head_dim`
  // (the rotary window's width when it is not the head: MLA's qk_rope_head_dim), else head_dim.
  rope_parameters parameters;
  int rope_head_dim = 0;
  std::optional<std::int64_t> max_position_embeddings;
  std::vector<double> pair_factors;  // non-empty: per-pair divisors (GGUF rope_freqs) instead of a rope_type
  // The per-head q / k norm these layers apply around RoPE (none where the model has none; from
  // config.json's model_type, hf_config.hpp: hf_qk_norm_table).
  qk_norm_plan norm;
  std::vector<int> mrope_section;    // pairs per axis (t, h, w, ...); empty: 1-D RoPE
  bool mrope_interleaved = false;    // Qwen3-VL / Qwen3.5's map, else sectioned
  std::optional<int> freq_allocation;  // ERNIE-4.5-VL: the lowest pairs read t, the rest alternate h / w
  clip_request clip;

  // Computed by build_plan.
  int rotary_dim = 0;                                // 2 x pairs; dims past rotary_offset + rotary_dim pass through
  std::shared_ptr<const cope::spectrum> spectrum;    // null without RoPE
  std::optional<axis_map> pair_axes;                 // with mrope_section
  int clip_n = 0;                                    // the clip count used (0: none)

  // The spectrum at a runtime sequence length (dynamic NTK, LongRoPE's long factors past the original
  // length; other types ignore it), clipped as the plan clips.
  result<cope::spectrum> try_spectrum_at(std::int64_t seq_len, const float32_math& math = correctly_rounded_math()) const;
};

struct rope_plan {
  std::string model_type;  // config.json's model_type, or the GGUF's general.architecture
  std::string source;      // "config.json" or "gguf"
  std::vector<layer_rope> kinds;
  std::vector<int> layer_kind;  // layer i uses kinds[layer_kind[i]]
  // DeepSeek's YaRN multiplies the softmax scale (qk_head_dim^-0.5) by mscale(factor, mscale_all_dim)^2
  // (HF modeling_deepseek_v3.py, DeepseekV3Attention); 1 for every other model.
  double softmax_scale_multiplier = 1.0;
  attention_temperature nope_temperature;  // Llama 4
  // Keys the reader understood but the model's rope type does not use (HF warns about them too).
  std::vector<std::string> warnings;

  int num_layers() const noexcept { return static_cast<int>(layer_kind.size()); }
  const layer_rope& layer(int i) const { return kinds.at(static_cast<std::size_t>(layer_kind.at(static_cast<std::size_t>(i)))); }
  // The kind named `name` (nullptr if none).
  const layer_rope* kind(const std::string& name) const noexcept {
    for (const layer_rope& k : kinds)
      if (k.name == name) return &k;
    return nullptr;
  }
};

namespace detail {

inline bool same_inputs(const rope_parameters& a, const rope_parameters& b) {
  return a.rope_type == b.rope_type && a.rope_theta == b.rope_theta &&
         a.partial_rotary_factor == b.partial_rotary_factor && a.factor == b.factor &&
         a.original_max_position_embeddings == b.original_max_position_embeddings &&
         a.attention_factor == b.attention_factor && a.beta_fast == b.beta_fast && a.beta_slow == b.beta_slow &&
         a.mscale == b.mscale && a.mscale_all_dim == b.mscale_all_dim && a.truncate == b.truncate &&
         a.low_freq_factor == b.low_freq_factor && a.high_freq_factor == b.high_freq_factor &&
         a.short_factor == b.short_factor && a.long_factor == b.long_factor && a.alpha == b.alpha &&
         a.mixed_b == b.mixed_b;
}

inline bool same_spectrum_inputs(const layer_rope& a, const layer_rope& b) {
  return a.has_rope && b.has_rope && a.rope_head_dim == b.rope_head_dim && same_inputs(a.parameters, b.parameters) &&
         a.max_position_embeddings == b.max_position_embeddings && a.pair_factors == b.pair_factors &&
         a.clip.kind == b.clip.kind && a.clip.n == b.clip.n && a.clip.training_length == b.clip.training_length;
}

// The generator, then the clip: the spectrum of one kind at init time (seq_len absent) or at seq_len.
inline result<spectrum> kind_spectrum(const layer_rope& k, std::optional<std::int64_t> seq_len, int* clip_n,
                                      const float32_math& math) {
  const int dim = k.rope_head_dim > 0 ? k.rope_head_dim : k.head_dim;
  result<spectrum> s = [&]() -> result<spectrum> {
    if (k.pair_factors.empty()) return try_make_spectrum(k.parameters, dim, k.max_position_embeddings, seq_len, math);
    pair_factor_parameters f;
    f.rope_theta = k.parameters.rope_theta;
    f.partial_rotary_factor = k.parameters.partial_rotary_factor;
    f.factors = k.pair_factors;
    f.attention_factor = k.parameters.attention_factor.value_or(1.0);
    return try_rope_pair_factors(dim, f, math);
  }();
  if (!s || k.clip.kind == clip_kind::none) return s;
  int n = 0;
  if (k.clip.n) {
    n = *k.clip.n;
  } else {
    const std::optional<std::int64_t> length =
        k.clip.training_length ? k.clip.training_length
                               : (k.parameters.original_max_position_embeddings ? k.parameters.original_max_position_embeddings
                                                                                 : k.max_position_embeddings);
    if (!length)
      return fail(errc::invalid_clip, "build_plan: kind '", printable(k.name),
                  "': an automatic clip count needs training_length (or the rope's "
                  "original_max_position_embeddings, or the model's max_position_embeddings)");
    result<int> c = try_ood_clip_count(*s, static_cast<double>(*length));
    if (!c) return c.error();
    n = *c;
  }
  if (clip_n != nullptr) *clip_n = n;
  return k.clip.kind == clip_kind::cope ? try_cope_clip(*s, n, math) : try_hard_clip(*s, n);
}

}  // namespace detail

inline result<spectrum> layer_rope::try_spectrum_at(std::int64_t seq_len, const float32_math& math) const {
  if (!has_rope)
    return detail::fail(errc::invalid_argument, "spectrum_at: kind '", detail::printable(name), "' has no RoPE");
  return detail::kind_spectrum(*this, seq_len, nullptr, math);
}

// Computes every kind's spectrum, rotary_dim, pair_axes and clip count from its description, sharing
// one spectrum between kinds with equal inputs; checks that layer_kind indexes kinds.
inline result<rope_plan> try_build_plan(rope_plan plan, const float32_math& math = correctly_rounded_math()) {
  return detail::catch_allocation_failure("build_plan", [&]() -> result<rope_plan> {
    for (std::size_t i = 0; i < plan.layer_kind.size(); ++i)
      if (plan.layer_kind[i] < 0 || static_cast<std::size_t>(plan.layer_kind[i]) >= plan.kinds.size())
        return detail::fail(errc::invalid_argument, "build_plan: layer_kind[", i, "] (", plan.layer_kind[i],
                            ") is not an index of kinds (", plan.kinds.size(), " kinds)");
    for (std::size_t i = 0; i < plan.kinds.size(); ++i) {
      layer_rope& k = plan.kinds[i];
      k.spectrum.reset();
      k.pair_axes.reset();
      k.rotary_dim = 0;
      k.clip_n = 0;
      if (!k.has_rope) continue;
      const std::string ctx = "build_plan: kind '" + detail::printable(k.name) + "'";
      if (k.head_dim <= 0 || k.rotary_offset < 0 || k.rotary_offset >= k.head_dim)
        return detail::fail(errc::invalid_dimension, ctx, ": head_dim (", k.head_dim, ") must be positive and "
                            "rotary_offset (", k.rotary_offset, ") in [0, head_dim)");
      for (std::size_t j = 0; j < i; ++j)
        if (detail::same_spectrum_inputs(plan.kinds[j], k)) {
          k.spectrum = plan.kinds[j].spectrum;
          k.clip_n = plan.kinds[j].clip_n;
          break;
        }
      if (!k.spectrum) {
        result<spectrum> s = detail::kind_spectrum(k, std::nullopt, &k.clip_n, math);
        if (!s) return detail::fail(s.error().code(), ctx, ": ", s.error().message());
        k.spectrum = std::make_shared<const spectrum>(std::move(s).value());
      }
      k.rotary_dim = k.spectrum->rotary_dim;
      if (k.rotary_offset + k.rotary_dim > k.head_dim)
        return detail::fail(errc::invalid_dimension, ctx, ": the rotary window (rotary_offset ", k.rotary_offset,
                            " + rotary_dim ", k.rotary_dim, ") exceeds head_dim (", k.head_dim, ")");
      if (k.freq_allocation) {
        if (!k.mrope_section.empty() || *k.freq_allocation < 0)
          return detail::fail(errc::invalid_axis_map, ctx, ": freq_allocation (", *k.freq_allocation,
                              ") must be a pair count and cannot come with mrope_section");
        result<axis_map> m = axis_map::try_ernie(static_cast<std::size_t>(k.spectrum->pairs()),
                                                 static_cast<std::size_t>(*k.freq_allocation));
        if (!m) return detail::fail(m.error().code(), ctx, ": ", m.error().message());
        k.pair_axes = std::move(m).value();
      } else if (!k.mrope_section.empty()) {
        result<axis_map> m = k.mrope_interleaved
                                 ? axis_map::try_interleaved(k.mrope_section.data(), k.mrope_section.size())
                                 : axis_map::try_sectioned(k.mrope_section.data(), k.mrope_section.size());
        if (!m) return detail::fail(m.error().code(), ctx, ": ", m.error().message());
        if (static_cast<int>(m->pairs()) != k.spectrum->pairs())
          return detail::fail(errc::invalid_axis_map, ctx, ": mrope_section sums to ", m->pairs(),
                              " pairs but the rotation has ", k.spectrum->pairs(), " (rotary_dim ", k.rotary_dim,
                              " / 2)");
        k.pair_axes = std::move(m).value();
      }
    }
    return std::move(plan);
  });
}

#if COPE_EXCEPTIONS
inline rope_plan build_plan(rope_plan plan, const float32_math& math = correctly_rounded_math()) {
  return detail::value_or_throw(try_build_plan(std::move(plan), math));
}
inline spectrum spectrum_at(const layer_rope& k, std::int64_t seq_len, const float32_math& math = correctly_rounded_math()) {
  return detail::value_or_throw(k.try_spectrum_at(seq_len, math));
}
#endif

}  // namespace cope
