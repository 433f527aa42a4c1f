// Internal header (not part of the public API): building the error messages of design §7, which name
// the parameter, its value and the rule, e.g. "yarn: beta_fast (1) must be greater than beta_slow (32)".
#pragma once

#include "../error.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
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

inline void append_piece(std::string& out, std::string_view s) { out += s; }
inline void append_piece(std::string& out, const char* s) { out += s; }
inline void append_piece(std::string& out, const std::string& s) { out += s; }
inline void append_piece(std::string& out, char c) { out += c; }
inline void append_piece(std::string& out, double v) { out += format_number(v); }
inline void append_piece(std::string& out, float v) { out += format_number(static_cast<double>(v)); }
inline void append_piece(std::string& out, int v) { out += std::to_string(v); }
inline void append_piece(std::string& out, long v) { out += std::to_string(v); }
inline void append_piece(std::string& out, long long v) { out += std::to_string(v); }
inline void append_piece(std::string& out, unsigned v) { out += std::to_string(v); }
inline void append_piece(std::string& out, unsigned long v) { out += std::to_string(v); }
inline void append_piece(std::string& out, unsigned long long v) { out += std::to_string(v); }

template <class... Pieces>
status fail(errc code, const Pieces&... pieces) {
  std::string message;
  (append_piece(message, pieces), ...);
  return status(code, std::move(message));
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
