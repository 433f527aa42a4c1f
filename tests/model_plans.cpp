// The model front door against ../shared/reference/models.json: every published config.json, read as
// published, gives each layer kind's inv_freq bit for bit (torch's float32 math; within 1 ulp portably),
// its attention factor, rotary dims, window, layout, has-RoPE and the extra scalars. Then the GGUF files
// llama.cpp's converter would write for the same models give the same plans.
#include <catch2/catch.hpp>

#include "cope/compat/torch_cpu.hpp"
#include "cope/gguf.hpp"
#include "cope/hf_config.hpp"
#include "support/golden.hpp"
#include "support/convert_hf_to_gguf.hpp"

#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#ifndef COPE_MODELS_JSON
#error "COPE_MODELS_JSON must name reference/models.json (set by tests/CMakeLists.txt)"
#endif

namespace {

using cope_test::json;

const json& models() {
  static const json data = cope_test::parse_file(COPE_MODELS_JSON);
  return data;
}

const json& model(const std::string& name) {
  for (const json& m : models().at("models"))
    if (m.at("name").get<std::string>() == name) return m;
  FAIL("models.json has no model named " << name);
  static const json none;
  return none;
}

std::int64_t ulp_distance(float a, float b) {
  return std::llabs(static_cast<std::int64_t>(cope_test::bits_of(a)) - static_cast<std::int64_t>(cope_test::bits_of(b)));
}

void check_inv_freq(const std::vector<float>& got, const json& kind, std::int64_t max_ulps) {
  const json& bits = kind.at("inv_freq_f32_bits");
  REQUIRE(got.size() == bits.size());
  for (std::size_t j = 0; j < got.size(); ++j) {
    INFO("pair " << j);
    const auto expected = static_cast<std::uint32_t>(std::stoul(bits[j].get<std::string>(), nullptr, 16));
    float e;
    std::memcpy(&e, &expected, 4);
    if (max_ulps == 0)
      CHECK(cope_test::bits_of(got[j]) == expected);
    else
      CHECK(ulp_distance(got[j], e) <= max_ulps);
  }
}

cope::layout layout_named(const std::string& s) {
  REQUIRE((s == "rotate_half" || s == "interleaved"));
  return s == "rotate_half" ? cope::layout::rotate_half : cope::layout::interleaved;
}

// The config object as published, read by cope; each layer kind of the reference against the plan.
void check_model(const std::string& name) {
  const json& m = model(name);
  cope::hf_config_options torch_options;
  torch_options.math = cope::compat::torch_cpu_math();
  const cope::result<cope::rope_plan> plan = cope::try_hf_config_plan(m.at("config"), torch_options);
  INFO(name);
  REQUIRE(plan.ok());
  const cope::result<cope::rope_plan> portable = cope::try_hf_config_plan(m.at("config"));
  REQUIRE(portable.ok());
  const json& text = m.at("config").contains("text_config") ? m.at("config").at("text_config") : m.at("config");
  CHECK(plan->model_type == text.at("model_type").get<std::string>());
  const int layers = text.contains("num_hidden_layers") ? text.at("num_hidden_layers").get<int>() : text.at("n_layer").get<int>();
  CHECK(plan->num_layers() == layers);

  for (const json& kind : m.at("layer_kinds")) {
    const std::string kind_name = kind.at("layer_kind").get<std::string>();
    INFO("layer kind " << kind_name);
    const cope::layer_rope* k = plan->kind(kind_name);
    REQUIRE(k != nullptr);
    const cope::layer_rope* kp = portable->kind(kind_name);
    REQUIRE(kp != nullptr);
    CHECK(k->has_rope == kind.at("has_rope").get<bool>());
    if (!k->has_rope) continue;
    CHECK(k->head_dim == kind.at("head_dim").get<int>());
    CHECK(k->rotary_dim == kind.at("rotary_dim").get<int>());
    CHECK(k->rotary_offset == kind.value("rotary_offset", 0));
    CHECK(k->pairing == layout_named(kind.at("layout").get<std::string>()));
    REQUIRE(k->spectrum);
    CHECK(k->spectrum->pairs() == kind.at("n_freqs").get<int>());
    CHECK(std::fabs(k->spectrum->attention_factor - kind.at("attention_factor").get<double>()) <= 1e-15);
    check_inv_freq(k->spectrum->inv_freq, kind, 0);   // torch's float32 math: bit for bit
    check_inv_freq(kp->spectrum->inv_freq, kind, 1);  // portable math: within 1 ulp
    if (kind.contains("rotated_pairs")) {
      int rotated = 0;
      for (float f : k->spectrum->inv_freq) rotated += f != 0.0f;
      CHECK(rotated == kind.at("rotated_pairs").get<int>());
    }
    // M-RoPE: the sections and the map the reference reads.
    if (kind.contains("mrope_section")) {
      CHECK(k->mrope_section == kind.at("mrope_section").get<std::vector<int>>());
      CHECK(k->mrope_interleaved == kind.value("mrope_interleaved", false));
      REQUIRE(k->pair_axes.has_value());
      const std::vector<int> s = kind.at("mrope_section").get<std::vector<int>>();
      const cope::axis_map expected = k->mrope_interleaved ? cope::axis_map::interleaved(s.data(), s.size())
                                                           : cope::axis_map::sectioned(s.data(), s.size());
      REQUIRE(k->pair_axes->pairs() == expected.pairs());
      for (std::size_t j = 0; j < expected.pairs(); ++j) CHECK(k->pair_axes->data()[j] == expected.data()[j]);
    } else {
      CHECK_FALSE(k->pair_axes.has_value());
    }
    // Every layer of the kind shares its spectrum; a kind "all" covers every layer that has RoPE.
    for (int i = 0; i < plan->num_layers(); ++i) {
      const cope::layer_rope& l = plan->layer(i);
      if ((kind_name == "all" && l.has_rope) || l.name == kind_name) CHECK(l.spectrum == k->spectrum);
    }
    // dynamic / longrope: the spectrum at the reference's runtime sequence length.
    if (kind.contains("at_seq_len")) {
      const json& at = kind.at("at_seq_len");
      cope::result<cope::spectrum> s = k->try_spectrum_at(at.at("seq_len").get<std::int64_t>(), cope::compat::torch_cpu_math());
      REQUIRE(s.ok());
      check_inv_freq(s->inv_freq, at, 0);
      check_inv_freq(kp->try_spectrum_at(at.at("seq_len").get<std::int64_t>())->inv_freq, at, 1);
      CHECK(std::fabs(s->attention_factor - at.at("attention_factor").get<double>()) <= 1e-15);
    }
  }
  // DeepSeek's softmax-scale multiplier; 1 for every other model.
  const double multiplier = m.contains("extra") ? m.at("extra").at("softmax_scale_multiplier").get<double>() : 1.0;
  CHECK(std::fabs(plan->softmax_scale_multiplier - multiplier) <= 1e-15 * multiplier);
  if (m.contains("extra")) {
    // The softmax scale itself: qk_head_dim^-0.5 times the multiplier.
    const json& extra = m.at("extra");
    CHECK(std::fabs(std::pow(plan->kinds[0].head_dim, -0.5) * plan->softmax_scale_multiplier -
                    extra.at("softmax_scale").get<double>()) <= 1e-15);
    CHECK((plan->kinds[0].pairing == cope::layout::interleaved) == extra.at("rope_interleave").get<bool>());
  }
}

}  // namespace

// ---- models.json: each model its own test ------------------------------------------------------
TEST_CASE("models.json: Llama-2-7b-hf") { check_model("Llama-2-7b-hf"); }
TEST_CASE("models.json: Mistral-7B-v0.3") { check_model("Mistral-7B-v0.3"); }
TEST_CASE("models.json: Phi-3.5-mini-instruct") { check_model("Phi-3.5-mini-instruct"); }
TEST_CASE("models.json: gemma-2-9b") { check_model("gemma-2-9b"); }
TEST_CASE("models.json: Llama-3.1-8B") { check_model("Llama-3.1-8B"); }
TEST_CASE("models.json: Llama-3.2-1B") { check_model("Llama-3.2-1B"); }
TEST_CASE("models.json: gpt-j-6b") { check_model("gpt-j-6b"); }
TEST_CASE("models.json: OLMo-2-1124-7B") { check_model("OLMo-2-1124-7B"); }
TEST_CASE("models.json: Qwen2-7B") { check_model("Qwen2-7B"); }
TEST_CASE("models.json: RedPajama-INCITE-Base-3B-v1 (gpt_neox)") { check_model("RedPajama-INCITE-Base-3B-v1 (gpt_neox)"); }
TEST_CASE("models.json: Qwen3-8B") { check_model("Qwen3-8B"); }
TEST_CASE("models.json: Qwen2.5-7B") { check_model("Qwen2.5-7B"); }
TEST_CASE("models.json: Qwen2.5-7B-Instruct") { check_model("Qwen2.5-7B-Instruct"); }
TEST_CASE("models.json: Qwen2.5-VL-7B-Instruct") { check_model("Qwen2.5-VL-7B-Instruct"); }
TEST_CASE("models.json: Qwen3.5-9B") { check_model("Qwen3.5-9B"); }
TEST_CASE("models.json: DeepSeek-V3") { check_model("DeepSeek-V3"); }
TEST_CASE("models.json: gpt-oss-20b") { check_model("gpt-oss-20b"); }
TEST_CASE("models.json: gemma-3-4b-it") { check_model("gemma-3-4b-it"); }

TEST_CASE("models.json: every model has its test above") {
  static const std::set<std::string> tested = {
      "Llama-2-7b-hf", "Mistral-7B-v0.3", "Phi-3.5-mini-instruct", "gemma-2-9b", "Llama-3.1-8B", "Llama-3.2-1B",
      "gpt-j-6b", "OLMo-2-1124-7B", "Qwen2-7B", "RedPajama-INCITE-Base-3B-v1 (gpt_neox)", "Qwen3-8B", "Qwen2.5-7B",
      "Qwen2.5-7B-Instruct", "Qwen2.5-VL-7B-Instruct", "Qwen3.5-9B", "DeepSeek-V3", "gpt-oss-20b", "gemma-3-4b-it"};
  for (const json& m : models().at("models")) CHECK(tested.count(m.at("name").get<std::string>()) == 1);
}

TEST_CASE("models.json: each model's q / k norm (the modeling file's) on its RoPE layers") {
  struct expected {
    cope::qk_norm_kind kind;
    cope::qk_norm_span span;
    float eps;
  };
  using k = cope::qk_norm_kind;
  const std::map<std::string, expected> with_norm = {
      {"Qwen3-8B", {k::weight_after_cast, cope::qk_norm_span::head, 1e-6f}},
      {"Qwen3.5-9B", {k::one_plus_weight, cope::qk_norm_span::head, 1e-6f}},
      {"gemma-3-4b-it", {k::one_plus_weight, cope::qk_norm_span::head, 1e-6f}},
      {"OLMo-2-1124-7B", {k::weight, cope::qk_norm_span::token, 1e-6f}}};
  for (const json& m : models().at("models")) {
    const std::string name = m.at("name").get<std::string>();
    INFO(name);
    const cope::result<cope::rope_plan> plan = cope::try_hf_config_plan(m.at("config"));
    REQUIRE(plan.ok());
    const auto it = with_norm.find(name);
    for (const cope::layer_rope& kind : plan->kinds) {
      if (!kind.has_rope || it == with_norm.end()) {
        CHECK(kind.norm.kind == k::none);
        continue;
      }
      CHECK(kind.norm.kind == it->second.kind);
      CHECK(kind.norm.span == it->second.span);
      CHECK(kind.norm.order == cope::qk_norm_order::before_rope);
      CHECK(kind.norm.eps == static_cast<float>(m.at("config").value("rms_norm_eps", m.at("config").contains("text_config")
                                                                                         ? m.at("config").at("text_config").value("rms_norm_eps", 1e-6)
                                                                                         : 1e-6)));
      CHECK(std::string(kind.norm.source).find("modeling_") != std::string::npos);
    }
  }
}

// ---- GGUF: what convert_hf_to_gguf.py writes for the same models ----------------------------------
namespace {

using cope_test::converted;
converted convert(const std::string& name) { return cope_test::convert_hf_to_gguf(model(name).at("config")); }

// The GGUF plan equals the config.json plan layer by layer: has-RoPE, head_dim, window, spectrum
// (bit for bit, or within `max_ulps`), attention factor, map, scalars; the layout is the checkpoint's:
// interleaved for llama.cpp's NORM architectures, whose converter permutes q / k.
void check_gguf_equals_config(const std::string& name, std::int64_t max_ulps = 0) {
  INFO(name);
  const converted file = convert(name);
  const cope::result<cope::rope_plan> from_gguf = cope::try_read_gguf(file.bytes.data(), file.bytes.size(),
                                                                      cope::compat::torch_cpu_math());
  if (!from_gguf) FAIL(from_gguf.error().message());
  cope::hf_config_options torch_options;
  torch_options.math = cope::compat::torch_cpu_math();
  const cope::result<cope::rope_plan> from_config = cope::try_hf_config_plan(model(name).at("config"), torch_options);
  REQUIRE(from_config.ok());
  CHECK(from_gguf->source == "gguf");
  CHECK(from_gguf->model_type == file.arch);
  REQUIRE(from_gguf->num_layers() == from_config->num_layers());
  CHECK(std::fabs(from_gguf->softmax_scale_multiplier - from_config->softmax_scale_multiplier) <= 1e-15);
  for (int i = 0; i < from_config->num_layers(); ++i) {
    INFO("layer " << i);
    const cope::layer_rope& g = from_gguf->layer(i);
    const cope::layer_rope& c = from_config->layer(i);
    REQUIRE(g.has_rope == c.has_rope);
    if (!c.has_rope) continue;
    CHECK(g.head_dim == c.head_dim);
    CHECK(g.rotary_dim == c.rotary_dim);
    CHECK(g.rotary_offset == c.rotary_offset);
    const bool permuted = cope::gguf_arch_rope_mode(file.arch) == cope::gguf_rope_mode::norm &&
                          c.pairing == cope::layout::rotate_half;
    CHECK(g.pairing == (permuted ? cope::layout::interleaved : c.pairing));
    CHECK(std::fabs(g.spectrum->attention_factor - c.spectrum->attention_factor) <= 1e-15);
    REQUIRE(g.spectrum->pairs() == c.spectrum->pairs());
    for (int j = 0; j < c.spectrum->pairs(); ++j) {
      INFO("pair " << j);
      if (max_ulps == 0)
        CHECK(cope_test::bits_of(g.spectrum->inv_freq[static_cast<std::size_t>(j)]) ==
              cope_test::bits_of(c.spectrum->inv_freq[static_cast<std::size_t>(j)]));
      else
        CHECK(ulp_distance(g.spectrum->inv_freq[static_cast<std::size_t>(j)], c.spectrum->inv_freq[static_cast<std::size_t>(j)]) <= max_ulps);
    }
    REQUIRE(g.pair_axes.has_value() == c.pair_axes.has_value());
    if (c.pair_axes)
      for (std::size_t j = 0; j < c.pair_axes->pairs(); ++j) CHECK(g.pair_axes->data()[j] == c.pair_axes->data()[j]);
    if (i > 0 && from_config->layer_kind[static_cast<std::size_t>(i)] == from_config->layer_kind[0])
      CHECK(g.spectrum == from_gguf->layer(0).spectrum);  // one spectrum per kind
  }
}

}  // namespace

TEST_CASE("gguf: the converter's file gives the config.json plan (bit for bit)") {
  for (const char* name : {"Llama-2-7b-hf", "Mistral-7B-v0.3", "Phi-3.5-mini-instruct", "gemma-2-9b", "OLMo-2-1124-7B",
                           "Qwen2-7B", "RedPajama-INCITE-Base-3B-v1 (gpt_neox)", "Qwen3-8B", "Qwen2.5-7B",
                           "Qwen2.5-7B-Instruct", "Qwen2.5-VL-7B-Instruct", "Qwen3.5-9B", "DeepSeek-V3", "gemma-3-4b-it"})
    check_gguf_equals_config(name);
}

TEST_CASE("gguf: Llama 3's pre-baked rope_freqs give the llama3 spectrum within 2 ulp") {
  // The converter rounds each per-pair factor to float32, so 1 / (factor * base^e) rounds differently
  // from HF's blend of inv_freq / factor and inv_freq; the values agree to float32 rounding.
  check_gguf_equals_config("Llama-3.1-8B", 2);
  check_gguf_equals_config("Llama-3.2-1B", 2);
}

TEST_CASE("gguf: gpt-oss loses truncate=false (ggml always truncates the YaRN range)") {
  const converted file = convert("gpt-oss-20b");
  const cope::rope_plan g = cope::read_gguf(file.bytes.data(), file.bytes.size());
  const cope::rope_plan c = cope::hf_config_plan(model("gpt-oss-20b").at("config"));
  REQUIRE(g.kinds[0].parameters.truncate == std::optional<bool>(true));
  REQUIRE(c.kinds[0].parameters.truncate == std::optional<bool>(false));
  // HF's correction range is [8.09, 17.40], ggml's [8, 18]: pairs up to 8 and from 18 on agree.
  for (int j = 0; j < 32; ++j) {
    const float a = g.kinds[0].spectrum->inv_freq[static_cast<std::size_t>(j)], b = c.kinds[0].spectrum->inv_freq[static_cast<std::size_t>(j)];
    if (j <= 8 || j >= 18) CHECK(a == b);
    else CHECK(a != b);
  }
  CHECK(g.kinds[0].spectrum->attention_factor == c.kinds[0].spectrum->attention_factor);
}

TEST_CASE("gguf: a file on disk reads the same as the buffer, tensors included") {
  const converted file = convert("Phi-3.5-mini-instruct");
  const std::string path = "model_plans_phi35.gguf";
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    REQUIRE(f != nullptr);
    REQUIRE(std::fwrite(file.bytes.data(), 1, file.bytes.size(), f) == file.bytes.size());
    std::fclose(f);
  }
  const cope::rope_plan a = cope::read_gguf_file(path);
  const cope::rope_plan b = cope::read_gguf(file.bytes.data(), file.bytes.size());
  std::remove(path.c_str());
  REQUIRE(a.kinds.size() == b.kinds.size());
  CHECK(a.kinds[0].spectrum->inv_freq == b.kinds[0].spectrum->inv_freq);
  CHECK(a.kinds[0].parameters.long_factor == b.kinds[0].parameters.long_factor);
  CHECK(cope::try_read_gguf_file("no/such/file.gguf").error().message() == "gguf: cannot open 'no/such/file.gguf'");
}

TEST_CASE("examples/configs: the sample GGUF files are the converter's metadata for their config.json") {
  for (const char* name : {"qwen2.5-vl-7b-instruct", "phi-3.5-mini-instruct"}) {
    INFO(name);
    const std::string dir = COPE_EXAMPLE_CONFIGS;
    const json config = cope_test::parse_file((dir + "/" + name + ".json").c_str());
    const std::vector<unsigned char> expected = cope_test::convert_hf_to_gguf(config).bytes;
    std::FILE* f = std::fopen((dir + "/" + name + ".metadata.gguf").c_str(), "rb");
    REQUIRE(f != nullptr);
    std::vector<unsigned char> got(expected.size() + 1);
    got.resize(std::fread(got.data(), 1, got.size(), f));
    std::fclose(f);
    CHECK(got == expected);
    const cope::rope_plan from_file = cope::read_gguf_file(dir + "/" + name + ".metadata.gguf");
    const cope::rope_plan from_config = cope::read_hf_config_file(dir + "/" + name + ".json");
    CHECK(from_file.kinds[0].spectrum->inv_freq == from_config.kinds[0].spectrum->inv_freq);
  }
}
