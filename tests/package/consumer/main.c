/* A minimal C engine: Llama-3.1's spectrum with CoPE, q and k rotated in place at positions 10, 11. */
#include <cope/cope.h>

#include <stdio.h>

int main(void) {
  cope_rope_parameters p;
  cope_spectrum *s = NULL, *clipped = NULL;
  cope_error err;
  static float q[2 * 4 * 128], k[2 * 1 * 128];
  cope_rope_args a = {0};
  int i;
  for (i = 0; i < 2 * 4 * 128; ++i) q[i] = 1.0f;
  for (i = 0; i < 2 * 1 * 128; ++i) k[i] = 1.0f;
  cope_rope_parameters_init(&p);
  p.rope_type = "llama3";
  p.rope_theta = 500000.0;
  p.factor = 8.0;
  p.low_freq_factor = 1.0;
  p.high_freq_factor = 4.0;
  p.original_max_position_embeddings = 8192;
  if (cope_spectrum_create(&p, 128, &s, &err) != COPE_OK || cope_spectrum_clip(s, COPE_CLIP_COPE, 20, &clipped, &err) != COPE_OK) {
    printf("error: %s\n", err.message);
    return 1;
  }
  a.q = a.q_out = cope_make_view(q, COPE_F32, 2, 4, 128);
  a.k = a.k_out = cope_make_view(k, COPE_F32, 2, 1, 128);
  a.positions.kind = COPE_POSITIONS_OFFSET;
  a.positions.start = 10;
  if (cope_apply_rope(clipped, &a, &err) != COPE_OK) {
    printf("error: %s\n", err.message);
    return 1;
  }
  printf("pairs %u onset %d isa %s q[1] %g\n", (unsigned)cope_spectrum_pairs(clipped), cope_spectrum_clip_onset(clipped),
         cope_active_isa(), (double)q[1]);
  i = q[1] != 1.0f && q[127] == 1.0f && cope_spectrum_clip_onset(clipped) == 44; /* pair 63 (weight 0) keeps x[63], x[127] */
  cope_spectrum_destroy(s);
  cope_spectrum_destroy(clipped);
  return i ? 0 : 1;
}
