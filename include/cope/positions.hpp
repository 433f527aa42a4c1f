// cope — where each token sits (design §3): a start offset, per-token position ids (int32 or int64),
// or a ragged batch (indptr plus one offset per request, as FlashInfer and vLLM pass them).
// Multi-axis positions (M-RoPE sections) will be another kind. Also: how far cached keys move
// (position_delta, for shift_keys).
#pragma once

#include <cstddef>
#include <cstdint>

namespace cope {

enum class position_kind { offset, ids_i32, ids_i64, ragged_i32, ragged_i64 };

struct positions {
  position_kind kind = position_kind::offset;
  std::int64_t start = 0;        // offset: token t is at start + t
  const void* ids = nullptr;     // ids: token t is at ids[t]; `count` ids
  std::size_t count = 0;
  const void* indptr = nullptr;  // ragged: request r owns tokens [indptr[r], indptr[r + 1]) ...
  const void* request_offsets = nullptr;  // ... at positions request_offsets[r] + 0, 1, ...
  std::size_t requests = 0;

  static positions from_offset(std::int64_t start_position) {
    positions p;
    p.start = start_position;
    return p;
  }
  static positions from_ids(const std::int32_t* position_ids, std::size_t n) {
    positions p;
    p.kind = position_kind::ids_i32;
    p.ids = position_ids;
    p.count = n;
    return p;
  }
  static positions from_ids(const std::int64_t* position_ids, std::size_t n) {
    positions p;
    p.kind = position_kind::ids_i64;
    p.ids = position_ids;
    p.count = n;
    return p;
  }
  // indptr has n_requests + 1 entries, starting at 0 and ending at the number of tokens.
  static positions ragged(const std::int32_t* indptr, const std::int32_t* offsets, std::size_t n_requests) {
    positions p;
    p.kind = position_kind::ragged_i32;
    p.indptr = indptr;
    p.request_offsets = offsets;
    p.requests = n_requests;
    return p;
  }
  static positions ragged(const std::int64_t* indptr, const std::int64_t* offsets, std::size_t n_requests) {
    positions p;
    p.kind = position_kind::ragged_i64;
    p.indptr = indptr;
    p.request_offsets = offsets;
    p.requests = n_requests;
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
