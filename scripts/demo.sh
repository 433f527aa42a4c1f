#!/usr/bin/env bash
# The demo: installs what is missing, builds examples/cope_demo and runs it — the CoPE report for the
# paper's setting (head_dim 128, ABF base 1e7, training length 65536, n = 20): spectrum table, critical
# dimension, semantic decay, leakage slopes; then the paper's figures, written to docs/figures as CSV and
# rendered to PNG with gnuplot; then a short benchmark (decode, the table build, f32 in place at 512
# tokens, each against its baseline).
# Arguments go to cope_demo (run `scripts/demo.sh --help`), e.g. a YaRN model:
#   scripts/demo.sh --head_dim 128 --rope_theta 1e7 --rope_type yarn --factor 4 --original_max_position_embeddings 65536
# With model arguments the figures go to build/demo/figures instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh demo
cmake -S . -B build/demo -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOPE_BUILD_TESTS=OFF -DCOPE_BUILD_BENCHMARKS=ON >/dev/null
cmake --build build/demo -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
build/demo/examples/cope_demo "$@"
for arg in "$@"; do [ "$arg" = "--help" ] || [ "$arg" = "-h" ] && exit 0; done
echo
echo "Short benchmark (full suite: scripts/bench.sh; method: docs/performance.md)"
build/demo/bench/cope_bench --benchmark_min_time=0.1 \
  --benchmark_filter='^(decode|table_build|apply/f32/table/(rotate_half|interleaved)/inplace/512/)'
