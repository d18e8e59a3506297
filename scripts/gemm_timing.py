"""Best-of-many (5th percentile) 1-thread GEMM timings per shape, as % of the measured FMA peak, for tuning
decisions on a noisy machine. Compares fastnn builds by running each in its own process, interleaved round by round:

    python scripts/gemm_timing.py --build base=/tmp/base_pkg_dir --build new=. [--isa avx2] [--rounds 5]

Each --build is LABEL=DIR where DIR contains the `fastnn` package to import (put first on sys.path). The best
round is reported (the least-disturbed one), with the best peak probe of the same process kind.
Times are the calling thread's CPU time (1 thread runs the GEMM on the caller), which preemption on a shared
machine does not inflate (cache refills after it still do: the 1024^3 shapes read low under load).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

import fastnn
from fastnn import _core

SHAPES = [  # label, M, K, N, trans_a, trans_b
    ("NN 128x784x512", 128, 784, 512, False, False),
    ("TN dW 784x128^T.128x512", 784, 128, 512, True, False),
    ("NT dX 128x512.(784x512)^T", 128, 512, 784, False, True),
    ("NN 128x512x10", 128, 512, 10, False, False),
    ("NN 512^3", 512, 512, 512, False, False),
    ("NN 1024^3", 1024, 1024, 1024, False, False),
    ("NT 1024^3", 1024, 1024, 1024, False, True),
    ("TN 1024^3", 1024, 1024, 1024, True, False),
    ("TT 1024^3", 1024, 1024, 1024, True, True),
]


def _worker(budget: float) -> None:
    fastnn.set_num_threads(1)
    rng = np.random.default_rng(0)
    out = {"isa": fastnn.isa(), "file": _core.__file__, "peak_wall": 0.0}
    peaks = []
    # Thread CPU time, not wall time: with many processes per core a run of a few ms is almost never
    # undisturbed, but preemption does not count against CPU time. seconds=1e-9 makes the probe return after its
    # first run of 2**16 iterations of 12 FMAs (a known amount of work, ~0.1 ms).
    lanes = 16 if fastnn.isa() == "avx512" else 8 if fastnn.isa() == "avx2" else 4
    for _ in range(300):
        t0 = time.thread_time_ns()
        wall = _core.measure_fma_peak_gflops(1, 1e-9)
        dt = time.thread_time_ns() - t0
        peaks.append(2**16 * 12 * lanes * 2 / dt)
        out["peak_wall"] = max(out["peak_wall"], wall)
    out["peak"] = float(np.percentile(peaks, 95))  # not the maximum: see the percentile note below
    for label, m, k, n, ta, tb in SHAPES:
        a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
        b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
        _core.gemm(a, b, transpose_a=ta, transpose_b=tb)
        times, t_end = [], time.perf_counter() + budget * (4 if m * n * k > 2**28 else 1)
        while time.perf_counter() < t_end:
            t0 = time.thread_time_ns()
            _core.gemm(a, b, transpose_a=ta, transpose_b=tb)
            times.append(time.thread_time_ns() - t0)
        # A low percentile, not the minimum: the CPU clock now and then reads a few µs short.
        out[label] = 2.0 * m * n * k / float(np.percentile(times, 5))
    print(json.dumps(out))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--build", action="append", default=[], help="LABEL=DIR holding the fastnn package")
    p.add_argument("--isa", default="avx2")
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--budget", type=float, default=0.6, help="seconds of timing per shape per round")
    p.add_argument("--worker", action="store_true")
    args = p.parse_args()
    if args.worker:
        _worker(args.budget)
        return
    builds = [b.split("=", 1) for b in args.build]
    best: dict = {label: {} for label, _ in builds}
    for _ in range(args.rounds):
        for label, path in builds:
            env = dict(os.environ, FASTNN_ISA=args.isa, OMP_NUM_THREADS="1",
                       PYTHONPATH=os.path.abspath(path))
            res = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", "--budget",
                                  str(args.budget)], env=env, cwd="/", capture_output=True, text=True, check=True)
            r = json.loads(res.stdout)
            for key, val in r.items():
                if isinstance(val, float):
                    best[label][key] = max(best[label].get(key, 0.0), val)
                else:
                    best[label][key] = val
    for label, _ in builds:
        print(f"{label}: isa={best[label]['isa']} peak={best[label]['peak']:.1f} GF/s (wall-clock probe "
              f"{best[label]['peak_wall']:.1f})  ({best[label]['file']})")
    print(f"{'shape':30s}" + "".join(f"{label:>18s}" for label, _ in builds))
    for s in SHAPES:
        cells = "".join(f"{best[lb][s[0]]:8.1f} GF {100 * best[lb][s[0]] / best[lb]['peak']:4.0f}%" for lb, _ in builds)
        print(f"{s[0]:30s}{cells}")


if __name__ == "__main__":
    main()
