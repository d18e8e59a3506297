"""Max / average pooling (fastnn.kernels.pool), forward and backward, vs TensorFlow (tf.nn.max_pool2d /
avg_pool2d and tf.GradientTape) and a float64 numpy reference, on every ISA path."""
import numpy as np
import pytest
from references import pool2d_geometry, pool2d_ref
from tolerances import assert_close_elementwise, assert_close_reduction, max_errors

import fastnn
from fastnn import kernels as ops

# (input shape, ksize, strides, padding): batch 1, odd/prime sizes, C 1/6/16/17, 2x2 / 3x3 / (2,3), overlapping
# windows, the LeNet pools, windows that do not tile the input, SAME with odd padding.
CASES = [
    ((1, 5, 5, 1), 2, 2, "VALID"),
    ((1, 5, 5, 1), 2, 2, "SAME"),
    ((2, 26, 26, 6), 2, 2, "VALID"),    # LeNet pool 1
    ((2, 11, 11, 16), 2, 2, "VALID"),   # LeNet pool 2 (odd: last row/column dropped)
    ((2, 11, 11, 16), 2, 2, "same"),
    ((3, 7, 9, 17), 3, 2, "SAME"),
    ((3, 7, 9, 17), 3, 1, "VALID"),     # overlapping windows accumulate
    ((2, 8, 13, 6), (2, 3), (1, 2), "SAME"),
    ((1, 13, 7, 5), [1, 3, 3, 1], [1, 2, 1, 1], "SAME"),
    ((2, 6, 6, 3), 3, 3, "same"),
    ((1, 4, 4, 33), 4, 1, "SAME"),      # window as large as the input, padding on all sides
    # tiled windows (ksize == strides) with C around the vector widths 4 / 8 / 16 and uncovered leftovers
    ((2, 7, 7, 6), 2, 2, "VALID"),
    ((2, 8, 8, 4), 2, 2, "VALID"),
    ((3, 9, 9, 8), 2, 2, "SAME"),
    ((2, 5, 7, 9), (1, 2), (1, 2), "VALID"),
    ((2, 7, 10, 3), (2, 3), (2, 3), "SAME"),
    ((1, 6, 6, 15), 3, 3, "VALID"),
]


def _window(v):
    if isinstance(v, int):
        return v, v
    v = list(v)
    return (v[1], v[2]) if len(v) == 4 else (v[0], v[-1])


def _geometry(shape, ksize, strides, padding):
    (kh, kw), (sh, sw) = _window(ksize), _window(strides)
    oh, pt = pool2d_geometry(shape[1], kh, sh, padding)
    ow, pl = pool2d_geometry(shape[2], kw, sw, padding)
    return kh, kw, sh, sw, oh, ow, pt, pl


def _tf_results(tf, x, dy, ksize, strides, padding):
    xt, dyt = tf.constant(x), tf.constant(dy)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(xt)
        ymax = tf.nn.max_pool2d(xt, ksize, strides, padding.upper())
        yavg = tf.nn.avg_pool2d(xt, ksize, strides, padding.upper())
    return (ymax.numpy(), yavg.numpy(), tape.gradient(ymax, xt, output_gradients=dyt).numpy(),
            tape.gradient(yavg, xt, output_gradients=dyt).numpy())


def _ours(x, dy, ksize, strides, padding):
    y, argmax = ops.max_pool2d_with_argmax(x, ksize, strides, padding)
    np.testing.assert_array_equal(y, ops.max_pool2d(x, ksize, strides, padding))
    dx = ops.max_pool2d_grad(x, dy, ksize, strides, padding)
    np.testing.assert_array_equal(dx, ops.max_pool2d_grad_with_argmax(x.shape, dy, argmax, ksize, strides, padding))
    return y, ops.avg_pool2d(x, ksize, strides, padding), dx, ops.avg_pool2d_grad(x.shape, dy, ksize, strides, padding)


def _check_all(tf, x, dy, ksize, strides, padding, label=""):
    ours = _ours(x, dy, ksize, strides, padding)
    kh, kw = _window(ksize)
    dy_scale = float(np.abs(dy).max(initial=0.0))
    names = ("max", "avg", "max grad", "avg grad")
    for name, a, t, r in zip(names, ours, _tf_results(tf, x, dy, ksize, strides, padding),
                             pool2d_ref(x, dy, _window(ksize), _window(strides), padding)):
        msg = f"{name} {label}"
        if name.startswith("max"):  # selections and sums of selected values: exact up to overlap sums
            assert_close_elementwise(a, t, err_msg=msg + " vs TF")
            assert_close_elementwise(a, r.astype(np.float32), err_msg=msg + " vs float64")
        else:  # sums of kh*kw terms (divided by the count), summed in a different order than TF
            scale = float(np.abs(x).max(initial=0.0)) if name == "avg" else dy_scale
            assert_close_reduction(a, t, kh * kw, scale=scale, err_msg=msg + " vs TF")
            assert_close_reduction(a, r.astype(np.float32), kh * kw, scale=scale, err_msg=msg + " vs float64")


@pytest.mark.parametrize("shape,ksize,strides,padding", CASES, ids=str)
def test_pooling_matches_tf(isa, tf, rng, shape, ksize, strides, padding):
    x = rng.standard_normal(shape).astype(np.float32)
    kh, kw, sh, sw, oh, ow, _, _ = _geometry(shape, ksize, strides, padding)
    dy = rng.standard_normal((shape[0], oh, ow, shape[3])).astype(np.float32)
    _check_all(tf, x, dy, ksize, strides, padding)


@pytest.mark.parametrize("padding", ["VALID", "SAME"])
@pytest.mark.parametrize("strides", [1, 2])
def test_ties_first_maximum_gets_the_gradient(isa, tf, padding, strides):
    """All-zero windows (ReLU outputs) and repeated values: TF's CPU kernel gives the gradient to the first
    maximum in row-major window order, overlapping windows accumulate on it."""
    x = np.zeros((2, 6, 7, 6), np.float32)
    x[1, ::2, ::3, :] = 1.0            # ties between equal non-zero values too
    x[1, 3, 3, 2] = -1.0
    _, _, _, _, oh, ow, _, _ = _geometry(x.shape, 3, strides, padding)
    dy = np.arange(2 * oh * ow * 6, dtype=np.float32).reshape(2, oh, ow, 6) + 1
    _check_all(tf, x, dy, 3, strides, padding, "ties")


def test_same_padding_ignores_padded_cells_for_negative_inputs(isa, tf):
    x = -np.ones((1, 3, 3, 2), np.float32) * np.arange(1, 10, dtype=np.float32).reshape(1, 3, 3, 1)
    dy = np.ones((1, 2, 2, 2), np.float32)
    _check_all(tf, x, dy, 2, 2, "SAME", "negative")
    assert (ops.max_pool2d(x, 2, 2, "SAME") < 0).all()


def test_large_magnitudes_and_infinities(isa, tf, rng):
    x = (rng.standard_normal((2, 9, 8, 7)) * 1e30).astype(np.float32)
    x[0, 0, 0, :] = np.inf
    x[1, 4, 4, :] = -np.inf
    _, _, _, _, oh, ow, _, _ = _geometry(x.shape, 3, 2, "SAME")
    dy = rng.standard_normal((2, oh, ow, 7)).astype(np.float32)
    ours, theirs = _ours(x, dy, 3, 2, "SAME"), _tf_results(tf, x, dy, 3, 2, "SAME")
    for a, t in zip(ours[:3:2], theirs[:3:2]):  # max forward and backward (avg of inf is inf/nan either way)
        np.testing.assert_array_equal(a, t)


def test_nan_is_skipped_by_max_pooling(isa, tf):
    """Documented: NaN cells are never selected (TF's forward output agrees); an all-NaN window gives -inf."""
    x = np.array([[1.0, np.nan], [2.0, 0.0]], np.float32).reshape(1, 2, 2, 1)
    y, argmax = ops.max_pool2d_with_argmax(x, 2, 2, "VALID")
    assert y.ravel().tolist() == [2.0] and argmax.ravel().tolist() == [2]
    np.testing.assert_array_equal(y, tf.nn.max_pool2d(x, 2, 2, "VALID").numpy())
    x = np.array([[np.nan, 1.0], [2.0, 3.0]], np.float32).reshape(1, 2, 2, 1)
    np.testing.assert_array_equal(ops.max_pool2d(x, 2, 2, "VALID"), tf.nn.max_pool2d(x, 2, 2, "VALID").numpy())
    assert ops.max_pool2d(np.full((1, 2, 2, 1), np.nan, np.float32), 2, 2, "VALID").ravel()[0] == -np.inf
    assert np.isnan(ops.avg_pool2d(x, 2, 2, "VALID")).all()  # average propagates NaN


def test_window_larger_than_input_gives_empty_output_like_tf(tf):
    x = np.ones((2, 2, 3, 4), np.float32)
    for fn, tf_fn in [(ops.max_pool2d, tf.nn.max_pool2d), (ops.avg_pool2d, tf.nn.avg_pool2d)]:
        y = fn(x, 3, 1, "VALID")
        assert y.shape == tf_fn(x, 3, 1, "VALID").shape == (2, 0, 1, 4)
    dy = np.ones((2, 0, 1, 4), np.float32)
    np.testing.assert_array_equal(ops.max_pool2d_grad(x, dy, 3, 1, "VALID"), np.zeros_like(x))
    np.testing.assert_array_equal(ops.avg_pool2d_grad(x.shape, dy, 3, 1, "VALID"), np.zeros_like(x))
    assert ops.max_pool2d(np.ones((0, 4, 4, 3)), 2, 2, "SAME").shape == (0, 2, 2, 3)
    for shape in [(2, 4, 4, 0), (2, 0, 4, 3)]:  # no channels / no rows: empty results, no crash
        x = np.ones(shape, np.float32)
        y, argmax = ops.max_pool2d_with_argmax(x, 2, 2, "SAME")
        assert y.shape == tf.nn.max_pool2d(x, 2, 2, "SAME").shape
        assert ops.max_pool2d_grad_with_argmax(shape, np.ones(y.shape), argmax, 2, 2, "SAME").shape == shape
        assert ops.avg_pool2d_grad(shape, np.ones(y.shape), 2, 2, "SAME").shape == shape


def test_lenet_batch_threads_bitwise_equal(tf, rng):
    """Above the parallel threshold, with overlapping windows: 1 and 2 threads give identical bits (and the
    2-thread results agree with TF: thread boundaries split output rows mid-batch)."""
    x = np.maximum(rng.standard_normal((64, 26, 26, 6)), 0).astype(np.float32)
    results = []
    try:
        for threads in (1, 2):
            fastnn.set_num_threads(threads)
            for k, s in [(2, 2), (3, 1)]:
                y, a = ops.max_pool2d_with_argmax(x, k, s, "SAME")
                dy = np.cos(np.arange(y.size, dtype=np.float32)).reshape(y.shape)
                results.append((threads, y, a, ops.max_pool2d_grad_with_argmax(x.shape, dy, a, k, s, "SAME"),
                                ops.avg_pool2d(x, k, s, "SAME"), ops.avg_pool2d_grad(x.shape, dy, k, s, "SAME")))
    finally:
        fastnn.set_num_threads(None)
    half = len(results) // 2
    for one, two in zip(results[:half], results[half:]):
        for a, b in zip(one[1:], two[1:]):
            np.testing.assert_array_equal(a, b)
    _, y, _, dx, _, _ = results[half]  # 2 threads, 2x2 stride 2
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        ty = tf.nn.max_pool2d(xt, 2, 2, "SAME")
    dy = np.cos(np.arange(y.size, dtype=np.float32)).reshape(y.shape)
    np.testing.assert_array_equal(y, ty.numpy())
    np.testing.assert_array_equal(dx, tape.gradient(ty, xt, output_gradients=tf.constant(dy)).numpy())


def test_inputs_are_converted(tf, rng):
    x64 = rng.standard_normal((2, 6, 8, 10))
    strided = x64[:, :, ::2, :]  # non-contiguous float64
    expect = tf.nn.max_pool2d(strided.astype(np.float32), 2, 2, "VALID").numpy()
    np.testing.assert_array_equal(ops.max_pool2d(strided, 2, 2, "VALID"), expect)
    xi = np.arange(2 * 4 * 4 * 3).reshape(2, 4, 4, 3)  # int
    np.testing.assert_array_equal(ops.avg_pool2d(xi, 2, 2, "valid"),
                                  tf.nn.avg_pool2d(xi.astype(np.float32), 2, 2, "VALID").numpy())
    argmax64 = ops.max_pool2d_with_argmax(xi, 2, 2, "VALID")[1].astype(np.int64)
    dx = ops.max_pool2d_grad_with_argmax(xi.shape, np.ones((2, 2, 2, 3)), argmax64, 2, 2, "VALID")
    assert dx.sum() == 2 * 2 * 2 * 3 and dx.dtype == np.float32


def test_argument_errors():
    x = np.zeros((1, 4, 4, 2), np.float32)
    with pytest.raises(ValueError, match="`input` must be 4-D"):
        ops.max_pool2d(np.zeros((4, 4, 2)), 2, 2, "VALID")
    with pytest.raises(ValueError, match="`ksize` must be positive"):
        ops.max_pool2d(x, (0, 2), 2, "VALID")
    with pytest.raises(ValueError, match="`strides` must be positive"):
        ops.avg_pool2d(x, 2, -1, "VALID")
    with pytest.raises(ValueError, match="`ksize` must be 1 along the batch"):
        ops.max_pool2d(x, [2, 2, 2, 1], 2, "VALID")
    with pytest.raises(ValueError, match="`strides` must have 1, 2 or 4"):
        ops.max_pool2d(x, 2, (1, 2, 3), "VALID")
    with pytest.raises(TypeError, match="`ksize`"):
        ops.max_pool2d(x, 2.5, 2, "VALID")
    with pytest.raises(ValueError, match="`padding`"):
        ops.max_pool2d(x, 2, 2, "full")
    with pytest.raises(ValueError, match="`data_format`"):
        ops.max_pool2d(x, 2, 2, "VALID", data_format="NCHW")
    with pytest.raises(TypeError, match="`input`"):
        ops.avg_pool2d(np.zeros((1, 2, 2, 1), bool), 2, 2, "VALID")
    with pytest.raises(ValueError, match="`grad` must have the pooled output shape"):
        ops.max_pool2d_grad(x, np.zeros((1, 3, 3, 2)), 2, 2, "VALID")
    with pytest.raises(ValueError, match="`grad` must have the pooled output shape"):
        ops.avg_pool2d_grad(x.shape, np.zeros((1, 2, 2, 3)), 2, 2, "VALID")
    with pytest.raises(ValueError, match="`input_shape`"):
        ops.avg_pool2d_grad((1, 4, 4), np.zeros((1, 2, 2, 3)), 2, 2, "VALID")
    with pytest.raises(TypeError, match="`argmax`"):
        ops.max_pool2d_grad_with_argmax(x.shape, np.zeros((1, 2, 2, 2)), np.zeros((1, 2, 2, 2)), 2, 2, "VALID")
    with pytest.raises(ValueError, match="`argmax` must have the pooled output shape"):
        ops.max_pool2d_grad_with_argmax(x.shape, np.zeros((1, 2, 2, 2)), np.zeros((1, 2, 2, 1), np.int32), 2, 2,
                                        "VALID")


def test_foreign_argmax_never_writes_out_of_bounds():
    """A workspace that does not belong to this geometry raises instead of scattering outside the image."""
    dy = np.ones((1, 2, 2, 2), np.float32)
    for bad in (4, -1, 1000):
        argmax = np.zeros((1, 2, 2, 2), np.int32)
        argmax[0, 1, 1, 1] = bad
        with pytest.raises(ValueError, match="`argmax` does not match"):
            ops.max_pool2d_grad_with_argmax((1, 4, 4, 2), dy, argmax, 2, 2, "VALID")
    # SAME with padding: cell 0 of the last window is inside, the padded cells are not.
    argmax = np.full((1, 2, 2, 2), 3, np.int32)  # (1, 1) cell: padding for the bottom-right window of a 3x3 input
    with pytest.raises(ValueError, match="`argmax` does not match"):
        ops.max_pool2d_grad_with_argmax((1, 3, 3, 2), dy, argmax, 2, 2, "SAME")
    with pytest.raises(ValueError, match="`ksize`"):
        fastnn._core.max_pool2d(np.zeros((1, 4, 4, 2), np.float32), [5000, 5000], [1, 1], "VALID")


def test_report_errors_vs_tf(tf, rng, capsys):
    """Prints max abs/rel errors vs TF on the LeNet shapes (for the report, run with -s)."""
    for shape in [(8, 26, 26, 6), (8, 11, 11, 16)]:
        x = rng.standard_normal(shape).astype(np.float32)
        _, _, _, _, oh, ow, _, _ = _geometry(shape, 2, 2, "VALID")
        dy = rng.standard_normal((shape[0], oh, ow, shape[3])).astype(np.float32)
        for name, a, t in zip(("max", "avg", "max grad", "avg grad"), _ours(x, dy, 2, 2, "VALID"),
                              _tf_results(tf, x, dy, 2, 2, "VALID")):
            err = max_errors(a, t)
            print(f"{shape} {name}: max abs {err[0]:.3g}, max rel {err[1]:.3g}")


def test_core_rejects_a_window_whose_cell_count_overflows():
    # kh·kw = 2^124 wraps int64; the binding must still refuse it (the Python wrapper checks first, _core too).
    from fastnn import _core

    x = np.zeros((1, 4, 4, 1), np.float32)
    with pytest.raises(ValueError, match=r"`ksize` window is too large"):
        _core.max_pool2d(x, [2**62, 2**62], [1, 1], "same")
