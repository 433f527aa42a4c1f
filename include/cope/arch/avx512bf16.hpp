// Internal header (not part of the public API): the AVX-512 path plus AVX512-BF16, whose
// vcvtneps2bf16 rounds float32 to bfloat16 (nearest even, NaN kept quiet) in one instruction where
// the integer sequence of the AVX-512 path takes about eight; everything else is the AVX-512 path.
// Its own namespace, like every ISA: units with and without -mavx512bf16 never share its symbols.
#pragma once

#include "avx512.hpp"

// The features of this path's functions (its fused kernels too: avx512bf16_fused.hpp).
#define COPE_AVX512BF16_FEATURES "avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,avx2,fma,f16c"
#define COPE_TARGET_FEATURES COPE_AVX512BF16_FEATURES
#include "../detail/target_begin.hpp"

namespace cope::detail {
inline namespace COPE_ISA_NAMESPACE {
namespace isa_avx512bf16 {

inline const char* isa_name() noexcept { return "avx512bf16"; }

struct fv : ::cope::detail::isa_avx512::fv {
  using base = ::cope::detail::isa_avx512::fv;
  using base::load;
  using base::store;
  static void store(::cope::bfloat16* p, type v) noexcept {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), reinterpret_cast<__m128i>(_mm256_cvtneps_pbh(v)));
  }
};

struct fv2 : ::cope::detail::isa_avx512::fv2 {
  using base = ::cope::detail::isa_avx512::fv2;
  using base::load;
  using base::store;
  static void store(::cope::bfloat16* p, type v) noexcept {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(v)));
  }
  // bfloat16 precision in registers: vcvtneps2bf16, widened back.
  static type round_bf16(type v) noexcept {
    constexpr __mmask16 all = ::cope::detail::isa_avx512::all16;
    const __m256i narrow = reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(v));
    return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(all, _mm512_maskz_cvtepu16_epi32(all, narrow), 16));
  }
  // vcvtne2ps2bf16 rounds both vectors at once but packs them (even's 16 results, then odd's); one vpermw
  // puts each back beside its neighbour.
  static raw join(type even, type odd) noexcept {
    const __m512i pairs = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                           23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    return _mm512_maskz_permutexvar_epi16(~__mmask32{0}, pairs, reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(odd, even)));
  }
};

using dv = ::cope::detail::isa_avx512::dv;

#include "../detail/kernels_inl.hpp"

}  // namespace isa_avx512bf16
}  // namespace COPE_ISA_NAMESPACE
}  // namespace cope::detail

#include "../detail/target_end.hpp"
