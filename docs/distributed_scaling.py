"""The paper scaling model of docs/distributed.md: bytes allreduced per step, ring-allreduce time on N nodes,
and the resulting data-parallel efficiency, from a training step's compute time measured on this machine.

    python docs/distributed_scaling.py [--threads N] [--batch 128] [--plot docs/distributed_scaling.png]

Model (stated in docs/distributed.md): one float32 gradient buffer per step (4 bytes/parameter), ring allreduce
T(N) = 2(N-1)/N * bytes / (eta * link rate) + 2(N-1) * alpha, plus the small metrics allreduce (recursive doubling,
2*ceil(log2 N) * alpha); no overlap of communication with compute (fastnn reduces after the backward pass);
weak scaling (batch per node fixed), so efficiency = t_compute / (t_compute + T_allreduce(N)).
"""
import argparse
import math
import time

import numpy as np

import fastnn
from fastnn import layers

LINKS_GBPS = (10, 25, 100)
NODES = (1, 2, 4, 8, 16, 32, 64)
ETA = 0.9        # achievable share of the line rate for large messages (TCP, jumbo frames)
ALPHA = 25e-6    # seconds per message hop (MPI over kernel TCP on Ethernet; RDMA would be ~2-5 us)


def models():
    mlp = fastnn.Sequential([layers.Input((28, 28, 1)), layers.Flatten(), layers.Dense(512, activation="relu"),
                             layers.Dense(10, activation="softmax")])
    lenet = fastnn.Sequential([
        layers.Input((28, 28, 1)), layers.Conv2D(6, 3), layers.MaxPool2D(2, 2), layers.ReLU(),
        layers.Conv2D(16, 3), layers.MaxPool2D(), layers.ReLU(), layers.Flatten(),
        layers.Dense(120, activation="relu"), layers.Dense(84, activation="relu"),
        layers.Dense(10, activation="softmax")])  # as `python -m fastnn train --model lenet --dataset mnist`
    return {"MLP 784-512-10": (mlp, "rmsprop"), "LeNet": (lenet, "adam")}


def step_seconds(model, optimizer, batch, blocks=5, repeats=40):
    """Time of one fit step (forward, backward, update) on a random MNIST-shaped batch: the lowest of `blocks`
    medians (the machine is shared; other jobs only ever add time)."""
    rng = np.random.default_rng(0)
    x = rng.random((batch, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    model.compile(optimizer, "sparse_categorical_crossentropy")
    for _ in range(5):
        model._train_step(x, y, None)
    medians = []
    for _ in range(blocks):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model._train_step(x, y, None)
            times.append(time.perf_counter() - start)
        medians.append(float(np.median(times)))
    return min(medians)


def allreduce_seconds(nbytes, nodes, gbps):
    if nodes == 1:
        return 0.0
    ring = 2 * (nodes - 1) / nodes * nbytes / (ETA * gbps * 1e9 / 8) + 2 * (nodes - 1) * ALPHA
    metrics = 2 * math.ceil(math.log2(nodes)) * ALPHA
    return ring + metrics


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--plot", default=None)
    args = parser.parse_args(argv)
    if args.threads:
        fastnn.set_num_threads(args.threads)
    fastnn.utils.set_random_seed(0)
    rows = {}
    for name, (model, optimizer) in models().items():
        params = model.count_params()
        nbytes = 4 * params + 4 * (len(model.trainable_weights) + 1)  # gradients + presence flags + weight
        compute = step_seconds(model, optimizer, args.batch)
        rows[name] = (params, nbytes, compute)
        print(f"{name}: {params:,} params, {nbytes / 1e6:.3f} MB per step, compute {compute * 1e3:.2f} ms/step "
              f"(batch {args.batch}, {fastnn.get_num_threads()} threads, {fastnn.isa()})")
    print()
    header = "| model | link | " + " | ".join(f"N={n}" for n in NODES[1:]) + " |"
    print(header)
    print("|" + "---|" * (2 + len(NODES) - 1))
    curves = {}
    for name, (params, nbytes, compute) in rows.items():
        for gbps in LINKS_GBPS:
            cells, curve = [], []
            for n in NODES:
                t = allreduce_seconds(nbytes, n, gbps)
                efficiency = compute / (compute + t)
                curve.append(efficiency)
                if n > 1:
                    cells.append(f"{t * 1e3:.2f} ms / {efficiency:.0%}")
            curves[(name, gbps)] = curve
            print(f"| {name} | {gbps} Gb/s | " + " | ".join(cells) + " |")
    print(f"\n(alpha = {ALPHA * 1e6:.0f} us per hop, eta = {ETA}; at N=64 the ring's latency term alone is "
          f"{2 * 63 * ALPHA * 1e3:.2f} ms, recursive halving/doubling's 2*log2(N)*alpha = {12 * ALPHA * 1e3:.2f} ms)")
    if args.plot:
        import matplotlib  # noqa: PLC0415

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # noqa: PLC0415

        fig, ax = plt.subplots(figsize=(7, 4.2))
        for (name, gbps), curve in curves.items():
            ax.plot(NODES, [100 * e for e in curve], marker="o", linestyle="-" if "MLP" in name else "--",
                    label=f"{name}, {gbps} Gb/s")
        ax.set_xscale("log", base=2)
        ax.set_xticks(NODES, [str(n) for n in NODES])
        ax.set_ylim(0, 102)
        ax.set_xlabel("nodes (one rank per node, batch 128 per node)")
        ax.set_ylabel("data-parallel efficiency (%)")
        ax.set_title("fastnn.distributed on paper: ring allreduce, no overlap")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(args.plot, dpi=110)
        print(f"\nplot written to {args.plot}")


if __name__ == "__main__":
    main()
