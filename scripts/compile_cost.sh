#!/usr/bin/env bash
# Build cost (design §8): how long a translation unit that uses cope takes to compile, as a ratio to a
# plain unit compiled in the same run. Each unit is compiled REPEAT times (default 5), the kinds
# interleaved, and the median CPU time (user + sys) kept, with the range beside it:
#   baseline          <vector>, <string>, <algorithm>, <cmath> and a main (-O2 -march=native)
#   header-only       calls rope_default and apply_rope, kernels compiled in (-O2 -march=native)
#   runtime dispatch  the same with COPE_RUNTIME_DISPATCH=1 (-O2, generic x86-64: its own baseline)
#   cope::kernels     the same against the compiled kernels (COPE_COMPILED_KERNELS=1; declarations only)
#   analysis          includes cope/analysis.hpp and computes a decay curve, against a unit that includes
#                     <Eigen/Dense> and does the same arithmetic with Eigen alone
# Usage: scripts/compile_cost.sh [REPEAT]; CXX picks the compiler (default g++).
set -euo pipefail
cd "$(dirname "$0")/.."
repeat=${1:-5}
cxx=${CXX:-g++}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
include="-I$PWD/include -I/usr/include/eigen3"

cat > "$work/baseline.cpp" <<'CPP'
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>
int main() { std::vector<float> v(10); return static_cast<int>(v.size()); }
CPP
cat > "$work/apply.cpp" <<'CPP'
#include <cope/cope.hpp>
#include <vector>
int main() {
  auto s = cope::rope_default(128, {10000.0, 1.0});
  std::vector<float> q(4 * 32 * 128), k(4 * 8 * 128);
  cope::apply_rope(s, cope::rope_args::in_place(cope::make_view(q.data(), 4, 32, 128), cope::make_view(k.data(), 4, 8, 128),
                                                cope::positions::from_offset(0)));
}
CPP
cat > "$work/eigen.cpp" <<'CPP'
#include <Eigen/Dense>
#include <vector>
int main() {
  std::vector<double> w(64);
  for (int j = 0; j < 64; ++j) w[j] = std::pow(1e4, -j / 64.0);
  Eigen::ArrayXd t = Eigen::ArrayXd::LinSpaced(301, 0, 30000), s = Eigen::ArrayXd::Zero(301);
  for (double wj : w) s += (t * wj).cos();
  return s(0) > 0 ? 0 : 1;
}
CPP
cat > "$work/analysis.cpp" <<'CPP'
#include <cope/analysis.hpp>
#include <cope/clip.hpp>
#include <cope/generators.hpp>
int main() {
  const cope::spectrum s = cope::cope_clip(cope::rope_default(128, {1e4, 1.0}), 20);
  Eigen::ArrayXd t = Eigen::ArrayXd::LinSpaced(301, 0, 30000);
  return cope::analysis::semantic_decay(s, t)(0) > 0 ? 0 : 1;
}
CPP

# name|source|flags
units=(
  "baseline|baseline.cpp|-O2 -march=native"
  "header-only|apply.cpp|-O2 -march=native"
  "baseline generic|baseline.cpp|-O2"
  "runtime dispatch|apply.cpp|-O2 -DCOPE_RUNTIME_DISPATCH=1"
  "cope::kernels|apply.cpp|-O2 -march=native -DCOPE_COMPILED_KERNELS=1"
  "Eigen|eigen.cpp|-O2 -march=native"
  "analysis|analysis.cpp|-O2 -march=native"
)
declare -A times
for ((r = 0; r < repeat; ++r)); do
  for unit in "${units[@]}"; do
    IFS='|' read -r name source flags <<<"$unit"
    # CPU time (user + sys) of the compiler, which a busy shared machine disturbs less than wall time.
    TIMEFORMAT='%3U %3S'
    # shellcheck disable=SC2086
    { time "$cxx" -std=c++17 $flags $include -c "$work/$source" -o "$work/out.o"; } 2> "$work/time"
    times[$name]+="$(awk '{printf "%d", ($1 + $2) * 1000}' "$work/time") "
  done
done
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
spread() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -n | awk 'NR == 1 {lo = $1} {hi = $1} END {print lo "-" hi}'; }
echo "compile cost ($("$cxx" --version | head -n 1); CPU ms, median of $repeat (range); ratio to its baseline)"
report() {  # name, baseline name, goal
  local m b
  m=$(median "${times[$1]}")
  b=$(median "${times[$2]}")
  awk -v n="$1" -v m="$m" -v s="$(spread "${times[$1]}")" -v bn="$2" -v b="$b" -v g="$3" \
    'BEGIN { r = m / b; printf "  %-18s %6d ms (%s)  %5.2fx %-17s goal <= %sx %s\n", n, m, s, r, "of " bn, g, (r <= g ? "met" : "NOT met") }'
}
printf '  %-18s %6d ms (%s)\n' baseline "$(median "${times[baseline]}")" "$(spread "${times[baseline]}")"
printf '  %-18s %6d ms (%s)\n' "baseline generic" "$(median "${times[baseline generic]}")" "$(spread "${times[baseline generic]}")"
printf '  %-18s %6d ms (%s)\n' Eigen "$(median "${times[Eigen]}")" "$(spread "${times[Eigen]}")"
report "cope::kernels" baseline 2
report "header-only" baseline 8
report "runtime dispatch" "baseline generic" 20
report analysis Eigen 3
