"""The optimizer base class (`keras.optimizers.Optimizer`, Keras 3 semantics).

`apply_gradients(zip(grads, vars))` drops None gradients (with Keras' warning), clips (clipnorm per tensor,
global_clipnorm across all, or clipvalue elementwise: at most one), applies decoupled weight decay, then runs one
fused in-place C++ update per variable (`fastnn.kernels.*_update`, Keras' float32 operation order) and counts the
step in `iterations`. Per-variable state ("slots": momentum, m, v, ...) is made on first use.

As in Keras 3: `gradient_accumulation_steps=n` sums gradients and updates on every n-th call with their mean;
`use_ema` keeps a moving average of every variable (`ema_momentum`), copied into the variables every
`ema_overwrite_frequency` updates and by `finalize_variable_values` (which `fit` calls at its end). Both kinds of
state are slots too, so `model.save` stores them. Unlike Keras' public `iterations`, fastnn's counts calls, not
updates, when gradients are accumulated (Keras' private `_iterations`).
"""
from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from .._validation import integer, real
from ..gradient_tape import GradientTape
from ..tensor import TensorLike, as_array
from ..variable import Variable
from .legacy_args import accept_legacy_arguments
from .schedules import LearningRateSchedule

__all__ = ["Optimizer"]


def _optional_positive(value, name):
    if value is None:
        return None
    return real(value, name, low=0, low_open=True,
                message="`{name}` must be a positive number or None, received {value!r}")


class Optimizer:
    """Subclasses define `_slot_names(self)` and `_update(self, var, grad, slots, learning_rate, step)` (and may
    override `_slot_initial_value(self, slot)`).

    Args:
        learning_rate: A float, or a `fastnn.optimizers.schedules` schedule (called with the step count).
        weight_decay: None, or a float: decoupled weight decay applied to each variable before its update.
        clipnorm: None, or a float: each gradient is rescaled to at most this L2 norm.
        clipvalue: None, or a float: each gradient is clipped to `[-clipvalue, clipvalue]`.
        global_clipnorm: None, or a float: all gradients are rescaled so their global L2 norm is at most this.
        use_ema: Whether to keep an exponential moving average of the weights (written back every
            `ema_overwrite_frequency` steps, or by `finalize_variable_values`).
        ema_momentum: The EMA's momentum.
        ema_overwrite_frequency: None, or the number of steps between copies of the EMA into the weights.
        gradient_accumulation_steps: None, or an int >= 2: gradients are averaged over that many steps before one
            update.
        name: The optimizer's name.
        **kwargs: Keras' legacy arguments (`lr`, `decay`) are rejected with a message naming the replacement.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is not None and not getattr(init, "_fastnn_legacy_arguments", False):
            cls.__init__ = accept_legacy_arguments(init)

    def __init__(self, learning_rate: float | LearningRateSchedule | Callable[[], float],
                 weight_decay: float | None = None, clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, use_ema: bool = False, ema_momentum: float = 0.99,
                 ema_overwrite_frequency: int | None = None, gradient_accumulation_steps: int | None = None,
                 name: str | None = None, **kwargs) -> None:
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        clips = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
        if sum(v is not None for v in clips.values()) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
                             + ", ".join(f"{k}={v}" for k, v in clips.items()))
        self.clipnorm = _optional_positive(clipnorm, "clipnorm")
        self.clipvalue = _optional_positive(clipvalue, "clipvalue")
        self.global_clipnorm = _optional_positive(global_clipnorm, "global_clipnorm")
        if weight_decay is not None:
            real(weight_decay, "weight_decay", low=0,
                 message="`{name}` must be a non-negative number or None, received {value!r}")
        self.weight_decay = weight_decay
        self.use_ema = bool(use_ema)
        if self.use_ema:  # Keras checks these only when EMA is on
            real(ema_momentum, "ema_momentum", 0, 1,
                 message="`{name}` must be in the range [0, 1]. Received: {name}={value!r}")
            if ema_overwrite_frequency:
                integer(ema_overwrite_frequency, "ema_overwrite_frequency", minimum=1,
                        message="`{name}` must be an integer >= 1 or None. Received: {name}={value!r}")
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        integer(gradient_accumulation_steps, "gradient_accumulation_steps", minimum=2, allow_none=True,
                message="`{name}` must be an integer >= 2. Received: {name}={value!r}")
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.name = type(self).__name__.lower() if name is None else name
        self.learning_rate = learning_rate
        self.iterations = Variable._named(np.int64(0), "iteration", trainable=False)
        self._slots = {}  # id(variable) -> (variable, [slot Variables])

    # --- learning rate
    @property
    def learning_rate(self):
        """The rate the next step uses (a schedule is evaluated at `iterations`)."""
        lr = self._learning_rate
        if isinstance(lr, LearningRateSchedule):
            return np.float32(lr(int(self.iterations)))
        if callable(lr):
            return np.float32(lr())
        return lr

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, TensorLike):
            value = float(value)
        if isinstance(value, LearningRateSchedule) or (callable(value) and not isinstance(value, numbers.Real)):
            self._learning_rate = value
            return
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < float("inf"):
            raise ValueError(f"`learning_rate` must be a non-negative number or a LearningRateSchedule, received "
                             f"{value!r}")
        self._learning_rate = np.float32(value)  # Keras keeps it in a float32 variable

    # --- state
    def build(self, var_list):
        """Create the slots of every variable in `var_list` (done automatically on first use)."""
        for var in var_list:
            self._slots_of(var)

    def _slots_of(self, var):
        entry = self._slots.get(id(var))
        if entry is None:
            slots = [Variable._named(np.full(var.shape, self._slot_initial_value(slot), np.float32),
                                     f"{var.name}_{slot}", trainable=False)
                     for slot in self._all_slot_names()]
            entry = self._slots[id(var)] = (var, slots)
        return entry[1]

    def _all_slot_names(self):
        # The subclass' slots first (its `_update` indexes them), then the base class' own per-variable state,
        # so save/load stores them all as slots.
        return (self._slot_names() + (["gradient_accumulator"] if self.gradient_accumulation_steps else [])
                + (["average"] if self.use_ema else []))

    def _extra_slot(self, var, name):
        return self._slots_of(var)[self._all_slot_names().index(name)]

    def _slot_initial_value(self, slot):
        """The value a new slot starts at (Keras: zeros, except e.g. Adagrad's accumulator)."""
        return 0.0

    @property
    def variables(self):
        """`iterations` followed by every slot variable."""
        return [self.iterations] + [s for _, slots in self._slots.values() for s in slots]

    def slot_variables(self, variable):
        """Returns the optimizer's per-variable state (its slots) for one model variable.

        Args:
            variable: a Variable this optimizer updates.

        Returns:
            list of Variables, in the order the update uses them; empty if the optimizer was not built for it.

        Example:

        ```
        >>> opt = fastnn.optimizers.Adam()
        >>> opt.build([v])
        >>> [s.name for s in opt.slot_variables(v)]
        ['v_m', 'v_v']
        ```
        """
        entry = self._slots.get(id(variable))
        return list(entry[1]) if entry else []

    def _tracked_variables(self, variables):
        return [var for var, _ in self._slots.values()] if variables is None else list(variables)

    def save_own_variables(self, store, variables=None):
        """Saves the optimizer's state into `store` (Keras 3's contract, keyed for fastnn's model files).

        `store["iterations"]` is the step count; `store["slot_<i>_<j>"]` the j-th slot of the i-th variable (i with
        at least 3 digits), for each variable the optimizer was built for.

        Args:
            store: a dict-like object to write arrays into.
            variables: the variables whose positions number the slots (a model's `trainable_weights`); by default
                the variables this optimizer was built for, in build order.

        Example:

        >>> store = {}
        >>> model.optimizer.save_own_variables(store, model.trainable_weights)
        """
        store["iterations"] = np.asarray(int(self.iterations), np.int64)
        for i, var in enumerate(self._tracked_variables(variables)):
            for j, slot in enumerate(self.slot_variables(var)):
                store[f"slot_{i:03d}_{j}"] = slot.numpy()

    # Keras 3 creates an optimizer's slot variables in groups, each group's slots interleaved per variable (Adam:
    # (momentum, velocity) per variable, then every velocity_hat): what its `.keras` archives store in that order
    _keras_slot_groups = None  # (subclasses) tuples of slot names; None: Keras' layout is not known here

    def _keras_slot_order(self, variables):
        """[(variable index, slot index)] in Keras' order, or None where fastnn cannot match Keras' layout."""
        names = self._all_slot_names()
        if (self._keras_slot_groups is None or isinstance(self._learning_rate, LearningRateSchedule)
                or callable(self._learning_rate) or set(names) - {n for g in self._keras_slot_groups for n in g}):
            return None
        return [(i, names.index(n)) for group in self._keras_slot_groups
                for i in range(len(variables)) for n in group if n in names]

    def save_keras_variables(self, store: MutableMapping, variables: Sequence[Variable]) -> bool:
        """Saves the optimizer's state in Keras 3's layout (what `keras.Model.save` stores under `optimizer/vars`):
        `store["0"]` the step count, `store["1"]` the learning rate, then the slots in Keras' creation order.

        Args:
            store: a dict-like object to write arrays into.
            variables: the model's trainable variables in Keras' order (`model.trainable_variables` of the same
                model in Keras).

        Returns:
            bool, whether the state was written: False for optimizers, options or learning-rate schedules whose
            Keras layout fastnn does not reproduce (nothing is written then).

        Example:

        >>> store = {}
        >>> model.optimizer.save_keras_variables(store, model.trainable_weights)
        True
        """
        order = self._keras_slot_order(variables)
        if order is None:
            return False
        self.build(variables)
        slots = [self.slot_variables(var) for var in variables]
        store["0"] = np.asarray(int(self.iterations), np.int64)
        store["1"] = np.asarray(self.learning_rate, np.float32)
        for k, (i, j) in enumerate(order):
            store[str(k + 2)] = slots[i][j].numpy()
        return True

    def load_keras_variables(self, store: Mapping, variables: Sequence[Variable]) -> bool:
        """Restores the state `save_keras_variables` (or Keras 3) wrote; every value is checked before any is set.

        Args:
            store: a dict-like object of arrays keyed "0", "1", ...
            variables: as for `save_keras_variables`.

        Returns:
            bool, whether the state was restored: False (nothing changed) where fastnn does not reproduce Keras'
            layout for this optimizer, its options or its learning-rate schedule.

        Raises:
            ValueError: `store` holds another number of values, or a value of the wrong shape or kind.

        Example:

        >>> model.optimizer.load_keras_variables(store, model.trainable_weights)
        True
        """
        order = self._keras_slot_order(variables)
        if order is None:
            return False
        keys = sorted(store.keys(), key=lambda k: int(k) if str(k).isdigit() else -1)
        if keys == ["0", "1"]:  # saved before the optimizer was built (compiled, never trained): no slots yet
            order = []
        elif keys != [str(k) for k in range(len(order) + 2)]:
            raise ValueError(f"expected {len(order) + 2} optimizer variables (the step, the learning rate and "
                             f"{len(order)} slots), found keys {sorted(store.keys())[:8]}")
        rate = np.asarray(store["1"])
        if rate.shape != () or rate.dtype.kind != "f" or not 0 <= float(rate) < float("inf"):
            raise ValueError(f"the learning rate must be a non-negative float scalar, found {rate!r}"[:200])
        converted = {"iterations": store["0"]}
        for k, (i, j) in enumerate(order):
            converted[f"slot_{i:03d}_{j}"] = store[str(k + 2)]
        self.load_own_variables(converted, variables)
        self.learning_rate = float(rate)
        return True

    def load_own_variables(self, store, variables=None):
        """Restores the state `save_own_variables` wrote, building the optimizer for `variables` first.

        Every value is checked (shape, and a dtype of the same kind) and read before anything changes; a slot
        missing from `store` (never updated before saving) keeps its initial value.

        Args:
            store: a dict-like object of arrays (or array-likes with `shape` and `dtype` read on conversion).
            variables: as for `save_own_variables`.

        Raises:
            ValueError: `store` holds slots this optimizer does not have, or a value of the wrong shape or kind.

        Example:

        >>> model.optimizer.load_own_variables(store, model.trainable_weights)
        """
        variables = self._tracked_variables(variables)
        iterations = store["iterations"]
        if np.shape(iterations) != ():
            raise ValueError(f"the step count must be a scalar, found shape {np.shape(iterations)}")
        iterations = int(np.asarray(iterations, np.int64))
        if iterations < 0:
            raise ValueError(f"the step count is negative ({iterations})")
        self.build(variables)
        slots = {f"slot_{i:03d}_{j}": slot for i, var in enumerate(variables)
                 for j, slot in enumerate(self.slot_variables(var))}
        unexpected = sorted(set(store.keys()) - set(slots) - {"iterations"})
        if unexpected:
            raise ValueError(f"it holds slots this optimizer does not have: {unexpected[:5]}")
        values = {}
        for key, slot in slots.items():
            if key not in store:  # a slot never updated before saving is absent
                continue
            value = store[key]
            if tuple(np.shape(value)) != tuple(slot.shape):
                raise ValueError(f"slot {key!r} has shape {tuple(np.shape(value))}, but {slot.name!r} has shape "
                                 f"{tuple(slot.shape)}")
            dtype = np.dtype(value.dtype) if hasattr(value, "dtype") else np.asarray(value).dtype
            if not np.can_cast(dtype, slot.dtype, "same_kind"):
                raise ValueError(f"slot {key!r} has dtype {dtype}, which does not convert to {slot.dtype}")
            values[key] = np.asarray(value, slot.dtype)
        self.iterations.assign(iterations)
        for key, value in values.items():
            slots[key].assign(value)

    # --- updates
    def apply_gradients(self, grads_and_vars: Iterable[tuple[ArrayLike | None, Variable]]) -> None:
        """Apply one step from (gradient, variable) pairs; gradients may be Tensors, arrays or None (skipped)."""
        try:
            pairs = list(grads_and_vars)
        except TypeError:
            raise TypeError(f"`grads_and_vars` must be an iterable of (gradient, variable) pairs, received "
                            f"{grads_and_vars!r}") from None
        for pair in pairs:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f"`grads_and_vars` must hold (gradient, variable) pairs, received the element "
                                 f"{pair!r:.200}")
        if not pairs:
            return self.iterations
        grads, variables = zip(*pairs)
        return self.apply(list(grads), list(variables))

    def apply(self, grads: Sequence[ArrayLike | None], trainable_variables: Sequence[Variable]) -> None:
        """Apply one step: `grads[i]` updates `trainable_variables[i]`."""
        grads, trainable_variables = list(grads), list(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError(f"got {len(grads)} gradients for {len(trainable_variables)} variables")
        if not grads:
            return self.iterations
        for var in trainable_variables:
            if not isinstance(var, Variable):
                raise TypeError(f"optimizers update fastnn.Variable objects, received {type(var).__name__}")
            if var.dtype != np.float32:
                raise TypeError(f"variable '{var.name}' has dtype {var.dtype}; only float32 variables are trained")
        kept = [(g, v) for g, v in zip(grads, trainable_variables) if g is not None]
        if not kept:
            raise ValueError("No gradients provided for any variable.")
        if len(kept) < len(grads):
            missing = [v.name for g, v in zip(grads, trainable_variables) if g is None]
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the loss.", stacklevel=3)
        # The subclasses' `_update` hands these straight to the fused C++ kernels: float32, C-contiguous, and
        # (with the slots, which the optimizer owns) validated here once per step.
        arrays = []
        for g, v in kept:
            a = as_array(g, "grad")
            if a.dtype != np.float32 or not a.flags.c_contiguous:
                a = np.array(a, np.float32, order="C")  # (ascontiguousarray would turn 0-d into shape (1,))
            if a.shape != v.shape:
                raise ValueError(f"gradient of shape {a.shape} does not match variable '{v.name}' of shape {v.shape}")
            arrays.append(a)
        if self._accumulate(arrays, kept):
            arrays = self._clip(arrays)
            if self.clipnorm or self.global_clipnorm or self.clipvalue or self.gradient_accumulation_steps:
                # (their numpy results may be 0-d scalars: the multi-tensor kernels take float32 arrays only)
                arrays = [np.asarray(a, np.float32) for a in arrays]
            learning_rate = float(self.learning_rate)
            step = self._update_count() + 1
            if self.weight_decay:  # each variable's decay touches only itself: all first, then the updates
                wd, lr = np.float32(self.weight_decay), np.float32(learning_rate)
                for _, v in kept:
                    v.assign(v._value - v._value * wd * lr)
            values = [v._value for _, v in kept]
            slots = [[s._value for s in self._slots_of(v)] for _, v in kept]
            if len({id(a) for a in values}) == len(values):
                self._update_all(values, arrays, slots, learning_rate, step)
            else:  # a variable listed twice: its updates must run one after the other
                Optimizer._update_all(self, values, arrays, slots, learning_rate, step)
        if self.use_ema:
            self._update_ema()
        for _, v in kept:  # Keras constrains after the update and the EMA
            if v.constraint is not None:
                v.assign(v.constraint(v))
        self.iterations.assign_add(1)
        return self.iterations

    def _update_all(self, variables, grads, slots, learning_rate, step):
        """One step for every variable: `_update` on each in turn. Subclasses with a multi-tensor kernel override
        this with one C++ call (one parallel region for the whole step), bitwise equal to this loop."""
        for var, grad, var_slots in zip(variables, grads, slots):
            self._update(var, grad, var_slots, learning_rate, step)

    def _update_count(self):
        """Updates applied so far: `iterations` counts calls, so with gradient accumulation it is
        iterations // gradient_accumulation_steps (what Keras' `iterations` property returns; the update step t,
        the EMA and its overwrite frequency count these, the learning-rate schedule counts calls, as in Keras)."""
        n = self.gradient_accumulation_steps
        return int(self.iterations) // n if n else int(self.iterations)

    def _accumulate(self, arrays, kept):
        """With gradient_accumulation_steps = n: every n-th call replaces `arrays` in place by (g + sum)/n, zeroes
        the sums and returns True (update); other calls add g to the sums and return False (Keras' order)."""
        n = self.gradient_accumulation_steps
        if not n:
            return True
        accumulators = [self._extra_slot(v, "gradient_accumulator") for _, v in kept]
        if (int(self.iterations) + 1) % n != 0:
            for a, acc in zip(arrays, accumulators):
                acc.assign(acc._value + a)
            return False
        for i, acc in enumerate(accumulators):
            arrays[i] = (arrays[i] + acc._value) / np.float32(n)
            acc.assign(np.zeros_like(acc._value))
        return True

    def _update_ema(self):
        """average = m·average + (1 − m)·var for every variable this optimizer tracks (m = 0 on the first step,
        ema_momentum after); every ema_overwrite_frequency steps the variables take their averages."""
        count = self._update_count()
        momentum = np.float32(count != 0) * np.float32(self.ema_momentum)
        overwrite = bool(self.ema_overwrite_frequency) and (count + 1) % self.ema_overwrite_frequency == 0
        for var, _ in self._slots.values():
            average = self._extra_slot(var, "average")
            average.assign(momentum * average._value + (np.float32(1) - momentum) * var._value)
            if overwrite:
                var.assign(average._value)

    def finalize_variable_values(self, var_list):
        """With `use_ema`, give every variable of `var_list` its moving average (Keras calls this at the end of
        `fit`); otherwise nothing."""
        if self.use_ema:
            for var in var_list:
                if id(var) in self._slots:
                    var.assign(self._extra_slot(var, "average")._value)

    def _clip(self, grads):
        if self.clipnorm:
            clip = np.float32(self.clipnorm)
            out = []
            for g in grads:
                l2sum = np.sum(np.square(g), dtype=np.float32)
                l2norm = np.sqrt(l2sum) if l2sum > 0 else l2sum
                out.append((g * clip) / np.maximum(l2norm, clip))
            return out
        if self.global_clipnorm:
            clip = np.float32(self.global_clipnorm)
            norm = np.sqrt(np.sum(np.stack([np.sum(np.square(g), dtype=np.float32) for g in grads])))
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = clip * np.minimum(np.float32(1) / norm, np.float32(1) / clip) + (norm - norm)
            return [g * scale for g in grads]
        if self.clipvalue:
            v = np.float32(self.clipvalue)
            return [np.clip(g, -v, v) for g in grads]
        return grads

    def minimize(self, loss, var_list: Sequence[Variable], tape=None) -> None:
        """Compute gradients of `loss` (a zero-argument callable, run under a new tape, or a Tensor recorded by
        `tape`) with respect to `var_list` and apply them."""
        if tape is None:
            if not callable(loss):
                raise ValueError("`tape` is required when `loss` is a Tensor rather than a callable")
            with GradientTape() as tape:
                loss = loss()
        grads = tape.gradient(loss, list(var_list))
        return self.apply_gradients(zip(grads, var_list))

    # --- config
    def get_config(self):
        lr = self._learning_rate
        return {"name": self.name, "learning_rate": float(lr) if isinstance(lr, np.floating) else lr,
                "weight_decay": self.weight_decay, "clipnorm": self.clipnorm, "clipvalue": self.clipvalue,
                "global_clipnorm": self.global_clipnorm, "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<fastnn.optimizers.{type(self).__name__} learning_rate={self._learning_rate!r}>"
