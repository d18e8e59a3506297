"""`Trainer` — Keras' training API as a mixin of `fastnn.Model`: `compile`, `fit`, `evaluate`, `predict`, the
`*_on_batch` forms, and the steps a subclass may override with Keras 3's contract: `train_step(data)`,
`test_step(data)`, `predict_step(data)` (data is x, or (x, y) or (x, y, sample_weight): unpack it with
`fastnn.utils.unpack_x_y_sample_weight`), `compute_loss`, `compute_metrics`, `metrics`, `reset_metrics`.

A training step runs the model forward under a GradientTape (training=True), adds the layers' regularization
losses to the compiled loss, takes the gradients of the trainable weights and applies them with the fused
optimizer kernels. Logged `loss` is the batch-size-weighted mean over the epoch's batches (Keras 3's rule);
metrics accumulate over the epoch and are reset at its start. A model that does not override `train_step` takes a
fast path with the same arithmetic (no per-step dictionaries); one that does is called as Keras calls it.
"""
from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from .._validation import non_negative_int, real
from ..callbacks import Callback, CallbackList, History
from ..data import Dataset
from ..gradient_tape import GradientTape
from ..ops import add_n
from ..saving.serialization import deserialize_object, serialize_object
from ..tensor import TensorLike, as_array
from ..utils.progbar import Progbar
from . import data_adapter
from .compile_utils import Compiled
from .data_adapter import (
    is_data_stream,
    num_samples,
    pack_x_y_sample_weight,
    positive_int,
    take,
    unpack_x_y_sample_weight,
)
from .local_loop import LOCAL

__all__ = ["Trainer"]


def _pythonify_logs(logs):
    """A step's returned logs as {name: float or array}, nested dicts (compile_metrics) flattened, as Keras."""
    if not isinstance(logs, dict):
        raise TypeError(f"train_step/test_step must return a dict of metric values, received "
                        f"{type(logs).__name__}")
    out = {}
    for key, value in logs.items():
        if isinstance(value, dict):
            out.update(_pythonify_logs(value))
            continue
        array = np.asarray(as_array(value) if isinstance(value, TensorLike) else value)
        out[key] = float(array) if array.ndim == 0 and array.dtype.kind in "fiub" else array
    return out


def _to_numpy(out):
    """A model's output (a tensor, or a list / dict of them) as numpy arrays of the same structure."""
    if isinstance(out, dict):
        return {k: as_array(v) for k, v in out.items()}
    if isinstance(out, (list, tuple)):
        return [as_array(v) for v in out]
    return as_array(out)


def _serialized(value):
    """A compile argument as JSON: names as given, lists and dicts (per output) element-wise, objects as
    `{"class_name", "config"}`."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_serialized(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _serialized(v) for k, v in value.items()}
    return serialize_object(value)


class _CompiledMetricsShim:
    """What `model.compiled_metrics` returns (see Trainer.compiled_metrics)."""

    def __init__(self, model):
        self._model = model

    def update_state(self, y, y_pred, sample_weight=None):
        warnings.warn("`model.compiled_metrics` is deprecated. Instead, use e.g. `for metric in self.metrics: "
                      "metric.update_state(y, y_pred)`, or `self.compute_metrics(x, y, y_pred)`.",
                      DeprecationWarning, stacklevel=2)
        if self._model._compiled is not None:
            self._model._compiled.compile_metrics.update_state(y, y_pred, sample_weight=sample_weight)


class Trainer:
    """The training half of `fastnn.Model` (see the module docstring)."""

    # --- compile
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, weighted_metrics=None,
                run_eagerly=None, jit_compile="auto", steps_per_execution=1, **kwargs):
        """Choose the optimizer, loss and metrics (strings or objects, as in Keras).

        Args:
            optimizer: name or `fastnn.optimizers.Optimizer`.
            loss: name, `fastnn.losses.Loss` or function; None for models that train through `add_loss` or their
                own `train_step`.
            metrics: list of names, `fastnn.metrics.Metric`s or functions, evaluated without sample weights. For a
                multi-output model: a list with one entry (a spec or a list of them) per output, or a dict keyed
                by output names; they log as `<output>_<metric>`.
            weighted_metrics: the same, weighted by `sample_weight` / `class_weight` (as in Keras).
            loss_weights: a number, or for a multi-output model a list / dict of numbers: the total loss is
                Σ weight · output loss (`loss` may then also be a list or a dict keyed by output names).
            run_eagerly: accepted for Keras compatibility; fastnn always runs eagerly on its fused kernels.
            jit_compile: accepted for Keras compatibility (no effect).
            steps_per_execution: accepted for Keras compatibility (no effect).
            **kwargs: any other keyword raises a TypeError.
        """
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments passed to compile: {kwargs}")
        output_names = self.output_names if self._multi_output else None
        self.optimizer = optimizers_module.get(optimizer)
        for name, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value is not None and not isinstance(value, (list, tuple)) and not (
                    output_names is not None and isinstance(value, dict)):
                raise TypeError(f"`{name}` must be a list{' or a dict' if output_names else ''}, received "
                                f"{value!r}")
        self._compiled = Compiled(loss, metrics, weighted_metrics, loss_weights, output_names)
        self.compiled = True

    # a model with several inputs / outputs (the functional form) takes x / y as lists or dicts
    _multi_input = False
    _multi_output = False

    def _require_compiled(self, what):
        if self._compiled is None:
            raise RuntimeError(f"You must call `compile()` before {what}.")

    # --- compile settings as a config (what model files store)
    def get_compile_config(self):
        """Returns the arguments `compile` was given, serialized: what model files store.

        Returns:
            None before `compile`, else a JSON-compatible dict with the keys "optimizer", "loss", "metrics" and
            "weighted_metrics", and "loss_weights" when given (names as given, lists and dicts per output
            element-wise, other objects as `{"class_name", "config"}`).

        Example:

        >>> model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        >>> model.get_compile_config()["loss"]
        'mse'
        """
        if self._compiled is None:
            return None
        compiled = self._compiled
        config = {"optimizer": serialize_object(self.optimizer),
                  "loss": _serialized(getattr(compiled, "loss_identifier", compiled.loss)),
                  "metrics": _serialized(compiled.metric_specs),
                  "weighted_metrics": _serialized(getattr(compiled, "weighted_metric_specs", []))}
        if getattr(compiled, "loss_weights", None) is not None:  # (absent otherwise: files stay as they were)
            config["loss_weights"] = _serialized(compiled.loss_weights)
        return config

    def compile_from_config(self, config, custom_objects=None):
        """Compiles the model with the settings `get_compile_config` returned.

        Args:
            config: dict with "optimizer", "loss", "metrics" and optionally "loss_weights" and "weighted_metrics"
                (losses and metrics may be lists or dicts keyed by output names, as `compile` takes them).
            custom_objects: dict mapping class names in the config to your own classes.

        Raises:
            ValueError / TypeError / KeyError: the config names unknown objects or is malformed.

        Example:

        >>> other.compile_from_config(model.get_compile_config())
        """
        optimizer = deserialize_object(config["optimizer"], [optimizers_module, optimizers_module.schedules],
                                       custom_objects, base=optimizers_module.Optimizer)

        def rebuilt(value, modules):
            if isinstance(value, list):
                return [rebuilt(v, modules) for v in value]
            if isinstance(value, dict) and "class_name" not in value:
                return {k: rebuilt(v, modules) for k, v in value.items()}
            return deserialize_object(value, modules, custom_objects)
        metrics, weighted = (rebuilt(config.get(key), [metrics_module]) for key in ("metrics", "weighted_metrics"))
        self.compile(optimizer=optimizer, loss=rebuilt(config["loss"], [losses_module]), metrics=metrics or None,
                     loss_weights=config.get("loss_weights"), weighted_metrics=weighted or None)

    # --- the overridable steps (Keras 3's contract)
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss of (y, y_pred) plus the model's `losses` (regularization, `add_loss`).

        Raises:
            ValueError: "No loss to compute" when compile() had no loss and the model adds none.
        """
        terms = []
        if self._compiled is not None and self._compiled.loss is not None:
            terms.append(self._compiled.loss(y, y_pred, sample_weight=sample_weight))
        terms.extend(self.losses)
        if not terms:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        return terms[0] if len(terms) == 1 else add_n(terms)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with this batch and return every metric's result (`get_metrics_result`)."""
        if self._compiled is not None:
            self._compiled.compile_metrics.update_state(y, y_pred, sample_weight=sample_weight)
        return self.get_metrics_result()

    @property
    def compiled_metrics(self):
        """tf.keras 2's handle on the metrics given to `compile()`, kept as Keras 3 keeps it for custom steps that
        still call `self.compiled_metrics.update_state(y, y_pred)` (deprecated: loop over `self.metrics`, or call
        `compute_metrics`). Its `update_state(y, y_pred, sample_weight=None)` updates those compiled metrics.

        Returns:
            An object whose `update_state` warns with a DeprecationWarning and updates the compiled metrics.
        """
        return _CompiledMetricsShim(self)

    def compiled_loss(self, y, y_pred, sample_weight=None, regularization_losses=None):
        """tf.keras 2's compiled loss, kept as Keras 3 keeps it (deprecated: use `compute_loss`).

        Args:
            y: Targets.
            y_pred: Predictions.
            sample_weight: Per-sample weights, or None.
            regularization_losses: Ignored (the model's `losses` are always added, as in Keras 3).

        Returns:
            `self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)`, after a DeprecationWarning.
        """
        warnings.warn("`model.compiled_loss()` is deprecated. Instead, use `model.compute_loss(x, y, y_pred, "
                      "sample_weight, training)`.", DeprecationWarning, stacklevel=2)
        return self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)

    def get_metrics_result(self):
        """{name: value} of every metric in `self.metrics` (compile_metrics' dict merged in)."""
        out = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                out.update(result)
            else:
                out[metric.name] = result
        return out

    @property
    def metrics(self):
        """The loss tracker and the compiled metrics (as one `compile_metrics`), then Metric objects assigned as
        attributes of the model (a custom `train_step`'s trackers), as Keras 3 lists them."""
        out = []
        if self._compiled is not None:
            out += [self._compiled.loss_tracker, self._compiled.compile_metrics]
            out += self._compiled.output_loss_trackers
        for value in vars(self).values():
            if isinstance(value, metrics_module.Metric) and all(value is not m for m in out):
                out.append(value)
        return out

    def reset_metrics(self):
        """Reset every metric in `self.metrics` (fit does it at each epoch's start)."""
        for metric in self.metrics:
            metric.reset_state()

    def train_step(self, data):
        """One training step on a batch `data` (x, (x, y) or (x, y, sample_weight)); returns the logs. Override
        it to customise `fit` (Keras 3's contract)."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        loss, y_pred = self._train_step(x, y, sample_weight)
        n = num_samples(x)
        self._update_metrics(loss, y, y_pred, sample_weight, n)
        return self._compiled.logs() if n else self.get_metrics_result()

    def test_step(self, data):
        """One evaluation step on a batch; returns the logs. Override it to customise `evaluate`."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
        self._compiled.loss_tracker.update_state(loss, sample_weight=num_samples(x))
        self._compiled.update_output_losses(num_samples(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's outputs for one batch of inputs. Override it to customise `predict`."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _overrides(self, name):
        return getattr(type(self), name) is not getattr(Trainer, name)

    # --- the built-in step's fast path (also what the data-parallel loop runs)
    def _loss(self, y, y_pred, sample_weight):
        return self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)

    def _train_step(self, x, y, sample_weight):
        if num_samples(x) == 0:
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
        compiled.loss_tracker.update_state(loss, sample_weight=batch_size)
        compiled.update_output_losses(batch_size)
        compiled.compile_metrics.update_state(y, y_pred, sample_weight=sample_weight)

    def _loop(self):
        """fastnn.distributed's loop (sharding, synchronized steps and logs) when the model is compiled with a
        `fastnn.distributed.DistributedOptimizer`, else the local loop (same interface)."""
        return getattr(self.optimizer, "_data_parallel", None) or LOCAL

    # --- fit
    def fit(self, x: ArrayLike | Dataset | Iterable | None = None, y: ArrayLike | None = None,
            batch_size: int | None = None, epochs: int = 1, verbose: int | str = "auto",
            callbacks: Sequence[Callback] | None = None, validation_split: float = 0.0,
            validation_data: tuple | Dataset | None = None, shuffle: bool = True,
            class_weight: dict[int, float] | None = None, sample_weight: ArrayLike | None = None,
            initial_epoch: int = 0, steps_per_epoch: int | None = None, validation_steps: int | None = None,
            validation_batch_size: int | None = None, validation_freq: int = 1) -> History:
        """Trains the model for a fixed number of epochs (`keras.Model.fit`).

        Args:
            x: Input data: a numpy array (or array-like), a `fastnn.data.Dataset` or a generator yielding
                `(x, y)` / `(x, y, sample_weight)` batches (then `y` must be None).
            y: Targets, an array-like with the samples of `x`; None with a Dataset or generator.
            batch_size: Samples per gradient update (default 32); not used with a Dataset or generator.
            epochs: The index of the last epoch to train (with `initial_epoch`, `epochs - initial_epoch` are run).
            verbose: `"auto"` (1), 0 (silent), 1 (progress bar, redrawn in place on a terminal) or 2 (one line per
                epoch).
            callbacks: A list of `fastnn.callbacks.Callback` instances.
            validation_split: A float in [0, 1): the fraction of the training arrays (the last samples, before
                shuffling, as Keras) held out and evaluated at the end of each epoch.
            validation_data: `(x_val, y_val)` or `(x_val, y_val, sample_weight)`, or a Dataset, evaluated at the end of
                each epoch; it overrides `validation_split`.
            shuffle: Whether the training arrays are shuffled before each epoch (`fastnn.utils.set_random_seed` makes
                the order reproducible).
            class_weight: A dict `{class index: weight}` scaling each sample's loss by its class's weight.
            sample_weight: Per-sample weights for the training arrays; for a multi-output model also a list (one
                array or None per output) or a dict keyed by output names, weighting each output's loss and
                `weighted_metrics`.
            initial_epoch: The epoch to start at (to resume an earlier run).
            steps_per_epoch: The number of batches per epoch, or None for one pass over the data.
            validation_steps: The number of validation batches, or None for all of them.
            validation_batch_size: The validation batch size (default `batch_size`).
            validation_freq: Validate every this many epochs.

        Returns:
            A `History` whose `history` attribute maps `loss`, each metric and their `val_` forms to per-epoch values.

        Raises:
            RuntimeError: if the model was not compiled.
            ValueError: for invalid arguments (e.g. a negative `epochs`, a `validation_split` outside [0, 1)) or data
                whose sample counts differ.

        Example:

        ```python
        import numpy as np
        import fastnn
        from fastnn import layers

        model = fastnn.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        x, y = np.random.rand(100, 4).astype("float32"), np.random.randint(0, 3, 100)
        history = model.fit(x, y, batch_size=16, epochs=3, validation_split=0.2, verbose=0)
        print(sorted(history.history))  # ['accuracy', 'loss', 'val_accuracy', 'val_loss']
        ```
        """
        self._require_compiled("training the model")
        batch_size = positive_int(32 if batch_size is None else batch_size, "batch_size")
        epochs = non_negative_int(epochs, "epochs", "`{name}` must be a non-negative integer, received {value!r}")
        verbose = data_adapter.verbose_level(verbose)
        non_negative_int(initial_epoch, "initial_epoch", "`{name}` must be a non-negative integer, received {value!r}")
        validation_freq = positive_int(validation_freq, "validation_freq")
        steps_limit = positive_int(steps_per_epoch, "steps_per_epoch", allow_none=True)
        real(validation_split, "validation_split", 0.0, 1.0, high_open=True,
             message="`{name}` must be in [0, 1), received {value!r}")
        if validation_split and not is_data_stream(x):
            x, y, sample_weight = data_adapter.prepare_arrays(x, y, sample_weight, class_weight, self._multi_input,
                                                              self._multi_output)
            class_weight = None
            n = num_samples(x)
            split = int(n * (1.0 - validation_split))  # the last samples, before shuffling (Keras)
            if split == 0 or split == n:
                raise ValueError(f"`validation_split`={validation_split} leaves no training or no validation "
                                 f"samples out of {n}")
            if validation_data is None:
                validation_data = (take(x, slice(split, None)), None if y is None else take(y, slice(split, None))) \
                    + (() if sample_weight is None else (take(sample_weight, slice(split, None)),))
            x, y = take(x, slice(None, split)), None if y is None else take(y, slice(None, split))
            sample_weight = None if sample_weight is None else take(sample_weight, slice(None, split))
        elif validation_split:
            raise ValueError("`validation_split` is not supported when `x` is a Dataset or generator")
        loop = self._loop()
        custom_step = self._overrides("train_step")
        if custom_step and loop is not LOCAL:
            raise NotImplementedError("A model that overrides train_step cannot train data-parallel with "
                                      "fastnn.distributed yet: use the built-in train_step")
        needs_y = not custom_step and self._compiled.loss is not None  # add_loss-only models train on x alone
        epoch_batches, steps = data_adapter.source(x, y, sample_weight, batch_size, shuffle, steps_limit, "fit()",
                                                   loop, class_weight, needs_y=needs_y, multi_x=self._multi_input,
                                                   multi_y=self._multi_output)
        val = None
        if validation_data is not None:
            if is_data_stream(validation_data):
                val = (validation_data, None, None)
            elif isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3):
                val = (validation_data[0], validation_data[1],
                       validation_data[2] if len(validation_data) == 3 else None)
            else:
                raise ValueError("`validation_data` must be (x_val, y_val), (x_val, y_val, val_sample_weight) or "
                                 f"a Dataset, received {type(validation_data).__name__}")
        stream = is_data_stream(x)
        # the ranks (data-parallel) must agree on everything that decides which collectives they make
        verbose, callbacks = loop.begin(
            self, verbose, callbacks, epochs=epochs, initial_epoch=initial_epoch, steps_per_epoch=steps,
            data="a Dataset/generator" if stream else "arrays", shuffle=bool(shuffle) and not stream,
            validation=None if val is None else ("a Dataset/generator" if is_data_stream(val[0]) else "arrays"),
            validation_freq=validation_freq, validation_steps=validation_steps)
        if stream:
            epoch_batches = loop.stream_batches(epoch_batches)

        history = History()
        params = {"verbose": verbose, "epochs": epochs, "steps": steps}
        cbs = CallbackList(list(callbacks or []) + [history], self, params)
        self.stop_training = False
        self.history = history
        with loop.guard("fit()"):
            self._initial_epoch = None
            cbs.on_train_begin()
            logs = {}
            training_logs = {}  # the last epoch's logs (validation included), which Keras gives on_train_end
            # a callback may move the start (BackupAndRestore resuming), through Keras' hook `_initial_epoch`
            initial_epoch = self._initial_epoch or initial_epoch
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                cbs.on_epoch_begin(epoch)
                if verbose == 1:
                    print(f"Epoch {epoch + 1}/{epochs}")
                bar = Progbar(steps, verbose=verbose, stateless_metrics=())
                done = 0
                for step, (xb, yb, swb) in enumerate(epoch_batches()):
                    cbs.on_train_batch_begin(step)
                    loop.at(f"fit(), epoch {epoch + 1}/{epochs}, step {step + 1}/{steps or '?'}")
                    if custom_step:
                        logs = _pythonify_logs(self.train_step(pack_x_y_sample_weight(xb, yb, swb)))
                    else:
                        logs = loop.train_step(self, xb, yb, swb)
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
                training_logs = epoch_logs
                self.stop_training = loop.any(self.stop_training)
                if self.stop_training:
                    break
            if epochs > 0:  # as Keras: with use_ema the weights end at their moving averages
                self.optimizer.finalize_variable_values(self.trainable_weights)
            cbs.on_train_end(training_logs)
        return history

    # --- evaluate / predict
    def _evaluate_source(self, x, y, sample_weight, batch_size, steps_limit=None, callbacks=None, verbose=0):
        loop = self._loop()
        custom_step = self._overrides("test_step")
        needs_y = not custom_step and self._compiled.loss is not None
        epoch_batches, steps = data_adapter.source(x, y, sample_weight, batch_size, False, steps_limit,
                                                   "evaluate()", loop, needs_y=needs_y, multi_x=self._multi_input,
                                                   multi_y=self._multi_output)
        verbose = loop.verbose(verbose)
        compiled = self._compiled
        tracker = metrics_module.Mean(name="loss")
        metrics = None
        started = False
        bar = Progbar(steps, verbose=verbose, stateless_metrics=())
        if callbacks is not None:
            callbacks.on_test_begin()
        if custom_step:
            self.reset_metrics()
        with loop.guard("evaluate()"):
            loop.at("evaluate() (or fit()'s validation)")
            logs = {}
            for step, (xb, yb, swb) in enumerate(epoch_batches()):
                n = num_samples(xb)
                if n == 0:  # this rank's empty part of a last batch (distributed)
                    continue
                if callbacks is not None:
                    callbacks.on_test_batch_begin(step)
                if custom_step:
                    logs = _pythonify_logs(self.test_step(pack_x_y_sample_weight(xb, yb, swb)))
                else:
                    y_pred = self(xb, training=False)
                    if not started:  # fit has already logged the epoch's training values
                        compiled.compile_metrics.reset_state()
                        for t in compiled.output_loss_trackers:
                            t.reset_state()
                        started = True
                    loss = self._loss(yb, y_pred, swb)
                    tracker.update_state(loss, sample_weight=n)
                    compiled.update_output_losses(n)
                    # `metrics` unweighted, `weighted_metrics` weighted (Keras)
                    compiled.compile_metrics.update_state(yb, y_pred, sample_weight=swb)
                    metrics = compiled.metrics
                    logs = LOCAL.reduce_logs(tracker, metrics)  # this process's view, for the progress bar
                if callbacks is not None:
                    callbacks.on_test_batch_end(step, logs)
                bar.update(step + 1, logs, finalize=False if steps is None else None)
            if loop is not LOCAL:
                logs = loop.reduce_logs(tracker, metrics)
        if not logs:
            raise ValueError("evaluate() received no batches")
        if callbacks is not None:
            callbacks.on_test_end(logs)
        return logs

    def evaluate(self, x: ArrayLike | Dataset | Iterable | None = None, y: ArrayLike | None = None,
                 batch_size: int | None = None, verbose: int | str = "auto", sample_weight: ArrayLike | None = None,
                 steps: int | None = None, callbacks: Sequence[Callback] | None = None,
                 return_dict: bool = False) -> float | list[float] | dict[str, float]:
        """Returns the loss and metrics of the model on the given data (`keras.Model.evaluate`).

        Args:
            x: Input data: an array-like, a `fastnn.data.Dataset` or a generator of `(x, y[, sample_weight])` batches.
            y: Targets, or None with a Dataset or generator.
            batch_size: Samples per batch (default 32).
            verbose: `"auto"`, 0, 1 or 2, as in `fit`.
            sample_weight: Per-sample weights (per output: a list or a dict keyed by output names, as for `fit`).
            steps: The number of batches to evaluate, or None for all of them.
            callbacks: A list of callbacks.
            return_dict: Whether to return a dict `{name: value}` instead of a list.

        Returns:
            The loss as a float when there are no metrics, else `[loss, *metrics]` (or a dict with `return_dict`).

        Raises:
            RuntimeError: if the model was not compiled.
        """
        self._require_compiled("evaluating the model")
        batch_size = positive_int(32 if batch_size is None else batch_size, "batch_size")
        cbs = CallbackList(callbacks or [], self, {"verbose": verbose})
        logs = self._evaluate_source(x, y, sample_weight, batch_size, positive_int(steps, "steps", True), cbs,
                                     data_adapter.verbose_level(verbose))
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x: ArrayLike | Dataset | Iterable, batch_size: int | None = None, verbose: int | str = "auto",
                steps: int | None = None, callbacks: Sequence[Callback] | None = None) -> np.ndarray:
        """Generates output predictions for the input samples, in batches, with `training=False`.

        Args:
            x: Input data: an array-like, or a Dataset / generator yielding `x` or `(x, ...)` batches.
            batch_size: Samples per batch (default 32).
            verbose: `"auto"`, 0, 1 or 2, as in `fit`.
            steps: The number of batches to predict, or None for all of them.
            callbacks: A list of callbacks.

        Returns:
            The outputs of every batch, concatenated into one numpy array.
        """
        batch_size = positive_int(32 if batch_size is None else batch_size, "batch_size")
        verbose = data_adapter.verbose_level(verbose)
        if is_data_stream(x):
            batches, total = data_adapter.stream_source(x, positive_int(steps, "steps", True), self._multi_input)
            inputs = (xb for xb, _, _ in batches())
        else:
            x = data_adapter.as_batchable_structure(x, "x", self._multi_input)
            n = num_samples(x)
            total = math.ceil(n / batch_size)
            inputs = (take(x, idx) for idx in data_adapter.batch_indices(n, batch_size))
        custom_step = self._overrides("predict_step")
        cbs = CallbackList(callbacks or [], self, {"verbose": verbose})
        cbs.on_predict_begin()
        bar = Progbar(total, verbose=verbose, stateless_metrics=())
        outputs = []
        for step, xb in enumerate(inputs):
            cbs.on_predict_batch_begin(step)
            out = self.predict_step((xb,)) if custom_step else self(xb, training=False)
            outputs.append(_to_numpy(out))
            cbs.on_predict_batch_end(step, {"outputs": outputs[-1]})
            bar.update(step + 1, finalize=False if total is None else None)
        cbs.on_predict_end()
        if not outputs:
            raise ValueError("predict() received empty data (0 samples)")
        first = outputs[0]
        if isinstance(first, dict):
            return {k: np.concatenate([o[k] for o in outputs]) for k in first}
        if isinstance(first, list):
            return [np.concatenate([o[i] for o in outputs]) for i in range(len(first))]
        return np.concatenate(outputs)

    def train_on_batch(self, x: ArrayLike, y: ArrayLike | None = None, sample_weight: ArrayLike | None = None,
                       class_weight: dict[int, float] | None = None,
                       return_dict: bool = False) -> float | list[float] | dict[str, float]:
        """Runs one gradient update on one batch of data.

        Args:
            x: A batch of inputs.
            y: Its targets.
            sample_weight: Per-sample weights, or None; for a multi-output model also a list or a dict keyed by output
                names (one array or None per output).
            class_weight: A dict `{class index: weight}`, or None.
            return_dict: Whether to return a dict `{name: value}`.

        Returns:
            The loss (a float) when there are no metrics, else `[loss, *metrics]` (or a dict with `return_dict`).
        """
        self._require_compiled("training the model")
        x, y, sample_weight = data_adapter.prepare_arrays(x, y, sample_weight, class_weight, self._multi_input,
                                                          self._multi_output)
        self.reset_metrics()
        logs = _pythonify_logs(self.train_step(pack_x_y_sample_weight(x, y, sample_weight)))
        return logs if return_dict else (logs["loss"] if len(logs) == 1 else list(logs.values()))

    def test_on_batch(self, x: ArrayLike, y: ArrayLike | None = None, sample_weight: ArrayLike | None = None,
                      return_dict: bool = False) -> float | list[float] | dict[str, float]:
        """Returns the loss and metrics of one batch, without training.

        Args:
            x: A batch of inputs.
            y: Its targets.
            sample_weight: Per-sample weights, or None; for a multi-output model also a list or a dict keyed by output
                names (one array or None per output).
            return_dict: Whether to return a dict `{name: value}`.

        Returns:
            The loss when there are no metrics, else `[loss, *metrics]` (or a dict with `return_dict`).
        """
        self._require_compiled("evaluating the model")
        x, y, sample_weight = data_adapter.prepare_arrays(x, y, sample_weight, multi_x=self._multi_input,
                                                          multi_y=self._multi_output)
        logs = self._evaluate_source(x, y, sample_weight, batch_size=num_samples(x))
        return logs if return_dict else (logs["loss"] if len(logs) == 1 else list(logs.values()))

    def predict_on_batch(self, x: ArrayLike) -> np.ndarray | list | dict:
        """Returns the model's outputs for one batch.

        Args:
            x: A batch of inputs (a list, tuple or dict of them for a multi-input model).

        Returns:
            A numpy array (a list or dict of arrays for a multi-output model).
        """
        return _to_numpy(self(data_adapter.as_batchable_structure(x, "x", self._multi_input), training=False))

    @property
    def metrics_names(self):
        if self._compiled is None:
            return []
        return ["loss"] + [m.name for m in self._compiled.metrics or []]

    # --- layers
    def get_layer(self, name=None, index=None):
        """The layer called `name`, or at position `index` of `model.layers` (Keras' `Model.get_layer`).

        Raises:
            ValueError: neither or both given, no layer of that name, or an index out of range.
        """
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: index={index}, name={name}.")
        layers = self.layers
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, numbers.Integral):
                raise TypeError(f"`index` must be an integer. Received: index={index!r}")
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has {len(layers)} "
                                 "layers.")
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")
