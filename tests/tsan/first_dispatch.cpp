// ThreadSanitizer: many threads make the process's first runtime-dispatch call at the same moment
// (the kernel choice is a function-local static, initialized once), each rotating its own buffer, and
// every result equals the one a single thread computes afterwards. Built twice: against the compiled
// kernels (their sources built with -fsanitize=thread) and header-only with COPE_RUNTIME_DISPATCH=1.
#include "cope/cope.hpp"

#include <atomic>
#include <string>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

int main() {
  constexpr int threads = 64;
  constexpr std::size_t tokens = 4, heads = 8, head_dim = 128;
  const cope::spectrum s = cope::cope_clip(cope::rope_default(128, {500000.0, 1.0}), 20);
  std::vector<std::vector<float>> buffers(threads, std::vector<float>(tokens * heads * head_dim));
  for (int i = 0; i < threads; ++i)
    for (std::size_t j = 0; j < buffers[static_cast<std::size_t>(i)].size(); ++j)
      buffers[static_cast<std::size_t>(i)][j] = static_cast<float>((j * 7 + static_cast<std::size_t>(i)) % 13) / 13.0f;
  const std::vector<std::vector<float>> inputs = buffers;

  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<const char*> isa(threads);
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i)
    pool.emplace_back([&, i] {
      auto& x = buffers[static_cast<std::size_t>(i)];
      ++ready;
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      const cope::status st = cope::try_apply_rope(
          s, cope::rope_args::in_place(cope::make_view(x.data(), tokens, heads, head_dim), {}, cope::positions::from_offset(i)));
      isa[static_cast<std::size_t>(i)] = st.ok() ? cope::active_isa() : nullptr;
    });
  while (ready.load() < threads) std::this_thread::yield();
  go.store(true, std::memory_order_release);
  for (auto& t : pool) t.join();

  int failures = 0;
  for (int i = 0; i < threads; ++i) {
    std::vector<float> expected = inputs[static_cast<std::size_t>(i)];
    cope::apply_rope(s, cope::rope_args::in_place(cope::make_view(expected.data(), tokens, heads, head_dim), {},
                                                  cope::positions::from_offset(i)));
    if (isa[static_cast<std::size_t>(i)] == nullptr || std::string(isa[static_cast<std::size_t>(i)]) != cope::active_isa() ||
        expected != buffers[static_cast<std::size_t>(i)])
      ++failures;
  }
  std::printf("%d threads, first call at once, kernels %s: %d mismatches\n", threads, cope::active_isa(), failures);
  return failures == 0 ? 0 : 1;
}
