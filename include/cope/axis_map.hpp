// cope — multi-axis RoPE: which position stream each rotary pair reads (engines_2026.md §1.0).
//
// A multi-axis call gives every token K positions (t, h, w for M-RoPE; positions.hpp) and pair j
// rotates by position[axis(j)] * inv_freq[j], or not at all where axis(j) is `axis_map::none` (an
// identity pair: the input times the attention factor). The spectrum, the layout, the attention
// factor and CoPE / HardClip act on j as in 1-D RoPE; text tokens carry the same position on every
// axis and so get plain RoPE. The families differ only in the map:
//
//   sectioned(mrope_section)    Qwen2-VL, Qwen2.5-VL, GLM-4V: pairs [0, s0) read t, the next s1 h,
//                               the next s2 w (a 4th section: XD-RoPE's 4 streams)
//   interleaved(mrope_section)  Qwen3-VL, Qwen3.5 (mrope_interleaved): h on j = 1 mod 3 below 3 s1,
//                               w on j = 2 mod 3 below 3 s2, t elsewhere
//   ernie(pairs, freq_allocation)   ERNIE-4.5-VL: h, w alternating, t on the lowest freq_allocation
//   hope(mrope_section)         HoPE: h, w alternating on the highest s1 + s2 pairs, the lowest s0
//                               pairs identity (zero frequency for time)
//   from_axes(list)             any map: one axis index or none per pair
//
// Sections count pairs (rotary_dim / 2 in all), as Hugging Face's mrope_section and ggml's
// dimension_sections do. A map is a small value (no allocation) that a call reads by pointer.
#pragma once

#include "config.hpp"
#include "detail/message.hpp"
#include "error.hpp"
#include "positions.hpp"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

namespace cope {

// Axis indices in the order position_ids lists the streams (HF and vLLM [3, T]: t, h, w).
inline constexpr std::uint8_t axis_t = 0;
inline constexpr std::uint8_t axis_h = 1;
inline constexpr std::uint8_t axis_w = 2;

class axis_map {
 public:
  static constexpr std::uint8_t none = 0xFF;       // an identity pair
  static constexpr std::size_t max_pairs = 512;    // rotary_dim up to 1024, as the kernels

  axis_map() = default;  // no pairs

  std::size_t pairs() const noexcept { return pairs_; }
  // The position streams the map reads: 1 + its largest axis (0 when every pair is identity).
  std::size_t axes() const noexcept { return axes_; }
  std::uint8_t operator[](std::size_t j) const noexcept { return axis_[j]; }
  const std::uint8_t* data() const noexcept { return axis_; }
  // How many pairs read `axis` (axis_map::none: the identity pairs).
  std::size_t count(std::uint8_t axis) const noexcept {
    std::size_t n = 0;
    for (std::size_t j = 0; j < pairs_; ++j) n += axis_[j] == axis;
    return n;
  }
  friend bool operator==(const axis_map& a, const axis_map& b) noexcept {
    if (a.pairs_ != b.pairs_) return false;
    for (std::size_t j = 0; j < a.pairs_; ++j)
      if (a.axis_[j] != b.axis_[j]) return false;
    return true;
  }
  friend bool operator!=(const axis_map& a, const axis_map& b) noexcept { return !(a == b); }

  // One entry per pair: an axis below max_axes, or none.
  static result<axis_map> try_from_axes(const std::uint8_t* axis, std::size_t pairs) {
    const char* ctx = "axis_map::from_axes";
    if (pairs == 0 || pairs > max_pairs)
      return detail::fail(errc::invalid_axis_map, ctx, ": ", pairs, " pairs; a map has 1 to ", max_pairs);
    if (axis == nullptr) return detail::fail(errc::null_data, ctx, ": the axis list is null");
    axis_map m;
    for (std::size_t j = 0; j < pairs; ++j) {
      if (axis[j] >= max_axes && axis[j] != none)
        return detail::fail(errc::invalid_axis_map, ctx, ": pair ", j, " reads axis ", static_cast<int>(axis[j]),
                            "; axes are 0 to ", max_axes - 1, " or axis_map::none");
      m.set(j, axis[j]);
    }
    return m;
  }
  static result<axis_map> try_from_axes(std::initializer_list<std::uint8_t> axis) {
    return try_from_axes(axis.begin(), axis.size());
  }

  // Qwen2-VL's mrope_section: sections[i] consecutive pairs read axis i (1 to 4 sections, each >= 0).
  static result<axis_map> try_sectioned(const int* sections, std::size_t count) {
    const char* ctx = "axis_map::sectioned";
    if (auto st = check_sections(ctx, sections, count, 1, max_axes); !st) return st;
    axis_map m;
    std::size_t j = 0;
    for (std::size_t a = 0; a < count; ++a)
      for (int i = 0; i < sections[a]; ++i) m.set(j++, static_cast<std::uint8_t>(a));
    return m;
  }
  static result<axis_map> try_sectioned(std::initializer_list<int> sections) {
    return try_sectioned(sections.begin(), sections.size());
  }

  // Qwen3-VL's interleaved M-RoPE (mrope_interleaved): [t, h, w] sections, or 4 with a 0 last (GGUF's
  // dimension_sections). Each axis must receive exactly its section's pairs.
  static result<axis_map> try_interleaved(const int* sections, std::size_t count) {
    const char* ctx = "axis_map::interleaved";
    if (auto st = check_sections(ctx, sections, count, 3, 4); !st) return st;
    if (count == 4 && sections[3] != 0)
      return detail::fail(errc::invalid_axis_map, ctx, ": mrope_section ", list(sections, count),
                          " interleaves 3 axes; a 4th section must be 0");
    axis_map m;
    const std::size_t pairs = sum(sections, count);
    const auto h_end = 3 * static_cast<std::size_t>(sections[1]), w_end = 3 * static_cast<std::size_t>(sections[2]);
    for (std::size_t j = 0; j < pairs; ++j) {
      std::uint8_t a = axis_t;
      if (j % 3 == 1 && j < h_end) a = axis_h;
      if (j % 3 == 2 && j < w_end) a = axis_w;
      m.set(j, a);
    }
    for (std::uint8_t a = 0; a < 3; ++a)
      if (m.count(a) != static_cast<std::size_t>(sections[a]))
        return detail::fail(errc::invalid_axis_map, ctx, ": mrope_section ", list(sections, count), " gives axis ",
                            static_cast<int>(a), " ", m.count(a), " pairs instead of ", sections[a],
                            " (h and w take every third pair below 3 * their section)");
    return m;
  }
  static result<axis_map> try_interleaved(std::initializer_list<int> sections) {
    return try_interleaved(sections.begin(), sections.size());
  }

  // ERNIE-4.5-VL: the first pairs - freq_allocation pairs alternate h (even j) and w (odd j), the
  // lowest freq_allocation pairs read t.
  static result<axis_map> try_ernie(std::size_t pairs, std::size_t freq_allocation) {
    const char* ctx = "axis_map::ernie";
    if (pairs == 0 || pairs > max_pairs)
      return detail::fail(errc::invalid_axis_map, ctx, ": ", pairs, " pairs; a map has 1 to ", max_pairs);
    if (freq_allocation > pairs || (pairs - freq_allocation) % 2 != 0)
      return detail::fail(errc::invalid_axis_map, ctx, ": freq_allocation (", freq_allocation, ") with ", pairs,
                          " pairs: the remaining pairs split evenly between h and w, so pairs - freq_allocation",
                          " must be even and not negative");
    axis_map m;
    const std::size_t hw = pairs - freq_allocation;
    for (std::size_t j = 0; j < pairs; ++j) m.set(j, j >= hw ? axis_t : j % 2 == 0 ? axis_h : axis_w);
    return m;
  }

  // HoPE's hybrid frequency allocation from Qwen2-VL's [t, h, w] mrope_section: the highest h + w
  // pairs alternate h (even j) and w (odd j), the lowest t pairs are identity (h == w required).
  static result<axis_map> try_hope(const int* sections, std::size_t count) {
    const char* ctx = "axis_map::hope";
    if (auto st = check_sections(ctx, sections, count, 3, 3); !st) return st;
    if (sections[1] != sections[2])
      return detail::fail(errc::invalid_axis_map, ctx, ": mrope_section ", list(sections, count),
                          ": h and w alternate, so their sections must be equal");
    axis_map m;
    const std::size_t hw = static_cast<std::size_t>(sections[1]) + static_cast<std::size_t>(sections[2]);
    for (std::size_t j = 0; j < sum(sections, count); ++j) m.set(j, j >= hw ? none : j % 2 == 0 ? axis_h : axis_w);
    return m;
  }
  static result<axis_map> try_hope(std::initializer_list<int> sections) {
    return try_hope(sections.begin(), sections.size());
  }

#if COPE_EXCEPTIONS
  static axis_map from_axes(std::initializer_list<std::uint8_t> axis) { return detail::value_or_throw(try_from_axes(axis)); }
  static axis_map from_axes(const std::uint8_t* axis, std::size_t pairs) {
    return detail::value_or_throw(try_from_axes(axis, pairs));
  }
  static axis_map sectioned(std::initializer_list<int> s) { return detail::value_or_throw(try_sectioned(s)); }
  static axis_map sectioned(const int* s, std::size_t n) { return detail::value_or_throw(try_sectioned(s, n)); }
  static axis_map interleaved(std::initializer_list<int> s) { return detail::value_or_throw(try_interleaved(s)); }
  static axis_map interleaved(const int* s, std::size_t n) { return detail::value_or_throw(try_interleaved(s, n)); }
  static axis_map ernie(std::size_t pairs, std::size_t freq_allocation) {
    return detail::value_or_throw(try_ernie(pairs, freq_allocation));
  }
  static axis_map hope(std::initializer_list<int> s) { return detail::value_or_throw(try_hope(s)); }
  static axis_map hope(const int* s, std::size_t n) { return detail::value_or_throw(try_hope(s, n)); }
#endif

 private:
  void set(std::size_t j, std::uint8_t a) noexcept {
    axis_[j] = a;
    pairs_ = static_cast<std::uint16_t>(j + 1 > pairs_ ? j + 1 : pairs_);
    if (a != none && a + 1u > axes_) axes_ = static_cast<std::uint8_t>(a + 1);
  }
  static std::size_t sum(const int* sections, std::size_t count) noexcept {
    std::size_t s = 0;
    for (std::size_t i = 0; i < count; ++i) s += static_cast<std::size_t>(sections[i]);
    return s;
  }
  static std::string list(const int* sections, std::size_t count) {
    std::string s = "[";
    for (std::size_t i = 0; i < count; ++i) s += (i ? ", " : "") + std::to_string(sections[i]);
    return s + "]";
  }
  static status check_sections(const char* ctx, const int* sections, std::size_t count, std::size_t min_count,
                               std::size_t max_count) {
    if (sections == nullptr && count > 0) return detail::fail(errc::null_data, ctx, ": mrope_section is null");
    if (count < min_count || count > max_count)
      return detail::fail(errc::invalid_axis_map, ctx, ": mrope_section has ", count, " entries; this map takes ",
                          min_count == max_count ? std::to_string(min_count)
                                                 : std::to_string(min_count) + " to " + std::to_string(max_count));
    for (std::size_t i = 0; i < count; ++i)
      if (sections[i] < 0 || static_cast<std::size_t>(sections[i]) > max_pairs)
        return detail::fail(errc::invalid_axis_map, ctx, ": mrope_section[", i, "] (", sections[i],
                            ") must be in [0, ", max_pairs, "]");
    const std::size_t pairs = sum(sections, count);
    if (pairs == 0 || pairs > max_pairs)
      return detail::fail(errc::invalid_axis_map, ctx, ": mrope_section ", list(sections, count), " adds up to ", pairs,
                          " pairs; a map has 1 to ", max_pairs);
    return {};
  }

  std::uint8_t axis_[max_pairs] = {};
  std::uint16_t pairs_ = 0;
  std::uint8_t axes_ = 0;
};

}  // namespace cope
