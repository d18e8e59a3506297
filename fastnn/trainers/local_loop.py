"""`LocalLoop`: how `fit` / `evaluate` run in one process. `fastnn.distributed.DataParallel` implements the same
methods for data-parallel training, so the trainer's loops have one shape and no branches on which it is."""
import contextlib

from .data_adapter import batch_indices, ceil_steps, num_samples

__all__ = ["LocalLoop"]


class LocalLoop:
    """The single-process loop: every batch whole, logs as this process computed them."""

    is_root = True

    @staticmethod
    def steps(n, batch_size, what="fit()"):
        return ceil_steps(n, batch_size)

    @staticmethod
    def batches(n, batch_size, order):
        return batch_indices(n, batch_size, order)

    @staticmethod
    def stream_batches(epoch_batches):
        return epoch_batches

    @staticmethod
    def begin(model, verbose, callbacks, **settings):
        return verbose, callbacks

    @staticmethod
    def at(position):
        """(Data-parallel: where training is, for fault messages.)"""

    @staticmethod
    def guard(what):
        return contextlib.nullcontext()

    @staticmethod
    def verbose(verbose):
        return verbose

    @staticmethod
    def train_step(model, x, y, sample_weight):
        """One step of the built-in train_step; returns the logs."""
        loss, y_pred = model._train_step(x, y, sample_weight)
        model._update_metrics(loss, y, y_pred, sample_weight, num_samples(x))
        return model._compiled.logs()

    @staticmethod
    def reduce_logs(loss_tracker, metrics):
        return {"loss": float(loss_tracker.result()), **{m.name: float(m.result()) for m in metrics or []}}

    @staticmethod
    def any(flag):
        return bool(flag)


LOCAL = LocalLoop()
