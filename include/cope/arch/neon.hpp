// Internal header (not part of the public API): the AArch64 NEON path, 4 floats / 2 doubles.
#pragma once

#include "../dtype.hpp"
#include "../detail/isa_select.hpp"
#include "../detail/job.hpp"
#include "../detail/vector_contract.hpp"
#include "../positions.hpp"

#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace cope::detail {
inline namespace COPE_ISA_NAMESPACE {
namespace isa_neon {

inline const char* isa_name() noexcept { return "neon"; }

struct fv : ::cope::detail::vector_defaults {
  static constexpr std::size_t registers = 32;  // vector registers the compiler can allocate
  static constexpr std::size_t width = 4;
  using type = float32x4_t;
  static type load(const float* p) noexcept { return vld1q_f32(p); }
  static type load(const ::cope::float16* p) noexcept {
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(reinterpret_cast<const std::uint16_t*>(p))));
  }
  static type load(const ::cope::bfloat16* p) noexcept {
    return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(reinterpret_cast<const std::uint16_t*>(p)), 16));
  }
  static void store(float* p, type v) noexcept { vst1q_f32(p, v); }
  static void store(::cope::float16* p, type v) noexcept {
    vst1_u16(reinterpret_cast<std::uint16_t*>(p), vreinterpret_u16_f16(vcvt_f16_f32(v)));  // FPCR: nearest even
  }
  static void store(::cope::bfloat16* p, type v) noexcept {
    // Round to nearest even: u + 0x7FFF + ((u >> 16) & 1); NaN stays a quiet NaN.
    const uint32x4_t u = vreinterpretq_u32_f32(v);
    const uint32x4_t lsb = vandq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(1));
    const uint32x4_t rounded = vaddq_u32(u, vaddq_u32(vdupq_n_u32(0x7FFF), lsb));
    const uint32x4_t quiet = vorrq_u32(u, vdupq_n_u32(0x400000));
    const uint32x4_t r = vbslq_u32(vceqq_f32(v, v), rounded, quiet);
    vst1_u16(reinterpret_cast<std::uint16_t*>(p), vshrn_n_u32(r, 16));
  }
  static type set1(float x) noexcept { return vdupq_n_f32(x); }
  static type add(type a, type b) noexcept { return vaddq_f32(a, b); }
  static type div(type a, type b) noexcept { return vdivq_f32(a, b); }
  static type sqrt(type a) noexcept { return vsqrtq_f32(a); }
  static type mul(type a, type b) noexcept { return vmulq_f32(a, b); }
  static float sum(type v) noexcept { return vaddvq_f32(v); }
  static type fmadd(type a, type b, type c) noexcept { return vfmaq_f32(c, a, b); }
  static type fmsub(type a, type b, type c) noexcept { return vnegq_f32(vfmsq_f32(c, a, b)); }
  static type swap_pairs(type a) noexcept { return vrev64q_f32(a); }
};

using fv2 = fv;

struct dv {
  static constexpr std::size_t width = 2;
  using type = float64x2_t;
  static type load_widen(const float* p) noexcept { return vcvt_f64_f32(vld1_f32(p)); }
  static void store_narrow(float* p, type v) noexcept { vst1_f32(p, vcvt_f32_f64(v)); }
  static type set1(double x) noexcept { return vdupq_n_f64(x); }
  static type add(type a, type b) noexcept { return vaddq_f64(a, b); }
  static type sub(type a, type b) noexcept { return vsubq_f64(a, b); }
  static type mul(type a, type b) noexcept { return vmulq_f64(a, b); }
  static type fmadd(type a, type b, type c) noexcept { return vfmaq_f64(c, a, b); }
  static type select_odd(type k, type if_odd, type if_even) noexcept {
    return vbslq_f64(vtstq_u64(vreinterpretq_u64_f64(k), vdupq_n_u64(1)), if_odd, if_even);
  }
  static type flip_sign_bit1(type x, type k) noexcept {
    const uint64x2_t sign = vshlq_n_u64(vandq_u64(vreinterpretq_u64_f64(k), vdupq_n_u64(2)), 62);
    return vreinterpretq_f64_u64(veorq_u64(vreinterpretq_u64_f64(x), sign));
  }
};

#include "../detail/kernels_inl.hpp"

}  // namespace isa_neon
}  // namespace COPE_ISA_NAMESPACE
}  // namespace cope::detail
