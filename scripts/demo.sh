#!/usr/bin/env bash
# The demo: installs what is missing, builds the examples and prints the CoPE spectrum of the paper's
# configuration (head_dim 128, ABF base 1e7, training length 65536, n = 20). Arguments are passed on:
#   scripts/demo.sh [head_dim [base [training_length [n]]]]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh demo
cmake -S . -B build/demo -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOPE_BUILD_TESTS=OFF >/dev/null
cmake --build build/demo -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
exec build/demo/examples/spectrum_table "$@"
