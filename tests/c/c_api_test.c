/* The C API (cope/cope.h) from C99: spectra, clips, tables, apply in every position form, layout,
 * storage type and direction, shift_keys, and errors (code, message, nothing written) — each result
 * compared byte for byte with the C++ API on the same kernels (cpp_side.cpp). Prints
 * "N passed, M failed" and exits non-zero on any failure. */
#include "cope/cope.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

double cpp_inv_freq(int clip, float* out);
void cpp_append(int type, int cache_type, int hnd, const int32_t* slots, void* q, const void* k, const void* v,
                void* k_cache, void* v_cache, const float* q_weight, const float* k_weight);
void cpp_qk_norm_rope(int kind, int span, int order, int interleaved, int from_table, int form, int type_in,
                      int type_out, const void* q, void* q_out, const void* k, void* k_out, const float* q_weight,
                      const float* k_weight);
void cpp_rotate(int clip, int interleaved, int inverse, int from_table, int form, int type_in, int type_out,
                const void* q, void* q_out, const void* k, void* k_out);
void cpp_shift(int clip, int interleaved, int from_table, int type, void* k, const int64_t* deltas);
void cpp_fill_table(int clip, int64_t first, int64_t count, float* out);

static int passed = 0, failed = 0;

static void check(int ok, const char* what, int line) {
  if (ok) {
    ++passed;
  } else {
    ++failed;
    printf("FAILED (line %d): %s\n", line, what);
  }
}
#define CHECK(cond) check((cond) != 0, #cond, __LINE__)

enum { TOKENS = 6, Q_HEADS = 4, K_HEADS = 2, HEAD_DIM = 128 };
#define Q_SIZE (TOKENS * Q_HEADS * HEAD_DIM)
#define K_SIZE (TOKENS * K_HEADS * HEAD_DIM)

static const int32_t ids32[6] = {0, 9, 4, 100000, 3, 77};
static const int64_t ids64[6] = {5, 1, 123456789, 2, 8, 65536};
static const int32_t indptr32[3] = {0, 4, 6}, offsets32[2] = {10, 500};
static const int64_t indptr64[3] = {0, 1, 6}, offsets64[2] = {1 << 20, 3};
static const float idsf[6] = {0.5f, 9.0f, 4.25f, 100000.0f, 3.0f, 77.75f}, offsetsf[2] = {10.5f, 500.25f};
/* [3][6] t, h, w (integers, so tables take them too) */
static const int32_t axes32[18] = {0, 9, 4, 10, 3, 77, 0, 10, 5, 11, 3, 70, 0, 11, 6, 12, 3, 71};
static const int64_t axes64[18] = {0, 9, 4, 10, 3, 77, 0, 10, 5, 11, 3, 70, 0, 11, 6, 12, 3, 71};
static const float axesf[18] = {0, 9, 4, 10, 3, 77, 0, 10, 5, 11, 3, 70, 0, 11, 6, 12, 3, 71};
#define FORMS 10

/* Forms 0-4 as before; 5 float32 ids, 6 ragged with float32 offsets (both fractional: on the fly only),
   7-9 multi-axis int32 / int64 / float32 (with pair_axes). */
static cope_positions positions_of(int form) {
  cope_positions p;
  memset(&p, 0, sizeof p);
  p.kind = (cope_position_kind)form;
  switch (form) {
    case 0: p.start = 17; break;
    case 1: p.ids = ids32; p.count = 6; break;
    case 2: p.ids = ids64; p.count = 6; break;
    case 3: p.indptr = indptr32; p.request_offsets = offsets32; p.requests = 2; break;
    case 4: p.indptr = indptr64; p.request_offsets = offsets64; p.requests = 2; break;
    case 5: p.ids = idsf; p.count = 6; break;
    case 6: p.indptr = indptr32; p.request_offsets = offsetsf; p.requests = 2; break;
    default:
      p.ids = form == 7 ? (const void*)axes32 : form == 8 ? (const void*)axes64 : (const void*)axesf;
      p.count = 6;
      p.axes = 3;
      p.axis_stride = 6;
      p.token_stride = 1;
      break;
  }
  return p;
}

static size_t size_of(int type) { return type == COPE_F32 ? 4 : 2; }

/* Deterministic bytes of `n` values of `type` in [-2, 2). */
static void fill(unsigned char* bytes, int type, size_t n, unsigned seed) {
  size_t i;
  unsigned state = seed * 2654435761u + 1u;
  for (i = 0; i < n; ++i) {
    float v;
    uint32_t u;
    state = state * 1664525u + 1013904223u;
    v = (float)(state >> 8) / (float)(1u << 24) * 4.0f - 2.0f;
    memcpy(&u, &v, 4);
    if (type == COPE_F32) memcpy(bytes + 4 * i, &v, 4);
    else {
      /* truncation is enough for test inputs: any bit pattern of a finite value will do */
      uint16_t h = type == COPE_BF16 ? (uint16_t)(u >> 16) : (uint16_t)(0x3C00u | ((u >> 13) & 0x3FFu));
      memcpy(bytes + 2 * i, &h, 2);
    }
  }
}

static cope_spectrum* test_spectrum(int clip) {
  cope_rope_parameters p;
  cope_spectrum *s = NULL, *clipped = NULL;
  cope_error err;
  cope_rope_parameters_init(&p);
  p.rope_type = "yarn";
  p.rope_theta = 1e6;
  p.factor = 4.0;
  p.original_max_position_embeddings = 32768;
  CHECK(cope_spectrum_create(&p, 128, &s, &err) == COPE_OK);
  if (clip == 0) return s;
  CHECK(cope_spectrum_clip(s, clip == 1 ? COPE_CLIP_COPE : COPE_CLIP_HARD, 20, &clipped, &err) == COPE_OK);
  cope_spectrum_destroy(s);
  return clipped;
}

static void test_spectra(void) {
  int clip;
  for (clip = 0; clip < 3; ++clip) {
    float expected[64];
    const double factor = cpp_inv_freq(clip, expected);
    cope_spectrum* s = test_spectrum(clip);
    CHECK(cope_spectrum_pairs(s) == 64);
    CHECK(cope_spectrum_head_dim(s) == 128 && cope_spectrum_rotary_dim(s) == 128);
    CHECK(memcmp(cope_spectrum_inv_freq(s), expected, sizeof expected) == 0);
    CHECK(cope_spectrum_attention_factor(s) == factor);
    CHECK(cope_spectrum_clip_onset(s) == (clip == 0 ? 64 : 44));
    cope_spectrum_destroy(s);
  }
  {
    /* Llama-3.1's spectrum, then the automatic clip count at its training length. */
    cope_rope_parameters p;
    cope_spectrum* s = NULL;
    cope_error err;
    int n = -1;
    cope_rope_parameters_init(&p);
    p.rope_type = "llama3";
    p.rope_theta = 500000.0;
    p.factor = 8.0;
    p.low_freq_factor = 1.0;
    p.high_freq_factor = 4.0;
    p.original_max_position_embeddings = 8192;
    CHECK(cope_spectrum_create(&p, 128, &s, &err) == COPE_OK);
    CHECK(cope_ood_clip_count(s, 8192.0, &n, &err) == COPE_OK && n > 0 && n < 64);
    cope_spectrum_destroy(s);
  }
}

static void test_errors(void) {
  cope_rope_parameters p;
  cope_spectrum* s = NULL;
  cope_error err;
  cope_rope_parameters_init(&p);
  p.rope_type = "ntk-by-parts";
  CHECK(cope_spectrum_create(&p, 128, &s, &err) == COPE_UNKNOWN_ROPE_TYPE && s == NULL);
  CHECK(err.code == COPE_UNKNOWN_ROPE_TYPE && strstr(err.message, "unknown rope_type 'ntk-by-parts'") != NULL);
  CHECK(strcmp(cope_status_name(err.code), "unknown_rope_type") == 0);
  p.rope_type = "yarn";
  p.factor = 4.0;
  CHECK(cope_spectrum_create(&p, 128, &s, &err) != COPE_OK && s == NULL);
  { /* The newer rope types through C: proportional (Gemma 4), ntk with mixed_b, dynamic with alpha. */
    cope_spectrum* q = NULL;
    size_t j, rotated = 0;
    cope_rope_parameters_init(&p);
    p.rope_type = "proportional";
    p.rope_theta = 1e6;
    p.partial_rotary_factor = 0.25;
    CHECK(cope_spectrum_create(&p, 512, &q, &err) == COPE_OK && cope_spectrum_rotary_dim(q) == 512);
    for (j = 0; j < cope_spectrum_pairs(q); ++j) rotated += cope_spectrum_inv_freq(q)[j] != 0.0f;
    CHECK(rotated == 64);
    cope_spectrum_destroy(q);
    cope_rope_parameters_init(&p);
    p.rope_type = "ntk";
    p.factor = 8.0;
    p.mixed_b = 0.625;
    CHECK(cope_spectrum_create(&p, 64, &q, &err) == COPE_OK && cope_spectrum_pairs(q) == 32);
    cope_spectrum_destroy(q);
    p.mixed_b = -1.0;
    CHECK(cope_spectrum_create(&p, 64, &q, &err) == COPE_INVALID_FACTOR && strstr(err.message, "mixed_b (-1)") != NULL);
    cope_rope_parameters_init(&p);
    p.rope_type = "dynamic";
    p.alpha = 1000.0;
    CHECK(cope_spectrum_create(&p, 128, &q, &err) == COPE_OK);
    cope_spectrum_destroy(q);
    CHECK(strcmp(cope_status_name(COPE_INVALID_CONFIG), "invalid_config") == 0);
    CHECK(strcmp(cope_status_name(COPE_INVALID_GGUF), "invalid_gguf") == 0);
    CHECK(strcmp(cope_status_name((cope_status)22), "unknown") == 0);
  }
  p.rope_type = "linear";
  p.factor = NAN; /* absent: linear requires it */
  CHECK(cope_spectrum_create(&p, 128, &s, &err) == COPE_MISSING_PARAMETER && strstr(err.message, "factor") != NULL);
  p.rope_type = "default";
  CHECK(cope_spectrum_create(&p, 127, &s, NULL) == COPE_INVALID_DIMENSION); /* err may be NULL */
  CHECK(cope_spectrum_create(NULL, 128, &s, &err) == COPE_NULL_DATA);
  CHECK(cope_spectrum_create(&p, 128, &s, &err) == COPE_OK && err.code == COPE_OK && err.message[0] == '\0');
  {
    cope_spectrum* c = NULL;
    CHECK(cope_spectrum_clip(s, COPE_CLIP_COPE, 65, &c, &err) == COPE_INVALID_CLIP && c == NULL);
    CHECK(strstr(err.message, "65") != NULL);
    CHECK(cope_spectrum_clip(s, (cope_clip_kind)7, 20, &c, &err) == COPE_INVALID_CLIP);
  }
  {
    /* Bad views: an error naming the parameter, and nothing written. */
    float q[Q_SIZE], before[Q_SIZE];
    cope_rope_args a;
    memset(&a, 0, sizeof a);
    fill((unsigned char*)q, COPE_F32, Q_SIZE, 3);
    memcpy(before, q, sizeof q);
    a.q = a.q_out = cope_make_view(q, COPE_F32, TOKENS, Q_HEADS, HEAD_DIM);
    a.positions = positions_of(0);
    a.positions.start = -1;
    CHECK(cope_apply_rope(s, &a, &err) == COPE_INVALID_POSITION && strstr(err.message, "start position (-1)") != NULL);
    a.positions.start = 0;
    a.q_out.data = NULL;
    CHECK(cope_apply_rope(s, &a, &err) != COPE_OK);
    a.q_out = a.q;
    a.q.type = a.q_out.type = (cope_dtype)9;
    CHECK(cope_apply_rope(s, &a, &err) == COPE_INVALID_VIEW && strstr(err.message, "q.type (9)") != NULL);
    a.q.type = a.q_out.type = COPE_F32;
    a.layout = (cope_layout)5;
    CHECK(cope_apply_rope(s, &a, &err) == COPE_INVALID_ARGUMENT && strstr(err.message, "layout (5)") != NULL);
    a.layout = COPE_ROTATE_HALF;
    a.q.head_dim = a.q_out.head_dim = 64; /* rows of 64 in a 128-dim spectrum */
    CHECK(cope_apply_rope(s, &a, &err) == COPE_INVALID_DIMENSION);
    CHECK(memcmp(q, before, sizeof q) == 0);
  }
  cope_spectrum_destroy(s);
}

static void test_apply(void) {
  static unsigned char q[Q_SIZE * 4], k[K_SIZE * 4], q_c[Q_SIZE * 4], k_c[K_SIZE * 4], q_cpp[Q_SIZE * 4], k_cpp[K_SIZE * 4];
  const int pairs_of_types[5][2] = {{COPE_F32, COPE_F32}, {COPE_F16, COPE_F16}, {COPE_BF16, COPE_BF16},
                                    {COPE_F32, COPE_F16}, {COPE_F32, COPE_BF16}};
  int clip, layout, inverse, from_table, form, t, in_place, calls = 0, same = 0;
  cope_error err;
  uint8_t map[64];
  size_t map_pairs = 0;
  const int sections[3] = {16, 24, 24};
  CHECK(cope_axis_map(COPE_AXES_SECTIONED, sections, 3, map, 64, &map_pairs, &err) == COPE_OK && map_pairs == 64);
  for (clip = 0; clip < 2; ++clip) {
    cope_spectrum* s = test_spectrum(clip);
    cope_table* table = NULL;
    cope_table_view tv;
    CHECK(cope_table_create(s, 1 << 17, &table, &err) == COPE_OK);
    tv = cope_table_get_view(table);
    for (t = 0; t < 5; ++t)
      for (layout = 0; layout < 2; ++layout)
        for (inverse = 0; inverse < 2; ++inverse)
          for (from_table = 0; from_table < 2; ++from_table)
            for (form = 0; form < FORMS; ++form)
              for (in_place = 0; in_place < 2; ++in_place) {
                const int tin = pairs_of_types[t][0], tout = pairs_of_types[t][1];
                cope_rope_args a;
                if (from_table && (form == 2 || form == 4)) continue; /* positions beyond the table */
                if (from_table && (form == 5 || form == 6)) continue; /* fractional positions */
                if (in_place && tin != tout) continue;
                fill(q, tin, Q_SIZE, (unsigned)(calls * 2 + 1));
                fill(k, tin, K_SIZE, (unsigned)(calls * 2 + 2));
                memcpy(q_c, q, sizeof q);
                memcpy(k_c, k, sizeof k);
                memcpy(q_cpp, q, sizeof q);
                memcpy(k_cpp, k, sizeof k);
                memset(&a, 0, sizeof a);
                a.q_out = cope_make_view(q_c, (cope_dtype)tout, TOKENS, Q_HEADS, HEAD_DIM);
                a.k_out = cope_make_view(k_c, (cope_dtype)tout, TOKENS, K_HEADS, HEAD_DIM);
                a.q = in_place ? a.q_out : cope_make_view(q, (cope_dtype)tin, TOKENS, Q_HEADS, HEAD_DIM);
                a.k = in_place ? a.k_out : cope_make_view(k, (cope_dtype)tin, TOKENS, K_HEADS, HEAD_DIM);
                a.positions = positions_of(form);
                a.layout = (cope_layout)layout;
                a.direction = inverse ? COPE_INVERSE : COPE_FORWARD;
                if (form >= 7) {
                  a.pair_axes = map;
                  a.pair_axes_count = map_pairs;
                }
                if (from_table)
                  CHECK(cope_apply_rope_table(&tv, &a, &err) == COPE_OK);
                else
                  CHECK(cope_apply_rope(s, &a, &err) == COPE_OK);
                if (in_place)
                  cpp_rotate(clip, layout, inverse, from_table, form, tin, tout, q_cpp, q_cpp, k_cpp, k_cpp);
                else
                  cpp_rotate(clip, layout, inverse, from_table, form, tin, tout, q, q_cpp, k, k_cpp);
                ++calls;
                if (memcmp(q_c, q_cpp, Q_SIZE * size_of(tout)) == 0 && memcmp(k_c, k_cpp, K_SIZE * size_of(tout)) == 0 &&
                    memcmp(q_c, q, Q_SIZE * size_of(tout)) != 0)
                  ++same;
                else
                  printf("differs: clip %d types %d -> %d layout %d inverse %d table %d positions %d in place %d\n", clip, tin,
                         tout, layout, inverse, from_table, form, in_place);
              }
    cope_table_destroy(table);
    cope_spectrum_destroy(s);
  }
  printf("apply: %d of %d calls identical to the C++ API\n", same, calls);
  CHECK(calls > 1000 && same == calls);
}

/* QK-norm + RoPE: each norm kind, span and order, storage pair, layout and angle source, 1-D and multi-axis
   positions, in and out of place — byte for byte the C++ call's; checked equal to unchecked; bad norms. */
static void test_qk_norm(void) {
  static unsigned char q[Q_SIZE * 4], k[K_SIZE * 4], q_c[Q_SIZE * 4], k_c[K_SIZE * 4], q_cpp[Q_SIZE * 4], k_cpp[K_SIZE * 4];
  static float q_weight[Q_HEADS * HEAD_DIM], k_weight[K_HEADS * HEAD_DIM];
  const int pairs_of_types[5][2] = {{COPE_F32, COPE_F32}, {COPE_F16, COPE_F16}, {COPE_BF16, COPE_BF16},
                                    {COPE_F32, COPE_F16}, {COPE_F32, COPE_BF16}};
  /* kind, span, order */
  const int norms[6][3] = {{COPE_NORM_WEIGHT_AFTER_CAST, COPE_NORM_SPAN_HEAD, COPE_NORM_BEFORE_ROPE},
                           {COPE_NORM_WEIGHT, COPE_NORM_SPAN_HEAD, COPE_NORM_BEFORE_ROPE},
                           {COPE_NORM_ONE_PLUS_WEIGHT, COPE_NORM_SPAN_HEAD, COPE_NORM_BEFORE_ROPE},
                           {COPE_NORM_WEIGHT, COPE_NORM_SPAN_TOKEN, COPE_NORM_BEFORE_ROPE},
                           {COPE_NORM_UNIT, COPE_NORM_SPAN_HEAD, COPE_NORM_AFTER_ROPE},
                           {COPE_NORM_UNIT, COPE_NORM_SPAN_TOKEN, COPE_NORM_BEFORE_ROPE}};
  const int forms[3] = {0, 2, 7};
  int n, t, layout, from_table, f, in_place, calls = 0, same = 0;
  size_t i, map_pairs = 0;
  uint8_t map[64];
  const int sections[3] = {16, 24, 24};
  cope_error err;
  cope_spectrum* s = test_spectrum(0);
  cope_table* table = NULL;
  cope_table_view tv;
  CHECK(cope_table_create(s, 1 << 17, &table, &err) == COPE_OK);
  tv = cope_table_get_view(table);
  CHECK(cope_axis_map(COPE_AXES_SECTIONED, sections, 3, map, 64, &map_pairs, &err) == COPE_OK);
  for (i = 0; i < Q_HEADS * HEAD_DIM; ++i) q_weight[i] = 0.5f + (float)(i % 13) / 13.0f;
  for (i = 0; i < K_HEADS * HEAD_DIM; ++i) k_weight[i] = 1.5f - (float)(i % 11) / 11.0f;
  for (n = 0; n < 6; ++n)
    for (t = 0; t < 5; ++t)
      for (layout = 0; layout < 2; ++layout)
        for (from_table = 0; from_table < 2; ++from_table)
          for (f = 0; f < 3; ++f)
            for (in_place = 0; in_place < 2; ++in_place) {
              const int tin = pairs_of_types[t][0], tout = pairs_of_types[t][1], form = forms[f];
              const int weighted = norms[n][0] != COPE_NORM_UNIT;
              cope_rope_args a;
              cope_qk_norm norm;
              if (from_table && form == 2) continue; /* positions beyond the table */
              if (in_place && tin != tout) continue;
              fill(q, tin, Q_SIZE, (unsigned)(calls * 2 + 5));
              fill(k, tin, K_SIZE, (unsigned)(calls * 2 + 6));
              memcpy(q_c, q, sizeof q);
              memcpy(k_c, k, sizeof k);
              memcpy(q_cpp, q, sizeof q);
              memcpy(k_cpp, k, sizeof k);
              memset(&a, 0, sizeof a);
              a.q_out = cope_make_view(q_c, (cope_dtype)tout, TOKENS, Q_HEADS, HEAD_DIM);
              a.k_out = cope_make_view(k_c, (cope_dtype)tout, TOKENS, K_HEADS, HEAD_DIM);
              a.q = in_place ? a.q_out : cope_make_view(q, (cope_dtype)tin, TOKENS, Q_HEADS, HEAD_DIM);
              a.k = in_place ? a.k_out : cope_make_view(k, (cope_dtype)tin, TOKENS, K_HEADS, HEAD_DIM);
              a.positions = positions_of(form);
              a.layout = (cope_layout)layout;
              if (form >= 7) {
                a.pair_axes = map;
                a.pair_axes_count = map_pairs;
              }
              norm.kind = (cope_qk_norm_kind)norms[n][0];
              norm.span = (cope_qk_norm_span)norms[n][1];
              norm.order = (cope_qk_norm_order)norms[n][2];
              norm.eps = 1e-6f;
              norm.q_weight = weighted ? q_weight : NULL;
              norm.k_weight = weighted ? k_weight : NULL;
              if (from_table)
                CHECK(cope_apply_qk_norm_rope_table(&tv, &a, &norm, &err) == COPE_OK);
              else
                CHECK(cope_apply_qk_norm_rope(s, &a, &norm, &err) == COPE_OK);
              cpp_qk_norm_rope(norms[n][0], norms[n][1], norms[n][2], layout, from_table, form, tin, tout,
                               in_place ? q_cpp : q, q_cpp, in_place ? k_cpp : k, k_cpp, norm.q_weight, norm.k_weight);
              ++calls;
              if (memcmp(q_c, q_cpp, Q_SIZE * size_of(tout)) == 0 && memcmp(k_c, k_cpp, K_SIZE * size_of(tout)) == 0 &&
                  memcmp(q_c, q, Q_SIZE * size_of(tout)) != 0)
                ++same;
              else
                printf("differs: norm %d types %d -> %d layout %d table %d positions %d in place %d\n", n, tin, tout, layout,
                       from_table, form, in_place);
              if (in_place && from_table && f == 0) { /* unchecked: the same bytes */
                memcpy(q_cpp, q, sizeof q);
                memcpy(k_cpp, k, sizeof k);
                a.q = a.q_out = cope_make_view(q_cpp, (cope_dtype)tout, TOKENS, Q_HEADS, HEAD_DIM);
                a.k = a.k_out = cope_make_view(k_cpp, (cope_dtype)tout, TOKENS, K_HEADS, HEAD_DIM);
                cope_apply_qk_norm_rope_table_unchecked(&tv, &a, &norm);
                CHECK(memcmp(q_cpp, q_c, Q_SIZE * size_of(tout)) == 0 && memcmp(k_cpp, k_c, K_SIZE * size_of(tout)) == 0);
              }
            }
  printf("qk_norm: %d of %d calls identical to the C++ API\n", same, calls);
  CHECK(calls > 400 && same == calls);
  { /* errors: nothing written */
    cope_rope_args a;
    cope_qk_norm norm;
    memset(&a, 0, sizeof a);
    fill(q, COPE_F32, Q_SIZE, 99);
    memcpy(q_c, q, Q_SIZE * 4);
    a.q = a.q_out = cope_make_view(q_c, COPE_F32, TOKENS, Q_HEADS, HEAD_DIM);
    a.positions = positions_of(0);
    CHECK(cope_apply_qk_norm_rope(s, &a, NULL, &err) == COPE_NULL_DATA && strstr(err.message, "norm") != NULL);
    memset(&norm, 0, sizeof norm);
    norm.kind = (cope_qk_norm_kind)7;
    CHECK(cope_apply_qk_norm_rope(s, &a, &norm, &err) == COPE_INVALID_NORM &&
          strstr(err.message, "norm.kind (7) is not a qk_norm_kind") != NULL);
    norm.kind = COPE_NORM_WEIGHT;
    CHECK(cope_apply_qk_norm_rope_table(&tv, &a, &norm, &err) == COPE_INVALID_NORM &&
          strstr(err.message, "norm.q_weight is null") != NULL);
    CHECK(memcmp(q_c, q, Q_SIZE * 4) == 0);
    CHECK(strcmp(cope_status_name(COPE_INVALID_NORM), "invalid_norm") == 0);
    CHECK(strcmp(cope_status_name(COPE_INVALID_CACHE), "invalid_cache") == 0);
  }
  cope_table_destroy(table);
  cope_spectrum_destroy(s);
}

/* RoPE + KV-cache append: each cache type, NHD / HND pages with a skipped token, a contiguous cache at the
   positions, with and without the norm: q and both caches byte for byte the C++ call's; the errors. */
static void test_append(void) {
  static unsigned char q[Q_SIZE * 4], k[K_SIZE * 4], v[K_SIZE * 4], q_cpp[Q_SIZE * 4];
  static unsigned char kc[16 * 2 * 128 * 4], vc[16 * 2 * 128 * 4], kc_cpp[16 * 2 * 128 * 4], vc_cpp[16 * 2 * 128 * 4];
  static float q_weight[HEAD_DIM], k_weight[HEAD_DIM];
  const int32_t slots[6] = {9, 0, -1, 15, 4, 6};
  const int types[4][2] = {{COPE_F32, COPE_CACHE_F32}, {COPE_BF16, COPE_CACHE_BF16}, {COPE_F32, COPE_CACHE_F16},
                           {COPE_F16, COPE_CACHE_Q8_0}};
  int t, form, with_norm, calls = 0, same = 0;
  size_t i;
  cope_error err;
  cope_spectrum* s = test_spectrum(0);
  for (i = 0; i < HEAD_DIM; ++i) {
    q_weight[i] = 0.75f + (float)(i % 5) / 10.0f;
    k_weight[i] = 1.25f - (float)(i % 3) / 10.0f;
  }
  for (t = 0; t < 4; ++t)
    for (form = 0; form < 3; ++form) /* contiguous, NHD, HND */
      for (with_norm = 0; with_norm < 2; ++with_norm) {
        cope_append_args a;
        cope_qk_norm norm;
        const int type = types[t][0];
        fill(q, type, Q_SIZE, (unsigned)(calls + 11));
        fill(k, type, K_SIZE, (unsigned)(calls + 12));
        fill(v, type, K_SIZE, (unsigned)(calls + 13));
        memcpy(q_cpp, q, sizeof q);
        memset(kc, 0x5A, sizeof kc);
        memset(vc, 0x5A, sizeof vc);
        memset(kc_cpp, 0x5A, sizeof kc_cpp);
        memset(vc_cpp, 0x5A, sizeof vc_cpp);
        memset(&a, 0, sizeof a);
        a.q = a.q_out = cope_make_view(q, (cope_dtype)type, TOKENS, Q_HEADS, HEAD_DIM);
        a.k = cope_make_view(k, (cope_dtype)type, TOKENS, K_HEADS, HEAD_DIM);
        a.v = cope_make_view(v, (cope_dtype)type, TOKENS, K_HEADS, HEAD_DIM);
        a.cache.k = kc;
        a.cache.v = vc;
        a.cache.type = (cope_cache_type)types[t][1];
        a.cache.layout = form == 2 ? COPE_KV_HND : COPE_KV_NHD;
        a.cache.pages = form == 0 ? 1 : 4;
        a.cache.page_size = form == 0 ? 16 : 4;
        a.cache.kv_heads = K_HEADS;
        a.cache.head_dim = HEAD_DIM;
        if (form != 0) {
          a.slots = slots;
          a.slot_count = TOKENS;
        }
        a.positions = positions_of(0);
        a.positions.start = 0;
        norm.kind = COPE_NORM_WEIGHT_AFTER_CAST;
        norm.eps = 1e-6f;
        norm.q_weight = q_weight;
        norm.k_weight = k_weight;
        norm.span = COPE_NORM_SPAN_HEAD;
        norm.order = COPE_NORM_BEFORE_ROPE;
        if (with_norm) a.norm = &norm;
        CHECK(cope_apply_rope_append(s, &a, &err) == COPE_OK);
        cpp_append(type, types[t][1], form == 2, form == 0 ? NULL : slots, q_cpp, k, v, kc_cpp, vc_cpp,
                   with_norm ? q_weight : NULL, with_norm ? k_weight : NULL);
        ++calls;
        if (memcmp(q, q_cpp, sizeof q) == 0 && memcmp(kc, kc_cpp, sizeof kc) == 0 && memcmp(vc, vc_cpp, sizeof vc) == 0)
          ++same;
        else
          printf("differs: append types %d form %d norm %d\n", t, form, with_norm);
      }
  printf("append: %d of %d calls identical to the C++ API\n", same, calls);
  CHECK(calls == 24 && same == calls);
  { /* a slot beyond the cache: nothing written */
    cope_append_args a;
    const int32_t beyond[6] = {0, 1, 2, 3, 4, 16};
    memset(&a, 0, sizeof a);
    fill(q, COPE_F32, Q_SIZE, 3);
    memcpy(q_cpp, q, sizeof q);
    memset(kc, 0x5A, sizeof kc);
    memcpy(kc_cpp, kc, sizeof kc);
    a.q = a.q_out = cope_make_view(q, COPE_F32, TOKENS, Q_HEADS, HEAD_DIM);
    a.k = cope_make_view(k, COPE_F32, TOKENS, K_HEADS, HEAD_DIM);
    a.cache.k = kc;
    a.cache.type = COPE_CACHE_F32;
    a.cache.layout = COPE_KV_NHD;
    a.cache.pages = 4;
    a.cache.page_size = 4;
    a.cache.kv_heads = K_HEADS;
    a.cache.head_dim = HEAD_DIM;
    a.slots = beyond;
    a.slot_count = TOKENS;
    a.positions = positions_of(0);
    CHECK(cope_apply_rope_append(s, &a, &err) == COPE_INVALID_CACHE &&
          strstr(err.message, "slots[5] (16) is beyond the cache's last slot (15") != NULL);
    CHECK(memcmp(q, q_cpp, sizeof q) == 0 && memcmp(kc, kc_cpp, sizeof kc) == 0);
    a.slots = slots;
    cope_apply_rope_append_unchecked(s, &a); /* the unchecked form runs the same kernels */
    CHECK(memcmp(kc, kc_cpp, sizeof kc) != 0);
  }
  cope_spectrum_destroy(s);
}

static void test_multi_axis_errors(void) {
  uint8_t map[64];
  size_t pairs = 0;
  const int bad[3] = {10, 20, 20}, ernie[3] = {22, 22, 20};
  float q[6 * 128];
  cope_error err;
  cope_rope_args a;
  cope_spectrum* s = test_spectrum(0);
  CHECK(cope_axis_map(COPE_AXES_INTERLEAVED, bad, 3, map, 64, &pairs, &err) == COPE_INVALID_AXIS_MAP);
  CHECK(strstr(err.message, "gives axis 0 17 pairs instead of 10") != NULL);
  CHECK(strcmp(cope_status_name(err.code), "invalid_axis_map") == 0);
  CHECK(cope_axis_map(COPE_AXES_ERNIE, ernie, 3, map, 64, &pairs, &err) == COPE_OK && pairs == 64 && map[0] == 1 &&
        map[1] == 2 && map[44] == 0);
  CHECK(cope_axis_map(COPE_AXES_ERNIE, ernie, 3, map, 32, &pairs, &err) == COPE_INVALID_ARGUMENT);
  CHECK(cope_axis_map((cope_axis_map_kind)9, ernie, 3, map, 64, &pairs, &err) == COPE_INVALID_AXIS_MAP);
  memset(q, 0, sizeof q);
  memset(&a, 0, sizeof a);
  a.q = a.q_out = cope_make_view(q, COPE_F32, 6, 1, 128);
  a.positions = positions_of(7);
  CHECK(cope_apply_rope(s, &a, &err) == COPE_INVALID_AXIS_MAP && strstr(err.message, "need pair_axes") != NULL);
  CHECK(cope_axis_map(COPE_AXES_SECTIONED, bad, 3, map, 64, &pairs, &err) == COPE_OK && pairs == 50);
  a.pair_axes = map;
  a.pair_axes_count = pairs;
  CHECK(cope_apply_rope(s, &a, &err) == COPE_INVALID_AXIS_MAP &&
        strstr(err.message, "pair_axes has 50 pairs but the rotation has 64") != NULL);
  map[0] = 9;
  CHECK(cope_apply_rope(s, &a, &err) == COPE_INVALID_AXIS_MAP && strstr(err.message, "pair 0 reads axis 9") != NULL);
  a.pair_axes = NULL;
  CHECK(cope_apply_rope(s, &a, &err) == COPE_NULL_DATA && strstr(err.message, "pair_axes is null") != NULL);
  cope_spectrum_destroy(s);
}

static void test_unchecked(void) {
  static float q1[Q_SIZE], q2[Q_SIZE];
  cope_spectrum* s = test_spectrum(1);
  cope_rope_args a;
  cope_error err;
  fill((unsigned char*)q1, COPE_F32, Q_SIZE, 77);
  memcpy(q2, q1, sizeof q1);
  memset(&a, 0, sizeof a);
  a.q = a.q_out = cope_make_view(q1, COPE_F32, TOKENS, Q_HEADS, HEAD_DIM);
  a.positions = positions_of(1);
  a.layout = COPE_INTERLEAVED;
  CHECK(cope_apply_rope(s, &a, &err) == COPE_OK);
  a.q = a.q_out = cope_make_view(q2, COPE_F32, TOKENS, Q_HEADS, HEAD_DIM);
  cope_apply_rope_unchecked(s, &a);
  CHECK(memcmp(q1, q2, sizeof q1) == 0);
  cope_spectrum_destroy(s);
}

static void test_shift(void) {
  static unsigned char k_c[K_SIZE * 4], k_cpp[K_SIZE * 4];
  const int64_t deltas[6] = {-3, 0, 40000, -65535, 1, 12};
  int type, layout, from_table, per_token, same = 0, calls = 0;
  cope_error err;
  cope_spectrum* s = test_spectrum(1);
  cope_table* table = NULL;
  cope_table_view tv;
  CHECK(cope_table_create(s, 1 << 17, &table, &err) == COPE_OK);
  tv = cope_table_get_view(table);
  for (type = 0; type < 3; ++type)
    for (layout = 0; layout < 2; ++layout)
      for (from_table = 0; from_table < 2; ++from_table)
        for (per_token = 0; per_token < 2; ++per_token) {
          cope_shift_args a;
          fill(k_c, type, K_SIZE, (unsigned)(100 + calls));
          memcpy(k_cpp, k_c, sizeof k_c);
          memset(&a, 0, sizeof a);
          a.k = cope_make_view(k_c, (cope_dtype)type, TOKENS, K_HEADS, HEAD_DIM);
          a.layout = (cope_layout)layout;
          if (per_token) {
            a.delta_kind = COPE_DELTA_PER_TOKEN_I64;
            a.deltas = deltas;
            a.count = 6;
          } else {
            a.delta = -12;
          }
          if (from_table)
            CHECK(cope_shift_keys_table(&tv, &a, &err) == COPE_OK);
          else
            CHECK(cope_shift_keys(s, &a, &err) == COPE_OK);
          cpp_shift(1, layout, from_table, type, k_cpp, per_token ? deltas : NULL);
          ++calls;
          same += memcmp(k_c, k_cpp, K_SIZE * size_of(type)) == 0;
        }
  {
    cope_shift_args a;
    memset(&a, 0, sizeof a);
    a.k = cope_make_view(k_c, COPE_F32, TOKENS, K_HEADS, HEAD_DIM);
    a.delta = 1 << 17; /* beyond the table */
    memcpy(k_cpp, k_c, sizeof k_c);
    CHECK(cope_shift_keys_table(&tv, &a, &err) == COPE_INVALID_POSITION);
    CHECK(strstr(err.message, "shift_keys: delta (131072)") != NULL);
    CHECK(memcmp(k_c, k_cpp, sizeof k_c) == 0);
  }
  printf("shift_keys: %d of %d calls identical to the C++ API\n", same, calls);
  CHECK(calls == 24 && same == calls);
  cope_table_destroy(table);
  cope_spectrum_destroy(s);
}

static void test_tables(void) {
  static float rows_c[100 * 128], rows_cpp[100 * 128];
  cope_spectrum* s = test_spectrum(1);
  cope_error err;
  CHECK(cope_fill_table(s, 1000, 100, rows_c, 128, &err) == COPE_OK);
  cpp_fill_table(1, 1000, 100, rows_cpp);
  CHECK(memcmp(rows_c, rows_cpp, sizeof rows_c) == 0);
  CHECK(cope_fill_table(s, 0, 1, rows_c, 64, &err) == COPE_INVALID_VIEW && strstr(err.message, "row_stride (64)") != NULL);
  CHECK(cope_fill_table(s, 0, 1, NULL, 128, &err) == COPE_NULL_DATA);
  cope_spectrum_destroy(s);
}

int main(void) {
  printf("cope %s, kernels %s\n", cope_version(), cope_active_isa());
  CHECK(strncmp(cope_active_isa(), "kernels:", 8) == 0);
  test_spectra();
  test_errors();
  test_apply();
  test_unchecked();
  test_qk_norm();
  test_append();
  test_multi_axis_errors();
  test_shift();
  test_tables();
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
