"""Depthwise convolution forward / backprop-input / backprop-filter vs TensorFlow and a float64 numpy reference,
on every ISA path; 1 vs 2 threads and interrupt pieces bitwise equal; argument errors."""
import numpy as np
import pytest
from tolerances import assert_close_reduction

import fastnn
from fastnn import _core
from fastnn import kernels as ops


def _geometry(size, k, stride, dilation, padding):
    k_eff = (k - 1) * dilation + 1
    if padding == "same":
        out = -(-size // stride)
        return out, max((out - 1) * stride + k_eff - size, 0) // 2
    return (size - k_eff + stride) // stride, 0


def ref_depthwise(x, w, strides, padding, dilations):
    """float64 (y, and a function of dy giving (dx, dw)) by explicit loops over taps."""
    x, w = x.astype(np.float64), w.astype(np.float64)
    n, H, W, C = x.shape
    KH, KW, _, M = w.shape
    OH, pt = _geometry(H, KH, strides[0], dilations[0], padding)
    OW, pl = _geometry(W, KW, strides[1], dilations[1], padding)
    taps = []
    for kh in range(KH):
        for kw in range(KW):
            for oh in range(OH):
                ih = oh * strides[0] + kh * dilations[0] - pt
                for ow in range(OW):
                    iw = ow * strides[1] + kw * dilations[1] - pl
                    if 0 <= ih < H and 0 <= iw < W:
                        taps.append((kh, kw, oh, ow, ih, iw))
    y = np.zeros((n, OH, OW, C, M))
    for kh, kw, oh, ow, ih, iw in taps:
        y[:, oh, ow] += x[:, ih, iw, :, None] * w[kh, kw]

    def grads(dy):
        dy = dy.astype(np.float64).reshape(n, OH, OW, C, M)
        dx, dw = np.zeros_like(x), np.zeros_like(w)
        for kh, kw, oh, ow, ih, iw in taps:
            dx[:, ih, iw] += (dy[:, oh, ow] * w[kh, kw]).sum(-1)
            dw[kh, kw] += (x[:, ih, iw, :, None] * dy[:, oh, ow]).sum(0)
        return dx, dw
    return y.reshape(n, OH, OW, C * M), grads


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


# (x shape, filter shape, strides, padding, dilations)
CASES = [
    ((2, 7, 7, 4), (3, 3, 4, 1), 1, "valid", 1),
    ((2, 8, 9, 20), (3, 3, 20, 1), 1, "same", 1),          # one AVX-512 vector + a masked tail
    ((2, 9, 8, 17), (3, 3, 17, 4), 1, "same", 1),          # CE = 68: a 4-vector block + tail
    ((1, 11, 10, 3), (5, 5, 3, 2), 2, "same", 1),
    ((2, 10, 11, 6), (3, 2, 6, 1), (2, 3), "valid", 1),
    ((2, 12, 12, 5), (3, 3, 5, 3), 1, "same", 2),
    ((1, 13, 11, 8), (3, 3, 8, 1), 1, "valid", (2, 3)),
    ((2, 6, 7, 64), (3, 3, 64, 1), 2, "same", 1),          # MobileNet-like: strided, wide
    ((1, 4, 4, 2), (5, 5, 2, 1), 1, "same", 1),            # filter larger than the image
    ((1, 5, 6, 3), (2, 2, 3, 1), 3, "same", 1),            # stride above the kernel: uncovered input pixels
]


def _inputs(rng, xs, ws):
    return rng.standard_normal(xs).astype(np.float32), rng.standard_normal(ws).astype(np.float32)


@pytest.mark.parametrize("xs,ws,strides,padding,dilations", CASES)
def test_forward_and_gradients_vs_tf_and_reference(isa, tf, rng, xs, ws, strides, padding, dilations):
    x, w = _inputs(rng, xs, ws)
    s, d = _pair(strides), _pair(dilations)
    y = ops.depthwise_conv2d(x, w, s, padding.upper(), dilations=d)
    ref_y, grads = ref_depthwise(x, w, s, padding, d)
    taps = ws[0] * ws[1]
    scale = float(np.abs(x).max() * np.abs(w).max())
    assert_close_reduction(y, ref_y, taps, scale)
    tf_y = tf.nn.depthwise_conv2d(x, w, (1,) + s + (1,), padding.upper(), dilations=d).numpy()
    assert_close_reduction(y, tf_y, taps, scale)

    dy = rng.standard_normal(y.shape).astype(np.float32)
    dx = ops.depthwise_conv2d_backprop_input(xs, w, dy, s, padding.upper(), dilations=d)
    dw, db = ops.depthwise_conv2d_backprop_filter_and_bias(x, ws, dy, s, padding.upper(), dilations=d)
    ref_dx, ref_dw = grads(dy)
    assert_close_reduction(dx, ref_dx, taps * ws[3], float(np.abs(dy).max() * np.abs(w).max()))
    pixels = y.shape[0] * y.shape[1] * y.shape[2]
    assert_close_reduction(dw, ref_dw, pixels, float(np.abs(dy).max() * np.abs(x).max()))
    assert_close_reduction(db, dy.sum(axis=(0, 1, 2), dtype=np.float64), pixels, float(np.abs(dy).max()))
    np.testing.assert_array_equal(ops.depthwise_conv2d_backprop_filter(x, ws, dy, s, padding, dilations=d), dw)

    xv, wv = tf.Variable(x), tf.Variable(w)
    with tf.GradientTape() as tape:
        ty = tf.nn.depthwise_conv2d(xv, wv, (1,) + s + (1,), padding.upper(), dilations=d)
    tdx, tdw = tape.gradient(ty, [xv, wv], output_gradients=tf.constant(dy))
    assert_close_reduction(dx, tdx.numpy(), taps * ws[3], float(np.abs(dy).max() * np.abs(w).max()))
    assert_close_reduction(dw, tdw.numpy(), pixels, float(np.abs(dy).max() * np.abs(x).max()))


@pytest.mark.parametrize("activation", ["linear", "relu", "leaky_relu", "sigmoid", "tanh"])
def test_fused_bias_and_activation(isa, tf, rng, activation):
    x, w = _inputs(rng, (2, 6, 7, 19), (3, 3, 19, 2))
    b = rng.standard_normal(38).astype(np.float32)
    y = ops.depthwise_conv2d(x, w, 1, "same", bias=b, activation=activation, alpha=0.3)
    z = tf.nn.depthwise_conv2d(x, w, (1, 1, 1, 1), "SAME") + b
    fn = {"linear": tf.identity, "relu": tf.nn.relu, "leaky_relu": lambda v: tf.nn.leaky_relu(v, 0.3),
          "sigmoid": tf.sigmoid, "tanh": tf.tanh}[activation]
    np.testing.assert_allclose(y, fn(z).numpy(), rtol=1e-5, atol=3e-5)


@pytest.mark.parametrize("xs,ws,strides,padding", [((8, 16, 16, 32), (3, 3, 32, 1), 1, "same"),
                                                   ((1, 40, 40, 8), (3, 3, 8, 2), 2, "same"),
                                                   ((3, 23, 21, 48), (5, 5, 48, 1), 1, "valid")])
def test_one_and_two_threads_and_interrupt_pieces_bitwise_equal(isa, rng, xs, ws, strides, padding):
    x, w = _inputs(rng, xs, ws)
    b = rng.standard_normal(ws[2] * ws[3]).astype(np.float32)

    def run():
        y = ops.depthwise_conv2d(x, w, strides, padding, bias=b, activation="relu")
        dy = np.sin(np.arange(y.size, dtype=np.float32)).reshape(y.shape)
        return (y, ops.depthwise_conv2d_backprop_input(xs, w, dy, strides, padding),
                *ops.depthwise_conv2d_backprop_filter_and_bias(x, ws, dy, strides, padding))
    results = []
    try:
        for n in (1, 2):
            fastnn.set_num_threads(n)
            results.append(run())
        old = _core._set_interrupt_piece_work(1)  # every piece one row: the most cuts possible
        try:
            results.append(run())
        finally:
            _core._set_interrupt_piece_work(old)
    finally:
        fastnn.set_num_threads(None)
    for other in results[1:]:
        for a, b_ in zip(results[0], other):
            np.testing.assert_array_equal(a, b_)


def test_zero_sizes(isa):
    b = np.arange(6, dtype=np.float32)
    assert ops.depthwise_conv2d(np.zeros((2, 5, 5, 3)), np.zeros((3, 3, 3, 2)), 1, "same", bias=b).shape == \
        (2, 5, 5, 6)
    assert ops.depthwise_conv2d(np.zeros((0, 5, 5, 3)), np.zeros((3, 3, 3, 2)), 1, "same").shape == (0, 5, 5, 6)
    dx = ops.depthwise_conv2d_backprop_input((2, 5, 5, 3), np.ones((3, 3, 3, 0)), np.zeros((2, 3, 3, 0)), 1, "valid")
    assert dx.shape == (2, 5, 5, 3) and not dx.any()
    dw, db = ops.depthwise_conv2d_backprop_filter_and_bias(np.ones((0, 5, 5, 3)), (3, 3, 3, 1),
                                                           np.ones((0, 5, 5, 3)), 1, "same")
    assert dw.shape == (3, 3, 3, 1) and not dw.any() and not db.any()


@pytest.mark.parametrize("call,match", [
    (lambda: ops.depthwise_conv2d(np.ones((1, 5, 5, 3)), np.ones((3, 3, 2, 1)), 1, "valid"), "input depth"),
    (lambda: ops.depthwise_conv2d(np.ones((1, 5, 5, 3)), np.ones((3, 3, 3)), 1, "valid"), "`filter` must be 4-D"),
    (lambda: ops.depthwise_conv2d(np.ones((1, 1, 1, 3)), np.ones((3, 3, 3, 1)), 1, "valid"), "negative"),
    (lambda: ops.depthwise_conv2d(np.ones((1, 5, 5, 3)), np.ones((3, 3, 3, 1)), 0, "valid"), "strides"),
    (lambda: ops.depthwise_conv2d(np.ones((1, 5, 5, 3)), np.ones((3, 3, 3, 1)), 1, "full"), "padding"),
    (lambda: ops.depthwise_conv2d(np.ones((1, 5, 5, 3)), np.ones((3, 3, 3, 1)), 1, "valid", bias=np.ones(4)),
     r"`bias` must have shape \(3,\)"),
    (lambda: ops.depthwise_conv2d(np.ones((1, 5, 5, 3)), np.ones((3, 3, 3, 1)), 1, "valid", activation="gelu"),
     "activation"),
    (lambda: ops.depthwise_conv2d_backprop_input((1, 5, 5, 3), np.ones((3, 3, 3, 2)), np.ones((1, 3, 3, 3)), 1,
                                                 "valid"), "out_backprop"),
    (lambda: ops.depthwise_conv2d_backprop_filter(np.ones((1, 5, 5, 3)), (3, 3, 3), np.ones((1, 3, 3, 3)), 1,
                                                  "valid"), "filter_sizes"),
])
def test_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
