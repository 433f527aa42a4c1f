// Included by each unit of the kernels_bit_identical test (tests/modes/*.cpp), each built in its own
// mode (header-only with one ISA's flags, or against cope::kernels), each defining COPE_MODE_ENTRY: a
// fixed battery of apply_rope and shift_keys calls whose output bytes the test compares across modes.
#include "cope/cope.hpp"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct head_shape {
  std::size_t head_dim, rotary_dim, rotary_offset;
};

// Deterministic inputs in [-2, 2), stored in the view's type.
std::vector<unsigned char> filled(cope::dtype type, std::size_t elements, std::uint32_t seed) {
  std::vector<unsigned char> bytes(elements * cope::size_of(type));
  std::uint32_t state = seed * 2654435761u + 1u;
  for (std::size_t i = 0; i < elements; ++i) {
    state = state * 1664525u + 1013904223u;
    const float v = static_cast<float>(state >> 8) / static_cast<float>(1u << 24) * 4.0f - 2.0f;
    if (type == cope::dtype::f32) std::memcpy(&bytes[4 * i], &v, 4);
    if (type == cope::dtype::f16) {
      const cope::float16 h = cope::to_float16(v);
      std::memcpy(&bytes[2 * i], &h, 2);
    }
    if (type == cope::dtype::bf16) {
      const cope::bfloat16 h = cope::to_bfloat16(v);
      std::memcpy(&bytes[2 * i], &h, 2);
    }
  }
  return bytes;
}

cope::tensor_view view_of(std::vector<unsigned char>& bytes, cope::dtype type, std::size_t tokens, std::size_t heads,
                          std::size_t head_dim) {
  return {bytes.data(), type, tokens, heads, head_dim, static_cast<std::ptrdiff_t>(heads * head_dim),
          static_cast<std::ptrdiff_t>(head_dim), tokens * heads * head_dim};
}

void append(std::vector<unsigned char>& out, const std::vector<unsigned char>& bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

}  // namespace

// The battery's output bytes; isa: the kernels that ran.
std::vector<unsigned char> COPE_MODE_ENTRY(std::string& isa) {
  using cope::dtype;
  isa = cope::active_isa();
  std::vector<unsigned char> out;
  const head_shape shapes[] = {{64, 64, 0}, {80, 80, 0}, {96, 96, 0}, {128, 128, 0}, {128, 64, 32}, {128, 32, 0}, {256, 256, 0}};
  const dtype pairs[][2] = {{dtype::f32, dtype::f32}, {dtype::f16, dtype::f16}, {dtype::bf16, dtype::bf16},
                            {dtype::f32, dtype::f16}, {dtype::f32, dtype::bf16}};
  const std::size_t tokens = 5, q_heads = 4, k_heads = 2;
  const std::int64_t ids[tokens] = {7, 100000, 3, 65535, 123456789};
  const std::int32_t indptr[3] = {0, 2, 5}, offsets[2] = {40, 1 << 20};
  const std::int32_t deltas[tokens] = {-3, 5, -100000, 0, 4096};
  std::uint32_t seed = 1;
  for (const head_shape& shape : shapes) {
    cope::yarn_parameters y;
    y.rope_theta = 1e6;
    y.partial_rotary_factor = static_cast<double>(shape.rotary_dim) / static_cast<double>(shape.head_dim);
    y.factor = 4.0;
    y.original_max_position_embeddings = 32768;
    const cope::spectrum s = cope::cope_clip(cope::rope_yarn(static_cast<int>(shape.head_dim), y),
                                             static_cast<int>(shape.rotary_dim / 8));
    const cope::rope_table table = cope::make_table(s, 1 << 17);
    // Multi-axis: [3][tokens] integer positions (tables too) and fractional ones, with a map of every
    // axis and identity pairs.
    const std::int32_t axes32[3 * tokens] = {4, 9, 9, 30, 1000, 4, 10, 11, 30, 1000, 5, 9, 12, 31, 1000};
    const float axesf[3 * tokens] = {4.5f, 9.25f, 9.25f, 30.0f, 70000.75f, 4.0f, 10.5f, 11.0f, 30.0f, 70000.75f,
                                     5.5f, 9.0f, 12.25f, 31.0f, 70000.75f};
    std::vector<std::uint8_t> axis_list(shape.rotary_dim / 2);
    for (std::size_t j = 0; j < axis_list.size(); ++j)
      axis_list[j] = j % 4 == 3 ? cope::axis_map::none : static_cast<std::uint8_t>(j % 4);
    const cope::axis_map map = cope::axis_map::from_axes(axis_list.data(), axis_list.size());
    const cope::positions forms[] = {cope::positions::from_offset(1000), cope::positions::from_ids(ids, tokens),
                                     cope::positions::ragged(indptr, offsets, 2),
                                     cope::positions::multi_axis(axes32, 3, tokens),
                                     cope::positions::multi_axis(axesf, 3, tokens)};
    for (const auto& types : pairs)
      for (const cope::layout pairing : {cope::layout::rotate_half, cope::layout::interleaved})
        for (const bool in_place : {true, false}) {
          if (in_place && types[0] != types[1]) continue;
          for (const bool from_table : {false, true})
            for (const cope::direction dir : {cope::direction::forward, cope::direction::inverse})
              for (std::size_t f = 0; f < 5; ++f) {
                // positions beyond the table, or fractional: those forms on the fly only
                if (from_table && f != 0 && f != 3) continue;
                std::vector<unsigned char> q = filled(types[0], tokens * q_heads * shape.head_dim, seed++);
                std::vector<unsigned char> k = filled(types[0], tokens * k_heads * shape.head_dim, seed++);
                std::vector<unsigned char> q_out = in_place ? q : filled(types[1], tokens * q_heads * shape.head_dim, 0);
                std::vector<unsigned char> k_out = in_place ? k : filled(types[1], tokens * k_heads * shape.head_dim, 0);
                cope::rope_args a;
                if (in_place) {
                  a = cope::rope_args::in_place(view_of(q_out, types[0], tokens, q_heads, shape.head_dim),
                                                view_of(k_out, types[0], tokens, k_heads, shape.head_dim), forms[f], pairing);
                } else {
                  a = cope::rope_args::out_of_place(view_of(q, types[0], tokens, q_heads, shape.head_dim),
                                                    view_of(q_out, types[1], tokens, q_heads, shape.head_dim),
                                                    view_of(k, types[0], tokens, k_heads, shape.head_dim),
                                                    view_of(k_out, types[1], tokens, k_heads, shape.head_dim), forms[f],
                                                    pairing);
                }
                a.dir = dir;
                a.rotary_offset = shape.rotary_offset;
                if (f >= 3) a.pair_axes = &map;
                if (from_table)
                  cope::apply_rope(table.view(), a);
                else
                  cope::apply_rope(s, a);
                append(out, q_out);
                append(out, k_out);
              }
        }
    for (const dtype type : {dtype::f32, dtype::f16, dtype::bf16})
      for (const cope::layout pairing : {cope::layout::rotate_half, cope::layout::interleaved})
        for (const bool from_table : {false, true})
          for (const bool per_token : {false, true}) {
            std::vector<unsigned char> k = filled(type, tokens * k_heads * shape.head_dim, seed++);
            cope::shift_args a = cope::shift_args::make(
                view_of(k, type, tokens, k_heads, shape.head_dim),
                per_token ? cope::position_delta::per_token(deltas, tokens) : cope::position_delta::constant(-77), pairing);
            a.rotary_offset = shape.rotary_offset;
            if (from_table)
              cope::shift_keys(table.view(), a);
            else
              cope::shift_keys(s, a);
            append(out, k);
          }
  }
  return out;
}
