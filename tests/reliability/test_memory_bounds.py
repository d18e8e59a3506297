"""No leaks: 10,000 calls of each main op, and 200 training steps (`train_on_batch` and `fit`) of a small
Sequential model, leave the resident set size flat.

RSS is read from /proc/self/statm after a warm-up (pools, caches, allocator arenas and lazily built state all
exist by then) and must grow by less than BOUND. Every op's output is >= 8 KiB, so leaking one output (or one
input copy) per call would grow RSS by >= 78 MiB over 10,000 calls: well past the bound.
"""
import gc
import os

import numpy as np
import pytest

import fastnn
from fastnn import kernels as K

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc/self/statm")

MIB = 1 << 20
BOUND = 16 * MIB
CALLS = 10_000
WARMUP = 1_000
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss():
    gc.collect()
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def assert_flat(step, calls, warmup, what):
    for _ in range(warmup):
        step()
    before = rss()
    for _ in range(calls):
        step()
    growth = rss() - before
    print(f"\n{what}: RSS {before / MIB:.1f} MiB, +{growth / MIB:.2f} MiB over {calls} calls")
    assert growth < BOUND, f"{what}: RSS grew by {growth / MIB:.1f} MiB over {calls} calls"
    return growth


R = np.random.default_rng(0)


def f32(*shape):
    return R.standard_normal(shape).astype(np.float32)


A, B = f32(32, 64), f32(64, 64)                       # out 32x64 = 8 KiB
BIAS = f32(64)
IMG, FILT, CBIAS = f32(2, 12, 12, 8), f32(3, 3, 8, 8), f32(8)   # 'same' out 2x12x12x8 = 9 KiB
POOL_IN = f32(2, 16, 16, 8)                           # 16 KiB in, 4 KiB out
LOGITS, LABELS = f32(64, 32), R.integers(0, 32, 64)   # dlogits 8 KiB
ONE_HOT = np.eye(32, dtype=np.float32)[LABELS]
VEC = f32(4096)                                       # 16 KiB


def _conv():
    y = K.conv2d(IMG, FILT, 1, "SAME", bias=CBIAS, activation="relu")
    K.conv2d_backprop_input(IMG.shape, FILT, y, 1, "SAME")
    K.conv2d_backprop_filter_and_bias(IMG, FILT.shape, y, 1, "SAME")


def _pools():
    y, argmax = K.max_pool2d_with_argmax(POOL_IN, 2, 2, "VALID")
    K.max_pool2d_grad(POOL_IN, y, 2, 2, "VALID")
    K.max_pool2d_grad_with_argmax(POOL_IN.shape, y, argmax, 2, 2, "VALID")
    z = K.avg_pool2d(POOL_IN, 3, 2, "SAME")
    K.avg_pool2d_grad(POOL_IN.shape, z, 3, 2, "SAME")


def _xent():
    K.softmax_cross_entropy_with_logits_and_grad(ONE_HOT, LOGITS, grad_scale=1 / 64)
    K.sparse_softmax_cross_entropy_with_logits_and_grad(LABELS, LOGITS, grad_scale=1 / 64)


def _elementwise():
    y = K.tanh(VEC)
    K.tanh_grad(VEC, y)
    K.relu(VEC)
    K.sigmoid(VEC)
    K.exp(y)
    K.softmax(VEC.reshape(64, 64))


_VAR, _M, _V = f32(2048), np.zeros(2048, np.float32), np.zeros(2048, np.float32)
_GRAD = f32(2048) * np.float32(1e-3)
_step = [0]


def _adam_kernel():
    _step[0] += 1
    K.adam_update(_VAR, _GRAD, _M, _V, _step[0])


def _optimizer_class():
    variables = [fastnn.Variable(f32(64, 32)), fastnn.Variable(f32(32))]
    optimizer = fastnn.optimizers.Adam(1e-3)
    grads = [f32(64, 32), f32(32)]

    def step():
        optimizer.apply_gradients(zip(grads, variables))
    return step


def _tape():
    w = fastnn.Variable(f32(64, 32))
    b = fastnn.Variable(f32(32))

    def step():
        with fastnn.GradientTape() as tape:
            logits = fastnn.nn.relu(fastnn.matmul(A, w) + b)
            loss = fastnn.reduce_mean(fastnn.nn.sparse_softmax_cross_entropy_with_logits(labels=LABELS[:32],
                                                                                          logits=logits))
        tape.gradient(loss, [w, b])
    return step


OPS = {
    "matmul": lambda: K.matmul(A, B, transpose_b=True),
    "dense": lambda: K.dense(A, B, BIAS, activation="tanh"),
    "conv2d": _conv,
    "pools": _pools,
    "softmax_xent": _xent,
    "elementwise": _elementwise,
    "adam_update_kernel": _adam_kernel,
    "optimizer_apply_gradients": _optimizer_class(),
    "gradient_tape": _tape(),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_calls_keep_rss_flat(name):
    assert_flat(OPS[name], CALLS, WARMUP, name)


def _model():
    fastnn.utils.set_random_seed(0)
    L = fastnn.layers
    model = fastnn.Sequential([L.Input((20,)), L.Dense(64, activation="relu"), L.Dropout(0.2),
                               L.Dense(32, activation="relu"), L.Dense(5, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


X = f32(256, 20)
Y = R.integers(0, 5, 256)


def test_train_on_batch_keeps_rss_flat():
    model = _model()
    batches = [(X[i:i + 32], Y[i:i + 32]) for i in range(0, 256, 32)]
    steps = iter(range(10**9))

    def step():
        xb, yb = batches[next(steps) % len(batches)]
        model.train_on_batch(xb, yb)
    assert_flat(step, 200, 20, "train_on_batch")


def test_fit_keeps_rss_flat():
    model = _model()
    model.fit(X, Y, batch_size=32, epochs=3, verbose=0)  # warm-up: 24 steps
    before = rss()
    history = model.fit(X, Y, batch_size=32, epochs=25, verbose=0)  # 25 epochs x 8 batches = 200 steps
    growth = rss() - before
    assert len(history.history["loss"]) == 25
    assert growth < BOUND, f"fit: RSS grew by {growth / MIB:.1f} MiB over 200 steps"
