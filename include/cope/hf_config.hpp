// cope — optional: a Hugging Face config.json becomes a rope plan (plan.hpp) in one call.
//
// Needs nlohmann/json (Debian nlohmann-json3-dev); the core headers do not. Reads transformers v4
// `rope_scaling` (legacy `type`) and v5 `rope_parameters`, flat or keyed by layer type with `layer_types`;
// VLM nesting (`text_config`); rope_theta / partial_rotary_factor / head_dim at the top level or in the
// rope dict; the legacy names (rotary_pct, rotary_emb_base, rotary_dim, rope_ratio); MLA keys
// (qk_rope_head_dim, qk_nope_head_dim, rope_interleave); original_max_position_embeddings at the top level
// (Phi-3) or in the dict; M-RoPE keys (mrope_section, mrope_interleaved, ERNIE-4.5-VL's freq_allocation);
// Gemma 3's rope_local_base_freq;
// Llama 4's NoPE layers (no_rope_layers[i] == 1 means layer i HAS RoPE) and attention temperature; and
// CoPE: the authors' use_cope / use_hardclip (+ clip_low_n, default 20), or a nested
// "clip": {"kind": "cope" | "hard", "n": N | "auto", "training_length": L} inside any rope dict.
//
// The pair layout is not a config key: it comes from the model_type table below (hf_layout_table), each
// entry with the modeling file that shows it. A key that affects RoPE but is not understood is an error
// naming it; keys that do not affect RoPE are ignored. Rules and sources: docs/models.md.
#pragma once

#include "plan.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace cope {

// A model_type's pair layout in its Hugging Face checkpoint, and the modeling code that shows it.
struct hf_layout_entry {
  const char* model_type;
  layout pairing;
  const char* source;
};

inline const std::vector<hf_layout_entry>& hf_layout_table() {
  static const std::vector<hf_layout_entry> table = {
      {"llama", layout::rotate_half, "models/llama/modeling_llama.py: rotate_half (checkpoint permuted at conversion)"},
      {"mistral", layout::rotate_half, "models/mistral/modeling_mistral.py: rotate_half"},
      {"mixtral", layout::rotate_half, "models/mixtral/modeling_mixtral.py: rotate_half"},
      {"qwen2", layout::rotate_half, "models/qwen2/modeling_qwen2.py: rotate_half"},
      {"qwen2_moe", layout::rotate_half, "models/qwen2_moe/modeling_qwen2_moe.py: rotate_half"},
      {"qwen3", layout::rotate_half, "models/qwen3/modeling_qwen3.py: rotate_half"},
      {"qwen3_moe", layout::rotate_half, "models/qwen3_moe/modeling_qwen3_moe.py: rotate_half"},
      {"qwen3_next", layout::rotate_half, "models/qwen3_next/modeling_qwen3_next.py: rotate_half (partial)"},
      {"qwen2_vl", layout::rotate_half, "models/qwen2_vl/modeling_qwen2_vl.py: apply_multimodal_rotary_pos_emb + rotate_half"},
      {"qwen2_vl_text", layout::rotate_half, "models/qwen2_vl/modeling_qwen2_vl.py: apply_multimodal_rotary_pos_emb + rotate_half"},
      {"qwen2_5_vl", layout::rotate_half, "models/qwen2_5_vl/modeling_qwen2_5_vl.py: apply_multimodal_rotary_pos_emb + rotate_half"},
      {"qwen2_5_vl_text", layout::rotate_half, "models/qwen2_5_vl/modeling_qwen2_5_vl.py: apply_multimodal_rotary_pos_emb + rotate_half"},
      {"qwen3_vl", layout::rotate_half, "models/qwen3_vl/modeling_qwen3_vl.py: interleaved M-RoPE + rotate_half"},
      {"qwen3_vl_text", layout::rotate_half, "models/qwen3_vl/modeling_qwen3_vl.py: interleaved M-RoPE + rotate_half"},
      {"qwen3_5", layout::rotate_half, "models/qwen3_5/modeling_qwen3_5.py: apply_rotary_pos_emb (partial) + rotate_half"},
      {"qwen3_5_text", layout::rotate_half, "models/qwen3_5/modeling_qwen3_5.py: apply_rotary_pos_emb (partial) + rotate_half"},
      {"qwen3_5_moe", layout::rotate_half, "models/qwen3_5_moe/modeling_qwen3_5_moe.py: rotate_half (partial)"},
      {"qwen3_5_moe_text", layout::rotate_half, "models/qwen3_5_moe/modeling_qwen3_5_moe.py: rotate_half (partial)"},
      {"gemma", layout::rotate_half, "models/gemma/modeling_gemma.py: rotate_half"},
      {"gemma2", layout::rotate_half, "models/gemma2/modeling_gemma2.py: rotate_half"},
      {"gemma3", layout::rotate_half, "models/gemma3/modeling_gemma3.py: rotate_half"},
      {"gemma3_text", layout::rotate_half, "models/gemma3/modeling_gemma3.py: rotate_half"},
      {"gemma4", layout::rotate_half, "models/gemma4/modeling_gemma4.py: rotate_half"},
      {"gemma4_text", layout::rotate_half, "models/gemma4/modeling_gemma4.py: rotate_half"},
      {"phi3", layout::rotate_half, "models/phi3/modeling_phi3.py: apply_rotary_pos_emb (partial) + rotate_half"},
      {"olmo", layout::rotate_half, "models/olmo/modeling_olmo.py: rotate_half"},
      {"olmo2", layout::rotate_half, "models/olmo2/modeling_olmo2.py: rotate_half"},
      {"gpt_neox", layout::rotate_half, "models/gpt_neox/modeling_gpt_neox.py: partial rotary (first rotary_ndims) + rotate_half"},
      {"gpt_oss", layout::rotate_half, "models/gpt_oss/modeling_gpt_oss.py: _apply_rotary_emb (torch.chunk into two halves)"},
      {"starcoder2", layout::rotate_half, "models/starcoder2/modeling_starcoder2.py: rotate_half"},
      {"stablelm", layout::rotate_half, "models/stablelm/modeling_stablelm.py: partial rotary + rotate_half"},
      {"granite", layout::rotate_half, "models/granite/modeling_granite.py: rotate_half"},
      {"smollm3", layout::rotate_half, "models/smollm3/modeling_smollm3.py: rotate_half"},
      {"glm4_moe", layout::rotate_half, "models/glm4_moe/modular_glm4_moe.py: GPT-NeoX apply_rotary_pos_emb (partial)"},
      {"hunyuan_v1_dense", layout::rotate_half, "models/hunyuan_v1_dense/modeling_hunyuan_v1_dense.py: rotate_half"},
      {"hunyuan_v1_moe", layout::rotate_half, "models/hunyuan_v1_moe/modeling_hunyuan_v1_moe.py: rotate_half"},
      {"gptj", layout::interleaved, "models/gptj/modeling_gptj.py: rotate_every_two on the first rotary_dim channels"},
      {"codegen", layout::interleaved, "models/codegen/modeling_codegen.py: rotate_every_two"},
      {"glm", layout::interleaved, "models/glm/modeling_glm.py: rotate_half on x[..., 0::2] / x[..., 1::2] (partial)"},
      {"glm4", layout::interleaved, "models/glm4/modeling_glm4.py: rotate_half on x[..., 0::2] / x[..., 1::2] (partial)"},
      {"cohere", layout::interleaved, "models/cohere/modeling_cohere.py: rotate_half stacks (-x[1::2], x[0::2])"},
      {"cohere2", layout::interleaved, "models/cohere2/modeling_cohere2.py: rotate_half stacks (-x[1::2], x[0::2])"},
      {"llama4", layout::interleaved, "models/llama4/modeling_llama4.py: view_as_complex on adjacent pairs (freqs_cis)"},
      {"llama4_text", layout::interleaved, "models/llama4/modeling_llama4.py: view_as_complex on adjacent pairs (freqs_cis)"},
      {"deepseek_v2", layout::interleaved, "models/deepseek_v2/modeling_deepseek_v2.py: view_as_complex on adjacent pairs"},
      // DeepSeek-V3 family: rope_interleave (default true) selects apply_rotary_pos_emb_interleave.
      {"deepseek_v3", layout::interleaved, "models/deepseek_v3/modeling_deepseek_v3.py: apply_rotary_pos_emb_interleave when config.rope_interleave (default True)"},
      {"kimi_k2", layout::interleaved, "a DeepseekV3Config subclass: apply_rotary_pos_emb_interleave when rope_interleave"},
  };
  return table;
}

// The per-head q / k norms of the models that have one (transformers' modeling files), by model_type:
// which kind, over what, before or after RoPE, and the config flag that switches it on where the
// model has one (null: always on).
struct hf_qk_norm_entry {
  const char* model_type;
  qk_norm_kind kind;
  qk_norm_span span;
  qk_norm_order order;
  const char* flag;      // a config boolean, or null
  bool flag_default;     // the config class's default for it
  const char* source;
};

inline const std::vector<hf_qk_norm_entry>& hf_qk_norm_table() {
  using k = qk_norm_kind;
  constexpr qk_norm_span head = qk_norm_span::head, token = qk_norm_span::token;
  constexpr qk_norm_order before = qk_norm_order::before_rope, after = qk_norm_order::after_rope;
  static const std::vector<hf_qk_norm_entry> table = {
      {"qwen3", k::weight_after_cast, head, before, nullptr, true, "models/qwen3/modeling_qwen3.py: Qwen3RMSNorm"},
      {"qwen3_moe", k::weight_after_cast, head, before, nullptr, true, "models/qwen3_moe/modeling_qwen3_moe.py: Qwen3MoeRMSNorm"},
      {"qwen3_vl", k::weight_after_cast, head, before, nullptr, true, "models/qwen3_vl/modeling_qwen3_vl.py: Qwen3VLTextRMSNorm"},
      {"qwen3_vl_text", k::weight_after_cast, head, before, nullptr, true, "models/qwen3_vl/modeling_qwen3_vl.py: Qwen3VLTextRMSNorm"},
      {"qwen3_next", k::one_plus_weight, head, before, nullptr, true, "models/qwen3_next/modeling_qwen3_next.py: Qwen3NextRMSNorm"},
      {"qwen3_5", k::one_plus_weight, head, before, nullptr, true, "models/qwen3_5/modeling_qwen3_5.py: Qwen3_5RMSNorm"},
      {"qwen3_5_text", k::one_plus_weight, head, before, nullptr, true, "models/qwen3_5/modeling_qwen3_5.py: Qwen3_5RMSNorm"},
      {"qwen3_5_moe", k::one_plus_weight, head, before, nullptr, true, "models/qwen3_5_moe/modeling_qwen3_5_moe.py: Qwen3_5MoeRMSNorm"},
      {"qwen3_5_moe_text", k::one_plus_weight, head, before, nullptr, true, "models/qwen3_5_moe/modeling_qwen3_5_moe.py: Qwen3_5MoeRMSNorm"},
      {"gemma3", k::one_plus_weight, head, before, nullptr, true, "models/gemma3/modeling_gemma3.py: Gemma3RMSNorm"},
      {"gemma3_text", k::one_plus_weight, head, before, nullptr, true, "models/gemma3/modeling_gemma3.py: Gemma3RMSNorm"},
      {"gemma4", k::weight, head, before, nullptr, true, "models/gemma4/modeling_gemma4.py: Gemma4RMSNorm"},
      {"gemma4_text", k::weight, head, before, nullptr, true, "models/gemma4/modeling_gemma4.py: Gemma4RMSNorm"},
      {"olmo2", k::weight, token, before, nullptr, true, "models/olmo2/modeling_olmo2.py: Olmo2RMSNorm over heads * head_dim"},
      {"glm4_moe", k::weight_after_cast, head, before, "use_qk_norm", false, "models/glm4_moe/modeling_glm4_moe.py: Glm4MoeRMSNorm"},
      {"llama4", k::unit, head, after, "use_qk_norm", true, "models/llama4/modeling_llama4.py: Llama4TextL2Norm, RoPE layers"},
      {"llama4_text", k::unit, head, after, "use_qk_norm", true, "models/llama4/modeling_llama4.py: Llama4TextL2Norm, RoPE layers"},
  };
  return table;
}

// Defaults of Hugging Face config classes that published configs rely on (a key absent from the file
// takes its class's default): only those that reach RoPE, only where they differ from the generic ones
// (rope_theta 1e4, head_dim = hidden_size // num_attention_heads).
inline const nlohmann::json& hf_class_defaults(const std::string& model_type) {
  static const nlohmann::json none = nlohmann::json::object();
  // configuration_gemma3.py, Gemma3TextConfig.__init__
  static const nlohmann::json gemma3_text = {{"head_dim", 256}, {"num_hidden_layers", 26},
                                             {"max_position_embeddings", 131072}, {"rope_theta", 1000000.0},
                                             {"rope_local_base_freq", 10000.0}, {"sliding_window_pattern", 6}};
  return model_type == "gemma3_text" ? gemma3_text : none;
}

struct hf_config_options {
  // The pair layout when model_type is not in hf_layout_table() (or to override it).
  std::optional<layout> pairing;
  // How the generators evaluate float32 pow / cos (compat::torch_cpu_math() for torch's bits).
  float32_math math = correctly_rounded_math();
};

namespace detail {

using json = nlohmann::json;

// Reads one config.json: `text` is the text model's object (text_config, else the top level), `top` the
// top level; every key is looked up in text first, then top.
class hf_reader {
 public:
  hf_reader(const json& top, const hf_config_options& options) : top_(top), options_(options) {
    const auto it = top.find("text_config");
    text_ = (it != top.end() && it->is_object()) ? &*it : &top;
    for (const json* obj : {text_, &top_}) {
      const auto type = obj->find("model_type");
      if (type != obj->end() && type->is_string()) {
        defaults_ = &hf_class_defaults(type->get<std::string>());
        break;
      }
    }
  }

  result<rope_plan> read() {
    if (auto st = check_top_level_keys(); !st) return st;
    rope_plan plan;
    plan.source = "config.json";
    if (auto st = read_string("model_type", plan.model_type, true); !st) return st;

    // head_dim: `head_dim` (null or absent: hidden_size // num_attention_heads; GPT-J: n_embd // n_head).
    int head_dim = 0;
    if (auto st = read_head_dim(head_dim); !st) return st;
    int num_layers = 0;
    if (auto st = read_int_any({"num_hidden_layers", "n_layer"}, num_layers, true, 1); !st) return st;

    std::optional<std::int64_t> max_pos;
    if (auto st = read_length_any({"max_position_embeddings", "n_positions"}, max_pos); !st) return st;

    // The pair layout.
    layout pairing = layout::rotate_half;
    if (auto st = layout_of(plan.model_type, pairing); !st) return st;

    // MLA (DeepSeek-V2/V3, Kimi): RoPE acts on the qk_rope_head_dim tail after qk_nope_head_dim channels.
    std::optional<std::int64_t> qk_rope, qk_nope;
    if (auto st = read_length_any({"qk_rope_head_dim"}, qk_rope); !st) return st;
    if (auto st = read_length_any({"qk_nope_head_dim"}, qk_nope); !st) return st;
    int rope_head_dim = 0, rotary_offset = 0;
    if (qk_rope) {
      if (!qk_nope) return fail_key("qk_nope_head_dim", "is required with qk_rope_head_dim (MLA)");
      rope_head_dim = static_cast<int>(*qk_rope);
      rotary_offset = static_cast<int>(*qk_nope);
      head_dim = rope_head_dim + rotary_offset;
      if (const json* v = find("rope_interleave")) {
        if (!v->is_boolean()) return fail_type("rope_interleave", *v, "a boolean");
        pairing = v->get<bool>() ? layout::interleaved : layout::rotate_half;
      }
    }

    // The base: rope dict > rope_theta > rotary_emb_base > rope_ratio (ChatGLM: 1e4 * ratio) > the
    // model class's default (Gemma 3: 1e6, everyone else 1e4).
    double theta = 10000.0;
    if (auto st = read_number_any({"rope_theta", "rotary_emb_base"}, theta); !st) return st;
    if (const json* v = find("rope_ratio")) {
      if (!is_number(*v)) return fail_type("rope_ratio", *v, "a number");
      theta = 10000.0 * v->get<double>();
    }

    // partial rotary: partial_rotary_factor, rotary_pct (GPT-NeoX), rotary_dim (GPT-J, in dims).
    double partial = 1.0;
    if (auto st = read_number_any({"partial_rotary_factor", "rotary_pct"}, partial); !st) return st;
    if (const json* v = find("rotary_dim"); v != nullptr && !v->is_null()) {
      std::optional<std::int64_t> dims;
      if (auto st = read_length_any({"rotary_dim"}, dims); !st) return st;
      if (*dims > head_dim) return fail_key("rotary_dim", "(" + std::to_string(*dims) + ") exceeds head_dim (" +
                                                              std::to_string(head_dim) + ")");
      partial = static_cast<double>(*dims) / head_dim;
      if (static_cast<std::int64_t>(head_dim * partial) != *dims) partial = std::nextafter(partial, 2.0);
    }

    // CoPE, the authors' keys: use_cope / use_hardclip (+ clip_low_n, default 20) on every rope layer.
    clip_request model_clip;
    if (auto st = read_authors_clip(model_clip); !st) return st;

    // The rope dict(s).
    const json* rope = nullptr;
    if (auto st = rope_dict(rope); !st) return st;

    // Layer types: the config's list, else the model family's rule.
    std::vector<std::string> layer_types;
    if (auto st = read_layer_types(plan.model_type, num_layers, layer_types); !st) return st;
    std::vector<bool> nope;
    if (auto st = read_nope_layers(plan.model_type, num_layers, nope); !st) return st;

    // Per layer type: each rope dict keyed by a layer type (v5), else one dict for all rope layers.
    const bool per_type = rope != nullptr && is_per_layer_type(*rope, layer_types);
    const bool gemma3_local = !per_type && plan.model_type.rfind("gemma3", 0) == 0;

    layer_rope base;
    base.head_dim = head_dim;
    base.rotary_offset = rotary_offset;
    base.rope_head_dim = rope_head_dim;
    base.pairing = pairing;
    base.max_position_embeddings = max_pos;
    base.clip = model_clip;
    base.parameters.rope_theta = theta;
    base.parameters.partial_rotary_factor = partial;

    auto kind_index = [&](const std::string& name) -> int {
      for (std::size_t i = 0; i < plan.kinds.size(); ++i)
        if (plan.kinds[i].name == name) return static_cast<int>(i);
      return -1;
    };

    for (int layer = 0; layer < num_layers; ++layer) {
      const std::string type = layer_types.empty() ? "all" : layer_types[static_cast<std::size_t>(layer)];
      const bool nope_layer = !nope.empty() && nope[static_cast<std::size_t>(layer)];
      const bool rope_layer = !nope_layer && has_rope_layer(type);
      std::string name = nope_layer ? "nope" : type;
      if (rope_layer && !per_type && !gemma3_local) name = "all";
      int index = kind_index(name);
      if (index < 0) {
        layer_rope k = base;
        k.name = name;
        k.has_rope = rope_layer;
        if (rope_layer) {
          const json* dict = rope;
          if (per_type) {
            const auto it = rope->find(type);
            if (it == rope->end())
              return fail_key(rope_key_, "has no entry for layer type '" + printable(type) + "' (layer " +
                                             std::to_string(layer) + ")");
            dict = &*it;
          }
          const std::string where = per_type ? rope_key_ + "." + type : rope_key_;
          if (gemma3_local && type == "sliding_attention") {
            // Gemma 3 (v4 form): local layers use rope_local_base_freq (default 1e4) and no scaling.
            k.parameters.rope_theta = 10000.0;
            if (auto st = read_number_any({"rope_local_base_freq"}, k.parameters.rope_theta); !st) return st;
            dict = nullptr;
          }
          if (type == "full_attention")
            if (const json* g = find("global_head_dim"); g != nullptr && !g->is_null()) {  // Gemma 4
              std::optional<std::int64_t> global;
              if (auto st = read_length_any({"global_head_dim"}, global); !st) return st;
              k.head_dim = static_cast<int>(*global);
            }
          if (dict != nullptr)
            if (auto st = read_rope_dict(*dict, where, k, plan.warnings); !st) return st;
          if (auto st = read_mrope_keys(k); !st) return st;
        }
        plan.kinds.push_back(std::move(k));
        index = static_cast<int>(plan.kinds.size()) - 1;
      }
      plan.layer_kind.push_back(index);
    }

    if (auto st = read_llama4_temperature(plan); !st) return st;
    if (auto st = read_qk_norm(plan); !st) return st;
    // DeepSeek's softmax-scale multiplier (DeepseekV3Attention): mscale(factor, mscale_all_dim)^2 when the
    // rope type is not default and mscale_all_dim is truthy.
    if (qk_rope)
      for (const layer_rope& k : plan.kinds)
        if (k.has_rope && k.parameters.rope_type != "default" && k.parameters.mscale_all_dim.value_or(0.0) != 0.0 &&
            k.parameters.factor) {
          const double m = yarn_get_mscale(*k.parameters.factor, *k.parameters.mscale_all_dim);
          plan.softmax_scale_multiplier = m * m;
          break;
        }
    return try_build_plan(std::move(plan), options_.math);
  }

 private:
  // ---- lookups ----
  const json* find(const char* key) const {
    for (const json* obj : {text_, &top_, defaults_}) {
      const auto it = obj->find(key);
      if (it != obj->end()) return &*it;
    }
    return nullptr;
  }
  static bool is_number(const json& v) { return v.is_number() && !v.is_boolean(); }

  status fail_key(const std::string& key, const std::string& rule) const {
    return fail(errc::invalid_config, "config.json: '", printable(key), "' ", rule);
  }
  status fail_type(const std::string& key, const json& v, const char* expected) const {
    return fail(errc::invalid_config, "config.json: '", printable(key), "' is ", printable(v.dump(), 48),
                " but must be ", expected);
  }

  status read_string(const char* key, std::string& out, bool required) const {
    const json* v = find(key);
    if (v == nullptr || v->is_null()) return required ? fail_key(key, "is missing") : status{};
    if (!v->is_string()) return fail_type(key, *v, "a string");
    out = v->get<std::string>();
    return {};
  }
  status read_number_any(std::initializer_list<const char*> keys, double& out) const {
    for (const char* key : keys)
      if (const json* v = find(key); v != nullptr && !v->is_null()) {
        if (!is_number(*v)) return fail_type(key, *v, "a number");
        out = v->get<double>();
        return {};
      }
    return {};
  }
  // An integer (a float with an integral value is accepted, as Python would index with it), >= min.
  static status integer_of(const std::string& key, const json& v, std::int64_t min, std::int64_t& out) {
    const bool integral = v.is_number_integer() ||
                          (v.is_number_float() && std::isfinite(v.get<double>()) && std::floor(v.get<double>()) == v.get<double>() &&
                           std::fabs(v.get<double>()) < 9.0e15);
    if (!integral || v.is_boolean())
      return fail(errc::invalid_config, "config.json: '", printable(key), "' is ", printable(v.dump(), 48),
                  " but must be an integer");
    const std::int64_t value = v.is_number_unsigned() ? (v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)
                                                             ? INT64_MAX : static_cast<std::int64_t>(v.get<std::uint64_t>()))
                               : v.is_number_integer() ? v.get<std::int64_t>()
                                                       : static_cast<std::int64_t>(v.get<double>());
    if (value < min)
      return fail(errc::invalid_config, "config.json: '", printable(key), "' (", static_cast<long long>(value),
                  ") must be at least ", static_cast<long long>(min));
    out = value;
    return {};
  }
  status read_length_any(std::initializer_list<const char*> keys, std::optional<std::int64_t>& out) const {
    for (const char* key : keys)
      if (const json* v = find(key); v != nullptr && !v->is_null()) {
        std::int64_t value = 0;
        if (auto st = integer_of(key, *v, 1, value); !st) return st;
        out = value;
        return {};
      }
    return {};
  }
  status read_int_any(std::initializer_list<const char*> keys, int& out, bool required, int min) const {
    for (const char* key : keys)
      if (const json* v = find(key); v != nullptr && !v->is_null()) {
        std::int64_t value = 0;
        if (auto st = integer_of(key, *v, min, value); !st) return st;
        if (value > (1 << 20)) return fail_key(key, "(" + std::to_string(value) + ") is beyond 2^20");
        out = static_cast<int>(value);
        return {};
      }
    return required ? fail_key(*keys.begin(), "is missing") : status{};
  }

  status read_head_dim(int& head_dim) const {
    if (const json* v = find("head_dim"); v != nullptr && !v->is_null()) return read_int_any({"head_dim"}, head_dim, true, 1);
    int hidden = 0, heads = 0;
    if (auto st = read_int_any({"hidden_size", "n_embd"}, hidden, false, 1); !st) return st;
    if (auto st = read_int_any({"num_attention_heads", "n_head"}, heads, false, 1); !st) return st;
    if (hidden == 0 || heads == 0)
      return fail(errc::invalid_config, "config.json: missing 'head_dim' (or 'hidden_size' and "
                  "'num_attention_heads' to derive it as hidden_size // num_attention_heads)");
    head_dim = hidden / heads;
    if (head_dim == 0)
      return fail(errc::invalid_config, "config.json: hidden_size (", hidden, ") // num_attention_heads (", heads,
                  ") is 0");
    return {};
  }

  status layout_of(const std::string& model_type, layout& out) const {
    if (options_.pairing) {
      out = *options_.pairing;
      return {};
    }
    for (const hf_layout_entry& e : hf_layout_table())
      if (model_type == e.model_type) {
        out = e.pairing;
        return {};
      }
    return fail(errc::invalid_config, "config.json: model_type '", printable(model_type),
                "' is not in cope's layout table (hf_layout_table): its pair layout is not a config key; "
                "pass hf_config_options::pairing");
  }

  // Top-level (and text_config) keys that affect RoPE must be ones this reader understands.
  status check_top_level_keys() const {
    static const std::set<std::string> known = {
        "rope_scaling", "rope_parameters", "rope_theta", "rope_local_base_freq", "partial_rotary_factor",
        "rotary_pct", "rotary_emb_base", "rotary_dim", "rotary", "rope_ratio", "rope_interleave",
        "qk_rope_head_dim", "no_rope_layers", "no_rope_layer_interval", "use_mrope", "mrope_section",
        "mrope_interleaved", "max_position_embeddings", "original_max_position_embeddings"};
    // Keys that change RoPE without saying so in their name.
    static const std::set<std::string> not_understood = {
        "dual_chunk_attention_config", "use_dynamic_ntk", "use_logn_attn", "xdrope_section", "rotary_emb_fraction",
        "rotary_emb_interleaved", "rotary_emb_scale_base", "position_embedding_type"};
    for (const json* obj : {text_, &top_}) {
      if (!obj->is_object()) continue;
      for (auto it = obj->begin(); it != obj->end(); ++it) {
        std::string lower = it.key();
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const bool ropeish = lower.find("rope") != std::string::npos || lower.find("rotary") != std::string::npos;
        if (not_understood.count(it.key()) != 0 || (ropeish && known.count(it.key()) == 0)) {
          if (it.key() == "position_embedding_type" && it->is_string() &&
              (it->get<std::string>() == "rope" || it->get<std::string>() == "rotary"))
            continue;
          if (it.key() == "use_mrope" || (it->is_null() && it.key() != "position_embedding_type")) continue;
          return fail(errc::invalid_config, "config.json: key '", printable(it.key()),
                      "' affects RoPE but is not understood by cope's reader (docs/models.md lists the keys it reads)");
        }
      }
    }
    if (const json* r = find("rotary"); r != nullptr && !(r->is_boolean() && r->get<bool>()))
      return fail_type("rotary", *r, "true (GPT-J: a model without rotary embeddings has no rope plan)");
    return {};
  }

  status rope_dict(const json*& out) {
    const json* v5 = nullptr;
    const json* v4 = nullptr;
    for (const json* obj : {text_, &top_}) {
      if (v5 == nullptr) {
        const auto it = obj->find("rope_parameters");
        if (it != obj->end() && !it->is_null()) v5 = &*it;
      }
      if (v4 == nullptr) {
        const auto it = obj->find("rope_scaling");
        if (it != obj->end() && !it->is_null()) v4 = &*it;
      }
    }
    if (v5 != nullptr && v4 != nullptr && *v5 != *v4)
      return fail(errc::invalid_config, "config.json: both 'rope_parameters' (v5) and 'rope_scaling' (v4) are given "
                  "and differ; keep one");
    out = v5 != nullptr ? v5 : v4;
    rope_key_ = v5 != nullptr ? "rope_parameters" : "rope_scaling";
    if (out != nullptr && !out->is_object()) return fail_type(rope_key_, *out, "an object (a rope dict)");
    return {};
  }

  static bool is_per_layer_type(const json& rope, const std::vector<std::string>& layer_types) {
    if (rope.empty()) return false;
    for (auto it = rope.begin(); it != rope.end(); ++it) {
      if (!it->is_object()) return false;
      bool listed = false;
      for (const std::string& t : layer_types) listed = listed || t == it.key();
      if (!listed && it.key() != "full_attention" && it.key() != "sliding_attention") return false;
    }
    return true;
  }

  status read_layer_types(const std::string& model_type, int num_layers, std::vector<std::string>& out) {
    if (const json* v = find("layer_types"); v != nullptr && !v->is_null()) {
      if (!v->is_array()) return fail_type("layer_types", *v, "a list of layer type names");
      if (static_cast<int>(v->size()) != num_layers)
        return fail_key("layer_types", "has " + std::to_string(v->size()) + " entries but num_hidden_layers is " +
                                           std::to_string(num_layers));
      for (const json& t : *v) {
        if (!t.is_string()) return fail_type("layer_types[]", t, "a string");
        out.push_back(t.get<std::string>());
      }
      return {};
    }
    if (model_type.rfind("gemma3", 0) == 0) {  // Gemma3TextConfig: sliding unless (i + 1) % pattern == 0
      int pattern = 6;
      if (auto st = read_int_any({"sliding_window_pattern"}, pattern, false, 1); !st) return st;
      for (int i = 0; i < num_layers; ++i) out.push_back((i + 1) % pattern != 0 ? "sliding_attention" : "full_attention");
    }
    return {};
  }

  // Llama 4: no_rope_layers[i] == 1 means layer i HAS RoPE (Llama4TextConfig); without the list, every
  // no_rope_layer_interval-th layer (default 4) is NoPE. Empty for other families.
  status read_nope_layers(const std::string& model_type, int num_layers, std::vector<bool>& nope) const {
    if (model_type.rfind("llama4", 0) != 0) return {};
    if (const json* v = find("no_rope_layers"); v != nullptr && !v->is_null() && !(v->is_array() && v->empty())) {
      if (!v->is_array() || static_cast<int>(v->size()) != num_layers)
        return fail_type("no_rope_layers", *v, "a list of 0 / 1 with one entry per layer (1 = the layer has RoPE)");
      for (const json& e : *v) {
        if (!e.is_number_integer() || (e.get<int>() != 0 && e.get<int>() != 1))
          return fail_type("no_rope_layers[]", e, "0 or 1 (1 = the layer has RoPE)");
        nope.push_back(e.get<int>() == 0);
      }
      return {};
    }
    int interval = 4;
    if (auto st = read_int_any({"no_rope_layer_interval"}, interval, false, 1); !st) return st;
    for (int i = 0; i < num_layers; ++i) nope.push_back((i + 1) % interval == 0);
    return {};
  }

  // Layer types without RoPE: those that are not attention (Qwen3.5 /
  // Qwen3-Next's linear_attention, Mamba / conv blocks) — they take no positions.
  static bool has_rope_layer(const std::string& type) {
    return type != "linear_attention" && type != "mamba" && type != "mamba2" && type != "conv";
  }

  status read_authors_clip(clip_request& out) const {
    bool cope = false, hard = false;
    for (auto [key, flag] : {std::pair<const char*, bool*>{"use_cope", &cope}, {"use_hardclip", &hard}})
      if (const json* v = find(key); v != nullptr && !v->is_null()) {
        if (!v->is_boolean()) return fail_type(key, *v, "a boolean");
        *flag = v->get<bool>();
      }
    if (cope && hard) return fail(errc::invalid_config, "config.json: 'use_cope' and 'use_hardclip' are both true");
    std::optional<std::int64_t> n;
    if (const json* v = find("clip_low_n"); v != nullptr && !v->is_null()) {
      std::int64_t value = 0;
      if (auto st = integer_of("clip_low_n", *v, 0, value); !st) return st;
      n = value;
    }
    if (cope || hard) {
      out.kind = cope ? clip_kind::cope : clip_kind::hard;
      out.n = static_cast<int>(std::min<std::int64_t>(n.value_or(paper_clip_pairs), 1 << 20));
    }
    return {};
  }

  status read_clip(const json& v, const std::string& where, clip_request& out) const {
    const std::string key = where + ".clip";
    if (!v.is_object()) return fail_type(key, v, "an object {\"kind\": \"cope\" | \"hard\", \"n\": N | \"auto\"}");
    clip_request c;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (it.key() == "kind") {
        if (!it->is_string() || (it->get<std::string>() != "cope" && it->get<std::string>() != "hard"))
          return fail_type(key + ".kind", *it, "\"cope\" or \"hard\"");
        c.kind = it->get<std::string>() == "cope" ? clip_kind::cope : clip_kind::hard;
      } else if (it.key() == "n") {
        if (it->is_string() && it->get<std::string>() == "auto") continue;
        std::int64_t n = 0;
        if (auto st = integer_of(key + ".n", *it, 0, n); !st) return st;
        c.n = static_cast<int>(std::min<std::int64_t>(n, 1 << 20));
      } else if (it.key() == "training_length") {
        std::int64_t length = 0;
        if (auto st = integer_of(key + ".training_length", *it, 1, length); !st) return st;
        c.training_length = length;
      } else {
        return fail(errc::invalid_config, "config.json: '", printable(key), "' has unknown key '",
                    printable(it.key()), "' (expected kind, n, training_length)");
      }
    }
    if (c.kind == clip_kind::none) return fail_key(key + ".kind", "is missing (\"cope\" or \"hard\")");
    out = c;
    return {};
  }

  // One rope dict (v4 or v5) into k.parameters (and k.clip / k.mrope_*).
  status read_rope_dict(const json& dict, const std::string& where, layer_rope& k,
                        std::vector<std::string>& warnings) const {
    rope_parameters& p = k.parameters;
    auto number = [&](const std::string& key, const json& v, std::optional<double>& out) -> status {
      if (!is_number(v)) return fail_type(where + "." + key, v, "a number");
      out = v.get<double>();
      return {};
    };
    auto list = [&](const std::string& key, const json& v, std::vector<double>& out) -> status {
      if (!v.is_array()) return fail_type(where + "." + key, v, "a list of numbers");
      out.clear();
      for (const json& e : v) {
        if (!is_number(e)) return fail_type(where + "." + key + "[]", e, "a number");
        out.push_back(e.get<double>());
      }
      return {};
    };
    std::string type = "default";
    bool has_rope_type = false;
    std::vector<std::string> present;
    for (auto it = dict.begin(); it != dict.end(); ++it) {
      const std::string& key = it.key();
      const json& v = *it;
      if (v.is_null()) continue;
      present.push_back(key);
      std::optional<double> x;
      if (key == "rope_type" || key == "type") {
        if (!v.is_string()) return fail_type(where + "." + key, v, "a string");
        if (key == "rope_type" || !has_rope_type) type = v.get<std::string>();
        has_rope_type = has_rope_type || key == "rope_type";
      } else if (key == "rope_theta") {
        if (auto st = number(key, v, x); !st) return st;
        p.rope_theta = *x;
      } else if (key == "partial_rotary_factor") {
        if (auto st = number(key, v, x); !st) return st;
        p.partial_rotary_factor = *x;
      } else if (key == "factor") {
        if (auto st = number(key, v, p.factor); !st) return st;
      } else if (key == "original_max_position_embeddings") {
        std::int64_t n = 0;
        if (auto st = integer_of(where + "." + key, v, 1, n); !st) return st;
        p.original_max_position_embeddings = n;
      } else if (key == "attention_factor") {
        if (auto st = number(key, v, p.attention_factor); !st) return st;
      } else if (key == "beta_fast") {
        if (auto st = number(key, v, p.beta_fast); !st) return st;
      } else if (key == "beta_slow") {
        if (auto st = number(key, v, p.beta_slow); !st) return st;
      } else if (key == "mscale") {
        if (auto st = number(key, v, p.mscale); !st) return st;
      } else if (key == "mscale_all_dim") {
        if (auto st = number(key, v, p.mscale_all_dim); !st) return st;
      } else if (key == "truncate") {
        if (!v.is_boolean()) return fail_type(where + "." + key, v, "a boolean");
        p.truncate = v.get<bool>();
      } else if (key == "low_freq_factor") {
        if (auto st = number(key, v, p.low_freq_factor); !st) return st;
      } else if (key == "high_freq_factor") {
        if (auto st = number(key, v, p.high_freq_factor); !st) return st;
      } else if (key == "short_factor") {
        if (auto st = list(key, v, p.short_factor); !st) return st;
      } else if (key == "long_factor") {
        if (auto st = list(key, v, p.long_factor); !st) return st;
      } else if (key == "alpha") {
        if (auto st = number(key, v, p.alpha); !st) return st;
      } else if (key == "mixed_b") {
        if (auto st = number(key, v, p.mixed_b); !st) return st;
      } else if (key == "mrope_section") {
        if (auto st = sections_of(where + "." + key, v, k.mrope_section); !st) return st;
      } else if (key == "mrope_interleaved") {
        if (!v.is_boolean()) return fail_type(where + "." + key, v, "a boolean");
        k.mrope_interleaved = v.get<bool>();
      } else if (key == "freq_allocation") {
        std::int64_t n = 0;
        if (auto st = integer_of(where + "." + key, v, 0, n); !st) return st;
        k.freq_allocation = static_cast<int>(std::min<std::int64_t>(n, 1 << 20));
      } else if (key == "clip") {
        if (auto st = read_clip(v, where, k.clip); !st) return st;
      } else {
        return fail(errc::invalid_config, "config.json: '", printable(where), "' has key '", printable(key),
                    "', which affects RoPE but is not understood by cope's reader");
      }
    }
    if (type == "mrope") type = "default";  // Qwen2-VL's legacy {"type": "mrope"}: default inv_freq + sections
    if (type == "su") type = "longrope";
    static const std::set<std::string> types = {"default", "linear", "dynamic", "yarn", "longrope",
                                                "llama3", "proportional", "ntk"};
    if (types.count(type) == 0)
      return fail(errc::unknown_rope_type, "config.json: '", printable(where), ".rope_type' is '", printable(type),
                  "' (expected default, linear, dynamic, yarn, longrope, llama3, proportional or ntk)");
    p.rope_type = type;
    // Phi-3: the top-level original_max_position_embeddings wins over the dict's (transformers v5).
    if (type == "longrope" || type == "yarn" || type == "llama3") {
      std::optional<std::int64_t> top_original;
      if (auto st = read_length_any({"original_max_position_embeddings"}, top_original); !st) return st;
      if (top_original) p.original_max_position_embeddings = top_original;
    }
    // Keys the type does not read (HF's validation warns about them): reported, not applied.
    static const std::set<std::string> common = {"rope_type", "type", "rope_theta", "partial_rotary_factor",
                                                 "mrope_section", "mrope_interleaved", "freq_allocation", "clip"};
    const std::set<std::string> used = [&]() -> std::set<std::string> {
      if (type == "linear" || type == "proportional") return {"factor"};
      if (type == "dynamic") return {"factor", "alpha"};
      if (type == "ntk") return {"factor", "mixed_b"};
      if (type == "yarn")
        return {"factor", "original_max_position_embeddings", "attention_factor", "beta_fast", "beta_slow",
                "mscale", "mscale_all_dim", "truncate"};
      if (type == "longrope")
        return {"factor", "original_max_position_embeddings", "attention_factor", "short_factor", "long_factor"};
      if (type == "llama3") return {"factor", "original_max_position_embeddings", "low_freq_factor", "high_freq_factor"};
      return {};
    }();
    for (const std::string& key : present)
      if (common.count(key) == 0 && used.count(key) == 0)
        warnings.push_back("config.json: '" + where + "." + key + "' is not used by rope_type '" + type + "'");
    return {};
  }

  status sections_of(const std::string& key, const json& v, std::vector<int>& out) const {
    if (!v.is_array() || v.empty() || v.size() > static_cast<std::size_t>(max_axes))
      return fail_type(key, v, "a list of 1 to 4 pair counts (t, h, w, ...)");
    out.clear();
    for (const json& e : v) {
      std::int64_t n = 0;
      if (auto st = integer_of(key + "[]", e, 0, n); !st) return st;
      out.push_back(static_cast<int>(std::min<std::int64_t>(n, 1 << 20)));
    }
    return {};
  }

  // M-RoPE keys outside the rope dict (text_config level).
  status read_mrope_keys(layer_rope& k) const {
    if (k.mrope_section.empty())
      if (const json* v = find("mrope_section"); v != nullptr && !v->is_null())
        if (auto st = sections_of("mrope_section", *v, k.mrope_section); !st) return st;
    if (!k.freq_allocation)
      if (const json* v = find("freq_allocation"); v != nullptr && !v->is_null()) {
        std::int64_t n = 0;
        if (auto st = integer_of("freq_allocation", *v, 0, n); !st) return st;
        k.freq_allocation = static_cast<int>(std::min<std::int64_t>(n, 1 << 20));
      }
    if (const json* v = find("mrope_interleaved"); v != nullptr && !v->is_null()) {
      if (!v->is_boolean()) return fail_type("mrope_interleaved", *v, "a boolean");
      k.mrope_interleaved = k.mrope_interleaved || v->get<bool>();
    }
    return {};
  }

  // The model's q / k norm (hf_qk_norm_table) on its RoPE layers, with rms_norm_eps.
  status read_qk_norm(rope_plan& plan) const {
    for (const hf_qk_norm_entry& e : hf_qk_norm_table()) {
      if (plan.model_type != e.model_type) continue;
      bool on = e.flag_default;
      if (e.flag != nullptr)
        if (const json* v = find(e.flag); v != nullptr && !v->is_null()) {
          if (!v->is_boolean()) return fail_type(e.flag, *v, "a boolean");
          on = v->get<bool>();
        }
      if (!on) return {};
      double eps = plan.model_type.rfind("llama4", 0) == 0 ? 1e-5 : 1e-6;  // the config classes' defaults
      if (auto st = read_number_any({"rms_norm_eps"}, eps); !st) return st;
      if (!(std::isfinite(eps) && eps >= 0)) return fail_key("rms_norm_eps", "must be finite and >= 0");
      for (layer_rope& k : plan.kinds)
        if (k.has_rope) k.norm = {e.kind, e.span, e.order, static_cast<float>(eps), e.source};
    }
    return {};
  }

  status read_llama4_temperature(rope_plan& plan) const {
    if (plan.model_type.rfind("llama4", 0) != 0) return {};
    bool tuning = true;  // Llama4TextConfig's default
    if (const json* v = find("attn_temperature_tuning"); v != nullptr && !v->is_null()) {
      if (!v->is_boolean() && !v->is_number_integer()) return fail_type("attn_temperature_tuning", *v, "a boolean");
      tuning = v->is_boolean() ? v->get<bool>() : v->get<int>() != 0;
    }
    plan.nope_temperature.enabled = tuning;
    if (auto st = read_number_any({"floor_scale"}, plan.nope_temperature.floor_scale); !st) return st;
    if (auto st = read_number_any({"attn_scale"}, plan.nope_temperature.attn_scale); !st) return st;
    if (!(plan.nope_temperature.floor_scale > 0 && std::isfinite(plan.nope_temperature.floor_scale)))
      return fail_key("floor_scale", "must be finite and positive");
    return {};
  }

  const json& top_;
  const json* text_;
  const json* defaults_ = &hf_class_defaults("");
  const hf_config_options& options_;
  std::string rope_key_ = "rope_parameters";
};

}  // namespace detail

// The rope plan of a parsed config.json.
inline result<rope_plan> try_hf_config_plan(const nlohmann::json& config, const hf_config_options& options = {}) {
  return detail::catch_allocation_failure("hf_config", [&]() -> result<rope_plan> {
    if (!config.is_object())
      return detail::fail(errc::invalid_config, "config.json: the document is ", detail::printable(config.type_name()),
                          ", not an object");
    detail::hf_reader reader(config, options);
    return reader.read();
  });
}

// The rope plan of config.json's text.
inline result<rope_plan> try_read_hf_config(std::string_view text, const hf_config_options& options = {}) {
  nlohmann::json config = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded())
    return detail::fail(errc::invalid_config, "config.json: not valid JSON (", text.size(), " bytes)");
  return try_hf_config_plan(config, options);
}

// The rope plan of a config.json file.
inline result<rope_plan> try_read_hf_config_file(const std::string& path, const hf_config_options& options = {}) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return detail::fail(errc::invalid_config, "config.json: cannot open '", detail::printable(path, 256), "'");
  std::ostringstream text;
  text << in.rdbuf();
  result<rope_plan> plan = try_read_hf_config(text.str(), options);
  if (!plan) return detail::fail(plan.error().code(), detail::printable(path, 256), ": ", plan.error().message());
  return plan;
}

#if COPE_EXCEPTIONS
inline rope_plan hf_config_plan(const nlohmann::json& config, const hf_config_options& options = {}) {
  return detail::value_or_throw(try_hf_config_plan(config, options));
}
inline rope_plan read_hf_config(std::string_view text, const hf_config_options& options = {}) {
  return detail::value_or_throw(try_read_hf_config(text, options));
}
inline rope_plan read_hf_config_file(const std::string& path, const hf_config_options& options = {}) {
  return detail::value_or_throw(try_read_hf_config_file(path, options));
}
#endif

}  // namespace cope
