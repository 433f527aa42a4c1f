#!/usr/bin/env bash
# The microbenchmarks: installs what is missing, builds bench/ for this machine (-O3 -march=native) and
# runs every case three times, printing each case's ratio to its floor (or speedup over its naive
# baseline), medians, and the goal table of issue #4. Extra arguments go to Google Benchmark, e.g.
#   scripts/bench.sh --benchmark_filter=decode
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh bench
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOPE_BUILD_TESTS=OFF -DCOPE_BUILD_EXAMPLES=OFF \
  -DCOPE_BUILD_BENCHMARKS=ON >/dev/null
cmake --build build/bench -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
exec build/bench/bench/cope_bench --benchmark_min_time=0.3 --benchmark_repetitions=3 "$@"
