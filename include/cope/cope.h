/* cope — the C API (C99), for engines written in C or bound from other languages.
 *
 * Over the compiled kernels: link libcope (CMake target cope::c, pkg-config `cope`), a shared library
 * that exports only these cope_-prefixed functions. The same library, spectra and kernels as the C++ API
 * (cope/cope.hpp): results are the C++ API's, bit for bit.
 *
 *   cope_spectrum_create   a rope type and its parameters (Hugging Face's rope_parameters keys) -> spectrum
 *   cope_spectrum_clip     CoPE's soft clip or HardClip of the n lowest-frequency pairs
 *   cope_table_create      a cos/sin table; cope_fill_table: rows into an engine's own buffer
 *   cope_apply_rope        rotate q and k through cope_view structs (every position form, layout,
 *                          storage type, direction); _table: angles from a table
 *   cope_shift_keys        re-rotate cached keys by a position delta (context shift)
 *
 * Errors: every function that can fail returns a cope_status and, where `err` is not NULL, fills it
 * with the code and a message naming the parameter, its value and the rule. Nothing is written to the
 * caller's buffers on error. Thread safety: spectra and tables are immutable once made and may be
 * shared by threads; calls on disjoint buffers may run concurrently.
 */
#ifndef COPE_COPE_H
#define COPE_COPE_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define COPE_C_API
#else
#define COPE_C_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Every enum below has a *_FORCE_INT32 member, not a value to pass: it gives the type the range of every
 * int32 (as Vulkan's *_MAX_ENUM does), so that an out-of-range value from C or another language is
 * checked and reported (COPE_INVALID_VIEW, COPE_INVALID_ARGUMENT, ...) rather than undefined. */

/* ---- errors ---------------------------------------------------------------------------------- */

/* The same codes, in the same order, as cope::errc (cope/error.hpp), plus out of memory. */
typedef enum cope_status {
  COPE_OK = 0,
  COPE_INVALID_DIMENSION = 1,
  COPE_INVALID_BASE = 2,
  COPE_INVALID_FACTOR = 3,
  COPE_INVALID_LENGTH = 4,
  COPE_INVALID_BETA = 5,
  COPE_INVALID_FACTOR_LIST = 6,
  COPE_MISSING_PARAMETER = 7,
  COPE_UNKNOWN_ROPE_TYPE = 8,
  COPE_INVALID_CLIP = 9,
  COPE_INVALID_POSITION = 10,
  COPE_NULL_DATA = 11,
  COPE_INVALID_VIEW = 12,
  COPE_OVERLAPPING_VIEWS = 13,
  COPE_INVALID_ALIASING = 14,
  COPE_INVALID_ARGUMENT = 15,
  COPE_OUT_OF_MEMORY = 16,
  COPE_INVALID_AXIS_MAP = 17,
  COPE_INVALID_CONFIG = 18, /* a model's config.json (C++ only: cope/hf_config.hpp) */
  COPE_INVALID_GGUF = 19,   /* a GGUF file's bytes or metadata (C++ only: cope/gguf.hpp) */
  COPE_INVALID_NORM = 20,   /* a fused QK-norm: kind, eps, weights */
  COPE_INVALID_CACHE = 21,  /* a KV cache: page size, slots, overlaps */
  COPE_STATUS_FORCE_INT32 = INT32_MIN /* not a status (see above) */
} cope_status;

#define COPE_ERROR_MESSAGE_SIZE 512

typedef struct cope_error {
  cope_status code;
  char message[COPE_ERROR_MESSAGE_SIZE]; /* NUL-terminated; "" when code is COPE_OK */
} cope_error;

/* "ok", "invalid_dimension", ... as cope::to_string(errc). */
COPE_C_API const char* cope_status_name(cope_status code);
/* "0.1.0" */
COPE_C_API const char* cope_version(void);
/* The kernels this process runs: "kernels:avx512bf16", "kernels:avx512", "kernels:avx2",
 * "kernels:neon" or "kernels:scalar" (the environment variable COPE_MAX_ISA caps the choice). */
COPE_C_API const char* cope_active_isa(void);

/* ---- spectra ------------------------------------------------------------------------------- */

typedef struct cope_spectrum cope_spectrum; /* opaque, immutable */

/* A model config's rope parameters, key for key. Start from cope_rope_parameters_init, which sets the
 * defaults and marks every optional key absent: NaN for a number, 0 for a length, -1 for truncate,
 * NULL / 0 for a list. */
typedef struct cope_rope_parameters {
  const char* rope_type; /* default | linear | dynamic | yarn | longrope (su) | llama3 | proportional | ntk */
  double rope_theta;            /* 10000 */
  double partial_rotary_factor; /* 1 */
  double factor;
  int64_t original_max_position_embeddings;
  int64_t max_position_embeddings; /* the config's top-level value (dynamic, yarn, longrope, llama3) */
  int64_t seq_len;                 /* the current sequence length (dynamic, longrope) */
  double attention_factor;
  double beta_fast; /* yarn: absent or 0 means 32, as HF reads it */
  double beta_slow; /* yarn: absent or 0 means 1 */
  double mscale;
  double mscale_all_dim;
  int truncate; /* yarn: -1 absent (true), 0 false, 1 true */
  double low_freq_factor;
  double high_freq_factor;
  const double* short_factor; /* longrope: rotary_dim / 2 entries each */
  size_t short_factor_count;
  const double* long_factor;
  size_t long_factor_count;
  double alpha;   /* dynamic: Hunyuan's NTK-alpha (vLLM's reading); NaN absent */
  double mixed_b; /* ntk: the mixed-NTK exponent; NaN absent */
} cope_rope_parameters;

COPE_C_API void cope_rope_parameters_init(cope_rope_parameters* p);

/* Hugging Face's rope init function for p->rope_type at head_dim, with the reference's float32 rounding.
   head_dim is at most 65536; an attention factor (explicit or derived) must lie in [2^-16, 2^16]; a
   parameter that underflows or overflows float32 is an error naming it. */
COPE_C_API cope_status cope_spectrum_create(const cope_rope_parameters* p, int head_dim, cope_spectrum** out,
                                            cope_error* err);

typedef enum cope_clip_kind { COPE_CLIP_COPE = 1, COPE_CLIP_HARD = 2, COPE_CLIP_KIND_FORCE_INT32 = INT32_MIN } cope_clip_kind;

/* A new spectrum: s with its n lowest-frequency pairs clipped (CoPE's raised-cosine taper or HardClip). */
COPE_C_API cope_status cope_spectrum_clip(const cope_spectrum* s, cope_clip_kind kind, int n, cope_spectrum** out,
                                          cope_error* err);
/* The number of pairs whose period exceeds training_length (the automatic clip count). */
COPE_C_API cope_status cope_ood_clip_count(const cope_spectrum* s, double training_length, int* out,
                                           cope_error* err);
COPE_C_API void cope_spectrum_destroy(cope_spectrum* s); /* NULL is fine */

COPE_C_API int cope_spectrum_head_dim(const cope_spectrum* s);
COPE_C_API int cope_spectrum_rotary_dim(const cope_spectrum* s);
COPE_C_API size_t cope_spectrum_pairs(const cope_spectrum* s);
COPE_C_API const float* cope_spectrum_inv_freq(const cope_spectrum* s); /* pairs values, highest first */
COPE_C_API double cope_spectrum_attention_factor(const cope_spectrum* s);
COPE_C_API int cope_spectrum_clip_onset(const cope_spectrum* s); /* first clipped pair (pairs if none) */

/* ---- tables -------------------------------------------------------------------------------- */

/* Row p: attention_factor * cos(p * inv_freq[j]) for j < pairs, then attention_factor * sin(...).
   attention_factor in [2^-16, 2^16], the range every path handles exactly. */
typedef struct cope_table_view {
  const float* data;
  int64_t positions; /* rows for positions 0 .. positions - 1 */
  size_t pairs;
  ptrdiff_t row_stride; /* floats between rows, >= 2 * pairs */
  double attention_factor;
} cope_table_view;

typedef struct cope_table cope_table; /* opaque, owning */

COPE_C_API cope_status cope_table_create(const cope_spectrum* s, int64_t positions, cope_table** out,
                                         cope_error* err);
COPE_C_API cope_table_view cope_table_get_view(const cope_table* t);
COPE_C_API void cope_table_destroy(cope_table* t); /* NULL is fine */
/* Rows for positions first .. first + count - 1, row i at out + i * row_stride. */
COPE_C_API cope_status cope_fill_table(const cope_spectrum* s, int64_t first, int64_t count, float* out,
                                       ptrdiff_t row_stride, cope_error* err);

/* ---- q and k ------------------------------------------------------------------------------- */

typedef enum cope_dtype { COPE_F32 = 0, COPE_F16 = 1, COPE_BF16 = 2, COPE_DTYPE_FORCE_INT32 = INT32_MIN } cope_dtype;

/* A strided [tokens, heads, head_dim] view; each head's row of head_dim elements is contiguous. The
   stride of a dimension of size 1 is ignored; 0 tokens is a no-op (data may then be NULL). */
typedef struct cope_view {
  void* data; /* NULL in k and k_out: q only */
  cope_dtype type;
  size_t tokens;
  size_t heads;
  size_t head_dim;
  ptrdiff_t token_stride; /* elements */
  ptrdiff_t head_stride;
  size_t capacity; /* elements reachable from data; 0 = not stated */
} cope_view;

/* A contiguous [tokens, heads, head_dim] tensor. */
COPE_C_API cope_view cope_make_view(void* data, cope_dtype type, size_t tokens, size_t heads, size_t head_dim);

/* Float32 positions may be fractional (HoPE's temporal scaling) on the fly; from a table they must be
   integers. Multi-axis positions (M-RoPE): token t's position on axis a is
   ids[a * axis_stride + t * token_stride] (elements), `axes` streams (1 to 4) of `count` tokens; axis-major
   [axes][tokens] as vLLM and ggml pass them is axis_stride = count, token_stride = 1. They need
   pair_axes in the call (below). */
typedef enum cope_position_kind {
  COPE_POSITIONS_OFFSET = 0,     /* token t at start + t */
  COPE_POSITIONS_IDS_I32 = 1,    /* token t at ids[t]; count ids */
  COPE_POSITIONS_IDS_I64 = 2,
  COPE_POSITIONS_RAGGED_I32 = 3, /* request r owns tokens [indptr[r], indptr[r+1]) at request_offsets[r] + 0, 1, ... */
  COPE_POSITIONS_RAGGED_I64 = 4,
  COPE_POSITIONS_IDS_F32 = 5,
  COPE_POSITIONS_RAGGED_F32 = 6, /* int32 indptr, float32 request_offsets */
  COPE_POSITIONS_MULTI_AXIS_I32 = 7,
  COPE_POSITIONS_MULTI_AXIS_I64 = 8,
  COPE_POSITIONS_MULTI_AXIS_F32 = 9,
  COPE_POSITION_KIND_FORCE_INT32 = INT32_MIN
} cope_position_kind;

typedef struct cope_positions {
  cope_position_kind kind;
  int64_t start;
  const void* ids;
  size_t count;
  const void* indptr; /* requests + 1 entries */
  const void* request_offsets;
  size_t requests;
  size_t axes; /* multi-axis only */
  ptrdiff_t axis_stride;
  ptrdiff_t token_stride;
} cope_positions;

/* ---- multi-axis RoPE ------------------------------------------------------------------------ */

/* Which position axis each rotary pair reads: an axis index (0 = t, 1 = h, 2 = w, 3) or COPE_NO_AXIS
   (an identity pair: the input times the attention factor). cope_axis_map fills such a list from a
   model's keys; any list of the right length may be passed. */
#define COPE_NO_AXIS 255

typedef enum cope_axis_map_kind {
  COPE_AXES_SECTIONED = 0,   /* mrope_section (Qwen2-VL, Qwen2.5-VL, GLM-4V; 4 sections: XD-RoPE) */
  COPE_AXES_INTERLEAVED = 1, /* mrope_section with mrope_interleaved (Qwen3-VL, Qwen3.5) */
  COPE_AXES_ERNIE = 2,       /* sections [h, w, t]: h / w alternating, t on the lowest t pairs (ERNIE-4.5-VL) */
  COPE_AXES_HOPE = 3,        /* mrope_section [t, h, w]: h / w alternating, the lowest t pairs identity (HoPE) */
  COPE_AXIS_MAP_KIND_FORCE_INT32 = INT32_MIN
} cope_axis_map_kind;

/* Writes the map's axis per pair to out (capacity entries) and their number to *pairs. */
COPE_C_API cope_status cope_axis_map(cope_axis_map_kind kind, const int* sections, size_t section_count, uint8_t* out,
                                     size_t capacity, size_t* pairs, cope_error* err);

typedef enum cope_layout { COPE_ROTATE_HALF = 0, COPE_INTERLEAVED = 1, COPE_LAYOUT_FORCE_INT32 = INT32_MIN } cope_layout;
typedef enum cope_direction { COPE_FORWARD = 0, COPE_INVERSE = 1, COPE_DIRECTION_FORCE_INT32 = INT32_MIN } cope_direction;

/* In place: q_out equal to q (same data, type and strides); likewise k_out and k. */
typedef struct cope_rope_args {
  cope_view q, q_out, k, k_out;
  cope_positions positions;
  cope_layout layout;
  cope_direction direction;
  size_t rotary_offset; /* the rotary window starts here inside each head */
  size_t token_begin;   /* rotate tokens [token_begin, token_end) */
  size_t token_end;     /* 0: to the last token */
  /* Multi-axis RoPE: pair j reads axis pair_axes[j] (pair_axes_count = the spectrum's pairs); required
     with multi-axis positions, optional with 1-D ones (then every axis is at that position). NULL: 1-D. */
  const uint8_t* pair_axes;
  size_t pair_axes_count;
} cope_rope_args;

/* Exact angles from the spectrum (positions up to 2^29). */
COPE_C_API cope_status cope_apply_rope(const cope_spectrum* s, const cope_rope_args* args, cope_error* err);
/* Angles from a table (positions within its rows). */
COPE_C_API cope_status cope_apply_rope_table(const cope_table_view* t, const cope_rope_args* args, cope_error* err);
/* Unchecked (opt-in): the caller guarantees what the checked forms would have checked. */
COPE_C_API void cope_apply_rope_unchecked(const cope_spectrum* s, const cope_rope_args* args);
COPE_C_API void cope_apply_rope_table_unchecked(const cope_table_view* t, const cope_rope_args* args);

/* ---- QK-RMSNorm + RoPE (cope/fused.hpp) --------------------------------------------------------- */

/* The model's norm (r = 1 / sqrt(mean(x^2) + eps), store() rounding to the storage type):
   WEIGHT_AFTER_CAST store(w * store(x * r)) (Qwen3), WEIGHT store((x * r) * w) (Gemma 4, OLMo-2),
   ONE_PLUS_WEIGHT store((x * r) * (1 + w)) (Gemma 2/3, Qwen3.5), UNIT store(x * r) (Llama 4). */
typedef enum cope_qk_norm_kind {
  COPE_NORM_NONE = 0,
  COPE_NORM_WEIGHT_AFTER_CAST = 1,
  COPE_NORM_WEIGHT = 2,
  COPE_NORM_ONE_PLUS_WEIGHT = 3,
  COPE_NORM_UNIT = 4,
  COPE_QK_NORM_KIND_FORCE_INT32 = INT32_MIN
} cope_qk_norm_kind;
typedef enum cope_qk_norm_span {
  COPE_NORM_SPAN_HEAD = 0,  /* one r per head row (weights: head_dim values) */
  COPE_NORM_SPAN_TOKEN = 1, /* one r per token over all its heads (weights: heads * head_dim; OLMo-2) */
  COPE_QK_NORM_SPAN_FORCE_INT32 = INT32_MIN
} cope_qk_norm_span;
typedef enum cope_qk_norm_order {
  COPE_NORM_BEFORE_ROPE = 0,
  COPE_NORM_AFTER_ROPE = 1, /* Llama 4 */
  COPE_QK_NORM_ORDER_FORCE_INT32 = INT32_MIN
} cope_qk_norm_order;

typedef struct cope_qk_norm {
  cope_qk_norm_kind kind;
  float eps;
  const float* q_weight; /* float32 weights; NULL for COPE_NORM_UNIT */
  const float* k_weight;
  cope_qk_norm_span span;
  cope_qk_norm_order order;
} cope_qk_norm;

/* q and k normalized and rotated in one pass: cope_apply_rope's args, and the norm. */
COPE_C_API cope_status cope_apply_qk_norm_rope(const cope_spectrum* s, const cope_rope_args* args,
                                               const cope_qk_norm* norm, cope_error* err);
COPE_C_API cope_status cope_apply_qk_norm_rope_table(const cope_table_view* t, const cope_rope_args* args,
                                                     const cope_qk_norm* norm, cope_error* err);
COPE_C_API void cope_apply_qk_norm_rope_unchecked(const cope_spectrum* s, const cope_rope_args* args,
                                                  const cope_qk_norm* norm);
COPE_C_API void cope_apply_qk_norm_rope_table_unchecked(const cope_table_view* t, const cope_rope_args* args,
                                                        const cope_qk_norm* norm);

/* ---- RoPE + KV-cache append (cope/fused.hpp) --------------------------------------------------- */

typedef enum cope_cache_type {
  COPE_CACHE_F32 = 0,
  COPE_CACHE_F16 = 1,
  COPE_CACHE_BF16 = 2,
  COPE_CACHE_Q8_0 = 3, /* llama.cpp's block_q8_0: a float16 scale then 32 int8 (34 bytes per 32 values) */
  COPE_CACHE_TYPE_FORCE_INT32 = INT32_MIN
} cope_cache_type;
typedef enum cope_kv_layout {
  COPE_KV_NHD = 0, /* a page is [page_size, kv_heads, head_dim] */
  COPE_KV_HND = 1, /* a page is [kv_heads, page_size, head_dim] */
  COPE_KV_LAYOUT_FORCE_INT32 = INT32_MIN
} cope_kv_layout;

/* pages of page_size slots; slot s is row s % page_size of page s / page_size. A contiguous cache
   [max_tokens, kv_heads, head_dim] is one NHD page of max_tokens slots. */
typedef struct cope_kv_cache {
  void* k;
  void* v; /* NULL: no values */
  cope_cache_type type;
  cope_kv_layout layout;
  size_t pages;
  size_t page_size;
  size_t kv_heads;
  size_t head_dim;
} cope_kv_cache;

/* q rotated (in place: q_out equal to q), k rotated into cache.k at slots[t], v copied into cache.v; a
   slot of -1 skips the token's k and v. slots NULL: each token goes to the slot of its position. */
typedef struct cope_append_args {
  cope_view q, q_out, k, v; /* v.data NULL: no values */
  cope_kv_cache cache;
  const void* slots;
  int slots_are_int64; /* 0: int32 slots */
  size_t slot_count;
  cope_positions positions;
  cope_layout layout;
  size_t rotary_offset;
  size_t token_begin;
  size_t token_end; /* 0: to the last token */
  const uint8_t* pair_axes;
  size_t pair_axes_count;
  const cope_qk_norm* norm; /* NULL: no norm */
} cope_append_args;

COPE_C_API cope_status cope_apply_rope_append(const cope_spectrum* s, const cope_append_args* args, cope_error* err);
COPE_C_API cope_status cope_apply_rope_append_table(const cope_table_view* t, const cope_append_args* args,
                                                    cope_error* err);
COPE_C_API void cope_apply_rope_append_unchecked(const cope_spectrum* s, const cope_append_args* args);
COPE_C_API void cope_apply_rope_append_table_unchecked(const cope_table_view* t, const cope_append_args* args);

/* ---- shifting cached keys ------------------------------------------------------------------ */

typedef enum cope_delta_kind {
  COPE_DELTA_CONSTANT = 0,      /* every token moves by delta (not delta + t) */
  COPE_DELTA_PER_TOKEN_I32 = 1, /* token t moves by deltas[t]; count deltas */
  COPE_DELTA_PER_TOKEN_I64 = 2,
  COPE_DELTA_KIND_FORCE_INT32 = INT32_MIN
} cope_delta_kind;

/* k rotated in place by delta * inv_freq, a pure rotation (no attention factor): keys rotated at p and
 * shifted by d equal keys rotated at p + d. Negative deltas allowed. */
typedef struct cope_shift_args {
  cope_view k;
  cope_delta_kind delta_kind;
  int64_t delta;
  const void* deltas;
  size_t count;
  cope_layout layout;
  size_t rotary_offset;
  size_t token_begin;
  size_t token_end; /* 0: to the last token */
  const uint8_t* pair_axes; /* multi-axis: identity pairs (COPE_NO_AXIS) are not moved; NULL: 1-D */
  size_t pair_axes_count;
} cope_shift_args;

COPE_C_API cope_status cope_shift_keys(const cope_spectrum* s, const cope_shift_args* args, cope_error* err);
COPE_C_API cope_status cope_shift_keys_table(const cope_table_view* t, const cope_shift_args* args, cope_error* err);
COPE_C_API void cope_shift_keys_unchecked(const cope_spectrum* s, const cope_shift_args* args);
COPE_C_API void cope_shift_keys_table_unchecked(const cope_table_view* t, const cope_shift_args* args);

#ifdef __cplusplus
}
#endif

#endif /* COPE_COPE_H */
