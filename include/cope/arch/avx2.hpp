// Internal header (not part of the public API): the AVX2 + FMA + F16C path, 8 floats / 4 doubles.
#pragma once

#include "../dtype.hpp"
#include "../detail/isa_select.hpp"
#include "../detail/job.hpp"
#include "../detail/vector_contract.hpp"
#include "../positions.hpp"

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

// The features of this path's functions (its fused kernels too: avx2_fused.hpp).
#define COPE_AVX2_FEATURES "avx2,fma,f16c"
#define COPE_TARGET_FEATURES COPE_AVX2_FEATURES
#include "../detail/target_begin.hpp"

namespace cope::detail {
inline namespace COPE_ISA_NAMESPACE {
namespace isa_avx2 {

inline const char* isa_name() noexcept { return "avx2"; }

struct fv : ::cope::detail::vector_defaults {
  static constexpr std::size_t registers = 16;  // vector registers the compiler can allocate
  static constexpr std::size_t width = 8;
  using type = __m256;
  static type load(const float* p) noexcept { return _mm256_loadu_ps(p); }
  static type load(const ::cope::float16* p) noexcept {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static type load(const ::cope::bfloat16* p) noexcept {
    const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
  }
  static void store(float* p, type v) noexcept { _mm256_storeu_ps(p, v); }
  static void store(::cope::float16* p, type v) noexcept {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  static void store(::cope::bfloat16* p, type v) noexcept {
    // Round to nearest even: u + 0x7FFF + ((u >> 16) & 1); NaN stays a quiet NaN.
    const __m256i u = _mm256_castps_si256(v);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
    const __m256i rounded = _mm256_add_epi32(u, _mm256_add_epi32(_mm256_set1_epi32(0x7FFF), lsb));
    const __m256i quiet = _mm256_or_si256(u, _mm256_set1_epi32(0x400000));
    const __m256 is_nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
    const __m256i r = _mm256_castps_si256(
        _mm256_blendv_ps(_mm256_castsi256_ps(rounded), _mm256_castsi256_ps(quiet), is_nan));
    const __m256i packed = _mm256_packus_epi32(_mm256_srli_epi32(r, 16), _mm256_srli_epi32(r, 16));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(_mm256_permute4x64_epi64(packed, 0x08)));
  }
  // A 64-byte line from src (any alignment) to dst (64-byte aligned) by non-temporal stores: written
  // without first reading the line in (the fused append's DRAM-sized cache writes), then stream_fence
  // orders them before the call returns.
  static constexpr bool streams_lines = true;
  static void stream_line(void* dst, const void* src) noexcept {
    const auto* s = static_cast<const __m256i*>(src);
    auto* d = static_cast<__m256i*>(dst);
    _mm256_stream_si256(d, _mm256_loadu_si256(s));
    _mm256_stream_si256(d + 1, _mm256_loadu_si256(s + 1));
  }
  static void stream_fence() noexcept { _mm_sfence(); }
  static type set1(float x) noexcept { return _mm256_set1_ps(x); }
  static type add(type a, type b) noexcept { return _mm256_add_ps(a, b); }
  static type div(type a, type b) noexcept { return _mm256_div_ps(a, b); }
  static type sqrt(type a) noexcept { return _mm256_sqrt_ps(a); }
  static type mul(type a, type b) noexcept { return _mm256_mul_ps(a, b); }
  // The lanes' sum: halves added (128, 64, 32 bits apart).
  static float sum(type v) noexcept {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
  }
  static type fmadd(type a, type b, type c) noexcept { return _mm256_fmadd_ps(a, b, c); }
  static type fmsub(type a, type b, type c) noexcept { return _mm256_fmsub_ps(a, b, c); }
  static type swap_pairs(type a) noexcept { return _mm256_permute_ps(a, 0xB1); }

  // Two vectors of interleaved pairs (x0 y0 x1 y1 ...) split into their x and their y parts, and back;
  // vshufps and vunpck work within 128-bit lanes, so lanes 0..7 of x and y hold pairs 0, 1, 4, 5, 2, 3,
  // 6, 7 of the 8: load_in_pair_order reads 8 angles in that order (64-bit lanes 0, 2, 1, 3).
  static constexpr bool pair_shuffles = true;
  static type load_in_pair_order(const float* p) noexcept {
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_loadu_ps(p)), 0xD8));
  }
  static void deinterleave(type h0, type h1, type& x, type& y) noexcept {
    x = _mm256_shuffle_ps(h0, h1, 0x88);
    y = _mm256_shuffle_ps(h0, h1, 0xDD);
  }
  static void interleave(type x, type y, type& h0, type& h1) noexcept {
    h0 = _mm256_unpacklo_ps(x, y);
    h1 = _mm256_unpackhi_ps(x, y);
  }
};

using fv2 = fv;

struct dv {
  static constexpr std::size_t width = 4;
  using type = __m256d;
  static type load_widen(const float* p) noexcept { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }
  static void store_narrow(float* p, type v) noexcept { _mm_storeu_ps(p, _mm256_cvtpd_ps(v)); }
  static type set1(double x) noexcept { return _mm256_set1_pd(x); }
  static type add(type a, type b) noexcept { return _mm256_add_pd(a, b); }
  static type sub(type a, type b) noexcept { return _mm256_sub_pd(a, b); }
  static type mul(type a, type b) noexcept { return _mm256_mul_pd(a, b); }
  static type fmadd(type a, type b, type c) noexcept { return _mm256_fmadd_pd(a, b, c); }
  static type select_odd(type k, type if_odd, type if_even) noexcept {
    const __m256i one = _mm256_set1_epi64x(1);
    const __m256i odd = _mm256_cmpeq_epi64(_mm256_and_si256(_mm256_castpd_si256(k), one), one);
    return _mm256_blendv_pd(if_even, if_odd, _mm256_castsi256_pd(odd));
  }
  static type flip_sign_bit1(type x, type k) noexcept {
    const __m256i sign = _mm256_slli_epi64(_mm256_and_si256(_mm256_castpd_si256(k), _mm256_set1_epi64x(2)), 62);
    return _mm256_castsi256_pd(_mm256_xor_si256(_mm256_castpd_si256(x), sign));
  }
};

#include "../detail/kernels_inl.hpp"

}  // namespace isa_avx2
}  // namespace COPE_ISA_NAMESPACE
}  // namespace cope::detail

#include "../detail/target_end.hpp"
