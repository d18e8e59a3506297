"""What each framework runs for each task kind. A task is a JSON-able dict {"kind": ..., shape params}; every
framework builds the same seeded inputs, so outputs can be compared across processes.

build(fw, framework, task) -> (fn, output): fn() does the timed work, output() returns its result as an array.
"""
import json
import zlib

import numpy as np

FRAMEWORKS = {
    "gemm": ("fastnn", "numpy", "torch", "tf"),
    "conv": ("fastnn", "torch", "torch_nchw", "tf"),      # forward + backward-data + backward-filter
    "maxpool": ("fastnn", "torch", "torch_nchw", "tf"),   # forward + backward
    "depthwise": ("fastnn", "torch", "torch_nchw", "tf"),  # depthwise conv 3x3 'same': forward + both gradients
    "deconv": ("fastnn", "torch", "torch_nchw", "tf"),     # transposed conv stride 2 'same': forward + both gradients
    "xent": ("fastnn", "numpy", "torch", "tf"),           # sparse softmax cross-entropy: loss + dlogits
    "adam": ("fastnn", "numpy", "torch"),                 # one update of every parameter of the MLP
    "loop_step": ("fastnn", "torch", "tf"),               # custom training loop step: tape, loss, grads, Adam
    "tape_overhead": ("fastnn", "torch", "tf"),           # many tiny recorded ops + their gradient: per-op cost
    "epoch": ("fastnn", "fastnn_1t", "torch", "tf"),      # one MNIST epoch: fit / PyTorch loop (train suite)
    "train_step": ("fastnn", "torch", "tf"),              # one train_on_batch step
    "predict": ("fastnn", "torch", "tf"),                 # predict over the test images
    "batchnorm": ("fastnn", "torch", "tf"),               # training-mode forward + backward (dx, dgamma, dbeta)
    "gelu": ("fastnn", "torch", "tf"),                    # exact (erf) gelu: forward + input gradient
    "lstm": ("fastnn", "torch", "tf"),                    # LSTM over a sequence: forward + backprop-through-time
    "embedding": ("fastnn", "torch", "tf"),               # lookup + dense table gradient (scatter-add)
}


def load_framework(name, threads):
    if name.endswith("_1t"):  # e.g. fastnn_1t: fastnn on one thread, for the 1 -> 2 thread speed-up
        name, threads = name[:-3], 1
    if name == "fastnn":
        import fastnn

        fastnn.set_num_threads(threads)
        return fastnn
    if name == "numpy":
        return np
    if name.startswith("torch"):
        import torch

        torch.set_num_threads(threads)
        return torch
    if name == "tf":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        return tf
    raise ValueError(f"unknown framework {name!r}")


def framework_version(fw, name):
    return getattr(fw, "__version__", "?")


_BETWEEN = {}


def between_call(library):
    """None, or a 128x784x512 GEMM in `library` ("numpy" or "torch", its default threads) that the contention
    suite runs before every timed call, in the same process: that library's idle threads then still spin."""
    if library is None:
        return None
    if library not in _BETWEEN:
        rng = np.random.default_rng(1)
        a = rng.standard_normal((128, 784)).astype(np.float32)
        b = rng.standard_normal((784, 512)).astype(np.float32)
        if library == "numpy":
            _BETWEEN[library] = lambda: a @ b
        elif library == "torch":
            import torch

            ta, tb = torch.from_numpy(a), torch.from_numpy(b)
            _BETWEEN[library] = lambda: torch.mm(ta, tb)
        else:
            raise ValueError(f"unknown library {library!r}; expected numpy or torch")
    return _BETWEEN[library]


def _rng(task):
    return np.random.default_rng(zlib.crc32(json.dumps(task, sort_keys=True).encode()))


def build(fw, name, task):
    builder = globals().get(f"_{task['kind']}_{name.split('_')[0]}")
    if builder is None:
        raise ValueError(f"no {task['kind']} task for {name}")
    return builder(fw, name, task, _rng(task))


# ---------------------------------------------------------------------------------------------------- GEMM
def _gemm_inputs(task, rng):
    m, k, n, ta, tb = task["m"], task["k"], task["n"], task["ta"], task["tb"]
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
    if task.get("denormal"):  # every other A entry subnormal (~1e-39): CPUs without flush-to-zero crawl on these
        a.reshape(-1)[::2] *= np.float32(1e-39)
    return a, b, ta, tb


def _gemm_fastnn(fastnn, name, task, rng):
    a, b, ta, tb = _gemm_inputs(task, rng)
    gemm = fastnn._core.gemm
    fn = lambda: gemm(a, b, transpose_a=ta, transpose_b=tb)  # noqa: E731
    return fn, fn


def _gemm_numpy(np_, name, task, rng):
    a, b, ta, tb = _gemm_inputs(task, rng)
    a, b = (a.T if ta else a), (b.T if tb else b)
    fn = lambda: a @ b  # noqa: E731
    return fn, fn


def _gemm_torch(torch, name, task, rng):
    a, b, ta, tb = _gemm_inputs(task, rng)
    at, bt = torch.from_numpy(a), torch.from_numpy(b)
    at, bt = (at.t() if ta else at), (bt.t() if tb else bt)
    fn = lambda: torch.matmul(at, bt)  # noqa: E731
    return fn, lambda: fn().numpy()


def _gemm_tf(tf, name, task, rng):
    a, b, ta, tb = _gemm_inputs(task, rng)
    at, bt = tf.constant(a), tf.constant(b)
    fn = lambda: tf.linalg.matmul(at, bt, transpose_a=ta, transpose_b=tb)  # noqa: E731
    return fn, lambda: fn().numpy()


# ---------------------------------------------------------------------------------------------------- Conv2D
def _conv_inputs(task, rng):
    n, h, w, cin, cout, k = task["n"], task["h"], task["w"], task["cin"], task["cout"], task["k"]
    x = rng.standard_normal((n, h, w, cin)).astype(np.float32)
    kernel = (rng.standard_normal((k, k, cin, cout)) / np.sqrt(k * k * cin)).astype(np.float32)
    dy = rng.standard_normal((n, h - k + 1, w - k + 1, cout)).astype(np.float32)
    return x, kernel, dy


def _flat(*arrays):
    return np.concatenate([np.asarray(a, np.float32).ravel() for a in arrays])


def _conv_fastnn(fastnn, name, task, rng):
    x, kernel, dy = _conv_inputs(task, rng)
    ops = fastnn.kernels

    def fn():
        y = ops.conv2d(x, kernel, 1, "VALID")
        dx = ops.conv2d_backprop_input(x.shape, kernel, dy, 1, "VALID")
        dw = ops.conv2d_backprop_filter(x, kernel.shape, dy, 1, "VALID")
        return y, dx, dw

    return fn, lambda: _flat(*fn())


def _torch_nchw_to_nhwc(t):
    return t.detach().permute(0, 2, 3, 1).numpy()


def _conv_torch(torch, name, task, rng):
    x, kernel, dy = _conv_inputs(task, rng)
    fmt = torch.contiguous_format if name == "torch_nchw" else torch.channels_last
    xt = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(memory_format=fmt).requires_grad_()
    wt = torch.from_numpy(kernel).permute(3, 2, 0, 1).contiguous(memory_format=fmt).requires_grad_()
    dyt = torch.from_numpy(dy).permute(0, 3, 1, 2).contiguous(memory_format=fmt)
    conv2d = torch.nn.functional.conv2d

    def fn():
        y = conv2d(xt, wt)
        dx, dw = torch.autograd.grad(y, (xt, wt), dyt)
        return y, dx, dw

    def output():
        y, dx, dw = fn()
        return _flat(_torch_nchw_to_nhwc(y), _torch_nchw_to_nhwc(dx), dw.detach().permute(2, 3, 1, 0).numpy())

    return fn, output


def _conv_tf(tf, name, task, rng):
    x, kernel, dy = (tf.constant(a) for a in _conv_inputs(task, rng))

    @tf.function
    def fn():
        with tf.GradientTape() as tape:
            tape.watch([x, kernel])
            y = tf.nn.conv2d(x, kernel, 1, "VALID")
        dx, dw = tape.gradient(y, [x, kernel], output_gradients=dy)
        return y, dx, dw

    return fn, lambda: _flat(*(t.numpy() for t in fn()))


# ---------------------------------------------------------------------------------------------------- depthwise
# DepthwiseConv2D 3x3 'same', stride 1, depth multiplier 1 (a MobileNet block's spatial step).
def _depthwise_inputs(task, rng):
    n, h, w, c = task["n"], task["h"], task["w"], task["c"]
    x = rng.standard_normal((n, h, w, c)).astype(np.float32)
    kernel = (rng.standard_normal((3, 3, c, 1)) / 3).astype(np.float32)
    dy = rng.standard_normal((n, h, w, c)).astype(np.float32)
    return x, kernel, dy


def _depthwise_fastnn(fastnn, name, task, rng):
    x, kernel, dy = _depthwise_inputs(task, rng)
    ops = fastnn.kernels

    def fn():
        y = ops.depthwise_conv2d(x, kernel, 1, "SAME")
        dx = ops.depthwise_conv2d_backprop_input(x.shape, kernel, dy, 1, "SAME")
        dw = ops.depthwise_conv2d_backprop_filter(x, kernel.shape, dy, 1, "SAME")
        return y, dx, dw

    return fn, lambda: _flat(*fn())


def _depthwise_torch(torch, name, task, rng):
    x, kernel, dy = _depthwise_inputs(task, rng)
    fmt = torch.contiguous_format if name == "torch_nchw" else torch.channels_last
    c = x.shape[3]
    xt = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(memory_format=fmt).requires_grad_()
    wt = torch.from_numpy(kernel).permute(2, 3, 0, 1).contiguous(memory_format=fmt).requires_grad_()  # (C, 1, 3, 3)
    dyt = torch.from_numpy(dy).permute(0, 3, 1, 2).contiguous(memory_format=fmt)
    conv2d = torch.nn.functional.conv2d

    def fn():
        y = conv2d(xt, wt, padding=1, groups=c)
        dx, dw = torch.autograd.grad(y, (xt, wt), dyt)
        return y, dx, dw

    def output():
        y, dx, dw = fn()
        return _flat(_torch_nchw_to_nhwc(y), _torch_nchw_to_nhwc(dx), dw.detach().permute(2, 3, 0, 1).numpy())

    return fn, output


def _depthwise_tf(tf, name, task, rng):
    x, kernel, dy = (tf.constant(a) for a in _depthwise_inputs(task, rng))

    @tf.function
    def fn():
        with tf.GradientTape() as tape:
            tape.watch([x, kernel])
            y = tf.nn.depthwise_conv2d(x, kernel, [1, 1, 1, 1], "SAME")
        dx, dw = tape.gradient(y, [x, kernel], output_gradients=dy)
        return y, dx, dw

    return fn, lambda: _flat(*(t.numpy() for t in fn()))


# ---------------------------------------------------------------------------------------------------- deconv
# Conv2DTranspose 3x3, stride 2, 'same' (h x w -> 2h x 2w, a decoder's upsampling step).
def _deconv_inputs(task, rng):
    n, h, w, cin, cout = task["n"], task["h"], task["w"], task["cin"], task["cout"]
    x = rng.standard_normal((n, h, w, cin)).astype(np.float32)
    kernel = (rng.standard_normal((3, 3, cout, cin)) / np.sqrt(9 * cin)).astype(np.float32)
    dy = rng.standard_normal((n, 2 * h, 2 * w, cout)).astype(np.float32)
    return x, kernel, dy


def _deconv_fastnn(fastnn, name, task, rng):
    x, kernel, dy = _deconv_inputs(task, rng)
    ops = fastnn.kernels
    out_shape = dy.shape

    def fn():  # forward = conv input gradient; backward = forward conv + filter gradient (roles swapped)
        y = ops.conv2d_backprop_input(out_shape, kernel, x, 2, "SAME")
        dx = ops.conv2d(dy, kernel, 2, "SAME")
        dw = ops.conv2d_backprop_filter(dy, kernel.shape, x, 2, "SAME")
        return y, dx, dw

    return fn, lambda: _flat(*fn())


def _deconv_torch(torch, name, task, rng):
    x, kernel, dy = _deconv_inputs(task, rng)
    fmt = torch.contiguous_format if name == "torch_nchw" else torch.channels_last
    xt = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(memory_format=fmt).requires_grad_()
    # (Cin, Cout, 3, 3): conv_transpose2d's layout
    wt = torch.from_numpy(kernel).permute(3, 2, 0, 1).contiguous(memory_format=fmt).requires_grad_()
    dyt = torch.from_numpy(dy).permute(0, 3, 1, 2).contiguous(memory_format=fmt)
    deconv = torch.nn.functional.conv_transpose2d
    oh, ow = dy.shape[1:3]

    def fn():  # TF's 'same' pads 0 before and 1 after here: torch's full (2h+1)-sized output, cropped
        y = deconv(xt, wt, stride=2)[:, :, :oh, :ow]
        dx, dw = torch.autograd.grad(y, (xt, wt), dyt)
        return y, dx, dw

    def output():
        y, dx, dw = fn()
        return _flat(_torch_nchw_to_nhwc(y), _torch_nchw_to_nhwc(dx), dw.detach().permute(2, 3, 1, 0).numpy())

    return fn, output


def _deconv_tf(tf, name, task, rng):
    x, kernel, dy = (tf.constant(a) for a in _deconv_inputs(task, rng))
    out_shape = tuple(dy.shape)

    @tf.function
    def fn():
        with tf.GradientTape() as tape:
            tape.watch([x, kernel])
            y = tf.nn.conv2d_transpose(x, kernel, out_shape, 2, "SAME")
        dx, dw = tape.gradient(y, [x, kernel], output_gradients=dy)
        return y, dx, dw

    return fn, lambda: _flat(*(t.numpy() for t in fn()))


# ---------------------------------------------------------------------------------------------------- MaxPool2D
def _pool_inputs(task, rng):
    n, h, w, c = task["n"], task["h"], task["w"], task["c"]
    x = rng.standard_normal((n, h, w, c)).astype(np.float32)
    dy = rng.standard_normal((n, h // 2, w // 2, c)).astype(np.float32)
    return x, dy


def _maxpool_fastnn(fastnn, name, task, rng):
    x, dy = _pool_inputs(task, rng)
    ops = fastnn.kernels

    def fn():
        y, argmax = ops.max_pool2d_with_argmax(x, 2, 2, "VALID")
        return y, ops.max_pool2d_grad_with_argmax(x.shape, dy, argmax, 2, 2, "VALID")

    return fn, lambda: _flat(*fn())


def _maxpool_torch(torch, name, task, rng):
    x, dy = _pool_inputs(task, rng)
    fmt = torch.contiguous_format if name == "torch_nchw" else torch.channels_last
    xt = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(memory_format=fmt).requires_grad_()
    dyt = torch.from_numpy(dy).permute(0, 3, 1, 2).contiguous(memory_format=fmt)
    pool = torch.nn.functional.max_pool2d

    def fn():
        y = pool(xt, 2, 2)
        return y, torch.autograd.grad(y, xt, dyt)[0]

    return fn, lambda: _flat(*(_torch_nchw_to_nhwc(t) for t in fn()))


def _maxpool_tf(tf, name, task, rng):
    x, dy = (tf.constant(a) for a in _pool_inputs(task, rng))

    @tf.function
    def fn():
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.max_pool2d(x, 2, 2, "VALID")
        return y, tape.gradient(y, x, output_gradients=dy)

    return fn, lambda: _flat(*(t.numpy() for t in fn()))


# ---------------------------------------------------------------------------------------------------- softmax-xent
def _xent_inputs(task, rng):
    logits = (rng.standard_normal((task["rows"], task["classes"])) * 3).astype(np.float32)
    labels = rng.integers(0, task["classes"], task["rows"]).astype(np.int64)
    return logits, labels


def _xent_fastnn(fastnn, name, task, rng):
    logits, labels = _xent_inputs(task, rng)
    f = fastnn.kernels.sparse_softmax_cross_entropy_with_logits_and_grad
    scale = 1.0 / len(labels)
    fn = lambda: f(labels, logits, grad_scale=scale)  # noqa: E731
    return fn, lambda: _flat(*fn())


def _xent_numpy(np_, name, task, rng):
    logits, labels = _xent_inputs(task, rng)
    rows = np.arange(len(labels))

    def fn():
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        s = e.sum(axis=1, keepdims=True)
        loss = np.log(s[:, 0]) - shifted[rows, labels]
        grad = e / s
        grad[rows, labels] -= 1.0
        return loss, grad / len(labels)

    return fn, lambda: _flat(*fn())


def _xent_torch(torch, name, task, rng):
    logits, labels = _xent_inputs(task, rng)
    lt = torch.from_numpy(logits).requires_grad_()
    yt = torch.from_numpy(labels)
    ce = torch.nn.functional.cross_entropy

    def fn():
        loss = ce(lt, yt, reduction="none")
        return loss, torch.autograd.grad(loss.mean(), lt)[0]

    return fn, lambda: _flat(*(t.detach().numpy() for t in fn()))


def _xent_tf(tf, name, task, rng):
    logits, labels = _xent_inputs(task, rng)
    lt, yt = tf.constant(logits), tf.constant(labels)

    @tf.function
    def fn():
        with tf.GradientTape() as tape:
            tape.watch(lt)
            loss = tf.nn.sparse_softmax_cross_entropy_with_logits(yt, lt)
            mean = tf.reduce_mean(loss)
        return loss, tape.gradient(mean, lt)

    return fn, lambda: _flat(*(t.numpy() for t in fn()))


# ---------------------------------------------------------------------------------------------------- Adam
def _adam_inputs(task, rng):
    shapes = [tuple(s) for s in task["shapes"]]
    params = [(rng.standard_normal(s) * 0.05).astype(np.float32) for s in shapes]
    grads = [(rng.standard_normal(s) * 0.01).astype(np.float32) for s in shapes]
    return params, grads


def _stateful(make):
    """A task whose step mutates state: time repeated steps on one state; check one step on a fresh state.
    make() -> (step, result), result() giving the state as a flat array."""
    step, _ = make()

    def output():
        once, result = make()
        once()
        return result()

    return step, output


def _adam_fastnn(fastnn, name, task, rng):
    params0, grads = _adam_inputs(task, rng)
    update = fastnn.kernels.adam_update

    def make():
        params = [p.copy() for p in params0]
        slots = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
        step = [0]

        def fn():
            step[0] += 1
            for p, g, (m, v) in zip(params, grads, slots):
                update(p, g, m, v, step[0])
        return fn, lambda: _flat(*params)

    return _stateful(make)


def _adam_numpy(np_, name, task, rng):
    params0, grads = _adam_inputs(task, rng)
    lr, b1, b2, eps = np.float32(1e-3), np.float32(0.9), np.float32(0.999), np.float32(1e-7)

    def make():
        params = [p.copy() for p in params0]
        slots = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
        step = [0]

        def fn():
            step[0] += 1
            alpha = lr * np.sqrt(1 - b2 ** step[0]) / (1 - b1 ** step[0])
            for p, g, (m, v) in zip(params, grads, slots):
                m += (g - m) * (1 - b1)
                v += (g * g - v) * (1 - b2)
                p -= m * alpha / (np.sqrt(v) + eps)
        return fn, lambda: _flat(*params)

    return _stateful(make)


def _adam_torch(torch, name, task, rng):
    params0, grads = _adam_inputs(task, rng)

    def make():
        params = [torch.from_numpy(p.copy()).requires_grad_() for p in params0]
        for p, g in zip(params, grads):
            p.grad = torch.from_numpy(g)
        opt = torch.optim.Adam(params, lr=1e-3, eps=1e-7)
        return opt.step, lambda: _flat(*(p.detach().numpy() for p in params))

    return _stateful(make)


# ------------------------------------------------------------------------------- custom training loop step
# The loop users write from the TF guide: forward under a gradient tape, mean sparse softmax cross-entropy,
# gradients, Adam (Keras defaults; PyTorch's eps set to Keras' 1e-7). Dense weights in Keras' (in, out) layout.
def _loop_step_inputs(task, rng):
    sizes, batch = task["sizes"], task["batch"]
    x = rng.random((batch, sizes[0]), dtype=np.float32)
    y = rng.integers(0, sizes[-1], size=batch)
    init = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        limit = np.sqrt(6.0 / (fan_in + fan_out))  # glorot_uniform, Keras' Dense default
        init += [rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32), np.zeros(fan_out, np.float32)]
    return x, y, init


def _loop_step_fastnn(fastnn, name, task, rng):
    x, y, init = _loop_step_inputs(task, rng)

    def make():
        params = [fastnn.Variable(p) for p in init]
        opt = fastnn.optimizers.Adam(learning_rate=1e-3)

        def step():
            with fastnn.GradientTape() as tape:
                h = x
                for i in range(0, len(params) - 2, 2):
                    h = fastnn.nn.relu(fastnn.matmul(h, params[i]) + params[i + 1])
                logits = fastnn.matmul(h, params[-2]) + params[-1]
                loss = fastnn.reduce_mean(fastnn.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
            grads = tape.gradient(loss, params)
            opt.apply_gradients(zip(grads, params))
        return step, lambda: _flat(*(p.numpy() for p in params))

    return _stateful(make)


def _loop_step_tf(tf, name, task, rng):
    x, y, init = _loop_step_inputs(task, rng)
    xt, yt = tf.constant(x), tf.constant(y)

    def make():
        params = [tf.Variable(p) for p in init]
        opt = tf.keras.optimizers.Adam(learning_rate=1e-3)

        def step():
            with tf.GradientTape() as tape:
                h = xt
                for i in range(0, len(params) - 2, 2):
                    h = tf.nn.relu(tf.matmul(h, params[i]) + params[i + 1])
                logits = tf.matmul(h, params[-2]) + params[-1]
                loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(yt, logits))
            grads = tape.gradient(loss, params)
            opt.apply_gradients(zip(grads, params))
        return step, lambda: _flat(*(p.numpy() for p in params))

    return _stateful(make)


def _loop_step_torch(torch, name, task, rng):
    x, y, init = _loop_step_inputs(task, rng)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    functional = torch.nn.functional

    def make():
        params = [torch.from_numpy(p.copy()).requires_grad_() for p in init]
        opt = torch.optim.Adam(params, lr=1e-3, eps=1e-7)

        def step():
            opt.zero_grad(set_to_none=True)
            h = xt
            for i in range(0, len(params) - 2, 2):
                h = torch.relu(h @ params[i] + params[i + 1])
            loss = functional.cross_entropy(h @ params[-2] + params[-1], yt)
            loss.backward()
            opt.step()
        return step, lambda: _flat(*(p.detach().numpy() for p in params))

    return _stateful(make)


# ------------------------------------------------------------------------------- per-op tape overhead
# `ops` tiny elementwise ops on a 4x4 variable under a tape, then the gradient: the time is all bookkeeping.
def _tape_overhead_inputs(task, rng):
    return rng.standard_normal((4, 4)).astype(np.float32), task["ops"]


def _tape_overhead_fastnn(fastnn, name, task, rng):
    w0, n = _tape_overhead_inputs(task, rng)
    w = fastnn.Variable(w0)

    def fn():
        with fastnn.GradientTape() as tape:
            y = w
            for _ in range(n // 2):
                y = y * 0.5 + w
        return tape.gradient(y, w)
    return fn, lambda: fn().numpy()


def _tape_overhead_tf(tf, name, task, rng):
    w0, n = _tape_overhead_inputs(task, rng)
    w = tf.Variable(w0)

    def fn():
        with tf.GradientTape() as tape:
            y = w
            for _ in range(n // 2):
                y = y * 0.5 + w
        return tape.gradient(y, w)
    return fn, lambda: fn().numpy()


def _tape_overhead_torch(torch, name, task, rng):
    w0, n = _tape_overhead_inputs(task, rng)
    w = torch.from_numpy(w0).requires_grad_()

    def fn():
        y = w
        for _ in range(n // 2):
            y = y * 0.5 + w
        (grad,) = torch.autograd.grad(y, w, torch.ones_like(y))
        return grad
    return fn, lambda: fn().numpy()


# ---------------------------------------------------------------------------------------------------- BatchNorm
def _batchnorm_inputs(task, rng):
    shape = (task["n"], task["h"], task["w"], task["c"])
    x = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
    dy = rng.standard_normal(shape).astype(np.float32)
    gamma = (rng.random(task["c"]) + 0.5).astype(np.float32)
    beta = rng.standard_normal(task["c"]).astype(np.float32)
    return x, dy, gamma, beta


def _batchnorm_fastnn(fastnn, name, task, rng):
    x, dy, gamma, beta = _batchnorm_inputs(task, rng)
    k = fastnn.kernels

    def fn():
        y, mean, var = k.batch_norm(x, gamma, beta, epsilon=1e-3)
        return (y, *k.batch_norm_grad(x, dy, mean, var, gamma, epsilon=1e-3))

    return fn, lambda: _flat(*fn())


def _batchnorm_torch(torch, name, task, rng):
    x, dy, gamma, beta = _batchnorm_inputs(task, rng)
    xt = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last).requires_grad_()
    dyt = torch.from_numpy(dy).permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)
    g, b = torch.from_numpy(gamma).requires_grad_(), torch.from_numpy(beta).requires_grad_()
    bn = torch.nn.functional.batch_norm

    def fn():
        y = bn(xt, None, None, g, b, training=True, eps=1e-3)
        return (y, *torch.autograd.grad(y, (xt, g, b), dyt))

    def output():
        y, dx, dg, db = fn()
        return _flat(_torch_nchw_to_nhwc(y), _torch_nchw_to_nhwc(dx), dg, db)

    return fn, output


def _batchnorm_tf(tf, name, task, rng):
    x, dy, gamma, beta = (tf.constant(a) for a in _batchnorm_inputs(task, rng))

    @tf.function
    def fn():  # what keras.layers.BatchNormalization runs on TF: moments + batch_normalization
        with tf.GradientTape() as tape:
            tape.watch([x, gamma, beta])
            mean, var = tf.nn.moments(x, axes=[0, 1, 2])
            y = tf.nn.batch_normalization(x, mean, var, beta, gamma, 1e-3)
        return (y, *tape.gradient(y, [x, gamma, beta], output_gradients=dy))

    return fn, lambda: _flat(*(t.numpy() for t in fn()))


# ---------------------------------------------------------------------------------------------------- LSTM
def _lstm_inputs(task, rng):
    n, t, f, u = task["n"], task["t"], task["f"], task["units"]
    x = rng.standard_normal((n, t, f)).astype(np.float32)
    w = (rng.standard_normal((f, 4 * u)) * 0.1).astype(np.float32)
    r = (rng.standard_normal((u, 4 * u)) * 0.1).astype(np.float32)
    b = (rng.standard_normal(4 * u) * 0.1).astype(np.float32)
    dy = rng.standard_normal((n, t, u)).astype(np.float32)
    return x, w, r, b, dy


def _lstm_fastnn(fastnn, name, task, rng):
    x, w, r, b, dy = _lstm_inputs(task, rng)
    k = fastnn.kernels

    def fn():  # what fastnn.layers.LSTM(return_sequences=True) runs: the fused op and its backward
        y, h, c, saved = k.rnn("lstm", x, w, r, b)
        dx, dw, dr, db, _, _ = k.rnn_grad("lstm", x, w, r, True, None, saved, dy)
        return y, dx, dw, dr, db

def _embedding_inputs(task, rng):
    table = rng.standard_normal((task["vocab"], task["dim"])).astype(np.float32)
    ids = rng.integers(0, task["vocab"], (task["batch"], task["seq"]))
    dy = rng.standard_normal((task["batch"], task["seq"], task["dim"])).astype(np.float32)
    return table, ids, dy


def _embedding_fastnn(fastnn, name, task, rng):
    table, ids, dy = _embedding_inputs(task, rng)
    k = fastnn.kernels

    def fn():
        return k.embedding_lookup(table, ids), k.embedding_lookup_grad(ids, dy, task["vocab"])

    return fn, lambda: _flat(*fn())


def _lstm_torch(torch, name, task, rng):
    x, w, r, b, dy = _lstm_inputs(task, rng)
    lstm = torch.nn.LSTM(task["f"], task["units"], batch_first=True)  # gates i, f, g, o as Keras' i, f, c, o
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.from_numpy(w.T.copy()))
        lstm.weight_hh_l0.copy_(torch.from_numpy(r.T.copy()))
        lstm.bias_ih_l0.copy_(torch.from_numpy(b))
        lstm.bias_hh_l0.zero_()
    xt, dyt = torch.from_numpy(x).requires_grad_(), torch.from_numpy(dy)
    params = (xt, lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0)

    def fn():
        y, _ = lstm(xt)
        return (y, *torch.autograd.grad(y, params, dyt))

    def output():
        y, dx, dw, dr, db = (a.detach().numpy() for a in fn())
        return _flat(y, dx, dw.T, dr.T, db)

    return fn, output


def _lstm_tf(tf, name, task, rng):
    x, w, r, b, dy = _lstm_inputs(task, rng)
    layer = tf.keras.layers.LSTM(task["units"], return_sequences=True)
    layer.build(x.shape)
    layer.set_weights([w, r, b])
    x, dy = tf.constant(x), tf.constant(dy)

    @tf.function
    def fn():  # keras.layers.LSTM on TF (the cuDNN path is GPU-only: TF's while loop on the CPU)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
        return (y, *tape.gradient(y, [x] + layer.trainable_weights, output_gradients=dy))

def _embedding_torch(torch, name, task, rng):
    table, ids, dy = _embedding_inputs(task, rng)
    w, it, dyt = torch.from_numpy(table).requires_grad_(), torch.from_numpy(ids), torch.from_numpy(dy)

    def fn():
        y = torch.nn.functional.embedding(it, w)
        return y, torch.autograd.grad(y, w, dyt)[0]

    return fn, lambda: _flat(*(t.detach().numpy() for t in fn()))


def _embedding_tf(tf, name, task, rng):
    table, ids, dy = (tf.constant(a) for a in _embedding_inputs(task, rng))

    @tf.function
    def fn():  # what keras.layers.Embedding runs on TF; the IndexedSlices gradient made dense as fastnn's
        with tf.GradientTape() as tape:
            tape.watch(table)
            y = tf.gather(table, ids)
        return y, tf.convert_to_tensor(tape.gradient(y, table, output_gradients=dy))

    return fn, lambda: _flat(*(t.numpy() for t in fn()))


# ------------------------------------------------------------------------------- train suite (train_tasks.py)
def _train_task(fw, name, task):
    from . import train_tasks

    if name.startswith("fastnn"):
        return train_tasks.build_keras_like(fw, task)
    if name == "tf":
        return train_tasks.build_keras_like(fw.keras, task)
    return train_tasks.build_torch(fw, task)


def _epoch_fastnn(fw, name, task, rng):
    return _train_task(fw, name, task)


_epoch_tf = _epoch_torch = _train_step_fastnn = _train_step_tf = _train_step_torch = _epoch_fastnn
_predict_fastnn = _predict_tf = _predict_torch = _epoch_fastnn


def flops(task):
    if task["kind"] == "gemm":
        return 2.0 * task["m"] * task["n"] * task["k"]
    if task["kind"] == "conv":
        oh, ow = task["h"] - task["k"] + 1, task["w"] - task["k"] + 1
        return 3 * 2.0 * task["n"] * oh * ow * task["k"] ** 2 * task["cin"] * task["cout"]
    if task["kind"] == "depthwise":
        return 3 * 2.0 * task["n"] * task["h"] * task["w"] * 9 * task["c"]
    if task["kind"] == "deconv":
        return 3 * 2.0 * task["n"] * task["h"] * task["w"] * 9 * task["cin"] * task["cout"]
    if task["kind"] == "lstm":  # input and recurrent GEMMs, forward + both gradients
        return 3 * 2.0 * task["n"] * task["t"] * (task["f"] + task["units"]) * 4 * task["units"]
    if task["kind"] == "loop_step":  # forward, weight gradients, and input gradients of all but the first layer
        pairs = list(zip(task["sizes"][:-1], task["sizes"][1:]))
        return 2.0 * task["batch"] * (3 * sum(a * b for a, b in pairs) - pairs[0][0] * pairs[0][1])
    return None


# ---------------------------------------------------------------------------------------------------- gelu
def _gelu_inputs(task, rng):
    x = (rng.standard_normal(task["shape"]) * 2).astype(np.float32)
    return x, rng.standard_normal(task["shape"]).astype(np.float32)


def _gelu_fastnn(fastnn, name, task, rng):
    x, dy = _gelu_inputs(task, rng)
    k = fastnn.kernels

    def fn():
        return k.activation(x, "gelu"), k.activation_grad(dy, x, "gelu")

    return fn, lambda: _flat(*fn())


def _gelu_torch(torch, name, task, rng):
    x, dy = _gelu_inputs(task, rng)
    xt, dyt = torch.from_numpy(x).requires_grad_(), torch.from_numpy(dy)
    gelu = torch.nn.functional.gelu

    def fn():
        y = gelu(xt)
        return y, torch.autograd.grad(y, xt, dyt)[0]

    return fn, lambda: _flat(*(t.detach().numpy() for t in fn()))


def _gelu_tf(tf, name, task, rng):
    x, dy = (tf.constant(a) for a in _gelu_inputs(task, rng))

    @tf.function
    def fn():
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.nn.gelu(x, approximate=False)
        return y, tape.gradient(y, x, output_gradients=dy)

    return fn, lambda: _flat(*(t.numpy() for t in fn()))

