"""fastnn.Model — Keras' training API: `compile`, `fit`, `evaluate`, `predict`, the `*_on_batch` forms and
`summary`, for Sequential models and subclasses (`__init__` + `call`).

A training step runs the model forward under a GradientTape (training=True), adds the layers' regularization
losses to the compiled loss, takes the gradients of the trainable weights and applies them with the fused
optimizer kernels. Logged `loss` is the batch-size-weighted mean over the epoch's batches (Keras 3's rule);
metrics accumulate over the epoch and are reset at its start.
"""
import contextlib
import inspect
import math
import numbers
import warnings

import numpy as np

from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from .. import random as fastnn_random
from ..callbacks import CallbackList, History
from ..gradient_tape import GradientTape
from ..layers.layer import Layer
from ..ops import add_n
from ..tensor import TensorLike, as_array
from ..utils.progbar import Progbar

__all__ = ["Model"]


def _as_batchable(x, name):
    if x is None:
        return None
    if isinstance(x, TensorLike):
        x = as_array(x)
    try:
        arr = np.asarray(x)
    except ValueError as e:  # ragged nested lists
        raise ValueError(f"`{name}` must be an array-like of one shape, received a ragged {type(x).__name__} "
                         f"({e})") from None
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"`{name}` must be numeric, received dtype {arr.dtype}")
    if arr.ndim == 0:
        raise ValueError(f"`{name}` must have a batch axis, received a scalar")
    if arr.dtype.kind == "f" and arr.dtype != np.float32:
        arr = arr.astype(np.float32)
    return arr


def _positive_int(value, name, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"`{name}` must be a positive integer, received {value!r}")
    return int(value)


def _verbose(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"`verbose` must be 'auto', 0, 1 or 2, received {verbose!r}")
    return verbose


def _is_data_stream(x):
    """A Dataset, generator or other iterator of batches (not an array-like)."""
    from ..data import Dataset  # noqa: PLC0415

    return isinstance(x, Dataset) or inspect.isgenerator(x) or (hasattr(x, "__next__") and hasattr(x, "__iter__"))


def _unpack(element):
    """A batch from a data stream: x, or (x, y), or (x, y, sample_weight)."""
    if isinstance(element, tuple):
        if len(element) == 1:
            return element[0], None, None
        if len(element) == 2:
            return element[0], element[1], None
        if len(element) == 3:
            return element
        raise ValueError(f"a data element must be x, (x, y) or (x, y, sample_weight); received a tuple of "
                         f"{len(element)}")
    return element, None, None


class _Compiled:
    """The compiled loss and metrics; metrics given as strings are resolved on the first batch (Keras resolves
    "accuracy" from the label and prediction shapes)."""

    def __init__(self, loss, metrics):
        self.loss = loss
        self.metric_specs = list(metrics or [])
        for spec in self.metric_specs:  # fail at compile, not after the first training step
            if isinstance(spec, str) and spec not in ("accuracy", "acc"):
                metrics_module.get(spec)
        self.metrics = None
        self.loss_tracker = metrics_module.Mean(name="loss")

    def build_metrics(self, y, y_pred):
        resolved = []
        for spec in self.metric_specs:
            if isinstance(spec, str) and spec in ("accuracy", "acc"):
                if y_pred.shape[-1] == 1:
                    resolved.append(metrics_module.BinaryAccuracy(name=spec))
                elif y.ndim < len(y_pred.shape) or (y.ndim == len(y_pred.shape) and y.shape[-1] == 1):
                    resolved.append(metrics_module.SparseCategoricalAccuracy(name=spec))
                else:
                    resolved.append(metrics_module.CategoricalAccuracy(name=spec))
            elif isinstance(spec, str):
                metric = metrics_module.get(spec)
                resolved.append(metric)
            elif isinstance(spec, metrics_module.Metric):
                resolved.append(spec)
            elif callable(spec):
                resolved.append(metrics_module.MeanMetricWrapper(spec))
            else:
                raise ValueError(f"Could not interpret metric identifier: {spec!r}")
        self.metrics = resolved

    def reset(self):
        self.loss_tracker.reset_state()
        for m in self.metrics or []:
            m.reset_state()

    def logs(self):
        out = {"loss": float(self.loss_tracker.result())}
        for m in self.metrics or []:
            out[m.name] = float(m.result())
        return out


class Model(Layer):
    """Subclass with `__init__` (create layers) and `call(inputs, training=None)`; or use `Sequential`."""

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            from .functional import Functional  # noqa: PLC0415  (the functional form Model(inputs, outputs))

            return object.__new__(Functional)
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        if args:
            raise TypeError(f"Model() takes (inputs, outputs) or keyword arguments, received {args!r}")
        super().__init__(**kwargs)
        self.optimizer = None
        self.stop_training = False
        self.history = None
        self._compiled = None

    # --- building
    def build(self, input_shape=None):
        """Create every weight for inputs of `input_shape` (batch axis included; None dimensions count as 1) by
        running `call` once on zeros with training=False, as tf.keras builds a subclassed model, so that
        `set_weights`, `summary` and `count_params` work before any data is seen.

        Raises:
            ValueError: without an `input_shape`.
        """
        if input_shape is None:
            raise ValueError(f"Model {self.name!r} cannot be built without an input shape: call "
                             f"build(input_shape), e.g. build((None, 784)), or call the model on data")
        shape = tuple(input_shape)
        zeros = np.zeros((1,) + tuple(1 if d is None else int(d) for d in shape[1:]), np.float32)
        self.built = True  # the call below must not build again (a failure restores it: see Layer's wrapper)
        self(zeros, training=False)

    def _maybe_build(self, input_shape):
        """A model called on data builds its layers within that call; only a model overriding `build` is built
        first (Model.build's extra forward pass is for explicit `build()` calls)."""
        if self.built:
            return
        if type(self).build is Model.build:
            self.built = True
            self._build_shape = input_shape
        else:
            super()._maybe_build(input_shape)

    # --- compile
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, run_eagerly=None,
                jit_compile="auto", steps_per_execution=1, **kwargs):
        """Choose the optimizer, loss and metrics (strings or objects, as in Keras). `run_eagerly`,
        `jit_compile` and `steps_per_execution` are accepted for compatibility: fastnn always runs eagerly on
        its fused kernels."""
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments passed to compile: {kwargs}")
        if loss_weights is not None:
            raise ValueError("`loss_weights` applies to multi-output models, which fastnn does not support yet")
        self.optimizer = optimizers_module.get(optimizer)
        if loss is None:
            raise ValueError("compile() needs a `loss` (fastnn has no models with add_loss-only training yet)")
        loss_obj = losses_module.get(loss)
        if not isinstance(loss_obj, losses_module.Loss):
            loss_obj = losses_module.LossFunctionWrapper(loss_obj)
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise TypeError(f"`metrics` must be a list, received {metrics!r}")
        self._compiled = _Compiled(loss_obj, metrics)
        self._compiled.loss_identifier = loss
        self.compiled = True

    def _require_compiled(self, what):
        if self._compiled is None:
            raise RuntimeError(f"You must call `compile()` before {what}.")

    # --- steps
    def _loss(self, y, y_pred, sample_weight):
        loss = self._compiled.loss(y, y_pred, sample_weight=sample_weight)
        extra = self.losses
        return add_n([loss] + extra) if extra else loss

    def _train_step(self, x, y, sample_weight):
        if len(x) == 0:
            return self._empty_train_step(x)
        weights = self.trainable_weights
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self._loss(y, y_pred, sample_weight)
        if not weights:
            weights = self.trainable_weights  # built by the call above
        grads = tape.gradient(loss, weights)
        self.optimizer.apply_gradients(zip(grads, weights))
        return loss, y_pred

    def _empty_train_step(self, x):
        """A 0-sample batch (a generator or Dataset may yield one): Keras 3 still takes the optimizer step, with
        the mean loss's gradient over no samples, i.e. zeros (iterations advance; momentum and Adam keep moving),
        and its loss and metrics do not count. The same here, without the forward pass on no data."""
        if not self.built:
            self(x, training=True)  # builds the layers from the batch's shape, as a step would
        weights = self.trainable_weights
        self.optimizer.apply_gradients(zip([np.zeros(w.shape, w.dtype) for w in weights], weights))
        return None, None

    def _update_metrics(self, loss, y, y_pred, sample_weight, batch_size):
        if batch_size == 0:  # an empty batch adds nothing (its mean loss is NaN; Keras' weighted mean skips it)
            return
        compiled = self._compiled
        if compiled.metrics is None:
            compiled.build_metrics(y, y_pred)
        compiled.loss_tracker.update_state(loss, sample_weight=batch_size)
        for m in compiled.metrics:
            m.update_state(y, y_pred, sample_weight=sample_weight)

    def _data_parallel(self):
        """fastnn.distributed's hooks (sharding, synchronized steps and logs) when the model is compiled with a
        `fastnn.distributed.DistributedOptimizer`, else None."""
        return getattr(self.optimizer, "_data_parallel", None)

    @staticmethod
    def _guard(dist, what):
        """Data-parallel: a rank leaving the loop early by any exception aborts the job (the others would wait)."""
        return contextlib.nullcontext() if dist is None else dist.guard(what)

    # --- data
    def _prepare(self, x, y, sample_weight, class_weight=None):
        x = _as_batchable(x, "x")
        if x is None:
            raise ValueError("`x` is required")
        y = _as_batchable(y, "y")
        if y is not None and len(y) != len(x):
            raise ValueError(f"`x` and `y` must have the same number of samples, received {len(x)} and {len(y)}")
        if sample_weight is not None:
            sample_weight = np.asarray(as_array(sample_weight, "sample_weight"), np.float32)
            if sample_weight.ndim == 0 or len(sample_weight) != len(x):
                raise ValueError(f"`sample_weight` must have one entry per sample ({len(x)}), received shape "
                                 f"{sample_weight.shape}")
        if class_weight is not None:
            if not isinstance(class_weight, dict):
                raise TypeError(f"`class_weight` must be a dict mapping class ids to weights, received "
                                f"{class_weight!r}")
            if y is None:
                raise ValueError("`class_weight` needs `y`")
            classes = np.argmax(y, axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0]
            lookup = np.vectorize(lambda c: float(class_weight.get(int(c), 1.0)), otypes=[np.float32])
            weights = lookup(classes)
            sample_weight = weights if sample_weight is None else sample_weight * weights
        return x, y, sample_weight

    @staticmethod
    def _batches(n, batch_size, order=None):
        order = np.arange(n) if order is None else order
        for start in range(0, n, batch_size):
            yield order[start:start + batch_size]

    # --- batch sources
    def _array_source(self, x, y, sample_weight, batch_size, shuffle, steps_limit=None, dist=None, what="fit()"):
        """(epoch_batches(), steps): epoch_batches() yields (x, y, sample_weight) batches of the arrays (with
        `dist`, this rank's parts of global batches of batch_size × ranks)."""
        steps = math.ceil(len(x) / batch_size) if dist is None else dist.steps(len(x), batch_size, what)
        if steps_limit is not None:
            steps = min(steps, steps_limit)

        def epoch_batches():
            order = fastnn_random._generator().permutation(len(x)) if shuffle else None
            batches = (self._batches if dist is None else dist.batches)(len(x), batch_size, order)
            for step, idx in enumerate(batches):
                if step >= steps:
                    return
                yield x[idx], y[idx], None if sample_weight is None else sample_weight[idx]
        return epoch_batches, steps

    def _stream_source(self, data, steps_limit=None):
        """(epoch_batches(), steps or None) for a Dataset (re-iterated every epoch) or a generator/iterator
        (consumed across epochs; `steps_per_epoch` says how much makes an epoch)."""
        from ..data import Dataset  # noqa: PLC0415

        reiterable = isinstance(data, Dataset)
        shared = None if reiterable else iter(data)
        steps = steps_limit
        if reiterable and data.cardinality() >= 0:
            steps = data.cardinality() if steps is None else min(steps, data.cardinality())

        def epoch_batches():
            source = iter(data) if reiterable else shared
            for step, element in enumerate(source):
                xb, yb, swb = _unpack(element)
                yield (_as_batchable(xb, "x"), _as_batchable(yb, "y"),
                       None if swb is None else np.asarray(as_array(swb, "sample_weight"), np.float32))
                if steps is not None and step + 1 >= steps:
                    return
        return epoch_batches, steps

    def _source(self, x, y, sample_weight, batch_size, shuffle, steps_limit, what, class_weight=None, dist=None):
        if _is_data_stream(x):
            if y is not None:
                raise ValueError(f"`y` must not be given to {what} when `x` is a Dataset or generator (it "
                                 "yields (x, y) batches)")
            return self._stream_source(x, steps_limit)
        x, y, sample_weight = self._prepare(x, y, sample_weight, class_weight)
        if y is None or len(x) == 0:
            raise ValueError(f"{what} needs non-empty `x` and `y`" if y is None else
                             f"{what} received empty data (0 samples)")
        return self._array_source(x, y, sample_weight, batch_size, shuffle, steps_limit, dist, what)

    # --- fit
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
        """Train for `epochs` epochs over (x, y) arrays, or over a `fastnn.data.Dataset` / generator yielding
        (x, y[, sample_weight]) batches; returns a `History`."""
        self._require_compiled("training the model")
        batch_size = _positive_int(32 if batch_size is None else batch_size, "batch_size")
        if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 0:
            raise ValueError(f"`epochs` must be a non-negative integer, received {epochs!r}")
        epochs = int(epochs)
        verbose = _verbose(verbose)
        if isinstance(initial_epoch, bool) or not isinstance(initial_epoch, numbers.Integral) or initial_epoch < 0:
            raise ValueError(f"`initial_epoch` must be a non-negative integer, received {initial_epoch!r}")
        validation_freq = _positive_int(validation_freq, "validation_freq")
        steps_limit = _positive_int(steps_per_epoch, "steps_per_epoch", allow_none=True)
        if isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real) or \
                not 0.0 <= validation_split < 1.0:
            raise ValueError(f"`validation_split` must be in [0, 1), received {validation_split!r}")
        if validation_split and not _is_data_stream(x):
            x, y, sample_weight = self._prepare(x, y, sample_weight, class_weight)
            class_weight = None
            split = int(len(x) * (1.0 - validation_split))  # the last samples, before shuffling (Keras)
            if split == 0 or split == len(x):
                raise ValueError(f"`validation_split`={validation_split} leaves no training or no validation "
                                 f"samples out of {len(x)}")
            if validation_data is None:
                validation_data = (x[split:], y[split:]) + (() if sample_weight is None else
                                                            (sample_weight[split:],))
            x, y = x[:split], None if y is None else y[:split]
            sample_weight = None if sample_weight is None else sample_weight[:split]
        elif validation_split:
            raise ValueError("`validation_split` is not supported when `x` is a Dataset or generator")
        dist = self._data_parallel()
        epoch_batches, steps = self._source(x, y, sample_weight, batch_size, shuffle, steps_limit, "fit()",
                                            class_weight, dist)
        val = None
        if validation_data is not None:
            if _is_data_stream(validation_data):
                val = (validation_data, None, None)
            elif isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3):
                val = (validation_data[0], validation_data[1],
                       validation_data[2] if len(validation_data) == 3 else None)
            else:
                raise ValueError("`validation_data` must be (x_val, y_val), (x_val, y_val, val_sample_weight) or "
                                 f"a Dataset, received {type(validation_data).__name__}")
        if dist is not None:  # the ranks must agree on everything that decides which collectives they make
            stream = _is_data_stream(x)
            verbose, callbacks = dist.begin(
                self, verbose, callbacks, epochs=epochs, initial_epoch=initial_epoch, steps_per_epoch=steps,
                data="a Dataset/generator" if stream else "arrays", shuffle=bool(shuffle) and not stream,
                validation=None if val is None else ("a Dataset/generator" if _is_data_stream(val[0]) else "arrays"),
                validation_freq=validation_freq, validation_steps=validation_steps)
            if stream:
                epoch_batches = dist.stream_batches(epoch_batches)

        history = History()
        params = {"verbose": verbose, "epochs": epochs, "steps": steps}
        cbs = CallbackList(list(callbacks or []) + [history], self, params)
        self.stop_training = False
        self.history = history
        with self._guard(dist, "fit()"):
            cbs.on_train_begin()
            logs = {}
            for epoch in range(initial_epoch, epochs):
                self._compiled.reset()
                cbs.on_epoch_begin(epoch)
                if verbose == 1:
                    print(f"Epoch {epoch + 1}/{epochs}")
                bar = Progbar(steps, verbose=verbose)
                done = 0
                for step, (xb, yb, swb) in enumerate(epoch_batches()):
                    cbs.on_train_batch_begin(step)
                    if dist is None:
                        loss, y_pred = self._train_step(xb, yb, swb)
                        self._update_metrics(loss, yb, y_pred, swb, len(xb))
                        logs = self._compiled.logs()
                    else:
                        dist.at(f"fit(), epoch {epoch + 1}/{epochs}, step {step + 1}/{steps or '?'}")
                        logs = dist.train_step(self, xb, yb, swb)
                    cbs.on_train_batch_end(step, logs)
                    done = step + 1
                    if steps is None or done < steps:
                        bar.update(done, logs)
                    if self.stop_training:
                        break
                if done == 0:
                    warnings.warn("Your input ran out of data; interrupting training. Make sure that your dataset or "
                                  "generator can generate at least `steps_per_epoch * epochs` batches.", stacklevel=2)
                    break
                epoch_logs = dict(logs)
                if val is not None and (epoch + 1) % validation_freq == 0:
                    val_logs = self._evaluate_source(*val, batch_size=validation_batch_size or batch_size,
                                                     steps_limit=validation_steps, callbacks=cbs)
                    epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
                bar.target = bar.target or done
                bar.update(done, epoch_logs, finalize=True)
                cbs.on_epoch_end(epoch, epoch_logs)
                if dist is not None:
                    self.stop_training = dist.any(self.stop_training)
                if self.stop_training:
                    break
            if epochs > 0:  # as Keras: with use_ema the weights end at their moving averages
                self.optimizer.finalize_variable_values(self.trainable_weights)
            cbs.on_train_end(logs)
        return history

    # --- evaluate / predict
    def _evaluate_source(self, x, y, sample_weight, batch_size, steps_limit=None, callbacks=None, verbose=0):
        dist = self._data_parallel()
        epoch_batches, steps = self._source(x, y, sample_weight, batch_size, False, steps_limit, "evaluate()",
                                            dist=dist)
        verbose = verbose if dist is None else dist.verbose(verbose)
        compiled = self._compiled
        tracker = metrics_module.Mean(name="loss")
        metrics = None
        bar = Progbar(steps, verbose=verbose)
        if callbacks is not None:
            callbacks.on_test_begin()
        with self._guard(dist, "evaluate()"):
            if dist is not None:
                dist.at("evaluate() (or fit()'s validation)")
            logs = {}
            for step, (xb, yb, swb) in enumerate(epoch_batches()):
                if len(xb) == 0:  # this rank's empty part of a last batch (distributed)
                    continue
                y_pred = self(xb, training=False)
                if metrics is None:
                    if compiled.metrics is None:
                        compiled.build_metrics(yb, y_pred)
                    metrics = compiled.metrics  # fit has already logged the epoch's training values
                    for m in metrics:
                        m.reset_state()
                loss = self._loss(yb, y_pred, swb)
                tracker.update_state(loss, sample_weight=len(xb))
                for m in metrics:
                    m.update_state(yb, y_pred, sample_weight=swb)
                logs = {"loss": float(tracker.result()), **{m.name: float(m.result()) for m in metrics}}
                bar.update(step + 1, logs, finalize=False if steps is None else None)
            if dist is not None:
                logs = dist.reduce_logs(tracker, metrics)
        if not logs:
            raise ValueError("evaluate() received no batches")
        if callbacks is not None:
            callbacks.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        """Loss and metrics over (x, y) or a Dataset: a scalar without metrics, else [loss, *metrics] (or a
        dict)."""
        self._require_compiled("evaluating the model")
        batch_size = _positive_int(32 if batch_size is None else batch_size, "batch_size")
        cbs = CallbackList(callbacks or [], self, {"verbose": verbose})
        logs = self._evaluate_source(x, y, sample_weight, batch_size, _positive_int(steps, "steps", True), cbs,
                                     _verbose(verbose))
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs for `x` (an array, or a Dataset/generator of x or (x, ...) batches), training=False,
        as one numpy array."""
        batch_size = _positive_int(32 if batch_size is None else batch_size, "batch_size")
        verbose = _verbose(verbose)
        if _is_data_stream(x):
            batches, total = self._stream_source(x, _positive_int(steps, "steps", True))
            inputs = (xb for xb, _, _ in batches())
        else:
            x = _as_batchable(x, "x")
            total = math.ceil(len(x) / batch_size)
            inputs = (x[idx] for idx in self._batches(len(x), batch_size))
        cbs = CallbackList(callbacks or [], self, {"verbose": verbose})
        cbs.on_predict_begin()
        bar = Progbar(total, verbose=verbose)
        outputs = []
        for step, xb in enumerate(inputs):
            cbs.on_predict_batch_begin(step)
            outputs.append(as_array(self(xb, training=False)))
            cbs.on_predict_batch_end(step, {"outputs": outputs[-1]})
            bar.update(step + 1, finalize=False if total is None else None)
        cbs.on_predict_end()
        if not outputs:
            raise ValueError("predict() received empty data (0 samples)")
        return np.concatenate(outputs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One gradient step on one batch; returns the batch's loss (and metrics)."""
        self._require_compiled("training the model")
        x, y, sample_weight = self._prepare(x, y, sample_weight, class_weight)
        self._compiled.reset()
        loss, y_pred = self._train_step(x, y, sample_weight)
        self._update_metrics(loss, y, y_pred, sample_weight, len(x))
        logs = self._compiled.logs()
        return logs if return_dict else (logs["loss"] if len(logs) == 1 else list(logs.values()))

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._require_compiled("evaluating the model")
        x, y, sample_weight = self._prepare(x, y, sample_weight)
        logs = self._evaluate_source(x, y, sample_weight, batch_size=len(x))
        return logs if return_dict else (logs["loss"] if len(logs) == 1 else list(logs.values()))

    def predict_on_batch(self, x):
        return as_array(self(_as_batchable(x, "x"), training=False))

    @property
    def metrics_names(self):
        if self._compiled is None:
            return []
        return ["loss"] + [m.name for m in self._compiled.metrics or []]

    # --- saving
    def save_weights(self, filepath, overwrite=True):
        """Write every weight to `filepath` (.npz, atomically)."""
        from ..saving import save_weights  # noqa: PLC0415

        save_weights(self, filepath, overwrite)

    def load_weights(self, filepath):
        """Read weights saved by `save_weights` (the model must be built with the same architecture)."""
        from ..saving import load_weights  # noqa: PLC0415

        load_weights(self, filepath)

    def save(self, filepath, overwrite=True, include_optimizer=True):
        """Write architecture, weights, compile settings and optimizer state to one file (read it back with
        `fastnn.models.load_model`)."""
        from ..saving import save_model  # noqa: PLC0415

        save_model(self, filepath, overwrite, include_optimizer)

    def _saved_input_shape(self):
        shape = self._build_shape
        return None if shape is None else [None] + [int(d) if d is not None else None for d in shape[1:]]

    def _build_for_loading(self, input_shape):
        self.build(input_shape)

    def _summary_rows(self):
        """(layer, output shape or None) for each direct sublayer (a subclassed model's shapes are unknown)."""
        return [(layer, None) for layer in self._tracked_layers]

    # --- summary
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False,
                layer_range=None):
        """Print Keras' summary table: each layer (type), its output shape and parameter count, then the totals."""
        from .summary import summarize  # noqa: PLC0415

        (print_fn or print)(summarize(self))
