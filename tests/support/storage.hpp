// Test support: typed access to type-erased f32 / f16 / bf16 buffers, a contiguous tensor of one storage
// type, the storage formats' half ulp, and buffers that end at an inaccessible page (any access past them
// faults).
#pragma once

#include "cope/dtype.hpp"
#include "cope/view.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#if defined(__unix__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace cope_test {

inline float get(const void* base, cope::dtype t, std::size_t i) {
  switch (t) {
    case cope::dtype::f32: return static_cast<const float*>(base)[i];
    case cope::dtype::f16: return cope::to_float(static_cast<const cope::float16*>(base)[i]);
    case cope::dtype::bf16: return cope::to_float(static_cast<const cope::bfloat16*>(base)[i]);
  }
  return 0;
}
inline void set(void* base, cope::dtype t, std::size_t i, float v) {
  switch (t) {
    case cope::dtype::f32: static_cast<float*>(base)[i] = v; break;
    case cope::dtype::f16: static_cast<cope::float16*>(base)[i] = cope::to_float16(v); break;
    case cope::dtype::bf16: static_cast<cope::bfloat16*>(base)[i] = cope::to_bfloat16(v); break;
  }
}
// v rounded to the storage type.
inline float representable(cope::dtype t, float v) {
  if (t == cope::dtype::f16) return cope::to_float(cope::to_float16(v));
  if (t == cope::dtype::bf16) return cope::to_float(cope::to_bfloat16(v));
  return v;
}
// Half an ulp of the storage format at |v| (0 for float32: its rounding is inside the kernels' 4e-7).
inline double half_ulp(cope::dtype t, double v) {
  if (t == cope::dtype::f32) return 0.0;
  const int mantissa_bits = t == cope::dtype::f16 ? 10 : 7;
  const int min_exponent = t == cope::dtype::f16 ? -14 : -126;
  const int e = std::max(v == 0.0 ? min_exponent : static_cast<int>(std::floor(std::log2(std::abs(v)))), min_exponent);
  return std::ldexp(0.5, e - mantissa_bits);
}

#if defined(__unix__)
// Pages of memory followed by one inaccessible page: ending_at_guard(n) is n bytes that end exactly at
// it. Construction failures leave base null (the test REQUIREs it).
struct guarded_pages {
  unsigned char* base = nullptr;
  std::size_t size = 0, page = 0;
  explicit guarded_pages(std::size_t bytes = 1) {
    page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    size = (bytes + page - 1) / page * page + page;
    void* m = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return;
    base = static_cast<unsigned char*>(m);
    if (mprotect(base + size - page, page, PROT_NONE) != 0) base = nullptr;
  }
  ~guarded_pages() {
    if (base != nullptr) munmap(base, size);
  }
  guarded_pages(const guarded_pages&) = delete;
  guarded_pages& operator=(const guarded_pages&) = delete;
  void* ending_at_guard(std::size_t bytes) const { return base + size - page - bytes; }
};
#endif

// A contiguous [tokens, heads, head_dim] tensor of one storage type.
struct tensor {
  cope::dtype type;
  std::size_t tokens, heads, head_dim;
  std::vector<unsigned char> bytes;
  tensor(cope::dtype t, std::size_t n, std::size_t h, std::size_t d)
      : type(t), tokens(n), heads(h), head_dim(d), bytes(n * h * d * cope::size_of(t)) {}
  std::size_t size() const { return tokens * heads * head_dim; }
  float at(std::size_t i) const { return get(bytes.data(), type, i); }
  void put(std::size_t i, float v) { set(bytes.data(), type, i, v); }
  cope::tensor_view view() {
    return {bytes.data(), type, tokens, heads, head_dim, static_cast<std::ptrdiff_t>(heads * head_dim),
            static_cast<std::ptrdiff_t>(head_dim), size()};
  }
};

}  // namespace cope_test
