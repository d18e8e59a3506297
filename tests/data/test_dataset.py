"""fastnn.data.Dataset (the tf.data subset Keras tutorials use) and fit/evaluate/predict on datasets and
generators."""
import numpy as np
import pytest

import fastnn
from fastnn import layers
from fastnn.data import Dataset

X = np.arange(40, dtype=np.float32).reshape(20, 2)
Y = np.arange(20) % 3


def test_slices_batch_and_cardinality():
    ds = Dataset.from_tensor_slices((X, Y)).batch(8)
    batches = list(ds)
    assert [len(b[0]) for b in batches] == [8, 8, 4] and ds.cardinality() == 3 and len(ds) == 3
    np.testing.assert_array_equal(batches[1][0], X[8:16])
    assert [len(b[0]) for b in Dataset.from_tensor_slices((X, Y)).batch(8, drop_remainder=True)] == [8, 8]
    single = list(Dataset.from_tensor_slices(X))
    assert len(single) == 20 and single[3].tolist() == [6.0, 7.0]
    dicts = list(Dataset.from_tensor_slices({"a": X, "b": Y}).batch(10))
    assert dicts[0]["b"].tolist() == list(Y[:10])


def test_shuffle_is_a_permutation_reshuffled_each_pass_and_seedable():
    ds = Dataset.from_tensor_slices(Y * 0 + np.arange(20)).shuffle(20, seed=1).batch(20)
    first, second = next(iter(ds)), next(iter(ds))
    assert sorted(first.tolist()) == list(range(20)) and first.tolist() != second.tolist()
    fixed = Dataset.from_tensor_slices(np.arange(20)).shuffle(20, seed=1, reshuffle_each_iteration=False)
    assert [int(v) for v in fixed] == [int(v) for v in fixed]
    small_buffer = [int(v) for v in Dataset.from_tensor_slices(np.arange(100)).shuffle(4, seed=0)]
    assert sorted(small_buffer) == list(range(100))
    assert all(v <= i + 3 for i, v in enumerate(small_buffer))  # a buffer of 4 only reaches 3 ahead


def test_map_take_repeat_generator():
    ds = Dataset.from_tensor_slices((X, Y)).map(lambda x, y: (x * 2, y)).batch(5).take(2).repeat(2)
    out = list(ds)
    assert len(out) == 4 and out[0][0][1].tolist() == [4.0, 6.0] and ds.cardinality() == 4
    mapped_batches = Dataset.from_tensor_slices(X).batch(4).map(lambda b: fastnn.reduce_sum(b, axis=1))
    assert next(iter(mapped_batches)).tolist() == [1.0, 5.0, 9.0, 13.0]
    gen = Dataset.from_generator(lambda: ((X[i], Y[i]) for i in range(6))).batch(4)
    assert [len(b[0]) for b in gen] == [4, 2] and gen.cardinality() == -2


def _model():
    model = fastnn.Sequential([layers.Input((2,)), layers.Dense(8, activation="relu"),
                               layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_fit_on_a_dataset_equals_fit_on_arrays():
    a, b = _model(), _model()
    b.set_weights(a.get_weights())
    ha = a.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    hb = b.fit(Dataset.from_tensor_slices((X, Y)).batch(8), epochs=3, verbose=0,
               validation_data=Dataset.from_tensor_slices((X, Y)).batch(5))
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-6)
    assert "val_loss" in hb.history
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    ds = Dataset.from_tensor_slices((X, Y)).batch(7)
    np.testing.assert_allclose(b.evaluate(ds, verbose=0), b.evaluate(X, Y, batch_size=7, verbose=0), rtol=1e-6)
    np.testing.assert_array_equal(b.predict(Dataset.from_tensor_slices(X).batch(6), verbose=0),
                                  b.predict(X, verbose=0))


def test_fit_on_a_generator_with_steps_per_epoch():
    def batches():
        while True:
            for i in range(0, 20, 5):
                yield X[i:i + 5], Y[i:i + 5]

    history = _model().fit(batches(), steps_per_epoch=4, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    finite = ((X[i:i + 5], Y[i:i + 5]) for i in range(0, 20, 5))
    with pytest.warns(UserWarning, match="ran out of data"):
        history = _model().fit(finite, epochs=2, verbose=0)
    assert len(history.epoch) == 1


def test_dataset_errors():
    with pytest.raises(ValueError, match="one first-axis length"):
        Dataset.from_tensor_slices((X, Y[:5]))
    with pytest.raises(ValueError, match="buffer_size"):
        Dataset.from_tensor_slices(X).shuffle(0)
    with pytest.raises(ValueError, match="batch_size"):
        Dataset.from_tensor_slices(X).batch(-1)
    with pytest.raises(ValueError, match="`y` must not be given"):
        _model().fit(Dataset.from_tensor_slices((X, Y)).batch(4), Y, verbose=0)
    with pytest.raises(TypeError, match="callable"):
        Dataset.from_generator([1, 2])
