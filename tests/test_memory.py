"""Allocator settings (csrc/memory.h): re-allocating the multi-MiB arrays of a training step does not page-fault
every step; FASTNN_MALLOC_TUNING=0 (or the user's own glibc settings) leaves malloc alone."""
import os
import platform
import subprocess
import sys

import pytest

CODE = """
import resource
import numpy as np
import fastnn
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(3):
    a = np.ones(1 << 20, np.float32)
    del a
before = faults()
for _ in range(50):
    a = np.ones(1 << 20, np.float32)  # 4 MiB, like a 784x512 weight gradient and its activation
    b = np.ones(1 << 20, np.float32)
    del a, b
print(fastnn._core.allocator_tuned(), faults() - before)
"""


def _run(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES", "FASTNN_MALLOC"))}
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=120,
                         env={**clean, **env})
    assert out.returncode == 0, out.stderr
    tuned, faults = out.stdout.split()
    return tuned == "True", int(faults)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the settings are glibc's (mallopt)")
def test_repeated_large_allocations_do_not_page_fault():
    tuned, faults = _run()
    assert tuned and faults < 2000, faults  # 100 allocations of 1024 pages each would be ~100,000
    untuned, baseline = _run(FASTNN_MALLOC_TUNING="0")
    assert not untuned and baseline > 20 * max(faults, 100)
    user, _ = _run(MALLOC_TRIM_THRESHOLD_="1000000")
    assert not user  # the user's own glibc tuning wins
