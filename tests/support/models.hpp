// Test support: model configurations the tests share, from ../shared/reference/spectrum_formulas.md §10
// and the CoPE paper (§7: Llama-3-8B, ABF base 1e7, trained at 64k, YaRN factor 4 beyond it).
#pragma once

#include "cope/generators.hpp"

namespace cope_test {

// Llama-3.1-8B: {rope_type llama3, factor 8, low 1, high 4, original 8192}, base 5e5.
inline cope::llama3_parameters llama31_8b() {
  cope::llama3_parameters p;
  p.rope_theta = 500000.0;
  p.factor = 8.0;
  p.low_freq_factor = 1.0;
  p.high_freq_factor = 4.0;
  p.original_max_position_embeddings = 8192;
  return p;
}

// Qwen2.5 / Qwen3 with the README's YaRN block: factor 4, original 32768, base 1e6.
inline cope::yarn_parameters qwen25_yarn4() {
  cope::yarn_parameters p;
  p.rope_theta = 1e6;
  p.factor = 4.0;
  p.original_max_position_embeddings = 32768;
  return p;
}

// The CoPE paper beyond its 64k training length: ABF base 1e7, YaRN factor 4, original 65536.
inline cope::yarn_parameters cope_paper_yarn4() {
  cope::yarn_parameters p;
  p.rope_theta = 1e7;
  p.factor = 4.0;
  p.original_max_position_embeddings = 65536;
  return p;
}

}  // namespace cope_test
