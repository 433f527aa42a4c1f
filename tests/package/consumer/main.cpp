#include <cope/cope.hpp>

#include <cstdio>
#include <vector>

int main() {
  cope::llama3_parameters p;
  p.rope_theta = 500000.0;
  p.factor = 8.0;
  p.low_freq_factor = 1.0;
  p.high_freq_factor = 4.0;
  p.original_max_position_embeddings = 8192;
  const cope::spectrum s = cope::cope_clip(cope::rope_llama3(128, p), cope::paper_clip_pairs);

  // Rotate q [2 tokens, 4 heads, 128] and k [2, 1, 128] in place at positions 10 and 11.
  std::vector<float> q(2 * 4 * 128, 1.0f), k(2 * 1 * 128, 1.0f);
  cope::apply_rope(s, cope::rope_args::in_place(cope::make_view(q.data(), 2, 4, 128), cope::make_view(k.data(), 2, 1, 128),
                                                cope::positions::from_offset(10)));
  std::printf("pairs %d onset %d isa %s q[1] %g\n", s.pairs(), s.clip_onset(), cope::active_isa(),
              static_cast<double>(q[1]));
  const bool rotated = q[1] != 1.0f && q[127] == 1.0f;  // pair 63 (weight 0) keeps x[63], x[127]
  return s.pairs() == 64 && s.clip_onset() == 44 && s.inv_freq.back() == 0.0f && rotated ? 0 : 1;
}
