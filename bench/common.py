"""Bench-suite plumbing: one worker process per framework, repeats interleaved across them, medians.

Why processes: numpy's OpenBLAS, PyTorch's bundled libgomp and TensorFlow's Eigen pool each keep their own
threads, which spin after a call; in one process they steal cores from whichever framework runs next. Each
framework therefore runs in its own child (its thread count set through the environment and its own API), the
children run one at a time in rotating order, and the parent pauses between blocks so idle pools fall asleep.
"""
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from . import tasks

# Environment that must not leak into the children: these slow a current OpenBLAS (see the machine notes).
_DROPPED_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


class Worker:
    """A child process `python -m bench.worker FRAMEWORK THREADS`, spoken to in JSON lines."""

    def __init__(self, framework, threads, extra_env=None):
        env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
        env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
                   OPENBLAS_NUM_THREADS=str(threads), TF_CPP_MIN_LOG_LEVEL="2",
                   PYTHONPATH=os.pathsep.join(filter(None, [env.get("PYTHONPATH"), os.getcwd()])))
        env.update(extra_env or {})
        self.framework = framework
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.worker", framework, str(threads)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True)
        self.info = self.call({"op": "hello"})

    def call(self, request):
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.framework} worker died (exit code {self.proc.poll()})")
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"{self.framework} worker: {reply['error']}")
        return reply

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


def run_interleaved(workers, task, reps=9, blocks=3, warmup=2, pause=0.2, rep_seconds=0.02, wake=True, between=None):
    """Times `task` in every worker: `blocks` rounds, each worker running reps/blocks repeats per round in
    rotating order. A repeat runs the task back to back for ~rep_seconds (in the slowest framework) and reports
    the mean per call; `between` ("numpy"/"torch") runs that library's GEMM before every call, untimed.
    Returns {framework: [seconds per call]}."""
    per_block = max(1, -(-reps // blocks))
    names = list(workers)
    times = {name: [] for name in names}
    slowest = max(workers[name].call({"op": "prepare", "task": task, "warmup": warmup})["seconds"]
                  for name in names)
    inner = max(1, int(rep_seconds / max(slowest, 1e-6)))
    for block in range(blocks):
        shift = block % len(names)
        for name in names[shift:] + names[:shift]:
            time.sleep(pause)
            reply = workers[name].call({"op": "time", "task": task, "reps": per_block, "inner": inner, "wake": wake,
                                        "between": between})
            times[name].extend(reply["times"])
    return times


def check_outputs(workers, task, reference="fastnn", rtol=1e-3, atol=1e-3):
    """Every framework's output for `task` must match the reference framework's before its timing counts."""
    outputs = {name: np.load(w.call({"op": "output", "task": task})["path"]) for name, w in workers.items()}
    want = outputs[reference].astype(np.float64)
    scale = max(1.0, float(np.abs(want).max(initial=0.0)))
    bad = {}
    for name, got in outputs.items():
        got = got.astype(np.float64)
        if got.shape != want.shape:
            bad[name] = f"shape {got.shape} != {want.shape}"
        elif not np.allclose(got, want, rtol=rtol, atol=atol * scale):
            bad[name] = f"max abs diff {np.abs(got - want).max():.3g}"
    return bad


def summarize(samples):
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples)}


def format_table(rows, columns):
    """rows: list of dicts; columns: list of (key, header, format)."""
    cells = [[header for _, header, _ in columns]]
    for row in rows:
        cells.append([fmt.format(row[key]) if row.get(key) is not None else "-" for key, _, fmt in columns])
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def check_accuracy(workers, task):
    """Train tasks: each framework's test accuracy after one seeded epoch from the shared initial weights. A
    framework below task["min_accuracy"] is reported (speed is never bought with wrong results); one more than
    0.05 below it is broken and excluded. Returns ({fw: accuracy}, {fw: problem})."""
    accuracy, bad = {}, {}
    for name, w in workers.items():
        accuracy[name] = float(np.load(w.call({"op": "output", "task": task})["path"])[0])
        if accuracy[name] < task["min_accuracy"]:
            print(f"  note: {name} test accuracy {accuracy[name]:.4f} < target {task['min_accuracy']}")
        if accuracy[name] < task["min_accuracy"] - 0.05:
            bad[name] = f"test accuracy {accuracy[name]:.4f}, far below {task['min_accuracy']}"
    return accuracy, bad


def run_suite(task_list, threads=2, reps=9, frameworks=None, suite="kernels"):
    """Runs [(label, task)] in one worker process per framework; prints the table, writes
    bench/results/<suite>.json and a chart, and returns the rows."""
    from .report import save_results

    wanted = set(frameworks or [])
    workers = {}
    skipped = {}
    try:
        names = sorted({fw for _, task in task_list for fw in tasks.FRAMEWORKS[task["kind"]]},
                       key=lambda n: (n != "fastnn", n))
        for name in names:
            if wanted and name not in wanted and not name.startswith("fastnn"):
                continue
            try:
                workers[name] = Worker(name, threads)
            except RuntimeError as exc:
                skipped[name] = str(exc).removeprefix(f"{name} worker: ")
        info = workers["fastnn"].info
        peak = info["peak_gflops"]
        versions = {n: w.info["version"] for n, w in workers.items()}
        print(f"fastnn {info['version']} isa={info['isa']} threads={threads} FMA peak {peak:.0f} GFLOP/s; "
              + ", ".join(f"{n} {v}" for n, v in versions.items() if not n.startswith("fastnn"))
              + (f"; unavailable: {', '.join(f'{n} ({why})' for n, why in skipped.items())}" if skipped else ""))
        rows = []
        for label, task in task_list:
            active = {n: w for n, w in workers.items() if n in tasks.FRAMEWORKS[task["kind"]]}
            accuracy = {}
            if "min_accuracy" in task:
                accuracy, bad = check_accuracy(active, task)
            else:
                bad = check_outputs(active, task, atol=task.get("check_atol", 1e-3))
            for n in bad:
                print(f"  {label}: {n} excluded, wrong result ({bad[n]})")
                active.pop(n)
            flops = tasks.flops(task)
            times = run_interleaved(active, task, reps=reps, warmup=task.get("warmup", 2),
                                    wake=task.get("wake", True))
            if "fastnn" not in times:
                print(f"  {label}: skipped (fastnn excluded)")
                continue
            base = summarize(times["fastnn"])["median"]
            for n, samples in times.items():
                s = summarize(samples)
                gf = flops / s["median"] * 1e-9 if flops else None
                row = {"task": label, "fw": n, "ms": s["median"] * 1e3, "min": s["min"] * 1e3,
                       "max": s["max"] * 1e3, "gflops": gf, "peak": 100 * gf / peak if gf else None,
                       "ratio": s["median"] / base, "accuracy": accuracy.get(n), "samples_s": samples}
                if task.get("rss"):
                    row["rss_mib"] = active[n].call({"op": "rss"})["mib"]
                rows.append(row)
        columns = [("task", "task", "{}"), ("fw", "framework", "{}"), ("ms", "median ms", "{:.3f}"),
                   ("min", "min", "{:.3f}"), ("max", "max", "{:.3f}"), ("gflops", "GFLOP/s", "{:.0f}"),
                   ("peak", "% peak", "{:.0f}"), ("ratio", "time / fastnn", "{:.2f}")]
        if any(r.get("accuracy") is not None for r in rows):
            columns.append(("accuracy", "test acc", "{:.4f}"))
        if any(r.get("rss_mib") is not None for r in rows):
            columns.append(("rss_mib", "peak RSS MiB", "{:.0f}"))
        print(format_table(rows, columns))
        save_results(suite, rows, {"threads": threads, "isa": info["isa"], "fma_peak_gflops": peak,
                                   "versions": versions, "unavailable": skipped})
        return rows
    finally:
        for w in workers.values():
            w.close()
