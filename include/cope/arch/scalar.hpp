// Internal header (not part of the public API): the portable scalar path, one lane at a time.
#pragma once

#include "../dtype.hpp"
#include "../detail/isa_select.hpp"
#include "../detail/job.hpp"
#include "../detail/vector_contract.hpp"
#include "../positions.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace cope::detail {
inline namespace COPE_ISA_NAMESPACE {
namespace isa_scalar {

inline const char* isa_name() noexcept { return "scalar"; }

struct fv;
inline float load_scalar(const float* p) noexcept;
inline float load_scalar(const ::cope::float16* p) noexcept;
inline float load_scalar(const ::cope::bfloat16* p) noexcept;
inline void store_scalar(float* p, float v) noexcept;
inline void store_scalar(::cope::float16* p, float v) noexcept;
inline void store_scalar(::cope::bfloat16* p, float v) noexcept;

struct fv : ::cope::detail::vector_defaults {
  static constexpr std::size_t registers = 16;
  static constexpr std::size_t width = 1;
  using type = float;
  template <class T>
  static type load(const T* p) noexcept { return load_scalar(p); }
  template <class T>
  static void store(T* p, type v) noexcept { store_scalar(p, v); }
  static type set1(float x) noexcept { return x; }
  static type add(type a, type b) noexcept { return a + b; }
  static type div(type a, type b) noexcept { return a / b; }
  static type sqrt(type a) noexcept { return std::sqrt(a); }
  static type mul(type a, type b) noexcept { return a * b; }
  static float sum(type v) noexcept { return v; }
  static type fmadd(type a, type b, type c) noexcept { return a * b + c; }
  static type fmsub(type a, type b, type c) noexcept { return a * b - c; }
  static type swap_pairs(type a) noexcept { return a; }  // never called: one lane holds no pair
};

using fv2 = fv;

struct dv1;
using dv = dv1;  // the scalar double lane defined by the kernels

#include "../detail/kernels_inl.hpp"

}  // namespace isa_scalar
}  // namespace COPE_ISA_NAMESPACE
}  // namespace cope::detail
