"""fastnn.metrics vs keras.metrics over several update_state calls, with and without sample weights."""
import numpy as np
import pytest

import fastnn
from fastnn import metrics

R = np.random.default_rng(8)


def _batches(kind):
    out = []
    for n in (5, 3, 7):
        if kind == "sparse":
            out.append((R.integers(0, 4, n), R.random((n, 4)).astype(np.float32)))
        elif kind == "sparse_column":
            out.append((R.integers(0, 4, (n, 1)), R.random((n, 4)).astype(np.float32)))
        elif kind == "categorical":
            out.append((np.eye(4, dtype=np.float32)[R.integers(0, 4, n)], R.random((n, 4)).astype(np.float32)))
        elif kind == "binary":
            out.append((R.integers(0, 2, (n, 2)).astype(np.float32), R.random((n, 2)).astype(np.float32)))
        elif kind == "exact":
            out.append((R.integers(0, 3, (n, 2)), R.integers(0, 3, (n, 2))))
    return out


CASES = {
    "SparseCategoricalAccuracy": ("sparse", {}), "SparseCategoricalAccuracy_column": ("sparse_column", {}),
    "CategoricalAccuracy": ("categorical", {}), "BinaryAccuracy": ("binary", {}),
    "BinaryAccuracy_threshold": ("binary", {"threshold": 0.7}), "Accuracy": ("exact", {}),
}


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name", sorted(CASES))
def test_accuracy_metrics_match_keras(name, weighted, tf):
    kind, kwargs = CASES[name]
    cls = name.split("_")[0]
    ours, theirs = getattr(metrics, cls)(**kwargs), getattr(tf.keras.metrics, cls)(**kwargs)
    for y_true, y_pred in _batches(kind):
        w = R.random(len(y_true)).astype(np.float32) if weighted else None
        ours.update_state(y_true, y_pred, sample_weight=w)
        theirs.update_state(y_true, y_pred, sample_weight=w)
        assert float(ours.result()) == pytest.approx(float(theirs.result()), rel=1e-6, abs=1e-7)
    ours.reset_state()
    theirs.reset_state()
    assert float(ours.result()) == float(theirs.result()) == 0.0


def test_mean_and_sum_match_keras(tf):
    ours, theirs = metrics.Mean(), tf.keras.metrics.Mean()
    s_ours, s_theirs = metrics.Sum(), tf.keras.metrics.Sum()
    updates = [(np.float32(2.5), None), (R.random(4), None), (R.random((3, 2)), R.random(3)),
               (R.random((2, 3)), R.random((2, 1))), (R.random(3), np.float32(2.0))]
    for values, w in updates:
        for a, b in ((ours, theirs), (s_ours, s_theirs)):
            a.update_state(values, sample_weight=w)
            b.update_state(values, sample_weight=w)
            assert float(a.result()) == pytest.approx(float(b.result()), rel=1e-6)


def test_call_updates_and_returns_result_and_old_reset_name():
    m = metrics.Mean(name="loss")
    assert float(m(4.0)) == 4.0 and float(m([2.0, 0.0])) == 2.0
    assert isinstance(m.result(), fastnn.Tensor) and m.name == "loss" and len(m.variables) == 2
    m.reset_states()
    assert float(m.result()) == 0.0
    loss = fastnn.reduce_mean(fastnn.constant([1.0, 3.0]))
    m.update_state(loss)  # a Tensor, as in the custom-loop tutorials
    assert float(m.result()) == 2.0


def test_lookup_and_errors():
    assert isinstance(metrics.get("accuracy"), metrics.Accuracy)
    assert isinstance(metrics.get("SparseCategoricalAccuracy"), metrics.SparseCategoricalAccuracy)
    with pytest.raises(ValueError, match="'no_such_metric'"):
        metrics.get("no_such_metric")
    with pytest.raises(ValueError, match="do not match"):
        metrics.SparseCategoricalAccuracy().update_state([0, 1, 2], np.ones((2, 4)))
    with pytest.raises(ValueError, match="sample_weight"):
        metrics.Mean().update_state(np.ones(4), sample_weight=np.ones(3))
