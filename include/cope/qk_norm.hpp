// cope — which per-head q / k norm a model applies around RoPE, and how (fused.hpp applies it; a rope
// plan, plan.hpp, says which one a model uses). Standard library only.
#pragma once

namespace cope {

enum class qk_norm_kind {
  none,               // no norm: apply_rope
  weight_after_cast,  // store(w * store(x * r))
  weight,             // store((x * r) * w)
  one_plus_weight,    // store((x * r) * (1 + w))
  unit,               // store(x * r): no weight
};

// What one r covers: each head's row (head_dim values), or every head of a token (OLMo-2's q_norm and
// k_norm span heads * head_dim).
enum class qk_norm_span { head, token };

// Llama 4 normalizes after RoPE; everyone else before.
enum class qk_norm_order { before_rope, after_rope };

struct qk_norm {
  qk_norm_kind kind = qk_norm_kind::none;
  float eps = 1e-6f;  // as the model's rms_norm_eps, rounded to float32 as torch rounds it
  // The model's q_norm / k_norm weights as float32 (bf16 / f16 weights convert exactly): head_dim
  // values, or heads * head_dim with span token. Null for unit; k_weight unused without k.
  const float* q_weight = nullptr;
  const float* k_weight = nullptr;
  qk_norm_span span = qk_norm_span::head;
  qk_norm_order order = qk_norm_order::before_rope;

  static qk_norm qwen3(const float* q_weight, const float* k_weight, float eps = 1e-6f) {
    return {qk_norm_kind::weight_after_cast, eps, q_weight, k_weight, qk_norm_span::head, qk_norm_order::before_rope};
  }
  static qk_norm gemma3(const float* q_weight, const float* k_weight, float eps = 1e-6f) {
    return {qk_norm_kind::one_plus_weight, eps, q_weight, k_weight, qk_norm_span::head, qk_norm_order::before_rope};
  }
  static qk_norm gemma4(const float* q_weight, const float* k_weight, float eps = 1e-6f) {
    return {qk_norm_kind::weight, eps, q_weight, k_weight, qk_norm_span::head, qk_norm_order::before_rope};
  }
  static qk_norm olmo2(const float* q_weight, const float* k_weight, float eps = 1e-6f) {
    return {qk_norm_kind::weight, eps, q_weight, k_weight, qk_norm_span::token, qk_norm_order::before_rope};
  }
  static qk_norm llama4(float eps = 1e-5f) {
    return {qk_norm_kind::unit, eps, nullptr, nullptr, qk_norm_span::head, qk_norm_order::after_rope};
  }
};

inline const char* to_string(qk_norm_kind k) noexcept {
  switch (k) {
    case qk_norm_kind::none: return "none";
    case qk_norm_kind::weight_after_cast: return "weight_after_cast";
    case qk_norm_kind::weight: return "weight";
    case qk_norm_kind::one_plus_weight: return "one_plus_weight";
    case qk_norm_kind::unit: return "unit";
  }
  return "unknown";
}

// Which norm a model's attention applies to q and k around RoPE (a rope plan's layer_rope::norm): the
// kind, span and order, its eps, and where the reference defines it. with_weights() makes the call's
// qk_norm once the engine has the checkpoint's q_norm / k_norm weights.
struct qk_norm_plan {
  qk_norm_kind kind = qk_norm_kind::none;
  qk_norm_span span = qk_norm_span::head;
  qk_norm_order order = qk_norm_order::before_rope;
  float eps = 1e-6f;
  const char* source = "";  // the reference's modeling file and norm class

  qk_norm with_weights(const float* q_weight, const float* k_weight) const {
    const bool weighted = kind != qk_norm_kind::unit && kind != qk_norm_kind::none;
    return {kind, eps, weighted ? q_weight : nullptr, weighted ? k_weight : nullptr, span, order};
  }
};

}  // namespace cope
