"""`DistributedOptimizer`: any fastnn optimizer, with each step's gradients averaged over all ranks in one fused
allreduce before the usual fused update. (`broadcast_variables` lives in `fastnn.distributed.comm`; it is importable
from here too.)"""
from __future__ import annotations

import contextlib
import numbers
from typing import Any

import numpy as np

from ..optimizers import Optimizer
from ..tensor import as_array
from . import comm
from .comm import broadcast_variables
from .training import DataParallel

__all__ = ["DistributedOptimizer", "broadcast_variables"]

_WRAPPED_CLASSES = {}


def _wrapped_class(base):
    """`base` with DistributedOptimizer's methods in front; it keeps `base`'s name, so a model saved with it loads
    as the plain optimizer."""
    cls = _WRAPPED_CLASSES.get(base)
    if cls is None:
        cls = type(base.__name__, (DistributedOptimizer, base), {"__module__": base.__module__,
                                                                  "__qualname__": base.__qualname__})
        _WRAPPED_CLASSES[base] = cls
    return cls


def _sample_count(value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"`num_samples` must be a non-negative integer or None, received {value!r}")
    return int(value)


class DistributedOptimizer:
    """`DistributedOptimizer(optimizer)` takes over `optimizer` (its settings and state) and returns an optimizer
    of the same class whose `apply_gradients` first averages the gradients over all ranks (Horovod's recipe).

    All gradients travel in one float32 buffer per step (one allreduce, not one per tensor), followed by a flag
    per variable (None gradients stay None only if no rank had one) and the total weight. Rank r's gradients are
    weighted by its sample count `num_samples` (the `num_samples=` argument, the `samples(n)` context, or 1), so
    ranks holding unequal parts of a batch — or none of it (`num_samples=0`, gradients may be None) — still
    give the gradient of the mean loss over the whole batch. Every rank then applies the same averaged gradient to
    the same weights, so weights stay bitwise identical. With one rank the step is exactly the wrapped one.

    Compiling a model with it makes `fit`/`evaluate` data-parallel (see `fastnn.distributed`). Calls
    `fastnn.distributed.init()` if needed.

    Args:
        *args: `(optimizer,)`: the fastnn optimizer instance to wrap (a DistributedOptimizer is returned as is).
        **kwargs: Only when a wrapped class is rebuilt from its config (`from_config`): the optimizer's
            constructor arguments.

    Raises:
        TypeError: if the argument is not one fastnn optimizer instance.

    Example:

    ```python
    # launched as: mpiexec -n 2 python train.py
    import numpy as np
    import fastnn
    from fastnn import distributed as dist

    model = fastnn.Sequential([fastnn.layers.Input((4,)), fastnn.layers.Dense(1)])
    model.compile(optimizer=dist.DistributedOptimizer(fastnn.optimizers.Adam(1e-3)), loss="mse")
    model.fit(np.ones((64, 4), "float32"), np.zeros((64, 1), "float32"), batch_size=8, epochs=1)
    ```
    """

    def __new__(cls, optimizer=None, *args, **kwargs):
        if cls is not DistributedOptimizer:  # a wrapped class rebuilt from its config
            return object.__new__(cls)
        if isinstance(optimizer, DistributedOptimizer):
            return optimizer
        if not isinstance(optimizer, Optimizer) or args or kwargs:
            raise TypeError(f"DistributedOptimizer wraps one fastnn optimizer instance, received {optimizer!r}"
                            + (f" and extra arguments {args or ''}{kwargs or ''}" if args or kwargs else ""))
        comm.init()
        wrapped = object.__new__(_wrapped_class(type(optimizer)))
        wrapped.__dict__.update(optimizer.__dict__)
        return wrapped

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "iterations" in self.__dict__:  # wrapping an existing optimizer: its settings and state are taken over
            return
        comm.init()
        super().__init__(*args, **kwargs)

    # --- sample weighting
    @contextlib.contextmanager
    def samples(self, num_samples):
        """Within the block, this rank's gradients count for `num_samples` samples (what `fit` uses)."""
        previous = self.__dict__.get("_num_samples")
        self._num_samples = _sample_count(num_samples)
        try:
            yield self
        finally:
            self._num_samples = previous

    def apply_gradients(self, grads_and_vars, num_samples=None):
        """Average the gradients over all ranks (weighted by `num_samples`, this rank's sample count) and apply
        them. Every rank must call it with the same variables."""
        pairs = list(grads_and_vars)
        return self.apply([g for g, _ in pairs], [v for _, v in pairs], num_samples=num_samples)

    def apply(self, grads, trainable_variables, num_samples=None):
        grads, variables = list(grads), list(trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(f"got {len(grads)} gradients for {len(variables)} variables")
        count = _sample_count(num_samples)
        if count is None:
            count = self.__dict__.get("_num_samples")
        if comm.size() == 1:
            if count == 0:
                return self.iterations
            return super().apply(grads, variables)
        averaged = self._allreduce_gradients(grads, variables, 1.0 if count is None else float(count))
        if averaged is None:  # no rank had any samples
            return self.iterations
        return super().apply(averaged, variables)

    def _fused_buffer(self, size):
        buffer = self.__dict__.get("_fused")
        if buffer is None or buffer.size != size:
            buffer = self._fused = np.empty(size, np.float32)
        return buffer

    def _allreduce_gradients(self, grads, variables, weight):
        sizes = [int(np.prod(v.shape)) for v in variables]
        total = sum(sizes)
        buffer = self._fused_buffer(total + len(variables) + 1)
        flags = buffer[total:total + len(variables)]
        offset = 0
        for i, (g, v, n) in enumerate(zip(grads, variables, sizes)):
            segment = buffer[offset:offset + n]
            offset += n
            if g is None or weight == 0:
                segment[:] = 0
                flags[i] = 0
                continue
            a = as_array(g, "grad")
            if a.shape != tuple(v.shape):
                raise ValueError(f"gradient of shape {a.shape} does not match variable '{v.name}' of shape "
                                 f"{v.shape}")
            np.copyto(segment, a.reshape(-1), casting="unsafe")
            if weight != 1:
                segment *= np.float32(weight)
            flags[i] = 1
        buffer[-1] = weight
        comm.allreduce_(buffer, what="the gradient allreduce")
        weight_sum = buffer[-1]
        if weight_sum == 0:
            return None
        buffer[:total] /= weight_sum
        out, offset = [], 0
        for i, (v, n) in enumerate(zip(variables, sizes)):
            out.append(buffer[offset:offset + n].reshape(v.shape) if flags[i] else None)
            offset += n
        return out

    # --- data-parallel fit / evaluate
    @property
    def _data_parallel(self):
        """The hooks Model.fit / evaluate use when compiled with this optimizer (fastnn.distributed.training)."""
        hooks = self.__dict__.get("_hooks")
        if hooks is None:
            hooks = self._hooks = DataParallel(self)
        return hooks

    def __repr__(self):
        return f"<fastnn.distributed.DistributedOptimizer({type(self).__name__}) learning_rate={self._learning_rate!r}>"
