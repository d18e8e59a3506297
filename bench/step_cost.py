"""Step-cost suite (issue 17 item 2): where a training step's time goes. For the MLP (784-512-10, batch 128,
RMSprop) and LeNet (Adam) trained through `fit`, it compares the epoch time with the sum of the step's C++ kernel
times measured alone, at each thread count and ISA path asked for (each configuration in its own child process:
`FASTNN_ISA` is read at import).

How the kernel sum is found: one `fit` step runs with every `fastnn._core` function wrapped, which records each
call and a copy of its arguments; each recorded call is then replayed alone (on its own copies, so in-place
updates touch nothing of the model) and timed. The sum of those times is what the step would cost if the Python
around the kernels (layer calls, the tape, batch gather, metrics, the optimizer's loop) were free. Epoch and kernel
timings alternate in interleaved repeats and the medians are reported, with the load average (the machine may be
shared), the Python function calls per step (cProfile) and each kernel's share.

    python -m bench.step_cost [--models mlp lenet] [--threads 1 2] [--isa avx512 avx2] [--steps 100] [--reps 5]
"""
import argparse
import cProfile
import json
import os
import pstats
import subprocess
import sys
import time
import types

import numpy as np

GEMM_KERNELS = ("gemm", "dense", "conv2d")  # the kernels a step cannot avoid: name prefixes of _core functions


def _copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v) for v in value)
    return value


def record_step(core, step):
    """Runs step() with every function of `core` wrapped (also where fastnn modules hold it directly or in a
    namespace, as the optimizers' fast path does); returns [(name, function, args, kwargs)] in call order, the
    arguments copied as they were at the call."""
    calls, wrappers, undo = [], {}, []
    for name in dir(core):
        fn = getattr(core, name)
        if name.startswith("_") or not callable(fn) or isinstance(fn, type):
            continue

        def wrapper(*args, _name=name, _fn=fn, **kwargs):
            calls.append((_name, _fn, _copy(args), _copy(kwargs)))
            return _fn(*args, **kwargs)
        wrappers[id(fn)] = (fn, wrapper)
    holders = [core] + [m for n, m in list(sys.modules.items()) if n.startswith("fastnn") and m is not None]
    holders += [v for m in holders[1:] for v in vars(m).values() if isinstance(v, types.SimpleNamespace)]
    for holder in holders:
        for attr, value in list(vars(holder).items()):
            if id(value) in wrappers and wrappers[id(value)][0] is value:
                undo.append((holder, attr, value))
                setattr(holder, attr, wrappers[id(value)][1])
    try:
        step()
    finally:
        for holder, attr, value in undo:
            setattr(holder, attr, value)
    return calls


def time_call(fn, args, kwargs, min_seconds=0.002):
    """(wall, CPU) seconds per call of fn on its own argument copies (means over a loop of >= min_seconds)."""
    args, kwargs = _copy(args), _copy(kwargs)
    fn(*args, **kwargs)  # warm-up
    count, start, cpu = 0, time.perf_counter(), time.process_time()
    while True:
        fn(*args, **kwargs)
        count += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return elapsed / count, (time.process_time() - cpu) / count


def measure(model, steps, reps, batch=128):
    """The decomposition for one model in this process (its thread count and ISA as configured)."""
    import fastnn
    from fastnn import _core

    from . import train_tasks
    x, y, _, _ = train_tasks.data(model)
    n = steps * batch
    x, y = x[:n], y[:n]
    net = train_tasks.keras_like_model(fastnn, model)
    net.fit(x, y, batch_size=batch, epochs=1, verbose=0)  # warm-up: slots, caches, first-touch pages

    calls = record_step(_core, lambda: net.fit(x[:batch], y[:batch], batch_size=batch, epochs=1, verbose=0))
    kernels = [(name, fn, args, kwargs) for name, fn, args, kwargs in calls
               if not name.startswith(("get_", "set_", "isa", "num_threads", "thread_policy"))]

    epoch_s, epoch_cpu, kernel_s, kernel_cpu, per_kernel = [], [], [], [], {}
    for _ in range(reps):  # interleaved: one epoch, then every kernel once, per repeat
        start, cpu = time.perf_counter(), time.process_time()
        net.fit(x, y, batch_size=batch, epochs=1, verbose=0)
        epoch_s.append(time.perf_counter() - start)
        epoch_cpu.append(time.process_time() - cpu)
        wall = cpu = 0.0
        for i, (name, fn, args, kwargs) in enumerate(kernels):
            t = time_call(fn, args, kwargs)
            per_kernel.setdefault((i, name), []).append(t)
            wall, cpu = wall + t[0], cpu + t[1]
        kernel_s.append(wall * steps)
        kernel_cpu.append(cpu * steps)

    profile = cProfile.Profile()
    profile.enable()
    net.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    profile.disable()
    python_calls = sum(v[1] for v in pstats.Stats(profile).stats.values())

    by_name = {}
    for (_, name), ts in per_kernel.items():
        entry = by_name.setdefault(name, [0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += float(np.median([t[0] for t in ts])) * 1e3
        entry[2] += float(np.median([t[1] for t in ts])) * 1e3

    def ms(values):
        return float(np.median(values)) * 1e3
    gemm = [sum(e[i] for name, e in by_name.items() if name.startswith(GEMM_KERNELS)) * steps for i in (1, 2)]
    return {"model": model, "steps": steps, "batch": batch, "isa": fastnn.isa(), "threads": fastnn.get_num_threads(),
            "epoch_ms": ms(epoch_s), "kernel_sum_ms": ms(kernel_s), "gemm_sum_ms": gemm[0],
            "epoch_cpu_ms": ms(epoch_cpu), "kernel_sum_cpu_ms": ms(kernel_cpu), "gemm_sum_cpu_ms": gemm[1],
            "python_calls_per_step": python_calls / steps,
            "kernels_per_step": {k: {"calls": c, "ms": w, "cpu_ms": u} for k, (c, w, u) in sorted(by_name.items())},
            "epoch_ms_all": [t * 1e3 for t in epoch_s], "kernel_sum_ms_all": [t * 1e3 for t in kernel_s]}


def _child(args):
    import fastnn
    fastnn.set_num_threads(args.threads[0])
    out = [measure(m, args.steps, args.reps) for m in args.models]
    print("RESULT " + json.dumps(out))


def _print_table(rows):
    head = (f"{'model':6} {'isa':7} {'thr':>3} {'epoch ms':>9} {'kernels':>8} {'GEMMs':>8} {'ratio':>6} "
            f"{'epoch CPU':>9} {'kernels':>8} {'GEMMs':>8} {'ratio':>6} {'py calls/step':>13}")
    print("wall clock (ms) | CPU time of the process (ms; 2 threads: both threads' CPU) | ratio = epoch / kernel sum")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['model']:6} {r['isa']:7} {r['threads']:>3} {r['epoch_ms']:9.1f} {r['kernel_sum_ms']:8.1f} "
              f"{r['gemm_sum_ms']:8.1f} {r['epoch_ms'] / r['kernel_sum_ms']:6.2f} {r['epoch_cpu_ms']:9.1f} "
              f"{r['kernel_sum_cpu_ms']:8.1f} {r['gemm_sum_cpu_ms']:8.1f} "
              f"{r['epoch_cpu_ms'] / r['kernel_sum_cpu_ms']:6.2f} {r['python_calls_per_step']:13.1f}")
    for r in rows:
        print(f"\n{r['model']} {r['isa']} {r['threads']}t, per step (CPU ms): " + ", ".join(
            f"{k} x{v['calls']} {v['cpu_ms']:.3f}" for k, v in r["kernels_per_step"].items()))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.step_cost", description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["mlp", "lenet"], choices=["mlp", "lenet", "lenet_bn"])
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--isa", nargs="+", default=None, help="ISA paths (default: the CPU's best)")
    parser.add_argument("--steps", type=int, default=100, help="steps per timed epoch (batch 128)")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args)
    rows = []
    load = os.getloadavg()[0]
    for isa in args.isa or [None]:
        for threads in args.threads:
            env = dict(os.environ, OMP_NUM_THREADS=str(threads),
                       PYTHONPATH=os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), os.getcwd()])))
            if isa:
                env["FASTNN_ISA"] = isa
            cmd = [sys.executable, "-m", "bench.step_cost", "--child", "--threads", str(threads), "--steps",
                   str(args.steps), "--reps", str(args.reps), "--models", *args.models]
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
            rows += json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])
    print(f"load average at start: {load:.1f} (1 min), {os.cpu_count()} CPUs")
    _print_table(rows)
    os.makedirs(os.path.join(os.path.dirname(__file__), "results"), exist_ok=True)
    with open(os.path.join(os.path.dirname(__file__), "results", "step_cost.json"), "w") as f:
        json.dump({"load_average": load, "rows": rows}, f, indent=1)
    return rows


if __name__ == "__main__":
    main()
