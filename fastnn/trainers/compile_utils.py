"""What `compile()` chose: the loss (or none: models that train through `add_loss` or their own `train_step`), the
metrics and the loss tracker. Metrics given as strings are resolved on the first batch, as Keras resolves
"accuracy" from the label and prediction shapes; `CompileMetrics` is the one Metric that stands for all of them in
`model.metrics` (Keras 3's `compile_metrics`), so a custom `train_step` can update them with one call."""
from .. import losses as losses_module
from .. import metrics as metrics_module

__all__ = ["CompileMetrics", "Compiled"]


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


class CompileMetrics(metrics_module.Metric):
    """The compiled metrics as one Metric (name "compile_metrics"): `update_state(y, y_pred, sample_weight)`
    resolves them on first use and updates each — `metrics` without the sample weights, `weighted_metrics` with
    them, as Keras does; `result()` is a dict {metric name: value}."""

    def __init__(self, specs, weighted_specs=None):
        super().__init__(name="compile_metrics")
        self.specs = list(specs or [])
        self.weighted_specs = list(weighted_specs or [])
        for spec in self.specs + self.weighted_specs:  # fail at compile, not after the first training step
            if isinstance(spec, str) and spec not in ("accuracy", "acc"):
                metrics_module.get(spec)
        self.metrics = None  # resolved on the first batch
        self._weighted = 0   # the last `_weighted` of `metrics` take sample weights

    def build(self, y, y_pred):
        plain = [_resolve(spec, y, y_pred) for spec in self.specs]
        weighted = [_resolve(spec, y, y_pred) for spec in self.weighted_specs]
        for m in weighted:
            if any(m.name == p.name for p in plain):
                m.name = "weighted_" + m.name  # Keras' name for a metric asked for both ways
        self.metrics, self._weighted = plain + weighted, len(weighted)

    @property
    def variables(self):
        return [v for m in self.metrics or [] for v in m.variables]

    def update_state(self, y, y_pred, sample_weight=None):
        if self.metrics is None:
            self.build(y, y_pred)
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

    def __init__(self, loss, loss_identifier, metrics, weighted_metrics=None):
        if loss is not None and not isinstance(loss, losses_module.Loss):
            loss = losses_module.LossFunctionWrapper(loss)
        self.loss = loss
        self.loss_identifier = loss_identifier
        self.compile_metrics = CompileMetrics(metrics, weighted_metrics)
        self.metric_specs = self.compile_metrics.specs
        self.weighted_metric_specs = self.compile_metrics.weighted_specs
        self.loss_tracker = metrics_module.Mean(name="loss")

    @property
    def metrics(self):
        """The resolved metrics (None before the first batch)."""
        return self.compile_metrics.metrics

    def build_metrics(self, y, y_pred):
        self.compile_metrics.build(y, y_pred)

    def reset(self):
        self.loss_tracker.reset_state()
        self.compile_metrics.reset_state()

    def logs(self):
        return {"loss": float(self.loss_tracker.result()), **self.compile_metrics.result()}
