// Internal header (not part of the public API): building the error messages of design §7, which name
// the parameter, its value and the rule, e.g. "yarn: beta_fast (1) must be greater than beta_slow (32)".
#pragma once

#include "../error.hpp"

#include <charconv>
#include <new>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <stdexcept>
#include <string_view>

namespace cope::detail {

// Shortest text that reads back to the same double ("1e+07", "0.1", "nan", "inf").
inline std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

// One piece of a message, as text: strings as they are, numbers formatted (integers exactly, doubles as
// format_number). Every fail() call converts its pieces to these and joins them out of line, so a call
// site costs a few stores, not an inlined string build per argument type list.
class message_piece {
 public:
  message_piece(std::string_view s) noexcept : text_(s) {}  // NOLINT: implicit, the pieces of a message
  message_piece(const char* s) noexcept : text_(s) {}  // NOLINT
  message_piece(const std::string& s) noexcept : text_(s) {}  // NOLINT
  message_piece(char c) noexcept : length_(1) { buffer_[0] = c; }  // NOLINT
  message_piece(double v) noexcept { set_number(v); }  // NOLINT
  message_piece(float v) noexcept { set_number(static_cast<double>(v)); }  // NOLINT
  message_piece(int v) noexcept { set_integer(v); }  // NOLINT
  message_piece(long v) noexcept { set_integer(v); }  // NOLINT
  message_piece(long long v) noexcept { set_integer(v); }  // NOLINT
  message_piece(unsigned v) noexcept { set_integer(v); }  // NOLINT
  message_piece(unsigned long v) noexcept { set_integer(v); }  // NOLINT
  message_piece(unsigned long long v) noexcept { set_integer(v); }  // NOLINT
  std::string_view text() const noexcept { return length_ != 0 ? std::string_view(buffer_, length_) : text_; }

 private:
  template <class I>
  COPE_NOINLINE void set_integer(I v) noexcept {
    length_ = static_cast<std::size_t>(std::to_chars(buffer_, buffer_ + sizeof buffer_, v).ptr - buffer_);
  }
  COPE_NOINLINE void set_number(double v) noexcept {
    if (std::isnan(v)) text_ = "nan";
    else if (std::isinf(v)) text_ = v < 0 ? "-inf" : "inf";
    else length_ = static_cast<std::size_t>(std::to_chars(buffer_, buffer_ + sizeof buffer_, v).ptr - buffer_);
  }
  std::string_view text_;
  char buffer_[32];  // shortest round-trip doubles take at most 24 characters, 64-bit integers 20
  std::size_t length_ = 0;
};

COPE_NOINLINE inline status fail_joined(errc code, const message_piece* pieces, std::size_t count) {
  std::string message;
  for (std::size_t i = 0; i < count; ++i) message += pieces[i].text();
  return status(code, std::move(message));
}

// A failed status whose message is the pieces joined: fail(errc::invalid_base, ctx, ": rope_theta (",
// value, ") must be ...").
template <class... Pieces>
status fail(errc code, const Pieces&... pieces) {
  const message_piece joined[] = {message_piece(pieces)...};
  return fail_joined(code, joined, sizeof...(Pieces));
}

// Text from the caller (a rope_type, a key) as it may be echoed in a message: printable ASCII kept,
// every other byte as \xNN, at most `limit` bytes shown (then "...").
inline std::string printable(std::string_view text, std::size_t limit = 64) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (text.size() > limit) out += "...";
  return out;
}

// The status of a failed allocation. Composing its message may itself fail; then the message is empty
// (the code still says what happened).
inline status out_of_memory(const char* ctx) noexcept {
#if COPE_EXCEPTIONS
  try {
    return status(errc::out_of_memory, std::string(ctx) + ": out of memory");
  } catch (...) {
    return status(errc::out_of_memory, std::string());
  }
#else
  return status(errc::out_of_memory, std::string(ctx) + ": out of memory");
#endif
}

// Runs body (returning a status or a result) with allocation failure turned into errc::out_of_memory:
// no try_ function throws (with -fno-exceptions, operator new does not throw either).
template <class Body>
auto catch_allocation_failure(const char* ctx, Body&& body) -> decltype(body()) {
#if COPE_EXCEPTIONS
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return out_of_memory(ctx);
  } catch (const std::length_error&) {  // a vector asked for more than max_size()
    return out_of_memory(ctx);
  }
#else
  static_cast<void>(ctx);
  return body();
#endif
}

// "<ctx>: <name> (<value>) must be finite and positive"
inline status check_positive(const char* ctx, const char* name, double value, errc code) {
  if (std::isfinite(value) && value > 0) return {};
  return fail(code, ctx, ": ", name, " (", value, ") must be finite and positive");
}

inline status check_positive_length(const char* ctx, const char* name, std::int64_t value) {
  if (value > 0) return {};
  return fail(errc::invalid_length, ctx, ": ", name, " (", static_cast<long long>(value), ") must be positive");
}

}  // namespace cope::detail
