// Internal header (not part of the public API): the AVX-512 (F, BW, VL, DQ) path: q and k on 256-bit
// vectors (8 floats) with AVX-512VL/BW instructions out of place, on 512-bit vectors (16 floats) in place
// and for rows stored in 2-byte types; angles on 512-bit vectors (8 doubles).
#pragma once

#include "../dtype.hpp"
#include "avx2.hpp"
#include "../detail/job.hpp"
#include "../positions.hpp"

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

// The features of this path's functions (its fused kernels too: avx512_fused.hpp).
#define COPE_AVX512_FEATURES "avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c"
#define COPE_TARGET_FEATURES COPE_AVX512_FEATURES
#include "../detail/target_begin.hpp"

namespace cope::detail {
inline namespace COPE_ISA_NAMESPACE {
namespace isa_avx512 {

inline const char* isa_name() noexcept { return "avx512"; }

// Float32 rows out of place run on 256-bit vectors with AVX-512VL/BW instructions (fv): measured on this
// project's AVX-512 machine (AMD EPYC, Zen 5; docs/performance.md), 512-bit vectors there fell to
// 0.81-0.84 of the copy floor at 512 tokens and 0.92-0.95 at DRAM sizes, where 256-bit ones reach
// 0.88-0.94 and 0.98-0.99. In place they run on 512-bit vectors (fv2), which, with each row prefetched
// ahead (kernels_inl.hpp, for_each_head), reach the floor at DRAM sizes too and take 15-25 % less time
// in cache. The angle math keeps 512-bit vectors: 8 doubles at a time.
//
// GCC 12 reports -Wmaybe-uninitialized inside the plain forms of some AVX-512 intrinsics (their
// _mm*_undefined_* operand); the zero-masking forms with a full mask are the same instructions.
inline constexpr __mmask8 all8 = 0xFF;

// AVX2's 256-bit vector code, with AVX-512's 32 registers and its bf16 store.
struct fv : ::cope::detail::isa_avx2::fv {
  using base = ::cope::detail::isa_avx2::fv;
  using base::load;
  using base::store;
  static constexpr std::size_t registers = 32;  // vector registers the compiler can allocate (AVX-512VL)
  static void store(::cope::bfloat16* p, type v) noexcept {
    // Round to nearest even: u + 0x7FFF + ((u >> 16) & 1); NaN stays a quiet NaN; vpmovdw narrows.
    const __m256i u = _mm256_castps_si256(v);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
    __m256i r = _mm256_add_epi32(u, _mm256_add_epi32(_mm256_set1_epi32(0x7FFF), lsb));
    const __mmask8 is_nan = _mm256_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    r = _mm256_mask_or_epi32(r, is_nan, u, _mm256_set1_epi32(0x400000));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_maskz_cvtepi32_epi16(all8, _mm256_srli_epi32(r, 16)));
  }
};

// Rows stored in f16/bf16 move 256 bits per load and store anyway (16 halves) and spend their time in
// conversions and arithmetic, so they are computed on 512-bit vectors: half the instructions per
// element of fv, and a head's angle vectors fit in registers for both layouts at head_dim 128. Float32
// rows rotated in place use it too (above).
inline constexpr __mmask16 all16 = 0xFFFF;
struct fv2 : ::cope::detail::vector_defaults {
  static constexpr std::size_t registers = 32;
  static constexpr std::size_t width = 16;
  using type = __m512;
  static type load(const float* p) noexcept { return _mm512_loadu_ps(p); }  // angle rows
  static type load(const ::cope::float16* p) noexcept {
    return _mm512_maskz_cvtph_ps(all16, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  static type load(const ::cope::bfloat16* p) noexcept {
    const __m512i wide = _mm512_maskz_cvtepu16_epi32(all16, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(all16, wide, 16));
  }
  static void store(float* p, type v) noexcept { _mm512_storeu_ps(p, v); }  // f32 rows in place
  static void store(::cope::float16* p, type v) noexcept {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p),
                        _mm512_maskz_cvtps_ph(all16, v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  static void store(::cope::bfloat16* p, type v) noexcept {
    // As fv: round to nearest even, NaN stays a quiet NaN (rounded, below), vpmovdw narrows.
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p),
                        _mm512_maskz_cvtepi32_epi16(all16, _mm512_maskz_srli_epi32(all16, rounded(v), 16)));
  }
  static type set1(float x) noexcept { return _mm512_set1_ps(x); }
  static type add(type a, type b) noexcept { return _mm512_add_ps(a, b); }
  static type div(type a, type b) noexcept { return _mm512_div_ps(a, b); }
  static type sqrt(type a) noexcept { return _mm512_maskz_sqrt_ps(all16, a); }
  static type mul(type a, type b) noexcept { return _mm512_mul_ps(a, b); }
  // The halves added, then fv's sum (the zero-masking extract: see all8 above).
  static float sum(type v) noexcept {
    const __m256 lo = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(all8, _mm512_castps_pd(v), 0));
    const __m256 hi = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(all8, _mm512_castps_pd(v), 1));
    return fv::sum(_mm256_add_ps(lo, hi));
  }
  static type fmadd(type a, type b, type c) noexcept { return _mm512_fmadd_ps(a, b, c); }
  static type fmsub(type a, type b, type c) noexcept { return _mm512_fmsub_ps(a, b, c); }
  static type swap_pairs(type a) noexcept { return _mm512_maskz_permute_ps(all16, a, 0xB1); }
  // cos and sin of the 8 pairs at c and s spread over their two dims, as spread() writes them (cc = c0,
  // c0, c1, c1, ...; ss = -s0, s0, -s1, s1, ...): one shuffle each, and an exact negation (sign bit).
  // The 8 floats come in by a broadcast load, not a masked one: masked loads that missed the cache (the
  // table rows of a DRAM-sized batch) measured slow here, f16 interleaved at 16384 tokens 284 -> 351 ns
  // per token of 32 heads x 128.
  static constexpr bool spreads_pairs = true;
  static void load_spread(const float* c, const float* s, type& cc, type& ss) noexcept {
    const __m512i twice = _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
    const __m512i even_sign = _mm512_set_epi32(0, INT32_MIN, 0, INT32_MIN, 0, INT32_MIN, 0, INT32_MIN, 0, INT32_MIN,
                                               0, INT32_MIN, 0, INT32_MIN, 0, INT32_MIN);
    cc = _mm512_maskz_permutexvar_ps(all16, twice, _mm512_maskz_broadcast_f32x8(all16, _mm256_loadu_ps(c)));
    const __m512 s2 = _mm512_maskz_permutexvar_ps(all16, twice, _mm512_maskz_broadcast_f32x8(all16, _mm256_loadu_ps(s)));
    ss = _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(s2), even_sign));
  }

  // Rounded to float16 / bfloat16 precision without leaving the registers (the fused norm's roundings).
  static constexpr bool rounds_in_registers = true;
  static type round_f16(type v) noexcept {
    return _mm512_maskz_cvtph_ps(all16, _mm512_maskz_cvtps_ph(all16, v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  static type round_bf16(type v) noexcept {
    return _mm512_castsi512_ps(_mm512_and_si512(rounded(v), _mm512_set1_epi32(static_cast<int>(0xFFFF0000u))));
  }

  // bf16 rows split into 32-bit lanes: a vector of 32 bf16 (`raw`) is 16 lanes, each two neighbours
  // (a, b); a bf16 is the top half of its float32, so a = lane << 16 and b = lane & 0xFFFF0000 widen both
  // exactly with two integer operations and no shuffle (fv2::load spends a widening shuffle per 16).
  static constexpr bool splits_bf16 = true;
  using raw = __m512i;
  static raw load_raw(const ::cope::bfloat16* p) noexcept {
    raw v = _mm512_loadu_si512(p);
    // Opaque to the compiler: GCC 12 otherwise folds this load into both operations of split(), reading
    // every vector twice (measured: rotate-half bf16 in L1 114 -> 97 ns per token of 32 heads x 128).
    __asm__("" : "+v"(v));
    return v;
  }
  static void store_raw(::cope::bfloat16* p, raw v) noexcept { _mm512_storeu_si512(p, v); }
  static void split(raw v, type& even, type& odd) noexcept {
    even = _mm512_castsi512_ps(_mm512_maskz_slli_epi32(all16, v, 16));
    odd = _mm512_castsi512_ps(_mm512_and_si512(v, _mm512_set1_epi32(static_cast<int>(0xFFFF0000u))));
  }
  // split's inverse, rounding to nearest even as store(bfloat16*) does, each result in its own lane.
  static raw join(type even, type odd) noexcept {
    const __m512i top = _mm512_set1_epi32(static_cast<int>(0xFFFF0000u));
    // (odd & top) | (even >> 16): truth table 0xD8 is "b where c, else a" (a, b, c the operands).
    return _mm512_ternarylogic_epi32(_mm512_maskz_srli_epi32(all16, rounded(even), 16), rounded(odd), top, 0xD8);
  }
  // 32 floats at p in split's order: even = p[0], p[2], ..., p[30]; odd = p[1], p[3], ..., p[31].
  static void load_even_odd(const float* p, type& even, type& odd) noexcept {
    const __m512 lo = _mm512_loadu_ps(p), hi = _mm512_loadu_ps(p + 16);
    const __m512i i = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    even = _mm512_maskz_permutex2var_ps(all16, lo, i, hi);
    odd = _mm512_maskz_permutex2var_ps(all16, lo, _mm512_add_epi32(i, _mm512_set1_epi32(1)), hi);
  }

 private:
  // The bits of v rounded to bfloat16 in the top half (the bottom half is left over): u + 0x7FFF +
  // ((u >> 16) & 1), and a NaN made quiet instead, as store(bfloat16*).
  static __m512i rounded(type v) noexcept {
    const __m512i u = _mm512_castps_si512(v);
    const __m512i lsb = _mm512_and_si512(_mm512_maskz_srli_epi32(all16, u, 16), _mm512_set1_epi32(1));
    const __m512i r = _mm512_add_epi32(u, _mm512_add_epi32(_mm512_set1_epi32(0x7FFF), lsb));
    return _mm512_mask_or_epi32(r, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), u, _mm512_set1_epi32(0x400000));
  }
};

struct dv {
  static constexpr std::size_t width = 8;
  using type = __m512d;
  static type load_widen(const float* p) noexcept { return _mm512_maskz_cvtps_pd(0xFF, _mm256_loadu_ps(p)); }
  static void store_narrow(float* p, type v) noexcept { _mm256_storeu_ps(p, _mm512_maskz_cvtpd_ps(0xFF, v)); }
  static type set1(double x) noexcept { return _mm512_set1_pd(x); }
  static type add(type a, type b) noexcept { return _mm512_add_pd(a, b); }
  static type sub(type a, type b) noexcept { return _mm512_sub_pd(a, b); }
  static type mul(type a, type b) noexcept { return _mm512_mul_pd(a, b); }
  static type fmadd(type a, type b, type c) noexcept { return _mm512_fmadd_pd(a, b, c); }
  static type select_odd(type k, type if_odd, type if_even) noexcept {
    const __mmask8 odd = _mm512_test_epi64_mask(_mm512_castpd_si512(k), _mm512_set1_epi64(1));
    return _mm512_mask_blend_pd(odd, if_even, if_odd);
  }
  static type flip_sign_bit1(type x, type k) noexcept {
    const __m512i sign =
        _mm512_maskz_slli_epi64(0xFF, _mm512_and_si512(_mm512_castpd_si512(k), _mm512_set1_epi64(2)), 62);
    return _mm512_castsi512_pd(_mm512_xor_si512(_mm512_castpd_si512(x), sign));
  }
};

#include "../detail/kernels_inl.hpp"

}  // namespace isa_avx512
}  // namespace COPE_ISA_NAMESPACE
}  // namespace cope::detail

#include "../detail/target_end.hpp"
