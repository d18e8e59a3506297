"""Agreement suite: max abs / rel error of every fastnn op against TensorFlow on the shapes our users train
(the MLP and LeNet layers), forward and backward, on the active ISA path. Rel error is |Δ| / max|TF output|."""
import os

import numpy as np

from .common import format_table


def _errors(got, want):
    got = np.asarray(got, np.float64)
    want = np.asarray(want, np.float64)
    diff = np.abs(got - want)
    return float(diff.max(initial=0)), float(diff.max(initial=0) / max(np.abs(want).max(initial=0), 1e-30))


def cases(fastnn, tf):
    ops = fastnn.kernels
    rng = np.random.default_rng(7)
    f32 = lambda *shape: rng.standard_normal(shape).astype(np.float32)  # noqa: E731
    x, w, b = f32(128, 784), f32(784, 512) * 0.05, f32(512)
    dy = f32(128, 512)
    yield "matmul 128x784x512", ops.matmul(x, w), tf.linalg.matmul(x, w)
    for act in ("relu", "sigmoid", "tanh"):
        tf_act = getattr(tf.nn, act)
        yield f"dense+{act} (fused)", ops.dense(x, w, b, activation=act), tf_act(tf.nn.bias_add(x @ w, b))
    yield "matmul A^T.B (dW)", ops.matmul(x, dy, transpose_a=True), tf.linalg.matmul(x, dy, transpose_a=True)
    yield "matmul A.B^T (dX)", ops.matmul(dy, w, transpose_b=True), tf.linalg.matmul(dy, w, transpose_b=True)
    z = f32(1 << 16) * 5
    g = f32(1 << 16)
    for name in ("relu", "sigmoid", "tanh", "exp"):
        tf_fn = getattr(tf.nn, name, None) or getattr(tf.math, name)
        yield name, getattr(ops, name)(z), tf_fn(z)
    yield "leaky_relu(0.2)", ops.leaky_relu(z), tf.nn.leaky_relu(z, 0.2)
    yield "log", ops.log(np.abs(z) + 1e-3), tf.math.log(np.abs(z) + 1e-3)
    for name, fn in (("relu", tf.nn.relu), ("sigmoid", tf.nn.sigmoid), ("tanh", tf.nn.tanh)):
        zt = tf.constant(z)
        with tf.GradientTape() as tape:
            tape.watch(zt)
            y = fn(zt)
        want = tape.gradient(y, zt, output_gradients=g)
        arg = z if name == "relu" else y.numpy()
        yield f"{name}_grad", getattr(ops, f"{name}_grad")(g, arg), want
    logits, labels = f32(128, 10) * 4, rng.integers(0, 10, 128)
    lt = tf.constant(logits)
    with tf.GradientTape() as tape:
        tape.watch(lt)
        loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, lt)
    mine_loss, mine_grad = ops.sparse_softmax_cross_entropy_with_logits_and_grad(labels, logits)
    yield "sparse softmax-xent loss", mine_loss, loss
    yield "sparse softmax-xent dlogits", mine_grad, tape.gradient(loss, lt)
    yield "softmax 128x10", ops.softmax(logits), tf.nn.softmax(logits)
    for label, (n, h, c_in, c_out) in (("conv1", (128, 28, 1, 6)), ("conv2", (128, 13, 6, 16))):
        xc, kc = f32(n, h, h, c_in), f32(3, 3, c_in, c_out)
        xt, kt = tf.constant(xc), tf.constant(kc)
        with tf.GradientTape(persistent=True) as tape:
            tape.watch([xt, kt])
            yc = tf.nn.conv2d(xt, kt, 1, "VALID")
        dyc = f32(*yc.shape)
        dx_tf, dk_tf = tape.gradient(yc, [xt, kt], output_gradients=dyc)
        yield f"{label} forward", ops.conv2d(xc, kc, 1, "VALID"), yc
        yield f"{label} backward-data", ops.conv2d_backprop_input(xc.shape, kc, dyc, 1, "VALID"), dx_tf
        yield f"{label} backward-filter", ops.conv2d_backprop_filter(xc, kc.shape, dyc, 1, "VALID"), dk_tf
    xp = np.maximum(f32(128, 26, 26, 6), 0)  # after relu: ties at zero, routed like TF
    xpt = tf.constant(xp)
    with tf.GradientTape() as tape:
        tape.watch(xpt)
        yp = tf.nn.max_pool2d(xpt, 2, 2, "VALID")
    dyp = f32(*yp.shape)
    yield "max_pool2d forward", ops.max_pool2d(xp, 2, 2, "VALID"), yp
    yield "max_pool2d backward", ops.max_pool2d_grad(xp, dyp, 2, 2, "VALID"), tape.gradient(yp, xpt, dyp)
    yield "avg_pool2d forward", ops.avg_pool2d(xp, 2, 2, "VALID"), tf.nn.avg_pool2d(xp, 2, 2, "VALID")


def run():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    import fastnn

    rows = []
    for name, got, want in cases(fastnn, tf):
        abs_err, rel_err = _errors(got, np.asarray(want))
        rows.append({"op": name, "abs": abs_err, "rel": rel_err})
    print(f"fastnn {fastnn.__version__} isa={fastnn.isa()} vs TensorFlow {tf.__version__}")
    print(format_table(rows, [("op", "op", "{}"), ("abs", "max abs error", "{:.2e}"),
                              ("rel", "max abs / max |TF|", "{:.2e}")]))
    return rows
