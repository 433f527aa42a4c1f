#!/usr/bin/env bash
# Runs one fuzz target for a while from its committed seeds (ctest fuzz:*, scripts/fuzz.sh):
#   run_target.sh TARGET SEEDS CORPUS SECONDS [extra libFuzzer flags]
# New inputs go to CORPUS (created); a crash leaves its input in CORPUS/../crash-* and fails the run.
# Prints libFuzzer's last status line (executions, coverage, corpus size).
set -euo pipefail
target=$1 seeds=$2 corpus=$3 seconds=$4
shift 4
mkdir -p "$corpus"
log="$corpus.log"
status=0
"$target" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -malloc_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$corpus-" "$@" "$corpus" "$seeds" >"$log" 2>&1 || status=$?
grep -E "^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE)" "$log" | tail -n 1 || true
grep -E "^stat::number_of_executed_units|^stat::new_units_added" "$log" || true
echo "corpus: $(find "$corpus" -type f | wc -l) inputs; crashes: $(find "$(dirname "$corpus")" -maxdepth 1 -name "$(basename "$corpus")-crash-*" | wc -l)"
if [ "$status" -ne 0 ]; then
  tail -n 60 "$log"
  exit "$status"
fi
