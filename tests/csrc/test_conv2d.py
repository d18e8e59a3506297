"""Conv2D forward / backward-data / backward-filter vs TensorFlow and a float64 numpy reference, on every ISA path."""
import numpy as np
import pytest
from references import bias_add_grad_ref, conv2d_ref
from tolerances import assert_close_elementwise, assert_close_reduction

import fastnn
from fastnn import kernels as ops


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


# (x shape, kernel shape, strides, padding, dilations)
CASES = [
    ((1, 7, 7, 1), (3, 3, 1, 1), 1, "valid", 1),
    ((2, 28, 28, 1), (3, 3, 1, 6), 1, "valid", 1),        # LeNet conv1
    ((2, 13, 13, 6), (3, 3, 6, 16), 1, "valid", 1),       # LeNet conv2
    ((2, 28, 28, 1), (5, 5, 1, 6), 1, "same", 1),
    ((2, 12, 12, 6), (5, 5, 6, 16), 1, "valid", 1),
    ((1, 11, 13, 3), (1, 1, 3, 17), 1, "valid", 1),
    ((3, 11, 7, 3), (2, 3, 3, 17), (2, 1), "same", 1),
    ((2, 13, 11, 6), (3, 3, 6, 6), 2, "valid", 1),
    ((2, 13, 11, 6), (3, 3, 6, 16), 2, "same", 1),
    ((1, 17, 19, 3), (5, 5, 3, 1), 2, "same", 1),
    ((2, 8, 8, 64), (3, 3, 64, 64), 1, "same", 1),        # wide layer, small spatial
    ((2, 7, 5, 6), (2, 2, 6, 64), 1, "same", 1),          # even kernel: extra padding bottom/right
    ((2, 13, 11, 3), (3, 3, 3, 8), 1, "valid", 2),
    ((2, 13, 11, 3), (3, 2, 3, 16), 1, "same", (2, 3)),
    ((1, 13, 11, 3), (3, 3, 3, 17), 2, "same", 2),        # TF's tf.nn.conv2d accepts strides with dilations
    ((1, 9, 7, 40), (3, 3, 40, 17), 1, "same", 1),        # reduction in L1-sized chunks, partial channel blocks
    ((1, 9, 45, 1), (3, 3, 1, 4), 1, "valid", 1),         # Cin = 1 by planes: several row tiles, odd rows
    ((2, 13, 11, 1), (3, 2, 1, 5), 1, "same", (2, 3)),    # Cin = 1 by planes, dilated
    ((1, 10, 9, 1), (3, 3, 1, 4), 2, "same", 1),          # Cin = 1 strided: by columns
]
IDS = [f"{x}-{w}-s{s}-{p}-d{d}" for x, w, s, p, d in CASES]


def _inputs(rng, xs, ws):
    return rng.standard_normal(xs).astype(np.float32), rng.standard_normal(ws).astype(np.float32)


@pytest.mark.parametrize("xs,ws,strides,padding,dilations", CASES, ids=IDS)
def test_forward_vs_tf_and_reference(isa, tf, rng, xs, ws, strides, padding, dilations):
    x, w = _inputs(rng, xs, ws)
    y = ops.conv2d(x, w, strides, padding.upper(), dilations=dilations)
    expected = tf.nn.conv2d(x, w, strides, padding.upper(), dilations=dilations).numpy()
    scale = np.abs(x).max() * np.abs(w).max()
    k = ws[0] * ws[1] * ws[2]
    assert_close_reduction(y, expected, k, scale)
    assert_close_reduction(y, conv2d_ref(x, w, None, _pair(strides), padding, _pair(dilations))[0], k, scale)


@pytest.mark.parametrize("xs,ws,strides,padding,dilations", CASES, ids=IDS)
def test_backward_vs_tf_and_reference(isa, tf, rng, xs, ws, strides, padding, dilations):
    x, w = _inputs(rng, xs, ws)
    y = ops.conv2d(x, w, strides, padding, dilations=dilations)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    dx = ops.conv2d_backprop_input(xs, w, dy, strides, padding, dilations=dilations)
    dw = ops.conv2d_backprop_filter(x, ws, dy, strides, padding, dilations=dilations)
    dw2, db = ops.conv2d_backprop_filter_and_bias(x, ws, dy, strides, padding, dilations=dilations)
    np.testing.assert_array_equal(dw, dw2)
    assert_close_reduction(db, bias_add_grad_ref(dy), np.prod(dy.shape[:3]), np.abs(dy).max())
    k_data = ws[0] * ws[1] * ws[3]
    k_filter = int(np.prod(dy.shape[:3]))
    scale_data = np.abs(dy).max() * np.abs(w).max()
    scale_filter = np.abs(dy).max() * np.abs(x).max()
    dx_ref, dw_ref = conv2d_ref(x, w, dy, _pair(strides), padding, _pair(dilations))[1:]
    assert_close_reduction(dx, dx_ref, k_data, scale_data)
    assert_close_reduction(dw, dw_ref, k_filter, scale_filter)
    if _pair(dilations) == (1, 1):  # TF's CPU gradient kernels reject dilations > 1
        xt, wt = tf.constant(x), tf.constant(w)
        with tf.GradientTape() as tape:
            tape.watch([xt, wt])
            yt = tf.nn.conv2d(xt, wt, strides, padding.upper())
        dx_tf, dw_tf = tape.gradient(yt, [xt, wt], output_gradients=tf.constant(dy))
        assert_close_reduction(dx, dx_tf.numpy(), k_data, scale_data)
        assert_close_reduction(dw, dw_tf.numpy(), k_filter, scale_filter)
        s4 = [1, *_pair(strides), 1]
        raw_dx = tf.raw_ops.Conv2DBackpropInput(input_sizes=xs, filter=w, out_backprop=dy, strides=s4,
                                                padding=padding.upper()).numpy()
        raw_dw = tf.raw_ops.Conv2DBackpropFilter(input=x, filter_sizes=ws, out_backprop=dy, strides=s4,
                                                 padding=padding.upper()).numpy()
        assert_close_reduction(dx, raw_dx, k_data, scale_data)
        assert_close_reduction(dw, raw_dw, k_filter, scale_filter)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "sigmoid", "tanh", None])
def test_fused_bias_and_activation(isa, tf, rng, activation):
    x, w = _inputs(rng, (2, 9, 10, 6), (3, 3, 6, 17))
    b = rng.standard_normal(17).astype(np.float32)
    y = ops.conv2d(x, w, 1, "same", bias=b, activation=activation, alpha=0.3)
    z = tf.nn.conv2d(x, w, 1, "SAME") + b
    expected = {"relu": tf.nn.relu, "leaky_relu": lambda v: tf.nn.leaky_relu(v, 0.3), "sigmoid": tf.sigmoid,
                "tanh": tf.tanh, None: lambda v: v}[activation](z).numpy()
    # The pre-activation is a length-54 reduction; the activations have slope <= 1.
    assert_close_reduction(y, expected, 54, np.abs(x).max() * np.abs(w).max())


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_fused_epilogue_after_reduction_chunks(isa, tf, rng, activation):
    # K = 3·3·40 rows: the reduction runs in chunks, the bias and activation only after the last one.
    x, w = _inputs(rng, (1, 7, 9, 40), (3, 3, 40, 17))
    b = rng.standard_normal(17).astype(np.float32)
    y = ops.conv2d(x, w, 1, "same", bias=b, activation=activation)
    expected = getattr(tf.nn, activation)(tf.nn.conv2d(x, w, 1, "SAME") + b).numpy()
    assert_close_reduction(y, expected, 360, np.abs(x).max() * np.abs(w).max())


def test_large_magnitudes_and_zeros(isa, tf, rng):
    x, w = _inputs(rng, (2, 13, 13, 6), (3, 3, 6, 16))
    x *= 1e4
    w *= 1e-3
    y = ops.conv2d(x, w, 1, "valid")
    assert_close_reduction(y, tf.nn.conv2d(x, w, 1, "VALID").numpy(), 54, np.abs(x).max() * np.abs(w).max())
    z = ops.conv2d(np.zeros_like(x), w, 1, "same")
    assert z.shape == (2, 13, 13, 16) and not z.any()
    dw = ops.conv2d_backprop_filter(x, w.shape, np.zeros((2, 11, 11, 16), np.float32), 1, "valid")
    assert not dw.any()


def test_argument_forms_and_input_conversion(tf, rng):
    x, w = _inputs(rng, (2, 9, 8, 3), (3, 2, 3, 5))
    expected = tf.nn.conv2d(x, w, [1, 2, 1, 1], "SAME").numpy()
    x_f64 = x.astype(np.float64)
    x_strided = np.asfortranarray(x)  # non C-contiguous
    w_view = np.ascontiguousarray(np.flip(w, 0))[::-1]  # negative-stride view with w's values
    for xin, win in [(x, w), (x_f64, w), (x_strided, w_view), (x.tolist(), w)]:
        for strides in [(2, 1), [1, 2, 1, 1], np.array([2, 1])]:
            assert_close_reduction(ops.conv2d(xin, win, strides, "same"), expected, 18, np.abs(x).max() * 3)
    x_before = x_f64.copy()
    ops.conv2d(x_f64, w, 1, "valid")
    np.testing.assert_array_equal(x_f64, x_before)  # inputs are never modified
    xi = rng.integers(-3, 4, (1, 6, 6, 2))
    wi = rng.integers(-3, 4, (3, 3, 2, 4))
    np.testing.assert_array_equal(ops.conv2d(xi, wi, 1, "valid"), tf.nn.conv2d(xi.astype(np.float32),
                                  wi.astype(np.float32), 1, "VALID").numpy())
    dy = rng.standard_normal((2, 5, 8, 5))
    dx = ops.conv2d_backprop_input(np.array([2, 9, 8, 3]), w.astype(np.float64), dy[:, ::-1][:, ::-1], (2, 1), "same")
    assert dx.dtype == np.float32 and dx.shape == (2, 9, 8, 3)


def test_empty_output_shape(rng):
    x, w = _inputs(rng, (2, 4, 4, 3), (5, 5, 3, 2))
    # (4 − 5) // 2 + 1 = 0 output rows: an empty tensor, as TF's eager kernel gave on AVX2 machines. TF is not the
    # oracle here: its graph shape function rejects this geometry and its eager oneDNN kernel on AVX-512 machines
    # returns the input's shape.
    y = ops.conv2d(x, w, 2, "valid")
    assert y.shape == (2, 0, 0, 2)
    dx = ops.conv2d_backprop_input(x.shape, w, y, 2, "valid")
    assert dx.shape == x.shape and not dx.any()
    dw, db = ops.conv2d_backprop_filter_and_bias(x, w.shape, y, 2, "valid")
    assert dw.shape == w.shape and not dw.any() and not db.any()
    assert ops.conv2d(np.zeros((0, 5, 5, 3), np.float32), w, 1, "same").shape == (0, 5, 5, 2)


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(input=np.zeros((5, 5, 3))), ValueError, r"`input` must be 4-D, received shape \(5, 5, 3\)"),
    (dict(filters=np.zeros((3, 3, 3))), ValueError, r"`filters` must be 4-D"),
    (dict(filters=np.zeros((3, 3, 2, 4))), ValueError, r"input depth must equal filter depth.*3.*2"),
    (dict(filters=np.zeros((0, 3, 3, 4))), ValueError, r"`filters` spatial size must be positive"),
    (dict(strides=0), ValueError, r"`strides` must be positive, received 0"),
    (dict(strides=(1, -2)), ValueError, r"`strides` must be positive"),
    (dict(strides=[2, 1, 1, 1]), ValueError, r"`strides` must be 1 along the batch and channel axes"),
    (dict(strides=[1, 2, 3]), ValueError, r"`strides` must have 1, 2 or 4 elements"),
    (dict(strides="2"), TypeError, r"`strides` must contain ints"),
    (dict(dilations=(0, 1)), ValueError, r"`dilations` must be positive"),
    (dict(padding="full"), ValueError, r"`padding` must be 'VALID' or 'SAME', received 'full'"),
    (dict(padding=None), ValueError, r"`padding` must be 'VALID' or 'SAME'"),
    (dict(filters=np.zeros((9, 3, 3, 4))), ValueError, r"Computed output size would be negative"),
    (dict(dilations=4), ValueError, r"Computed output size would be negative"),
    (dict(input=np.zeros((1, 5, 5, 3), complex)), TypeError, r"`input` must be a real numeric array"),
    (dict(bias=np.zeros(5)), ValueError, r"`bias` must have shape \(4,\), received \(5,\)"),
    (dict(activation="softmax"), ValueError, r"`activation` must be one of"),
    (dict(data_format="NCHW"), ValueError, r"`data_format` must be 'NHWC'"),
    (dict(dilations=2**40), ValueError, r"`dilations` must be in \[1, 2\^31\), received \(1099511627776, "),
    (dict(strides=(1, 2**33)), ValueError, r"`strides` must be in \[1, 2\^31\)"),
])
def test_forward_errors(kwargs, error, match):
    args = dict(input=np.zeros((1, 5, 5, 3)), filters=np.zeros((3, 3, 3, 4)), strides=1, padding="valid")
    args.update(kwargs)
    with pytest.raises(error, match=match):
        ops.conv2d(**args)


def test_huge_dilation_same_is_rejected_not_allocated():
    with pytest.raises(ValueError, match="too large"):
        ops.conv2d(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 3, 4)), 1, "same", dilations=2**30)


def test_backprop_errors(rng):
    w = np.zeros((3, 3, 3, 4), np.float32)
    x = np.zeros((2, 7, 7, 3), np.float32)
    dy = np.zeros((2, 5, 5, 4), np.float32)
    with pytest.raises(ValueError, match=r"`out_backprop` must have shape \(2, 5, 5, 4\), received \(2, 5, 6, 4\)"):
        ops.conv2d_backprop_input(x.shape, w, np.zeros((2, 5, 6, 4)), 1, "valid")
    with pytest.raises(ValueError, match=r"`out_backprop` must have shape \(2, 7, 7, 4\)"):
        ops.conv2d_backprop_filter(x, w.shape, dy, 1, "same")
    with pytest.raises(ValueError, match=r"`input_sizes` must be 4 integers"):
        ops.conv2d_backprop_input((2, 7, 7), w, dy, 1, "valid")
    with pytest.raises(ValueError, match=r"`filter_sizes` must be non-negative"):
        ops.conv2d_backprop_filter(x, (3, -3, 3, 4), dy, 1, "valid")
    with pytest.raises(ValueError, match=r"input depth must equal filter depth"):
        ops.conv2d_backprop_filter(x, (3, 3, 2, 4), dy, 1, "valid")
    with pytest.raises(ValueError, match=r"`out_backprop` must be 4-D"):
        ops.conv2d_backprop_filter(x, w.shape, dy[0], 1, "valid")


@pytest.mark.parametrize("xs,ws,padding", [((8, 16, 16, 6), (3, 3, 6, 16), "same"),
                                           ((1, 40, 40, 8), (3, 3, 8, 16), "valid"),
                                           ((16, 28, 28, 1), (5, 5, 1, 6), "valid"),
                                           ((1, 23, 21, 48), (3, 3, 48, 40), "same"),  # chunked, pixel split
                                           ((3, 11, 13, 48), (3, 3, 48, 40), "same")])
def test_one_and_two_threads_bitwise_equal(isa, rng, xs, ws, padding):
    x, w = _inputs(rng, xs, ws)
    b = rng.standard_normal(ws[3]).astype(np.float32)
    results = []
    try:
        for n in (1, 2):
            fastnn.set_num_threads(n)
            y = ops.conv2d(x, w, 1, padding, bias=b, activation="relu")
            dy = np.sin(np.arange(y.size, dtype=np.float32)).reshape(y.shape)
            results.append((y, ops.conv2d_backprop_input(xs, w, dy, 1, padding),
                            *ops.conv2d_backprop_filter_and_bias(x, ws, dy, 1, padding)))
    finally:
        fastnn.set_num_threads(None)
    for a, b_ in zip(*results):
        np.testing.assert_array_equal(a, b_)


def test_bias_gradient_of_one_pixel_is_dy():
    dy = np.arange(6, dtype=np.float32).reshape(1, 1, 1, 6)
    _, db = ops.conv2d_backprop_filter_and_bias(np.ones((1, 3, 3, 2)), (3, 3, 2, 6), dy, 1, "valid")
    assert_close_elementwise(db, dy.reshape(6))


def test_zero_channels(isa):
    b = np.arange(4, dtype=np.float32)
    y = ops.conv2d(np.zeros((2, 5, 5, 0)), np.zeros((3, 3, 0, 4)), 1, "same", bias=b, activation="relu")
    np.testing.assert_array_equal(y, np.broadcast_to(b, (2, 5, 5, 4)))
    assert ops.conv2d(np.zeros((2, 5, 5, 3)), np.zeros((3, 3, 3, 0)), 1, "valid").shape == (2, 3, 3, 0)
    dx = ops.conv2d_backprop_input((2, 5, 5, 3), np.zeros((3, 3, 3, 0)), np.zeros((2, 3, 3, 0)), 1, "valid")
    assert dx.shape == (2, 5, 5, 3) and not dx.any()
    dw, db = ops.conv2d_backprop_filter_and_bias(np.zeros((2, 5, 5, 0)), (3, 3, 0, 4), np.ones((2, 5, 5, 4)), 1,
                                                 "same")
    assert dw.shape == (3, 3, 0, 4)
    np.testing.assert_array_equal(db, np.full(4, 50.0))


def test_random_geometries_vs_reference(isa):
    """Random small shapes, strides, dilations and paddings (both backward-data forms) vs the float64 loops."""
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies

    @hypothesis.settings(max_examples=40, deadline=None, derandomize=True)
    @hypothesis.given(n=st.integers(1, 2), h=st.integers(1, 9), w=st.integers(1, 9), cin=st.integers(1, 10),
                      cout=st.integers(1, 19), kh=st.integers(1, 4), kw=st.integers(1, 4),
                      sh=st.integers(1, 3), sw=st.integers(1, 3), dh=st.integers(1, 2), dw=st.integers(1, 2),
                      padding=st.sampled_from(["valid", "same"]), seed=st.integers(0, 2**16))
    def check(n, h, w, cin, cout, kh, kw, sh, sw, dh, dw, padding, seed):
        if padding == "valid" and (h - (kh - 1) * dh - 1 + sh < 0 or w - (kw - 1) * dw - 1 + sw < 0):
            return
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((n, h, w, cin)).astype(np.float32)
        k = rng.standard_normal((kh, kw, cin, cout)).astype(np.float32)
        y = ops.conv2d(x, k, (sh, sw), padding, dilations=(dh, dw))
        assert_close_reduction(y, conv2d_ref(x, k, None, (sh, sw), padding, (dh, dw))[0], kh * kw * cin, 16.0)
        dy = rng.standard_normal(y.shape).astype(np.float32)
        dx_ref, dw_ref = conv2d_ref(x, k, dy, (sh, sw), padding, (dh, dw))[1:]
        dx = ops.conv2d_backprop_input(x.shape, k, dy, (sh, sw), padding, dilations=(dh, dw))
        dwt = ops.conv2d_backprop_filter(x, k.shape, dy, (sh, sw), padding, dilations=(dh, dw))
        assert_close_reduction(dx, dx_ref, kh * kw * cout, 16.0)
        assert_close_reduction(dwt, dw_ref, max(dy.size // cout, 1), 16.0)

    check()
