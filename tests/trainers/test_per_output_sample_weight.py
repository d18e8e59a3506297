"""Per-output `sample_weight` for multi-output models (issue 15): a list or a dict keyed by output names weights
each output's loss and its `weighted_metrics`, as in Keras 3 (TF agreement of the losses, metrics and one step)."""
import numpy as np
import pytest

import fastnn

RNG = np.random.default_rng(11)
X = RNG.random((16, 4)).astype(np.float32)
Y = {"o1": RNG.integers(0, 3, 16), "o2": RNG.random((16, 1)).astype(np.float32)}
W1, W2 = RNG.random(16).astype(np.float32), RNG.random(16).astype(np.float32)


def heads(M, as_dict):
    L, a = M.layers, M.Input((4,), name="a")
    h = L.Dense(6, activation="relu", name="h")(a)
    o1, o2 = L.Dense(3, activation="softmax", name="o1")(h), L.Dense(1, name="o2")(h)
    return M.Model(a, {"o1": o1, "o2": o2} if as_dict else [o1, o2])


def pair(tf, as_dict, **compile_args):
    theirs, ours = heads(tf.keras, as_dict), heads(fastnn, as_dict)
    ours.set_weights([w.numpy() for w in theirs.weights])
    for M, model in ((tf.keras, theirs), (fastnn, ours)):
        model.compile(optimizer=M.optimizers.SGD(0.1), loss={"o1": "sparse_categorical_crossentropy", "o2": "mse"},
                      **compile_args)
    return theirs, ours


def test_evaluate_weights_each_output_and_its_weighted_metrics(tf):
    theirs, ours = pair(tf, True, loss_weights={"o1": 1.0, "o2": 0.5},
                        weighted_metrics={"o1": ["accuracy"], "o2": ["mae"]})
    weights = {"o1": W1, "o2": W2}
    expected = theirs.evaluate(X, Y, sample_weight=weights, verbose=0, return_dict=True)
    got = ours.evaluate(X, Y, sample_weight=weights, verbose=0, return_dict=True)
    assert sorted(got) == sorted(expected)
    for key in expected:
        assert got[key] == pytest.approx(expected[key], rel=1e-5, abs=1e-6), key
    unweighted = ours.evaluate(X, Y, verbose=0, return_dict=True)
    assert abs(unweighted["o2_loss"] - got["o2_loss"]) > 1e-3  # the weights did change the result


@pytest.mark.parametrize("weights", [[W1, W2], [None, W2]], ids=["both", "second_only"])
def test_one_training_step_with_a_list_of_weights_equals_keras(weights, tf):
    theirs, ours = pair(tf, False, loss_weights=[1.0, 0.5])
    y = [Y["o1"], Y["o2"]]
    expected = theirs.train_on_batch(X, y, sample_weight=weights)
    got = ours.train_on_batch(X, y, sample_weight=weights)
    assert got == pytest.approx(expected, rel=1e-5)
    for a, b in zip(ours.get_weights(), [w.numpy() for w in theirs.weights]):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


def test_fit_batches_dict_weights_per_output(tf):
    theirs, ours = pair(tf, True)
    for model in (theirs, ours):
        model.fit(X, Y, sample_weight={"o1": W1, "o2": W2}, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), [w.numpy() for w in theirs.weights]):
        np.testing.assert_allclose(a, b, rtol=0, atol=2e-6)


def test_bad_per_output_weights_are_refused():
    model = heads(fastnn, True)
    model.compile(optimizer="sgd", loss={"o1": "sparse_categorical_crossentropy", "o2": "mse"})
    with pytest.raises(ValueError, match=r"`sample_weight` is keyed by output names \['o1', 'o2'\]; received unknown "
                                         r"keys \['o3'\]"):
        model.train_on_batch(X, Y, sample_weight={"o3": W1})
    with pytest.raises(ValueError, match=r"`sample_weight` must have one entry per sample \(16\)"):
        model.train_on_batch(X, Y, sample_weight={"o1": W1[:3]})
    with pytest.raises(ValueError, match=r"class_weight` is only supported for models with a single output"):
        model.fit(X, Y, class_weight={0: 2.0}, verbose=0)


def test_validation_split_splits_per_output_weights(tf):
    theirs, ours = pair(tf, True)
    logs = [model.fit(X, Y, sample_weight={"o1": W1, "o2": W2}, validation_split=0.25, batch_size=4, epochs=1,
                      shuffle=False, verbose=0).history for model in (theirs, ours)]
    for key in ("loss", "val_loss", "val_o2_loss"):
        assert logs[1][key][0] == pytest.approx(logs[0][key][0], rel=1e-5), key
