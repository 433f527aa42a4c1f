// cope — error reporting (design §7): every checked entry point validates its input and reports a
// specific message naming the parameter, its value and the rule. Nothing is written on error.
//
// Two channels, chosen by the includer:
//   * try_xxx(...) never throws; it returns cope::status (or cope::result<T>) — always available.
//   * xxx(...) throws cope::error with the same code and message — only when COPE_EXCEPTIONS is 1.
#pragma once

#include "config.hpp"

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

#if COPE_EXCEPTIONS
#include <stdexcept>
#endif

namespace cope {

// What kind of rule the input broke. The message says which parameter and value.
enum class errc {
  ok = 0,
  invalid_dimension,     // head_dim / rotary_dim zero, odd, negative or above head_dim
  invalid_base,          // rope_theta not finite or not above 1
  invalid_factor,        // a scaling factor (factor, partial_rotary_factor, ...) non-positive / NaN / inf
  invalid_length,        // a context length (max / original max position embeddings, seq_len) out of range
  invalid_beta,          // YaRN beta_fast / beta_slow
  invalid_factor_list,   // LongRoPE / per-pair factor list of the wrong length or with a bad entry
  missing_parameter,     // a key the rope type requires is absent
  unknown_rope_type,     // rope_type not one of the supported names
  invalid_clip,          // clip count beyond the number of pairs, bad training length
  invalid_position,      // negative / non-finite position, beyond a table, mismatched counts
  null_data,             // a null pointer where data is required
  invalid_view,          // a strided view whose extents or strides are inconsistent
  overlapping_views,     // views whose elements overlap, or that run past a stated size
  invalid_aliasing,      // input and output overlap without being exactly in-place
  invalid_argument,      // an analysis argument out of range (distances, sample counts, amplitudes, fit ranges)
  out_of_memory,         // an allocation failed (a table, a spectrum, an analysis array); nothing was returned
  invalid_axis_map,      // a multi-axis map: sections that do not add up, an axis beyond the positions' streams
  invalid_config,        // a model config (config.json): a missing or mistyped key, a RoPE key not understood
  invalid_gguf,          // a GGUF file: truncated, wrong magic / version, counts beyond the file, wrong value types
  invalid_norm,          // a fused QK-norm: unknown kind, eps negative or not finite, a weight missing or not expected
  invalid_cache,         // a KV cache: page size, slots beyond the cache or repeated, a cache overlapping q, k or v
};

inline const char* to_string(errc code) noexcept {
  switch (code) {
    case errc::ok: return "ok";
    case errc::invalid_dimension: return "invalid_dimension";
    case errc::invalid_base: return "invalid_base";
    case errc::invalid_factor: return "invalid_factor";
    case errc::invalid_length: return "invalid_length";
    case errc::invalid_beta: return "invalid_beta";
    case errc::invalid_factor_list: return "invalid_factor_list";
    case errc::missing_parameter: return "missing_parameter";
    case errc::unknown_rope_type: return "unknown_rope_type";
    case errc::invalid_clip: return "invalid_clip";
    case errc::invalid_position: return "invalid_position";
    case errc::null_data: return "null_data";
    case errc::invalid_view: return "invalid_view";
    case errc::overlapping_views: return "overlapping_views";
    case errc::invalid_aliasing: return "invalid_aliasing";
    case errc::invalid_argument: return "invalid_argument";
    case errc::out_of_memory: return "out_of_memory";
    case errc::invalid_axis_map: return "invalid_axis_map";
    case errc::invalid_config: return "invalid_config";
    case errc::invalid_gguf: return "invalid_gguf";
    case errc::invalid_norm: return "invalid_norm";
    case errc::invalid_cache: return "invalid_cache";
  }
  return "unknown";
}

// The outcome of a checked call: ok, or an error code with a human-readable message.
class [[nodiscard]] status {
 public:
  status() = default;
  status(errc code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const noexcept { return code_ == errc::ok; }
  explicit operator bool() const noexcept { return ok(); }
  errc code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }

 private:
  errc code_ = errc::ok;
  std::string message_;
};

// A value or the status explaining why there is none.
template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design, like std::expected
  result(status error) : status_(std::move(error)) { COPE_ASSERT(!status_.ok()); }

  bool ok() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return ok(); }
  const status& error() const noexcept { return status_; }

  // Precondition: ok(). Checked even in release builds: reading a failed result is a bug that must
  // not go on with a default-constructed value.
  T& value() & { check(); return *value_; }
  const T& value() const& { check(); return *value_; }
  T&& value() && { check(); return std::move(*value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  void check() const {
    if (!value_) std::abort();
  }
  std::optional<T> value_;
  status status_;
};

#if COPE_EXCEPTIONS
// Thrown by the throwing entry points. Derives from std::invalid_argument: every cope error is
// about the arguments of the call.
class error : public std::invalid_argument {
 public:
  explicit error(const status& s) : std::invalid_argument(s.message()), code_(s.code()) {}
  errc code() const noexcept { return code_; }

 private:
  errc code_;
};

namespace detail {
inline void throw_if_error(const status& s) {
  if (!s.ok()) throw error(s);
}
template <class T>
T value_or_throw(result<T>&& r) {
  if (!r.ok()) throw error(r.error());
  return std::move(r).value();
}
}  // namespace detail
#endif

}  // namespace cope
