// libFuzzer target: try_apply_rope and try_shift_keys on fuzzed geometry (storage types, strides, fused
// QKV buffers, in place or not, empty batches), positions (offset, ids, ragged; wild values), spectra
// and tables (valid, or with a wild inv_freq / attention factor), directions and token ranges.
//   * every buffer ends at a PROT_NONE page and its capacity is stated: an access past it faults;
//   * on error, every byte of every buffer is unchanged;
//   * on success, every output element is within the documented bound of a double reference
//     (reference_rotate on the float32 inv_freq), the untouched tokens and dims are unchanged, and the
//     call allocated nothing (malloc hook).
// Runs on the compiled kernels; COPE_MAX_ISA picks the ISA (scripts/fuzz.sh runs each).
#include "fuzz_input.hpp"

#include "cope/cope.hpp"

#include <sanitizer/allocator_interface.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace {

using cope_fuzz::input;

long allocations = 0;
std::string scenario;  // what the current input asked for, printed with a failure
void count_malloc(const volatile void*, std::size_t) { ++allocations; }
void ignore_free(const volatile void*) {}

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz apply: %s (active ISA %s)\n%s\n", what, cope::active_isa(), scenario.c_str());
  std::abort();
}

double load(cope::dtype t, const void* base, std::size_t i) {
  switch (t) {
    case cope::dtype::f32: return static_cast<const float*>(base)[i];
    case cope::dtype::f16: return cope::to_float(static_cast<const cope::float16*>(base)[i]);
    case cope::dtype::bf16: return cope::to_float(static_cast<const cope::bfloat16*>(base)[i]);
  }
  return 0;
}

double half_ulp(cope::dtype t, double v) {
  if (t == cope::dtype::f32) return 0.0;
  const int mantissa = t == cope::dtype::f16 ? 10 : 7, min_exponent = t == cope::dtype::f16 ? -14 : -126;
  const int e = std::max(v == 0.0 ? min_exponent : static_cast<int>(std::floor(std::log2(std::abs(v)))), min_exponent);
  return std::ldexp(0.5, e - mantissa);
}

constexpr std::size_t region_bytes = 1 << 17;
std::size_t used[4];  // bytes in use at the end of each region this run (filled and compared)
cope_fuzz::guarded_region& region(int i) {
  static cope_fuzz::guarded_region regions[4] = {cope_fuzz::guarded_region(region_bytes), cope_fuzz::guarded_region(region_bytes),
                                                 cope_fuzz::guarded_region(region_bytes), cope_fuzz::guarded_region(region_bytes)};
  return regions[i];
}

struct geometry {
  std::size_t tokens, heads, head_dim;
  std::int64_t token_stride, head_stride;
};

// Elements from the first to past the last element of a sane geometry (0 when the strides are wild).
std::size_t span_of(const geometry& g) {
  if (g.tokens == 0) return 0;
  const std::int64_t limit = 1 << 20;
  const std::int64_t ts = g.tokens > 1 ? g.token_stride : 0, hs = g.heads > 1 ? g.head_stride : 0;
  if (ts < 0 || hs < 0 || ts > limit || hs > limit) return 0;
  return static_cast<std::size_t>(ts) * (g.tokens - 1) + static_cast<std::size_t>(hs) * (g.heads - 1) + g.head_dim;
}

cope::spectrum make_spectrum(input& in, std::size_t& rotary_dim) {
  const int head_dims[] = {2, 4, 8, 16, 32, 64, 128, 256};
  const int head_dim = head_dims[in.below(8)];
  cope::rope_parameters p;
  p.rope_theta = in.flag() ? 10000.0 : 1e6;
  p.partial_rotary_factor = in.flag() ? 1.0 : 0.5;
  if (in.flag()) {
    p.rope_type = "yarn";
    p.factor = 1.0 + in.below(64);
    p.original_max_position_embeddings = 4096;
    if (in.flag()) p.attention_factor = in.number(1.0);
  }
  cope::result<cope::spectrum> r = cope::try_make_spectrum(p, head_dim);
  cope::spectrum s = r.ok() ? *r : cope::rope_default(head_dim);
  if (in.flag()) {
    auto c = cope::try_cope_clip(s, static_cast<int>(in.below(static_cast<std::uint32_t>(s.pairs()) + 1)));
    if (c.ok()) s = *c;
  }
  switch (in.byte() % 16) {  // occasionally, a spectrum the checks must refuse (or accept at the edges)
    case 0: s.inv_freq[in.below(static_cast<std::uint32_t>(s.pairs()))] = in.raw<float>(); break;
    case 1: s.attention_factor = in.raw<double>(); break;
    case 2: s.attention_factor = in.flag() ? cope::min_attention_factor : cope::max_attention_factor; break;
    case 3: s.rotary_dim += 2; break;
    default: break;
  }
  rotary_dim = static_cast<std::size_t>(s.rotary_dim);
  return s;
}

// One view's geometry: contiguous, padded, or wild strides.
geometry make_geometry(input& in, std::size_t tokens, std::size_t heads, std::size_t head_dim) {
  geometry g{tokens, heads, head_dim, 0, 0};
  switch (in.byte() % 8) {
    case 0:
      g.token_stride = in.raw<std::int64_t>();
      g.head_stride = in.raw<std::int64_t>();
      break;
    case 1:
      g.head_stride = static_cast<std::int64_t>(head_dim) + in.below(5) - 2;
      g.token_stride = static_cast<std::int64_t>(in.below(600));
      break;
    case 2:  // heads outermost (HND)
      g.token_stride = static_cast<std::int64_t>(head_dim + in.below(3));
      g.head_stride = g.token_stride * static_cast<std::int64_t>(tokens) + in.below(4);
      break;
    default:
      g.head_stride = static_cast<std::int64_t>(head_dim + (in.flag() ? in.below(8) : 0));
      g.token_stride = g.head_stride * static_cast<std::int64_t>(heads) + (in.flag() ? in.below(16) : 0);
      break;
  }
  return g;
}

cope::tensor_view place(input& in, int r, const geometry& g, cope::dtype t) {
  const std::size_t element = cope::size_of(t);
  const std::size_t span = span_of(g);
  void* data = nullptr;
  if (span != 0 && span * element <= region_bytes / 2)
    data = region(r).tail((span + in.below(3)) * element, element);
  else  // wild strides: a small buffer whose stated capacity must stop them
    data = region(r).tail(4096 + in.below(3) * element, element);
  if (g.tokens == 0 && in.flag()) data = nullptr;  // empty tensors may come with no data
  cope::tensor_view v{data, t, g.tokens, g.heads, g.head_dim, static_cast<std::ptrdiff_t>(g.token_stride),
                      static_cast<std::ptrdiff_t>(g.head_stride), 0};
  v.capacity = data == nullptr ? 0 : region(r).bytes_from(data) / element;
  if (data != nullptr) used[r] = std::max(used[r], region(r).bytes_from(data));
  return v;
}

// Values in [-1, 1] stored in the region's type (the inputs of an engine are finite), over its used tail.
void fill(input& in, int r, cope::dtype t) {
  used[r] = (used[r] + 3) / 4 * 4;
  const std::size_t n = used[r] / cope::size_of(t);
  void* base = region(r).tail(used[r], 4);
  const std::uint32_t seed = in.raw<std::uint32_t>();
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t x = (seed + static_cast<std::uint32_t>(i) * 2654435761u) >> 7;
    const float v = static_cast<float>(static_cast<std::int32_t>(x % 2001) - 1000) / 997.0f;
    if (t == cope::dtype::f32) static_cast<float*>(base)[i] = v;
    if (t == cope::dtype::f16) static_cast<cope::float16*>(base)[i] = cope::to_float16(v);
    if (t == cope::dtype::bf16) static_cast<cope::bfloat16*>(base)[i] = cope::to_bfloat16(v);
  }
}

// Which region a pointer lies in (views may be placed into another view's region).
int region_of(const void* p) {
  for (int r = 0; r < 4; ++r) {
    const char* base = static_cast<const char*>(region(r).tail(region_bytes, 1));
    if (static_cast<const char*>(p) >= base && static_cast<const char*>(p) < base + region_bytes) return r;
  }
  fail("a view outside every region");
}

std::vector<char> snapshot(int r) {
  const char* p = static_cast<const char*>(region(r).tail(used[r], 1));
  return std::vector<char>(p, p + used[r]);
}

// Position of token t on each axis (for an ok call, the form has been validated; 1-D forms: the
// same on every axis).
std::array<double, cope::max_axes> position_of(const cope::positions& p, std::size_t t) {
  std::array<double, cope::max_axes> v{};
  double one = 0;
  switch (p.kind) {
    case cope::position_kind::offset: one = static_cast<double>(p.start + static_cast<std::int64_t>(t)); break;
    case cope::position_kind::ids_i32: one = static_cast<const std::int32_t*>(p.ids)[t]; break;
    case cope::position_kind::ids_i64: one = static_cast<double>(static_cast<const std::int64_t*>(p.ids)[t]); break;
    case cope::position_kind::ids_f32: one = static_cast<const float*>(p.ids)[t]; break;
    case cope::position_kind::ragged_i32:
    case cope::position_kind::ragged_i64:
    case cope::position_kind::ragged_f32: {
      const bool i64 = p.kind == cope::position_kind::ragged_i64;
      auto indptr = [&](std::size_t i) -> std::int64_t {
        return i64 ? static_cast<const std::int64_t*>(p.indptr)[i] : static_cast<const std::int32_t*>(p.indptr)[i];
      };
      auto offset = [&](std::size_t i) -> double {
        if (p.kind == cope::position_kind::ragged_f32) return static_cast<const float*>(p.request_offsets)[i];
        return i64 ? static_cast<double>(static_cast<const std::int64_t*>(p.request_offsets)[i])
                   : static_cast<const std::int32_t*>(p.request_offsets)[i];
      };
      std::size_t r = 0;
      while (indptr(r + 1) <= static_cast<std::int64_t>(t)) ++r;
      one = offset(r) + static_cast<double>(static_cast<std::int64_t>(t) - indptr(r));
      break;
    }
    default:
      for (std::size_t axis = 0; axis < p.axes; ++axis) {
        const std::ptrdiff_t i = static_cast<std::ptrdiff_t>(axis) * p.axis_stride + static_cast<std::ptrdiff_t>(t) * p.token_stride;
        v[axis] = p.kind == cope::position_kind::multi_axis_i32   ? static_cast<const std::int32_t*>(p.ids)[i]
                  : p.kind == cope::position_kind::multi_axis_i64 ? static_cast<double>(static_cast<const std::int64_t*>(p.ids)[i])
                                                                  : static_cast<const float*>(p.ids)[i];
      }
      return v;
  }
  v.fill(one);
  return v;
}

// Checks one output view against the reference, element by element.
void check_output(const cope::spectrum& s, const cope::const_tensor_view& in, const std::vector<char>& in_before,
                  int in_region, const cope::tensor_view& out, const std::vector<char>& out_before, int out_region,
                  const cope::rope_args& a, bool shift, const std::vector<std::array<double, cope::max_axes>>& pos,
                  const cope::axis_map* map) {
  const char* in_base = static_cast<const char*>(region(in_region).tail(used[in_region], 1));
  const char* out_base = static_cast<const char*>(region(out_region).tail(used[out_region], 1));
  const std::size_t ein = cope::size_of(in.type), eout = cope::size_of(out.type);
  const std::size_t end = a.token_end == cope::all_tokens ? in.tokens : a.token_end;
  const std::size_t d = in.head_dim, pairs = s.inv_freq.size(), window = a.rotary_offset;
  cope::spectrum pure = s;
  if (shift) pure.attention_factor = 1.0;
  std::vector<double> x(d), y(d);
  for (std::size_t t = 0; t < in.tokens; ++t)
    for (std::size_t h = 0; h < in.heads; ++h) {
      const std::size_t in_offset = (in.tokens > 1 ? t * static_cast<std::size_t>(in.token_stride) : 0) +
                                    (in.heads > 1 ? h * static_cast<std::size_t>(in.head_stride) : 0);
      const std::size_t out_offset = (out.tokens > 1 ? t * static_cast<std::size_t>(out.token_stride) : 0) +
                                     (out.heads > 1 ? h * static_cast<std::size_t>(out.head_stride) : 0);
      const char* in_row = in_before.data() + (static_cast<const char*>(in.data) - in_base) + in_offset * ein;
      const char* out_row_before = out_before.data() + (static_cast<const char*>(out.data) - out_base) + out_offset * eout;
      const void* out_row = static_cast<const char*>(out.data) + out_offset * eout;
      const bool rotated = t >= a.token_begin && t < end;
      if (!rotated) {
        if (std::memcmp(out_row, out_row_before, d * eout) != 0) fail("a token outside the range changed");
        continue;
      }
      for (std::size_t i = 0; i < d; ++i) x[i] = load(in.type, in_row, i);
      // Each pair at its axis's position (identity pairs at 0); a shift is a pure forward rotation by
      // the signed delta.
      std::vector<double> pair_position(pairs);
      for (std::size_t j = 0; j < pairs; ++j) {
        const std::uint8_t axis = map != nullptr ? (*map)[j] : 0;
        pair_position[j] = axis == cope::axis_map::none ? 0.0 : pos[t][axis];
      }
      const cope::direction dir = shift ? cope::direction::forward : a.dir;
      if (!cope::try_reference_rotate_per_pair(pure, a.pairing, dir, pair_position.data(), x.data(), y.data(),
                                               static_cast<int>(d), static_cast<int>(window))
               .ok())
        fail("the reference refused an accepted call");
      const double scale = shift ? 1.0 : dir == cope::direction::forward ? s.attention_factor : 1.0 / s.attention_factor;
      for (std::size_t i = 0; i < d; ++i) {
        const double got = load(out.type, out_row, i);
        if (i < window || i >= window + 2 * pairs) {
          // Outside the window: copied (converted once to the output type).
          if (!(std::abs(got - x[i]) <= half_ulp(out.type, x[i])))
            fail("a dimension outside the rotary window changed");
          continue;
        }
        const std::size_t r = i - window;
        const std::size_t j = a.pairing == cope::layout::rotate_half ? r % pairs : r / 2;
        const std::size_t ix = window + (a.pairing == cope::layout::rotate_half ? j : 2 * j);
        const std::size_t iy = window + (a.pairing == cope::layout::rotate_half ? j + pairs : 2 * j + 1);
        const double norm = std::hypot(x[ix], x[iy]) * scale;
        const double allowed = half_ulp(out.type, y[i]) + (shift ? 8e-7 : 4e-7) * norm + 1e-30;
        const double largest = out.type == cope::dtype::f16 ? 65520.0 : 3.3895313892515355e38;  // rounds to inf
        if (std::isinf(got) && std::abs(y[i]) >= largest * (1 - 1e-6) && (got > 0) == (y[i] > 0)) continue;
        if (!(std::abs(got - y[i]) <= allowed)) {
          std::fprintf(stderr, "token %zu head %zu dim %zu: got %.9g, reference %.9g, allowed %.3g\n", t, h, i, got, y[i],
                       allowed);
          fail("an output element is beyond the bound");
        }
      }
    }
}

// A shift's delta: either sign (INT64_MIN kept as it is).
std::int64_t signed_delta(input& in, std::int64_t typical) {
  const std::int64_t v = in.int64(typical);
  return in.flag() || v == INT64_MIN ? v : -v;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  __sanitizer_install_malloc_and_free_hooks(count_malloc, ignore_free);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  input in(data, size);
  const int op = in.byte() % 4;  // 0, 1: apply (spectrum, table); 2, 3: shift (spectrum, table)
  const bool shift = op >= 2, from_table = op % 2 == 1;
  std::size_t rotary_dim = 0;
  const cope::spectrum s = make_spectrum(in, rotary_dim);
  const cope::result<cope::rope_table> table = cope::try_make_table(s, 1 + in.below(64));
  if (from_table && !table.ok()) return 0;

  // Storage types: the supported pairs, sometimes one that is not.
  const cope::dtype types[] = {cope::dtype::f32, cope::dtype::f16, cope::dtype::bf16};
  cope::dtype tin = types[in.below(3)], tout = tin;
  if (!shift && in.below(4) == 0) tout = types[in.below(3)];

  const std::size_t tokens = in.below(5) == 0 ? 0 : 1 + in.below(8);
  const std::size_t q_heads = in.below(16) == 0 ? 0 : 1 + in.below(4), k_heads = in.below(4);
  const std::size_t offset = in.below(3) == 0 ? in.below(6) : 0;
  const std::size_t head_dim = offset + rotary_dim + (in.flag() ? in.below(6) : 0);

  for (std::size_t& u : used) u = 0;
  cope::rope_args a;
  cope::shift_args sa;
  const bool in_place = shift || in.flag();
  const bool fused = in.below(3) == 0;  // q and k in one [tokens, heads, 3, d] or [tokens, 3, heads, d] buffer
  geometry gq = make_geometry(in, tokens, q_heads, head_dim), gk = make_geometry(in, tokens, k_heads, head_dim);
  cope::tensor_view q = place(in, 0, gq, tin), k = place(in, 1, gk, tin);
  if (fused && q_heads > 0) {
    const auto d = static_cast<std::int64_t>(head_dim), h = static_cast<std::int64_t>(q_heads);
    const bool neox = in.flag();
    gq = {tokens, q_heads, head_dim, 3 * h * d, neox ? 3 * d : d};
    gk = gq;
    // The whole [tokens, 3 * heads * d] buffer, q at its start and k one head_dim (NeoX) or one block on.
    const cope::tensor_view all = place(in, 0, {tokens, 1, static_cast<std::size_t>(3 * h * d), 3 * h * d, 0}, tin);
    q = {all.data, tin, tokens, q_heads, head_dim, static_cast<std::ptrdiff_t>(gq.token_stride),
         static_cast<std::ptrdiff_t>(gq.head_stride), all.capacity};
    const std::size_t k_offset = static_cast<std::size_t>(neox ? d : h * d);
    k = q;
    if (q.data != nullptr) {
      k.data = static_cast<char*>(q.data) + k_offset * cope::size_of(tin);
      k.capacity = q.capacity - k_offset;
    }
    if (in.flag()) k.token_stride += static_cast<std::ptrdiff_t>(in.below(3)) - 1;  // sometimes wrong: overlapping
  }
  if (k_heads == 0 && !fused) k = {};
  cope::tensor_view q_out = q, k_out = k;
  if (!in_place) {
    q_out = place(in, 2, {tokens, q.heads, head_dim, gq.token_stride, gq.head_stride}, tout);
    if (k.data != nullptr) k_out = place(in, 3, {tokens, k.heads, head_dim, gk.token_stride, gk.head_stride}, tout);
    if (in.below(8) == 0 && q.data != nullptr) {  // an output overlapping the input (capacity stated, > 0)
      const std::size_t room = region(region_of(q.data)).bytes_from(q.data);
      void* at = static_cast<char*>(q.data) + in.below(64) % room;
      const std::size_t capacity = region(region_of(q.data)).bytes_from(at) / cope::size_of(tout);
      if (capacity > 0) {
        q_out.data = at;
        q_out.capacity = capacity;
      }
    }
  }
  for (int r = 0; r < 4; ++r) fill(in, r, r < 2 ? tin : tout);

  // Positions.
  std::int64_t ids64[8];
  std::int32_t ids32[8];
  std::int64_t indptr64[5], offsets64[4];
  std::int32_t indptr32[5], offsets32[4];
  const std::int64_t typical = from_table ? static_cast<std::int64_t>(table->positions) - 1 : 300;
  for (std::size_t t = 0; t < 8; ++t) {
    ids64[t] = shift ? signed_delta(in, typical) : in.int64(typical);
    ids32[t] = static_cast<std::int32_t>(ids64[t]);
  }
  const std::size_t requests = in.below(4);
  indptr64[0] = 0;
  for (std::size_t r = 1; r <= requests; ++r)
    indptr64[r] = in.below(8) == 0 ? in.int64(8) : std::min<std::int64_t>(indptr64[r - 1] + in.below(5), static_cast<std::int64_t>(tokens));
  if (requests > 0 && in.flag()) indptr64[requests] = static_cast<std::int64_t>(tokens);
  for (std::size_t r = 0; r < 4; ++r) offsets64[r] = in.int64(typical / 2);
  for (std::size_t r = 0; r < 5; ++r) indptr32[r] = static_cast<std::int32_t>(indptr64[r]);
  for (std::size_t r = 0; r < 4; ++r) offsets32[r] = static_cast<std::int32_t>(offsets64[r]);
  const std::size_t count = in.below(8) == 0 ? in.below(9) : tokens;
  // Float32 forms: integers, or with a fraction (quarters; sometimes a tiny one, which the exactness
  // rule of ragged offsets rejects); multi-axis: 0 to 5 streams (1 to 4 valid), axis- or token-major,
  // sometimes wild strides.
  float idsf[8], offsetsf[4];
  for (std::size_t t = 0; t < 8; ++t)
    idsf[t] = static_cast<float>(ids64[t] % (1 << 24)) + (in.flag() ? 0.25f * static_cast<float>(in.below(4)) : 0.0f);
  for (std::size_t r = 0; r < 4; ++r)
    offsetsf[r] = static_cast<float>(offsets64[r] % (1 << 24)) + (in.below(4) == 0 ? 0x1p-20f : in.flag() ? 0.5f : 0.0f);
  std::int32_t axes32[40];
  std::int64_t axes64[40];
  float axesf[40];
  for (std::size_t i = 0; i < 40; ++i) {
    axes64[i] = in.below(3) == 0 ? ids64[i % 8] : signed_delta(in, typical);  // either sign
    axes32[i] = static_cast<std::int32_t>(axes64[i]);
    axesf[i] = static_cast<float>(axes64[i] % (1 << 24)) + (in.flag() ? 0.5f : 0.0f);
  }
  const std::size_t axes = in.below(6);
  const bool token_major = in.flag();
  std::ptrdiff_t axis_stride = token_major ? 1 : static_cast<std::ptrdiff_t>(tokens);
  std::ptrdiff_t token_stride = token_major ? static_cast<std::ptrdiff_t>(axes) : 1;
  if (in.below(8) == 0) {  // other strides: small ones, or a negative one (rejected before any read)
    axis_stride = in.below(16) == 0 ? -1 : static_cast<std::ptrdiff_t>(in.below(9));
    token_stride = static_cast<std::ptrdiff_t>(in.below(9));
  }
  // The arrays hold 40 positions: a layout reaching further is broadcast (strides 0) instead.
  if (axes > 0 && tokens > 0 && axis_stride >= 0 &&
      static_cast<std::size_t>(axis_stride) * (axes - 1) + static_cast<std::size_t>(token_stride) * (tokens - 1) >= 40)
    axis_stride = token_stride = 0;
  cope::positions pos;
  switch (in.byte() % 10) {
    case 0: pos = cope::positions::from_offset(in.int64(typical)); break;
    case 1: pos = cope::positions::from_ids(count == 0 && in.flag() ? nullptr : ids32, count); break;
    case 2: pos = cope::positions::from_ids(count == 0 && in.flag() ? nullptr : ids64, count); break;
    case 3: pos = cope::positions::ragged(indptr32, offsets32, requests); break;
    case 4: pos = cope::positions::ragged(indptr64, offsets64, requests); break;
    case 5: pos = cope::positions::from_ids(count == 0 && in.flag() ? nullptr : idsf, count); break;
    case 6: pos = cope::positions::ragged(indptr32, offsetsf, requests); break;
    case 7: pos = cope::positions::multi_axis(axes32, axes, count, axis_stride, token_stride); break;
    case 8: pos = cope::positions::multi_axis(axes64, axes, count, axis_stride, token_stride); break;
    default: pos = cope::positions::multi_axis(axesf, axes, count, axis_stride, token_stride); break;
  }
  // A pair-to-axis map (any family, any list with identity pairs; sometimes the wrong length), or none.
  cope::axis_map map;
  bool has_map = false;
  if (pos.is_multi_axis() ? in.below(16) != 0 : in.below(4) == 0) {
    const std::size_t pairs = rotary_dim / 2 + (in.below(16) == 0 ? 1 : 0);
    std::uint8_t list[cope::axis_map::max_pairs];
    const std::uint8_t reach = static_cast<std::uint8_t>(1 + in.below(4));
    for (std::size_t j = 0; j < pairs && j < cope::axis_map::max_pairs; ++j)
      list[j] = in.below(8) == 0 ? cope::axis_map::none : static_cast<std::uint8_t>(in.below(reach));
    const int p = static_cast<int>(pairs), third = p / 3;
    cope::result<cope::axis_map> m = cope::axis_map::try_from_axes(list, pairs);
    switch (in.byte() % 4) {
      case 0: m = cope::axis_map::try_sectioned({third, third, p - 2 * third}); break;
      case 1: m = cope::axis_map::try_interleaved({p - 2 * third, third, third}); break;
      case 2: m = cope::axis_map::try_hope({p - 2 * (third / 2) * 2, (third / 2) * 2, (third / 2) * 2}); break;
      default: break;
    }
    if (m.ok()) {
      map = *m;
      has_map = true;
    }
  }
  cope::position_delta delta;
  switch (in.byte() % 3) {
    case 0: delta = cope::position_delta::constant(signed_delta(in, typical)); break;
    case 1: delta = cope::position_delta::per_token(ids32, count); break;
    default: delta = cope::position_delta::per_token(ids64, count); break;
  }

  a = cope::rope_args::out_of_place(q, q_out, k, k_out, pos, in.flag() ? cope::layout::interleaved : cope::layout::rotate_half);
  a.dir = in.flag() ? cope::direction::inverse : cope::direction::forward;
  a.rotary_offset = offset;
  if (has_map) a.pair_axes = &map;
  if (in.below(4) == 0) {
    a.token_begin = in.below(10);
    a.token_end = in.flag() ? cope::all_tokens : in.below(10);
  }
  sa = cope::shift_args::make(q, delta, a.pairing);
  sa.rotary_offset = a.rotary_offset;
  sa.token_begin = a.token_begin;
  sa.token_end = a.token_end;
  if (has_map) sa.pair_axes = &map;

  auto describe_view = [](const char* name, const cope::const_tensor_view& v) {
    char line[256];
    std::snprintf(line, sizeof line, "%s: data %p %s tokens %zu heads %zu head_dim %zu token_stride %td head_stride %td capacity %zu\n",
                  name, v.data, cope::to_string(v.type), v.tokens, v.heads, v.head_dim, v.token_stride, v.head_stride, v.capacity);
    return std::string(line);
  };
  char head[256];
  std::snprintf(head, sizeof head, "op %d (shift %d, table %d), rotary_dim %zu, offset %zu, pairing %d, dir %d, range [%zu, %zu), position kind %d, requests %zu\n",
                op, shift, from_table, rotary_dim, offset, static_cast<int>(a.pairing), static_cast<int>(a.dir), a.token_begin,
                a.token_end, static_cast<int>(pos.kind), requests);
  scenario = head + describe_view("q", q) + describe_view("q_out", q_out) + describe_view("k", k) + describe_view("k_out", k_out);
  if (std::getenv("COPE_FUZZ_VERBOSE") != nullptr) std::fputs(scenario.c_str(), stderr);  // replaying one input

  std::vector<char> before[4];
  for (int r = 0; r < 4; ++r) before[r] = snapshot(r);
  allocations = 0;
  cope::status st;
  if (shift)
    st = from_table ? cope::try_shift_keys(table->view(), sa) : cope::try_shift_keys(s, sa);
  else
    st = from_table ? cope::try_apply_rope(table->view(), a) : cope::try_apply_rope(s, a);
  const long allocated = allocations;

  if (!st.ok()) {
    for (int r = 0; r < 4; ++r)
      if (snapshot(r) != before[r]) fail("an error wrote to a buffer");
    if (st.message().empty()) fail("an error without a message");
    return 0;
  }
  if (allocated != 0) fail("an accepted call allocated");
  if (tokens == 0) {
    for (int r = 0; r < 4; ++r)
      if (snapshot(r) != before[r]) fail("an empty batch wrote to a buffer");
    return 0;
  }
  // The reference positions (shift: the deltas), per axis.
  std::vector<std::array<double, cope::max_axes>> positions(tokens);
  const std::size_t end = a.token_end == cope::all_tokens ? tokens : a.token_end;
  for (std::size_t t = a.token_begin; t < end; ++t) {
    if (shift) {
      const std::int64_t v = delta.kind == cope::delta_kind::constant ? delta.value
                             : delta.kind == cope::delta_kind::per_token_i32 ? ids32[t]
                                                                              : ids64[t];
      positions[t].fill(static_cast<double>(v));
    } else {
      positions[t] = position_of(pos, t);
    }
  }
  const cope::spectrum& angles = s;  // a table holds the same spectrum's rows
  auto check = [&](const cope::const_tensor_view& x, const cope::tensor_view& y) {
    const int rx = region_of(x.data), ry = region_of(y.data);
    check_output(angles, x, before[rx], rx, y, before[ry], ry, a, shift, positions,
                 shift ? sa.pair_axes : a.pair_axes);
  };
  if (shift) {
    check(q, q);
    return 0;
  }
  check(q, q_out);
  if (k.data != nullptr) check(k, k_out);
  return 0;
}
