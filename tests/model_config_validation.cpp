// The model front door's rules: the new rope types (proportional, ntk, NTK-alpha) against their
// definitions; configs it reads beyond models.json (CoPE keys, Gemma 4, Llama 4, Hunyuan); bad configs,
// each with its message; malformed GGUF files, each with its message, and 10,000 truncated and mutated
// GGUF buffers (under ASan in the sanitize build) that must each fail with a specific error or parse.
#include <catch2/catch.hpp>

#include "cope/gguf.hpp"
#include "cope/hf_config.hpp"
#include "support/gguf_writer.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

using json = nlohmann::json;

std::string error_of(const json& config) {
  const cope::result<cope::rope_plan> r = cope::try_hf_config_plan(config);
  REQUIRE_FALSE(r.ok());
  return r.error().message();
}

json llama_like() {
  return json::parse(R"({"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32,
                         "num_hidden_layers": 4, "max_position_embeddings": 8192, "rope_theta": 500000.0})");
}

}  // namespace

// ---- the new rope types ----------------------------------------------------------------------------
TEST_CASE("proportional: Gemma 4's global layers, d = 512, p = 0.25: 64 rotated pairs over the full head") {
  const cope::spectrum s = cope::rope_proportional(512, {1e6, 0.25, 1.0});
  REQUIRE(s.rotary_dim == 512);
  REQUIRE(s.pairs() == 256);
  for (int j = 0; j < 256; ++j) {
    const float f = s.inv_freq[static_cast<std::size_t>(j)];
    if (j < 64) {
      // The definition: 1 / base^(2j / d) with the FULL head_dim as denominator, in float32.
      const float exponent = static_cast<float>(2 * j) / 512.0f;
      CHECK(f == 1.0f / static_cast<float>(std::pow(1e6, static_cast<double>(exponent))));
      CHECK(s.inv_freq_f64[static_cast<std::size_t>(j)] == Approx(std::pow(1e6, -2.0 * j / 512)).epsilon(1e-15));
    } else {
      CHECK(f == 0.0f);  // NoPE pairs: identity
    }
  }
  // = plain RoPE's 64 highest frequencies at head_dim 512, bit for bit.
  const cope::spectrum plain = cope::rope_default(512, {1e6, 1.0});
  for (int j = 0; j < 64; ++j) CHECK(s.inv_freq[static_cast<std::size_t>(j)] == plain.inv_freq[static_cast<std::size_t>(j)]);
  CHECK(s.attention_factor == 1.0);
  // factor divides every frequency in float32.
  const cope::spectrum scaled = cope::rope_proportional(512, {1e6, 0.25, 8.0});
  for (int j = 0; j < 64; ++j) CHECK(scaled.inv_freq[static_cast<std::size_t>(j)] == s.inv_freq[static_cast<std::size_t>(j)] / 8.0f);
  // int(p * d // 2): p = 0.3 of 10 dims -> int(3.0 // 2) = 1 pair.
  CHECK(cope::rope_proportional(10, {1e4, 0.3, 1.0}).inv_freq == std::vector<float>{1.0f, 0.0f, 0.0f, 0.0f, 0.0f});
}

TEST_CASE("proportional: validation") {
  CHECK(cope::try_rope_proportional(511, {}).error().message() ==
        "proportional: head_dim (511) must be even and in [2, 65536]: the spectrum spans the whole head");
  CHECK(cope::try_rope_proportional(512, {1e6, 0.0, 1.0}).error().message() ==
        "proportional: partial_rotary_factor (0) must be in (0, 1]");
  CHECK(cope::try_rope_proportional(512, {1e6, 0.25, -1.0}).error().message() ==
        "proportional: factor (-1) must be finite and positive");
  CHECK(cope::try_rope_proportional(4, {1e4, 0.25, 1.0}).error().message() ==
        "proportional: partial_rotary_factor (0.25) of head_dim (4) rotates no pair (int(p * head_dim // 2) = 0)");
  CHECK(cope::try_rope_proportional(512, {0.5, 0.25, 1.0}).error().code() == cope::errc::invalid_base);
  cope::rope_parameters p;
  p.rope_type = "proportional";
  p.rope_theta = 1e6;
  p.partial_rotary_factor = 0.25;
  CHECK(cope::make_spectrum(p, 512).inv_freq == cope::rope_proportional(512, {1e6, 0.25, 1.0}).inv_freq);
}

TEST_CASE("ntk: fixed NTK = a base times factor, then inv_freq / factor^(2/D) (vLLM NTKScalingRotaryEmbedding)") {
  const double base = 10000, s = 4;
  const int d = 128;
  const cope::spectrum n = cope::rope_ntk(d, {base, 1.0, s, std::nullopt});
  const cope::spectrum b = cope::rope_default(d, {base * s, 1.0});
  const float divisor = static_cast<float>(std::pow(s, 2.0 / d));
  for (int j = 0; j < d / 2; ++j) {
    CHECK(n.inv_freq[static_cast<std::size_t>(j)] == b.inv_freq[static_cast<std::size_t>(j)] / divisor);
    // the formula: 1 / (base s)^(2j/D) / s^(2/D) = base^(-2j/D) s^(-(2j+2)/D)
    CHECK(n.inv_freq_f64[static_cast<std::size_t>(j)] ==
          Approx(std::pow(base, -2.0 * j / d) * std::pow(s, -(2.0 * j + 2) / d)).epsilon(1e-14));
  }
  CHECK(cope::try_rope_ntk(d, {base, 1.0, std::nullopt, std::nullopt}).error().message() ==
        "ntk: missing required parameter 'factor'");
  CHECK(cope::try_rope_ntk(d, {base, 1.0, 0.0, std::nullopt}).error().message() == "ntk: factor (0) must be finite and positive");
  CHECK(cope::try_rope_ntk(d, {base, 1.0, 4.0, -1.0}).error().message() == "ntk: mixed_b (-1) must be finite and positive");
}

TEST_CASE("ntk with mixed_b: pair j (1-based) divided by exp(a j^b), a = ln(s) / (D/2)^b (kexue.fm 9706)") {
  const int d = 64;
  const double s = 8, b = 0.625;
  const cope::spectrum n = cope::rope_ntk(d, {1e4, 1.0, s, b});
  const cope::spectrum plain = cope::rope_default(d, {1e4, 1.0});
  const double a = std::log(s) / std::pow(d / 2.0, b);
  for (int j = 0; j < d / 2; ++j) {
    const double lambda = std::exp(a * std::pow(j + 1.0, b));
    CHECK(n.inv_freq_f64[static_cast<std::size_t>(j)] == Approx(plain.inv_freq_f64[static_cast<std::size_t>(j)] / lambda).epsilon(1e-14));
    // float32: within 2 ulp of the exact quotient of the float32 inputs
    CHECK(n.inv_freq[static_cast<std::size_t>(j)] ==
          Approx(plain.inv_freq[static_cast<std::size_t>(j)] / lambda).epsilon(3e-7));
  }
  // The last pair is divided by exactly s (lambda_{D/2} = exp(ln s)); the first by s^(1/(D/2)^b).
  CHECK(n.inv_freq_f64.back() == Approx(plain.inv_freq_f64.back() / s).epsilon(1e-14));
}

TEST_CASE("ntk_alpha: Hunyuan's base * alpha^(D/(D-2)), then the default spectrum") {
  const int d = 128;
  const cope::spectrum n = cope::rope_ntk_alpha(d, {10000.0, 1.0, 1000.0});
  const double base = 10000.0 * std::pow(1000.0, 128.0 / 126.0);
  CHECK(n.inv_freq == cope::rope_default(d, {base, 1.0}).inv_freq);
  cope::rope_parameters p;  // vLLM reads rope_type "dynamic" with alpha as NTK-alpha, factor or not
  p.rope_type = "dynamic";
  p.alpha = 1000.0;
  p.factor = 1.0;
  CHECK(cope::make_spectrum(p, d).inv_freq == n.inv_freq);
  CHECK(cope::try_rope_ntk_alpha(d, {10000.0, 1.0, std::nullopt}).error().message() ==
        "ntk_alpha: missing required parameter 'alpha'");
  CHECK(cope::try_rope_ntk_alpha(d, {10000.0, 1.0, 1e-9}).error().message().find("alpha (1e-09) makes the rescaled base") !=
        std::string::npos);
  CHECK(cope::try_rope_ntk_alpha(2, {10000.0, 1.0, 2.0}).error().message() ==
        "ntk_alpha: rotary_dim (2) must be greater than 2 (the base exponent is D / (D - 2))");
}

// ---- configs beyond models.json -----------------------------------------------------------------
TEST_CASE("config: Gemma 4 (v5 per-layer-type dicts, proportional global layers of head_dim 512)") {
  json c = json::parse(R"({"model_type": "gemma4", "text_config": {"model_type": "gemma4_text",
      "hidden_size": 2560, "num_attention_heads": 8, "head_dim": 256, "global_head_dim": 512,
      "num_hidden_layers": 6, "max_position_embeddings": 131072,
      "layer_types": ["sliding_attention", "sliding_attention", "sliding_attention", "sliding_attention",
                      "sliding_attention", "full_attention"],
      "rope_parameters": {"full_attention": {"rope_type": "proportional", "rope_theta": 1000000.0,
                                             "partial_rotary_factor": 0.25},
                          "sliding_attention": {"rope_type": "default", "rope_theta": 10000.0}}}})");
  const cope::rope_plan plan = cope::hf_config_plan(c);
  REQUIRE(plan.kinds.size() == 2);
  const cope::layer_rope& global = *plan.kind("full_attention");
  CHECK(global.head_dim == 512);
  CHECK(global.rotary_dim == 512);
  int rotated = 0;
  for (float f : global.spectrum->inv_freq) rotated += f != 0.0f;
  CHECK(rotated == 64);
  const cope::layer_rope& local = *plan.kind("sliding_attention");
  CHECK(local.head_dim == 256);
  CHECK(local.spectrum->inv_freq == cope::rope_default(256, {10000.0, 1.0}).inv_freq);
  CHECK(plan.layer(5).name == "full_attention");
  CHECK(plan.layer(0).name == "sliding_attention");
}

TEST_CASE("config: Llama 4 NoPE layers and attention temperature") {
  json c = json::parse(R"({"model_type": "llama4_text", "hidden_size": 5120, "num_attention_heads": 40,
      "head_dim": 128, "num_hidden_layers": 8, "max_position_embeddings": 10485760, "rope_theta": 500000.0,
      "rope_scaling": {"rope_type": "llama3", "factor": 16.0, "low_freq_factor": 1.0, "high_freq_factor": 1.0,
                       "original_max_position_embeddings": 8192},
      "no_rope_layers": [1, 1, 1, 0, 1, 1, 1, 0], "attn_temperature_tuning": true,
      "floor_scale": 8192, "attn_scale": 0.1})");
  // high_freq_factor must exceed low_freq_factor for the llama3 blend (HF divides by their difference).
  CHECK(error_of(c).find("high_freq_factor (1) must be greater than low_freq_factor (1)") != std::string::npos);
  c["rope_scaling"]["high_freq_factor"] = 4.0;
  const cope::rope_plan plan = cope::hf_config_plan(c);
  for (int i = 0; i < 8; ++i) CHECK(plan.layer(i).has_rope == (i % 4 != 3));  // no_rope_layers[i] == 1: HAS RoPE
  CHECK(plan.layer(0).pairing == cope::layout::interleaved);
  CHECK(plan.nope_temperature.enabled);
  CHECK(plan.nope_temperature.q_scale(0) == 1.0);
  CHECK(plan.nope_temperature.q_scale(8190) == 1.0);
  CHECK(plan.nope_temperature.q_scale(8191) == Approx(std::log(2.0) * 0.1 + 1.0).epsilon(1e-15));
  // Without the list: every no_rope_layer_interval-th layer (default 4) is NoPE.
  c.erase("no_rope_layers");
  const cope::rope_plan by_interval = cope::hf_config_plan(c);
  for (int i = 0; i < 8; ++i) CHECK(by_interval.layer(i).has_rope == ((i + 1) % 4 != 0));
  // With v5's layer_types (chunked / full attention) the NoPE rule still holds.
  c["layer_types"] = json::array({"chunked_attention", "chunked_attention", "chunked_attention", "full_attention",
                                  "chunked_attention", "chunked_attention", "chunked_attention", "full_attention"});
  const cope::rope_plan typed = cope::hf_config_plan(c);
  for (int i = 0; i < 8; ++i) CHECK(typed.layer(i).has_rope == ((i + 1) % 4 != 0));
  CHECK(typed.layer(3).name == "nope");
  CHECK(typed.layer(0).name == "all");
  c.erase("layer_types");
  c["no_rope_layers"] = json::array({1, 2});
  CHECK(error_of(c) == "config.json: 'no_rope_layers' is [1,2] but must be a list of 0 / 1 with one entry per layer "
                       "(1 = the layer has RoPE)");
}

TEST_CASE("config: the q / k norm a model applies (Llama 4 after RoPE on its RoPE layers, GLM-4.5's flag)") {
  json c = json::parse(R"({"model_type": "llama4_text", "hidden_size": 5120, "num_attention_heads": 40,
      "head_dim": 128, "num_hidden_layers": 4, "rope_theta": 500000.0, "rms_norm_eps": 1e-05,
      "no_rope_layers": [1, 1, 1, 0]})");
  cope::rope_plan plan = cope::hf_config_plan(c);
  for (int i = 0; i < 3; ++i) {
    CHECK(plan.layer(i).norm.kind == cope::qk_norm_kind::unit);
    CHECK(plan.layer(i).norm.order == cope::qk_norm_order::after_rope);
    CHECK(plan.layer(i).norm.eps == 1e-5f);
  }
  CHECK(plan.layer(3).norm.kind == cope::qk_norm_kind::none);  // NoPE layers: Llama 4 norms only where it rotates
  const cope::qk_norm call = plan.layer(0).norm.with_weights(nullptr, nullptr);
  CHECK((call.kind == cope::qk_norm_kind::unit && call.order == cope::qk_norm_order::after_rope && call.eps == 1e-5f));
  c["use_qk_norm"] = false;
  CHECK(cope::hf_config_plan(c).layer(0).norm.kind == cope::qk_norm_kind::none);
  c["use_qk_norm"] = "yes";
  CHECK(error_of(c) == "config.json: 'use_qk_norm' is \"yes\" but must be a boolean");
  c = llama_like();
  c["model_type"] = "glm4_moe";
  CHECK(cope::hf_config_plan(c).kinds[0].norm.kind == cope::qk_norm_kind::none);  // Glm4MoeConfig: use_qk_norm false
  c["use_qk_norm"] = true;
  c["rms_norm_eps"] = 1e-5;
  const cope::rope_plan glm = cope::hf_config_plan(c);
  CHECK(glm.kinds[0].norm.kind == cope::qk_norm_kind::weight_after_cast);
  CHECK(glm.kinds[0].norm.eps == 1e-5f);
  const float w[1] = {1.0f};
  const cope::qk_norm glm_call = glm.kinds[0].norm.with_weights(w, w);
  CHECK((glm_call.q_weight == w && glm_call.k_weight == w));
  c["rms_norm_eps"] = -1.0;
  CHECK(error_of(c) == "config.json: 'rms_norm_eps' must be finite and >= 0");
  c = llama_like();  // Llama: no q / k norm
  CHECK(cope::hf_config_plan(c).kinds[0].norm.kind == cope::qk_norm_kind::none);
}

TEST_CASE("config: Hunyuan's dynamic + alpha, and InternLM-style ntk") {
  json c = llama_like();
  c["model_type"] = "hunyuan_v1_dense";
  c["rope_scaling"] = json::parse(R"({"type": "dynamic", "alpha": 1000.0, "factor": 1.0, "beta_fast": 32})");
  const cope::rope_plan plan = cope::hf_config_plan(c);
  CHECK(plan.kinds[0].spectrum->inv_freq == cope::rope_ntk_alpha(128, {500000.0, 1.0, 1000.0}).inv_freq);
  REQUIRE(plan.warnings.size() == 1);  // beta_fast: known, but not read by rope_type dynamic
  CHECK(plan.warnings[0] == "config.json: 'rope_scaling.beta_fast' is not used by rope_type 'dynamic'");
  c = llama_like();
  c["rope_scaling"] = json::parse(R"({"rope_type": "ntk", "factor": 2.0})");
  CHECK(cope::hf_config_plan(c).kinds[0].spectrum->inv_freq == cope::rope_ntk(128, {500000.0, 1.0, 2.0, std::nullopt}).inv_freq);
}

TEST_CASE("config: CoPE, the authors' keys and the nested clip") {
  json c = llama_like();
  c["rope_theta"] = 1e7;
  c["use_cope"] = true;
  c["use_hardclip"] = false;
  const cope::rope_plan plan = cope::hf_config_plan(c);
  const cope::spectrum expected = cope::cope_clip(cope::rope_default(128, {1e7, 1.0}), 20);
  CHECK(plan.kinds[0].spectrum->inv_freq == expected.inv_freq);
  CHECK(plan.kinds[0].clip_n == 20);
  c["clip_low_n"] = 12;
  CHECK(cope::hf_config_plan(c).kinds[0].clip_n == 12);
  c["use_hardclip"] = true;
  CHECK(error_of(c) == "config.json: 'use_cope' and 'use_hardclip' are both true");
  c.erase("use_cope");
  c.erase("clip_low_n");
  CHECK(cope::hf_config_plan(c).kinds[0].spectrum->clip == cope::clip_kind::hard);
  c["use_hardclip"] = "yes";
  CHECK(error_of(c) == "config.json: 'use_hardclip' is \"yes\" but must be a boolean");

  // Nested: composes with any rope type; "auto" counts the pairs whose period exceeds training_length.
  c = llama_like();
  c["rope_scaling"] = json::parse(R"({"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 8192,
                                      "clip": {"kind": "cope", "n": "auto", "training_length": 8192}})");
  const cope::rope_plan yarn = cope::hf_config_plan(c);
  cope::yarn_parameters y;
  y.rope_theta = 500000.0;
  y.factor = 4.0;
  y.original_max_position_embeddings = 8192;
  y.max_position_embeddings = 8192;
  const cope::spectrum g = cope::rope_yarn(128, y);
  const int n = cope::ood_clip_count(g, 8192);
  CHECK(n > 0);
  CHECK(yarn.kinds[0].clip_n == n);
  CHECK(yarn.kinds[0].spectrum->inv_freq == cope::cope_clip(g, n).inv_freq);
  // training_length defaults to the dict's original_max_position_embeddings.
  c["rope_scaling"]["clip"].erase("training_length");
  CHECK(cope::hf_config_plan(c).kinds[0].clip_n == n);
  c["rope_scaling"]["clip"] = json::parse(R"({"kind": "soft"})");
  CHECK(error_of(c) == "config.json: 'rope_scaling.clip.kind' is \"soft\" but must be \"cope\" or \"hard\"");
  c["rope_scaling"]["clip"] = json::parse(R"({"kind": "hard", "n": 99})");
  CHECK(error_of(c) == "build_plan: kind 'all': hard_clip: n (99) exceeds the number of pairs (64 = rotary_dim 128 / 2)");
  c["rope_scaling"]["clip"] = json::parse(R"({"kind": "hard", "m": 2})");
  CHECK(error_of(c) == "config.json: 'rope_scaling.clip' has unknown key 'm' (expected kind, n, training_length)");
}

// ---- bad configs -----------------------------------------------------------------------------------
TEST_CASE("config: missing required keys") {
  json c = llama_like();
  c.erase("model_type");
  CHECK(error_of(c) == "config.json: 'model_type' is missing");
  c = llama_like();
  c.erase("num_attention_heads");
  CHECK(error_of(c) == "config.json: missing 'head_dim' (or 'hidden_size' and 'num_attention_heads' to derive it as "
                       "hidden_size // num_attention_heads)");
  c = llama_like();
  c.erase("num_hidden_layers");
  CHECK(error_of(c) == "config.json: 'num_hidden_layers' is missing");
  c = llama_like();
  c["rope_scaling"] = json::parse(R"({"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                      "original_max_position_embeddings": 8192})");
  CHECK(error_of(c) == "build_plan: kind 'all': llama3: missing required parameter 'high_freq_factor'");
  c = llama_like();
  c["rope_scaling"] = json::parse(R"({"rope_type": "linear"})");
  CHECK(error_of(c) == "build_plan: kind 'all': linear: missing required parameter 'factor'");
  c = llama_like();
  c["model_type"] = "deepseek_v3";
  c["qk_rope_head_dim"] = 64;
  CHECK(error_of(c) == "config.json: 'qk_nope_head_dim' is required with qk_rope_head_dim (MLA)");
}

TEST_CASE("config: wrong types") {
  json c = llama_like();
  c["rope_theta"] = "1e6";
  CHECK(error_of(c) == "config.json: 'rope_theta' is \"1e6\" but must be a number");
  c = llama_like();
  c["num_hidden_layers"] = 4.5;
  CHECK(error_of(c) == "config.json: 'num_hidden_layers' is 4.5 but must be an integer");
  c = llama_like();
  c["head_dim"] = true;
  CHECK(error_of(c) == "config.json: 'head_dim' is true but must be an integer");
  c = llama_like();
  c["rope_scaling"] = json::parse(R"({"rope_type": "yarn", "factor": "4"})");
  CHECK(error_of(c) == "config.json: 'rope_scaling.factor' is \"4\" but must be a number");
  c = llama_like();
  c["rope_scaling"] = json::parse(R"({"rope_type": "longrope", "short_factor": [1, "x"], "long_factor": [1]})");
  CHECK(error_of(c) == "config.json: 'rope_scaling.short_factor[]' is \"x\" but must be a number");
  c = llama_like();
  c["rope_scaling"] = json::array({1, 2});
  CHECK(error_of(c) == "config.json: 'rope_scaling' is [1,2] but must be an object (a rope dict)");
  c = llama_like();
  c["layer_types"] = json::array({"full_attention"});
  CHECK(error_of(c) == "config.json: 'layer_types' has 1 entries but num_hidden_layers is 4");
  CHECK(cope::try_read_hf_config("{\"model_type\": ").error().message() == "config.json: not valid JSON (15 bytes)");
  CHECK(cope::try_read_hf_config("[1, 2]").error().message() == "config.json: the document is array, not an object");
  CHECK(cope::try_read_hf_config_file("no/such/config.json").error().message() ==
        "config.json: cannot open 'no/such/config.json'");
}

TEST_CASE("config: M-RoPE sections that do not add up") {
  json c = llama_like();
  c["model_type"] = "qwen2_5_vl";
  c["rope_scaling"] = json::parse(R"({"type": "mrope", "mrope_section": [16, 24, 20]})");
  CHECK(error_of(c) == "build_plan: kind 'all': mrope_section sums to 60 pairs but the rotation has 64 (rotary_dim 128 / 2)");
  c["rope_scaling"] = json::parse(R"({"type": "mrope", "mrope_section": [16, 24, 24, 1, 1]})");
  CHECK(error_of(c) == "config.json: 'rope_scaling.mrope_section' is [16,24,24,1,1] but must be a list of 1 to 4 pair "
                       "counts (t, h, w, ...)");
  c["rope_scaling"] = json::parse(R"({"rope_type": "default", "mrope_section": [11, 11, 10], "mrope_interleaved": true})");
  c["partial_rotary_factor"] = 0.25;  // 128 dims x 0.25: 16 pairs, not Qwen3.5's 32
  CHECK(error_of(c) == "build_plan: kind 'all': mrope_section sums to 32 pairs but the rotation has 16 (rotary_dim 32 / 2)");
  c["rope_scaling"]["mrope_section"] = json::array({6, 5, 5});
  c["rope_scaling"]["mrope_interleaved"] = true;
  CHECK(cope::hf_config_plan(c).kinds[0].pair_axes->pairs() == 16);
  CHECK(cope::hf_config_plan(c).kinds[0].pair_axes->count(0) == 6);
}

TEST_CASE("config: an unknown rope type, and keys that affect RoPE but are not understood") {
  json c = llama_like();
  c["rope_scaling"] = json::parse(R"({"rope_type": "xpos", "factor": 2.0})");
  CHECK(error_of(c) == "config.json: 'rope_scaling.rope_type' is 'xpos' (expected default, linear, dynamic, yarn, "
                       "longrope, llama3, proportional or ntk)");
  CHECK(cope::try_hf_config_plan(c).error().code() == cope::errc::unknown_rope_type);
  c["rope_scaling"] = json::parse(R"({"rope_type": "longrope", "short_mscale": 1.2})");
  CHECK(error_of(c) == "config.json: 'rope_scaling' has key 'short_mscale', which affects RoPE but is not "
                       "understood by cope's reader");
  c = llama_like();
  c["rope_scaling_type"] = "ntk";
  CHECK(error_of(c) == "config.json: key 'rope_scaling_type' affects RoPE but is not understood by cope's reader "
                       "(docs/models.md lists the keys it reads)");
  c = llama_like();
  c["dual_chunk_attention_config"] = json::parse(R"({"chunk_size": 262144})");
  CHECK(error_of(c).find("key 'dual_chunk_attention_config' affects RoPE but is not understood") != std::string::npos);
  c = llama_like();
  c["model_type"] = "mystery";
  CHECK(error_of(c) == "config.json: model_type 'mystery' is not in cope's layout table (hf_layout_table): its pair "
                       "layout is not a config key; pass hf_config_options::pairing");
  cope::hf_config_options o;
  o.pairing = cope::layout::interleaved;
  CHECK(cope::hf_config_plan(c, o).kinds[0].pairing == cope::layout::interleaved);
  c = llama_like();
  c["rope_parameters"] = json::parse(R"({"rope_type": "default", "rope_theta": 1e6})");
  c["rope_scaling"] = json::parse(R"({"rope_type": "linear", "factor": 2.0})");
  CHECK(error_of(c) == "config.json: both 'rope_parameters' (v5) and 'rope_scaling' (v4) are given and differ; keep one");
  // Keys that do not affect RoPE are ignored.
  c = llama_like();
  c["vocab_size"] = 128256;
  c["torch_dtype"] = "bfloat16";
  CHECK(cope::try_hf_config_plan(c).ok());
}

// ---- GGUF: malformed files ---------------------------------------------------------------------------
namespace {

std::vector<unsigned char> small_gguf() {
  cope_test::gguf_writer w("qwen2");
  w.u32(w.key("context_length"), 32768).u32(w.key("embedding_length"), 3584).u32(w.key("block_count"), 4);
  w.u32(w.key("attention.head_count"), 28).f32(w.key("rope.freq_base"), 1e6f);
  w.str(w.key("rope.scaling.type"), "yarn").f32(w.key("rope.scaling.factor"), 4.0f);
  w.u32(w.key("rope.scaling.original_context_length"), 32768);
  w.string_array("tokenizer.ggml.tokens", {"a", "b"});
  w.tensor_f32("rope_freqs_unused.weight", {1.0f, 2.0f});
  return w.bytes();
}

std::string gguf_error(const std::vector<unsigned char>& b) {
  const cope::result<cope::rope_plan> r = cope::try_read_gguf(b.data(), b.size());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == cope::errc::invalid_gguf);
  return r.error().message();
}

template <class T>
void poke(std::vector<unsigned char>& b, std::size_t at, T v) {
  std::memcpy(b.data() + at, &v, sizeof v);
}

}  // namespace

TEST_CASE("gguf: a well-formed small file reads") {
  const std::vector<unsigned char> b = small_gguf();
  const cope::rope_plan plan = cope::read_gguf(b.data(), b.size());
  CHECK(plan.model_type == "qwen2");
  CHECK(plan.kinds[0].pairing == cope::layout::rotate_half);
  CHECK(plan.kinds[0].head_dim == 128);
  CHECK(plan.kinds[0].parameters.rope_type == "yarn");
  CHECK(plan.kinds[0].parameters.rope_theta == 1e6);
  CHECK(plan.num_layers() == 4);
}

TEST_CASE("gguf: malformed files, each with its message") {
  std::vector<unsigned char> b = small_gguf();
  CHECK(gguf_error({}) == "gguf: offset 0: the magic 'GGUF' needs 4 bytes but 0 remain (the buffer holds 0 bytes: truncated?)");
  std::vector<unsigned char> bad = b;
  bad[0] = 'g';
  CHECK(gguf_error(bad) == "gguf: the file starts with 'gGUF', not the magic 'GGUF'");
  bad = b;
  poke<std::uint32_t>(bad, 4, 1);
  CHECK(gguf_error(bad) == "gguf: version 1 (32-bit counts, before 2023-08) is not supported; convert the file again");
  poke<std::uint32_t>(bad, 4, 0x03000000);
  CHECK(gguf_error(bad) == "gguf: version 50331648 is not 2 or 3 (a big-endian file? only little-endian GGUF is read)");
  bad = b;
  poke<std::uint64_t>(bad, 16, std::uint64_t{1} << 60);
  CHECK(gguf_error(bad).find("gguf: the key-value count (1152921504606846976) cannot fit in the") == 0);
  bad = b;
  poke<std::uint64_t>(bad, 8, std::uint64_t{1} << 40);
  CHECK(gguf_error(bad).find("gguf: the tensor count (1099511627776) cannot fit in the") == 0);
  // The first key's length (offset 24) beyond the file.
  bad = b;
  poke<std::uint64_t>(bad, 24, std::uint64_t{1} << 50);
  CHECK(gguf_error(bad).find("gguf: offset 24: a key has length 1125899906842624 but only") == 0);
  // The first value's type (after "general.architecture": 24 + 8 + 20).
  bad = b;
  poke<std::uint32_t>(bad, 52, 13);
  CHECK(gguf_error(bad) == "gguf: offset 52: 'general.architecture' has value type 13 (known: 0 to 12)");
  poke<std::uint32_t>(bad, 52, 4);  // now a u32 where a string was: a type the plan rejects
  CHECK(gguf_error(bad).find("gguf:") == 0);
  // Truncated in the middle.
  bad.assign(b.begin(), b.begin() + 300);
  CHECK(gguf_error(bad) == "gguf: offset 289: a string value has length 4 but only 3 bytes remain");
  bad.assign(b.begin(), b.begin() + 30);
  CHECK(gguf_error(bad) == "gguf: the key-value count (10) cannot fit in the 6 bytes that remain (a truncated file, or a "
                           "corrupt count)");
  bad.assign(b.begin(), b.begin() + 20);
  CHECK(gguf_error(bad) == "gguf: offset 16: the key-value count needs 8 bytes but 4 remain (the buffer holds 20 bytes: "
                           "truncated?)");
  // Metadata the plan needs.
  cope_test::gguf_writer w("qwen2");
  w.u32(w.key("embedding_length"), 4096).u32(w.key("attention.head_count"), 32);
  CHECK(gguf_error(w.bytes()) == "gguf: missing 'qwen2.block_count'");
  w.f32(w.key("block_count"), 4.0f);
  CHECK(gguf_error(w.bytes()) == "gguf: 'qwen2.block_count' has type f32 but must be an integer");
  cope_test::gguf_writer x("qwen9");
  CHECK(gguf_error(x.bytes()) == "gguf: architecture 'qwen9' is not in cope's table of llama.cpp architectures (its "
                                 "pair layout is not stored in the file)");
  cope_test::gguf_writer y("qwen2");
  y.u32(y.key("block_count"), 2).u32(y.key("embedding_length"), 4096).u32(y.key("attention.head_count"), 32);
  y.str(y.key("rope.scaling.type"), "ntk-by-parts");
  CHECK(gguf_error(y.bytes()) == "gguf: 'qwen2.rope.scaling.type' is 'ntk-by-parts' (expected none, linear, yarn or longrope)");
  cope_test::gguf_writer z("phi3");
  z.u32(z.key("block_count"), 2).u32(z.key("embedding_length"), 3072).u32(z.key("attention.head_count"), 32);
  z.str(z.key("rope.scaling.type"), "longrope");
  CHECK(gguf_error(z.bytes()) == "gguf: rope.scaling.type longrope needs the tensors rope_factors_long.weight and "
                                 "rope_factors_short.weight");
  cope_test::gguf_writer v("qwen2vl");
  v.u32(v.key("block_count"), 2).u32(v.key("embedding_length"), 4096).u32(v.key("attention.head_count"), 32);
  CHECK(gguf_error(v.bytes()) == "gguf: architecture 'qwen2vl' uses M-RoPE but 'qwen2vl.rope.dimension_sections' is missing");
  // A tensor whose bytes lie beyond the buffer.
  cope_test::gguf_writer t("llama");
  t.u32(t.key("block_count"), 2).u32(t.key("embedding_length"), 4096).u32(t.key("attention.head_count"), 32);
  t.tensor_f32("rope_freqs.weight", std::vector<float>(64, 1.0f));
  std::vector<unsigned char> cut = t.bytes();
  cut.resize(cut.size() - 64);
  CHECK(gguf_error(cut).find("gguf: tensor 'rope_freqs.weight' (256 bytes at ") == 0);
  // Duplicate keys.
  cope_test::gguf_writer d("llama");
  d.u32("x", 1).u32("x", 2);
  CHECK(gguf_error(d.bytes()) == "gguf: key 'x' appears twice");
}

TEST_CASE("gguf: 10000 truncated and mutated buffers, each a clean result or a specific error") {
  // Seeds: the small file, and the largest converted one (Phi-3.5's: tensors, a token list, floats).
  std::vector<std::vector<unsigned char>> seeds = {small_gguf()};
  {
    cope_test::gguf_writer w("phi3");
    w.u32(w.key("context_length"), 131072).u32(w.key("embedding_length"), 3072).u32(w.key("block_count"), 32);
    w.u32(w.key("attention.head_count"), 32).u32(w.key("rope.dimension_count"), 96);
    w.str(w.key("rope.scaling.type"), "longrope").u32(w.key("rope.scaling.original_context_length"), 4096);
    w.f32(w.key("rope.scaling.attn_factor"), 1.19023807f).i32_array(w.key("rope.dimension_sections"), {16, 16, 16, 0});
    w.string_array("tokenizer.ggml.tokens", {"<s>", "</s>", "a", "b", "c"});
    w.tensor_f32("rope_factors_long.weight", std::vector<float>(48, 2.0f));
    w.tensor_f32("rope_factors_short.weight", std::vector<float>(48, 1.0f));
    seeds.push_back(w.bytes());
  }
  std::mt19937_64 rng(20261202);
  int parsed = 0, planned = 0, failed = 0;
  for (int iteration = 0; iteration < 10000; ++iteration) {
    const std::vector<unsigned char>& seed = seeds[static_cast<std::size_t>(iteration) % seeds.size()];
    std::vector<unsigned char> b = seed;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 5) {
        case 0: b.resize(rng() % (b.size() + 1)); break;                         // truncate
        case 1: if (!b.empty()) b[rng() % b.size()] ^= static_cast<unsigned char>(1u << (rng() % 8)); break;  // flip a bit
        case 2: if (!b.empty()) b[rng() % b.size()] = static_cast<unsigned char>(rng()); break;  // a random byte
        case 3:  // a random 8-byte count or length at a random offset
          if (b.size() >= 8) {
            const std::uint64_t v = rng() % 3 == 0 ? rng() : rng() % 4096;
            std::memcpy(b.data() + rng() % (b.size() - 7), &v, 8);
          }
          break;
        default: b.insert(b.begin() + static_cast<std::ptrdiff_t>(rng() % (b.size() + 1)), static_cast<unsigned char>(rng()));
      }
    }
    // An exact-size heap copy: ASan flags any read past it.
    std::unique_ptr<unsigned char[]> exact(new unsigned char[b.size() + 1]);
    if (!b.empty()) std::memcpy(exact.get(), b.data(), b.size());
    const cope::result<cope::gguf_metadata> m = cope::try_parse_gguf(b.empty() ? nullptr : exact.get(), b.size());
    if (m) ++parsed;
    const cope::result<cope::rope_plan> r = cope::try_read_gguf(b.empty() ? nullptr : exact.get(), b.size());
    if (r) {
      ++planned;
      continue;
    }
    ++failed;
    INFO("iteration " << iteration << ": " << r.error().message());
    const std::string& msg = r.error().message();
    // A specific error: a known code and a message that says what and where.
    CHECK((r.error().code() == cope::errc::invalid_gguf || r.error().code() == cope::errc::null_data ||
           r.error().code() == cope::errc::invalid_dimension || r.error().code() == cope::errc::invalid_base ||
           r.error().code() == cope::errc::invalid_factor || r.error().code() == cope::errc::invalid_length ||
           r.error().code() == cope::errc::invalid_factor_list || r.error().code() == cope::errc::invalid_axis_map ||
           r.error().code() == cope::errc::missing_parameter || r.error().code() == cope::errc::invalid_beta ||
           r.error().code() == cope::errc::unknown_rope_type));
    CHECK(msg.size() > 20);
  }
  CHECK(parsed + failed >= 10000 - planned);
  CHECK(failed > 5000);  // the mutations reach the checks
  CHECK(planned > 100);  // and some survive: the mutator is not only breaking the header
}

TEST_CASE("gguf: Llama 4 NoPE layers, Hunyuan's alpha, the legacy scale_linear, an explicit YaRN attention factor") {
  cope_test::gguf_writer l4("llama4");
  l4.u32(l4.key("block_count"), 8).u32(l4.key("embedding_length"), 5120).u32(l4.key("attention.head_count"), 40);
  l4.u32(l4.key("attention.key_length"), 128).f32(l4.key("rope.freq_base"), 500000.0f);
  std::vector<unsigned char> b = l4.bytes();
  cope::rope_plan plan = cope::read_gguf(b.data(), b.size());
  for (int i = 0; i < 8; ++i) CHECK(plan.layer(i).has_rope == ((i + 1) % 4 != 0));  // llama.cpp's default step 4
  CHECK(plan.layer(0).pairing == cope::layout::interleaved);
  CHECK(plan.nope_temperature.enabled);

  cope_test::gguf_writer hy("hunyuan-dense");
  hy.u32(hy.key("block_count"), 2).u32(hy.key("embedding_length"), 4096).u32(hy.key("attention.head_count"), 32);
  hy.f32(hy.key("rope.freq_base"), 10000.0f).f32(hy.key("rope.scaling.alpha"), 1000.0f);
  b = hy.bytes();
  plan = cope::read_gguf(b.data(), b.size());
  CHECK(plan.kinds[0].spectrum->inv_freq == cope::rope_ntk_alpha(128, {10000.0, 1.0, 1000.0}).inv_freq);

  cope_test::gguf_writer old("llama");
  old.u32(old.key("block_count"), 2).u32(old.key("embedding_length"), 4096).u32(old.key("attention.head_count"), 32);
  old.f32(old.key("rope.scale_linear"), 0.25f);  // llama.cpp's freq_scale: factor 4
  b = old.bytes();
  plan = cope::read_gguf(b.data(), b.size());
  CHECK(plan.kinds[0].parameters.rope_type == "linear");
  CHECK(plan.kinds[0].parameters.factor == std::optional<double>(4.0));

  cope_test::gguf_writer y("qwen3");
  y.u32(y.key("block_count"), 2).u32(y.key("embedding_length"), 4096).u32(y.key("attention.head_count"), 32);
  y.str(y.key("rope.scaling.type"), "yarn").f32(y.key("rope.scaling.factor"), 4.0f);
  y.u32(y.key("rope.scaling.original_context_length"), 32768);
  y.f32(y.key("rope.scaling.yarn_attn_factor"), 1.25f);  // the dict's explicit attention_factor
  b = y.bytes();
  CHECK(cope::read_gguf(b.data(), b.size()).kinds[0].spectrum->attention_factor == 1.25);
  y.f32(y.key("rope.scaling.yarn_ext_factor"), 0.5f);
  b = y.bytes();
  CHECK(gguf_error(b) == "gguf: 'qwen3.rope.scaling.yarn_ext_factor' (0.5) is a llama.cpp blend knob with no Hugging "
                         "Face rope type; cope reads 1 for yarn, 0 otherwise");
}

TEST_CASE("gguf: Gemma 3 without freq_base_swa: local layers at 10000, unscaled (llama.cpp's default)") {
  cope_test::gguf_writer g("gemma3");
  g.u32(g.key("block_count"), 12).u32(g.key("attention.key_length"), 256).f32(g.key("rope.freq_base"), 1e6f);
  g.u32(g.key("embedding_length"), 2560).u32(g.key("attention.head_count"), 8);
  g.str(g.key("rope.scaling.type"), "linear").f32(g.key("rope.scaling.factor"), 8.0f);
  const std::vector<unsigned char> b = g.bytes();
  const cope::rope_plan plan = cope::read_gguf(b.data(), b.size());
  REQUIRE(plan.kinds.size() == 2);
  CHECK(plan.layer(5).name == "full_attention");
  CHECK(plan.layer(5).parameters.rope_type == "linear");
  CHECK(plan.layer(0).name == "sliding_attention");
  CHECK(plan.layer(0).spectrum->inv_freq == cope::rope_default(256, {10000.0, 1.0}).inv_freq);
}

TEST_CASE("config: ERNIE-4.5-VL's freq_allocation (the lowest pairs read t, the rest alternate h / w)") {
  json c = llama_like();
  c["model_type"] = "ernie4_5_vl";  // not in the layout table: vLLM's style for it is unverified, so the caller says
  c["rope_theta"] = 500000.0;
  c["freq_allocation"] = 20;
  cope::hf_config_options o;
  o.pairing = cope::layout::interleaved;
  const cope::rope_plan plan = cope::hf_config_plan(c, o);
  REQUIRE(plan.kinds[0].pair_axes.has_value());
  const cope::axis_map expected = cope::axis_map::ernie(64, 20);
  for (std::size_t j = 0; j < 64; ++j) CHECK(plan.kinds[0].pair_axes->data()[j] == expected.data()[j]);
  CHECK(plan.kinds[0].pair_axes->count(cope::axis_t) == 20);
  c["freq_allocation"] = 21;  // 43 pairs cannot split between h and w
  CHECK(cope::try_hf_config_plan(c, o).error().message().find(
            "build_plan: kind 'all': axis_map::ernie: freq_allocation (21) with 64 pairs") == 0);
  c["freq_allocation"] = 20;
  c["mrope_section"] = json::array({22, 22, 20});
  CHECK(cope::try_hf_config_plan(c, o).error().message() ==
        "build_plan: kind 'all': freq_allocation (20) must be a pair count and cannot come with mrope_section");
}
