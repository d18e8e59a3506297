"""Multi-input / multi-output functional models (issue 15 item 2) against Keras 3: x and y as lists, tuples or
dicts keyed by input / output names in fit / evaluate / predict / *_on_batch; losses, loss_weights and metrics
per output (lists or dicts) with Keras 3's log names (`<output>_loss`, `<output>_<metric>`); get_layer, layers,
inputs/outputs; nested models as layers.

Keras is compiled with run_eagerly=True here: in its compiled (tf.function) steps the batch size it weights each
output's loss by is unknown (None), so `<output>_loss` becomes the plain mean of the batch means when batches differ
in size; eager Keras, and fastnn, weight by batch size as Keras intends (the total `loss` agrees either way)."""
import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn

R = np.random.default_rng(11)
XA = R.standard_normal((48, 4)).astype(np.float32)
XB = R.standard_normal((48, 3)).astype(np.float32)
Y1 = R.standard_normal((48, 2)).astype(np.float32)
Y2 = R.integers(0, 3, 48).astype(np.int32)


def _two_by_two(M, dict_outputs=False):
    a, b = M.Input((4,), name="a"), M.Input((3,), name="b")
    h = M.layers.Dense(5, activation="tanh", name="hidden")(M.layers.Concatenate(name="concat")([a, b]))
    o1 = M.layers.Dense(2, name="out1")(h)
    o2 = M.layers.Dense(3, activation="softmax", name="out2")(h)
    return M.Model([a, b], {"p": o1, "q": o2} if dict_outputs else [o1, o2])


def _pair(tf, dict_outputs=False):
    ours, theirs = _two_by_two(fastnn, dict_outputs), _two_by_two(tf.keras, dict_outputs)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


def _assert_logs(a, b, tol=2e-5):
    assert set(a) == set(b), (sorted(a), sorted(b))
    for k in b:
        np.testing.assert_allclose(a[k], b[k], rtol=tol, atol=1e-6, err_msg=k)


COMPILES = {
    "lists": dict(loss=["mse", "sparse_categorical_crossentropy"], loss_weights=[0.5, 2.0],
                  metrics=[["mae"], ["accuracy"]]),
    "dicts": dict(loss={"out1": "mse", "out2": "sparse_categorical_crossentropy"},
                  loss_weights={"out1": 1.0, "out2": 0.3}, metrics={"out1": ["mae", "mse"], "out2": "accuracy"}),
    "one_output_trained": dict(loss={"out1": None, "out2": "sparse_categorical_crossentropy"}, metrics={"out1": "mae"}),
}


@pytest.mark.filterwarnings("ignore:Gradients do not exist")  # an output without a loss trains nothing
@pytest.mark.parametrize("name", sorted(COMPILES))
def test_fit_evaluate_predict_match_keras(name, tf):
    ours, theirs = _pair(tf)
    kwargs = COMPILES[name]
    ours.compile(fastnn.optimizers.SGD(0.05), **kwargs)
    theirs.compile(tf.keras.optimizers.SGD(0.05), run_eagerly=True, **kwargs)
    fit = dict(epochs=3, batch_size=16, shuffle=False, verbose=0)
    a = ours.fit([XA, XB], [Y1, Y2], **fit).history
    b = theirs.fit([XA, XB], [Y1, Y2], **fit).history
    assert set(a) == set(b), (sorted(a), sorted(b))
    for k in b:
        np.testing.assert_allclose(a[k], b[k], rtol=1e-4, atol=1e-6, err_msg=k)
    for wa, wb in zip(ours.get_weights(), theirs.get_weights()):
        assert_close_scaled(wa, wb, tol=1e-4)
    # x as a dict keyed by input names, y as a tuple / a dict keyed by output names
    _assert_logs(ours.evaluate({"a": XA, "b": XB}, (Y1, Y2), verbose=0, return_dict=True),
                 theirs.evaluate({"a": XA, "b": XB}, (Y1, Y2), verbose=0, return_dict=True), tol=1e-4)
    _assert_logs(ours.evaluate((XA, XB), {"out1": Y1, "out2": Y2}, verbose=0, return_dict=True),
                 theirs.evaluate((XA, XB), {"out1": Y1, "out2": Y2}, verbose=0, return_dict=True), tol=1e-4)
    pa, pb = ours.predict([XA, XB], batch_size=10, verbose=0), theirs.predict([XA, XB], batch_size=10, verbose=0)
    assert isinstance(pa, list) and len(pa) == 2
    for u, v in zip(pa, pb):
        assert_close_scaled(u, v, tol=1e-4)


def test_evaluate_list_order_and_on_batch_forms_match_keras(tf):
    ours, theirs = _pair(tf)
    kwargs = COMPILES["lists"]
    ours.compile("sgd", **kwargs)
    theirs.compile("sgd", run_eagerly=True, **kwargs)
    np.testing.assert_allclose(ours.evaluate([XA, XB], [Y1, Y2], verbose=0),
                               theirs.evaluate([XA, XB], [Y1, Y2], verbose=0), rtol=2e-5)
    _assert_logs(ours.test_on_batch([XA, XB], [Y1, Y2], return_dict=True),
                 theirs.test_on_batch([XA, XB], [Y1, Y2], return_dict=True))
    _assert_logs(ours.train_on_batch({"a": XA, "b": XB}, {"out1": Y1, "out2": Y2}, return_dict=True),
                 theirs.train_on_batch({"a": XA, "b": XB}, {"out1": Y1, "out2": Y2}, return_dict=True))
    for u, v in zip(ours.predict_on_batch({"a": XA, "b": XB}), theirs.predict_on_batch({"a": XA, "b": XB})):
        assert_close_scaled(u, v, tol=1e-5)


def test_dict_outputs_one_loss_for_all_validation_split_and_dataset(tf):
    ours, theirs = _pair(tf, dict_outputs=True)
    y = {"p": Y1, "q": np.eye(3, dtype=np.float32)[Y2]}
    ours.compile(fastnn.optimizers.SGD(0.05), loss="mse", metrics={"p": "mae"})
    theirs.compile(tf.keras.optimizers.SGD(0.05), loss="mse", metrics={"p": "mae"}, run_eagerly=True)
    assert ours.output_names == ["p", "q"]  # what the logs and a dict `y` are keyed by, as in Keras
    a = ours.fit([XA, XB], y, epochs=2, batch_size=8, shuffle=False, validation_split=0.25, verbose=0).history
    b = theirs.fit([XA, XB], y, epochs=2, batch_size=8, shuffle=False, validation_split=0.25, verbose=0).history
    _assert_logs({k: v[-1] for k, v in a.items()}, {k: v[-1] for k, v in b.items()}, tol=1e-4)
    pred = ours.predict({"a": XA, "b": XB}, verbose=0)
    assert sorted(pred) == ["p", "q"] and pred["q"].shape == (48, 3)
    # a Dataset yielding ((xa, xb), {output: y}) batches
    ds = fastnn.data.Dataset.from_tensor_slices(((XA, XB), y)).batch(16)
    logs = ours.evaluate(ds, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "p_loss", "q_loss", "p_mae"}


def test_layers_get_layer_inputs_outputs_like_keras(tf):
    ours, theirs = _pair(tf)
    assert [layer.name for layer in ours.layers] == [layer.name for layer in theirs.layers] == [
        "a", "b", "concat", "hidden", "out1", "out2"]
    assert type(ours.layers[0]).__name__ == "InputLayer"
    assert ours.get_layer("hidden") is ours.layers[3] and ours.get_layer(index=-1).name == "out2"
    assert [t.shape for t in ours.inputs] == [tuple(t.shape) for t in theirs.inputs]
    assert [t.shape for t in ours.outputs] == [tuple(t.shape) for t in theirs.outputs]
    for kwargs, match in [({}, "Provide either"), ({"name": "nope"}, "No such layer: nope"),
                          ({"index": 9}, "index 9 but model only has 6"), ({"name": "a", "index": 0}, "only")]:
        with pytest.raises(ValueError, match=match):
            ours.get_layer(**kwargs)
        with pytest.raises(ValueError, match=match):
            theirs.get_layer(**kwargs)
    seq = fastnn.Sequential([fastnn.layers.Dense(2, name="d1", input_shape=(3,)), fastnn.layers.Dense(1, name="d2")])
    assert seq.get_layer(index=1).name == "d2" and seq.get_layer("d1") is seq.layers[0]


def _nested(M, inner_kind):
    if inner_kind == "sequential":
        inner = M.Sequential([M.Input((4,)), M.layers.Dense(6, activation="relu"), M.layers.Dense(3)], name="inner")
    else:
        i = M.Input((4,))
        inner = M.Model(i, M.layers.Dense(3)(M.layers.Dense(6, activation="relu")(i)), name="inner")
    x = M.Input((4,))
    return M.Model(x, M.layers.Dense(1, name="head")(inner(x)), name="outer"), inner


@pytest.mark.parametrize("inner_kind", ["sequential", "functional"])
def test_nested_model_is_one_trainable_layer(inner_kind, tf, capsys):
    ours, inner = _nested(fastnn, inner_kind)
    theirs, keras_inner = _nested(tf.keras, inner_kind)
    ours.set_weights(theirs.get_weights())
    assert [type(layer).__name__ for layer in ours.layers] == ["InputLayer", type(inner).__name__, "Dense"]
    assert [layer.name for layer in ours.layers][1:] == [layer.name for layer in theirs.layers][1:] == ["inner", "head"]
    assert ours.get_layer("inner") is inner and len(ours.weights) == 6
    y = XA @ np.ones((4, 1), np.float32)
    for model, M in ((ours, fastnn), (theirs, tf.keras)):
        model.compile(M.optimizers.SGD(0.01), "mse")
    a = ours.fit(XA, y, epochs=2, batch_size=16, shuffle=False, verbose=0).history["loss"]
    b = theirs.fit(XA, y, epochs=2, batch_size=16, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(a, b, rtol=1e-5)
    inner.trainable = keras_inner.trainable = False  # freezing the nested model freezes its weights
    assert len(ours.trainable_weights) == len(theirs.trainable_weights) == 2
    before = inner.get_weights()
    ours.compile("sgd", "mse")
    ours.fit(XA, y, epochs=1, verbose=0)
    for u, v in zip(before, inner.get_weights()):
        np.testing.assert_array_equal(u, v)
    ours.summary()
    out = capsys.readouterr().out
    assert (f"inner ({type(inner).__name__})" in out and "Trainable params: 4 " in out
            and "Non-trainable params: 51 " in out)


def test_subclassed_model_layers_and_get_layer():
    class Sub(fastnn.Model):
        def __init__(self):
            super().__init__()
            self.blocks = [fastnn.layers.Dense(3, name="b0"), fastnn.layers.Dense(2, name="b1")]
            self.head = fastnn.layers.Dense(1, name="head")

        def call(self, x):
            for block in self.blocks:
                x = block(x)
            return self.head(x)

    model = Sub()
    assert [layer.name for layer in model.layers] == ["b0", "b1", "head"]
    assert model.get_layer("head") is model.head


def test_bad_multi_io_arguments(tf):
    ours, _ = _pair(tf)
    with pytest.raises(ValueError, match="one entry per output"):
        ours.compile("sgd", loss=["mse"])
    with pytest.raises(ValueError, match=r"output names \['out1', 'out2'\]"):
        ours.compile("sgd", loss={"nope": "mse"})
    with pytest.raises(ValueError, match="one entry per output"):
        ours.compile("sgd", loss="mse", metrics=["mae"])
    with pytest.raises(TypeError, match="loss_weights"):
        ours.compile("sgd", loss="mse", loss_weights=["x", 1])
    ours.compile("sgd", loss="mse")
    with pytest.raises(ValueError, match=r"expects inputs keyed by \['a', 'b'\]"):
        ours.fit({"a": XA, "c": XB}, [Y1, Y1], verbose=0)
    with pytest.raises(ValueError, match="must be a list of 2 arrays or a dict"):
        ours.fit([XA, XB], Y1, verbose=0)
    with pytest.raises(ValueError, match="same number of samples"):
        ours.fit([XA, XB[:10]], [Y1, Y1], verbose=0)
    with pytest.raises(ValueError, match="single output"):
        ours.fit([XA, XB], [Y1, Y1], class_weight={0: 1.0}, verbose=0)
    single = fastnn.Sequential([fastnn.layers.Dense(1, input_shape=(2,))])
    with pytest.raises(ValueError, match="single-output model must be a number"):
        single.compile("sgd", "mse", loss_weights=[1.0, 2.0])
