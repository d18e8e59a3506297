#!/usr/bin/env bash
# Developer build: compiles the extension into build/dev and drops it into ./fastnn, so `PYTHONPATH=. pytest`
# runs this checkout's code without `pip install`. FASTNN_SANITIZE=address,undefined builds with sanitizers;
# FASTNN_DEV_OUT=DIR puts the extension there instead of ./fastnn.
set -euo pipefail
cd "$(dirname "$0")/.."
builddir=build/dev${FASTNN_SANITIZE:+-sanitize}
cmake -S . -B "$builddir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -Dpybind11_DIR="$(python3 -m pybind11 --cmakedir)" \
  -DSKBUILD_PROJECT_NAME=fastnn -DSKBUILD_PROJECT_VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)" \
  -DFASTNN_SANITIZE="${FASTNN_SANITIZE:-}" >/dev/null
cmake --build "$builddir" -j2
cp "$builddir"/_core*.so "${FASTNN_DEV_OUT:-fastnn}/"
