"""Sharding an epoch by rank: every rank walks the same (rank 0's) shuffled order in global batches of
`batch_size × size()` samples and takes its own consecutive part — samples r·B ... (r+1)·B−1 of each full
global batch; the last, partial global batch is split as evenly as possible (some ranks may get none)."""
from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from .. import random as fastnn_random
from . import comm

__all__ = ["global_steps", "local_part", "epoch_order", "batch_indices"]


def global_steps(n, batch_size):
    """Steps in an epoch of `n` samples with `batch_size` samples per rank per step."""
    world = comm.size()
    if n < world:
        raise ValueError(f"{n} samples cannot be shared among {world} ranks: give every rank at least one sample")
    return math.ceil(n / (batch_size * world))


def local_part(indices: np.ndarray) -> np.ndarray:
    """This rank's consecutive part of one global batch's `indices` (sizes differ by at most one).

    Args:
        indices: One global batch's sample indices.

    Returns:
        This rank's part of `indices`.
    """
    world, me = comm.size(), comm.rank()
    base, extra = divmod(len(indices), world)
    start = me * base + min(me, extra)
    return indices[start:start + base + (me < extra)]


def epoch_order(n, shuffle=True, order=None):
    """The epoch's sample order, identical on every rank: rank 0's `order` (by default a permutation drawn from
    fastnn's global generator, as a single-process `fit` draws it) is broadcast. None when not shuffling."""
    if not shuffle:
        return None
    if order is None:
        order = fastnn_random._generator().permutation(n)
    return comm.broadcast(np.asarray(order, np.int64), what="the broadcast of the epoch's shuffled order") \
        if comm.size() > 1 else order


def _local_batches(n, batch_size, order):
    world = comm.size()
    order = np.arange(n) if order is None else order
    global_batch = batch_size * world
    for start in range(0, n, global_batch):
        yield local_part(order[start:start + global_batch])


def batch_indices(n: int, batch_size: int, shuffle: bool = True) -> Iterator[np.ndarray]:
    """For a custom training loop: yields this rank's sample indices for each step of one epoch over `n` samples,
    `batch_size` per rank per step (the last step's part may be smaller or empty: pass `num_samples=len(idx)` to
    `DistributedOptimizer.apply_gradients`). All ranks must call it together (the order comes from rank 0).

    Args:
        n: The number of samples.
        batch_size: Samples per rank per step.
        shuffle: Whether each epoch's order is shuffled (rank 0's order is used on every rank).
    """
    global_steps(n, batch_size)
    yield from _local_batches(n, batch_size, epoch_order(n, shuffle))
