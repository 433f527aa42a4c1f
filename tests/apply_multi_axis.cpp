// Multi-axis RoPE through the kernels, once per compiled path (built into the same executables as
// apply_kernels.cpp): every case of ../shared/reference/mrope.json (the map from the case's config
// keys, the spectrum bit for bit, outputs against the exact rotation and the reference's own float32
// output), and the properties: all axes at one position equal the 1-D call bit for bit, inverse undoes
// forward, identity pairs are the input times the attention factor, shift_keys with a map, and no
// access past the position streams (guard page).
#include <catch2/catch.hpp>

#include "cope/cope.hpp"
#include "cope/mrope_index.hpp"
#include "support/golden.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#if defined(__unix__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#ifndef COPE_MROPE_JSON
#error "COPE_MROPE_JSON must name reference/mrope.json (set by tests/CMakeLists.txt)"
#endif

namespace {

using cope::direction;
using cope::dtype;
using cope::layout;
using cope_test::json;

const json& mrope_cases() {
  static const json data = cope_test::parse_file(COPE_MROPE_JSON);
  return data.at("cases");
}

// The map a case's text config selects: mrope_section, interleaved when mrope_interleaved is set.
cope::axis_map map_of(const json& rope) {
  const std::vector<int> sections = rope.at("mrope_section").get<std::vector<int>>();
  const bool interleaved = rope.contains("mrope_interleaved") && rope.at("mrope_interleaved").get<bool>();
  return interleaved ? cope::axis_map::interleaved(sections.data(), sections.size())
                     : cope::axis_map::sectioned(sections.data(), sections.size());
}

std::uint8_t axis_named(const std::string& name) {
  if (name == "t") return cope::axis_t;
  if (name == "h") return cope::axis_h;
  if (name == "w") return cope::axis_w;
  REQUIRE(name == "none");
  return cope::axis_map::none;
}

template <class T>
std::vector<T> axis_major(const json& position_ids) {  // [3][seq] as the reference returns it
  std::vector<T> v;
  for (const json& axis : position_ids)
    for (const json& p : axis) v.push_back(p.get<T>());
  return v;
}

TEST_CASE("multi-axis: every mrope.json case, map, spectrum and kernel outputs") {
  for (const json& c : mrope_cases()) {
    const std::string name = c.at("name").get<std::string>();
    INFO(name);
    const json& rope = c.at("text_config_rope");
    const cope::axis_map map = map_of(rope);
    // pair_axis reproduced exactly by the map built from the config keys.
    const json& expected_axes = c.at("pair_axis");
    REQUIRE(map.pairs() == expected_axes.size());
    for (std::size_t j = 0; j < map.pairs(); ++j) {
      INFO("pair " << j);
      CHECK(map[j] == axis_named(expected_axes[j].get<std::string>()));
    }
    // The case's spectrum, its float32 inv_freq exactly (mrope_reference.cpp checks that the generator
    // reproduces it bit for bit with torch's float32 math).
    const int head_dim = c.at("head_dim").get<int>();
    cope::spectrum s;
    s.head_dim = head_dim;
    s.rotary_dim = c.at("rotary_dim").get<int>();
    for (const json& v : c.at("inv_freq")) {
      s.inv_freq.push_back(v.get<float>());
      s.inv_freq_f64.push_back(v.get<double>());
    }
    s.attention_factor = c.at("attention_factor").get<double>();
    REQUIRE(s.inv_freq.size() == map.pairs());

    // The case's q rows at their tokens, rotated by every form of its positions.
    const std::vector<std::size_t> q_tokens = c.at("q_tokens").get<std::vector<std::size_t>>();
    const json& q_rows = c.at("q");
    const json& ref_rows = c.at("ref_fp32_rotated_q");
    const std::size_t seq = c.at("position_ids").at(0).size(), n = s.inv_freq.size();
    const layout pairing = c.at("layout").get<std::string>() == "interleaved" ? layout::interleaved : layout::rotate_half;
    const std::vector<std::int32_t> p32 = axis_major<std::int32_t>(c.at("position_ids"));
    const std::vector<std::int64_t> p64 = axis_major<std::int64_t>(c.at("position_ids"));
    const std::vector<float> pf = axis_major<float>(c.at("position_ids"));
    std::vector<std::int32_t> token_major(3 * seq);
    for (std::size_t t = 0; t < seq; ++t)
      for (std::size_t a = 0; a < 3; ++a) token_major[3 * t + a] = p32[a * seq + t];
    const cope::rope_table table = cope::make_table(s, 64);
    const cope::positions forms[] = {cope::positions::multi_axis(p32.data(), 3, seq),
                                     cope::positions::multi_axis(p64.data(), 3, seq),
                                     cope::positions::multi_axis(pf.data(), 3, seq),
                                     cope::positions::multi_axis(token_major.data(), 3, seq, 1, 3)};
    double worst_exact = 0, worst_ref = 0;
    for (const cope::positions& pos : forms)
      for (bool use_table : {false, true}) {
        // Every token of the sequence (the q rows are placed at their tokens; other rows zero).
        std::vector<float> q(seq * static_cast<std::size_t>(head_dim), 0.0f);
        for (std::size_t i = 0; i < q_tokens.size(); ++i)
          for (int d = 0; d < head_dim; ++d)
            q[q_tokens[i] * static_cast<std::size_t>(head_dim) + static_cast<std::size_t>(d)] = q_rows[i][d].get<float>();
        cope::rope_args a = cope::rope_args::in_place(cope::make_view(q.data(), seq, 1, static_cast<std::size_t>(head_dim)),
                                                      {}, pos, pairing);
        a.pair_axes = &map;
        const cope::status st = use_table ? cope::try_apply_rope(table.view(), a) : cope::try_apply_rope(s, a);
        INFO(st.message());
        REQUIRE(st.ok());
        for (std::size_t i = 0; i < q_tokens.size(); ++i) {
          const std::size_t t = q_tokens[i];
          const float* out = q.data() + t * static_cast<std::size_t>(head_dim);
          for (std::size_t j = 0; j < n; ++j) {
            const std::size_t ix = pairing == layout::rotate_half ? j : 2 * j;
            const std::size_t iy = pairing == layout::rotate_half ? j + n : 2 * j + 1;
            const double x = q_rows[i][ix].get<double>(), y = q_rows[i][iy].get<double>();
            const double cs = c.at("exact_cos")[t][j].get<double>(), sn = c.at("exact_sin")[t][j].get<double>();
            const double norm = std::hypot(x, y);
            worst_exact = std::max({worst_exact, std::abs(out[ix] - (x * cs - y * sn)) / norm,
                                    std::abs(out[iy] - (x * sn + y * cs)) / norm});
            worst_ref = std::max({worst_ref, std::abs(out[ix] - ref_rows[i][ix].get<double>()) / norm,
                                  std::abs(out[iy] - ref_rows[i][iy].get<double>()) / norm});
          }
          for (std::size_t d = 2 * n; d < static_cast<std::size_t>(head_dim); ++d)  // pass-through
            CHECK(out[d] == ref_rows[i][d].get<float>());
        }
      }
    INFO("worst |out - exact| / pair norm " << worst_exact << ", |out - reference float32| / pair norm " << worst_ref);
    CHECK(worst_exact <= 4e-7);
    // The reference's float32 pipeline (float32 angle, cos/sin, products) is itself within 5e-7 of the
    // exact rotation on these cases; ours within 4e-7: 1e-6 of the pair norm bounds the two together.
    CHECK(worst_ref <= 1e-6);
  }
}

// ---- properties -----------------------------------------------------------------------------------

std::vector<float> random_floats(std::mt19937_64& rng, std::size_t n) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

// A view of `tokens` x `heads` rows of head_dim in a byte buffer of storage type t.
struct rows {
  dtype type;
  std::size_t tokens, heads, head_dim;
  std::vector<unsigned char> bytes;
  rows(dtype t, std::size_t n_tokens, std::size_t n_heads, std::size_t dim, std::mt19937_64& rng)
      : type(t), tokens(n_tokens), heads(n_heads), head_dim(dim), bytes(n_tokens * n_heads * dim * cope::size_of(t)) {
    const std::vector<float> v = random_floats(rng, n_tokens * n_heads * dim);
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (t == dtype::f32) reinterpret_cast<float*>(bytes.data())[i] = v[i];
      if (t == dtype::f16) reinterpret_cast<cope::float16*>(bytes.data())[i] = cope::to_float16(v[i]);
      if (t == dtype::bf16) reinterpret_cast<cope::bfloat16*>(bytes.data())[i] = cope::to_bfloat16(v[i]);
    }
  }
  cope::tensor_view view() {
    const auto hd = static_cast<std::ptrdiff_t>(head_dim);
    return {bytes.data(), type, tokens, heads, head_dim, static_cast<std::ptrdiff_t>(heads) * hd, hd,
            tokens * heads * head_dim};
  }
};

std::vector<cope::spectrum> multi_axis_spectra() {
  cope::yarn_parameters yarn;  // attention factor 1.1386
  yarn.rope_theta = 1e7;
  yarn.factor = 4.0;
  yarn.original_max_position_embeddings = 65536;
  return {cope::rope_default(128, {1e6, 1.0}),                       // Qwen2-VL
          cope::cope_clip(cope::rope_yarn(128, yarn), 20),           // CoPE on a YaRN spectrum
          cope::rope_default(256, {1e7, 0.25}),                      // Qwen3.5: 32 pairs of 256
          cope::hard_clip(cope::rope_default(64, {1e4, 1.0}), 4)};   // 32 pairs, HardClip
}

// The families' maps at 64 pairs (Qwen2-VL, ERNIE, XD-RoPE's 4 axes, Qwen3-VL) and at 32 (GLM-4V's
// sections, Qwen3.5's interleaved [11, 11, 10]).
std::vector<cope::axis_map> maps_for(std::size_t pairs) {
  if (pairs == 64)
    return {cope::axis_map::sectioned({16, 24, 24}), cope::axis_map::ernie(64, 20),
            cope::axis_map::sectioned({16, 16, 16, 16}), cope::axis_map::interleaved({24, 20, 20})};
  REQUIRE(pairs == 32);
  return {cope::axis_map::sectioned({8, 12, 12}), cope::axis_map::ernie(32, 10), cope::axis_map::sectioned({8, 8, 8, 8}),
          cope::axis_map::interleaved({11, 11, 10})};
}

TEST_CASE("multi-axis: all axes at one position equal the 1-D call bit for bit") {
  std::mt19937_64 rng(20261202);
  for (const cope::spectrum& s : multi_axis_spectra())
    for (const cope::axis_map& map : maps_for(s.inv_freq.size()))
      for (layout pairing : {layout::rotate_half, layout::interleaved})
        for (dtype t : {dtype::f32, dtype::f16, dtype::bf16})
          for (bool use_table : {false, true})
            for (direction dir : {direction::forward, direction::inverse}) {
              INFO(s.rope_type << " pairs " << s.inv_freq.size() << " axes " << map.axes() << " "
                               << cope::to_string(pairing) << " " << cope::to_string(t) << (use_table ? " table" : "")
                               << " " << cope::to_string(dir));
              const std::size_t tokens = 37, heads = 3, head_dim = static_cast<std::size_t>(s.head_dim);
              const cope::rope_table table = cope::make_table(s, 5000);
              std::vector<std::int64_t> ids(tokens);
              for (auto& p : ids) p = std::uniform_int_distribution<std::int64_t>(0, 4999)(rng);
              std::vector<std::int64_t> axes(map.axes() * tokens);
              for (std::size_t a = 0; a < map.axes(); ++a)
                for (std::size_t i = 0; i < tokens; ++i) axes[a * tokens + i] = ids[i];
              rows one(t, tokens, heads, head_dim, rng);
              rows multi = one;
              cope::rope_args a1 = cope::rope_args::in_place(one.view(), {}, cope::positions::from_ids(ids.data(), tokens), pairing);
              cope::rope_args am = cope::rope_args::in_place(
                  multi.view(), {}, cope::positions::multi_axis(axes.data(), map.axes(), tokens), pairing);
              a1.dir = am.dir = dir;
              am.pair_axes = &map;
              if (use_table) {
                cope::apply_rope(table.view(), a1);
                cope::apply_rope(table.view(), am);
              } else {
                cope::apply_rope(s, a1);
                cope::apply_rope(s, am);
              }
              CHECK(one.bytes == multi.bytes);
            }
}

TEST_CASE("multi-axis: inverse undoes forward, and identity pairs are the input times the attention factor") {
  std::mt19937_64 rng(7);
  const int hope_sections[] = {16, 24, 24};
  const cope::axis_map hope = cope::axis_map::hope(hope_sections, 3);
  REQUIRE(hope.count(cope::axis_map::none) == 16);
  cope::yarn_parameters yarn;
  yarn.rope_theta = 1e6;
  yarn.factor = 4.0;
  yarn.original_max_position_embeddings = 32768;
  for (const cope::spectrum& s : {cope::rope_default(128, {1e6, 1.0}), cope::rope_yarn(128, yarn)})
    for (layout pairing : {layout::rotate_half, layout::interleaved})
      for (bool use_table : {false, true}) {
        INFO("attention_factor " << s.attention_factor << " " << cope::to_string(pairing) << (use_table ? " table" : ""));
        const std::size_t tokens = 50, heads = 2, n = s.inv_freq.size();
        const cope::rope_table table = cope::make_table(s, 4096);
        // HoPE: fractional t (temporal scale 0.75), spatial positions centred on t; from a table, integers.
        std::vector<float> pos(3 * tokens);
        for (std::size_t i = 0; i < tokens; ++i) {
          const float t = use_table ? static_cast<float>(i) : 0.75f * static_cast<float>(i);
          pos[i] = t;
          pos[tokens + i] = t + static_cast<float>(i % 4);
          pos[2 * tokens + i] = t + static_cast<float>(i % 3);
        }
        std::vector<float> x = random_floats(rng, tokens * heads * 128), y = x;
        cope::rope_args a = cope::rope_args::in_place(cope::make_view(y.data(), tokens, heads, 128), {},
                                                      cope::positions::multi_axis(pos.data(), 3, tokens), pairing);
        a.pair_axes = &hope;
        if (use_table) cope::apply_rope(table.view(), a); else cope::apply_rope(s, a);
        const auto f = static_cast<float>(s.attention_factor);
        std::size_t identity_differ = 0;
        for (std::size_t r = 0; r < tokens * heads; ++r)
          for (std::size_t j = 0; j < n; ++j) {
            if (hope[j] != cope::axis_map::none) continue;
            for (std::size_t d : {pairing == layout::rotate_half ? j : 2 * j, pairing == layout::rotate_half ? j + n : 2 * j + 1})
              identity_differ += y[r * 128 + d] != x[r * 128 + d] * f;
          }
        CHECK(identity_differ == 0);
        a.dir = direction::inverse;
        if (use_table) cope::apply_rope(table.view(), a); else cope::apply_rope(s, a);
        double worst = 0;
        for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(static_cast<double>(y[i]) - x[i]));
        CHECK(worst <= 2e-6);
      }
}

TEST_CASE("multi-axis: shift_keys moves every pair but the identity ones, as the 1-D shift") {
  std::mt19937_64 rng(11);
  const cope::spectrum s = cope::rope_default(128, {1e6, 1.0});
  const int sections[] = {16, 24, 24};
  const cope::axis_map hope = cope::axis_map::hope(sections, 3), mrope = cope::axis_map::sectioned(sections, 3);
  const cope::rope_table table = cope::make_table(s, 4096);
  for (bool use_table : {false, true})
    for (std::int64_t delta : {std::int64_t{-300}, std::int64_t{77}}) {
      INFO((use_table ? "table" : "on the fly") << " delta " << delta);
      const std::vector<float> k0 = random_floats(rng, 20 * 4 * 128);
      std::vector<float> plain = k0, sectioned = k0, hybrid = k0;
      auto shift = [&](std::vector<float>& k, const cope::axis_map* map) {
        cope::shift_args a = cope::shift_args::make(cope::make_view(k.data(), 20, 4, 128), cope::position_delta::constant(delta));
        a.pair_axes = map;
        if (use_table) cope::shift_keys(table.view(), a); else cope::shift_keys(s, a);
      };
      shift(plain, nullptr);
      shift(sectioned, &mrope);
      shift(hybrid, &hope);
      CHECK(plain == sectioned);  // one delta on every axis: 1-D RoPE
      std::size_t wrong = 0;
      for (std::size_t r = 0; r < 20 * 4; ++r)
        for (std::size_t j = 0; j < 64; ++j)
          for (std::size_t d : {j, j + 64}) {
            const std::size_t i = r * 128 + d;
            wrong += hope[j] == cope::axis_map::none ? hybrid[i] != k0[i] : hybrid[i] != plain[i];
          }
      CHECK(wrong == 0);
    }
}

TEST_CASE("multi-axis: 1-D positions with a map put every axis at that position") {
  // A text-only batch of an M-RoPE model: the map changes nothing but its identity pairs.
  std::mt19937_64 rng(3);
  const cope::spectrum s = cope::rope_default(128, {1e6, 1.0});
  const int sections[] = {16, 24, 24};
  const cope::axis_map mrope = cope::axis_map::interleaved({24, 20, 20}), hope = cope::axis_map::hope(sections, 3);
  const std::vector<float> x = random_floats(rng, 9 * 128);
  std::vector<float> plain = x, mapped = x, hybrid = x;
  auto apply = [&](std::vector<float>& v, const cope::axis_map* map) {
    cope::rope_args a = cope::rope_args::in_place(cope::make_view(v.data(), 9, 1, 128), {}, cope::positions::from_offset(1000));
    a.pair_axes = map;
    cope::apply_rope(s, a);
  };
  apply(plain, nullptr);
  apply(mapped, &mrope);
  apply(hybrid, &hope);
  CHECK(plain == mapped);
  std::size_t wrong = 0;
  for (std::size_t t = 0; t < 9; ++t)
    for (std::size_t j = 0; j < 64; ++j)
      for (std::size_t d : {j, j + 64})
        wrong += hybrid[t * 128 + d] != (hope[j] == cope::axis_map::none ? x[t * 128 + d] : plain[t * 128 + d]);
  CHECK(wrong == 0);
}

TEST_CASE("multi-axis: HoPE positions from the index builder (fractional, negative) against the reference") {
  // A video first (its centred spatial positions start below zero), then text; temporal scale 0.75.
  std::vector<std::uint8_t> types(3 * 16, cope::token_video);
  types.insert(types.end(), 5, cope::token_text);
  cope::vision_inputs in;
  in.rule = cope::mrope_rule::hope;
  in.video_grid_thw = {{3, 8, 8}};
  in.temporal_scale = 0.75f;
  const cope::mrope_positions p = cope::mrope_index(types.data(), types.size(), in);
  REQUIRE(p.at(1, 0) < 0);
  const cope::axis_map hope = cope::axis_map::hope({16, 24, 24});
  std::mt19937_64 rng(17);
  for (const cope::spectrum& s : multi_axis_spectra()) {
    if (s.inv_freq.size() != 64) continue;
    for (layout pairing : {layout::rotate_half, layout::interleaved}) {
      INFO(s.rope_type << " " << cope::to_string(pairing));
      const std::size_t tokens = p.tokens, heads = 2;
      const std::vector<float> x = random_floats(rng, tokens * heads * 128);
      std::vector<float> y = x;
      cope::rope_args a = cope::rope_args::in_place(cope::make_view(y.data(), tokens, heads, 128), {}, p.view(), pairing);
      a.pair_axes = &hope;
      cope::apply_rope(s, a);
      double worst = 0;
      std::vector<double> in_row(128), out_row(128), pair_position(64);
      for (std::size_t t = 0; t < tokens; ++t) {
        for (std::size_t j = 0; j < 64; ++j) pair_position[j] = hope[j] == cope::axis_map::none ? 0.0 : p.at(hope[j], t);
        for (std::size_t h = 0; h < heads; ++h) {
          const std::size_t row = (t * heads + h) * 128;
          for (std::size_t d = 0; d < 128; ++d) in_row[d] = x[row + d];
          cope::reference_rotate_per_pair(s, pairing, direction::forward, pair_position.data(), in_row.data(),
                                          out_row.data(), 128);
          for (std::size_t j = 0; j < 64; ++j) {
            const std::size_t ix = pairing == layout::rotate_half ? j : 2 * j;
            const std::size_t iy = pairing == layout::rotate_half ? j + 64 : 2 * j + 1;
            const double norm = std::hypot(in_row[ix], in_row[iy]) * s.attention_factor;
            worst = std::max({worst, std::abs(y[row + ix] - out_row[ix]) / norm, std::abs(y[row + iy] - out_row[iy]) / norm});
          }
        }
      }
      CHECK(worst <= 4e-7);
    }
  }
}

#if defined(__unix__)
TEST_CASE("multi-axis: the kernels read no position past the streams (guard page)") {
  // Positions laid out so that the last one read ends exactly at a PROT_NONE page.
  const long page = sysconf(_SC_PAGESIZE);
  void* mem = mmap(nullptr, static_cast<std::size_t>(2 * page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(mem != MAP_FAILED);
  char* guard = static_cast<char*>(mem) + page;
  REQUIRE(mprotect(guard, static_cast<std::size_t>(page), PROT_NONE) == 0);
  const cope::spectrum s = cope::rope_default(128, {1e6, 1.0});
  const cope::rope_table table = cope::make_table(s, 100);
  const cope::axis_map map = cope::axis_map::sectioned({16, 24, 24});
  const std::size_t tokens = 7;
  std::mt19937_64 rng(5);
  for (int form = 0; form < 4; ++form) {
    INFO("form " << form);
    std::vector<float> q = random_floats(rng, tokens * 128);
    cope::positions pos;
    if (form == 0 || form == 3) {  // int32 axis-major; float32 token-major
      const std::size_t bytes = 3 * tokens * 4;
      void* at = guard - bytes;
      for (std::size_t i = 0; i < 3 * tokens; ++i) {
        if (form == 0) static_cast<std::int32_t*>(at)[i] = static_cast<std::int32_t>(i % 50);
        else static_cast<float*>(at)[i] = static_cast<float>(i % 50);
      }
      pos = form == 0 ? cope::positions::multi_axis(static_cast<const std::int32_t*>(at), 3, tokens)
                      : cope::positions::multi_axis(static_cast<const float*>(at), 3, tokens, 1, 3);
    } else {  // int64, axis-major and token-major
      const std::size_t bytes = 3 * tokens * 8;
      auto* at = reinterpret_cast<std::int64_t*>(guard - bytes);
      for (std::size_t i = 0; i < 3 * tokens; ++i) at[i] = static_cast<std::int64_t>(i % 50);
      pos = form == 1 ? cope::positions::multi_axis(at, 3, tokens) : cope::positions::multi_axis(at, 3, tokens, 1, 3);
    }
    cope::rope_args a = cope::rope_args::in_place(cope::make_view(q.data(), tokens, 1, 128), {}, pos);
    a.pair_axes = &map;
    CHECK(cope::try_apply_rope(s, a).ok());
    CHECK(cope::try_apply_rope(table.view(), a).ok());
  }
  // A float32 1-D form ending at the page.
  auto* ids = reinterpret_cast<float*>(guard - tokens * 4);
  for (std::size_t i = 0; i < tokens; ++i) ids[i] = 0.5f * static_cast<float>(i);
  std::vector<float> q = random_floats(rng, tokens * 128);
  CHECK(cope::try_apply_rope(s, cope::rope_args::in_place(cope::make_view(q.data(), tokens, 1, 128), {},
                                                          cope::positions::from_ids(ids, tokens))).ok());
  munmap(mem, static_cast<std::size_t>(2 * page));
}
#endif

}  // namespace
