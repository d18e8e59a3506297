#!/usr/bin/env bash
# Builds the extension with AddressSanitizer + UndefinedBehaviorSanitizer and runs the kernel tests (or the
# pytest arguments given) against it. The sanitizer runtime is LD_PRELOADed because the interpreter itself is not
# instrumented; leak detection is off because CPython keeps memory alive at exit by design.
#   scripts/sanitize.sh                      # tests/csrc + tests/test_threads.py
#   scripts/sanitize.sh tests/csrc/test_gemm.py -k transpose
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=$(mktemp -d)
trap 'rm -rf "$pkg"' EXIT
cp -r fastnn "$pkg/fastnn"
rm -f "$pkg"/fastnn/_core*.so
FASTNN_SANITIZE=address,undefined FASTNN_DEV_OUT="$pkg/fastnn" ./scripts/dev_build.sh >/dev/null
asan=$(${CXX:-g++} -print-file-name=libasan.so)
ubsan=$(${CXX:-g++} -print-file-name=libubsan.so)
[ $# -gt 0 ] || set -- tests/csrc tests/test_threads.py
# Judge the run by its JUnit report, not only the exit code: with TensorFlow loaded under the sanitizer runtime the
# interpreter can end before pytest prints its last line, and a run that stopped early must not pass.
report="$pkg/report.xml"
LD_PRELOAD="$asan:$ubsan" \
ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
PYTHONPATH="$pkg" python3 -m pytest -q -p no:cacheprovider --capture=sys --junitxml="$report" "$@"
python3 - "$report" <<'PY'
import sys
import xml.etree.ElementTree as ET

suite = ET.parse(sys.argv[1]).getroot()
suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
counts = {k: int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")}
print("sanitized run: {tests} tests, {failures} failures, {errors} errors, {skipped} skipped".format(**counts))
sys.exit(0 if counts["tests"] > counts["skipped"] and not counts["failures"] and not counts["errors"] else 1)
PY
