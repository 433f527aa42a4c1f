// cope — multi-axis position ids for a vision-language prompt: the reference get_rope_index of each
// family (engines_2026.md §1), so an engine gets the [3][tokens] t / h / w positions and the
// mrope_position_delta from the token types and the image / video grids alone.
//
//   auto idx = cope::mrope_index(types, tokens, inputs);     // prefill: idx.positions() + an axis_map
//   decode: every axis at context_length + idx.mrope_position_delta, i.e. 1-D positions with the map:
//           positions::from_offset(context_length + delta) (vLLM's get_next_input_positions).
//
// Token types are Hugging Face's mm_token_type_ids: 0 text (vision_start / vision_end markers and
// timestamps included), 1 image, 2 video. Grids are image_grid_thw / video_grid_thw, before the
// spatial merge. The rules, each from the reference named:
//
//   qwen2_vl    Qwen2VLModel.get_rope_index: text runs continue from the previous block; a vision
//               block of merged grid (T, H, W) starting at st has t = st + t_idx, h = st + h_idx,
//               w = st + w_idx; one run of video tokens is a whole video.
//   qwen2_5_vl  the same, t_idx scaled by second_per_grid_ts[video] * tokens_per_second (float32,
//               truncated, as the reference's .long()); images unscaled.
//   qwen3_vl    Qwen3VLModel.get_rope_index: videos are split by their timestamps, so each run of
//               video tokens is one frame (t = st) of the current video, T runs per video.
//   glm4v       Glm4vModel.get_rope_index: as qwen3_vl (a frame per run between timestamp texts).
//   hope        HoPE's get_dynamic_rope_index (hrlics/HoPE): t = st + t_idx * temporal_scale
//               (fractional), h = t + h_idx - (H - 1) / 2, w = t + w_idx - (W - 1) / 2 (spatial indices
//               centred on t; may be negative early in a sequence, which the kernels accept on the
//               fly), the next text at the block's largest t + 1; float32 arithmetic as the reference.
//
// After a vision block the next text starts at the block's largest position + 1 (transformers v4 and
// the original Qwen code the checkpoints were trained with: the default), or, with
// text_after_vision = transformers_v5, at st + max(H, W) (v5 since PR #43972); they differ after a
// video whose temporal extent exceeds its spatial one. mrope_position_delta = the largest position + 1
// - tokens (HoPE: the next text start - tokens).
#pragma once

#include "detail/message.hpp"
#include "error.hpp"
#include "positions.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cope {

enum class mrope_rule { qwen2_vl, qwen2_5_vl, qwen3_vl, glm4v, hope };
enum class text_after_vision { transformers_v4, transformers_v5 };

inline const char* to_string(mrope_rule r) noexcept {
  switch (r) {
    case mrope_rule::qwen2_vl: return "qwen2_vl";
    case mrope_rule::qwen2_5_vl: return "qwen2_5_vl";
    case mrope_rule::qwen3_vl: return "qwen3_vl";
    case mrope_rule::glm4v: return "glm4v";
    case mrope_rule::hope: return "hope";
  }
  return "unknown";
}

// mm_token_type_ids values.
inline constexpr std::uint8_t token_text = 0;
inline constexpr std::uint8_t token_image = 1;
inline constexpr std::uint8_t token_video = 2;

struct grid_thw {
  std::int64_t t = 1, h = 1, w = 1;  // before the spatial merge
};

struct vision_inputs {
  mrope_rule rule = mrope_rule::qwen2_vl;
  std::vector<grid_thw> image_grid_thw;
  std::vector<grid_thw> video_grid_thw;
  std::int64_t spatial_merge_size = 2;
  text_after_vision after_vision = text_after_vision::transformers_v4;
  std::vector<float> second_per_grid_ts;  // qwen2_5_vl: one per video (absent: 1 second)
  float tokens_per_second = 2.0f;         // qwen2_5_vl (vision_config.tokens_per_second)
  float temporal_scale = 1.0f;            // hope: the dynamic temporal scaling factor
};

struct mrope_positions {
  std::size_t tokens = 0;
  // [3][tokens] axis-major (t, h, w). Integer rules fill position_ids; hope fills fractional_position_ids.
  std::vector<std::int64_t> position_ids;
  std::vector<float> fractional_position_ids;
  double mrope_position_delta = 0;  // an integer except for hope

  bool fractional() const noexcept { return !fractional_position_ids.empty(); }
  // The multi-axis positions for apply_rope (with the model's axis_map).
  positions view() const noexcept {
    return fractional() ? positions::multi_axis(fractional_position_ids.data(), 3, tokens)
                        : positions::multi_axis(position_ids.data(), 3, tokens);
  }
  double at(std::size_t axis, std::size_t token) const noexcept {
    return fractional() ? fractional_position_ids[axis * tokens + token]
                        : static_cast<double>(position_ids[axis * tokens + token]);
  }
};

namespace detail {

// One vision block (T, H, W merged) at st, in the rule's positions, appended token by token.
struct mrope_builder {
  const vision_inputs& in;
  std::vector<double> t, h, w;  // exact: integers, or float32 values (hope)
  double next = 0;              // where the next block starts
  double largest = 0;           // over every position so far (mrope_position_delta)

  void push(double pt, double ph, double pw) {
    t.push_back(pt);
    h.push_back(ph);
    w.push_back(pw);
    largest = std::max({largest, pt, ph, pw});
  }
  void text(std::size_t length) {
    for (std::size_t i = 0; i < length; ++i) {
      const double p = next + static_cast<double>(i);
      push(p, p, p);
    }
    next += static_cast<double>(length);
  }
  // time_scale: qwen2_5_vl's seconds per grid * tokens per second (0 for images; < 0: unscaled).
  void block(std::int64_t frames, std::int64_t rows, std::int64_t cols, float time_scale) {
    const double st = next;
    double block_max = st, t_max = st;
    for (std::int64_t f = 0; f < frames; ++f)
      for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c) {
          double pt, ph, pw;
          if (in.rule == mrope_rule::hope) {
            // float32 as the reference's tensors: t_idx * scale, + st, then the centred h / w + t.
            const float tf = static_cast<float>(f) * in.temporal_scale + static_cast<float>(st);
            pt = tf;
            ph = static_cast<float>(r - (rows - 1) / 2) + tf;
            pw = static_cast<float>(c - (cols - 1) / 2) + tf;
          } else {
            std::int64_t ti = f;
            if (time_scale >= 0)  // float32 product, truncated (torch's .long())
              ti = static_cast<std::int64_t>(static_cast<float>(f) * time_scale);
            pt = st + static_cast<double>(ti);
            ph = st + static_cast<double>(r);
            pw = st + static_cast<double>(c);
          }
          push(pt, ph, pw);
          block_max = std::max({block_max, pt, ph, pw});
          t_max = std::max(t_max, pt);
        }
    if (in.rule == mrope_rule::hope)
      next = t_max + 1;
    else if (in.after_vision == text_after_vision::transformers_v5)
      next = st + static_cast<double>(std::max(rows, cols));
    else
      next = block_max + 1;
  }
};

inline status check_grid(const char* ctx, const char* name, std::size_t i, const grid_thw& g, std::int64_t merge) {
  if (g.t <= 0 || g.h <= 0 || g.w <= 0 || g.t > (1 << 20) || g.h > (1 << 20) || g.w > (1 << 20))
    return fail(errc::invalid_argument, ctx, ": ", name, "[", i, "] (", static_cast<long long>(g.t), ", ",
                static_cast<long long>(g.h), ", ", static_cast<long long>(g.w), ") must be positive and at most 2^20");
  if (g.h % merge != 0 || g.w % merge != 0)
    return fail(errc::invalid_argument, ctx, ": ", name, "[", i, "] (", static_cast<long long>(g.t), ", ",
                static_cast<long long>(g.h), ", ", static_cast<long long>(g.w), "): h and w must be multiples of ",
                "spatial_merge_size (", static_cast<long long>(merge), ")");
  return {};
}

}  // namespace detail

[[nodiscard]] inline result<mrope_positions> try_mrope_index(const std::uint8_t* mm_token_type_ids, std::size_t tokens,
                                                             const vision_inputs& in) {
  const char* ctx = "mrope_index";
  if (mm_token_type_ids == nullptr && tokens > 0) return detail::fail(errc::null_data, ctx, ": mm_token_type_ids is null");
  if (tokens > (std::size_t{1} << 28))
    return detail::fail(errc::invalid_argument, ctx, ": ", tokens, " tokens; at most 2^28");
  if (in.rule != mrope_rule::qwen2_vl && in.rule != mrope_rule::qwen2_5_vl && in.rule != mrope_rule::qwen3_vl &&
      in.rule != mrope_rule::glm4v && in.rule != mrope_rule::hope)
    return detail::fail(errc::invalid_argument, ctx, ": unknown rule (", static_cast<int>(in.rule), ")");
  const std::int64_t merge = in.spatial_merge_size;
  if (merge <= 0 || merge > 64)
    return detail::fail(errc::invalid_argument, ctx, ": spatial_merge_size (", static_cast<long long>(merge),
                        ") must be in [1, 64]");
  for (std::size_t i = 0; i < in.image_grid_thw.size(); ++i)
    if (auto st = detail::check_grid(ctx, "image_grid_thw", i, in.image_grid_thw[i], merge); !st) return st;
  for (std::size_t i = 0; i < in.video_grid_thw.size(); ++i)
    if (auto st = detail::check_grid(ctx, "video_grid_thw", i, in.video_grid_thw[i], merge); !st) return st;
  if (in.rule == mrope_rule::qwen2_5_vl) {
    if (!in.second_per_grid_ts.empty() && in.second_per_grid_ts.size() != in.video_grid_thw.size())
      return detail::fail(errc::invalid_argument, ctx, ": ", in.second_per_grid_ts.size(),
                          " second_per_grid_ts for ", in.video_grid_thw.size(), " videos");
    for (std::size_t i = 0; i < in.second_per_grid_ts.size(); ++i)
      if (!(in.second_per_grid_ts[i] >= 0 && in.second_per_grid_ts[i] <= 3600))
        return detail::fail(errc::invalid_argument, ctx, ": second_per_grid_ts[", i, "] (", in.second_per_grid_ts[i],
                            ") must be in [0, 3600]");
    if (!(in.tokens_per_second >= 0 && in.tokens_per_second <= 1000))
      return detail::fail(errc::invalid_argument, ctx, ": tokens_per_second (", in.tokens_per_second,
                          ") must be in [0, 1000]");
  }
  if (in.rule == mrope_rule::hope && !(in.temporal_scale > 0 && in.temporal_scale <= 16))
    return detail::fail(errc::invalid_argument, ctx, ": temporal_scale (", in.temporal_scale, ") must be in (0, 16]");

  return detail::catch_allocation_failure(ctx, [&]() -> result<mrope_positions> {
    detail::mrope_builder b{in, {}, {}, {}, 0, 0};
    b.t.reserve(tokens);
    b.h.reserve(tokens);
    b.w.reserve(tokens);
    const bool frame_runs = in.rule == mrope_rule::qwen3_vl || in.rule == mrope_rule::glm4v;
    std::size_t image = 0, video = 0;
    std::int64_t frame = 0;  // frame_runs: frames of the current video already placed
    for (std::size_t i = 0; i < tokens;) {
      const std::uint8_t type = mm_token_type_ids[i];
      std::size_t run = 1;
      while (i + run < tokens && mm_token_type_ids[i + run] == type) ++run;
      if (type == token_text) {
        b.text(run);
      } else if (type == token_image) {
        if (image >= in.image_grid_thw.size())
          return detail::fail(errc::invalid_argument, ctx, ": the image run at token ", i, " has no image_grid_thw entry (",
                              in.image_grid_thw.size(), " given)");
        const grid_thw& g = in.image_grid_thw[image];
        const std::int64_t rows = g.h / merge, cols = g.w / merge;
        if (static_cast<std::int64_t>(run) != g.t * rows * cols)
          return detail::fail(errc::invalid_argument, ctx, ": image ", image, " has ", run, " tokens at token ", i,
                              " but its grid (", static_cast<long long>(g.t), ", ", static_cast<long long>(g.h), ", ",
                              static_cast<long long>(g.w), ") merged by ", static_cast<long long>(merge), " gives ",
                              static_cast<long long>(g.t * rows * cols));
        b.block(g.t, rows, cols, in.rule == mrope_rule::qwen2_5_vl ? 0.0f : -1.0f);
        ++image;
      } else if (type == token_video) {
        if (video >= in.video_grid_thw.size())
          return detail::fail(errc::invalid_argument, ctx, ": the video run at token ", i, " has no video_grid_thw entry (",
                              in.video_grid_thw.size(), " given)");
        const grid_thw& g = in.video_grid_thw[video];
        const std::int64_t rows = g.h / merge, cols = g.w / merge;
        const std::int64_t frames = frame_runs ? 1 : g.t;
        if (static_cast<std::int64_t>(run) != frames * rows * cols)
          return detail::fail(errc::invalid_argument, ctx, ": video ", video, frame_runs ? " frame " : "",
                              frame_runs ? std::to_string(frame) : std::string(), " has ", run, " tokens at token ", i,
                              " but its grid (", static_cast<long long>(g.t), ", ", static_cast<long long>(g.h), ", ",
                              static_cast<long long>(g.w), ") merged by ", static_cast<long long>(merge), " gives ",
                              static_cast<long long>(frames * rows * cols),
                              frame_runs ? " per frame (one run of video tokens per frame)" : "");
        float scale = -1.0f;
        if (in.rule == mrope_rule::qwen2_5_vl) {
          const float seconds = in.second_per_grid_ts.empty() ? 1.0f : in.second_per_grid_ts[video];
          scale = seconds * in.tokens_per_second;
        }
        b.block(frames, rows, cols, scale);
        if (!frame_runs || ++frame == g.t) {
          ++video;
          frame = 0;
        }
      } else {
        return detail::fail(errc::invalid_argument, ctx, ": mm_token_type_ids[", i, "] (", static_cast<int>(type),
                            ") is not 0 (text), 1 (image) or 2 (video)");
      }
      i += run;
    }
    if (image != in.image_grid_thw.size() || video != in.video_grid_thw.size() || frame != 0)
      return detail::fail(errc::invalid_argument, ctx, ": the tokens hold ", image, " images and ", video,
                          frame != 0 ? " videos and part of another" : " videos", " but ", in.image_grid_thw.size(),
                          " image and ", in.video_grid_thw.size(), " video grids were given");
    mrope_positions out;
    out.tokens = tokens;
    const std::vector<double>* axes[] = {&b.t, &b.h, &b.w};
    if (in.rule == mrope_rule::hope) {
      out.fractional_position_ids.reserve(3 * tokens);
      for (const auto* a : axes)
        for (double p : *a) out.fractional_position_ids.push_back(static_cast<float>(p));
      out.mrope_position_delta = b.next - static_cast<double>(tokens);
    } else {
      out.position_ids.reserve(3 * tokens);
      for (const auto* a : axes)
        for (double p : *a) out.position_ids.push_back(static_cast<std::int64_t>(p));
      out.mrope_position_delta = (tokens == 0 ? 0.0 : b.largest + 1) - static_cast<double>(tokens);
    }
    return out;
  });
}

#if COPE_EXCEPTIONS
inline mrope_positions mrope_index(const std::uint8_t* mm_token_type_ids, std::size_t tokens, const vision_inputs& in) {
  return detail::value_or_throw(try_mrope_index(mm_token_type_ids, tokens, in));
}
#endif

}  // namespace cope
