"""`DataParallel`: what `Model.fit` / `evaluate` do differently when the model is compiled with a
`DistributedOptimizer` (the model asks its optimizer for these hooks; nothing here is called otherwise).

- each epoch's shuffled samples are sharded by rank (`fastnn.distributed.data`), `batch_size` per rank;
- before the first step, rank 0's weights and optimizer state are broadcast (built first if the model is not);
- each step's gradients are weighted by the rank's sample count, then averaged (`DistributedOptimizer`);
- the logged loss and metrics are those of all ranks' samples: the metrics' states (totals and counts) are summed
  over ranks — one small allreduce per step — so every callback sees the same logs on every rank and makes the
  same decision (EarlyStopping, ReduceLROnPlateau, TerminateOnNaN); `stop_training` is also OR-ed over ranks at
  each epoch end;
- only rank 0 prints progress and runs `ModelCheckpoint` / `CSVLogger`;
- `evaluate` (and fit's validation) shards the samples too and sums the metric states at the end.

Datasets and generators are not sharded: give each rank its own shard, with the same number of batches per
epoch on every rank.

Faults end the job instead of hanging it: at the start, the ranks check that they called `fit` / `evaluate` alike
(sample counts, batch size, epochs, steps, shuffling, validation) and, at the first step, that their models have
the same weights (shapes, dtypes) and optimizers (class, settings) — a difference is a ValueError on every rank,
naming the first one and each rank's value; a rank that leaves the data-parallel loop through any exception,
`sys.exit` or Ctrl-C prints it and aborts the job (`guard`); ranks whose Datasets or generators run out at
different steps get a ValueError at that step; anything else that leaves a rank waiting is caught by the stall
watchdog of `fastnn.distributed.comm` (`set_timeout`).
"""
from __future__ import annotations

import contextlib

import numpy as np

from ..callbacks import CSVLogger, ModelCheckpoint
from ..optimizers import Optimizer
from ..trainers.data_adapter import num_samples
from . import comm, data
from .comm import broadcast_variables

__all__ = ["DataParallel", "ROOT_ONLY_CALLBACKS"]

ROOT_ONLY_CALLBACKS = (ModelCheckpoint, CSVLogger)  # they write files: rank 0's copy is everyone's


class DataParallel:
    """The data-parallel training loop that `fit` / `evaluate` use for a model compiled with a `DistributedOptimizer`.

    It has the interface of the single-process `fastnn.trainers.local_loop.LocalLoop` (steps, batches, the guarded
    step, the log reduction), so the trainer's loops have no branches on which one runs: each epoch's shuffled samples
    are sharded by rank, gradients averaged in one allreduce per step, metrics averaged over ranks by sample count,
    and only rank 0 prints and writes checkpoints. Users do not construct it; `fit` does.

    Args:
        optimizer: The model's `DistributedOptimizer`.
    """
    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = optimizer
        self._synced = False

    @property
    def is_root(self):
        return comm.rank() == 0

    # --- data
    def steps(self, n, batch_size, what="fit()"):
        """Steps per epoch for arrays of `n` samples, `batch_size` per rank: the ranks first check that they all
        hold the same `n` samples (every rank passes the whole data set; fit shards it) and batch size."""
        agree(what, samples=n, batch_size=batch_size)
        return data.global_steps(n, batch_size)

    def batches(self, n, batch_size, order):
        """This rank's index arrays for one epoch; `order` is this rank's shuffle (rank 0's is used)."""
        return data._local_batches(n, batch_size, data.epoch_order(n, order is not None, order))

    def stream_batches(self, epoch_batches):
        """A Dataset's or generator's batches for one epoch, with one tiny allreduce per step saying which ranks
        still have a batch: when every rank's data ends at the same step the epoch ends everywhere; when they end
        at different steps, every rank raises the same ValueError (instead of the longer ranks waiting forever)."""
        def batches():
            iterator = iter(epoch_batches())
            step = 0
            while True:
                batch = next(iterator, None)
                have = int(comm.allreduce(np.asarray([batch is not None], np.int64), op="sum",
                                          what="the end-of-data check of a Dataset/generator")[0])
                if have == 0:
                    return
                if have < comm.size():
                    raise ValueError(
                        f"The ranks' datasets/generators yield different numbers of batches per epoch: at step "
                        f"{step + 1}, {comm.size() - have} of {comm.size()} ranks had no batch left (this rank "
                        f"{'had one' if batch is not None else 'had none'}). Give every rank a shard with the same "
                        f"number of batches, or pass the same `steps_per_epoch` everywhere.")
                step += 1
                yield batch
        return batches

    # --- fit
    def begin(self, model, verbose, callbacks, **settings):
        """At the start of fit: checks that every rank called fit with the same `settings` (epochs, steps, ...),
        then returns (verbose, callbacks) for this rank; weights are synchronized at the first step."""
        agree("fit()", **settings)
        self._synced = False
        if self.is_root:
            return verbose, callbacks
        return 0, [cb for cb in callbacks or [] if not isinstance(cb, ROOT_ONLY_CALLBACKS)]

    @staticmethod
    def at(position):
        """Record where training is, for the abort and watchdog messages."""
        comm.set_position(position)

    @contextlib.contextmanager
    def guard(self, what):
        """Around a data-parallel loop: any BaseException leaving it on one rank (an error, `sys.exit`, Ctrl-C)
        is printed and aborts the job, since the other ranks would wait for this one forever."""
        if comm.size() == 1:
            yield
            return
        try:
            yield
        except BaseException as error:  # noqa: BLE001  (SystemExit and KeyboardInterrupt hang the peers too)
            comm.fail(error, what)
        finally:
            comm.set_position("")

    def verbose(self, verbose):
        return verbose if self.is_root else 0

    def _sync(self, model, x):
        if not model.built:
            model(x[:1], training=False)  # build, so rank 0's initial weights can be sent before any update
        check_same_model(model, self.optimizer)
        broadcast_variables(model.weights + self.optimizer.variables)
        self._synced = True

    def train_step(self, model, x, y, sample_weight):
        """One data-parallel step on this rank's part `x` of the global batch; returns the global logs."""
        if not self._synced:
            self._sync(model, x)
        n = num_samples(x)
        if n:
            with self.optimizer.samples(n):
                loss, y_pred = model._train_step(x, y, sample_weight)
            model._update_metrics(loss, y, y_pred, sample_weight, n)
        else:  # this rank's part of the last batch is empty: it still joins the allreduce, with weight 0
            weights = model.trainable_weights
            self.optimizer.apply_gradients(zip([None] * len(weights), weights), num_samples=0)
        compiled = model._compiled
        return self.reduce_logs(compiled.loss_tracker, compiled.metrics)

    @staticmethod
    def reduce_logs(loss_tracker, metrics):
        """{"loss": ..., metric: ...} over all ranks' samples: each metric's state variables summed over ranks."""
        trackers = [loss_tracker] + list(metrics or [])
        states = [v for m in trackers for v in m.variables]
        summed = comm.allreduce(np.concatenate([np.asarray(v.numpy(), np.float64).reshape(-1) for v in states]),
                                op="sum", what="the metrics allreduce") if states else np.zeros(0)
        logs, offset = {}, 0
        for m in trackers:
            local = [v.numpy() for v in m.variables]
            for v in m.variables:
                size = int(np.prod(v.shape))
                v.assign(summed[offset:offset + size].reshape(v.shape))
                offset += size
            logs[m.name] = float(m.result())
            for v, value in zip(m.variables, local):
                v.assign(value)
        return logs

    @staticmethod
    def any(flag):
        """True on every rank if `flag` is true on any rank."""
        return bool(comm.allreduce(np.asarray([1.0 if flag else 0.0]), op="sum",
                                   what="the epoch-end stop_training allreduce")[0] > 0)


# --- agreement checks
def agree(what, **settings):
    """Check that every rank passed the same `settings` (one object allgather); a difference raises the same
    ValueError on every rank, naming the first differing setting and every rank's value."""
    if comm.size() == 1:
        return
    gathered = comm.allgather_object(settings, what=f"the start of {what} (checking the ranks' arguments agree)")
    for key in settings:
        values = [g.get(key) for g in gathered]
        if any(v != values[0] for v in values[1:]):
            per_rank = ", ".join(f"rank {r}: {v!r}" for r, v in enumerate(values))
            if key == "samples":
                raise ValueError(f"Every rank must pass the same number of samples to {what} (each passes the whole "
                                 f"data set, which is sharded by rank); received {per_rank}")
            raise ValueError(f"Every rank must call {what} with the same `{key}`; received {per_rank}")


def _describe(value):
    """A comparable description of an optimizer setting (numbers as floats, objects by class and config)."""
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, (int, float, np.number)):
        return float(value)
    if hasattr(value, "get_config"):
        return (type(value).__name__, tuple(sorted((k, _describe(v)) for k, v in value.get_config().items())))
    if isinstance(value, (list, tuple)):
        return tuple(_describe(v) for v in value)
    return repr(value)


def _show(value):
    """A setting for a message: floats at float32 precision (a learning rate of 0.1 is 0.1, not 0.10000000149)."""
    return f"{value:.7g}" if isinstance(value, float) else repr(value)


def _weight_names(model):
    """'layer/variable' for each of model.weights (the layer that owns it, as Keras' variable paths)."""
    owners = {}
    for layer in [model] + model.flatten_layers():
        for w in layer._own_weights:
            owners.setdefault(id(w), layer.name)
    return [f"{owners.get(id(w), model.name)}/{w.name}" for w in model.weights]


def check_same_model(model, optimizer):
    """Check that every rank's model has the same weights (count, shapes, dtypes) and optimizer (class and
    settings) before rank 0's values are broadcast over them; raises the same ValueError on every rank, naming
    the first difference. Without it, equal parameter counts in different shapes would train silently to garbage
    and different counts fail inside MPI ("Message truncated")."""
    if comm.size() == 1:
        return
    weights = [(name, tuple(w.shape), str(w.dtype)) for name, w in zip(_weight_names(model), model.weights)]
    config = optimizer.get_config()
    mine = {"weights": weights,
            "optimizer": (type(optimizer).__name__, sorted((k, _describe(v)) for k, v in config.items())),
            "optimizer_variables": [(tuple(v.shape), str(v.dtype)) for v in optimizer.variables]}
    gathered = comm.allgather_object(mine, what="the first step of fit() (checking the ranks' models agree)")
    for r, other in enumerate(gathered[1:], start=1):
        _compare_weights(gathered[0]["weights"], other["weights"], r)
        (cls0, conf0), (cls, conf) = gathered[0]["optimizer"], other["optimizer"]
        if cls0 != cls:
            raise ValueError(f"The ranks' optimizers differ: rank 0 uses {cls0}, rank {r} uses {cls}")
        for (key, v0), (_, v) in zip(conf0, conf):
            if v0 != v:
                raise ValueError(f"The ranks' optimizers differ in `{key}`: rank 0 has {_show(v0)}, rank {r} has "
                                 f"{_show(v)}")
        if gathered[0]["optimizer_variables"] != other["optimizer_variables"]:
            raise ValueError(f"The ranks' optimizer states differ (rank 0: {gathered[0]['optimizer_variables']}, "
                             f"rank {r}: {other['optimizer_variables']})")


def _compare_weights(first, other, r):
    for i, (a, b) in enumerate(zip(first, other)):
        if a != b:
            raise ValueError(f"The ranks' models differ: weight {i} is {a[0]!r} of shape {a[1]} ({a[2]}) on rank 0 "
                             f"but {b[0]!r} of shape {b[1]} ({b[2]}) on rank {r}. Build the same model on every rank.")
    if len(first) != len(other):
        extra, where = (first[len(other)], 0) if len(first) > len(other) else (other[len(first)], r)
        raise ValueError(f"The ranks' models differ: rank 0 has {len(first)} weights, rank {r} has {len(other)} "
                         f"(the first extra one, on rank {where}: {extra[0]!r} of shape {extra[1]}). Build the "
                         f"same model on every rank.")
