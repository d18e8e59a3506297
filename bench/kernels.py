"""Kernel suite: fastnn next to numpy (OpenBLAS), PyTorch and TensorFlow, each in its own worker process.
Every framework's output is checked against fastnn's before its time is reported."""
from . import tasks
from .common import Worker, check_outputs, format_table, run_interleaved, summarize


def task_list(quick):
    gemm = [("sgemm 128x784x512", 128, 784, 512, False, False),
            ("sgemm 128x512x10", 128, 512, 10, False, False),
            ("dW 784x128^T.128x512", 784, 128, 512, True, False),
            ("dX 128x512.(784x512)^T", 128, 512, 784, False, True),
            ("sgemm 512^3", 512, 512, 512, False, False),
            ("sgemm 1024^3", 1024, 1024, 1024, False, False)]
    out = [(label, {"kind": "gemm", "m": m, "k": k, "n": n, "ta": ta, "tb": tb})
           for label, m, k, n, ta, tb in gemm]
    lenet = [("conv1 28x28x1->6 3x3 fwd+bwd", {"kind": "conv", "n": 128, "h": 28, "w": 28, "cin": 1, "cout": 6, "k": 3}),
             ("conv2 13x13x6->16 3x3 fwd+bwd", {"kind": "conv", "n": 128, "h": 13, "w": 13, "cin": 6, "cout": 16, "k": 3}),
             ("conv wide 32x32x64->64 3x3 fwd+bwd (batch 32)",
              {"kind": "conv", "n": 32, "h": 32, "w": 32, "cin": 64, "cout": 64, "k": 3}),
             ("maxpool 26x26x6 2x2 fwd+bwd", {"kind": "maxpool", "n": 128, "h": 26, "w": 26, "c": 6}),
             ("maxpool 11x11x16 2x2 fwd+bwd", {"kind": "maxpool", "n": 128, "h": 11, "w": 11, "c": 16}),
             ("softmax-xent 128x10 loss+grad", {"kind": "xent", "rows": 128, "classes": 10}),
             ("adam update 407,050 params", {"kind": "adam", "shapes": [[784, 512], [512], [512, 10], [10]]})]
    if quick:
        return out[:1] + lenet[1:2]
    return out + lenet


def run(threads=2, reps=9, quick=False, frameworks=None):
    wanted = set(frameworks or [])
    workers = {}
    skipped = {}
    try:
        for name in sorted({fw for fws in tasks.FRAMEWORKS.values() for fw in fws}, key=lambda n: n != "fastnn"):
            if wanted and name not in wanted and name != "fastnn":
                continue
            try:
                workers[name] = Worker(name, threads)
            except RuntimeError as exc:
                skipped[name] = str(exc)
        info = workers["fastnn"].info
        peak = info["peak_gflops"]
        print(f"fastnn {info['version']} isa={info['isa']} threads={threads} FMA peak {peak:.0f} GFLOP/s; "
              + ", ".join(f"{n} {w.info['version']}" for n, w in workers.items() if n != "fastnn")
              + (f"; unavailable: {', '.join(skipped)}" if skipped else ""))
        rows = []
        for label, task in task_list(quick):
            active = {n: w for n, w in workers.items() if n in tasks.FRAMEWORKS[task["kind"]]}
            bad = check_outputs(active, task)
            for n in bad:
                print(f"  {label}: {n} excluded, wrong result ({bad[n]})")
                active.pop(n)
            flops = tasks.flops(task)
            times = run_interleaved(active, task, reps=reps)
            base = summarize(times["fastnn"])["median"]
            for n, samples in times.items():
                s = summarize(samples)
                gf = flops / s["median"] * 1e-9 if flops else None
                rows.append({"task": label, "fw": n, "ms": s["median"] * 1e3, "min": s["min"] * 1e3,
                             "max": s["max"] * 1e3, "gflops": gf, "peak": 100 * gf / peak if gf else None,
                             "ratio": s["median"] / base})
        print(format_table(rows, [("task", "task", "{}"), ("fw", "framework", "{}"),
                                  ("ms", "median ms", "{:.3f}"), ("min", "min", "{:.3f}"), ("max", "max", "{:.3f}"),
                                  ("gflops", "GFLOP/s", "{:.0f}"), ("peak", "% peak", "{:.0f}"),
                                  ("ratio", "time / fastnn", "{:.2f}")]))
        return rows
    finally:
        for w in workers.values():
            w.close()
