// Internal header (not part of the public API): the definitions of the fused entry points declared in
// fused.hpp — inline in a header-only unit, compiled once into cope::kernels (src/kernels_api.cpp)
// otherwise. Checks (detail/validate.hpp, then the norm's own), then one rope_job for the ISA's
// run_fused (detail/kernels_inl.hpp).
#pragma once

#include "../fused.hpp"
#include "kernels_api_inl.hpp"

// The fused kernels of the ISA(s) this header-only unit compiled (cope::kernels has its own).
#if !COPE_COMPILED_KERNELS
#if COPE_SELECTED_ISA == COPE_ISA_DISPATCH
#include "../arch/avx2_fused.hpp"
#include "../arch/avx512_fused.hpp"
#include "../arch/avx512bf16_fused.hpp"
#include "../arch/scalar_fused.hpp"
#elif COPE_SELECTED_ISA == COPE_ISA_AVX512BF16
#include "../arch/avx512bf16_fused.hpp"
#elif COPE_SELECTED_ISA == COPE_ISA_AVX512
#include "../arch/avx512_fused.hpp"
#elif COPE_SELECTED_ISA == COPE_ISA_AVX2
#include "../arch/avx2_fused.hpp"
#elif COPE_SELECTED_ISA == COPE_ISA_NEON
#include "../arch/neon_fused.hpp"
#else
#include "../arch/scalar_fused.hpp"
#endif
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace cope {
namespace detail {
inline namespace COPE_API_NAMESPACE {

constexpr const char* qk_norm_ctx = "apply_qk_norm_rope";

// The ISA's fused kernels: the library's choice, or (header-only) those of the kernels this unit runs.
inline void (*fused_kernels() noexcept)(const rope_job&) noexcept {
#if COPE_COMPILED_KERNELS
  return kernels().run_fused;
#elif COPE_SELECTED_ISA == COPE_ISA_DISPATCH
  using run_fn = void (*)(const rope_job&) noexcept;
  const run_fn run = kernels().run;
  if (run == static_cast<run_fn>(&isa_avx512bf16::run)) return &isa_avx512bf16::run_fused;
  if (run == static_cast<run_fn>(&isa_avx512::run)) return &isa_avx512::run_fused;
  if (run == static_cast<run_fn>(&isa_avx2::run)) return &isa_avx2::run_fused;
  return &isa_scalar::run_fused;
#else
  return &COPE_KERNELS::run_fused;
#endif
}

inline bool has_weight(qk_norm_kind k) noexcept {
  return k == qk_norm_kind::weight_after_cast || k == qk_norm_kind::weight || k == qk_norm_kind::one_plus_weight;
}

COPE_NOINLINE inline status check_norm(const rope_args& a, const qk_norm& n) {
  const char* ctx = qk_norm_ctx;
  const int kind = static_cast<int>(n.kind);
  if (kind < static_cast<int>(qk_norm_kind::none) || kind > static_cast<int>(qk_norm_kind::unit))
    return fail(errc::invalid_norm, ctx, ": norm.kind (", kind, ") is not a qk_norm_kind");
  const int span = static_cast<int>(n.span), order = static_cast<int>(n.order);
  if (span != static_cast<int>(qk_norm_span::head) && span != static_cast<int>(qk_norm_span::token))
    return fail(errc::invalid_norm, ctx, ": norm.span (", span, ") is not a qk_norm_span");
  if (order != static_cast<int>(qk_norm_order::before_rope) && order != static_cast<int>(qk_norm_order::after_rope))
    return fail(errc::invalid_norm, ctx, ": norm.order (", order, ") is not a qk_norm_order");
  if (n.kind == qk_norm_kind::none) return {};
  if (!std::isfinite(n.eps) || n.eps < 0.0f)
    return fail(errc::invalid_norm, ctx, ": norm.eps (", static_cast<double>(n.eps), ") must be finite and >= 0");
  const bool has_k = a.k.data != nullptr;
  if (has_weight(n.kind)) {
    if (n.q_weight == nullptr)
      return fail(errc::invalid_norm, ctx, ": norm.q_weight is null but qk_norm_kind::", to_string(n.kind),
                  " multiplies by a weight");
    if (has_k && n.k_weight == nullptr)
      return fail(errc::invalid_norm, ctx, ": norm.k_weight is null but qk_norm_kind::", to_string(n.kind),
                  " multiplies by a weight");
  } else if (n.q_weight != nullptr || n.k_weight != nullptr) {
    return fail(errc::invalid_norm, ctx, ": norm.", n.q_weight != nullptr ? "q_weight" : "k_weight",
                " is given but qk_norm_kind::unit has no weight");
  }
  struct side {
    const char* name;
    const const_tensor_view* v;
  };
  for (const side& s : {side{"q", &a.q}, side{"k", &a.k}}) {
    if (s.v->data == nullptr) continue;
    if (s.v->head_dim > max_fused_head_dim)
      return fail(errc::invalid_norm, ctx, ": ", s.name, ".head_dim (", s.v->head_dim,
                  ") is above max_fused_head_dim (", max_fused_head_dim, ")");
    if (n.span == qk_norm_span::token && n.order == qk_norm_order::after_rope &&
        s.v->heads * s.v->head_dim > max_fused_head_dim)
      return fail(errc::invalid_norm, ctx, ": a norm over the token after RoPE holds all of a token's ", s.name,
                  " rows: heads x head_dim (", s.v->heads, " x ", s.v->head_dim, ") must be at most max_fused_head_dim (",
                  max_fused_head_dim, ")");
  }
  return {};
}

inline norm_job norm_job_of(const qk_norm& n) noexcept {
  norm_job j;
  switch (n.kind) {
    case qk_norm_kind::weight_after_cast: j.kind = norm_kind::weight_after_cast; break;
    case qk_norm_kind::weight: j.kind = norm_kind::weight; break;
    case qk_norm_kind::one_plus_weight: j.kind = norm_kind::one_plus_weight; break;
    case qk_norm_kind::unit: j.kind = norm_kind::unit; break;
    default: j.kind = norm_kind::none; break;
  }
  j.span_token = n.span == qk_norm_span::token;
  j.after_rope = n.order == qk_norm_order::after_rope;
  j.eps = n.eps;
  j.q_weight = n.q_weight;
  j.k_weight = n.k_weight;
  return j;
}

inline void run_qk_norm_rope(rope_job job, const rope_args& a, const qk_norm& n) noexcept {
  if (n.kind == qk_norm_kind::none) return run_apply(job, a);
  if (!prepare_apply(job, a)) return;
  job.norm = norm_job_of(n);
  fused_kernels()(job);
}

// The norm alone: a rope_args over the same views (positions unused) for the view checks, a job without
// angles (no pairs) for the kernels.
inline rope_args rope_args_of(const norm_args& n) noexcept {
  rope_args a = rope_args::out_of_place(n.q, n.q_out, n.k, n.k_out, positions::from_offset(0));
  a.token_begin = n.token_begin;
  a.token_end = n.token_end;
  return a;
}

inline void run_qk_norm(const norm_args& n, const qk_norm& norm) noexcept {
  if (norm.kind == qk_norm_kind::none) return;
  rope_job job;
  if (!prepare_apply(job, rope_args_of(n))) return;
  job.norm = norm_job_of(norm);
  job.norm.only = true;
  job.norm.after_rope = false;
  fused_kernels()(job);
}

// ---- RoPE + KV-cache append ----

constexpr const char* append_ctx = "apply_rope_append";

// The rope_args an append call's rope checks see: q as given, k read in place (k is never written).
inline rope_args rope_args_of(const append_args& a) noexcept {
  tensor_view k_as_out{const_cast<void*>(a.k.data), a.k.type, a.k.tokens, a.k.heads, a.k.head_dim,
                       a.k.token_stride, a.k.head_stride, a.k.capacity};
  rope_args r = rope_args::out_of_place(a.q, a.q_out, a.k, k_as_out, a.pos, a.pairing);
  r.rotary_offset = a.rotary_offset;
  r.token_begin = a.token_begin;
  r.token_end = a.token_end;
  r.pair_axes = a.pair_axes;
  return r;
}

// Byte range [begin, end) a view spans (tokens > 0), for the cache overlap checks.
inline bool byte_range(const const_tensor_view& v, std::uintptr_t& begin, std::uintptr_t& end) {
  grid g;
  if (v.data == nullptr || v.tokens == 0 || !grid_of(v, g)) return false;
  begin = g.data;
  end = g.data + static_cast<std::uintptr_t>(g.span);
  return true;
}

// Token t's position where it is an integer 1-D form (the checked layer has seen the positions): the
// slot of a token without a slot mapping. `request` walks a ragged batch forward.
inline std::int64_t integer_position(const positions& p, std::size_t t, std::size_t& request) {
  switch (p.kind) {
    case position_kind::offset: return p.start + static_cast<std::int64_t>(t);
    case position_kind::ids_i32: return static_cast<const std::int32_t*>(p.ids)[t];
    case position_kind::ids_i64: return static_cast<const std::int64_t*>(p.ids)[t];
    default: break;
  }
  const bool wide = p.kind == position_kind::ragged_i64;
  auto indptr = [&](std::size_t r) {
    return wide ? static_cast<const std::int64_t*>(p.indptr)[r]
                : static_cast<std::int64_t>(static_cast<const std::int32_t*>(p.indptr)[r]);
  };
  while (request + 1 < p.requests && indptr(request + 1) <= static_cast<std::int64_t>(t)) ++request;
  const std::int64_t offset = wide ? static_cast<const std::int64_t*>(p.request_offsets)[request]
                                   : static_cast<std::int64_t>(static_cast<const std::int32_t*>(p.request_offsets)[request]);
  return offset + static_cast<std::int64_t>(t) - indptr(request);
}

// Every token's slot in [token_begin, end): -1 or within the cache, none written twice.
COPE_NOINLINE inline status check_slots(const append_args& a, std::size_t end) {
  const char* ctx = append_ctx;
  const auto total = static_cast<std::int64_t>(a.cache.slots());
  std::vector<std::pair<std::int64_t, std::size_t>> used;
  used.reserve(end > a.token_begin ? end - a.token_begin : 0);
  std::size_t request = 0;
  for (std::size_t t = a.token_begin; t < end; ++t) {
    std::int64_t slot;
    if (a.slots.ids == nullptr) {
      slot = integer_position(a.pos, t, request);
    } else {
      slot = a.slots.wide ? static_cast<const std::int64_t*>(a.slots.ids)[t]
                          : static_cast<std::int64_t>(static_cast<const std::int32_t*>(a.slots.ids)[t]);
      if (slot < -1)
        return fail(errc::invalid_cache, ctx, ": slots[", t, "] (", static_cast<long long>(slot),
                    ") is below -1 (-1 skips the token)");
    }
    if (slot >= total) {
      if (a.slots.ids == nullptr)
        return fail(errc::invalid_cache, ctx, ": token ", t, "'s position (", static_cast<long long>(slot),
                    ") is beyond the cache's last slot (", static_cast<long long>(total - 1), " = pages x page_size - 1)");
      return fail(errc::invalid_cache, ctx, ": slots[", t, "] (", static_cast<long long>(slot),
                  ") is beyond the cache's last slot (", static_cast<long long>(total - 1), " = pages x page_size - 1)");
    }
    if (slot >= 0) used.emplace_back(slot, t);
  }
  std::sort(used.begin(), used.end());
  for (std::size_t i = 1; i < used.size(); ++i)
    if (used[i].first == used[i - 1].first)
      return fail(errc::invalid_cache, ctx, ": tokens ", used[i - 1].second, " and ", used[i].second,
                  " both go to slot ", static_cast<long long>(used[i].first), "; a slot is written once per call");
  return {};
}

COPE_NOINLINE inline status check_append(const append_args& a) {
  const char* ctx = append_ctx;
  const kv_cache& c = a.cache;
  const int type = static_cast<int>(c.type), layout_value = static_cast<int>(c.layout);
  if (type < 0 || type > static_cast<int>(cache_type::q8_0))
    return fail(errc::invalid_cache, ctx, ": cache.type (", type, ") is not a cache_type");
  if (layout_value != static_cast<int>(kv_layout::nhd) && layout_value != static_cast<int>(kv_layout::hnd))
    return fail(errc::invalid_cache, ctx, ": cache.layout (", layout_value, ") is not a kv_layout");
  if (a.k.data == nullptr) return fail(errc::null_data, ctx, ": k is null; an append writes k into the cache");
  if (c.k == nullptr) return fail(errc::null_data, ctx, ": cache.k is null");
  if ((a.v.data == nullptr) != (c.v == nullptr))
    return fail(errc::invalid_cache, ctx, a.v.data == nullptr ? ": cache.v is given but v is null"
                                                              : ": v is given but cache.v is null");
  if (c.pages == 0 || c.page_size == 0)
    return fail(errc::invalid_cache, ctx, ": cache.pages (", c.pages, ") and cache.page_size (", c.page_size,
                ") must be positive");
  if (c.kv_heads != a.k.heads || c.head_dim != a.k.head_dim)
    return fail(errc::invalid_cache, ctx, ": cache rows are ", c.kv_heads, " heads x ", c.head_dim, " but k is ",
                a.k.heads, " heads x ", a.k.head_dim);
  if (c.pages > (std::size_t{1} << 40) / c.page_size || c.slots() > (std::size_t{1} << 40) / (c.kv_heads * c.head_dim))
    return fail(errc::invalid_cache, ctx, ": cache of ", c.pages, " pages x ", c.page_size, " slots x ", c.kv_heads,
                " heads x ", c.head_dim, " is beyond 2^40 values");
  if (c.type == cache_type::q8_0) {
    if (c.head_dim % q8_0_block_values != 0)
      return fail(errc::invalid_cache, ctx, ": a q8_0 cache needs head_dim (", c.head_dim, ") a multiple of 32");
    if (c.kv_heads * c.head_dim > max_fused_head_dim)
      return fail(errc::invalid_cache, ctx, ": a q8_0 cache quantizes a token's k rows together: kv_heads x head_dim (",
                  c.kv_heads, " x ", c.head_dim, ") must be at most max_fused_head_dim (", max_fused_head_dim, ")");
  } else {
    const dtype ct = c.type == cache_type::f32 ? dtype::f32 : c.type == cache_type::f16 ? dtype::f16 : dtype::bf16;
    if (!supported_types(a.k.type, ct))
      return fail(errc::invalid_cache, ctx, ": k (", to_string(a.k.type), ") cannot be rotated into a ",
                  to_string(c.type), " cache: same type, or f32 into f16 / bf16");
  }
  if (a.v.data != nullptr) {
    if (auto st = check_view("v", a.v, 0, ctx); !st) return st;
    if (a.v.tokens != a.k.tokens || a.v.heads != a.k.heads || a.v.head_dim != a.k.head_dim)
      return fail(errc::invalid_cache, ctx, ": v is [", a.v.tokens, ", ", a.v.heads, ", ", a.v.head_dim, "] but k is [",
                  a.k.tokens, ", ", a.k.heads, ", ", a.k.head_dim, "]");
  }
  // Slots: given per token, or the positions (1-D integers).
  const std::size_t end = a.token_end == all_tokens ? a.q.tokens : a.token_end;
  if (a.slots.ids == nullptr) {
    const position_kind kind = a.pos.kind;
    if (kind == position_kind::ids_f32 || kind == position_kind::ragged_f32 || a.pos.is_multi_axis())
      return fail(errc::invalid_cache, ctx, ": without slots, each token goes to the slot of its position, which "
                  "needs integer 1-D positions; give slots for float32 or multi-axis positions");
  } else if (a.slots.count != a.k.tokens) {
    return fail(errc::invalid_cache, ctx, ": slots holds ", a.slots.count, " ids but k has ", a.k.tokens, " tokens");
  }
  if (auto st = catch_allocation_failure(ctx, [&] { return check_slots(a, end); }); !st) return st;
  // The caches against each other and against every view of the call.
  const auto k_begin = reinterpret_cast<std::uintptr_t>(c.k), v_begin = reinterpret_cast<std::uintptr_t>(c.v);
  const std::uintptr_t bytes = c.bytes();
  if (c.v != nullptr && k_begin < v_begin + bytes && v_begin < k_begin + bytes)
    return fail(errc::invalid_cache, ctx, ": cache.k and cache.v overlap");
  struct named {
    const char* name;
    const_tensor_view view;
  };
  for (const named& n : {named{"q", a.q}, named{"q_out", a.q_out}, named{"k", a.k}, named{"v", a.v}}) {
    std::uintptr_t b = 0, e = 0;
    if (!byte_range(n.view, b, e)) continue;
    for (const std::uintptr_t cb : {k_begin, v_begin}) {
      if (cb == 0) continue;
      if (b < cb + bytes && cb < e)
        return fail(errc::invalid_cache, ctx, ": ", n.name, " overlaps cache.", cb == k_begin ? "k" : "v");
    }
  }
  return {};
}

inline cache_job cache_job_of(const append_args& a) noexcept {
  cache_job c;
  c.k = a.cache.k;
  c.v = a.v.data != nullptr ? a.cache.v : nullptr;
  c.q8_0 = a.cache.type == cache_type::q8_0;
  c.type = a.cache.type == cache_type::f32 ? dtype::f32 : a.cache.type == cache_type::f16 ? dtype::f16 : dtype::bf16;
  c.hnd = a.cache.layout == kv_layout::hnd;
  c.page_size = a.cache.page_size;
  c.kv_heads = a.cache.kv_heads;
  c.head_dim = a.cache.head_dim;
  c.row_bytes = a.cache.row_bytes();
  c.slots = a.slots.ids;
  c.slots_i64 = a.slots.wide;
  if (a.v.data != nullptr) {
    c.v_in = a.v.data;
    c.v_type = a.v.type;
    c.v_token_stride = a.v.tokens <= 1 ? 0 : a.v.token_stride;
    c.v_head_stride = a.v.heads <= 1 ? 0 : a.v.head_stride;
  }
  return c;
}

inline void run_append(rope_job job, const append_args& a) noexcept {
  if (!prepare_apply(job, rope_args_of(a))) return;
  job.k.out = nullptr;  // k goes to the cache
  if (a.norm != nullptr) job.norm = norm_job_of(*a.norm);
  job.cache = cache_job_of(a);
  fused_kernels()(job);
}

}  // namespace COPE_API_NAMESPACE
}  // namespace detail

inline namespace COPE_API_NAMESPACE {

COPE_KERNELS_API status try_apply_qk_norm_rope(const table_view& table, const rope_args& args, const qk_norm& norm) {
  if (auto st = detail::check_table(table, detail::qk_norm_ctx); !st) return st;
  if (auto st = detail::check_args(args, table.pairs, table.positions - 1, "the table's last position", true); !st)
    return st;
  if (auto st = detail::check_norm(args, norm); !st) return st;
  detail::run_qk_norm_rope(detail::table_job(table), args, norm);
  return {};
}

COPE_KERNELS_API status try_apply_qk_norm_rope(const spectrum& s, const rope_args& args, const qk_norm& norm) {
  if (auto st = detail::check_spectrum_for_angles(detail::qk_norm_ctx, s); !st) return st;
  if (auto st = detail::check_args(args, s.inv_freq.size(), max_position, "the largest exact position", false); !st)
    return st;
  if (auto st = detail::check_norm(args, norm); !st) return st;
  detail::run_qk_norm_rope(detail::spectrum_job(s), args, norm);
  return {};
}

COPE_KERNELS_API void apply_qk_norm_rope_unchecked(const table_view& table, const rope_args& args,
                                                   const qk_norm& norm) noexcept {
  detail::run_qk_norm_rope(detail::table_job(table), args, norm);
}

COPE_KERNELS_API void apply_qk_norm_rope_unchecked(const spectrum& s, const rope_args& args,
                                                   const qk_norm& norm) noexcept {
  detail::run_qk_norm_rope(detail::spectrum_job(s), args, norm);
}

COPE_KERNELS_API status try_apply_qk_norm(const norm_args& args, const qk_norm& norm) {
  const rope_args a = detail::rope_args_of(args);
  if (auto st = detail::check_args(a, 0, max_position, "the largest exact position", true); !st) return st;
  qk_norm before = norm;  // the order does not apply to the norm alone
  before.order = qk_norm_order::before_rope;
  if (auto st = detail::check_norm(a, before); !st) return st;
  detail::run_qk_norm(args, norm);
  return {};
}

COPE_KERNELS_API void apply_qk_norm_unchecked(const norm_args& args, const qk_norm& norm) noexcept {
  detail::run_qk_norm(args, norm);
}

COPE_KERNELS_API status try_apply_rope_append(const table_view& table, const append_args& args) {
  if (auto st = detail::check_table(table, detail::append_ctx); !st) return st;
  const rope_args r = detail::rope_args_of(args);
  if (auto st = detail::check_args(r, table.pairs, table.positions - 1, "the table's last position", true); !st)
    return st;
  if (args.norm != nullptr)
    if (auto st = detail::check_norm(r, *args.norm); !st) return st;
  if (auto st = detail::check_append(args); !st) return st;
  detail::run_append(detail::table_job(table), args);
  return {};
}

COPE_KERNELS_API status try_apply_rope_append(const spectrum& s, const append_args& args) {
  if (auto st = detail::check_spectrum_for_angles(detail::append_ctx, s); !st) return st;
  const rope_args r = detail::rope_args_of(args);
  if (auto st = detail::check_args(r, s.inv_freq.size(), max_position, "the largest exact position", false); !st)
    return st;
  if (args.norm != nullptr)
    if (auto st = detail::check_norm(r, *args.norm); !st) return st;
  if (auto st = detail::check_append(args); !st) return st;
  detail::run_append(detail::spectrum_job(s), args);
  return {};
}

COPE_KERNELS_API void apply_rope_append_unchecked(const table_view& table, const append_args& args) noexcept {
  detail::run_append(detail::table_job(table), args);
}

COPE_KERNELS_API void apply_rope_append_unchecked(const spectrum& s, const append_args& args) noexcept {
  detail::run_append(detail::spectrum_job(s), args);
}

}  // namespace COPE_API_NAMESPACE
}  // namespace cope
