// Internal header (not part of the public API): the vector interface every ISA under arch/ provides to
// the kernels (kernels_inl.hpp), stated in code. An ISA's vector structs inherit vector_defaults and
// state only what differs; kernels_inl.hpp checks each struct against the operations below with one
// static_assert per operation, so a missing one is named at compile time.
#pragma once

#include "../dtype.hpp"

#include <type_traits>
#include <utility>

// Vector types as template arguments (the checks below) lose their alignment attributes, which the
// checks never use.
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#endif

namespace cope::detail {

// The optional capabilities, off unless an ISA turns them on (and then provides their operations).
struct vector_defaults {
  // Interleaved pairs split into x and y parts by shuffles: deinterleave, interleave, load_in_pair_order.
  static constexpr bool pair_shuffles = false;
  // bf16 rows split into 32-bit lanes: raw, load_raw, store_raw, split, join, load_even_odd.
  static constexpr bool splits_bf16 = false;
  // (cc, ss) angle vectors spread from cos and sin in registers: load_spread.
  static constexpr bool spreads_pairs = false;
  // Values rounded to float16 / bfloat16 precision in registers: round_f16, round_bf16 (as a store to
  // the type and a load back would give).
  static constexpr bool rounds_in_registers = false;
  // 64-byte lines stored past the caches (non-temporal stores): stream_line, stream_fence.
  static constexpr bool streams_lines = false;
  // Two split bf16 vectors rounded to bfloat16 precision at once, their lanes left unshuffled (where
  // splits_bf16 is true): round_bf16_pair, unshuffle_pair, join_unshuffled<T>.
  static constexpr bool rounds_bf16_pairs = false;
};

// detect<Op, V>: true when Op<V> is well formed.
template <template <class> class Op, class V, class = void>
struct detect : std::false_type {};
template <template <class> class Op, class V>
struct detect<Op, V, std::void_t<Op<V>>> : std::true_type {};

namespace vector_ops {
template <class V> using type = typename V::type;
template <class V> using width = decltype(std::size_t{V::width});
template <class V> using registers = decltype(std::size_t{V::registers});
template <class V> using load_f32 = decltype(V::load(std::declval<const float*>()));
template <class V> using load_f16 = decltype(V::load(std::declval<const float16*>()));
template <class V> using load_bf16 = decltype(V::load(std::declval<const bfloat16*>()));
template <class V> using store_f32 = decltype(V::store(std::declval<float*>(), std::declval<type<V>>()));
template <class V> using store_f16 = decltype(V::store(std::declval<float16*>(), std::declval<type<V>>()));
template <class V> using store_bf16 = decltype(V::store(std::declval<bfloat16*>(), std::declval<type<V>>()));
template <class V> using set1 = decltype(V::set1(1.0f));
template <class V> using mul = decltype(V::mul(std::declval<type<V>>(), std::declval<type<V>>()));
template <class V> using add_f32 = decltype(V::add(std::declval<type<V>>(), std::declval<type<V>>()));
template <class V> using sum = decltype(float{V::sum(std::declval<type<V>>())});
template <class V> using div_f32 = decltype(V::div(std::declval<type<V>>(), std::declval<type<V>>()));
template <class V> using sqrt_f32 = decltype(V::sqrt(std::declval<type<V>>()));
template <class V> using fmadd = decltype(V::fmadd(std::declval<type<V>>(), std::declval<type<V>>(), std::declval<type<V>>()));
template <class V> using fmsub = decltype(V::fmsub(std::declval<type<V>>(), std::declval<type<V>>(), std::declval<type<V>>()));
template <class V> using swap_pairs = decltype(V::swap_pairs(std::declval<type<V>>()));
template <class V> using deinterleave = decltype(V::deinterleave(std::declval<type<V>>(), std::declval<type<V>>(),
                                                                 std::declval<type<V>&>(), std::declval<type<V>&>()));
template <class V> using interleave = decltype(V::interleave(std::declval<type<V>>(), std::declval<type<V>>(),
                                                             std::declval<type<V>&>(), std::declval<type<V>&>()));
template <class V> using load_in_pair_order = decltype(V::load_in_pair_order(std::declval<const float*>()));
template <class V> using raw = typename V::raw;
template <class V> using load_raw = decltype(V::load_raw(std::declval<const bfloat16*>()));
template <class V> using store_raw = decltype(V::store_raw(std::declval<bfloat16*>(), std::declval<raw<V>>()));
template <class V> using split = decltype(V::split(std::declval<raw<V>>(), std::declval<type<V>&>(), std::declval<type<V>&>()));
template <class V> using join = decltype(V::join(std::declval<type<V>>(), std::declval<type<V>>()));
template <class V> using load_even_odd = decltype(V::load_even_odd(std::declval<const float*>(), std::declval<type<V>&>(),
                                                                   std::declval<type<V>&>()));
template <class V> using round_f16 = decltype(V::round_f16(std::declval<type<V>>()));
template <class V> using round_bf16 = decltype(V::round_bf16(std::declval<type<V>>()));
template <class V> using stream_line = decltype(V::stream_line(std::declval<void*>(), std::declval<const void*>()));
template <class V> using stream_fence = decltype(V::stream_fence());
template <class V> using round_bf16_pair = decltype(V::round_bf16_pair(std::declval<type<V>&>(), std::declval<type<V>&>()));
template <class V> using unshuffle_pair = decltype(V::unshuffle_pair(std::declval<type<V>&>(), std::declval<type<V>&>()));
template <class V> using join_unshuffled = decltype(V::template join_unshuffled<2>(std::declval<type<V>>(), std::declval<type<V>>()));
template <class V> using load_spread = decltype(V::load_spread(std::declval<const float*>(), std::declval<const float*>(),
                                                               std::declval<type<V>&>(), std::declval<type<V>&>()));
// The double vector of the angle math.
template <class D> using load_widen = decltype(D::load_widen(std::declval<const float*>()));
template <class D> using store_narrow = decltype(D::store_narrow(std::declval<float*>(), std::declval<type<D>>()));
template <class D> using set1_f64 = decltype(D::set1(1.0));
template <class D> using add = decltype(D::add(std::declval<type<D>>(), std::declval<type<D>>()));
template <class D> using sub = decltype(D::sub(std::declval<type<D>>(), std::declval<type<D>>()));
template <class D> using select_odd = decltype(D::select_odd(std::declval<type<D>>(), std::declval<type<D>>(), std::declval<type<D>>()));
template <class D> using flip_sign_bit1 = decltype(D::flip_sign_bit1(std::declval<type<D>>(), std::declval<type<D>>()));
}  // namespace vector_ops

}  // namespace cope::detail

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
#endif

// One static_assert per operation of the contract (used by kernels_inl.hpp inside each ISA namespace).
#define COPE_REQUIRE_VECTOR_OP(V, op) \
  static_assert(::cope::detail::detect<::cope::detail::vector_ops::op, V>::value, \
                "cope ISA contract: " #V " lacks `" #op "` (detail/vector_contract.hpp)")
#define COPE_REQUIRE_VECTOR_OP_IF(V, flag, op) \
  static_assert(!V::flag || ::cope::detail::detect<::cope::detail::vector_ops::op, V>::value, \
                "cope ISA contract: " #V "::" #flag " is true but " #V " lacks `" #op "` (detail/vector_contract.hpp)")
#define COPE_REQUIRE_FLOAT_VECTOR(V)                                                                       \
  COPE_REQUIRE_VECTOR_OP(V, type);                                                                         \
  COPE_REQUIRE_VECTOR_OP(V, width);                                                                        \
  COPE_REQUIRE_VECTOR_OP(V, registers);                                                                    \
  COPE_REQUIRE_VECTOR_OP(V, load_f32);                                                                     \
  COPE_REQUIRE_VECTOR_OP(V, load_f16);                                                                     \
  COPE_REQUIRE_VECTOR_OP(V, load_bf16);                                                                    \
  COPE_REQUIRE_VECTOR_OP(V, store_f32);                                                                    \
  COPE_REQUIRE_VECTOR_OP(V, store_f16);                                                                    \
  COPE_REQUIRE_VECTOR_OP(V, store_bf16);                                                                   \
  COPE_REQUIRE_VECTOR_OP(V, set1);                                                                         \
  COPE_REQUIRE_VECTOR_OP(V, mul);                                                                          \
  COPE_REQUIRE_VECTOR_OP(V, add_f32);                                                                      \
  COPE_REQUIRE_VECTOR_OP(V, sum);                                                                          \
  COPE_REQUIRE_VECTOR_OP(V, div_f32);                                                                      \
  COPE_REQUIRE_VECTOR_OP(V, sqrt_f32);                                                                     \
  COPE_REQUIRE_VECTOR_OP(V, fmadd);                                                                        \
  COPE_REQUIRE_VECTOR_OP(V, fmsub);                                                                        \
  COPE_REQUIRE_VECTOR_OP(V, swap_pairs);                                                                   \
  COPE_REQUIRE_VECTOR_OP_IF(V, pair_shuffles, deinterleave);                                               \
  COPE_REQUIRE_VECTOR_OP_IF(V, pair_shuffles, interleave);                                                 \
  COPE_REQUIRE_VECTOR_OP_IF(V, pair_shuffles, load_in_pair_order);                                         \
  COPE_REQUIRE_VECTOR_OP_IF(V, splits_bf16, load_raw);                                                     \
  COPE_REQUIRE_VECTOR_OP_IF(V, splits_bf16, store_raw);                                                    \
  COPE_REQUIRE_VECTOR_OP_IF(V, splits_bf16, split);                                                        \
  COPE_REQUIRE_VECTOR_OP_IF(V, splits_bf16, join);                                                         \
  COPE_REQUIRE_VECTOR_OP_IF(V, splits_bf16, load_even_odd);                                                \
  COPE_REQUIRE_VECTOR_OP_IF(V, spreads_pairs, load_spread);                                                \
  COPE_REQUIRE_VECTOR_OP_IF(V, rounds_in_registers, round_f16);                                            \
  COPE_REQUIRE_VECTOR_OP_IF(V, rounds_in_registers, round_bf16);                                           \
  COPE_REQUIRE_VECTOR_OP_IF(V, streams_lines, stream_line);                                                \
  COPE_REQUIRE_VECTOR_OP_IF(V, streams_lines, stream_fence);                                               \
  COPE_REQUIRE_VECTOR_OP_IF(V, rounds_bf16_pairs, round_bf16_pair);                                        \
  COPE_REQUIRE_VECTOR_OP_IF(V, rounds_bf16_pairs, unshuffle_pair);                                         \
  COPE_REQUIRE_VECTOR_OP_IF(V, rounds_bf16_pairs, join_unshuffled)
#define COPE_REQUIRE_DOUBLE_VECTOR(D)  \
  COPE_REQUIRE_VECTOR_OP(D, type);     \
  COPE_REQUIRE_VECTOR_OP(D, width);    \
  COPE_REQUIRE_VECTOR_OP(D, load_widen); \
  COPE_REQUIRE_VECTOR_OP(D, store_narrow); \
  COPE_REQUIRE_VECTOR_OP(D, set1_f64); \
  COPE_REQUIRE_VECTOR_OP(D, add);      \
  COPE_REQUIRE_VECTOR_OP(D, sub);      \
  COPE_REQUIRE_VECTOR_OP(D, mul);      \
  COPE_REQUIRE_VECTOR_OP(D, fmadd);    \
  COPE_REQUIRE_VECTOR_OP(D, select_odd); \
  COPE_REQUIRE_VECTOR_OP(D, flip_sign_bit1)
