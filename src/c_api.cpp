// The C API (include/cope/cope.h) over the C++ API and cope::kernels: conversions of the C structs, the
// checks only C needs (enum values from integers), and errors turned into a code and a message. Every
// function catches what the C++ side may throw (allocation), so nothing crosses the C boundary.
#include "cope/cope.h"

#include "cope/cope.hpp"
#include "cope/fused.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <new>
#include <optional>
#include <string>

struct cope_spectrum {
  cope::spectrum value;
};
struct cope_table {
  cope::rope_table value;
};

namespace {

static_assert(static_cast<int>(cope::errc::invalid_argument) == COPE_INVALID_ARGUMENT &&
                  static_cast<int>(cope::errc::out_of_memory) == COPE_OUT_OF_MEMORY &&
                  static_cast<int>(cope::errc::invalid_axis_map) == COPE_INVALID_AXIS_MAP &&
                  static_cast<int>(cope::errc::invalid_config) == COPE_INVALID_CONFIG &&
                  static_cast<int>(cope::errc::invalid_gguf) == COPE_INVALID_GGUF &&
                  static_cast<int>(cope::errc::invalid_norm) == COPE_INVALID_NORM &&
                  static_cast<int>(cope::errc::invalid_cache) == COPE_INVALID_CACHE,
              "cope_status mirrors cope::errc");
static_assert(cope::axis_map::none == COPE_NO_AXIS, "COPE_NO_AXIS is axis_map::none");
static_assert(static_cast<int>(cope::qk_norm_kind::weight_after_cast) == COPE_NORM_WEIGHT_AFTER_CAST &&
                  static_cast<int>(cope::qk_norm_kind::unit) == COPE_NORM_UNIT &&
                  static_cast<int>(cope::qk_norm_span::token) == COPE_NORM_SPAN_TOKEN &&
                  static_cast<int>(cope::qk_norm_order::after_rope) == COPE_NORM_AFTER_ROPE,
              "cope_qk_norm mirrors cope::qk_norm");

cope_status report(cope_error* err, cope_status code, const std::string& message) {
  if (err != nullptr) {
    err->code = code;
    const std::size_t n = message.size() < COPE_ERROR_MESSAGE_SIZE - 1 ? message.size() : COPE_ERROR_MESSAGE_SIZE - 1;
    std::memcpy(err->message, message.data(), n);
    err->message[n] = '\0';
  }
  return code;
}

cope_status report(cope_error* err, const cope::status& st) {
  if (st.ok()) return report(err, COPE_OK, "");
  return report(err, static_cast<cope_status>(st.code()), st.message());
}

// Runs body (returning cope::status) with allocation failures reported, not thrown.
template <class Body>
cope_status guarded(cope_error* err, const char* where, Body&& body) {
  try {
    return report(err, body());
  } catch (const std::bad_alloc&) {
    // No allocation here: memory has just run out.
    if (err != nullptr) {
      err->code = COPE_OUT_OF_MEMORY;
      std::snprintf(err->message, COPE_ERROR_MESSAGE_SIZE, "%s: out of memory", where);
    }
    return COPE_OUT_OF_MEMORY;
  } catch (const std::exception& e) {  // nothing may leave an extern "C" function
    return report(err, COPE_INVALID_ARGUMENT, std::string(where) + ": " + e.what());
  }
}

cope::status null_argument(const char* where, const char* name) {
  return cope::status(cope::errc::null_data, std::string(where) + ": " + name + " is null");
}

std::optional<double> optional_number(double v) { return std::isnan(v) ? std::nullopt : std::optional<double>(v); }
std::optional<std::int64_t> optional_length(std::int64_t v) {
  return v == 0 ? std::nullopt : std::optional<std::int64_t>(v);
}

// An enum value from C is any int: each is checked before it is converted.
bool valid_dtype(cope_dtype t) { return t == COPE_F32 || t == COPE_F16 || t == COPE_BF16; }

cope::status check_enums(const char* where, const cope_view* views[], const char* const names[], std::size_t n,
                         cope_layout layout) {
  for (std::size_t i = 0; i < n; ++i)
    if (views[i]->data != nullptr && !valid_dtype(views[i]->type))
      return cope::status(cope::errc::invalid_view, std::string(where) + ": " + names[i] + ".type (" +
                                                        std::to_string(static_cast<int>(views[i]->type)) +
                                                        ") is not COPE_F32, COPE_F16 or COPE_BF16");
  if (layout != COPE_ROTATE_HALF && layout != COPE_INTERLEAVED)
    return cope::status(cope::errc::invalid_argument, std::string(where) + ": layout (" +
                                                          std::to_string(static_cast<int>(layout)) +
                                                          ") is not COPE_ROTATE_HALF or COPE_INTERLEAVED");
  return {};
}

cope::tensor_view to_cpp(const cope_view& v) {
  return {v.data, static_cast<cope::dtype>(v.type), v.tokens, v.heads, v.head_dim, v.token_stride, v.head_stride,
          v.capacity};
}

cope::table_view to_cpp(const cope_table_view& t) {
  return {t.data, t.positions, t.pairs, t.row_stride, t.attention_factor};
}

// C's position kinds in C++'s terms; an unknown one stays unknown (the checked layer rejects it).
cope::position_kind to_cpp(cope_position_kind k) {
  switch (k) {
    case COPE_POSITIONS_OFFSET: return cope::position_kind::offset;
    case COPE_POSITIONS_IDS_I32: return cope::position_kind::ids_i32;
    case COPE_POSITIONS_IDS_I64: return cope::position_kind::ids_i64;
    case COPE_POSITIONS_IDS_F32: return cope::position_kind::ids_f32;
    case COPE_POSITIONS_RAGGED_I32: return cope::position_kind::ragged_i32;
    case COPE_POSITIONS_RAGGED_I64: return cope::position_kind::ragged_i64;
    case COPE_POSITIONS_RAGGED_F32: return cope::position_kind::ragged_f32;
    case COPE_POSITIONS_MULTI_AXIS_I32: return cope::position_kind::multi_axis_i32;
    case COPE_POSITIONS_MULTI_AXIS_I64: return cope::position_kind::multi_axis_i64;
    case COPE_POSITIONS_MULTI_AXIS_F32: return cope::position_kind::multi_axis_f32;
    default: break;
  }
  return static_cast<cope::position_kind>(-1);
}

// The call's map from C's list: checked (null with a count, its entries) by the checked forms; the
// unchecked forms take it as given (their caller guarantees it).
cope::status map_of(const char* where, const uint8_t* axes, size_t count, cope::axis_map& out, bool& present) {
  present = axes != nullptr || count != 0;
  if (!present) return {};
  if (axes == nullptr) return null_argument(where, "pair_axes");
  cope::result<cope::axis_map> m = cope::axis_map::try_from_axes(axes, count);
  if (!m) return cope::status(m.error().code(), std::string(where) + ": pair_axes: " + m.error().message());
  out = *m;
  return {};
}

cope::positions to_cpp(const cope_positions& p) {
  cope::positions r;
  r.kind = to_cpp(p.kind);
  r.axes = p.axes;
  r.axis_stride = p.axis_stride;
  r.token_stride = p.token_stride;
  r.start = p.start;
  r.ids = p.ids;
  r.count = p.count;
  r.indptr = p.indptr;
  r.request_offsets = p.request_offsets;
  r.requests = p.requests;
  return r;
}

cope::rope_args to_cpp(const cope_rope_args& a) {
  cope::rope_args r;
  r.q = to_cpp(a.q);
  r.q_out = to_cpp(a.q_out);
  r.k = to_cpp(a.k);
  r.k_out = to_cpp(a.k_out);
  r.pos = to_cpp(a.positions);
  r.pairing = a.layout == COPE_INTERLEAVED ? cope::layout::interleaved : cope::layout::rotate_half;
  r.dir = a.direction == COPE_INVERSE ? cope::direction::inverse : cope::direction::forward;
  r.rotary_offset = a.rotary_offset;
  r.token_begin = a.token_begin;
  r.token_end = a.token_end == 0 ? cope::all_tokens : a.token_end;
  return r;
}

cope::shift_args to_cpp(const cope_shift_args& a) {
  cope::shift_args r;
  r.k = to_cpp(a.k);
  r.delta.kind = static_cast<cope::delta_kind>(a.delta_kind);
  r.delta.value = a.delta;
  r.delta.deltas = a.deltas;
  r.delta.count = a.count;
  r.pairing = a.layout == COPE_INTERLEAVED ? cope::layout::interleaved : cope::layout::rotate_half;
  r.rotary_offset = a.rotary_offset;
  r.token_begin = a.token_begin;
  r.token_end = a.token_end == 0 ? cope::all_tokens : a.token_end;
  return r;
}

cope::qk_norm to_cpp(const cope_qk_norm& n) {
  return {static_cast<cope::qk_norm_kind>(n.kind), n.eps, n.q_weight, n.k_weight, static_cast<cope::qk_norm_span>(n.span),
          static_cast<cope::qk_norm_order>(n.order)};
}

cope::status check_args(const char* where, const cope_rope_args* a) {
  if (a == nullptr) return null_argument(where, "args");
  const cope_view* views[] = {&a->q, &a->q_out, &a->k, &a->k_out};
  const char* const names[] = {"q", "q_out", "k", "k_out"};
  if (auto st = check_enums(where, views, names, 4, a->layout); !st) return st;
  if (a->direction != COPE_FORWARD && a->direction != COPE_INVERSE)
    return cope::status(cope::errc::invalid_argument, std::string(where) + ": direction (" +
                                                          std::to_string(static_cast<int>(a->direction)) +
                                                          ") is not COPE_FORWARD or COPE_INVERSE");
  return {};
}

cope::append_args to_cpp(const cope_append_args& a) {
  cope::append_args r;
  r.q = to_cpp(a.q);
  r.q_out = to_cpp(a.q_out);
  r.k = to_cpp(a.k);
  r.v = to_cpp(a.v);
  r.cache = {a.cache.k, a.cache.v, static_cast<cope::cache_type>(a.cache.type), static_cast<cope::kv_layout>(a.cache.layout),
             a.cache.pages, a.cache.page_size, a.cache.kv_heads, a.cache.head_dim};
  r.slots = {a.slots, a.slots_are_int64 != 0, a.slot_count};
  r.pos = to_cpp(a.positions);
  r.pairing = a.layout == COPE_INTERLEAVED ? cope::layout::interleaved : cope::layout::rotate_half;
  r.rotary_offset = a.rotary_offset;
  r.token_begin = a.token_begin;
  r.token_end = a.token_end == 0 ? cope::all_tokens : a.token_end;
  return r;
}

// The append's norm: converted where given (args->norm), held for the call.
template <class Call>
cope::status with_norm(const cope_append_args* args, cope::append_args& r, const Call& call) {
  cope::qk_norm norm;
  if (args->norm != nullptr) {
    norm = to_cpp(*args->norm);
    r.norm = &norm;
  }
  return call(r);
}

cope::status check_args(const char* where, const cope_append_args* a) {
  if (a == nullptr) return null_argument(where, "args");
  const cope_view* views[] = {&a->q, &a->q_out, &a->k, &a->v};
  const char* const names[] = {"q", "q_out", "k", "v"};
  return check_enums(where, views, names, 4, a->layout);
}

cope::status check_args(const char* where, const cope_shift_args* a) {
  if (a == nullptr) return null_argument(where, "args");
  const cope_view* views[] = {&a->k};
  const char* const names[] = {"k"};
  return check_enums(where, views, names, 1, a->layout);
}

// Every apply / shift entry point: the C checks, the map (when given), then the C++ call on the args.
template <class Args, class Call>
cope_status checked_call(cope_error* err, const char* where, const Args* args, const void* source,
                         const char* source_name, const Call& call) {
  return guarded(err, where, [&]() -> cope::status {
    if (source == nullptr) return null_argument(where, source_name);
    if (auto st = check_args(where, args); !st) return st;
    auto r = to_cpp(*args);
    cope::axis_map map;
    bool has_map = false;
    if (auto st = map_of(where, args->pair_axes, args->pair_axes_count, map, has_map); !st) return st;
    if (has_map) r.pair_axes = &map;
    return call(r);
  });
}

template <class Args, class Call>
void unchecked_call(const Args* args, const Call& call) {
  auto r = to_cpp(*args);
  cope::axis_map map;
  if (args->pair_axes != nullptr) {
    cope::result<cope::axis_map> m = cope::axis_map::try_from_axes(args->pair_axes, args->pair_axes_count);
    if (m) map = *m;
    r.pair_axes = &map;
  }
  call(r);
}

}  // namespace

extern "C" {

const char* cope_status_name(cope_status code) {
  if (code < COPE_OK || code > COPE_INVALID_CACHE) return "unknown";
  return cope::to_string(static_cast<cope::errc>(code));
}

#define COPE_TEXT(x) #x
#define COPE_VERSION_TEXT(major, minor, patch) COPE_TEXT(major) "." COPE_TEXT(minor) "." COPE_TEXT(patch)
const char* cope_version(void) {
  return COPE_VERSION_TEXT(COPE_VERSION_MAJOR, COPE_VERSION_MINOR, COPE_VERSION_PATCH);  // config.hpp's
}

const char* cope_active_isa(void) { return cope::active_isa(); }

void cope_rope_parameters_init(cope_rope_parameters* p) {
  if (p == nullptr) return;
  *p = cope_rope_parameters{};
  p->rope_type = "default";
  p->rope_theta = 10000.0;
  p->partial_rotary_factor = 1.0;
  p->factor = p->attention_factor = p->beta_fast = p->beta_slow = p->mscale = p->mscale_all_dim = NAN;
  p->low_freq_factor = p->high_freq_factor = p->alpha = p->mixed_b = NAN;
  p->truncate = -1;
}

cope_status cope_spectrum_create(const cope_rope_parameters* p, int head_dim, cope_spectrum** out, cope_error* err) {
  const char* where = "cope_spectrum_create";
  return guarded(err, where, [&]() -> cope::status {
    if (p == nullptr) return null_argument(where, "p");
    if (out == nullptr) return null_argument(where, "out");
    if ((p->short_factor == nullptr && p->short_factor_count != 0) ||
        (p->long_factor == nullptr && p->long_factor_count != 0))
      return null_argument(where, p->short_factor == nullptr ? "short_factor" : "long_factor");
    cope::rope_parameters r;
    r.rope_type = p->rope_type == nullptr ? "default" : p->rope_type;
    r.rope_theta = p->rope_theta;
    r.partial_rotary_factor = p->partial_rotary_factor;
    r.factor = optional_number(p->factor);
    r.original_max_position_embeddings = optional_length(p->original_max_position_embeddings);
    r.attention_factor = optional_number(p->attention_factor);
    r.beta_fast = optional_number(p->beta_fast);
    r.beta_slow = optional_number(p->beta_slow);
    r.mscale = optional_number(p->mscale);
    r.mscale_all_dim = optional_number(p->mscale_all_dim);
    if (p->truncate >= 0) r.truncate = p->truncate != 0;
    r.low_freq_factor = optional_number(p->low_freq_factor);
    r.high_freq_factor = optional_number(p->high_freq_factor);
    r.short_factor.assign(p->short_factor, p->short_factor + p->short_factor_count);
    r.long_factor.assign(p->long_factor, p->long_factor + p->long_factor_count);
    r.alpha = optional_number(p->alpha);
    r.mixed_b = optional_number(p->mixed_b);
    cope::result<cope::spectrum> s = cope::try_make_spectrum(r, head_dim, optional_length(p->max_position_embeddings),
                                                             optional_length(p->seq_len));
    if (!s) return s.error();
    *out = new cope_spectrum{std::move(s).value()};
    return {};
  });
}

cope_status cope_spectrum_clip(const cope_spectrum* s, cope_clip_kind kind, int n, cope_spectrum** out,
                               cope_error* err) {
  const char* where = "cope_spectrum_clip";
  return guarded(err, where, [&]() -> cope::status {
    if (s == nullptr) return null_argument(where, "s");
    if (out == nullptr) return null_argument(where, "out");
    if (kind != COPE_CLIP_COPE && kind != COPE_CLIP_HARD)
      return cope::status(cope::errc::invalid_clip, std::string(where) + ": kind (" +
                                                        std::to_string(static_cast<int>(kind)) +
                                                        ") is not COPE_CLIP_COPE or COPE_CLIP_HARD");
    cope::result<cope::spectrum> c =
        kind == COPE_CLIP_COPE ? cope::try_cope_clip(s->value, n) : cope::try_hard_clip(s->value, n);
    if (!c) return c.error();
    *out = new cope_spectrum{std::move(c).value()};
    return {};
  });
}

cope_status cope_ood_clip_count(const cope_spectrum* s, double training_length, int* out, cope_error* err) {
  const char* where = "cope_ood_clip_count";
  return guarded(err, where, [&]() -> cope::status {
    if (s == nullptr) return null_argument(where, "s");
    if (out == nullptr) return null_argument(where, "out");
    cope::result<int> n = cope::try_ood_clip_count(s->value, training_length);
    if (!n) return n.error();
    *out = *n;
    return {};
  });
}

void cope_spectrum_destroy(cope_spectrum* s) { delete s; }
int cope_spectrum_head_dim(const cope_spectrum* s) { return s->value.head_dim; }
int cope_spectrum_rotary_dim(const cope_spectrum* s) { return s->value.rotary_dim; }
size_t cope_spectrum_pairs(const cope_spectrum* s) { return s->value.inv_freq.size(); }
const float* cope_spectrum_inv_freq(const cope_spectrum* s) { return s->value.inv_freq.data(); }
double cope_spectrum_attention_factor(const cope_spectrum* s) { return s->value.attention_factor; }
int cope_spectrum_clip_onset(const cope_spectrum* s) { return s->value.clip_onset(); }

cope_status cope_table_create(const cope_spectrum* s, int64_t positions, cope_table** out, cope_error* err) {
  const char* where = "cope_table_create";
  return guarded(err, where, [&]() -> cope::status {
    if (s == nullptr) return null_argument(where, "s");
    if (out == nullptr) return null_argument(where, "out");
    cope::result<cope::rope_table> t = cope::try_make_table(s->value, positions);
    if (!t) return t.error();
    *out = new cope_table{std::move(t).value()};
    return {};
  });
}

cope_table_view cope_table_get_view(const cope_table* t) {
  const cope::table_view v = t->value.view();
  return {v.data, v.positions, v.pairs, v.row_stride, v.attention_factor};
}

void cope_table_destroy(cope_table* t) { delete t; }

cope_status cope_fill_table(const cope_spectrum* s, int64_t first, int64_t count, float* out, ptrdiff_t row_stride,
                            cope_error* err) {
  const char* where = "cope_fill_table";
  return guarded(err, where, [&]() -> cope::status {
    if (s == nullptr) return null_argument(where, "s");
    return cope::try_fill_table(s->value, first, count, out, row_stride);
  });
}

cope_view cope_make_view(void* data, cope_dtype type, size_t tokens, size_t heads, size_t head_dim) {
  return {data,
          type,
          tokens,
          heads,
          head_dim,
          static_cast<ptrdiff_t>(heads * head_dim),
          static_cast<ptrdiff_t>(head_dim),
          tokens * heads * head_dim};
}

cope_status cope_apply_rope(const cope_spectrum* s, const cope_rope_args* args, cope_error* err) {
  return checked_call(err, "cope_apply_rope", args, s, "s",
                      [&](const cope::rope_args& r) { return cope::try_apply_rope(s->value, r); });
}

cope_status cope_apply_rope_table(const cope_table_view* t, const cope_rope_args* args, cope_error* err) {
  return checked_call(err, "cope_apply_rope_table", args, t, "t",
                      [&](const cope::rope_args& r) { return cope::try_apply_rope(to_cpp(*t), r); });
}

void cope_apply_rope_unchecked(const cope_spectrum* s, const cope_rope_args* args) {
  unchecked_call(args, [&](const cope::rope_args& r) { cope::apply_rope_unchecked(s->value, r); });
}

void cope_apply_rope_table_unchecked(const cope_table_view* t, const cope_rope_args* args) {
  unchecked_call(args, [&](const cope::rope_args& r) { cope::apply_rope_unchecked(to_cpp(*t), r); });
}

cope_status cope_apply_qk_norm_rope(const cope_spectrum* s, const cope_rope_args* args, const cope_qk_norm* norm,
                                    cope_error* err) {
  const char* where = "cope_apply_qk_norm_rope";
  return checked_call(err, where, args, s, "s", [&](const cope::rope_args& r) -> cope::status {
    if (norm == nullptr) return null_argument(where, "norm");
    return cope::try_apply_qk_norm_rope(s->value, r, to_cpp(*norm));
  });
}

cope_status cope_apply_qk_norm_rope_table(const cope_table_view* t, const cope_rope_args* args,
                                          const cope_qk_norm* norm, cope_error* err) {
  const char* where = "cope_apply_qk_norm_rope_table";
  return checked_call(err, where, args, t, "t", [&](const cope::rope_args& r) -> cope::status {
    if (norm == nullptr) return null_argument(where, "norm");
    return cope::try_apply_qk_norm_rope(to_cpp(*t), r, to_cpp(*norm));
  });
}

void cope_apply_qk_norm_rope_unchecked(const cope_spectrum* s, const cope_rope_args* args, const cope_qk_norm* norm) {
  unchecked_call(args, [&](const cope::rope_args& r) { cope::apply_qk_norm_rope_unchecked(s->value, r, to_cpp(*norm)); });
}

void cope_apply_qk_norm_rope_table_unchecked(const cope_table_view* t, const cope_rope_args* args,
                                             const cope_qk_norm* norm) {
  unchecked_call(args, [&](const cope::rope_args& r) { cope::apply_qk_norm_rope_unchecked(to_cpp(*t), r, to_cpp(*norm)); });
}

cope_status cope_apply_rope_append(const cope_spectrum* s, const cope_append_args* args, cope_error* err) {
  return checked_call(err, "cope_apply_rope_append", args, s, "s", [&](cope::append_args r) {
    return with_norm(args, r, [&](const cope::append_args& x) { return cope::try_apply_rope_append(s->value, x); });
  });
}

cope_status cope_apply_rope_append_table(const cope_table_view* t, const cope_append_args* args, cope_error* err) {
  return checked_call(err, "cope_apply_rope_append_table", args, t, "t", [&](cope::append_args r) {
    return with_norm(args, r, [&](const cope::append_args& x) { return cope::try_apply_rope_append(to_cpp(*t), x); });
  });
}

void cope_apply_rope_append_unchecked(const cope_spectrum* s, const cope_append_args* args) {
  unchecked_call(args, [&](cope::append_args r) {
    static_cast<void>(with_norm(args, r, [&](const cope::append_args& x) {
      cope::apply_rope_append_unchecked(s->value, x);
      return cope::status();
    }));
  });
}

void cope_apply_rope_append_table_unchecked(const cope_table_view* t, const cope_append_args* args) {
  unchecked_call(args, [&](cope::append_args r) {
    static_cast<void>(with_norm(args, r, [&](const cope::append_args& x) {
      cope::apply_rope_append_unchecked(to_cpp(*t), x);
      return cope::status();
    }));
  });
}

cope_status cope_shift_keys(const cope_spectrum* s, const cope_shift_args* args, cope_error* err) {
  return checked_call(err, "cope_shift_keys", args, s, "s",
                      [&](const cope::shift_args& r) { return cope::try_shift_keys(s->value, r); });
}

cope_status cope_shift_keys_table(const cope_table_view* t, const cope_shift_args* args, cope_error* err) {
  return checked_call(err, "cope_shift_keys_table", args, t, "t",
                      [&](const cope::shift_args& r) { return cope::try_shift_keys(to_cpp(*t), r); });
}

void cope_shift_keys_unchecked(const cope_spectrum* s, const cope_shift_args* args) {
  unchecked_call(args, [&](const cope::shift_args& r) { cope::shift_keys_unchecked(s->value, r); });
}

void cope_shift_keys_table_unchecked(const cope_table_view* t, const cope_shift_args* args) {
  unchecked_call(args, [&](const cope::shift_args& r) { cope::shift_keys_unchecked(to_cpp(*t), r); });
}

cope_status cope_axis_map(cope_axis_map_kind kind, const int* sections, size_t section_count, uint8_t* out,
                          size_t capacity, size_t* pairs, cope_error* err) {
  const char* where = "cope_axis_map";
  return guarded(err, where, [&]() -> cope::status {
    if (out == nullptr) return null_argument(where, "out");
    if (pairs == nullptr) return null_argument(where, "pairs");
    if (sections == nullptr) return null_argument(where, "sections");
    cope::result<cope::axis_map> m = cope::status(
        cope::errc::invalid_axis_map, std::string(where) + ": kind (" + std::to_string(static_cast<int>(kind)) +
                                          ") is not COPE_AXES_SECTIONED, _INTERLEAVED, _ERNIE or _HOPE");
    switch (kind) {
      case COPE_AXES_SECTIONED: m = cope::axis_map::try_sectioned(sections, section_count); break;
      case COPE_AXES_INTERLEAVED: m = cope::axis_map::try_interleaved(sections, section_count); break;
      case COPE_AXES_HOPE: m = cope::axis_map::try_hope(sections, section_count); break;
      case COPE_AXES_ERNIE: {
        if (section_count != 3 || sections[0] < 0 || sections[1] < 0 || sections[2] < 0 || sections[0] != sections[1])
          return cope::status(cope::errc::invalid_axis_map,
                              std::string(where) + ": ERNIE's sections are [h, w, t] with h == w, all >= 0");
        m = cope::axis_map::try_ernie(static_cast<std::size_t>(sections[0]) + static_cast<std::size_t>(sections[1]) +
                                          static_cast<std::size_t>(sections[2]),
                                      static_cast<std::size_t>(sections[2]));
        break;
      }
      default: break;
    }
    if (!m) return m.error();
    if (m->pairs() > capacity)
      return cope::status(cope::errc::invalid_argument, std::string(where) + ": the map has " +
                                                            std::to_string(m->pairs()) + " pairs but out holds " +
                                                            std::to_string(capacity));
    std::memcpy(out, m->data(), m->pairs());
    *pairs = m->pairs();
    return {};
  });
}

}  // extern "C"
