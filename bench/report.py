"""Results on disk: bench/results/<suite>.json (machine, versions, ISA, threads, every raw timing) and
bench/results/<suite>.png (grouped bars: each peer's time divided by fastnn's, one group per task; > 1 means
fastnn is faster)."""
import datetime
import json
import os
import pathlib
import platform
import textwrap

RESULTS = pathlib.Path(__file__).resolve().parent / "results"


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "logical_cpus": os.cpu_count(), "system": platform.platform(),
            "python": platform.python_version()}


def save_results(suite, rows, meta):
    RESULTS.mkdir(exist_ok=True)
    record = {"suite": suite, "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "machine": machine(), **meta,
              "rows": [{k: v for k, v in row.items()} for row in rows]}
    path = RESULTS / f"{suite}.json"
    path.write_text(json.dumps(record, indent=1))
    chart = save_chart(suite, rows, meta)
    print(f"results: {path}" + (f", chart: {chart}" if chart else " (chart skipped: matplotlib not installed)"))
    return path


def save_chart(suite, rows, meta):
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    peers = sorted({r["fw"] for r in rows if r["fw"] != "fastnn"})
    ratio = {(r["task"], r["fw"]): r["ratio"] for r in rows}
    width = 0.8 / max(len(peers), 1)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(tasks) + 2), 4.8))
    for i, peer in enumerate(peers):
        xs = [t + (i - (len(peers) - 1) / 2) * width for t in range(len(tasks))]
        ys = [ratio.get((task, peer), 0.0) for task in tasks]
        bars = ax.bar(xs, ys, width, label=peer)
        for bar, y in zip(bars, ys):
            if y:
                ax.annotate(f"{y:.1f}", (bar.get_x() + bar.get_width() / 2, y), ha="center", va="bottom",
                            fontsize=7)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(tasks)))
    ax.set_xticklabels([textwrap.fill(t, 18) for t in tasks], rotation=0, ha="center", fontsize=7)
    ax.set_ylabel("peer time / fastnn time  (> 1: fastnn faster)")
    ax.set_yscale("log")
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))  # 0.5, 1, 2, 5, 10, ... all labelled
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_title(f"fastnn bench: {suite} ({meta.get('isa')}, {meta.get('threads')} threads, "
                 f"{machine()['cpu'][:40]})", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = RESULTS / f"{suite}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
