"""A bench worker: `python -m bench.worker FRAMEWORK THREADS`, one JSON request per stdin line, one reply per
stdout line. It imports only its own framework, builds each task once (same seeded inputs in every worker) and
times it on request."""
import json
import os
import sys
import tempfile
import time
import traceback


def main():
    framework, threads = sys.argv[1], int(sys.argv[2])
    from . import tasks

    try:
        fw = tasks.load_framework(framework, threads)
    except ImportError:  # a peer that is not installed: one line for the parent to print, no traceback
        print(json.dumps({"error": "not installed"}), flush=True)
        return
    built = {}

    def get(task):
        key = json.dumps(task, sort_keys=True)
        if key not in built:
            built[key] = tasks.build(fw, framework, task)
        return built[key]

    out = sys.stdout
    sys.stdout = sys.stderr  # frameworks that print must not corrupt the protocol
    for line in sys.stdin:
        request = json.loads(line)
        try:
            op = request["op"]
            if op == "hello":
                reply = {"framework": framework, "version": tasks.framework_version(fw, framework)}
                if framework == "fastnn":
                    reply["isa"] = fw.isa()
                    reply["peak_gflops"] = fw._core.measure_fma_peak_gflops(threads, 0.3)
            elif op == "prepare":
                fn, _ = get(request["task"])
                for _ in range(request.get("warmup", 2)):
                    fn()
                t0 = time.perf_counter()
                fn()
                reply = {"seconds": time.perf_counter() - t0}
            elif op == "time":
                fn, _ = get(request["task"])
                if request.get("wake", True):
                    fn()  # untimed: wakes this framework's thread pool after the pause between blocks
                times = []
                between = tasks.between_call(request.get("between"))
                for _ in range(request["reps"]):
                    if between is None:
                        t0 = time.perf_counter()
                        for _ in range(request["inner"]):
                            fn()
                        times.append((time.perf_counter() - t0) / request["inner"])
                        continue
                    total = 0.0
                    for _ in range(request["inner"]):  # another library's call before each, untimed
                        between()
                        t0 = time.perf_counter()
                        fn()
                        total += time.perf_counter() - t0
                    times.append(total / request["inner"])
                reply = {"times": times}
            elif op == "policy":
                reply = fw._core.thread_policy() if framework.startswith("fastnn") else {}
            elif op == "rss":
                import resource

                reply = {"mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}
            elif op == "output":
                _, output = get(request["task"])
                import numpy as np

                fd, path = tempfile.mkstemp(suffix=".npy")
                os.close(fd)
                np.save(path, np.asarray(output(), dtype=np.float32))
                reply = {"path": path}
            else:
                reply = {"error": f"unknown op {op!r}"}
        except Exception as exc:  # noqa: BLE001  (report, keep serving)
            reply = {"error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
