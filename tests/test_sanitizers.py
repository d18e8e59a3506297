"""The kernels and the reliability tables under AddressSanitizer + UndefinedBehaviorSanitizer, in CI.

scripts/sanitize.sh builds the extension with -fsanitize=address,undefined (about 2.5 minutes on 2 cores), then
runs the given tests against it with the sanitizer runtimes preloaded; any report halts the run and fails it.
"""
import pathlib
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SANITIZED_TESTS = ["tests/csrc", "tests/test_threads.py", "tests/reliability/test_bad_input.py",
                   "tests/reliability/test_properties.py", "tests/reliability/test_numerics.py",
                   "tests/reliability/test_concurrency.py", "tests/reliability/test_determinism.py",
                   "tests/reliability/test_crash_resistance.py"]


def _asan_runtime():
    cxx = shutil.which("g++")
    if cxx is None:
        return None
    path = subprocess.run([cxx, "-print-file-name=libasan.so"], capture_output=True, text=True).stdout.strip()
    return path if pathlib.Path(path).is_file() else None


@pytest.mark.skipif(_asan_runtime() is None, reason="no g++ with libasan (Debian: apt-get install g++)")
def test_kernels_and_reliability_tables_are_clean_under_asan_and_ubsan():
    out = subprocess.run(["bash", str(ROOT / "scripts" / "sanitize.sh"), *SANITIZED_TESTS], cwd=ROOT,
                         capture_output=True, text=True, timeout=2400)
    summary = [line for line in out.stdout.splitlines() if line.startswith("sanitized run:")]
    assert out.returncode == 0 and summary, (out.stdout[-6000:], out.stderr[-6000:])
    assert " 0 failures, 0 errors" in summary[0], summary[0]
