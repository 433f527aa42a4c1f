#!/usr/bin/env bash
# The demo: installs what is missing, builds the examples and prints the CoPE spectrum of the paper's
# configuration (head_dim 128, ABF base 1e7, training length 65536, n = 20), then runs a short
# benchmark (decode, the table build, and f32 in place at 512 tokens, each against its baseline).
# Arguments go to the spectrum table: scripts/demo.sh [head_dim [base [training_length [n]]]]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh demo
cmake -S . -B build/demo -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOPE_BUILD_TESTS=OFF -DCOPE_BUILD_BENCHMARKS=ON >/dev/null
cmake --build build/demo -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
build/demo/examples/spectrum_table "$@"
echo
echo "Short benchmark (full suite: scripts/bench.sh; method: docs/performance.md)"
build/demo/bench/cope_bench --benchmark_min_time=0.1 \
  --benchmark_filter='^(decode|table_build|apply/f32/table/(rotate_half|interleaved)/inplace/512/)'
