#!/usr/bin/env bash
# Compiles every portable source (all of csrc/ except the *_avx512/*_avx2 files, as CMake does off x86) with an
# aarch64 cross compiler, to prove the package builds on ARM. Needs Debian's g++-aarch64-linux-gnu.
set -euo pipefail
cd "$(dirname "$0")/.."
cxx=${CXX_AARCH64:-aarch64-linux-gnu-g++}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
pyinc=$(python3 -c "import sysconfig; print(sysconfig.get_paths()['include'])")
pbinc=$(python3 -c "import pybind11; print(pybind11.get_include())")
for src in csrc/*.cpp; do
  case "$src" in *_avx512.cpp|*_avx2.cpp) continue ;; esac
  "$cxx" -std=c++17 -O2 -fopenmp -fPIC -Wall -Wextra -Werror=return-type -DFASTNN_VERSION='"check"' \
    -I"$pyinc" -I"$pbinc" -c "$src" -o "$out/$(basename "$src").o"
done
echo "aarch64: compiled $(ls "$out" | wc -l) translation units"
