"""Contention suite: what 2 threads cost when the cores are shared (issue 13, item 6).

The 784-512-10 custom-loop training step (batch 128, Adam) and a 128x784x512 GEMM, timed
  - on the machine as it is ("idle" — check the load printed above the table),
  - beside 1 and 2 busy processes (spawned Python busy loops, bounded in time, killed at the end),
  - right after a numpy (OpenBLAS) or PyTorch GEMM in the same process (that library's idle threads still spin),
for fastnn at 2 threads with the adaptive policy (the default), at 2 threads with the old static policy
(FASTNN_THREAD_POLICY=static) and at 1 thread, next to PyTorch and numpy at 2 and 1 threads. Each configuration
runs in its own worker process; repeats are interleaved across them (common.run_interleaved). The ratio columns
divide each 2-thread time by the same framework's 1-thread time in the same condition: the target is <= 1.10
under contention for fastnn's default.
"""
import json
import os
import subprocess
import sys
import time

from . import tasks
from .common import Worker, format_table, run_interleaved, summarize

STEP = ("step 784-512-10 b128", {"kind": "loop_step", "sizes": [784, 512, 10], "batch": 128})
GEMM = ("gemm 128x784x512", {"kind": "gemm", "m": 128, "k": 784, "n": 512, "ta": False, "tb": False})

# label -> (framework, threads for the environment, extra environment). Every fastnn worker sees 2 threads in its
# environment (so the in-process numpy/PyTorch calls use their default 2); fastnn_1t then sets fastnn to 1.
CONFIGS = {
    "fastnn 2t": ("fastnn", 2, {}),
    "fastnn 2t static": ("fastnn", 2, {"FASTNN_THREAD_POLICY": "static"}),
    "fastnn 1t": ("fastnn_1t", 2, {}),
    "torch 2t": ("torch", 2, {}),
    "torch 1t": ("torch_1t", 2, {}),
    "numpy 2t": ("numpy", 2, {}),
    "numpy 1t": ("numpy", 1, {}),
}
FASTNN = ("fastnn 2t", "fastnn 2t static", "fastnn 1t")

# (condition, busy processes, library called before each timed call in the same process)
CONDITIONS = [("idle", 0, None), ("1 busy process", 1, None), ("2 busy processes", 2, None),
              ("after numpy GEMM", 0, "numpy"), ("after torch GEMM", 0, "torch")]

_BUSY = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"


def load():
    """The 1-minute load average, or None where the OS does not report it."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


class BusyProcesses:
    """`n` spinning Python processes for the duration of a `with` block (each also exits by itself after
    `seconds`, so none outlives a crashed bench)."""

    def __init__(self, n, seconds=600):
        self.n, self.seconds, self.procs = n, seconds, []

    def __enter__(self):
        code = _BUSY.format(seconds=self.seconds)
        self.procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(self.n)]
        time.sleep(0.3 if self.n else 0)  # let the scheduler settle them on the cores
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.kill()
        for p in self.procs:
            p.wait(timeout=30)


def task_configs(task, between):
    kind = task["kind"]
    labels = [label for label, (fw, _, _) in CONFIGS.items() if fw.split("_")[0] in tasks.FRAMEWORKS[kind]]
    return [label for label in labels if label in FASTNN] if between else labels


def run(reps=6, quick=False, frameworks=None):
    """Prints the contention table and writes bench/results/contention.json; returns the rows."""
    from .report import RESULTS, machine

    task_list = [STEP, GEMM]
    conditions = CONDITIONS
    wanted = set(frameworks or [])
    configs = {label: cfg for label, cfg in CONFIGS.items()
               if not wanted or label in FASTNN or cfg[0].split("_")[0] in wanted}
    if quick:
        task_list, conditions = [GEMM], [CONDITIONS[0], CONDITIONS[1], CONDITIONS[3]]
        configs = {label: cfg for label, cfg in configs.items() if label in FASTNN or label.startswith("numpy")}
    workers, skipped, rows = {}, {}, []
    load_before = load()
    try:
        for label, (fw, threads, env) in configs.items():
            try:
                workers[label] = Worker(fw, threads, extra_env=env)
            except RuntimeError as exc:
                skipped[label] = str(exc)
        info = workers["fastnn 2t"].info
        print(f"contention: fastnn {info['version']} isa={info['isa']}, {os.cpu_count()} logical CPUs, "
              f"1-min load {load_before if load_before is not None else '?'} before the run"
              + (f"; unavailable: {', '.join(skipped)}" if skipped else ""))
        for condition, busy, between in conditions:
            with BusyProcesses(busy):
                for task_label, task in task_list:
                    active = {label: workers[label] for label in task_configs(task, between) if label in workers}
                    trips = workers["fastnn 2t"].call({"op": "policy"})["trips"]
                    times = run_interleaved(active, task, reps=reps, warmup=3, between=between)
                    policy = workers["fastnn 2t"].call({"op": "policy"})
                    med = {label: summarize(t)["median"] * 1e3 for label, t in times.items()}
                    row = {"task": task_label, "condition": condition, "load": load(), **med,
                           "trips": policy["trips"] - trips, "samples_s": times}
                    for two, one in (("fastnn 2t", "fastnn 1t"), ("fastnn 2t static", "fastnn 1t"),
                                     ("torch 2t", "torch 1t"), ("numpy 2t", "numpy 1t")):
                        if two in med and one in med:
                            row[f"{two} / 1t"] = med[two] / med[one]
                    rows.append(row)
    finally:
        for w in workers.values():
            w.close()
    columns = [("task", "task", "{}"), ("condition", "condition", "{}")]
    columns += [(label, label + " ms", "{:.3f}") for label in configs if label in workers]
    columns += [(f"{two} / 1t", f"{two.split()[0]} 2t/1t" + (" static" if "static" in two else ""), "{:.2f}")
                for two in ("fastnn 2t", "fastnn 2t static", "torch 2t", "numpy 2t") if two in workers]
    columns += [("trips", "back-offs", "{}"), ("load", "load", "{:.1f}")]
    print(format_table(rows, columns))
    print("ms: median time per call; 2t/1t: the same framework's 2-thread time over its 1-thread time in that "
          "condition (fastnn's target under contention: <= 1.10); static: FASTNN_THREAD_POLICY=static, the "
          "old policy; back-offs: times the default fastnn 2t worker switched to 1 thread in that row (0 expected "
          "on an idle machine); load: 1-min load average after the condition")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "contention.json"
    path.write_text(json.dumps({"suite": "contention", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                "machine": machine(), "load_before": load_before, "rows": rows}, indent=1))
    print(f"results: {path}")
    return rows
