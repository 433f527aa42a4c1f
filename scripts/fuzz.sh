#!/usr/bin/env bash
# A longer fuzz campaign than CI's (CI runs each target about 60 s inside scripts/test.sh):
#   scripts/fuzz.sh [SECONDS]   (default 600)
# Builds the libFuzzer targets of tests/fuzz with Clang (ASan + UBSan, the compiled kernels instrumented
# too) in build/fuzz, then runs spectrum, demo_args, model_files and fused for SECONDS each and apply for SECONDS split evenly
# over the ISAs this host runs (COPE_MAX_ISA=avx512bf16, avx512, avx2, scalar), two runs at a time.
# Corpora persist in build/fuzz/campaign/<run> (a later campaign continues from them); a crash leaves
# its input beside them (<run>-crash-*). Prints each run's executions, corpus size and crashes; exits
# non-zero if any run crashed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
scripts/install-deps.sh test

cmake -S . -B build/fuzz -G Ninja -Wno-dev -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DCMAKE_BUILD_TYPE=Debug -DCOPE_REQUIRE_TESTS=ON -DCOPE_TEST_FUZZ=ON -DCOPE_TEST_PACKAGING=OFF >/dev/null
cmake --build build/fuzz --target fuzz_spectrum fuzz_apply fuzz_demo_args fuzz_model_files fuzz_fused -j "$(nproc)"

isas=$(cd build/fuzz && ctest -N -R '^fuzz:apply:' | sed -nE 's/.*fuzz:apply:([a-z0-9]+)$/\1/p' | tr '\n' ' ')
n_isas=$(wc -w <<<"$isas")
per_isa=$(( (seconds + n_isas - 1) / n_isas ))
campaign=build/fuzz/campaign
mkdir -p "$campaign"

runs=("spectrum spectrum $seconds -" "demo_args demo_args $seconds -" "model_files model_files $seconds -" "fused fused $seconds -")
for isa in $isas; do runs+=("apply apply_$isa $per_isa $isa"); done

run_one() {  # target label seconds isa
  local env=()
  [ "$4" != "-" ] && env=(COPE_MAX_ISA="$4")
  env "${env[@]}" tests/fuzz/run_target.sh "build/fuzz/tests/fuzz/fuzz_$1" "tests/fuzz/corpus/$1" "$campaign/$2" "$3" \
    >"$campaign/$2.summary" 2>&1 || echo "FAILED" >>"$campaign/$2.summary"
}
echo "fuzzing: ${#runs[@]} runs (apply: $per_isa s on each of: $isas), two at a time"
jobs_running=0
for r in "${runs[@]}"; do
  # shellcheck disable=SC2086
  run_one $r &
  jobs_running=$((jobs_running + 1))
  if [ "$jobs_running" -ge 2 ]; then wait -n; jobs_running=$((jobs_running - 1)); fi
done
wait

status=0
printf '%-22s %8s %12s %8s %8s\n' run seconds executions corpus crashes
for r in "${runs[@]}"; do
  read -r target label secs isa <<<"$r"
  summary="$campaign/$label.summary"
  execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$summary" | tail -n 1)
  corpus=$(sed -nE 's/^corpus: ([0-9]+) inputs.*/\1/p' "$summary" | tail -n 1)
  crashes=$(find "$campaign" -maxdepth 1 -name "$label-crash-*" | wc -l)
  printf '%-22s %8s %12s %8s %8s\n' "$label" "$secs" "${execs:-?}" "${corpus:-?}" "$crashes"
  if grep -q FAILED "$summary" || [ "$crashes" -ne 0 ]; then status=1; tail -n 40 "$summary"; fi
done
exit $status
