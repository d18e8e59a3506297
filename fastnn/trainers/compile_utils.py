"""What `compile()` chose: the loss (or none: models that train through `add_loss` or their own `train_step`), the
metrics and the loss tracker. Metrics given as strings are resolved on the first batch, as Keras resolves
"accuracy" from the label and prediction shapes; `CompileMetrics` is the one Metric that stands for all of them in
`model.metrics` (Keras 3's `compile_metrics`), so a custom `train_step` can update them with one call.

Multi-output models (Keras 3's rules): `loss`, `loss_weights`, `metrics` and `weighted_metrics` may be given per
output as a list (in output order) or a dict keyed by output names (`model.output_names`); one loss given alone
applies to every output. The total loss is the weighted sum of the outputs' losses; each output's (unweighted)
loss is logged as `<output>_loss` when two or more outputs have one, and its metrics as `<output>_<metric>`."""
import numbers

from .. import losses as losses_module
from .. import metrics as metrics_module

__all__ = ["CompileLoss", "CompileMetrics", "Compiled"]


def per_output(spec, names, what):
    """`spec` as one entry per output: a list/tuple in output order, a dict keyed by output names (missing
    outputs get None), or one value shared by every output."""
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in names]
        if unknown:
            raise ValueError(f"`{what}` keys must be output names {names}; {unknown} are not. Received: "
                             f"{what}={spec!r}")
        return [spec.get(n) for n in names]
    if isinstance(spec, (list, tuple)):
        if len(spec) != len(names):
            raise ValueError(f"`{what}` must have one entry per output ({len(names)}: {names}), or be a dict keyed "
                             f"by output names. Received: {what}={spec!r}")
        return list(spec)
    return [spec] * len(names)


def structure_per_output(value, names, what):
    """`value` (y or y_pred of a multi-output model: a list/tuple in output order or a dict keyed by output names)
    as a list in output order."""
    if isinstance(value, dict):
        missing = [n for n in names if n not in value]
        if missing:
            raise ValueError(f"`{what}` must have an entry for every output {names}; missing {missing}")
        return [value[n] for n in names]
    if isinstance(value, (list, tuple)) and len(value) == len(names):
        return list(value)
    raise ValueError(f"The model has {len(names)} outputs {names}: `{what}` must be a list of {len(names)} arrays or "
                     f"a dict keyed by output names, received {type(value).__name__}"
                     + (f" of length {len(value)}" if isinstance(value, (list, tuple)) else ""))


def sample_weight_per_output(sample_weight, names):
    """`sample_weight` for each output, in output order: a list / dict (keyed by output names, outputs left out get
    None) gives one entry per output, anything else is shared by every output (Keras 3's rules)."""
    if isinstance(sample_weight, dict):
        unknown = [k for k in sample_weight if k not in names]
        if unknown:
            raise ValueError(f"`sample_weight` is keyed by output names {names}; received unknown keys {unknown}")
        return [sample_weight.get(n) for n in names]
    if isinstance(sample_weight, (list, tuple)):
        if len(sample_weight) != len(names):
            raise ValueError(f"The model has {len(names)} outputs {names}: a list `sample_weight` needs one entry "
                             f"(an array or None) per output, received {len(sample_weight)}")
        return list(sample_weight)
    return [sample_weight] * len(names)


def _loss_weight(value):
    if value is None:
        return 1.0
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`loss_weights` must be numbers, received {value!r}")
    return float(value)


class CompileLoss:
    """The compiled loss: one `fastnn.losses.Loss` per output (None = that output is not trained on) and its
    weight. Called as `loss(y, y_pred, sample_weight)`; for a multi-output model y and y_pred are lists or dicts
    and the result is Σ weight · loss_i. `trackers` (Mean metrics named `<output>_loss`) log each output's loss."""

    def __init__(self, loss, loss_weights=None, output_names=None):
        self.output_names = output_names
        if output_names is None:
            if isinstance(loss_weights, (list, tuple)) and len(loss_weights) == 1:
                loss_weights = loss_weights[0]
            elif isinstance(loss_weights, (list, tuple, dict)):
                raise ValueError(f"`loss_weights` for a single-output model must be a number. Received: "
                                 f"loss_weights={loss_weights!r}")
            specs, weights = [loss], [_loss_weight(loss_weights)]
        else:
            specs = per_output(loss, output_names, "loss")
            weights = [_loss_weight(w) for w in per_output(loss_weights, output_names, "loss_weights")]
        self.losses = [None if s is None else _as_loss(losses_module.get(s)) for s in specs]
        self.weights = weights
        trained = [i for i, fn in enumerate(self.losses) if fn is not None]
        self.trackers = ([(i, metrics_module.Mean(name=f"{output_names[i]}_loss")) for i in trained]
                         if output_names is not None and len(trained) > 1 else [])
        self._last = None  # the outputs' losses of the last call, for the trackers

    @property
    def empty(self):
        return all(fn is None for fn in self.losses)

    def __call__(self, y, y_pred, sample_weight=None):
        if self.output_names is None:
            value = self.losses[0](y, y_pred, sample_weight=sample_weight)
            return value if self.weights[0] == 1.0 else value * self.weights[0]
        ys = structure_per_output(y, self.output_names, "y")
        preds = structure_per_output(y_pred, self.output_names, "y_pred")
        weights = sample_weight_per_output(sample_weight, self.output_names)
        values = [None if fn is None else fn(yi, pi, sample_weight=wi)
                  for fn, yi, pi, wi in zip(self.losses, ys, preds, weights)]
        self._last = values
        total = None
        for value, weight in zip(values, self.weights):
            if value is None:
                continue
            term = value if weight == 1.0 else value * weight
            total = term if total is None else total + term
        return total

    def update_trackers(self, batch_size):
        if self._last is None:
            return
        for i, tracker in self.trackers:
            tracker.update_state(self._last[i], sample_weight=batch_size)


def _as_loss(loss):
    return loss if isinstance(loss, losses_module.Loss) else losses_module.LossFunctionWrapper(loss)


def _resolve(spec, y, y_pred):
    if isinstance(spec, str) and spec in ("accuracy", "acc"):
        if y_pred.shape[-1] == 1:
            return metrics_module.BinaryAccuracy(name=spec)
        if y.ndim < len(y_pred.shape) or (y.ndim == len(y_pred.shape) and y.shape[-1] == 1):
            return metrics_module.SparseCategoricalAccuracy(name=spec)
        return metrics_module.CategoricalAccuracy(name=spec)
    if isinstance(spec, str):
        metric = metrics_module.get(spec)
        metric.name = spec  # Keras logs a metric given by name under that name ("mae", "AUC")
        return metric
    if isinstance(spec, metrics_module.Metric):
        return spec
    if callable(spec):
        return metrics_module.MeanMetricWrapper(spec)
    raise ValueError(f"Could not interpret metric identifier: {spec!r}")


def _spec_list(spec):
    if spec is None:
        return []
    return list(spec) if isinstance(spec, (list, tuple)) else [spec]


class CompileMetrics(metrics_module.Metric):
    """The compiled metrics as one Metric (name "compile_metrics"): `update_state(y, y_pred, sample_weight)`
    resolves them on first use and updates each — `metrics` without the sample weights, `weighted_metrics` with
    them, as Keras does; `result()` is a dict {metric name: value}."""

    def __init__(self, specs, weighted_specs=None, output_names=None):
        super().__init__(name="compile_metrics")
        self.output_names = output_names
        if output_names is None:
            self.specs = list(specs or [])
            self.weighted_specs = list(weighted_specs or [])
            self._per_output = [(self.specs, self.weighted_specs)]
        else:  # one list of specs per output
            self.specs, self.weighted_specs = specs, weighted_specs
            plain = per_output(specs, output_names, "metrics") if specs is not None else [None] * len(output_names)
            weighted = (per_output(weighted_specs, output_names, "weighted_metrics") if weighted_specs is not None
                        else [None] * len(output_names))
            self._per_output = [(_spec_list(p), _spec_list(w)) for p, w in zip(plain, weighted)]
        for plain, weighted in self._per_output:  # fail at compile, not after the first training step
            for spec in plain + weighted:
                if isinstance(spec, str) and spec not in ("accuracy", "acc"):
                    metrics_module.get(spec)
        self.metrics = None  # resolved on the first batch
        self._weighted = 0   # single output: the last `_weighted` of `metrics` take sample weights
        self._routes = None  # multi-output: (output index, takes sample weights) per metric

    def build(self, y, y_pred):
        if self.output_names is None:
            plain, weighted = self._resolve_pair(self._per_output[0], y, y_pred)
            self.metrics, self._weighted = plain + weighted, len(weighted)
            return
        ys = structure_per_output(y, self.output_names, "y")
        preds = structure_per_output(y_pred, self.output_names, "y_pred")
        metrics, routes = [], []
        for i, (pair, yi, pi) in enumerate(zip(self._per_output, ys, preds)):
            plain, weighted = self._resolve_pair(pair, yi, pi)
            for m, takes_weights in [(m, False) for m in plain] + [(m, True) for m in weighted]:
                m.name = f"{self.output_names[i]}_{m.name}"  # Keras 3's log name: <output>_<metric>
                metrics.append(m)
                routes.append((i, takes_weights))
        self.metrics, self._routes = metrics, routes

    @staticmethod
    def _resolve_pair(pair, y, y_pred):
        plain = [_resolve(spec, y, y_pred) for spec in pair[0]]
        weighted = [_resolve(spec, y, y_pred) for spec in pair[1]]
        for m in weighted:
            if any(m.name == p.name for p in plain):
                m.name = "weighted_" + m.name  # Keras' name for a metric asked for both ways
        return plain, weighted

    @property
    def variables(self):
        return [v for m in self.metrics or [] for v in m.variables]

    def update_state(self, y, y_pred, sample_weight=None):
        if self.metrics is None:
            self.build(y, y_pred)
        if self._routes is not None:
            ys = structure_per_output(y, self.output_names, "y")
            preds = structure_per_output(y_pred, self.output_names, "y_pred")
            weights = sample_weight_per_output(sample_weight, self.output_names)
            for m, (i, takes_weights) in zip(self.metrics, self._routes):
                m.update_state(ys[i], preds[i], sample_weight=weights[i] if takes_weights else None)
            return
        first_weighted = len(self.metrics) - self._weighted
        for i, m in enumerate(self.metrics):
            m.update_state(y, y_pred, sample_weight=sample_weight if i >= first_weighted else None)

    def result(self):
        return {m.name: float(m.result()) for m in self.metrics or []}

    def reset_state(self):
        for m in self.metrics or []:
            m.reset_state()


class Compiled:
    """compile()'s choices: `loss` (a Loss, or None), `loss_identifier` (as given, for saving), `metric_specs`,
    `compile_metrics` and `loss_tracker` (the batch-size-weighted mean of the batches' losses)."""

    def __init__(self, loss, metrics, weighted_metrics=None, loss_weights=None, output_names=None):
        compile_loss = CompileLoss(loss, loss_weights, output_names)
        self.loss = None if compile_loss.empty else compile_loss
        self.loss_identifier = loss
        self.loss_weights = loss_weights  # as given, for saving
        self.compile_metrics = CompileMetrics(metrics, weighted_metrics, output_names)
        self.metric_specs = self.compile_metrics.specs
        self.weighted_metric_specs = self.compile_metrics.weighted_specs
        self.loss_tracker = metrics_module.Mean(name="loss")
        self.output_loss_trackers = [tracker for _, tracker in compile_loss.trackers]

    @property
    def metrics(self):
        """The outputs' loss trackers, then the resolved metrics (None before the first batch, when there are
        no loss trackers): every Metric whose result is logged after `loss`."""
        resolved = self.compile_metrics.metrics
        if not self.output_loss_trackers:
            return resolved
        return self.output_loss_trackers + list(resolved or [])

    def update_output_losses(self, batch_size):
        if self.loss is not None:
            self.loss.update_trackers(batch_size)

    def build_metrics(self, y, y_pred):
        self.compile_metrics.build(y, y_pred)

    def reset(self):
        self.loss_tracker.reset_state()
        self.compile_metrics.reset_state()
        for tracker in self.output_loss_trackers:
            tracker.reset_state()

    def logs(self):
        return {"loss": float(self.loss_tracker.result()),
                **{t.name: float(t.result()) for t in self.output_loss_trackers}, **self.compile_metrics.result()}
