// libFuzzer target: the spectrum layer — try_make_spectrum on fuzzed parameters (any rope_type text, any
// double, any length, head_dim, seq_len), then the clips, the OOD count, the critical dimension and a
// small table. Invariants of every ok result:
//   * inv_freq and inv_freq_f64 finite and >= 0, one per pair, rotary_dim even and <= head_dim;
//   * attention_factor within [min_attention_factor, max_attention_factor];
//   * clips keep the pairs below the onset bit for bit and never raise a frequency;
//   * table rows finite and within attention_factor (cos^2 + sin^2 = f^2 up to float32 rounding);
// and every error carries a message of printable characters only.
#include "fuzz_input.hpp"

#include "cope/cope.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace {

using cope_fuzz::input;

[[noreturn]] void fail(const char* what, const std::string& detail = "") {
  std::fprintf(stderr, "fuzz spectrum: %s %s\n", what, detail.c_str());
  std::abort();
}

void check_message(const cope::status& st) {
  if (st.ok()) return;
  if (st.message().empty()) fail("an error without a message");
  for (char c : st.message())
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      fail("an error message with a control or non-ASCII byte:", st.message());
}

void check_spectrum(const cope::spectrum& s) {
  if (s.inv_freq.empty() || s.inv_freq.size() != s.inv_freq_f64.size() || s.rotary_dim != 2 * s.pairs() ||
      s.rotary_dim > s.head_dim || s.head_dim > cope::max_head_dim)
    fail("an inconsistent spectrum");
  for (std::size_t j = 0; j < s.inv_freq.size(); ++j)
    if (!(std::isfinite(s.inv_freq[j]) && s.inv_freq[j] >= 0 && std::isfinite(s.inv_freq_f64[j]) && s.inv_freq_f64[j] >= 0))
      fail("an inv_freq that is not finite and >= 0 in type", s.rope_type);
  if (!(s.attention_factor >= cope::min_attention_factor && s.attention_factor <= cope::max_attention_factor))
    fail("an attention factor outside its range");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  input in(data, size);
  static const char* const types[] = {"default", "linear", "dynamic", "yarn",         "longrope",
                                      "su",      "llama3", "ntk",     "proportional"};
  cope::rope_parameters p;
  const std::uint8_t which = in.byte();
  p.rope_type = which < 240 ? types[which % 9] : in.text(24);
  p.rope_theta = in.number(10000.0);
  if (in.flag()) p.partial_rotary_factor = in.number(0.5);
  if (in.flag()) p.factor = in.number(4.0);
  if (in.flag()) p.original_max_position_embeddings = in.int64(8192);
  if (in.flag()) p.attention_factor = in.number(1.0);
  if (in.flag()) p.beta_fast = in.number(32.0);
  if (in.flag()) p.beta_slow = in.number(1.0);
  if (in.flag()) p.mscale = in.number(1.0);
  if (in.flag()) p.mscale_all_dim = in.number(1.0);
  if (in.flag()) p.truncate = in.flag();
  if (in.flag()) p.low_freq_factor = in.number(1.0);
  if (in.flag()) p.high_freq_factor = in.number(4.0);
  if (in.flag()) p.alpha = in.number(1000.0);
  if (in.flag()) p.mixed_b = in.number(0.625);
  const int head_dim = static_cast<int>(in.flag() ? in.raw<std::int32_t>() : 2 * static_cast<std::int32_t>(in.below(80)));
  const std::size_t list = in.flag() ? static_cast<std::size_t>(in.below(80)) : static_cast<std::size_t>(std::max(head_dim, 0) / 2 % 200);
  for (std::size_t j = 0; j < list; ++j) p.short_factor.push_back(in.number(1.0));
  for (std::size_t j = 0; j < list; ++j) p.long_factor.push_back(in.number(4.0));
  std::optional<std::int64_t> max_positions, seq_len;
  if (in.flag()) max_positions = in.int64(131072);
  if (in.flag()) seq_len = in.int64(200000);

  const cope::result<cope::spectrum> r = cope::try_make_spectrum(p, head_dim, max_positions, seq_len);
  if (!r.ok()) {
    check_message(r.error());
    return 0;
  }
  const cope::spectrum& s = *r;
  check_spectrum(s);

  const int n = static_cast<int>(in.below(static_cast<std::uint32_t>(s.pairs()) + 3)) - 1;
  for (bool soft : {true, false}) {
    const cope::result<cope::spectrum> c = soft ? cope::try_cope_clip(s, n) : cope::try_hard_clip(s, n);
    if (!c.ok()) {
      check_message(c.error());
      continue;
    }
    check_spectrum(*c);
    for (int j = 0; j < s.pairs(); ++j) {
      const auto u = static_cast<std::size_t>(j);
      if (j < s.pairs() - n ? c->inv_freq[u] != s.inv_freq[u] : c->inv_freq[u] > s.inv_freq[u])
        fail("a clip changed a pair below its onset or raised a frequency");
    }
  }
  const double training_length = in.number(8192.0);
  const cope::result<int> ood = cope::try_ood_clip_count(s, training_length);
  if (ood.ok() && (*ood < 0 || *ood > s.pairs())) fail("an OOD count outside [0, pairs]");
  if (!ood.ok()) check_message(ood.error());
  const cope::result<int> dct = cope::try_critical_dimension(training_length, head_dim, p.rope_theta);
  if (dct.ok() && (*dct < 0 || *dct > head_dim)) fail("a critical dimension outside [0, head_dim]");

  const std::int64_t positions = in.int64(32);
  const cope::result<cope::rope_table> t = cope::try_make_table(s, positions <= 64 ? positions : 64);
  if (!t.ok()) {
    check_message(t.error());
    return 0;
  }
  const double f = s.attention_factor;
  for (std::int64_t row = 0; row < t->positions; ++row)
    for (std::size_t j = 0; j < t->pairs; ++j) {
      const double c = t->cos(row)[j], sn = t->sin(row)[j];
      if (!(std::abs(std::hypot(c, sn) - f) <= 4e-7 * f)) fail("a table row off the circle of radius attention_factor");
    }
  return 0;
}
