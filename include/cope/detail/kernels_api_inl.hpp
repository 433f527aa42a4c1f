// Internal header (not part of the public API): the definitions of the kernel entry points declared in
// apply.hpp and table.hpp — inline in a header-only unit, compiled once into cope::kernels
// (src/kernels_api.cpp) otherwise. Checks (detail/validate.hpp), then one rope_job for the kernels
// (detail/job.hpp) of the chosen ISA.
#pragma once

#include "../apply.hpp"
#include "../table.hpp"
#include "job.hpp"
#include "validate.hpp"

#if !COPE_COMPILED_KERNELS
#include "dispatch.hpp"
#endif

namespace cope {
namespace detail {
inline namespace COPE_API_NAMESPACE {

// Defined by dispatch.hpp (header-only) or src/kernels_api.cpp (cope::kernels).
const kernel_set& kernels() noexcept;

static_assert(max_rotary_dim == 2 * max_pairs, "apply.hpp's max_rotary_dim is the kernels' row limit");

// The stride of a size-1 dimension may hold anything (PyTorch gives such strides freely); the kernels
// never see it, so no address is ever computed from it.
inline head_job head_job_of(const const_tensor_view& in, const tensor_view& out) noexcept {
  const bool one_token = in.tokens <= 1, one_head = in.heads <= 1;
  return {in.data,
          out.data,
          in.type,
          out.type,
          in.heads,
          in.head_dim,
          one_token ? 0 : in.token_stride,
          one_head ? 0 : in.head_stride,
          one_token ? 0 : out.token_stride,
          one_head ? 0 : out.head_stride};
}

inline rope_job table_job(const table_view& t) noexcept {
  rope_job job;
  job.table = t.data;
  job.table_row_stride = t.row_stride;
  job.attention_factor = t.attention_factor;
  job.pairs = t.pairs;
  return job;
}

inline rope_job spectrum_job(const spectrum& s) noexcept {
  rope_job job;
  job.inv_freq = s.inv_freq.data();
  job.attention_factor = s.attention_factor;
  job.pairs = s.inv_freq.size();
  return job;
}

// An apply call's job; false where its token range is empty (nothing to address).
inline bool prepare_apply(rope_job& job, const rope_args& a) noexcept {
  job.pos = a.pos;
  job.interleaved = a.pairing == layout::interleaved;
  job.inverse = a.dir == direction::inverse;
  job.rotary_offset = a.rotary_offset;
  job.pair_axis = a.pair_axes != nullptr ? a.pair_axes->data() : nullptr;
  job.token_begin = a.token_begin;
  job.token_end = a.token_end == all_tokens ? a.q.tokens : a.token_end;
  if (job.token_begin >= job.token_end) return false;  // an empty batch or range: nothing to address
  job.q = head_job_of(a.q, a.q_out);
  if (a.k.data != nullptr) job.k = head_job_of(a.k, a.k_out);
  return true;
}

inline void run_apply(rope_job job, const rope_args& a) noexcept {
  if (prepare_apply(job, a)) kernels().run(job);
}

inline void run_shift(rope_job job, const shift_args& a) noexcept {
  switch (a.delta.kind) {
    case delta_kind::constant: job.pos = positions::from_offset(a.delta.value); break;
    case delta_kind::per_token_i32:
      job.pos = positions::from_ids(static_cast<const std::int32_t*>(a.delta.deltas), a.delta.count);
      break;
    case delta_kind::per_token_i64:
      job.pos = positions::from_ids(static_cast<const std::int64_t*>(a.delta.deltas), a.delta.count);
      break;
  }
  job.shift = true;
  job.interleaved = a.pairing == layout::interleaved;
  job.rotary_offset = a.rotary_offset;
  job.pair_axis = a.pair_axes != nullptr ? a.pair_axes->data() : nullptr;
  job.token_begin = a.token_begin;
  job.token_end = a.token_end == all_tokens ? a.k.tokens : a.token_end;
  if (job.token_begin >= job.token_end) return;
  job.q = head_job_of(a.k, a.k);
  kernels().run(job);
}

}  // namespace COPE_API_NAMESPACE
}  // namespace detail

inline namespace COPE_API_NAMESPACE {

COPE_KERNELS_API const char* active_isa() noexcept { return detail::kernels().name; }

COPE_KERNELS_API status try_apply_rope(const table_view& table, const rope_args& args) {
  if (auto st = detail::check_table(table); !st) return st;
  if (auto st = detail::check_args(args, table.pairs, table.positions - 1, "the table's last position", true); !st)
    return st;
  detail::run_apply(detail::table_job(table), args);
  return {};
}

COPE_KERNELS_API status try_apply_rope(const spectrum& s, const rope_args& args) {
  if (auto st = detail::check_spectrum_for_angles(detail::apply_ctx, s); !st) return st;
  if (auto st = detail::check_args(args, s.inv_freq.size(), max_position, "the largest exact position", false); !st)
    return st;
  detail::run_apply(detail::spectrum_job(s), args);
  return {};
}

COPE_KERNELS_API void apply_rope_unchecked(const table_view& table, const rope_args& args) noexcept {
  detail::run_apply(detail::table_job(table), args);
}

COPE_KERNELS_API void apply_rope_unchecked(const spectrum& s, const rope_args& args) noexcept {
  detail::run_apply(detail::spectrum_job(s), args);
}

COPE_KERNELS_API status try_shift_keys(const table_view& table, const shift_args& args) {
  if (auto st = detail::check_table(table, "shift_keys"); !st) return st;
  if (auto st = detail::check_shift(args, table.pairs, table.positions - 1, "the table's last position"); !st)
    return st;
  detail::run_shift(detail::table_job(table), args);
  return {};
}

COPE_KERNELS_API status try_shift_keys(const spectrum& s, const shift_args& args) {
  if (auto st = detail::check_spectrum_for_angles("shift_keys", s); !st) return st;
  if (auto st = detail::check_shift(args, s.inv_freq.size(), max_position, "the largest exact position"); !st)
    return st;
  detail::run_shift(detail::spectrum_job(s), args);
  return {};
}

COPE_KERNELS_API void shift_keys_unchecked(const table_view& table, const shift_args& args) noexcept {
  detail::run_shift(detail::table_job(table), args);
}

COPE_KERNELS_API void shift_keys_unchecked(const spectrum& s, const shift_args& args) noexcept {
  detail::run_shift(detail::spectrum_job(s), args);
}

COPE_KERNELS_API status try_fill_table(const spectrum& s, std::int64_t first, std::int64_t count, float* out,
                                       std::ptrdiff_t row_stride) {
  const char* ctx = "fill_table";
  if (auto st = detail::check_spectrum_for_angles(ctx, s); !st) return st;
  if (out == nullptr) return detail::fail(errc::null_data, ctx, ": out is null");
  if (row_stride < static_cast<std::ptrdiff_t>(2 * s.inv_freq.size()))
    return detail::fail(errc::invalid_view, ctx, ": row_stride (", static_cast<long long>(row_stride),
                        ") is below 2 * pairs (", 2 * s.inv_freq.size(), ")");
  if (first < 0 || count < 0 || first > max_position - (count > 0 ? count - 1 : 0))  // no first + count: it may overflow
    return detail::fail(errc::invalid_position, ctx, ": first (", static_cast<long long>(first), ") and count (",
                        static_cast<long long>(count), "): positions first .. first + count - 1 must lie in [0, 2^29]");
  detail::kernels().fill_table_rows(s.inv_freq.data(), s.inv_freq.size(), s.attention_factor, first, count, out,
                                    row_stride);
  return {};
}

COPE_KERNELS_API result<rope_table> try_make_table(const spectrum& s, std::int64_t positions) {
  if (positions <= 0 || positions > max_position + 1)
    return detail::fail(errc::invalid_position, "make_table: positions (", static_cast<long long>(positions),
                        ") must be in [1, 2^29 + 1]");
  if (auto st = detail::check_spectrum_for_angles("make_table", s); !st) return st;
  return detail::catch_allocation_failure("make_table", [&]() -> result<rope_table> {
    rope_table t;
    t.pairs = s.inv_freq.size();
    t.positions = positions;
    t.attention_factor = s.attention_factor;
    t.values.resize(static_cast<std::size_t>(positions) * 2 * t.pairs);  // <= 2^29 + 1 rows of <= 1024 floats
    detail::kernels().fill_table_rows(s.inv_freq.data(), t.pairs, s.attention_factor, 0, positions, t.values.data(),
                                      static_cast<std::ptrdiff_t>(2 * t.pairs));
    return t;
  });
}

}  // namespace COPE_API_NAMESPACE
}  // namespace cope
