// cope — cos/sin tables (design §3): float32 rows built from exact angles (design §4), the attention
// factor folded in. Row p holds attention_factor * cos(p * inv_freq[j]) for j < N, then
// attention_factor * sin(...) — the layout of vLLM's / FlashInfer's cos_sin_cache.
// The builders (make_table, fill_table) are declared in apply.hpp beside the kernels they share.
#pragma once

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

}  // namespace cope
