#!/usr/bin/env bash
# Installs the Debian packages cope's builds need, if any is missing (root, or sudo).
#   scripts/install-deps.sh test   compilers (Clang with its runtime libraries: libFuzzer, sanitizers), CMake,
#                                  Ninja, pkg-config, Catch2, nlohmann/json (reading the
#                                  golden data), Sleef (the golden-data tests), Eigen (the analysis tests),
#                                  the AArch64 cross compiler and qemu (the NEON tests), binutils (nm)
#   scripts/install-deps.sh demo   compiler, CMake, Ninja, Eigen (the analysis), nlohmann/json (--config), gnuplot and a font (the
#                                  figures), Google Benchmark (the demo's short benchmark)
#   scripts/install-deps.sh bench  compiler, CMake, Ninja, Google Benchmark
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config)
case "${1:-test}" in
  test) packages+=(clang libclang-rt-14-dev catch2 libsleef-dev libeigen3-dev nlohmann-json3-dev g++-aarch64-linux-gnu qemu-user binutils) ;;
  demo) packages+=(libeigen3-dev nlohmann-json3-dev gnuplot-nox fonts-dejavu-core libbenchmark-dev) ;;
  bench) packages+=(libbenchmark-dev) ;;
  *) echo "usage: $0 [test|demo|bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
