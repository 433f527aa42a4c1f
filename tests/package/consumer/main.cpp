#include <cope/cope.hpp>

#include <cstdio>

int main() {
  cope::llama3_parameters p;
  p.rope_theta = 500000.0;
  p.factor = 8.0;
  p.low_freq_factor = 1.0;
  p.high_freq_factor = 4.0;
  p.original_max_position_embeddings = 8192;
  const cope::spectrum s = cope::cope_clip(cope::rope_llama3(128, p), cope::paper_clip_pairs);
  std::printf("pairs %d onset %d last %g\n", s.pairs(), s.clip_onset(), static_cast<double>(s.inv_freq.back()));
  return s.pairs() == 64 && s.clip_onset() == 44 && s.inv_freq.back() == 0.0f ? 0 : 1;
}
