"""fastnn.nn's convolution-family ops (issue 16 item 1) vs tf.nn, forward and gradients, on every ISA path."""
import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn

R = np.random.default_rng(31)


def f32(*shape):
    return R.standard_normal(shape).astype(np.float32)


def both(tf, ours_fn, tf_fn, inputs):
    """(our output, TF's output, our gradients, TF's gradients) for a random output gradient."""
    ours = [fastnn.Variable(a) for a in inputs]
    theirs = [tf.Variable(a) for a in inputs]
    with fastnn.GradientTape() as tape:
        y = ours_fn(*ours)
    with tf.GradientTape() as tf_tape:
        ty = tf_fn(*theirs)
    seed = f32(*ty.shape)
    g = tape.gradient(y, ours, output_gradients=seed)
    tg = tf_tape.gradient(ty, theirs, output_gradients=tf.constant(seed))
    assert y.shape == tuple(ty.shape)
    assert_close_scaled(y.numpy(), ty.numpy(), tol=2e-6)
    for a, b in zip(g, tg):
        assert_close_scaled(a.numpy(), tf.convert_to_tensor(b).numpy())


@pytest.mark.parametrize("xs,ws,out,strides,padding,dilations", [
    ((2, 4, 5, 3), (3, 3, 2, 3), (2, 9, 11, 2), 2, "VALID", 1),
    ((2, 4, 5, 3), (3, 2, 4, 3), (2, 8, 10, 4), 2, "SAME", 1),
    ((1, 5, 5, 2), (3, 3, 3, 2), (1, 5, 5, 3), 1, "SAME", 2),
    ((2, 3, 3, 4), (4, 4, 2, 4), (2, 6, 5, 2), (2, 2), "SAME", 1),   # SAME: even and odd output sizes
])
def test_conv2d_transpose(isa, tf, xs, ws, out, strides, padding, dilations):
    both(tf, lambda x, w: fastnn.nn.conv2d_transpose(x, w, out, strides, padding, dilations=dilations),
         lambda x, w: tf.nn.conv2d_transpose(x, w, out, strides, padding, dilations=dilations),
         [f32(*xs), f32(*ws)])


@pytest.mark.parametrize("stride,padding,dilations", [(1, "VALID", 1), (2, "SAME", 1), (1, "SAME", 2)])
def test_conv1d(isa, tf, stride, padding, dilations):
    both(tf, lambda x, w: fastnn.nn.conv1d(x, w, stride, padding, dilations=dilations),
         lambda x, w: tf.nn.conv1d(x, w, stride, padding, dilations=dilations), [f32(2, 11, 3), f32(3, 3, 4)])


@pytest.mark.parametrize("strides,padding,dilations,multiplier", [(1, "VALID", 1, 1), (2, "SAME", 1, 3),
                                                                   (1, "SAME", 2, 2)])
def test_depthwise_and_separable_conv2d(isa, tf, strides, padding, dilations, multiplier):
    x, dw, pw = f32(2, 9, 8, 5), f32(3, 3, 5, multiplier), f32(1, 1, 5 * multiplier, 4)
    s4, d2 = [1, strides, strides, 1], [dilations, dilations]
    both(tf, lambda a, b: fastnn.nn.depthwise_conv2d(a, b, strides, padding, dilations=dilations),
         lambda a, b: tf.nn.depthwise_conv2d(a, b, s4, padding, dilations=d2), [x, dw])
    both(tf, lambda a, b, c: fastnn.nn.separable_conv2d(a, b, c, strides, padding, dilations=dilations),
         lambda a, b, c: tf.nn.separable_conv2d(a, b, c, s4, padding, dilations=d2), [x, dw, pw])


def test_depthwise_fused_bias_activation_gradients(isa, tf):
    x, w, b = f32(2, 6, 6, 4), f32(3, 3, 4, 2), f32(8)
    both(tf, lambda a, k, c: fastnn.nn.depthwise_conv2d(a, k, 1, "SAME", bias=c, activation="tanh"),
         lambda a, k, c: tf.tanh(tf.nn.depthwise_conv2d(a, k, [1, 1, 1, 1], "SAME") + c), [x, w, b])


@pytest.mark.parametrize("ksize,strides,padding", [(2, 2, "VALID"), (3, 2, "SAME"), (3, 1, "VALID")])
def test_pool1d(isa, tf, ksize, strides, padding):
    x = f32(2, 9, 3)
    both(tf, lambda a: fastnn.nn.max_pool1d(a, ksize, strides, padding),
         lambda a: tf.nn.max_pool1d(a, ksize, strides, padding), [x])
    both(tf, lambda a: fastnn.nn.avg_pool1d(a, ksize, strides, padding),
         lambda a: tf.nn.avg_pool1d(a, ksize, strides, padding), [x])


def test_conv2d_transpose_output_shape_must_map_back_to_the_input():
    with pytest.raises(ValueError, match=r"`output_shape` \[2, 7, 8, 2\] does not map back to `input`'s spatial "
                                         r"size \(3, 3\).* gives \(4, 4\)"):
        fastnn.nn.conv2d_transpose(f32(2, 3, 3, 4), f32(4, 4, 2, 4), [2, 7, 8, 2], 2, "SAME")
