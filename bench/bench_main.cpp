// cope microbenchmarks (design §6): every case is judged against a baseline measured in the same run —
// a memory floor over the case's own buffers (in-place read-modify-write: `x[i] *= c` for 4-byte, a
// sign flip for 2-byte elements; or a copy loop) or a naive implementation — never as an absolute time.
//
// Each case runs its baseline and itself in alternating passes inside the same benchmark (the shared
// 2-core machine's memory bandwidth drifts by tens of percent over minutes, so a floor measured
// earlier in the run is no fair yardstick), and reports `floor_ratio` = median baseline pass / median
// case pass (1.0 = memory speed) or `speedup` for naive baselines. Google Benchmark's time column is
// the case pass alone. A goal table (issue #4) closes the report.
//
//   build/bench/cope_bench                                  all cases
//   build/bench/cope_bench --benchmark_filter=decode        a subset
#include <benchmark/benchmark.h>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "cope/cope.hpp"
#include "cope/fused.hpp"
#include "cope/mrope_index.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

constexpr std::size_t heads = 32, head_dim = 128;

// ---- goals: which counter of which case issue #4 sets a bar for -------------------------------

struct goal {
  const char* counter;  // "floor_ratio" or "speedup"
  double at_least;
};
std::multimap<std::string, goal>& goals() {  // a case may have goals on several counters
  static std::multimap<std::string, goal> m;
  return m;
}

void add(const std::string& name, std::function<void(benchmark::State&)> fn, const char* counter = nullptr,
         double at_least = 0) {
  benchmark::RegisterBenchmark(name.c_str(), [fn](benchmark::State& st) { fn(st); })
      ->Unit(benchmark::kMicrosecond)
      ->UseManualTime();
  if (counter != nullptr && at_least > 0) goals().emplace(name, goal{counter, at_least});
}
void add_goal(const std::string& name, const char* counter, double at_least) {
  goals().emplace(name, goal{counter, at_least});
}

// Alternates baseline and work passes (each `batch` calls), times both, reports the work pass as the
// iteration time (and the time per call as s_per_call when batched) and the ratio of medians as
// `counter`.
void paired(benchmark::State& st, const std::function<void()>& baseline, const std::function<void()>& work,
            const char* counter, int batch = 1) {
  using clock = std::chrono::steady_clock;
  std::vector<double> base_times, work_times;
  for (auto _ : st) {
    const auto t0 = clock::now();
    for (int i = 0; i < batch; ++i) baseline();
    benchmark::ClobberMemory();
    const auto t1 = clock::now();
    for (int i = 0; i < batch; ++i) work();
    benchmark::ClobberMemory();
    const auto t2 = clock::now();
    base_times.push_back(std::chrono::duration<double>(t1 - t0).count());
    work_times.push_back(std::chrono::duration<double>(t2 - t1).count());
    st.SetIterationTime(work_times.back());
  }
  auto median = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  if (work_times.empty()) return;
  st.counters[counter] = median(base_times) / median(work_times);
  if (batch > 1) st.counters["s_per_call"] = median(work_times) / batch;
}

// Alternates the case's work with each of its baselines (one pass each, in turn), and reports for each
// baseline median baseline pass / median work pass under the baseline's counter name.
struct baseline {
  const char* counter;
  std::function<void()> pass;
};
void compared(benchmark::State& st, const std::function<void()>& work, const std::vector<baseline>& baselines) {
  using clock = std::chrono::steady_clock;
  std::vector<std::vector<double>> base_times(baselines.size());
  std::vector<double> work_times;
  for (auto _ : st) {
    for (std::size_t b = 0; b < baselines.size(); ++b) {
      const auto t0 = clock::now();
      baselines[b].pass();
      benchmark::ClobberMemory();
      base_times[b].push_back(std::chrono::duration<double>(clock::now() - t0).count());
    }
    const auto t0 = clock::now();
    work();
    benchmark::ClobberMemory();
    work_times.push_back(std::chrono::duration<double>(clock::now() - t0).count());
    st.SetIterationTime(work_times.back());
  }
  auto median = [](std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  if (work_times.empty()) return;
  for (std::size_t b = 0; b < baselines.size(); ++b) st.counters[baselines[b].counter] = median(base_times[b]) / median(work_times);
}

// ---- buffers ------------------------------------------------------------------------------------

struct aligned_deleter {
  void operator()(void* p) const { std::free(p); }
};
using bytes = std::unique_ptr<unsigned char, aligned_deleter>;
bytes allocate(std::size_t n) {
  void* p = std::aligned_alloc(64, (n + 63) / 64 * 64);
  std::memset(p, 0, n);
  return bytes(static_cast<unsigned char*>(p));
}
void fill(void* data, cope::dtype t, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const float v = std::sin(0.001f * static_cast<float>(i % 100003)) + 0.5f;
    if (t == cope::dtype::f32) static_cast<float*>(data)[i] = v;
    if (t == cope::dtype::f16) static_cast<cope::float16*>(data)[i] = cope::to_float16(v);
    if (t == cope::dtype::bf16) static_cast<cope::bfloat16*>(data)[i] = cope::to_bfloat16(v);
  }
}

void set_rates(benchmark::State& st, std::size_t tokens, std::size_t tensor_bytes) {
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations()) * static_cast<std::int64_t>(tensor_bytes));
  // Seconds per token, printed with an SI prefix (e.g. "180n" is 180 ns per token).
  st.counters["s_per_token"] = benchmark::Counter(static_cast<double>(st.iterations()) * static_cast<double>(tokens),
                                                  benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// ---- floors: in-place read-modify-write and copy ----------------------------------------------------

// The in-place f32 floor, x *= c then c = 1 / c, with explicit 512-bit vectors four per step where the
// machine has them: faster here than the loop as GCC 12 vectorizes it (floor_methods measures both;
// docs/performance.md), so the floor every f32 in-place case is paired with.
void inplace_f32_explicit(float* x, std::size_t n, float& c) {
  std::size_t i = 0;
#if defined(__AVX512F__)
  const __m512 cv = _mm512_set1_ps(c);
  for (; i + 64 <= n; i += 64) {
    const __m512 a = _mm512_mul_ps(_mm512_loadu_ps(x + i), cv), b = _mm512_mul_ps(_mm512_loadu_ps(x + i + 16), cv);
    const __m512 e = _mm512_mul_ps(_mm512_loadu_ps(x + i + 32), cv), d = _mm512_mul_ps(_mm512_loadu_ps(x + i + 48), cv);
    _mm512_storeu_ps(x + i, a);
    _mm512_storeu_ps(x + i + 16, b);
    _mm512_storeu_ps(x + i + 32, e);
    _mm512_storeu_ps(x + i + 48, d);
  }
#endif
  for (; i < n; ++i) x[i] *= c;
  c = 1.0f / c;
}

// The in-place floor multiplies 4-byte elements by c (c and 1/c in turn, so values stay put) and flips
// the sign bit of 2-byte ones; the copy floor copies. Either over its own buffers or over a case's (the
// apply cases: the floor then runs over exactly the case's bytes and the pair's working set is the
// case's alone — with separate buffers, a 512-token out-of-place pair needed 4 x 8 MB, the whole L3).
struct floor_pass {
  std::string kind;  // "inplace" or "copy"
  std::size_t element, n;
  bytes own_a, own_b;
  unsigned char* a = nullptr;
  unsigned char* b = nullptr;
  float c = 0.999f;
  floor_pass(std::string k, std::size_t elem, std::size_t count)
      : kind(std::move(k)), element(elem), n(count), own_a(allocate(count * elem)), own_b(allocate(count * elem)),
        a(own_a.get()), b(own_b.get()) {
    fill(a, elem == 4 ? cope::dtype::f32 : cope::dtype::bf16, n);
  }
  // Over a case's buffers: `data` (in place; source of the copy) and `copy_to` (the copy's target).
  floor_pass(std::string k, std::size_t elem, std::size_t count, void* data, void* copy_to)
      : kind(std::move(k)), element(elem), n(count), a(static_cast<unsigned char*>(data)),
        b(static_cast<unsigned char*>(copy_to)) {}
  void operator()() {
    if (element == 4 && kind == "inplace") {
      inplace_f32_explicit(reinterpret_cast<float*>(a), n, c);
    } else if (element == 4) {
      const float* x = reinterpret_cast<const float*>(a);
      float* y = reinterpret_cast<float*>(b);
      for (std::size_t i = 0; i < n; ++i) y[i] = x[i];
    } else if (kind == "inplace") {
      std::uint16_t* x = reinterpret_cast<std::uint16_t*>(a);
      for (std::size_t i = 0; i < n; ++i) x[i] ^= 0x8000;
    } else {
      const std::uint16_t* x = reinterpret_cast<const std::uint16_t*>(a);
      std::uint16_t* y = reinterpret_cast<std::uint16_t*>(b);
      for (std::size_t i = 0; i < n; ++i) y[i] = x[i];
    }
  }
};

std::string floor_name(const char* kind, std::size_t element, std::size_t tokens) {
  return std::string("floor/") + kind + "/" + std::to_string(element) + "B/" + std::to_string(tokens);
}

void register_floors(std::size_t tokens) {
  const std::size_t n = tokens * heads * head_dim;
  for (const char* kind : {"inplace", "copy"})
    for (std::size_t element : {std::size_t{4}, std::size_t{2}})
      add(floor_name(kind, element, tokens), [=](benchmark::State& st) {
        floor_pass pass(kind, element, n);
        for (auto _ : st) {
          const auto t0 = std::chrono::steady_clock::now();
          pass();
          benchmark::ClobberMemory();
          st.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        set_rates(st, tokens, n * element);
      });
}

// ---- the conversion ceiling of 2-byte cases ---------------------------------------------------------
//
// A kernel that rotates f16/bf16 in float32 arithmetic must at least widen every element and narrow it
// back. This pass does only that (x = narrow(widen(x) * c), in place, on the widest vectors the machine
// has, in the cheapest form known for each type), so its ratio to the 2-byte floor bounds from above
// what such a kernel can reach on this machine; measured in the same run as the cases it bounds.
void convert_round_trip(void* data, cope::dtype t, std::size_t n, float c) {
  std::size_t i = 0;
#if defined(__AVX512F__) && defined(__AVX512BW__)
  // The zero-masking forms with a full mask: GCC 12 warns inside the plain ones (cope's arch/avx512.hpp).
  const __m512 cv = _mm512_set1_ps(c);
  const __mmask16 all = 0xFFFF;
  if (t == cope::dtype::f16) {  // the conversion instructions (without AVX512-FP16 there is no other way)
    for (; i + 16 <= n; i += 16) {
      __m256i* p = reinterpret_cast<__m256i*>(static_cast<std::uint16_t*>(data) + i);
      const __m512 x = _mm512_maskz_cvtph_ps(all, _mm256_loadu_si256(p));
      _mm256_storeu_si256(p, _mm512_maskz_cvtps_ph(all, _mm512_mul_ps(x, cv), _MM_FROUND_TO_NEAREST_INT));
    }
  } else {  // bf16 as cope's AVX-512 kernels take it: each 32-bit lane split into its two halves by a
            // shift and a mask, no shuffle; narrowed by truncation (a lower bound on the work of rounding)
    const __m512i top = _mm512_set1_epi32(static_cast<int>(0xFFFF0000u));
    for (; i + 32 <= n; i += 32) {
      std::uint16_t* p = static_cast<std::uint16_t*>(data) + i;
      const __m512i v = _mm512_loadu_si512(p);
      const __m512 even = _mm512_mul_ps(_mm512_castsi512_ps(_mm512_maskz_slli_epi32(all, v, 16)), cv);
      const __m512 odd = _mm512_mul_ps(_mm512_castsi512_ps(_mm512_and_si512(v, top)), cv);
      _mm512_storeu_si512(p, _mm512_ternarylogic_epi32(_mm512_maskz_srli_epi32(all, _mm512_castps_si512(even), 16),
                                                       _mm512_castps_si512(odd), top, 0xD8));  // odd where top, else even
    }
  }
#endif
  for (; i < n; ++i) {
    if (t == cope::dtype::f16) {
      auto* x = static_cast<cope::float16*>(data) + i;
      *x = cope::to_float16(cope::to_float(*x) * c);
    } else {
      auto* x = static_cast<cope::bfloat16*>(data) + i;
      *x = cope::to_bfloat16(cope::to_float(*x) * c);
    }
  }
}

void register_conversion_ceilings(std::size_t tokens) {
  for (cope::dtype t : {cope::dtype::f16, cope::dtype::bf16})
    add(std::string("ceiling/") + cope::to_string(t) + "/convert_round_trip/inplace/" + std::to_string(tokens),
        [=](benchmark::State& st) {
          const std::size_t n = tokens * heads * head_dim;
          bytes a = allocate(n * 2);
          fill(a.get(), t, n);
          floor_pass floor("inplace", 2, n, a.get(), nullptr);
          float c = 0.999f;
          paired(st, std::ref(floor), [&] { convert_round_trip(a.get(), t, n, c); c = 1.0f / c; }, "floor_ratio");
          set_rates(st, tokens, n * 2);
          st.SetLabel("no rotation: the bound for f32-arithmetic kernels on " + std::string(cope::to_string(t)));
        });
}

// ---- naive baselines ------------------------------------------------------------------------------

// The plain scalar loop over a precomputed float32 table (row p: cos then sin), compiled -O3.
void naive_apply(float* q, std::size_t tokens, std::int64_t start, const float* table, std::size_t pairs,
                 bool interleaved) {
  for (std::size_t t = 0; t < tokens; ++t) {
    const float* c = table + static_cast<std::size_t>(start + static_cast<std::int64_t>(t)) * 2 * pairs;
    const float* s = c + pairs;
    for (std::size_t h = 0; h < heads; ++h) {
      float* x = q + (t * heads + h) * head_dim;
      for (std::size_t j = 0; j < pairs; ++j) {
        const std::size_t ix = interleaved ? 2 * j : j, iy = interleaved ? 2 * j + 1 : j + pairs;
        const float a = x[ix], b = x[iy];
        x[ix] = a * c[j] - b * s[j];
        x[iy] = a * s[j] + b * c[j];
      }
    }
  }
}

// The naive table row: double pow, cos and sin per element.
void naive_row(double base, std::size_t pairs, std::int64_t position, float* row) {
  for (std::size_t j = 0; j < pairs; ++j) {
    const double inv_freq = 1.0 / std::pow(base, static_cast<double>(2 * j) / static_cast<double>(2 * pairs));
    const double angle = static_cast<double>(position) * inv_freq;
    row[j] = static_cast<float>(std::cos(angle));
    row[pairs + j] = static_cast<float>(std::sin(angle));
  }
}

// ---- cope cases -----------------------------------------------------------------------------------

struct apply_case {
  std::size_t tokens = 16384;
  cope::layout pairing = cope::layout::rotate_half;
  cope::dtype type = cope::dtype::f32;
  bool use_table = true;
  bool in_place = true;
  bool ids = false;
  bool unchecked = false;  // apply_rope_unchecked instead of the checked call (table cases)
  std::size_t rotary_dim = head_dim;
  std::size_t k_heads = 0;  // GQA: k heads rotated in the same call
  std::int64_t start = 0;
};

std::string case_name(const apply_case& c) {
  std::string n = std::string("apply/") + cope::to_string(c.type) + "/" + (c.use_table ? "table" : "on_the_fly") + "/" +
                  cope::to_string(c.pairing) + "/" + (c.in_place ? "inplace" : "out_of_place");
  if (c.ids) n += "/position_ids";
  if (c.rotary_dim != head_dim) n += "/rotary" + std::to_string(c.rotary_dim);
  if (c.k_heads) n += "/q32+k" + std::to_string(c.k_heads);
  if (c.unchecked) n += "/unchecked";
  return n + "/" + std::to_string(c.tokens);
}

// A case's buffers and the call that rotates them.
struct apply_work {
  apply_case c;
  cope::spectrum s;
  cope::rope_table table;
  bytes q, out, k;
  std::vector<std::int32_t> ids;
  cope::rope_args args;
  std::size_t tensor_bytes = 0;

  explicit apply_work(const apply_case& config) : c(config) {
    s = cope::rope_default(static_cast<int>(head_dim), {1e4, static_cast<double>(c.rotary_dim) / head_dim});
    if (c.use_table) table = cope::make_table(s, c.start + static_cast<std::int64_t>(c.tokens));
    const std::size_t n = c.tokens * heads * head_dim, kn = c.tokens * c.k_heads * head_dim;
    const std::size_t element = cope::size_of(c.type);
    q = allocate(n * element);
    fill(q.get(), c.type, n);
    if (!c.in_place) out = allocate(n * element);
    if (kn) {
      k = allocate(kn * element);
      fill(k.get(), c.type, kn);
    }
    ids.resize(c.tokens);
    for (std::size_t t = 0; t < c.tokens; ++t) ids[t] = static_cast<std::int32_t>(c.start + static_cast<std::int64_t>(t));
    const cope::tensor_view qv{q.get(), c.type, c.tokens, heads, head_dim, static_cast<std::ptrdiff_t>(heads * head_dim),
                               static_cast<std::ptrdiff_t>(head_dim), n};
    cope::tensor_view q_out = qv;
    if (!c.in_place) q_out.data = out.get();
    const cope::tensor_view kv{k.get(), c.type, c.tokens, c.k_heads, head_dim,
                               static_cast<std::ptrdiff_t>(c.k_heads * head_dim), static_cast<std::ptrdiff_t>(head_dim), kn};
    args = cope::rope_args::out_of_place(
        qv, q_out, kn ? cope::const_tensor_view(kv) : cope::const_tensor_view(), kn ? kv : cope::tensor_view(),
        c.ids ? cope::positions::from_ids(ids.data(), c.tokens) : cope::positions::from_offset(c.start), c.pairing);
    tensor_bytes = (n + kn) * element;
  }
  void operator()() {
    if (c.unchecked) return cope::apply_rope_unchecked(table.view(), args);
    const cope::status r = c.use_table ? cope::try_apply_rope(table.view(), args) : cope::try_apply_rope(s, args);
    if (!r) std::abort();
  }
};

// A case of q alone (no k), paired with the floor over its own buffers; f16 / bf16 in place also with
// their conversion ceiling over the same buffer (vs_ceiling = median ceiling pass / median case pass).
void register_apply(const apply_case& c, const char* floor_kind, std::size_t floor_element, double at_least) {
  const bool two_byte_in_place = c.in_place && c.type != cope::dtype::f32;
  add(case_name(c), [=](benchmark::State& st) {
    apply_work work(c);
    floor_pass floor(floor_kind, floor_element, work.tensor_bytes / floor_element, work.q.get(),
                     c.in_place ? nullptr : work.out.get());
    float k = 0.999f;
    auto ceiling = [&] {
      convert_round_trip(work.q.get(), c.type, work.tensor_bytes / 2, k);
      k = 1.0f / k;
    };
    if (two_byte_in_place)
      compared(st, std::ref(work), {{"floor_ratio", std::ref(floor)}, {"vs_ceiling", ceiling}});
    else
      paired(st, std::ref(floor), std::ref(work), "floor_ratio");
    set_rates(st, c.tokens, work.tensor_bytes);
    st.SetLabel(std::string(cope::active_isa()) + " vs " + floor_name(floor_kind, floor_element, c.tokens));
  }, "floor_ratio", at_least);
  if (two_byte_in_place && c.tokens == 512) add_goal(case_name(c), "vs_ceiling", 0.95);
}

// The 1-D f32 in-place cases at `tokens` (table and on the fly, both layouts, 32 heads x 128, each over
// its own buffers) and the in-place floor in both forms (auto-vectorized, explicit 512-bit; its own
// buffer), measured two ways in one run: standalone (each one's passes back to back, after a warm-up
// pass) and round-robin (one pass of each in turn, as many rounds). Reported per case and method:
// the faster floor form's median pass / the case's median pass (sa:... and rr:...), each floor form's
// median ns per token, and that of the on-the-fly cases' angles alone (angles_ns). The paired
// floor_ratio of the apply/ cases is the third method.
void register_floor_methods(std::size_t tokens) {
  const std::string name = "floor_methods/f32/inplace/" + std::to_string(tokens);
  benchmark::RegisterBenchmark(name.c_str(), [tokens](benchmark::State& st) {
    using clock = std::chrono::steady_clock;
    struct entry {
      std::string name;
      std::function<void()> pass;
      std::vector<double> alone, round_robin;
    };
    const std::size_t n = tokens * heads * head_dim;
    bytes auto_bytes = allocate(n * 4), own = allocate(n * 4);
    fill(auto_bytes.get(), cope::dtype::f32, n);
    fill(own.get(), cope::dtype::f32, n);
    float c = 0.999f, c_auto = 0.999f;
    auto auto_floor = [&] {  // the loop as GCC vectorizes it for this machine
      float* x = reinterpret_cast<float*>(auto_bytes.get());
      for (std::size_t i = 0; i < n; ++i) x[i] *= c_auto;
      c_auto = 1.0f / c_auto;
    };
    std::vector<std::unique_ptr<apply_work>> works;
    std::vector<entry> entries;
    entries.push_back({"floor_auto", [&] { auto_floor(); }, {}, {}});
    entries.push_back({"floor_512", [&] { inplace_f32_explicit(reinterpret_cast<float*>(own.get()), n, c); }, {}, {}});
    // The on-the-fly cases' extra work, alone: the tokens' exact angles (their table rows, written once).
    const cope::spectrum angle_spectrum = cope::rope_default(static_cast<int>(head_dim), {1e4, 1.0});
    std::vector<float> angle_rows(tokens * head_dim);
    entries.push_back({"angles", [&] {
                         cope::fill_table(angle_spectrum, 0, static_cast<std::int64_t>(tokens), angle_rows.data(),
                                          static_cast<std::ptrdiff_t>(head_dim));
                       }, {}, {}});
    for (bool use_table : {true, false})
      for (cope::layout pairing : {cope::layout::rotate_half, cope::layout::interleaved}) {
        apply_case ac;
        ac.tokens = tokens;
        ac.pairing = pairing;
        ac.use_table = use_table;
        works.push_back(std::make_unique<apply_work>(ac));
        apply_work* w = works.back().get();
        entries.push_back({std::string(use_table ? "table/" : "on_the_fly/") + cope::to_string(pairing), [w] { (*w)(); }, {}, {}});
      }
    const int passes = static_cast<int>(st.range(0));
    auto timed = [](const std::function<void()>& f) {
      const auto t0 = clock::now();
      f();
      benchmark::ClobberMemory();
      return std::chrono::duration<double>(clock::now() - t0).count();
    };
    for (auto _ : st) {
      for (entry& e : entries) {
        e.pass();  // warm-up
        for (int i = 0; i < passes; ++i) e.alone.push_back(timed(e.pass));
      }
      for (int i = 0; i < passes; ++i)
        for (entry& e : entries) e.round_robin.push_back(timed(e.pass));
    }
    auto median = [](std::vector<double> v) {
      std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
      return v[v.size() / 2];
    };
    const double per_token = 1e9 / static_cast<double>(tokens);
    for (const char* method : {"sa", "rr"}) {
      const bool alone = method[0] == 's';
      const double fa = median(alone ? entries[0].alone : entries[0].round_robin);
      const double f512 = median(alone ? entries[1].alone : entries[1].round_robin);
      st.counters[std::string(method) + ":floor_auto_ns"] = fa * per_token;
      st.counters[std::string(method) + ":floor_512_ns"] = f512 * per_token;
      st.counters[std::string(method) + ":angles_ns"] = median(alone ? entries[2].alone : entries[2].round_robin) * per_token;
      for (std::size_t i = 3; i < entries.size(); ++i) {
        const double m = median(alone ? entries[i].alone : entries[i].round_robin);
        st.counters[std::string(method) + ":" + entries[i].name] = std::min(fa, f512) / m;
      }
    }
    st.SetLabel(std::string(cope::active_isa()) + " ratio = faster floor form / case, medians of " + std::to_string(passes) +
                " passes");
  })->Arg(9)->Iterations(1)->Unit(benchmark::kMillisecond);
}

void register_all() {
  for (std::size_t tokens : {16384, 512}) register_floors(tokens);
  register_floor_methods(16384);
  for (std::size_t tokens : {16384, 512}) register_conversion_ceilings(tokens);

  // The naive baseline: the plain scalar loop over a precomputed table, against the same floor.
  for (std::size_t tokens : {std::size_t{16384}, std::size_t{512}})
    for (cope::layout pairing : {cope::layout::rotate_half, cope::layout::interleaved}) {
      const std::string name = std::string("naive/apply/f32/table/") + cope::to_string(pairing) + "/inplace/" +
                               std::to_string(tokens);
      add(name, [tokens, pairing](benchmark::State& st) {
        const cope::spectrum s = cope::rope_default(static_cast<int>(head_dim), {1e4, 1.0});
        const cope::rope_table table = cope::make_table(s, static_cast<std::int64_t>(tokens));
        const std::size_t n = tokens * heads * head_dim;
        bytes q = allocate(n * 4);
        fill(q.get(), cope::dtype::f32, n);
        floor_pass floor("inplace", 4, n, q.get(), nullptr);
        paired(st, std::ref(floor), [&] {
          naive_apply(reinterpret_cast<float*>(q.get()), tokens, 0, table.values.data(), head_dim / 2,
                      pairing == cope::layout::interleaved);
        }, "floor_ratio");
        set_rates(st, tokens, n * 4);
      });
    }

  // The table build per position (exact angles, vectorized) against the naive double build.
  add("table_build/per_position/cope_vs_naive", [](benchmark::State& st) {
    const cope::spectrum s = cope::rope_default(static_cast<int>(head_dim), {1e4, 1.0});
    std::vector<float> row(head_dim), naive(head_dim);
    std::int64_t p = 0, q = 0;
    paired(st, [&] { naive_row(1e4, head_dim / 2, q++, naive.data()); benchmark::DoNotOptimize(naive.data()); },
           [&] { cope::fill_table(s, p++, 1, row.data(), static_cast<std::ptrdiff_t>(head_dim));
                 benchmark::DoNotOptimize(row.data()); },
           "speedup", 256);
    st.SetLabel(cope::active_isa());
  }, "speedup", 10.0);

  // Decode: one token at position 100000, 32 heads, exact angles on the fly, against the naive path
  // (naive row build, then the naive loop); through the checked call and the unchecked one.
  for (bool checked : {true, false})
  add(std::string("decode/1_token/32_heads/on_the_fly_vs_naive/") + (checked ? "checked" : "unchecked"),
      [checked](benchmark::State& st) {
    const std::int64_t position = 100000;
    const cope::spectrum s = cope::rope_default(static_cast<int>(head_dim), {1e4, 1.0});
    bytes q = allocate(heads * head_dim * 4), qn = allocate(heads * head_dim * 4);
    fill(q.get(), cope::dtype::f32, heads * head_dim);
    fill(qn.get(), cope::dtype::f32, heads * head_dim);
    std::vector<float> row(head_dim);
    const cope::rope_args args = cope::rope_args::in_place(
        {q.get(), cope::dtype::f32, 1, heads, head_dim, static_cast<std::ptrdiff_t>(heads * head_dim),
         static_cast<std::ptrdiff_t>(head_dim), heads * head_dim},
        {}, cope::positions::from_offset(position));
    paired(st, [&] {
      naive_row(1e4, head_dim / 2, position, row.data());
      naive_apply(reinterpret_cast<float*>(qn.get()), 1, 0, row.data(), head_dim / 2, false);
    }, [&] {
      if (checked)
        cope::apply_rope(s, args);
      else
        cope::apply_rope_unchecked(s, args);
    }, "speedup", 64);
    st.SetLabel(cope::active_isa());
  }, "speedup", 8.0);

  // The apply cases: f32 in place and out of place, both layouts; f16 / bf16; on the fly.
  for (std::size_t tokens : {std::size_t{16384}, std::size_t{512}})
    for (cope::layout pairing : {cope::layout::rotate_half, cope::layout::interleaved}) {
      apply_case c;
      c.tokens = tokens;
      c.pairing = pairing;
      register_apply(c, "inplace", 4, 0.90);
      c.in_place = false;
      register_apply(c, "copy", 4, 0.90);
      c.in_place = true;
      for (cope::dtype t : {cope::dtype::f16, cope::dtype::bf16}) {
        c.type = t;
        register_apply(c, "inplace", 2, 0.85);
      }
      c.type = cope::dtype::f32;
      c.use_table = false;
      register_apply(c, "inplace", 4, tokens == 16384 ? 0.80 : 0.0);
    }
  // Two tokens (64 KB, in L1/L2), unchecked: the kernel's own throughput with almost no memory traffic
  // and no per-call validation. Rotation needs a multiply and a fused multiply-add per element where the
  // floor needs one multiply, so this time per token bounds what larger batches can reach
  // (docs/performance.md).
  register_floors(2);
  for (cope::layout pairing : {cope::layout::rotate_half, cope::layout::interleaved}) {
    apply_case c;
    c.tokens = 2;
    c.pairing = pairing;
    c.unchecked = true;
    register_apply(c, "inplace", 4, 0.0);
  }
  // 32 tokens (256 KB of f16/bf16, 512 KB of f32: in L2), unchecked, with the conversion ceilings beside
  // them: the kernels' own speed where memory costs little, each call spread over 32 tokens. Where a
  // case takes longer per token here than its floor at 512 tokens allows for the goal, its instructions,
  // not memory, bound it there (docs/performance.md, "Status").
  register_floors(32);
  register_conversion_ceilings(32);
  for (cope::layout pairing : {cope::layout::rotate_half, cope::layout::interleaved})
    for (cope::dtype t : {cope::dtype::f32, cope::dtype::f16, cope::dtype::bf16}) {
      apply_case c;
      c.tokens = 32;
      c.pairing = pairing;
      c.type = t;
      c.unchecked = true;
      register_apply(c, "inplace", cope::size_of(t), 0.0);
    }
  // Per-token position ids and partial rotary (32 of 128 dims), against the in-place floor.
  for (std::size_t tokens : {std::size_t{16384}, std::size_t{512}}) {
    apply_case c;
    c.tokens = tokens;
    c.ids = true;
    register_apply(c, "inplace", 4, 0.0);
    c.ids = false;
    c.rotary_dim = 32;
    register_apply(c, "inplace", 4, 0.0);
  }
  // q (32 heads) + k (8 heads) in one call against two separate calls.
  for (std::size_t tokens : {std::size_t{16384}, std::size_t{512}}) {
    apply_case both;
    both.tokens = tokens;
    both.k_heads = 8;
    add(case_name(both) + "/one_call_vs_two", [both](benchmark::State& st) {
      apply_work one(both);
      apply_work two(both);  // the same buffers rotated by a q call and a k call
      cope::rope_args q_only = two.args, k_only = two.args;
      q_only.k = {};
      q_only.k_out = {};
      k_only.q = two.args.k;
      k_only.q_out = two.args.k_out;
      k_only.k = {};
      k_only.k_out = {};
      paired(st, [&] {
        cope::apply_rope(two.table.view(), q_only);
        cope::apply_rope(two.table.view(), k_only);
      }, std::ref(one), "speedup");
      set_rates(st, both.tokens, one.tensor_bytes);
      st.SetLabel(cope::active_isa());
    }, "speedup", 1.0);
  }
}

// ---- multi-axis RoPE against the 1-D call on the same shape ---------------------------------------
//
// A vision-language prompt's positions from the index builder ([3][tokens] int32: text, then images of
// 16 x 16 merged patches, 256 tokens each, between text runs), rotated with the model's map, paired with
// the 1-D call over the same buffers and spectrum with the t axis as per-token position_ids. The ratio
// vs_1d = median 1-D pass / median multi-axis pass (1.0: no cost for the extra axes).
struct mrope_shape {
  const char* name;
  std::size_t q_heads, kv_heads, dim;
  double partial;
  double theta;
  bool interleaved_map;
  int sections[3];
};
constexpr mrope_shape qwen2_vl{"qwen2_vl", 28, 4, 128, 1.0, 1e6, false, {16, 24, 24}};
constexpr mrope_shape qwen3_5{"qwen3_5", 16, 2, 256, 0.25, 1e7, true, {11, 11, 10}};

struct mrope_work {
  cope::spectrum s;
  cope::axis_map map;
  cope::rope_table table;
  bytes q, k;
  std::vector<std::int32_t> multi, t_axis;
  cope::rope_args one_d, multi_axis;
  std::size_t tensor_bytes = 0;

  mrope_work(const mrope_shape& m, std::size_t tokens, cope::dtype type) {
    s = cope::rope_default(static_cast<int>(m.dim), {m.theta, m.partial});
    map = m.interleaved_map ? cope::axis_map::interleaved(m.sections, 3) : cope::axis_map::sectioned(m.sections, 3);
    // Text runs of 32 tokens between images of 256 tokens; decode (1 token): text.
    std::vector<std::uint8_t> types;
    cope::vision_inputs in;
    while (types.size() < tokens) {
      const std::size_t text = std::min<std::size_t>(32, tokens - types.size());
      types.insert(types.end(), text, cope::token_text);
      if (tokens - types.size() >= 256) {
        types.insert(types.end(), 256, cope::token_image);
        in.image_grid_thw.push_back({1, 32, 32});
      }
    }
    const cope::mrope_positions p = cope::mrope_index(types.data(), types.size(), in);
    std::int64_t largest = 0;
    for (std::int64_t v : p.position_ids) {
      multi.push_back(static_cast<std::int32_t>(v));
      largest = std::max(largest, v);
    }
    t_axis.assign(multi.begin(), multi.begin() + static_cast<std::ptrdiff_t>(tokens));
    table = cope::make_table(s, largest + 1);
    const std::size_t qn = tokens * m.q_heads * m.dim, kn = tokens * m.kv_heads * m.dim, element = cope::size_of(type);
    q = allocate(qn * element);
    k = allocate(kn * element);
    fill(q.get(), type, qn);
    fill(k.get(), type, kn);
    const cope::tensor_view qv{q.get(), type, tokens, m.q_heads, m.dim, static_cast<std::ptrdiff_t>(m.q_heads * m.dim),
                               static_cast<std::ptrdiff_t>(m.dim), qn};
    const cope::tensor_view kv{k.get(), type, tokens, m.kv_heads, m.dim, static_cast<std::ptrdiff_t>(m.kv_heads * m.dim),
                               static_cast<std::ptrdiff_t>(m.dim), kn};
    one_d = cope::rope_args::in_place(qv, kv, cope::positions::from_ids(t_axis.data(), tokens));
    multi_axis = cope::rope_args::in_place(qv, kv, cope::positions::multi_axis(multi.data(), 3, tokens));
    multi_axis.pair_axes = &map;
    tensor_bytes = (qn + kn) * element;
  }
  void run(const cope::rope_args& a, bool use_table) {
    const cope::status r = use_table ? cope::try_apply_rope(table.view(), a) : cope::try_apply_rope(s, a);
    if (!r) std::abort();
  }
};

void register_multi_axis() {
  for (const mrope_shape* m : {&qwen2_vl, &qwen3_5})
    for (std::size_t tokens : {std::size_t{16384}, std::size_t{512}, std::size_t{1}})
      for (cope::dtype t : {cope::dtype::f32, cope::dtype::bf16})
        for (bool use_table : {false, true}) {
          const std::string name = std::string("multi_axis/") + m->name + "/" + cope::to_string(t) + "/" +
                                   (use_table ? "table" : "on_the_fly") + "/" +
                                   (tokens == 1 ? std::string("decode") : std::to_string(tokens)) + "/vs_1d";
          const double goal = tokens == 1 ? 0.0 : use_table ? 0.85 : tokens == 16384 ? 0.90 : 0.85;
          add(name, [=](benchmark::State& st) {
            mrope_work work(*m, tokens, t);
            const int batch = tokens == 1 ? 64 : 1;
            paired(st, [&] { work.run(work.one_d, use_table); }, [&] { work.run(work.multi_axis, use_table); }, "vs_1d",
                   batch);
            set_rates(st, tokens, work.tensor_bytes);
            st.SetLabel(cope::active_isa());
          }, "vs_1d", goal);
        }
}

// ---- fused operations (issue #17) -----------------------------------------------------------------

// QK-RMSNorm + RoPE on Qwen3-8B's attention (32 q heads + 8 kv heads of 128, one call, in place, table
// angles, Qwen3's norm), against the in-place floor over q and k's bytes and the unfused sequence: cope's
// norm pass (apply_qk_norm), then its rope pass (apply_rope); each pass alone alternates too
// (vs_norm_only, vs_rope_only, and from them rope_floor_ratio).
void register_fused_norm() {
  constexpr std::size_t kv_heads = 8;
  for (std::size_t tokens : {std::size_t{16384}, std::size_t{512}})
    for (cope::dtype t : {cope::dtype::f32, cope::dtype::bf16}) {
      const std::string name = std::string("fused/qk_norm_rope/") + cope::to_string(t) + "/q32+k8/" + std::to_string(tokens);
      add(name, [=](benchmark::State& st) {
        const std::size_t qn = tokens * heads * head_dim, kn = tokens * kv_heads * head_dim, element = cope::size_of(t);
        // q and k in one buffer, as the floor needs one span.
        bytes data = allocate((qn + kn) * element);
        fill(data.get(), t, qn + kn);
        const cope::spectrum s = cope::rope_default(static_cast<int>(head_dim), {1e6, 1.0});
        const cope::rope_table table = cope::make_table(s, static_cast<std::int64_t>(tokens));
        std::vector<float> q_weight(head_dim), k_weight(head_dim);
        for (std::size_t i = 0; i < head_dim; ++i) {
          q_weight[i] = 0.75f + 0.5f * static_cast<float>(i % 7) / 7.0f;
          k_weight[i] = 1.25f - 0.5f * static_cast<float>(i % 5) / 5.0f;
        }
        const cope::tensor_view q{data.get(), t, tokens, heads, head_dim, static_cast<std::ptrdiff_t>(heads * head_dim),
                                  static_cast<std::ptrdiff_t>(head_dim), qn};
        const cope::tensor_view k{data.get() + qn * element, t, tokens, kv_heads, head_dim,
                                  static_cast<std::ptrdiff_t>(kv_heads * head_dim), static_cast<std::ptrdiff_t>(head_dim), kn};
        const cope::rope_args args = cope::rope_args::in_place(q, k, cope::positions::from_offset(0));
        const cope::qk_norm norm = cope::qk_norm::qwen3(q_weight.data(), k_weight.data());
        floor_pass floor("inplace", element, qn + kn, data.get(), nullptr);
        auto unfused = [&] {
          if (!cope::try_apply_qk_norm(cope::norm_args::in_place(q, k), norm) || !cope::try_apply_rope(table.view(), args))
            std::abort();
        };
        auto fused = [&] {
          if (!cope::try_apply_qk_norm_rope(table.view(), args, norm)) std::abort();
        };
        auto norm_only = [&] {
          if (!cope::try_apply_qk_norm(cope::norm_args::in_place(q, k), norm)) std::abort();
        };
        auto rope_only = [&] {
          if (!cope::try_apply_rope(table.view(), args)) std::abort();
        };
        compared(st, fused, {{"floor_ratio", std::ref(floor)}, {"vs_unfused", unfused}, {"vs_norm_only", norm_only},
                             {"vs_rope_only", rope_only}});
        // In the same run: the rotation alone's floor ratio (the fused call rotates the same rows, and
        // normalizes them too).
        if (st.counters.count("vs_rope_only") != 0)
          st.counters["rope_floor_ratio"] = st.counters["floor_ratio"] / st.counters["vs_rope_only"];
        set_rates(st, tokens, (qn + kn) * element);
        st.SetLabel(std::string(cope::active_isa()) + " vs " + floor_name("inplace", element, tokens) + " over q+k");
      });
      if (tokens == 16384) add_goal(name, "floor_ratio", 0.85);
      add_goal(name, "vs_unfused", tokens == 16384 ? 1.6 : 1.3);
    }
}

// RoPE + KV-cache append on Qwen3-8B's attention (32 q heads rotated in place, 8 kv heads of 128 rotated
// into the cache, v copied beside them; table angles), against rotate-then-copy (apply_rope in place on q
// and k, then k's and v's rows copied into their slots) and the copy floor (q's in-place floor pass, then
// k and v copied to the cache rows: the bytes any append must move). Prefill: a contiguous cache at the
// tokens' positions. Decode: 32 sequences of one token each, a paged NHD cache of 16-slot pages, each
// sequence's token in its own page (64 calls per pass). vs_rotate_only = median pass of the rotations
// alone (apply_rope on q and k, no copy) / median fused pass; ceiling = the most an append could gain
// over rotate-then-copy, measured in the same run: rotate-then-copy / (the rotations, then v's rows
// copied), i.e. an append that rotates as apply_rope does and writes k's rows for free.
void register_fused_append() {
  constexpr std::size_t kv_heads = 8;
  struct shape {
    const char* name;
    std::size_t tokens;
    bool decode;
  };
  for (const shape sh : {shape{"16384", 16384, false}, shape{"512", 512, false}, shape{"decode_32x1_paged16", 32, true}})
    for (cope::dtype t : {cope::dtype::f32, cope::dtype::bf16}) {
      const std::string name = std::string("fused/rope_append/") + cope::to_string(t) + "/q32+k8+v8/" + sh.name;
      add(name, [=](benchmark::State& st) {
        const std::size_t tokens = sh.tokens, element = cope::size_of(t);
        const std::size_t qn = tokens * heads * head_dim, kn = tokens * kv_heads * head_dim, row = kv_heads * head_dim;
        bytes q = allocate(qn * element), k = allocate(kn * element), v = allocate(kn * element);
        fill(q.get(), t, qn);
        fill(k.get(), t, kn);
        fill(v.get(), t, kn);
        // Slots: prefill at positions 0 .. tokens - 1; decode at sequence i's position 1000 + 37 i, in page
        // 4 i + (position / 16) % 4 of a 128-page cache.
        const std::size_t page_size = 16, pages = sh.decode ? 128 : 1, slots = sh.decode ? pages * page_size : tokens;
        bytes k_cache = allocate(slots * row * element), v_cache = allocate(slots * row * element);
        std::vector<std::int64_t> positions(tokens), slot_ids(tokens);
        for (std::size_t i = 0; i < tokens; ++i) {
          positions[i] = sh.decode ? 1000 + 37 * static_cast<std::int64_t>(i) : static_cast<std::int64_t>(i);
          slot_ids[i] = sh.decode ? static_cast<std::int64_t>((4 * i + static_cast<std::size_t>(positions[i] / 16) % 4) * page_size +
                                                              static_cast<std::size_t>(positions[i]) % page_size)
                                  : positions[i];
        }
        const cope::spectrum s = cope::rope_default(static_cast<int>(head_dim), {1e6, 1.0});
        const cope::rope_table table = cope::make_table(s, sh.decode ? 4096 : static_cast<std::int64_t>(tokens));
        const cope::tensor_view qv{q.get(), t, tokens, heads, head_dim, static_cast<std::ptrdiff_t>(heads * head_dim),
                                   static_cast<std::ptrdiff_t>(head_dim), qn};
        const cope::tensor_view kv{k.get(), t, tokens, kv_heads, head_dim, static_cast<std::ptrdiff_t>(row),
                                   static_cast<std::ptrdiff_t>(head_dim), kn};
        const cope::tensor_view vv{v.get(), t, tokens, kv_heads, head_dim, static_cast<std::ptrdiff_t>(row),
                                   static_cast<std::ptrdiff_t>(head_dim), kn};
        const cope::positions pos = cope::positions::from_ids(positions.data(), tokens);
        cope::append_args a;
        a.q = a.q_out = qv;
        a.k = kv;
        a.v = vv;
        a.cache = cope::kv_cache::paged(k_cache.get(), v_cache.get(), t == cope::dtype::f32 ? cope::cache_type::f32 : cope::cache_type::bf16,
                                        cope::kv_layout::nhd, pages, sh.decode ? page_size : tokens, kv_heads, head_dim);
        a.slots = cope::slot_mapping::from(slot_ids.data(), tokens);
        a.pos = pos;
        const cope::rope_args rope = cope::rope_args::in_place(qv, kv, pos);
        const int repeat = sh.decode ? 64 : 1;
        const std::size_t row_bytes = row * element;
        auto copy_rows = [&] {  // k's and v's rows to their slots
          for (std::size_t i = 0; i < tokens; ++i) {
            const std::size_t at = static_cast<std::size_t>(slot_ids[i]) * row_bytes;
            std::memcpy(k_cache.get() + at, k.get() + i * row_bytes, row_bytes);
            std::memcpy(v_cache.get() + at, v.get() + i * row_bytes, row_bytes);
          }
        };
        floor_pass q_floor("inplace", element, qn, q.get(), nullptr);
        auto fused = [&] {
          for (int r = 0; r < repeat; ++r)
            if (!cope::try_apply_rope_append(table.view(), a)) std::abort();
        };
        auto rotate_then_copy = [&] {
          for (int r = 0; r < repeat; ++r) {
            if (!cope::try_apply_rope(table.view(), rope)) std::abort();
            copy_rows();
          }
        };
        auto copy_floor = [&] {
          for (int r = 0; r < repeat; ++r) {
            q_floor();
            copy_rows();
          }
        };
        auto rotate_only = [&] {  // the rotations alone: what the append would cost if its k and v writes were free
          for (int r = 0; r < repeat; ++r)
            if (!cope::try_apply_rope(table.view(), rope)) std::abort();
        };
        auto rotate_and_v = [&] {  // the least an append does: the rotations, and v's rows into the cache
          for (int r = 0; r < repeat; ++r) {
            if (!cope::try_apply_rope(table.view(), rope)) std::abort();
            for (std::size_t i = 0; i < tokens; ++i)
              std::memcpy(v_cache.get() + static_cast<std::size_t>(slot_ids[i]) * row_bytes, v.get() + i * row_bytes, row_bytes);
          }
        };
        compared(st, fused,
                 {{"floor_ratio", copy_floor}, {"vs_rotate_then_copy", rotate_then_copy}, {"vs_rotate_only", rotate_only},
                  {"vs_rotate_and_v", rotate_and_v}});
        // The most any append could gain over rotate-then-copy, measured in the same run: rotate-then-copy
        // over the rotations plus v's copy (k's rows written to the cache for free).
        if (st.counters.count("vs_rotate_and_v") != 0)
          st.counters["ceiling"] = st.counters["vs_rotate_then_copy"] / st.counters["vs_rotate_and_v"];
        set_rates(st, tokens * static_cast<std::size_t>(repeat), (qn + 3 * kn) * element * static_cast<std::size_t>(repeat));
        st.SetLabel(std::string(cope::active_isa()) + " vs q's in-place floor + k, v copied to the cache");
      });
      if (sh.tokens == 16384) add_goal(name, "floor_ratio", 0.85);
      if (sh.decode) add_goal(name, "vs_rotate_then_copy", 1.4);
    }
}

// ---- the reporter: medians only when repeated, and the goal table at the end ------------------------

class goal_reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    std::vector<Run> shown;
    for (const Run& run : runs) {
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name != "median") continue;
      shown.push_back(run);
      if (run.error_occurred) continue;
      const auto range = goals().equal_range(run.run_name.function_name);
      for (auto g = range.first; g != range.second; ++g) {
        const auto counter = run.counters.find(g->second.counter);
        if (counter != run.counters.end())
          results_[g->first + " " + g->second.counter] = {g->second.counter, counter->second.value, g->second.at_least};
      }
    }
    if (!shown.empty()) ConsoleReporter::ReportRuns(shown);
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    if (results_.empty()) return;
    std::printf("\nGoals (issues #4, #15, #17): floor_ratio = median floor pass / median case pass, paired in the\n"
                "same benchmark; speedup = median naive (or two-call) pass / median cope pass; vs_1d = median 1-D\n"
                "pass / median multi-axis pass; vs_unfused = median unfused-sequence pass / median fused pass;\n"
                "vs_ceiling = median conversion-ceiling pass / median case pass; ceiling (append cases) = the\n"
                "most the fusion could gain, from passes of the same run. Medians over repetitions when repeated.\n");
    std::size_t met = 0;
    for (const auto& [name, r] : results_) {
      const bool ok = r.value >= r.at_least;
      met += ok;
      const std::string case_name = name.substr(0, name.size() - std::strlen(r.counter) - 1);
      std::printf("  %-62s %-11s %7.3f  goal >= %5.2f  %s\n", case_name.c_str(), r.counter, r.value, r.at_least,
                  ok ? "met" : "NOT MET");
    }
    std::printf("  %zu of %zu goals met (kernels: %s)\n", met, results_.size(), cope::active_isa());
  }

 private:
  struct result {
    const char* counter;
    double value, at_least;
  };
  std::map<std::string, result> results_;
};

}  // namespace

int main(int argc, char** argv) {
  register_all();
  register_multi_axis();
  register_fused_norm();
  register_fused_append();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  goal_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
