// The model front door against ../shared/reference/models.json: every published config.json, read as
// published, gives each layer kind's inv_freq bit for bit (torch's float32 math; within 1 ulp portably),
// its attention factor, rotary dims, window, layout, has-RoPE and the extra scalars. Then the GGUF files
// llama.cpp's converter would write for the same models give the same plans.
#include <catch2/catch.hpp>

#include "cope/compat/torch_cpu.hpp"
#include "cope/gguf.hpp"
#include "cope/hf_config.hpp"
#include "support/golden.hpp"
#include "support/gguf_writer.hpp"

#include <cmath>
#include <cstdint>
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
      cope::result<cope::spectrum> s = k->try_spectrum_at(at.at("seq_len").get<std::int64_t>());
      REQUIRE(s.ok());
      check_inv_freq(s->inv_freq, at, 1);
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

// ---- GGUF: what convert_hf_to_gguf.py writes for the same models ----------------------------------
namespace {

// The GGUF metadata llama.cpp's converter emits for a model (convert_hf_to_gguf.py, the classes named
// below), from the published config: TextModel.set_gguf_parameters writes context_length
// (max_position_embeddings), embedding_length, block_count, head_count, key_length when the config has
// head_dim, and rope.freq_base from rope_theta (float32); its rope-scaling block writes linear / yarn
// (type, factor, original_context_length, beta_fast / beta_slow when present) and pads mrope_section
// to 4 as rope.dimension_sections. Each model class adds its own keys, as commented.
struct converted {
  std::string arch;
  std::vector<unsigned char> bytes;
};

converted convert(const std::string& name) {
  const json& config = model(name).at("config");
  const json& text = config.contains("text_config") ? config.at("text_config") : config;
  const std::string type = text.value("model_type", config.value("model_type", std::string()));
  auto get = [&](const char* key) -> const json* {
    if (text.contains(key) && !text.at(key).is_null()) return &text.at(key);
    if (config.contains(key) && !config.at(key).is_null()) return &config.at(key);
    return nullptr;
  };
  const std::string arch = type == "llama" || type == "mistral" ? "llama"  // LlamaModel (Mistral: LlamaModel too)
                           : type == "gemma3_text"              ? "gemma3"
                           : type == "gpt_neox"                 ? "gptneox"
                           : type == "qwen2_5_vl"               ? "qwen2vl"  // Qwen2VLModel covers Qwen2.5-VL
                           : type == "qwen3_5_text"             ? "qwen35"
                           : type == "deepseek_v3"              ? "deepseek2"
                           : type == "gpt_oss"                  ? "gpt-oss"
                                                                : type;
  cope_test::gguf_writer w(arch);
  const int hidden = get("hidden_size") ? get("hidden_size")->get<int>() : 2560;  // Gemma3TextConfig: 2560 here
  const int heads = get("num_attention_heads") ? get("num_attention_heads")->get<int>() : 8;
  const int head_dim = get("head_dim") ? get("head_dim")->get<int>() : (type == "gemma3_text" ? 256 : hidden / heads);
  w.u32(w.key("context_length"), get("max_position_embeddings") ? get("max_position_embeddings")->get<std::uint32_t>() : 131072);
  w.u32(w.key("embedding_length"), static_cast<std::uint32_t>(hidden));
  w.u32(w.key("block_count"), text.at("num_hidden_layers").get<std::uint32_t>());
  w.u32(w.key("attention.head_count"), static_cast<std::uint32_t>(heads));
  // Gemma3Model writes key_length from head_dim with its class default (256).
  if (get("head_dim") || arch == "gemma3") w.u32(w.key("attention.key_length"), static_cast<std::uint32_t>(head_dim));
  const json* rope = get("rope_parameters") ? get("rope_parameters") : get("rope_scaling");
  double theta = 0;
  if (get("rope_theta")) theta = get("rope_theta")->get<double>();
  if (rope != nullptr && rope->contains("rope_theta")) theta = rope->at("rope_theta").get<double>();
  if (type == "gemma3_text" && theta == 0) theta = 1e6;  // Gemma3Model reads the class default too
  if (theta != 0) w.f32(w.key("rope.freq_base"), static_cast<float>(theta));
  const std::string rope_type = rope == nullptr ? "default" : rope->value("rope_type", rope->value("type", std::string("default")));
  if (rope_type == "linear") {
    w.str(w.key("rope.scaling.type"), "linear");
    w.f32(w.key("rope.scaling.factor"), rope->at("factor").get<float>());
  }
  if (rope_type == "yarn") {
    w.str(w.key("rope.scaling.type"), "yarn");
    w.f32(w.key("rope.scaling.factor"), rope->at("factor").get<float>());
    w.u32(w.key("rope.scaling.original_context_length"), rope->at("original_max_position_embeddings").get<std::uint32_t>());
    if (rope->contains("beta_fast")) w.f32(w.key("rope.scaling.yarn_beta_fast"), rope->at("beta_fast").get<float>());
    if (rope->contains("beta_slow")) w.f32(w.key("rope.scaling.yarn_beta_slow"), rope->at("beta_slow").get<float>());
  }
  if (rope_type == "longrope" || rope_type == "su") w.str(w.key("rope.scaling.type"), "longrope");
  if (rope != nullptr && rope->contains("mrope_section")) {
    std::vector<std::int32_t> s = rope->at("mrope_section").get<std::vector<std::int32_t>>();
    s.resize(4, 0);
    w.i32_array(w.key("rope.dimension_sections"), s);
  }
  if (arch == "llama") {
    // LlamaModel: rope.dimension_count = head_dim; llama3 scaling becomes the rope_freqs tensor
    // (generate_extra_tensors: per pair 1, factor, or 1 / ((1 - smooth) / factor + smooth)).
    w.u32(w.key("rope.dimension_count"), static_cast<std::uint32_t>(head_dim));
    if (rope_type == "llama3") {
      const double factor = rope->at("factor").get<double>(), low = rope->at("low_freq_factor").get<double>();
      const double high = rope->at("high_freq_factor").get<double>();
      const double old_context = rope->at("original_max_position_embeddings").get<double>();
      std::vector<float> factors;
      for (int j = 0; j < head_dim / 2; ++j) {
        const float freq = 1.0f / static_cast<float>(std::pow(static_cast<float>(theta), static_cast<float>(2 * j) / head_dim));
        const double wavelen = 2 * cope::pi / freq;
        if (wavelen < old_context / high) factors.push_back(1.0f);
        else if (wavelen > old_context / low) factors.push_back(static_cast<float>(factor));
        else {
          const double smooth = (old_context / wavelen - low) / (high - low);
          factors.push_back(static_cast<float>(1 / ((1 - smooth) / factor + smooth)));
        }
      }
      w.tensor_f32("rope_freqs.weight", factors);
    }
  }
  if (arch == "phi3") {
    // Phi3MiniModel: rope dims, original context, the LongRoPE attention factor, and the factor tensors.
    const double original = config.at("original_max_position_embeddings").get<double>();
    const double scale = config.at("max_position_embeddings").get<double>() / original;
    w.u32(w.key("rope.dimension_count"), static_cast<std::uint32_t>(head_dim));
    w.u32(w.key("rope.scaling.original_context_length"), static_cast<std::uint32_t>(original));
    w.f32(w.key("rope.scaling.attn_factor"), static_cast<float>(std::sqrt(1 + std::log(scale) / std::log(original))));
    w.tensor_f32("rope_factors_long.weight", rope->at("long_factor").get<std::vector<float>>());
    w.tensor_f32("rope_factors_short.weight", rope->at("short_factor").get<std::vector<float>>());
  }
  if (arch == "gemma3") {
    // Gemma3Model: the local base (rope_local_base_freq, default 10000) for the sliding layers.
    w.f32(w.key("rope.freq_base_swa"), static_cast<float>(text.value("rope_local_base_freq", 10000.0)));
    w.u32(w.key("attention.sliding_window"), text.value("sliding_window", 4096u));
  }
  if (arch == "gptneox")  // GPTNeoXModel: int(rotary_pct * (n_embd // n_head))
    w.u32(w.key("rope.dimension_count"), static_cast<std::uint32_t>(config.at("rotary_pct").get<double>() * head_dim));
  if (arch == "qwen35") {
    // Qwen3.5: partial rotary dims and the hybrid layout (full attention every full_attention_interval).
    w.u32(w.key("rope.dimension_count"), static_cast<std::uint32_t>(head_dim * rope->at("partial_rotary_factor").get<double>()));
    w.u32(w.key("full_attention_interval"), text.at("full_attention_interval").get<std::uint32_t>());
  }
  if (arch == "deepseek2") {
    // DeepseekV2Model: key_length = kv_lora_rank + qk_rope_head_dim, key_length_mla = qk_nope + qk_rope,
    // rope.dimension_count = qk_rope_head_dim, yarn_log_multiplier = 0.1 * mscale_all_dim.
    const int nope = config.at("qk_nope_head_dim").get<int>(), rope_dim = config.at("qk_rope_head_dim").get<int>();
    w.u32(w.key("attention.key_length"), static_cast<std::uint32_t>(config.at("kv_lora_rank").get<int>() + rope_dim));
    w.u32(w.key("attention.key_length_mla"), static_cast<std::uint32_t>(nope + rope_dim));
    w.u32(w.key("rope.dimension_count"), static_cast<std::uint32_t>(rope_dim));
    w.f32(w.key("rope.scaling.yarn_log_multiplier"), static_cast<float>(0.1 * rope->at("mscale_all_dim").get<double>()));
  }
  w.string_array("tokenizer.ggml.tokens", {"<s>", "</s>", "hello"});  // what follows the rope keys in a real file
  return {arch, w.bytes()};
}

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
