// Internal header (not part of the public API): the definitions of the fused entry points declared in
// fused.hpp — inline in a header-only unit, compiled once into cope::kernels (src/kernels_api.cpp)
// otherwise. Checks (detail/validate.hpp, then the norm's own), then one rope_job for the ISA's
// run_fused (detail/kernels_inl.hpp).
#pragma once

#include "../fused.hpp"
#include "kernels_api_inl.hpp"

#include <cmath>

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

}  // namespace COPE_API_NAMESPACE
}  // namespace cope
