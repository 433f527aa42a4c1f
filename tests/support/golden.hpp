// Test support: reading ../shared/reference/spectra.json (schema in its README) into cope's types.
#pragma once

#include "cope/cope.hpp"
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef COPE_REFERENCE_JSON
#error "COPE_REFERENCE_JSON must name reference/spectra.json (set by tests/CMakeLists.txt)"
#endif

namespace cope_test {

using json = nlohmann::json;

// Numbers are read with strtod (correctly rounded), so values written as exact doubles come back bit
// for bit.
inline json parse_file(const char* path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(std::string("cannot open ") + path);
  return json::parse(in);
}

inline const json& golden() {
  static const json data = parse_file(COPE_REFERENCE_JSON);
  return data;
}

// A case's `rope_parameters` dict, key for key, as an engine would read it from config.json.
inline cope::rope_parameters rope_parameters_of(const json& rp) {
  cope::rope_parameters p;
  auto number = [&](const char* key) -> std::optional<double> {
    if (rp.contains(key) && !rp[key].is_null()) return rp[key].get<double>();
    return std::nullopt;
  };
  auto integer = [&](const char* key) -> std::optional<std::int64_t> {
    if (auto v = number(key)) return static_cast<std::int64_t>(*v);
    return std::nullopt;
  };
  p.rope_type = rp.contains("rope_type") ? rp.at("rope_type").get<std::string>() : rp.at("type").get<std::string>();
  if (auto v = number("rope_theta")) p.rope_theta = *v;
  if (auto v = number("partial_rotary_factor")) p.partial_rotary_factor = *v;
  p.factor = number("factor");
  p.original_max_position_embeddings = integer("original_max_position_embeddings");
  p.attention_factor = number("attention_factor");
  p.beta_fast = number("beta_fast");
  p.beta_slow = number("beta_slow");
  p.mscale = number("mscale");
  p.mscale_all_dim = number("mscale_all_dim");
  if (rp.contains("truncate")) p.truncate = rp.at("truncate").get<bool>();
  p.low_freq_factor = number("low_freq_factor");
  p.high_freq_factor = number("high_freq_factor");
  if (rp.contains("short_factor")) p.short_factor = rp.at("short_factor").get<std::vector<double>>();
  if (rp.contains("long_factor")) p.long_factor = rp.at("long_factor").get<std::vector<double>>();
  return p;
}

// The case's generator alone, evaluated with the given float32 math.
inline cope::result<cope::spectrum> generator_spectrum_of(const json& c, const cope::float32_math& math) {
  std::optional<std::int64_t> seq_len;
  if (!c.at("seq_len").is_null()) seq_len = static_cast<std::int64_t>(c.at("seq_len").get<double>());
  return cope::try_make_spectrum(rope_parameters_of(c.at("rope_parameters")), static_cast<int>(c.at("head_dim").get<double>()),
                                 static_cast<std::int64_t>(c.at("max_position_embeddings").get<double>()), seq_len, math);
}

// The case's generator, then its clip if any.
inline cope::result<cope::spectrum> spectrum_of(const json& c, const cope::float32_math& math) {
  auto s = generator_spectrum_of(c, math);
  if (!s || c.at("clip").is_null()) return s;
  const int n = static_cast<int>(c.at("clip").at("n").get<double>());
  return c.at("clip").at("kind").get<std::string>() == "cope" ? cope::try_cope_clip(*s, n, math) : cope::try_hard_clip(*s, n);
}

inline std::uint32_t bits_of(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

inline std::uint32_t expected_bits(const json& c, std::size_t j) {
  return static_cast<std::uint32_t>(std::stoul(c.at("inv_freq_f32_bits")[j].get<std::string>(), nullptr, 16));
}

}  // namespace cope_test
