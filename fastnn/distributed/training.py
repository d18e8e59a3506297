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
"""
import numpy as np

from ..callbacks import CSVLogger, ModelCheckpoint
from . import comm, data
from .optimizer import broadcast_variables

__all__ = ["DataParallel", "ROOT_ONLY_CALLBACKS"]

ROOT_ONLY_CALLBACKS = (ModelCheckpoint, CSVLogger)  # they write files: rank 0's copy is everyone's


class DataParallel:
    def __init__(self, optimizer):
        self.optimizer = optimizer
        self._synced = False

    @property
    def is_root(self):
        return comm.rank() == 0

    # --- data
    def steps(self, n, batch_size):
        return data.global_steps(n, batch_size)

    def batches(self, n, batch_size, order):
        """This rank's index arrays for one epoch; `order` is this rank's shuffle (rank 0's is used)."""
        return data._local_batches(n, batch_size, data.epoch_order(n, order is not None, order))

    # --- fit
    def begin(self, model, verbose, callbacks):
        """At the start of fit: (verbose, callbacks) for this rank; weights are synchronized at the first step."""
        self._synced = False
        if self.is_root:
            return verbose, callbacks
        return 0, [cb for cb in callbacks or [] if not isinstance(cb, ROOT_ONLY_CALLBACKS)]

    def verbose(self, verbose):
        return verbose if self.is_root else 0

    def _sync(self, model, x):
        if not model.built:
            model(x[:1], training=False)  # build, so rank 0's initial weights can be sent before any update
        broadcast_variables(model.weights + self.optimizer.variables)
        self._synced = True

    def train_step(self, model, x, y, sample_weight):
        """One data-parallel step on this rank's part `x` of the global batch; returns the global logs."""
        if not self._synced:
            self._sync(model, x)
        n = len(x)
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
                                op="sum") if states else np.zeros(0)
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
        return bool(comm.allreduce(np.asarray([1.0 if flag else 0.0]), op="sum")[0] > 0)
