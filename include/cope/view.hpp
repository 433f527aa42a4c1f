// cope — non-owning strided views of q and k (design §3): [tokens, heads, head_dim] with each head's
// row of head_dim elements contiguous and arbitrary token and head strides (in elements), so that q and
// k may live inside one fused QKV buffer. Type-erased (a dtype tag), like DLPack, so one call serves
// every storage type.
#pragma once

#include "dtype.hpp"

#include <cstddef>

namespace cope {

struct tensor_view {
  void* data = nullptr;
  dtype type = dtype::f32;
  std::size_t tokens = 0;
  std::size_t heads = 0;
  std::size_t head_dim = 0;
  std::ptrdiff_t token_stride = 0;  // elements between token t and t + 1
  std::ptrdiff_t head_stride = 0;   // elements between head h and h + 1
  // Elements reachable from data (the allocation's size from data on); 0 = not stated. When stated,
  // a view reaching past it is rejected.
  std::size_t capacity = 0;
};

// The read-only side of a call; every tensor_view converts to it.
struct const_tensor_view {
  const void* data = nullptr;
  dtype type = dtype::f32;
  std::size_t tokens = 0;
  std::size_t heads = 0;
  std::size_t head_dim = 0;
  std::ptrdiff_t token_stride = 0;
  std::ptrdiff_t head_stride = 0;
  std::size_t capacity = 0;

  const_tensor_view() = default;
  const_tensor_view(const void* d, dtype t, std::size_t n_tokens, std::size_t n_heads, std::size_t dim,
                    std::ptrdiff_t t_stride, std::ptrdiff_t h_stride, std::size_t cap = 0)
      : data(d), type(t), tokens(n_tokens), heads(n_heads), head_dim(dim), token_stride(t_stride),
        head_stride(h_stride), capacity(cap) {}
  const_tensor_view(const tensor_view& v)  // NOLINT: implicit, a mutable view is readable
      : const_tensor_view(v.data, v.type, v.tokens, v.heads, v.head_dim, v.token_stride, v.head_stride, v.capacity) {}
};

// A contiguous [tokens, heads, head_dim] tensor.
template <class T>
tensor_view make_view(T* data, std::size_t tokens, std::size_t heads, std::size_t head_dim) {
  return {data,
          dtype_of<T>::value,
          tokens,
          heads,
          head_dim,
          static_cast<std::ptrdiff_t>(heads * head_dim),
          static_cast<std::ptrdiff_t>(head_dim),
          tokens * heads * head_dim};
}

// Any strides, e.g. q inside a fused QKV row: make_view(qkv, tokens, 32, 128, (32 + 2 * 8) * 128, 128).
template <class T>
tensor_view make_view(T* data, std::size_t tokens, std::size_t heads, std::size_t head_dim,
                      std::ptrdiff_t token_stride, std::ptrdiff_t head_stride, std::size_t capacity = 0) {
  return {data, dtype_of<T>::value, tokens, heads, head_dim, token_stride, head_stride, capacity};
}

// Read-only views of const data (the const_cast never leads to a write: const_tensor_view is read-only).
template <class T>
const_tensor_view make_view(const T* data, std::size_t tokens, std::size_t heads, std::size_t head_dim) {
  return make_view(const_cast<T*>(data), tokens, heads, head_dim);
}

template <class T>
const_tensor_view make_view(const T* data, std::size_t tokens, std::size_t heads, std::size_t head_dim,
                            std::ptrdiff_t token_stride, std::ptrdiff_t head_stride, std::size_t capacity = 0) {
  return make_view(const_cast<T*>(data), tokens, heads, head_dim, token_stride, head_stride, capacity);
}

}  // namespace cope
