// QK-RMSNorm + RoPE (fused.hpp), once per compiled ISA like the other kernel tests:
//  - bit for bit against the model's float32 sequence followed by apply_rope, on rows whose sum of
//    squares is exact in float32 (every summation order gives it), so the whole sequence is fixed;
//  - against a double reference (norm and rotation in double) on random rows: within 4 ulp of float32
//    at the pair's norm plus the rotation's 4e-7, plus half an ulp of the storage type per rounding the
//    formula makes to it (norm output, rotation output; Qwen3's cast of x * r is one more);
//  - every position form, tables and on the fly, layouts, storage types, in and out of place, partial
//    rotary windows, span token (OLMo-2) and after RoPE (Llama 4);
//  - no access past a view (guard page) and bad input named in the error, with nothing written.
#include <catch2/catch.hpp>

#include "cope/cope.hpp"
#include "cope/fused.hpp"
#include "support/storage.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>


namespace {

using cope::dtype;
using cope::layout;
using cope::qk_norm;
using cope::qk_norm_kind;
using cope::qk_norm_order;
using cope::qk_norm_span;

using cope_test::get;
using cope_test::half_ulp;
using cope_test::set;
float round_to(dtype t, float v) { return cope_test::representable(t, v); }

using cope_test::tensor;

// The model's norm in float32, step by step (fused.hpp): rows of `n` values from `in` to `out` (which
// may be the same tensor), r from the exact float32 sum (the inputs make it exact).
void reference_norm(const tensor& in, tensor& out, const qk_norm& norm, const float* weight) {
  const std::size_t n = norm.span == qk_norm_span::token ? in.heads * in.head_dim : in.head_dim;
  for (std::size_t row = 0; row < in.size() / n; ++row) {
    float sum = 0.0f;
    for (std::size_t j = 0; j < n; ++j) sum += in.at(row * n + j) * in.at(row * n + j);
    const float r = 1.0f / std::sqrt(sum / static_cast<float>(n) + norm.eps);
    for (std::size_t j = 0; j < n; ++j) {
      const float x = in.at(row * n + j);
      const float w = weight != nullptr ? weight[norm.span == qk_norm_span::token ? j : j % in.head_dim] : 0.0f;
      float y = x * r;
      switch (norm.kind) {
        case qk_norm_kind::weight_after_cast: y = w * round_to(in.type, y); break;
        case qk_norm_kind::weight: y = y * w; break;
        case qk_norm_kind::one_plus_weight: y = y * (1.0f + w); break;
        default: break;
      }
      out.put(row * n + j, y);
    }
  }
}

struct norm_case {
  const char* name;
  qk_norm norm;
};

std::vector<norm_case> norm_cases(const float* qw, const float* kw, const float* qw_token, const float* kw_token) {
  qk_norm unit_before = qk_norm::llama4();
  unit_before.order = qk_norm_order::before_rope;
  qk_norm olmo_after = qk_norm::olmo2(qw_token, kw_token);
  olmo_after.order = qk_norm_order::after_rope;
  return {{"qwen3 (weight after cast)", qk_norm::qwen3(qw, kw)},
          {"gemma3 (1 + weight)", qk_norm::gemma3(qw, kw)},
          {"gemma4 (weight)", qk_norm::gemma4(qw, kw)},
          {"olmo2 (weight, span token)", qk_norm::olmo2(qw_token, kw_token)},
          {"llama4 (unit, after RoPE)", qk_norm::llama4()},
          {"unit before RoPE", unit_before},
          {"weight over the token after RoPE", olmo_after}};
}

// What the fused call must equal: the norm, then apply_rope out of place (or apply_rope into the input's
// type, then the norm), on the same kernels.
template <class Angles>
void unfused(const Angles& angles, const cope::rope_args& args, const qk_norm& norm, tensor& q, tensor& k, tensor& q_out,
             tensor& k_out) {
  tensor qn(q.type, q.tokens, q.heads, q.head_dim), kn(k.type, k.tokens, k.heads, k.head_dim);
  cope::rope_args a = args;
  if (norm.order == qk_norm_order::before_rope) {
    reference_norm(q, qn, norm, norm.q_weight);
    reference_norm(k, kn, norm, norm.k_weight);
    a.q = qn.view();
    a.k = kn.view();
    a.q_out = q_out.view();
    a.k_out = k_out.view();
    REQUIRE(cope::try_apply_rope(angles, a).ok());
  } else {
    a.q = q.view();
    a.k = k.view();
    a.q_out = qn.view();
    a.k_out = kn.view();
    REQUIRE(cope::try_apply_rope(angles, a).ok());
    reference_norm(qn, q_out, norm, norm.q_weight);
    reference_norm(kn, k_out, norm, norm.k_weight);
  }
}

bool same_bits(const tensor& a, const tensor& b) { return a.bytes == b.bytes; }

struct storage_pair {
  dtype in, out;
};
constexpr storage_pair storage_pairs[] = {{dtype::f32, dtype::f32},
                                          {dtype::f16, dtype::f16},
                                          {dtype::bf16, dtype::bf16},
                                          {dtype::f32, dtype::f16},
                                          {dtype::f32, dtype::bf16}};

std::vector<float> random_weights(std::size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(0.25f, 1.75f);
  std::vector<float> w(n);
  for (float& v : w) v = u(rng);
  return w;
}

}  // namespace

// A partial rotary window inside the row (the scratch path), and whole rows of 64, 128 and 256 (the
// register path's three row shapes, where it applies).
struct shape {
  std::size_t head_dim;
  double partial_rotary_factor;
  std::size_t rotary_offset;
};
constexpr shape shapes[] = {{64, 0.75, 8}, {64, 1.0, 0}, {128, 1.0, 0}, {256, 1.0, 0}};

TEST_CASE("qk-norm + rope: the model's float32 sequence then apply_rope, bit for bit") {
  for (const shape& sh : shapes) {
  std::mt19937 rng(17);
  const std::size_t tokens = 5, q_heads = 4, k_heads = 2, head_dim = sh.head_dim;
  const cope::spectrum s = cope::rope_default(static_cast<int>(head_dim), {1e4, sh.partial_rotary_factor});
  const cope::rope_table table = cope::make_table(s, 64);
  const int pairs = static_cast<int>(static_cast<double>(head_dim) * sh.partial_rotary_factor) / 2;
  const cope::axis_map map = cope::axis_map::sectioned({pairs / 4, 3 * pairs / 8, pairs - pairs / 4 - 3 * pairs / 8});
  const std::vector<float> qw = random_weights(head_dim, rng), kw = random_weights(head_dim, rng);
  const std::vector<float> qw_token = random_weights(q_heads * head_dim, rng), kw_token = random_weights(k_heads * head_dim, rng);
  // Multiples of 1/8 up to 4 in magnitude: their squares and every partial sum are exact in float32 (and
  // in f16 / bf16 storage), whatever the order.
  std::uniform_int_distribution<int> eighths(-32, 32);
  std::vector<std::int64_t> ids = {7, 0, 63, 12, 5}, zeros(tokens, 0);
  std::vector<std::int32_t> zeros32(3 * tokens, 0);
  std::vector<std::int32_t> axes = {3, 3, 3, 5, 1, 9, 2, 2, 2, 40, 41, 42, 6, 6, 7};  // token-major, 3 axes
  int checked = 0;
  for (const norm_case& c : norm_cases(qw.data(), kw.data(), qw_token.data(), kw_token.data()))
    for (storage_pair types : storage_pairs)
      for (layout pairing : {layout::rotate_half, layout::interleaved})
        for (int form = 0; form < 3; ++form)
          for (bool use_table : {true, false})
            for (bool in_place : {true, false}) {
              if (in_place && types.in != types.out) continue;
              if (form == 2 && use_table && pairing == layout::interleaved) continue;  // fewer cases, all forms
              tensor q(types.in, tokens, q_heads, head_dim), k(types.in, tokens, k_heads, head_dim);
              for (std::size_t i = 0; i < q.size(); ++i) q.put(i, static_cast<float>(eighths(rng)) / 8.0f);
              for (std::size_t i = 0; i < k.size(); ++i) k.put(i, static_cast<float>(eighths(rng)) / 8.0f);
              tensor q_out(types.out, tokens, q_heads, head_dim), k_out(types.out, tokens, k_heads, head_dim);
              tensor q_want = q_out, k_want = k_out;
              // After RoPE, the sum is of rotated values, exact only at angle 0 (cos 1, sin 0): every token
              // at position 0 there (the double reference test covers the other angles).
              const bool at_zero = c.norm.order == qk_norm_order::after_rope;
              cope::positions pos = form == 0   ? cope::positions::from_offset(3)
                                    : form == 1 ? cope::positions::from_ids(at_zero ? zeros.data() : ids.data(), tokens)
                                                : cope::positions::multi_axis(at_zero ? zeros32.data() : axes.data(), 3, tokens, 1, 3);
              if (at_zero && form == 0) continue;
              cope::rope_args a = cope::rope_args::out_of_place(q.view(), q_out.view(), k.view(), k_out.view(), pos, pairing);
              a.rotary_offset = sh.rotary_offset;  // 64: window [8, 56), dims outside it normalized and copied
              if (form == 2) a.pair_axes = &map;
              unfused(s, a, c.norm, q, k, q_want, k_want);
              if (use_table) {
                tensor q_t = q_want, k_t = k_want;
                unfused(table.view(), a, c.norm, q, k, q_t, k_t);
                q_want = q_t;
                k_want = k_t;
              }
              if (in_place) {
                a = cope::rope_args::in_place(q.view(), k.view(), pos, pairing);
                a.rotary_offset = sh.rotary_offset;
                if (form == 2) a.pair_axes = &map;
              }
              const cope::status st = use_table ? cope::try_apply_qk_norm_rope(table.view(), a, c.norm)
                                                : cope::try_apply_qk_norm_rope(s, a, c.norm);
              INFO(c.name << ", " << cope::to_string(types.in) << " -> " << cope::to_string(types.out) << ", "
                          << cope::to_string(pairing) << ", position form " << form << (use_table ? ", table" : ", on the fly")
                          << (in_place ? ", in place" : ", out of place"));
              REQUIRE(st.ok());
              CHECK(same_bits(in_place ? q : q_out, q_want));
              CHECK(same_bits(in_place ? k : k_out, k_want));
              ++checked;
            }
  CHECK(checked > 400);
  }
}

TEST_CASE("qk-norm + rope: within bounds of the double reference on random rows") {
  std::mt19937 rng(29);
  const std::size_t tokens = 6, heads = 3, head_dim = 128;
  cope::yarn_parameters yarn;
  yarn.rope_theta = 1e6;
  yarn.factor = 4.0;
  yarn.original_max_position_embeddings = 4096;
  const cope::spectrum s = cope::rope_yarn(static_cast<int>(head_dim), yarn);  // attention factor != 1
  std::vector<float> w = random_weights(heads * head_dim, rng);
  std::uniform_real_distribution<float> u(-3.0f, 3.0f);
  const std::vector<std::int64_t> ids = {0, 1, 100, 4095, 70000, 1 << 20};
  double worst = 0.0;  // |error| / bound
  for (qk_norm norm : {qk_norm::qwen3(w.data(), nullptr), qk_norm::gemma3(w.data(), nullptr),
                       qk_norm::gemma4(w.data(), nullptr), qk_norm::olmo2(w.data(), nullptr), qk_norm::llama4()})
    for (storage_pair types : storage_pairs)
      for (layout pairing : {layout::rotate_half, layout::interleaved}) {
        tensor q(types.in, tokens, heads, head_dim), out(types.out, tokens, heads, head_dim);
        for (std::size_t i = 0; i < q.size(); ++i) q.put(i, u(rng));
        cope::rope_args a = cope::rope_args::out_of_place(q.view(), out.view(), {}, {},
                                                          cope::positions::from_ids(ids.data(), tokens), pairing);
        REQUIRE(cope::try_apply_qk_norm_rope(s, a, norm).ok());
        // Roundings to the storage type the formula makes: the norm's output, the rotation's, Qwen3's x * r.
        const int roundings = (types.in != dtype::f32 ? 1 : 0) + (types.out != dtype::f32 ? 1 : 0) +
                              (norm.kind == qk_norm_kind::weight_after_cast && types.in != dtype::f32 ? 1 : 0);
        const std::size_t n = norm.span == qk_norm_span::token ? heads * head_dim : head_dim;
        for (std::size_t t = 0; t < tokens; ++t)
          for (std::size_t h = 0; h < heads; ++h) {
            const std::size_t row = (t * heads + h) * head_dim;
            const std::size_t first = norm.span == qk_norm_span::token ? t * heads * head_dim : row;
            double sum = 0.0;
            for (std::size_t j = 0; j < n; ++j) sum += static_cast<double>(q.at(first + j)) * q.at(first + j);
            const double r = 1.0 / std::sqrt(sum / static_cast<double>(n) + static_cast<double>(norm.eps));
            std::vector<double> y(head_dim);
            for (std::size_t j = 0; j < head_dim; ++j) {
              const double wj = norm.kind == qk_norm_kind::unit ? 1.0
                                : w[norm.span == qk_norm_span::token ? h * head_dim + j : j];
              const double scale = norm.kind == qk_norm_kind::one_plus_weight ? 1.0 + wj : wj;
              y[j] = q.at(row + j) * (norm.order == qk_norm_order::after_rope ? 1.0 : r * scale);
            }
            // The rotation in double (pairs of the layout), at the exact angle; the attention factor too.
            const std::size_t pairs = head_dim / 2;
            std::vector<double> rotated(head_dim);
            for (std::size_t j = 0; j < pairs; ++j) {
              const std::size_t i0 = pairing == layout::rotate_half ? j : 2 * j;
              const std::size_t i1 = pairing == layout::rotate_half ? j + pairs : 2 * j + 1;
              const double angle = static_cast<double>(ids[t]) * static_cast<double>(s.inv_freq[j]);
              const double c = std::cos(angle) * s.attention_factor, sn = std::sin(angle) * s.attention_factor;
              rotated[i0] = y[i0] * c - y[i1] * sn;
              rotated[i1] = y[i0] * sn + y[i1] * c;
            }
            if (norm.order == qk_norm_order::after_rope) {  // Llama 4: the norm of the rotated row
              double sq = 0.0;
              for (double v : rotated) sq += v * v;
              const double r2 = 1.0 / std::sqrt(sq / static_cast<double>(head_dim) + static_cast<double>(norm.eps));
              for (double& v : rotated) v *= r2;
            }
            for (std::size_t j = 0; j < pairs; ++j) {
              const std::size_t i0 = pairing == layout::rotate_half ? j : 2 * j;
              const std::size_t i1 = pairing == layout::rotate_half ? j + pairs : 2 * j + 1;
              const double pair_norm = std::hypot(rotated[i0], rotated[i1]);
              const double bound = pair_norm * (4 * 0x1p-23 + 4e-7) + roundings * 1.5 * half_ulp(types.in == dtype::f32 ? types.out : types.in, pair_norm) + 1e-30;
              for (std::size_t i : {i0, i1}) {
                const double err = std::abs(static_cast<double>(out.at(row + i)) - rotated[i]);
                worst = std::max(worst, err / bound);
                if (err > bound) {
                  INFO(cope::to_string(norm.kind) << ", " << cope::to_string(types.in) << " -> " << cope::to_string(types.out)
                                                  << ", token " << t << " head " << h << " dim " << i << ": " << out.at(row + i)
                                                  << " vs " << rotated[i] << " (bound " << bound << ")");
                  CHECK(err <= bound);
                }
              }
            }
          }
      }
  INFO("worst error / bound " << worst);
  CHECK(worst <= 1.0);
}

TEST_CASE("qk-norm + rope: token ranges, k absent, head_dim not a multiple of the vectors") {
  std::mt19937 rng(41);
  const std::size_t tokens = 9, heads = 3, head_dim = 42;  // 21 pairs: tails on every ISA
  const cope::spectrum s = cope::rope_default(static_cast<int>(head_dim));
  const std::vector<float> w = random_weights(head_dim, rng);
  std::uniform_int_distribution<int> eighths(-16, 16);
  tensor q(dtype::bf16, tokens, heads, head_dim);
  for (std::size_t i = 0; i < q.size(); ++i) q.put(i, static_cast<float>(eighths(rng)) / 8.0f);
  tensor whole = q, none(dtype::bf16, 1, 1, head_dim), want = q;
  const qk_norm norm = qk_norm::qwen3(w.data(), nullptr);
  // Whole call, then the same in two ranges.
  cope::rope_args a = cope::rope_args::in_place(whole.view(), {}, cope::positions::from_offset(10));
  REQUIRE(cope::try_apply_qk_norm_rope(s, a, norm).ok());
  a = cope::rope_args::in_place(q.view(), {}, cope::positions::from_offset(10));
  a.token_end = 4;
  REQUIRE(cope::try_apply_qk_norm_rope(s, a, norm).ok());
  a.token_begin = 4;
  a.token_end = cope::all_tokens;
  REQUIRE(cope::try_apply_qk_norm_rope(s, a, norm).ok());
  CHECK(same_bits(q, whole));
  // And equal to the reference sequence.
  tensor normed = want;
  reference_norm(want, normed, norm, w.data());
  a = cope::rope_args::in_place(normed.view(), {}, cope::positions::from_offset(10));
  REQUIRE(cope::try_apply_rope(s, a).ok());
  CHECK(same_bits(q, normed));
  // qk_norm_kind::none is apply_rope.
  tensor plain = want, rotated = want;
  a = cope::rope_args::in_place(plain.view(), {}, cope::positions::from_offset(10));
  REQUIRE(cope::try_apply_qk_norm_rope(s, a, qk_norm{}).ok());
  a = cope::rope_args::in_place(rotated.view(), {}, cope::positions::from_offset(10));
  REQUIRE(cope::try_apply_rope(s, a).ok());
  CHECK(same_bits(plain, rotated));
}

TEST_CASE("qk-norm alone: the model's float32 sequence, bit for bit") {
  for (std::size_t head_dim : {std::size_t{96}, std::size_t{128}}) {  // the scratch path, the register path
  std::mt19937 rng(53);
  const std::size_t tokens = 4, q_heads = 4, k_heads = 2;
  const std::vector<float> qw = random_weights(head_dim, rng), kw = random_weights(head_dim, rng);
  const std::vector<float> qw_token = random_weights(q_heads * head_dim, rng), kw_token = random_weights(k_heads * head_dim, rng);
  std::uniform_int_distribution<int> eighths(-32, 32);
  for (const norm_case& c : norm_cases(qw.data(), kw.data(), qw_token.data(), kw_token.data()))
    for (storage_pair types : storage_pairs)
      for (bool in_place : {true, false}) {
        if (in_place && types.in != types.out) continue;
        tensor q(types.in, tokens, q_heads, head_dim), k(types.in, tokens, k_heads, head_dim);
        for (std::size_t i = 0; i < q.size(); ++i) q.put(i, static_cast<float>(eighths(rng)) / 8.0f);
        for (std::size_t i = 0; i < k.size(); ++i) k.put(i, static_cast<float>(eighths(rng)) / 8.0f);
        tensor q_out(types.out, tokens, q_heads, head_dim), k_out(types.out, tokens, k_heads, head_dim);
        tensor q_want = q_out, k_want = k_out;
        reference_norm(q, q_want, c.norm, c.norm.q_weight);
        reference_norm(k, k_want, c.norm, c.norm.k_weight);
        cope::norm_args a;
        a.q = q.view();
        a.k = k.view();
        a.q_out = in_place ? q.view() : q_out.view();
        a.k_out = in_place ? k.view() : k_out.view();
        INFO(c.name << ", " << cope::to_string(types.in) << " -> " << cope::to_string(types.out)
                    << (in_place ? ", in place" : ", out of place"));
        REQUIRE(cope::try_apply_qk_norm(a, c.norm).ok());
        CHECK(same_bits(in_place ? q : q_out, q_want));
        CHECK(same_bits(in_place ? k : k_out, k_want));
      }
  }
}

TEST_CASE("qk-norm + rope: bad input names the parameter and writes nothing") {
  const cope::spectrum s = cope::rope_default(64);
  std::vector<float> q(2 * 2 * 64, 1.0f), k(2 * 64, 1.0f), w(64, 1.0f);
  const std::vector<float> q0 = q, k0 = k;
  const cope::rope_args a = cope::rope_args::in_place(cope::make_view(q.data(), 2, 2, 64), cope::make_view(k.data(), 2, 1, 64),
                                                      cope::positions::from_offset(0));
  struct bad {
    qk_norm norm;
    cope::errc code;
    const char* message;
  };
  qk_norm no_k = qk_norm::qwen3(w.data(), nullptr);
  qk_norm negative_eps = qk_norm::gemma3(w.data(), w.data(), -0.5f);
  qk_norm nan_eps = qk_norm::gemma3(w.data(), w.data(), std::nanf(""));
  qk_norm unit_with_weight = qk_norm::llama4();
  unit_with_weight.q_weight = w.data();
  qk_norm bad_kind = qk_norm::qwen3(w.data(), w.data());
  bad_kind.kind = static_cast<qk_norm_kind>(9);
  qk_norm bad_span = qk_norm::qwen3(w.data(), w.data());
  bad_span.span = static_cast<qk_norm_span>(5);
  qk_norm bad_order = qk_norm::qwen3(w.data(), w.data());
  bad_order.order = static_cast<qk_norm_order>(3);
  for (const bad& b : {bad{qk_norm::qwen3(nullptr, w.data()), cope::errc::invalid_norm,
                           "apply_qk_norm_rope: norm.q_weight is null but qk_norm_kind::weight_after_cast multiplies by a weight"},
                       bad{no_k, cope::errc::invalid_norm, "apply_qk_norm_rope: norm.k_weight is null"},
                       bad{negative_eps, cope::errc::invalid_norm, "norm.eps (-0.5) must be finite and >= 0"},
                       bad{nan_eps, cope::errc::invalid_norm, "norm.eps (nan) must be finite and >= 0"},
                       bad{unit_with_weight, cope::errc::invalid_norm, "norm.q_weight is given but qk_norm_kind::unit has no weight"},
                       bad{bad_kind, cope::errc::invalid_norm, "norm.kind (9) is not a qk_norm_kind"},
                       bad{bad_span, cope::errc::invalid_norm, "norm.span (5) is not a qk_norm_span"},
                       bad{bad_order, cope::errc::invalid_norm, "norm.order (3) is not a qk_norm_order"}}) {
    const cope::status st = cope::try_apply_qk_norm_rope(s, a, b.norm);
    CHECK(st.code() == b.code);
    CHECK_THAT(st.message(), Catch::Contains(b.message));
    CHECK(q == q0);
    CHECK(k == k0);
  }
  // The rope checks apply as they are (here: a position beyond the table).
  const cope::rope_table table = cope::make_table(s, 4);
  cope::rope_args far = a;
  far.pos = cope::positions::from_offset(3);
  const cope::status st = cope::try_apply_qk_norm_rope(table.view(), far, qk_norm::qwen3(w.data(), w.data()));
  CHECK(st.code() == cope::errc::invalid_position);
  CHECK(q == q0);
  // A head above the scratch.
  std::vector<float> big(4098, 1.0f), bw(4098, 1.0f);
  const cope::spectrum s_big = cope::rope_default(64);
  cope::rope_args wide = cope::rope_args::in_place(cope::make_view(big.data(), 1, 1, 4098), {}, cope::positions::from_offset(0));
  const cope::status st_big = cope::try_apply_qk_norm_rope(s_big, wide, qk_norm::gemma4(bw.data(), nullptr));
  CHECK(st_big.code() == cope::errc::invalid_norm);
  CHECK_THAT(st_big.message(), Catch::Contains("q.head_dim (4098) is above max_fused_head_dim (4096)"));
  // After RoPE over the token: all heads must fit the scratch.
  std::vector<float> many(40 * 128, 1.0f), mw(40 * 128, 1.0f);
  qk_norm token_after = qk_norm::olmo2(mw.data(), nullptr);
  token_after.order = qk_norm_order::after_rope;
  cope::rope_args m = cope::rope_args::in_place(cope::make_view(many.data(), 1, 40, 128), {}, cope::positions::from_offset(0));
  const cope::status st_many = cope::try_apply_qk_norm_rope(cope::rope_default(128), m, token_after);
  CHECK(st_many.code() == cope::errc::invalid_norm);
  CHECK_THAT(st_many.message(), Catch::Contains("heads x head_dim (40 x 128) must be at most max_fused_head_dim (4096)"));
}

#if defined(__unix__)
TEST_CASE("qk-norm + rope: no access past a view's end (guard page)") {
  const cope_test::guarded_pages in_mem(4096), out_mem(4096), weight_mem(4096);
  REQUIRE((in_mem.base != nullptr && out_mem.base != nullptr && weight_mem.base != nullptr));
  const cope::spectrum s = cope::rope_default(80, {1e4, 66.5 / 80});  // rotary_dim 66: odd tails everywhere
  const std::size_t tokens = 3, heads = 2, head_dim = 80, span = tokens * heads * head_dim;
  float* w = static_cast<float*>(weight_mem.ending_at_guard(heads * head_dim * sizeof(float)));
  for (std::size_t i = 0; i < heads * head_dim; ++i) w[i] = 1.0f;
  qk_norm olmo_after = qk_norm::olmo2(w, nullptr);
  olmo_after.order = qk_norm_order::after_rope;
  const qk_norm head_weight_at_guard = qk_norm::gemma4(w + heads * head_dim - head_dim, nullptr);
  for (const qk_norm& norm : {head_weight_at_guard, qk_norm::olmo2(w, nullptr), qk_norm::llama4(), olmo_after})
    for (storage_pair types : storage_pairs)
      for (layout pairing : {layout::rotate_half, layout::interleaved})
        for (bool in_place : {true, false}) {
          if (in_place && types.in != types.out) continue;
          void* in_data = in_mem.ending_at_guard(span * cope::size_of(types.in));
          void* out_data = in_place ? in_data : out_mem.ending_at_guard(span * cope::size_of(types.out));
          std::memset(in_data, 0, span * cope::size_of(types.in));
          const cope::tensor_view q{in_data, types.in, tokens, heads, head_dim,
                                    static_cast<std::ptrdiff_t>(heads * head_dim), static_cast<std::ptrdiff_t>(head_dim), span};
          const cope::tensor_view q_out{out_data, types.out, tokens, heads, head_dim,
                                        static_cast<std::ptrdiff_t>(heads * head_dim), static_cast<std::ptrdiff_t>(head_dim), span};
          cope::rope_args a = cope::rope_args::out_of_place(q, q_out, {}, {}, cope::positions::from_offset(1), pairing);
          a.rotary_offset = 14;
          CHECK(cope::try_apply_qk_norm_rope(s, a, norm).ok());  // reaching here without a fault is the test
        }
}
#endif
