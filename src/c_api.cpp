// The C API (include/cope/cope.h) over the C++ API and cope::kernels: conversions of the C structs, the
// checks only C needs (enum values from integers), and errors turned into a code and a message. Every
// function catches what the C++ side may throw (allocation), so nothing crosses the C boundary.
#include "cope/cope.h"

#include "cope/cope.hpp"

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
                  static_cast<int>(cope::errc::out_of_memory) == COPE_OUT_OF_MEMORY,
              "cope_status mirrors cope::errc");

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

cope::rope_args to_cpp(const cope_rope_args& a) {
  cope::rope_args r;
  r.q = to_cpp(a.q);
  r.q_out = to_cpp(a.q_out);
  r.k = to_cpp(a.k);
  r.k_out = to_cpp(a.k_out);
  const cope_positions& p = a.positions;
  r.pos.kind = static_cast<cope::position_kind>(p.kind);
  r.pos.start = p.start;
  r.pos.ids = p.ids;
  r.pos.count = p.count;
  r.pos.indptr = p.indptr;
  r.pos.request_offsets = p.request_offsets;
  r.pos.requests = p.requests;
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

cope::status check_rope_args(const char* where, const cope_rope_args* a) {
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

cope::status check_shift_args(const char* where, const cope_shift_args* a) {
  if (a == nullptr) return null_argument(where, "args");
  const cope_view* views[] = {&a->k};
  const char* const names[] = {"k"};
  return check_enums(where, views, names, 1, a->layout);
}

}  // namespace

extern "C" {

const char* cope_status_name(cope_status code) {
  if (code < COPE_OK || code > COPE_OUT_OF_MEMORY) return "unknown";
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
  p->low_freq_factor = p->high_freq_factor = NAN;
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
  const char* where = "cope_apply_rope";
  return guarded(err, where, [&]() -> cope::status {
    if (s == nullptr) return null_argument(where, "s");
    if (auto st = check_rope_args(where, args); !st) return st;
    return cope::try_apply_rope(s->value, to_cpp(*args));
  });
}

cope_status cope_apply_rope_table(const cope_table_view* t, const cope_rope_args* args, cope_error* err) {
  const char* where = "cope_apply_rope_table";
  return guarded(err, where, [&]() -> cope::status {
    if (t == nullptr) return null_argument(where, "t");
    if (auto st = check_rope_args(where, args); !st) return st;
    return cope::try_apply_rope(to_cpp(*t), to_cpp(*args));
  });
}

void cope_apply_rope_unchecked(const cope_spectrum* s, const cope_rope_args* args) {
  cope::apply_rope_unchecked(s->value, to_cpp(*args));
}

void cope_apply_rope_table_unchecked(const cope_table_view* t, const cope_rope_args* args) {
  cope::apply_rope_unchecked(to_cpp(*t), to_cpp(*args));
}

cope_status cope_shift_keys(const cope_spectrum* s, const cope_shift_args* args, cope_error* err) {
  const char* where = "cope_shift_keys";
  return guarded(err, where, [&]() -> cope::status {
    if (s == nullptr) return null_argument(where, "s");
    if (auto st = check_shift_args(where, args); !st) return st;
    return cope::try_shift_keys(s->value, to_cpp(*args));
  });
}

cope_status cope_shift_keys_table(const cope_table_view* t, const cope_shift_args* args, cope_error* err) {
  const char* where = "cope_shift_keys_table";
  return guarded(err, where, [&]() -> cope::status {
    if (t == nullptr) return null_argument(where, "t");
    if (auto st = check_shift_args(where, args); !st) return st;
    return cope::try_shift_keys(to_cpp(*t), to_cpp(*args));
  });
}

void cope_shift_keys_unchecked(const cope_spectrum* s, const cope_shift_args* args) {
  cope::shift_keys_unchecked(s->value, to_cpp(*args));
}

void cope_shift_keys_table_unchecked(const cope_table_view* t, const cope_shift_args* args) {
  cope::shift_keys_unchecked(to_cpp(*t), to_cpp(*args));
}

}  // extern "C"
