// cope — how a head's rotary dimensions are paired, and which way to rotate (design §2.1).
#pragma once

namespace cope {

enum class layout {
  // Pair j is (x[j], x[j + N]), N = rotary_dim / 2: HF Llama's rotate_half, llama.cpp NEOX.
  rotate_half,
  // Pair j is (x[2j], x[2j + 1]): Meta's original, GPT-J, llama.cpp NORMAL, GLM, DeepSeek.
  interleaved,
};

enum class direction {
  // x' = f * (x cos a - y sin a), y' = f * (x sin a + y cos a), f = attention_factor.
  forward,
  // The exact inverse of forward: rotate by -a and divide by f. Undoes forward; re-rotating cached
  // keys by a position delta is a forward rotation by the delta with f = 1. (The gradient of forward
  // is f * R(-a) = f^2 * inverse; identical when f = 1.)
  inverse,
};

inline const char* to_string(layout l) noexcept { return l == layout::rotate_half ? "rotate_half" : "interleaved"; }
inline const char* to_string(direction d) noexcept { return d == direction::forward ? "forward" : "inverse"; }

}  // namespace cope
