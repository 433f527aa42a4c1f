// Multi-axis RoPE against ../shared/reference/mrope.json outside the kernels (those are in
// apply_multi_axis.cpp, once per ISA): each case's spectrum from its config keys, bit for bit with
// torch's float32 math and within 1 ulp portably; its pair-to-axis map; and the index builder's
// position_ids and mrope_position_delta (transformers v4 by default, v5 on request). Then the rules
// the data does not cover (GLM-4V, HoPE's dynamic temporal scaling), the maps' validation, and decode.
#include <catch2/catch.hpp>

#include "cope/compat/torch_cpu.hpp"
#include "cope/cope.hpp"
#include "cope/mrope_index.hpp"
#include "support/golden.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#ifndef COPE_MROPE_JSON
#error "COPE_MROPE_JSON must name reference/mrope.json (set by tests/CMakeLists.txt)"
#endif

namespace {

using cope_test::json;

const json& mrope_cases() {
  static const json data = cope_test::parse_file(COPE_MROPE_JSON);
  return data.at("cases");
}

cope::mrope_rule rule_of(const std::string& name) {
  if (name == "qwen2-vl") return cope::mrope_rule::qwen2_vl;
  if (name == "qwen2.5-vl") return cope::mrope_rule::qwen2_5_vl;
  REQUIRE(name == "qwen3-vl");
  return cope::mrope_rule::qwen3_vl;
}

std::vector<cope::grid_thw> grids_of(const json& list) {
  std::vector<cope::grid_thw> g;
  for (const json& e : list) g.push_back({e[0].get<std::int64_t>(), e[1].get<std::int64_t>(), e[2].get<std::int64_t>()});
  return g;
}

cope::vision_inputs inputs_of(const json& c) {
  cope::vision_inputs in;
  in.rule = rule_of(c.at("name").get<std::string>());
  in.image_grid_thw = grids_of(c.at("image_grid_thw"));
  in.video_grid_thw = grids_of(c.at("video_grid_thw"));
  in.spatial_merge_size = c.at("spatial_merge_size").get<std::int64_t>();
  if (c.contains("second_per_grid_ts")) in.second_per_grid_ts = c.at("second_per_grid_ts").get<std::vector<float>>();
  if (c.contains("tokens_per_second")) in.tokens_per_second = c.at("tokens_per_second").get<float>();
  return in;
}

void check_positions(const cope::mrope_positions& got, const json& expected) {
  REQUIRE(expected.size() == 3);
  REQUIRE(got.tokens == expected[0].size());
  std::size_t wrong = 0;
  for (std::size_t a = 0; a < 3; ++a)
    for (std::size_t t = 0; t < got.tokens; ++t) {
      const double e = expected[a][t].get<double>();
      if (got.at(a, t) != e) {
        if (wrong++ < 5) UNSCOPED_INFO("axis " << a << " token " << t << ": got " << got.at(a, t) << ", reference " << e);
      }
    }
  CHECK(wrong == 0);
}

TEST_CASE("mrope.json: each case's spectrum and map from its config keys") {
  for (const json& c : mrope_cases()) {
    INFO(c.at("name").get<std::string>());
    const json& rope = c.at("text_config_rope");
    const int head_dim = c.at("head_dim").get<int>();
    cope::default_parameters p;
    p.rope_theta = rope.at("rope_theta").get<double>();
    p.partial_rotary_factor = static_cast<double>(c.at("rotary_dim").get<int>()) / head_dim;
    const cope::spectrum torch_math = cope::rope_default(head_dim, p, cope::compat::torch_cpu_math());
    const cope::spectrum portable = cope::rope_default(head_dim, p);
    const std::size_t n = c.at("inv_freq_f32_bits").size();
    REQUIRE(torch_math.inv_freq.size() == n);
    for (std::size_t j = 0; j < n; ++j) {
      INFO("pair " << j);
      CHECK(cope_test::bits_of(torch_math.inv_freq[j]) == cope_test::expected_bits(c, j));
      const auto ulps = static_cast<std::int64_t>(cope_test::bits_of(portable.inv_freq[j])) -
                        static_cast<std::int64_t>(cope_test::expected_bits(c, j));
      CHECK(std::abs(ulps) <= 1);
    }
    CHECK(torch_math.attention_factor == c.at("attention_factor").get<double>());

    const std::vector<int> sections = rope.at("mrope_section").get<std::vector<int>>();
    const bool interleaved = rope.contains("mrope_interleaved") && rope.at("mrope_interleaved").get<bool>();
    const cope::axis_map map = interleaved ? cope::axis_map::interleaved(sections.data(), sections.size())
                                           : cope::axis_map::sectioned(sections.data(), sections.size());
    const char* names[] = {"t", "h", "w"};
    REQUIRE(map.pairs() == c.at("pair_axis").size());
    for (std::size_t j = 0; j < map.pairs(); ++j) {
      INFO("pair " << j);
      CHECK(names[map[j]] == c.at("pair_axis")[j].get<std::string>());
    }
  }
}

TEST_CASE("mrope.json: the index builder reproduces position_ids and mrope_position_delta (v4 default, v5 option)") {
  for (const json& c : mrope_cases()) {
    const std::string name = c.at("name").get<std::string>();
    INFO(name);
    const std::vector<std::uint8_t> types = c.at("mm_token_type_ids").get<std::vector<std::uint8_t>>();
    cope::vision_inputs in = inputs_of(c);
    // transformers v4 (the default): v4_position_ids, or position_ids where the two agree.
    const cope::mrope_positions v4 = cope::mrope_index(types.data(), types.size(), in);
    const json& v4_expected = c.at("v4_position_ids").is_string() ? c.at("position_ids") : c.at("v4_position_ids");
    check_positions(v4, v4_expected);
    CHECK(v4.mrope_position_delta == c.at("v4_mrope_position_delta").get<double>());
    CHECK_FALSE(v4.fractional());
    // transformers v5.
    in.after_vision = cope::text_after_vision::transformers_v5;
    const cope::mrope_positions v5 = cope::mrope_index(types.data(), types.size(), in);
    check_positions(v5, c.at("position_ids"));
    CHECK(v5.mrope_position_delta == c.at("mrope_position_delta").get<double>());
    if (name != "qwen3-vl") CHECK(v4.position_ids != v5.position_ids);  // the data's point: they differ here
  }
}

TEST_CASE("mrope index: GLM-4V places a frame per run between timestamps, as Qwen3-VL") {
  for (const json& c : mrope_cases()) {
    if (c.at("name").get<std::string>() != "qwen3-vl") continue;
    const std::vector<std::uint8_t> types = c.at("mm_token_type_ids").get<std::vector<std::uint8_t>>();
    cope::vision_inputs in = inputs_of(c);
    in.rule = cope::mrope_rule::glm4v;
    check_positions(cope::mrope_index(types.data(), types.size(), in), c.at("position_ids"));
  }
}

TEST_CASE("mrope index: HoPE's dynamic temporal scaling, fractional t and spatial positions centred on t") {
  // 5 text tokens, a video of 2 frames of 6 x 4 patches (merged 3 x 2), scale 0.75, 2 text tokens.
  // From the reference formula: t = st + f * 0.75, h = t + r - (3 - 1) / 2, w = t + c - (2 - 1) / 2,
  // the next text at the largest t + 1.
  std::vector<std::uint8_t> types(5, cope::token_text);
  types.insert(types.end(), 12, cope::token_video);
  types.insert(types.end(), 2, cope::token_text);
  cope::vision_inputs in;
  in.rule = cope::mrope_rule::hope;
  in.video_grid_thw = {{2, 6, 4}};
  in.temporal_scale = 0.75f;
  const cope::mrope_positions p = cope::mrope_index(types.data(), types.size(), in);
  REQUIRE(p.fractional());
  const std::vector<float> t = {0, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5.75f, 5.75f, 5.75f, 5.75f, 5.75f, 5.75f, 6.75f, 7.75f};
  const std::vector<float> h = {0, 1, 2, 3, 4, 4, 4, 5, 5, 6, 6, 4.75f, 4.75f, 5.75f, 5.75f, 6.75f, 6.75f, 6.75f, 7.75f};
  const std::vector<float> w = {0, 1, 2, 3, 4, 5, 6, 5, 6, 5, 6, 5.75f, 6.75f, 5.75f, 6.75f, 5.75f, 6.75f, 6.75f, 7.75f};
  std::vector<float> expected = t;
  expected.insert(expected.end(), h.begin(), h.end());
  expected.insert(expected.end(), w.begin(), w.end());
  CHECK(p.fractional_position_ids == expected);
  CHECK(p.mrope_position_delta == 8.75 - 19);
  // With no text before it, the centred spatial positions start below zero.
  std::vector<std::uint8_t> video_first(12, cope::token_video);
  const cope::mrope_positions q = cope::mrope_index(video_first.data(), video_first.size(), in);
  CHECK(q.at(1, 0) == -1.0);
}

TEST_CASE("mrope index: Qwen2.5-VL scales video time by seconds per grid and tokens per second") {
  // One video of 4 frames at 0.5 s per grid, 2 tokens per second: t indices 0, 1, 2, 3 -> 0, 1, 2, 3;
  // at 1.5 s: 0, 3, 6, 9 (float32 products, truncated).
  std::vector<std::uint8_t> types(4, cope::token_video);
  cope::vision_inputs in;
  in.rule = cope::mrope_rule::qwen2_5_vl;
  in.video_grid_thw = {{4, 2, 2}};
  for (float seconds : {0.5f, 1.5f}) {
    in.second_per_grid_ts = {seconds};
    const cope::mrope_positions p = cope::mrope_index(types.data(), types.size(), in);
    for (std::size_t f = 0; f < 4; ++f) CHECK(p.at(0, f) == std::trunc(static_cast<double>(f) * seconds * 2));
  }
}

TEST_CASE("mrope index: bad input is rejected, naming what and where") {
  auto fails = [](const std::vector<std::uint8_t>& types, const cope::vision_inputs& in, const std::string& text) {
    const auto r = cope::try_mrope_index(types.data(), types.size(), in);
    REQUIRE_FALSE(r.ok());
    INFO(r.error().message());
    CHECK(r.error().message().find(text) != std::string::npos);
  };
  cope::vision_inputs in;
  in.image_grid_thw = {{1, 4, 4}};
  std::vector<std::uint8_t> types = {0, 1, 1, 1, 1, 0};
  CHECK(cope::try_mrope_index(types.data(), types.size(), in).ok());
  fails({0, 1, 1, 1, 0}, in, "image 0 has 3 tokens at token 1 but its grid (1, 4, 4) merged by 2 gives 4");
  fails({0, 1, 1, 1, 1, 0, 1, 1, 1, 1}, in, "the image run at token 6 has no image_grid_thw entry (1 given)");
  fails({0, 0}, in, "the tokens hold 0 images and 0 videos but 1 image and 0 video grids were given");
  fails({0, 3}, in, "mm_token_type_ids[1] (3) is not 0 (text), 1 (image) or 2 (video)");
  in.image_grid_thw = {{1, 3, 4}};
  fails(types, in, "image_grid_thw[0] (1, 3, 4): h and w must be multiples of spatial_merge_size (2)");
  in.image_grid_thw = {{0, 4, 4}};
  fails(types, in, "image_grid_thw[0] (0, 4, 4) must be positive");
  in.image_grid_thw = {};
  in.rule = cope::mrope_rule::qwen3_vl;
  in.video_grid_thw = {{2, 4, 4}};
  fails({2, 2, 2, 2, 0, 2, 2}, in, "video 0 frame 1 has 2 tokens at token 5");
  fails({2, 2, 2, 2, 0}, in, "videos and part of another");
  in.rule = cope::mrope_rule::hope;
  in.temporal_scale = 0;
  fails({2, 2, 2, 2, 2, 2, 2, 2}, in, "temporal_scale (0) must be in (0, 16]");
  in.rule = cope::mrope_rule::qwen2_5_vl;
  in.second_per_grid_ts = {1, 2};
  fails({2, 2, 2, 2, 2, 2, 2, 2}, in, "2 second_per_grid_ts for 1 videos");
  in.spatial_merge_size = 0;
  fails({0}, in, "spatial_merge_size (0) must be in [1, 64]");
  CHECK(cope::try_mrope_index(nullptr, 3, cope::vision_inputs{}).error().code() == cope::errc::null_data);
}

TEST_CASE("axis maps: the families' maps and their validation") {
  // Qwen3.5: interleaved [11, 11, 10] over 32 pairs.
  const cope::axis_map q35 = cope::axis_map::interleaved({11, 11, 10});
  std::string pattern;
  for (std::size_t j = 0; j < q35.pairs(); ++j) pattern += "thw"[q35[j]];
  CHECK(pattern == "thwthwthwthwthwthwthwthwthwthwth");
  // ERNIE-4.5-VL: [h 22, w 22, t 20]: h, w alternating, then t on the lowest 20.
  const cope::axis_map ernie = cope::axis_map::ernie(64, 20);
  CHECK(ernie[0] == cope::axis_h);
  CHECK(ernie[1] == cope::axis_w);
  CHECK(ernie[43] == cope::axis_w);
  CHECK(ernie[44] == cope::axis_t);
  CHECK(ernie.count(cope::axis_h) == 22);
  CHECK(ernie.count(cope::axis_t) == 20);
  // HoPE on Qwen2-VL's [16, 24, 24]: h, w alternating on the highest 48 pairs, the lowest 16 identity.
  const cope::axis_map hope = cope::axis_map::hope({16, 24, 24});
  CHECK(hope.count(cope::axis_h) == 24);
  CHECK(hope.count(cope::axis_map::none) == 16);
  CHECK(hope[47] == cope::axis_w);
  CHECK(hope[48] == cope::axis_map::none);
  CHECK(hope.axes() == 3);
  // XD-RoPE: 4 sections, 4 streams.
  CHECK(cope::axis_map::sectioned({16, 16, 16, 16}).axes() == 4);
  CHECK(cope::axis_map::sectioned({16, 24, 24, 0}) == cope::axis_map::sectioned({16, 24, 24}));

  auto fails = [](const cope::result<cope::axis_map>& r, const std::string& text) {
    REQUIRE_FALSE(r.ok());
    INFO(r.error().message());
    CHECK(r.error().code() == cope::errc::invalid_axis_map);
    CHECK(r.error().message().find(text) != std::string::npos);
  };
  fails(cope::axis_map::try_sectioned({16, -1, 24}), "mrope_section[1] (-1) must be in [0, 512]");
  fails(cope::axis_map::try_sectioned({0, 0, 0}), "mrope_section [0, 0, 0] adds up to 0 pairs; a map has 1 to 512");
  fails(cope::axis_map::try_sectioned({1, 2, 3, 4, 5}), "mrope_section has 5 entries; this map takes 1 to 4");
  fails(cope::axis_map::try_interleaved({10, 20, 20}), "gives axis 0 17 pairs instead of 10");
  fails(cope::axis_map::try_interleaved({24, 20, 20, 4}), "a 4th section must be 0");
  fails(cope::axis_map::try_hope({16, 24, 20}), "h and w alternate, so their sections must be equal");
  fails(cope::axis_map::try_ernie(64, 21), "pairs - freq_allocation must be even");
  fails(cope::axis_map::try_from_axes({0, 1, 7}), "pair 2 reads axis 7; axes are 0 to 3 or axis_map::none");
}

TEST_CASE("decode: every axis at context_length + mrope_position_delta, as 1-D positions with the map") {
  const cope::spectrum s = cope::rope_default(128, {1e6, 1.0});
  const cope::axis_map map = cope::axis_map::sectioned({16, 24, 24});
  std::vector<std::uint8_t> types = {0, 0, 1, 1, 1, 1, 1, 1, 0};
  cope::vision_inputs in;
  in.image_grid_thw = {{1, 4, 6}};
  const cope::mrope_positions p = cope::mrope_index(types.data(), types.size(), in);
  const auto next = static_cast<std::int64_t>(types.size()) + static_cast<std::int64_t>(p.mrope_position_delta);
  CHECK(next == p.position_ids[8] + 1);  // the token after the prompt continues its last text position
  std::vector<float> a(4 * 128), b(4 * 128);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = b[i] = std::sin(static_cast<float>(i));
  std::vector<std::int64_t> same = {next, next, next};
  cope::rope_args one = cope::rope_args::in_place(cope::make_view(a.data(), 1, 4, 128), {}, cope::positions::from_offset(next));
  cope::rope_args three = cope::rope_args::in_place(cope::make_view(b.data(), 1, 4, 128), {},
                                                    cope::positions::multi_axis(same.data(), 3, 1));
  one.pair_axes = three.pair_axes = &map;
  cope::apply_rope(s, one);
  cope::apply_rope(s, three);
  CHECK(a == b);
}

}  // namespace
