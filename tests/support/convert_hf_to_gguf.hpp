// Test support: the GGUF file llama.cpp's convert_hf_to_gguf.py would write for a model's config.json,
// metadata and rope tensors only (no weights), for the models of reference/models.json.
#pragma once

#include "cope/spectrum.hpp"
#include "support/gguf_writer.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace cope_test {

using json = nlohmann::json;

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

inline converted convert_hf_to_gguf(const json& config) {
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
  gguf_writer w(arch);
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

}  // namespace cope_test
