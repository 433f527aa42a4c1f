// cope — where each token sits (design §3): a start offset, per-token position ids (int32, int64 or
// float32), a ragged batch (indptr plus one offset per request, as FlashInfer and vLLM pass them), or
// multi-axis positions (M-RoPE: K streams such as t / h / w, one position per token on each; which
// stream each rotary pair reads is an axis_map, axis_map.hpp). Also: how far cached keys move
// (position_delta, for shift_keys).
//
// Float32 positions (HoPE's temporal scaling makes them fractional) keep angles exact: a float32
// position times a float32 inv_freq is exact in double (24 + 24 significant bits).
#pragma once

#include <cstddef>
#include <cstdint>

namespace cope {

enum class position_kind {
  offset,
  ids_i32,
  ids_i64,
  ids_f32,
  ragged_i32,
  ragged_i64,
  ragged_f32,  // int32 indptr, float32 request offsets
  multi_axis_i32,
  multi_axis_i64,
  multi_axis_f32,
};

// The most position streams a multi-axis call takes (t, h, w and XD-RoPE's fourth).
inline constexpr std::size_t max_axes = 4;

struct positions {
  position_kind kind = position_kind::offset;
  std::int64_t start = 0;        // offset: token t is at start + t
  const void* ids = nullptr;     // ids: token t is at ids[t]; `count` ids
  std::size_t count = 0;
  const void* indptr = nullptr;  // ragged: request r owns tokens [indptr[r], indptr[r + 1]) ...
  const void* request_offsets = nullptr;  // ... at positions request_offsets[r] + 0, 1, ...
  std::size_t requests = 0;
  // multi_axis: token t's position on axis a is ids[a * axis_stride + t * token_stride] (elements),
  // `count` tokens, `axes` streams.
  std::size_t axes = 0;
  std::ptrdiff_t axis_stride = 0;
  std::ptrdiff_t token_stride = 0;

  static positions from_offset(std::int64_t start_position) {
    positions p;
    p.start = start_position;
    return p;
  }
  static positions from_ids(const std::int32_t* position_ids, std::size_t n) {
    return ids_of(position_kind::ids_i32, position_ids, n);
  }
  static positions from_ids(const std::int64_t* position_ids, std::size_t n) {
    return ids_of(position_kind::ids_i64, position_ids, n);
  }
  static positions from_ids(const float* position_ids, std::size_t n) {
    return ids_of(position_kind::ids_f32, position_ids, n);
  }
  // indptr has n_requests + 1 entries, starting at 0 and ending at the number of tokens.
  static positions ragged(const std::int32_t* indptr, const std::int32_t* offsets, std::size_t n_requests) {
    return ragged_of(position_kind::ragged_i32, indptr, offsets, n_requests);
  }
  static positions ragged(const std::int64_t* indptr, const std::int64_t* offsets, std::size_t n_requests) {
    return ragged_of(position_kind::ragged_i64, indptr, offsets, n_requests);
  }
  // Fractional request offsets: request r's tokens sit at offsets[r] + 0, 1, ...
  static positions ragged(const std::int32_t* indptr, const float* offsets, std::size_t n_requests) {
    return ragged_of(position_kind::ragged_f32, indptr, offsets, n_requests);
  }

  // Multi-axis, axis-major [axes][tokens] as vLLM's [3, T] and ggml's position tensor: token t's
  // position on axis a is ids[a * tokens + t].
  static positions multi_axis(const std::int32_t* ids, std::size_t axes, std::size_t tokens) {
    return multi_axis(ids, axes, tokens, static_cast<std::ptrdiff_t>(tokens), 1);
  }
  static positions multi_axis(const std::int64_t* ids, std::size_t axes, std::size_t tokens) {
    return multi_axis(ids, axes, tokens, static_cast<std::ptrdiff_t>(tokens), 1);
  }
  static positions multi_axis(const float* ids, std::size_t axes, std::size_t tokens) {
    return multi_axis(ids, axes, tokens, static_cast<std::ptrdiff_t>(tokens), 1);
  }
  // Any strides (elements): a [tokens][axes] buffer is axis_stride 1, token_stride axes.
  static positions multi_axis(const std::int32_t* ids, std::size_t axes, std::size_t tokens,
                              std::ptrdiff_t axis_stride, std::ptrdiff_t token_stride) {
    return multi_axis_of(position_kind::multi_axis_i32, ids, axes, tokens, axis_stride, token_stride);
  }
  static positions multi_axis(const std::int64_t* ids, std::size_t axes, std::size_t tokens,
                              std::ptrdiff_t axis_stride, std::ptrdiff_t token_stride) {
    return multi_axis_of(position_kind::multi_axis_i64, ids, axes, tokens, axis_stride, token_stride);
  }
  static positions multi_axis(const float* ids, std::size_t axes, std::size_t tokens, std::ptrdiff_t axis_stride,
                              std::ptrdiff_t token_stride) {
    return multi_axis_of(position_kind::multi_axis_f32, ids, axes, tokens, axis_stride, token_stride);
  }

  bool is_multi_axis() const noexcept {
    return kind == position_kind::multi_axis_i32 || kind == position_kind::multi_axis_i64 ||
           kind == position_kind::multi_axis_f32;
  }

 private:
  static positions ids_of(position_kind kind, const void* ids, std::size_t n) {
    positions p;
    p.kind = kind;
    p.ids = ids;
    p.count = n;
    return p;
  }
  static positions ragged_of(position_kind kind, const void* indptr, const void* offsets, std::size_t n_requests) {
    positions p;
    p.kind = kind;
    p.indptr = indptr;
    p.request_offsets = offsets;
    p.requests = n_requests;
    return p;
  }
  static positions multi_axis_of(position_kind kind, const void* ids, std::size_t axes, std::size_t tokens,
                                 std::ptrdiff_t axis_stride, std::ptrdiff_t token_stride) {
    positions p;
    p.kind = kind;
    p.ids = ids;
    p.count = tokens;
    p.axes = axes;
    p.axis_stride = axis_stride;
    p.token_stride = token_stride;
    return p;
  }
};

enum class delta_kind { constant, per_token_i32, per_token_i64 };

// How far each cached key moves (shift_keys): one delta for every token, or one per token; negative
// deltas move keys back (context shift after evicting tokens). Unlike positions::from_offset, a
// constant delta does not grow with the token index.
struct position_delta {
  delta_kind kind = delta_kind::constant;
  std::int64_t value = 0;        // constant: every token moves by value
  const void* deltas = nullptr;  // per token: token t moves by deltas[t]; `count` deltas
  std::size_t count = 0;

  static position_delta constant(std::int64_t delta) {
    position_delta d;
    d.value = delta;
    return d;
  }
  static position_delta per_token(const std::int32_t* deltas, std::size_t n) {
    position_delta d;
    d.kind = delta_kind::per_token_i32;
    d.deltas = deltas;
    d.count = n;
    return d;
  }
  static position_delta per_token(const std::int64_t* deltas, std::size_t n) {
    position_delta d;
    d.kind = delta_kind::per_token_i64;
    d.deltas = deltas;
    d.count = n;
    return d;
  }
};

}  // namespace cope
