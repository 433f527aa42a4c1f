// libFuzzer target: the model front door's file readers. The first byte picks the reader — even: GGUF
// (cope/gguf.hpp, try_read_gguf over the rest as a whole file), odd: config.json text
// (cope/hf_config.hpp). Every outcome must be a plan that holds together (each layer indexes a kind,
// each RoPE kind has a finite spectrum that fits its head) or an error with a specific, printable message.
// The buffer is an exact-size heap copy, so ASan catches any read past it.
#include "cope/gguf.hpp"
#include "cope/hf_config.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

namespace {
[[noreturn]] void fail(const char* what, const std::string& message) {
  std::fprintf(stderr, "fuzz model_files: %s: %s\n", what, message.c_str());
  std::abort();
}

void check_error(const cope::status& s) {
  if (s.ok()) fail("a failed result with an ok status", "");
  const std::string& m = s.message();
  if (m.size() < 16) fail("a message too short to say what is wrong", m);
  for (char c : m)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      fail("a message with a control or non-ASCII byte", m);
  if (s.code() == cope::errc::out_of_memory) fail("out of memory on a small input", m);
}

void check_plan(const cope::rope_plan& plan) {
  for (int i = 0; i < plan.num_layers(); ++i) {
    const int k = plan.layer_kind[static_cast<std::size_t>(i)];
    if (k < 0 || static_cast<std::size_t>(k) >= plan.kinds.size()) fail("a layer outside the kinds", plan.model_type);
  }
  for (const cope::layer_rope& k : plan.kinds) {
    if (!k.has_rope) continue;
    if (!k.spectrum) fail("a RoPE kind without a spectrum", k.name);
    if (k.rotary_offset < 0 || k.rotary_offset + k.rotary_dim > k.head_dim) fail("a rotary window beyond the head", k.name);
    if (k.pair_axes && static_cast<int>(k.pair_axes->pairs()) != k.spectrum->pairs()) fail("a map of the wrong size", k.name);
    for (float f : k.spectrum->inv_freq)
      if (!(std::isfinite(f) && f >= 0.0f)) fail("an inv_freq that is not finite and >= 0", k.name);
  }
  if (!(std::isfinite(plan.softmax_scale_multiplier) && plan.softmax_scale_multiplier > 0))
    fail("a softmax multiplier that is not finite and positive", plan.model_type);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool gguf = data[0] % 2 == 0;
  const std::size_t n = size - 1;
  std::unique_ptr<unsigned char[]> exact(new unsigned char[n == 0 ? 1 : n]);
  if (n != 0) std::memcpy(exact.get(), data + 1, n);
  const cope::result<cope::rope_plan> r =
      gguf ? cope::try_read_gguf(n == 0 ? nullptr : exact.get(), n)
           : cope::try_read_hf_config(std::string_view(reinterpret_cast<const char*>(exact.get()), n));
  if (r.ok())
    check_plan(*r);
  else
    check_error(r.error());
  return 0;
}
