#!/usr/bin/env bash
# Developer build: compiles the extension into build/dev and drops it into ./fastnn, so `PYTHONPATH=. pytest`
# runs this checkout's code without `pip install`. Works from a plain checkout: the build tools it lacks (pybind11,
# CMake, Ninja, numpy) are installed into the current Python first. FASTNN_SANITIZE=address,undefined builds with
# sanitizers; FASTNN_DEV_OUT=DIR puts the extension there instead of ./fastnn.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
missing=()
"$python" -c "import pybind11" 2>/dev/null || missing+=(pybind11)
"$python" -c "import numpy" 2>/dev/null || missing+=(numpy)
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
command -v ninja >/dev/null 2>&1 || missing+=(ninja)
if [ ${#missing[@]} -gt 0 ]; then
  echo "dev_build: installing the build tools this Python lacks: ${missing[*]}" >&2
  "$python" -m pip install -q "${missing[@]}"
  hash -r
fi
builddir=build/dev${FASTNN_SANITIZE:+-sanitize}
cmake -S . -B "$builddir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DPython_EXECUTABLE="$(command -v "$python")" \
  -Dpybind11_DIR="$("$python" -m pybind11 --cmakedir)" \
  -DSKBUILD_PROJECT_NAME=fastnn -DSKBUILD_PROJECT_VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)" \
  -DFASTNN_SANITIZE="${FASTNN_SANITIZE:-}" >/dev/null
cmake --build "$builddir" -j2
cp "$builddir"/_core*.so "${FASTNN_DEV_OUT:-fastnn}/"
echo "dev_build: $(ls "${FASTNN_DEV_OUT:-fastnn}"/_core*.so) is ready (PYTHONPATH=$PWD python -m fastnn info)"
