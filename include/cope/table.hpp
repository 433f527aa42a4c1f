// cope — cos/sin tables (design §3): float32 rows built from exact angles (design §4), the attention
// factor folded in. Row p holds attention_factor * cos(p * inv_freq[j]) for j < N, then
// attention_factor * sin(...) — the layout of vLLM's / FlashInfer's cos_sin_cache.
#pragma once

#include "detail/isa_select.hpp"
#include "error.hpp"
#include "spectrum.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cope {

// A non-owning view of a table: an engine's own cache or a rope_table.
struct table_view {
  const float* data = nullptr;
  std::int64_t positions = 0;  // rows for positions 0 .. positions - 1
  std::size_t pairs = 0;       // N: cos at [0, N), sin at [N, 2N) of each row
  std::ptrdiff_t row_stride = 0;  // floats between rows, >= 2N
  double attention_factor = 1.0;  // folded into the rows; the inverse rotation divides it out
};

// An owning table for positions 0 .. positions - 1.
struct rope_table {
  std::vector<float> values;  // positions * 2 * pairs floats
  std::int64_t positions = 0;
  std::size_t pairs = 0;
  double attention_factor = 1.0;

  table_view view() const noexcept {
    return {values.data(), positions, pairs, static_cast<std::ptrdiff_t>(2 * pairs), attention_factor};
  }
  const float* cos(std::int64_t position) const noexcept {
    return values.data() + static_cast<std::size_t>(position) * 2 * pairs;
  }
  const float* sin(std::int64_t position) const noexcept { return cos(position) + pairs; }
};

// The builders run the same exact-angle kernels as apply_rope (header-only or cope::kernels).
inline namespace COPE_API_NAMESPACE {

// Rows for positions first .. first + count - 1 into an engine's buffer, row i at out + i * row_stride.
[[nodiscard]] COPE_KERNELS_API status try_fill_table(const spectrum& s, std::int64_t first, std::int64_t count,
                                                     float* out, std::ptrdiff_t row_stride);
// A table for positions 0 .. positions - 1.
[[nodiscard]] COPE_KERNELS_API result<rope_table> try_make_table(const spectrum& s, std::int64_t positions);

#if COPE_EXCEPTIONS
inline void fill_table(const spectrum& s, std::int64_t first, std::int64_t count, float* out,
                       std::ptrdiff_t row_stride) {
  detail::throw_if_error(try_fill_table(s, first, count, out, row_stride));
}
inline rope_table make_table(const spectrum& s, std::int64_t positions) {
  return detail::value_or_throw(try_make_table(s, positions));
}
#endif

}  // namespace COPE_API_NAMESPACE
}  // namespace cope

#if !COPE_COMPILED_KERNELS
#include "apply.hpp"  // header-only: the builders' definitions come with the kernels' (apply.hpp's end)
#endif
