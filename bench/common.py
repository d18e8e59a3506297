"""Timing helpers for the bench suite: warm-up discarded, repeats interleaved across candidates in rotating
order (so drift and noisy neighbours hit every candidate alike), medians reported with min and max."""
import statistics
import time


def time_interleaved(candidates, reps=9, warmup=2, inner=1):
    """candidates: {name: zero-arg callable}. Returns {name: [seconds per call, one per repeat]}.

    Each repeat times `inner` back-to-back calls; the order of candidates rotates every repeat."""
    names = list(candidates)
    for name in names:
        for _ in range(warmup):
            candidates[name]()
    times = {name: [] for name in names}
    for rep in range(reps):
        shift = rep % len(names)
        for name in names[shift:] + names[:shift]:
            fn = candidates[name]
            t0 = time.perf_counter()
            for _ in range(inner):
                fn()
            times[name].append((time.perf_counter() - t0) / inner)
    return times


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
