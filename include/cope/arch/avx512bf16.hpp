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

  // The fused norm's roundings, two split vectors at a time (detail/fused_kernels_inl.hpp). Their 32
  // lanes as one sequence s (a's, then b's), one vcvtne2ps2bf16 rounds them all and split reads them
  // back: a = s[0], s[2], ..., s[30], b = s[1], ..., s[31] (three instructions for two vectors, where
  // round_bf16 takes three for one). unshuffle_pair moves lanes the same way without rounding (the
  // angles and weights a row meets after its roundings); join_unshuffled<T> joins a row's two split
  // vectors after T unshuffles in all, the split itself counting as the first (join_unshuffled<1> is join).
  static constexpr bool rounds_bf16_pairs = true;
  static void round_bf16_pair(type& a, type& b) noexcept {
    split(reinterpret_cast<raw>(_mm512_cvtne2ps_pbh(b, a)), a, b);
  }
  static void unshuffle_pair(type& a, type& b) noexcept {
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    constexpr __mmask16 all16 = ::cope::detail::isa_avx512::all16;
    const __m512 e = _mm512_maskz_permutex2var_ps(all16, a, even, b);
    b = _mm512_maskz_permutex2var_ps(all16, a, _mm512_add_epi32(even, _mm512_set1_epi32(1)), b);
    a = e;
  }
  template <std::size_t T>
  static raw join_unshuffled(type a, type b) noexcept {
    return _mm512_maskz_permutexvar_epi16(~__mmask32{0}, _mm512_load_si512(unshuffled_words<T>()),
                                          reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(b, a)));
  }

 private:
  // Packed word m (a's lane m, then b's) holds element u^T(m) of the row's 32, u(m) = 2m below 16 and
  // 2(m - 16) + 1 from 16 on; word e of the table is the m that holds element e.
  template <std::size_t T>
  static const std::int16_t* unshuffled_words() noexcept {
    struct table {
      alignas(64) std::int16_t w[32];
      constexpr table() : w{} {
        for (std::size_t e = 0; e < 32; ++e) {
          std::size_t m = e;
          for (std::size_t t = 0; t < T; ++t) m = m % 2 == 0 ? m / 2 : 16 + m / 2;
          w[e] = static_cast<std::int16_t>(m);
        }
      }
    };
    static constexpr table words{};
    return words.w;
  }
};

using dv = ::cope::detail::isa_avx512::dv;

#include "../detail/kernels_inl.hpp"

}  // namespace isa_avx512bf16
}  // namespace COPE_ISA_NAMESPACE
}  // namespace cope::detail

#include "../detail/target_end.hpp"
