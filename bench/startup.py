"""Startup suite: cold `import` time in a fresh interpreter (median of several) and installed size on disk,
fastnn next to numpy, PyTorch and TensorFlow."""
import importlib.metadata
import importlib.util
import os
import pathlib
import statistics
import subprocess
import sys

from .common import format_table
from .report import save_results

MODULES = {"fastnn": "fastnn", "numpy": "numpy", "torch": "torch", "tf": "tensorflow"}
_CODE = "import time; t = time.perf_counter(); import {0}; print(time.perf_counter() - t)"


def import_seconds(module, reps):
    times = []
    for _ in range(reps):
        out = subprocess.run([sys.executable, "-c", _CODE.format(module)], capture_output=True, text=True,
                             env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}, timeout=300)
        if out.returncode != 0:
            raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "import failed")
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return times


def installed_mib(module):
    """Size of the installed distribution(s) providing `module` (their RECORD files), not of a source checkout
    that happens to be first on sys.path."""
    total = 0
    for dist in importlib.metadata.packages_distributions().get(module, []):
        for f in importlib.metadata.files(dist) or []:
            path = pathlib.Path(f.locate())
            if path.is_file():
                total += path.stat().st_size
    if total == 0:  # not installed as a distribution (e.g. a dev build on PYTHONPATH): measure the package folder
        spec = importlib.util.find_spec(module)
        roots = {pathlib.Path(p) for p in (spec.submodule_search_locations or [])} if spec else set()
        total = sum(f.stat().st_size for root in roots for f in root.rglob("*") if f.is_file())
    return total / 2**20


def run(quick=False, frameworks=None):
    wanted = set(frameworks or [])
    reps = 3 if quick else 7
    rows, skipped = [], {}
    for name, module in MODULES.items():
        if wanted and name not in wanted and name != "fastnn":
            continue
        if importlib.util.find_spec(module) is None:
            skipped[name] = "not installed"
            continue
        samples = import_seconds(module, reps)
        rows.append({"task": "cold import", "fw": name, "ms": statistics.median(samples) * 1e3,
                     "min": min(samples) * 1e3, "max": max(samples) * 1e3, "samples_s": samples,
                     "size_mib": installed_mib(module)})
    base = next(r["ms"] for r in rows if r["fw"] == "fastnn")
    for r in rows:
        r["ratio"] = r["ms"] / base
    print(format_table(rows, [("task", "task", "{}"), ("fw", "framework", "{}"), ("ms", "median ms", "{:.0f}"),
                              ("min", "min", "{:.0f}"), ("max", "max", "{:.0f}"), ("ratio", "time / fastnn", "{:.1f}"),
                              ("size_mib", "installed MiB", "{:.1f}")]))
    save_results("startup", rows, {"unavailable": skipped, "isa": None, "threads": None})
    return rows
