"""`fastnn.utils` helpers that Keras programs call (issue 15): image conversion, normalize, split_dataset,
set_random_seed and Progbar — each compared with `keras.utils` on the same input."""
import random

import numpy as np
import pytest

import fastnn
from fastnn import utils

R = np.random.default_rng(7)


@pytest.mark.parametrize("shape, scale", [((5, 4, 1), True), ((5, 4, 3), True), ((6, 2, 4), False),
                                          ((3, 3, 1), False)])
def test_array_to_img_and_back_match_keras(shape, scale):
    import keras

    x = (R.random(shape) * (255 if not scale else 3)).astype(np.float32)
    ours, theirs = utils.array_to_img(x, scale=scale), keras.utils.array_to_img(x, scale=scale)
    assert ours.mode == theirs.mode and ours.size == theirs.size
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    back = utils.img_to_array(ours)
    np.testing.assert_array_equal(back, keras.utils.img_to_array(theirs))
    assert back.dtype == np.float32 and back.shape == shape
    first = utils.img_to_array(ours, data_format="channels_first")
    np.testing.assert_array_equal(first, keras.utils.img_to_array(theirs, data_format="channels_first"))


def test_array_to_img_channels_first_and_wide_grey_match_keras():
    import keras

    x = R.random((3, 4, 5)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(utils.array_to_img(x, data_format="channels_first")),
                                  np.asarray(keras.utils.array_to_img(x, data_format="channels_first")))
    grey = np.full((2, 2, 1), 1000.0, np.float32)
    assert utils.array_to_img(grey, scale=False).mode == keras.utils.array_to_img(grey, scale=False).mode == "I"


@pytest.mark.parametrize("call, error, message", [
    (lambda: utils.array_to_img(np.zeros((4, 4))), ValueError, "rank 3"),
    (lambda: utils.array_to_img(np.zeros((4, 4, 2))), ValueError, "Unsupported channel number: 2"),
    (lambda: utils.array_to_img(np.zeros((4, 4, 1)), data_format="nhwc"), ValueError, "`data_format`"),
    (lambda: utils.img_to_array(np.zeros(4)), ValueError, "Unsupported image shape"),
    (lambda: utils.normalize(np.ones(3), axis=0.5), TypeError, "`axis` must be an int"),
    (lambda: utils.split_dataset(np.ones(10)), ValueError, "either `left_size` or `right_size`"),
    (lambda: utils.split_dataset(np.ones(10), left_size=1.5), ValueError, r"float `left_size` must be in \(0, 1\)"),
    (lambda: utils.split_dataset(np.ones(10), left_size=11), ValueError, r"\(0, 10\] samples"),
    (lambda: utils.split_dataset(np.ones(10), left_size=6, right_size=6), ValueError, "more than"),
    (lambda: utils.split_dataset((np.ones(10), np.ones(9)), left_size=2), ValueError, "same length"),
    (lambda: utils.split_dataset("data", left_size=2), TypeError, "`dataset` must be"),
    (lambda: utils.set_random_seed("1"), TypeError, "`seed` must be an int"),
])
def test_bad_arguments_raise_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_normalize_matches_keras():
    import keras

    x = R.standard_normal((4, 5)).astype(np.float32)
    x[1] = 0.0
    for axis, order in ((-1, 2), (1, 1), (-1, np.inf)):
        np.testing.assert_allclose(utils.normalize(x, axis=axis, order=order),
                                   keras.utils.normalize(x, axis=axis, order=order), rtol=1e-6)
    # axis=0: Keras 3.15 turns it into -1 (`axis = axis or -1`) and fails to broadcast; fastnn normalizes columns
    columns = np.linalg.norm(x, axis=0, keepdims=True)
    np.testing.assert_allclose(utils.normalize(x, axis=0), x / columns, rtol=1e-6)
    tensor = utils.normalize(fastnn.constant(x), axis=-1)
    assert isinstance(tensor, fastnn.Tensor)
    np.testing.assert_allclose(tensor.numpy(), keras.utils.normalize(x, axis=-1), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("left, right", [(0.8, None), (None, 0.25), (7, None), (None, 3), (4, 5)])
def test_split_dataset_sizes_and_contents_match_keras(left, right):
    import keras

    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10)
    ours = utils.split_dataset((x, y), left_size=left, right_size=right)
    theirs = keras.utils.split_dataset((x, y), left_size=left, right_size=right)
    for a, b in zip(ours, theirs):
        got = list(a.as_numpy_iterator())
        want = list(b.as_numpy_iterator())
        assert len(got) == len(want)
        for (gx, gy), (wx, wy) in zip(got, want):
            np.testing.assert_array_equal(gx, wx)
            assert gy == wy


def test_split_dataset_shuffles_reproducibly_and_accepts_datasets():
    x = np.arange(30, dtype=np.float32)
    a1, b1 = utils.split_dataset(x, left_size=0.5, shuffle=True, seed=3)
    a2, _ = utils.split_dataset(x, left_size=0.5, shuffle=True, seed=3)
    left = np.array(list(a1.as_numpy_iterator()))
    np.testing.assert_array_equal(left, np.array(list(a2.as_numpy_iterator())))
    assert not np.array_equal(left, x[:15])
    assert sorted(left.tolist() + list(b1.as_numpy_iterator())) == x.tolist()
    ds = fastnn.data.Dataset.from_tensor_slices((x, x * 2))
    left, right = utils.split_dataset(ds, right_size=10)
    assert len(list(left)) == 20 and len(list(right)) == 10
    lx, ly = next(iter(right))
    assert float(ly) == 2 * float(lx) == 40.0


def test_set_random_seed_seeds_python_numpy_and_fastnn_like_keras():
    def draws():
        return (random.random(), np.random.rand(), fastnn.random.normal((2,)).numpy().tolist())
    utils.set_random_seed(11)
    first = draws()
    utils.set_random_seed(11)
    assert draws() == first
    import keras

    keras.utils.set_random_seed(11)
    assert (random.random(), np.random.rand()) == first[:2]  # Python's and numpy's streams as Keras seeds them


def test_progbar_is_exported_with_keras_arguments(capsys):
    bar = utils.Progbar(3, verbose=1)
    for step in range(1, 4):
        bar.update(step, {"loss": 0.5})
    out = capsys.readouterr().out
    assert "3/3" in out and "loss: 0.5000" in out
