"""The float64 references of the kernels, in one place (llm.c style: the naive version beside the fast one).

Each `<kernel>_ref` is the plain numpy-float64 (or loop) form of one fastnn kernel, named after it and written from
the definition, not from our blocking: the unit tests (tests/csrc/), the property tests
(tests/reliability/test_properties.py) and the reliability tests compare the float32 kernels against these, within
the bounds of tests/tolerances.py. Inputs may be float32 arrays; every reference computes in float64.

    fast kernel (fastnn.kernels / csrc)                     reference here
    gemm, matmul, dense (csrc/gemm.h)                       gemm_ref, activation_ref
    relu ... log, their *_grad, softmax (elementwise.h)     unary_ref, unary_grad_ref, softmax_ref, softmax_grad_ref,
    bias_add_grad, dense_activation_grad                    bias_add_grad_ref, dense_activation_grad_ref
    softmax_cross_entropy_with_logits* (softmax_xent.h)     softmax_xent_ref
    conv2d, conv2d_backprop_* (conv2d.h)                    conv2d_geometry, conv2d_ref
    max_pool2d*, avg_pool2d* (pool.h)                       pool2d_geometry, pool2d_ref
    sgd_update, adam_update, rmsprop_update (optimizers.h)  sgd_ref, adam_ref, rmsprop_ref
"""
import numpy as np

__all__ = ["activation_ref", "gemm_ref", "unary_ref", "unary_grad_ref", "softmax_ref", "softmax_grad_ref",
           "bias_add_grad_ref", "dense_activation_grad_ref", "softmax_xent_ref", "conv2d_geometry", "conv2d_ref",
           "pool2d_geometry", "pool2d_ref", "sgd_ref", "adam_ref", "rmsprop_ref"]


def _f64(a):
    return np.asarray(a, np.float64)


# ------------------------------------------------------------------------------------------------ GEMM
def activation_ref(z, activation="linear", alpha=0.2):
    """The fused epilogue activation (linear, relu, leaky_relu(alpha), sigmoid, tanh) of GEMM / conv2d, in float64."""
    return unary_ref("linear" if activation in (None, "linear") else activation, z, alpha)


def gemm_ref(a, b, transpose_a=False, transpose_b=False, bias=None, activation="linear", alpha=0.2, c=None):
    """act(op(a) @ op(b) [+ c] [+ bias]), op = transpose of the last two axes when asked; leading axes batch
    (broadcast as numpy's matmul), as `fastnn.kernels.matmul` / `dense` / `_core.gemm`."""
    a64, b64 = _f64(a), _f64(b)
    a64 = np.swapaxes(a64, -1, -2) if transpose_a else a64
    b64 = np.swapaxes(b64, -1, -2) if transpose_b else b64
    out = a64 @ b64
    if c is not None:
        out = out + _f64(c)
    if bias is not None:
        out = out + _f64(bias)
    return activation_ref(out, activation, alpha)


# ------------------------------------------------------------------------------------------------ elementwise
def unary_ref(op, x, alpha=0.2):
    """y = op(x) for op in linear, relu, leaky_relu(alpha), sigmoid, tanh, exp, log (`_core.unary`); overflow and
    log of 0 or of a negative give inf / -inf / NaN silently, as float64 numpy."""
    x = _f64(x)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        if op == "linear":
            return x
        if op == "relu":
            return np.maximum(x, 0.0)
        if op == "leaky_relu":
            return np.where(x > 0, x, alpha * x)
        if op == "sigmoid":
            return 1.0 / (1.0 + np.exp(-x))  # exp overflow gives 1/inf = 0: exact enough there
        if op == "tanh":
            return np.tanh(x)
        if op == "exp":
            return np.exp(x)
        if op == "log":
            return np.log(x)
    raise ValueError(f"unary_ref: unknown op {op!r}")


def unary_grad_ref(op, dy, x=None, y=None, alpha=0.2):
    """dx = dy · op'(.) (`_core.unary_grad`): from the input x for relu, leaky_relu and log, from the output y for
    sigmoid, tanh and exp, as TensorFlow's gradient ops."""
    dy = _f64(dy)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        if op == "relu":
            return dy * (_f64(x) > 0)
        if op == "leaky_relu":
            return np.where(_f64(x) > 0, dy, alpha * dy)
        if op == "log":
            return dy / _f64(x)
        y = _f64(y)
        if op == "sigmoid":
            return dy * y * (1 - y)
        if op == "tanh":
            return dy * (1 - y * y)
        if op == "exp":
            return dy * y
    raise ValueError(f"unary_grad_ref: unknown op {op!r}")


def softmax_ref(x, axis=-1):
    """exp(x − max) / Σ exp(x − max) over `axis` (`fastnn.kernels.softmax`)."""
    x = _f64(x)
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def softmax_grad_ref(dy, y, axis=-1):
    """dx = y · (dy − Σ dy·y) over `axis`, from the softmax output y (`fastnn.kernels.softmax_grad`)."""
    dy, y = _f64(dy), _f64(y)
    return y * (dy - (dy * y).sum(axis, keepdims=True))


def bias_add_grad_ref(dy):
    """db = Σ dy over every axis but the last (`fastnn.kernels.bias_add_grad`, conv2d's bias gradient)."""
    dy = _f64(dy)
    return dy.reshape(-1, dy.shape[-1]).sum(0)


def dense_activation_grad_ref(dy, y, activation="linear", alpha=0.2):
    """(dz, db) with dz = dy · act'(y) from the activation OUTPUT y, db = column sums of dz
    (`fastnn.kernels.dense_activation_grad`)."""
    dy = _f64(dy)
    if activation in (None, "linear"):
        deriv = np.ones_like(dy)
    else:
        a = _f64(y)
        deriv = {"relu": lambda: (a > 0) * 1.0, "leaky_relu": lambda: np.where(a > 0, 1.0, alpha),
                 "sigmoid": lambda: a * (1 - a), "tanh": lambda: 1 - a * a}[activation]()
    dz = dy * deriv
    return dz, dz.sum(0)


# ------------------------------------------------------------------------------------------------ softmax_xent
def softmax_xent_ref(labels, logits):
    """(loss, dlogits) of softmax cross-entropy over the last axis: loss = Σ labels · (logsumexp(z) − z),
    dlogits = softmax(z) − labels (`fastnn.kernels.softmax_cross_entropy_with_logits_and_grad` at grad_scale 1;
    sparse labels are their one-hot rows)."""
    z = _f64(logits)
    s = z - z.max(-1, keepdims=True)
    lse = np.log(np.exp(s).sum(-1, keepdims=True))
    return (labels * (lse - s)).sum(-1), np.exp(s - lse) - labels


# ------------------------------------------------------------------------------------------------ conv2d
def conv2d_geometry(size, k, stride, dilation, padding):
    """(output size, padding before) along one axis, with TensorFlow's rules ('same': the odd cell after)."""
    k_eff = (k - 1) * dilation + 1
    if padding.lower() == "same":
        out = -(-size // stride)
        return out, max((out - 1) * stride + k_eff - size, 0) // 2
    return max((size - k_eff) // stride + 1, 0), 0


def conv2d_ref(x, w, dy=None, strides=(1, 1), padding="valid", dilations=(1, 1)):
    """(y, dx, dw) of an NHWC conv2d with (KH, KW, Cin, Cout) filters, by taps over an explicitly zero-padded
    input (`fastnn.kernels.conv2d`, `conv2d_backprop_input`, `conv2d_backprop_filter`); dx and dw are None
    without `dy`. `strides`, `dilations`: (h, w) pairs."""
    n, h, wd, cin = x.shape
    kh, kw, _, cout = w.shape
    (sh, sw), (dh, dw_) = strides, dilations
    oh, pt = conv2d_geometry(h, kh, sh, dh, padding)
    ow, pl = conv2d_geometry(wd, kw, sw, dw_, padding)
    ph = max((oh - 1) * sh + (kh - 1) * dh + 1, h + pt)
    pw = max((ow - 1) * sw + (kw - 1) * dw_ + 1, wd + pl)
    xp = np.zeros((n, ph, pw, cin))
    xp[:, pt:pt + h, pl:pl + wd] = x
    w64 = _f64(w)
    dy64 = None if dy is None else _f64(dy)
    y = np.zeros((n, oh, ow, cout))
    dxp, dwr = np.zeros_like(xp), np.zeros(w.shape)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dh, i * dh + (oh - 1) * sh + 1, sh)
            cols = slice(j * dw_, j * dw_ + (ow - 1) * sw + 1, sw)
            if oh == 0 or ow == 0:
                continue
            patch = xp[:, rows, cols, :]
            y += patch @ w64[i, j]
            if dy64 is not None:
                dxp[:, rows, cols, :] += dy64 @ w64[i, j].T
                dwr[i, j] = np.einsum("nhwc,nhwo->co", patch, dy64)
    if dy64 is None:
        return y, None, None
    return y, dxp[:, pt:pt + h, pl:pl + wd], dwr


# ------------------------------------------------------------------------------------------------ pool
def pool2d_geometry(size, k, stride, padding):
    """(output size, padding before) along one axis of a pooling window, with TensorFlow's rules."""
    if padding.lower() == "same":
        out = -(-size // stride)
        return out, max((out - 1) * stride + k - size, 0) // 2
    return max((size - k) // stride + 1, 0), 0


def pool2d_ref(x, dy, ksize, strides, padding):
    """(max, avg, max grad, avg grad) of NHWC 2-D pooling (`fastnn.kernels.max_pool2d`, `avg_pool2d` and their
    gradients): padded cells excluded, each max gradient to the FIRST maximum of its window in row-major order;
    the gradients are None without `dy`. `ksize`, `strides`: (h, w) pairs."""
    n, h, w, c = x.shape
    (kh, kw), (sh, sw) = ksize, strides
    oh, pt = pool2d_geometry(h, kh, sh, padding)
    ow, pl = pool2d_geometry(w, kw, sw, padding)
    x64 = _f64(x)
    dy64 = np.zeros((n, oh, ow, c)) if dy is None else _f64(dy)
    ymax, yavg = np.zeros((n, oh, ow, c)), np.zeros((n, oh, ow, c))
    dmax, davg = np.zeros(x.shape), np.zeros(x.shape)
    ni, ci = np.meshgrid(np.arange(n), np.arange(c), indexing="ij")
    for i in range(oh):
        h0, h1 = max(i * sh - pt, 0), min(i * sh - pt + kh, h)
        for j in range(ow):
            w0, w1 = max(j * sw - pl, 0), min(j * sw - pl + kw, w)
            win = x64[:, h0:h1, w0:w1, :].reshape(n, -1, c)
            first = np.argmax(win, axis=1)  # numpy's argmax: the first maximum in row-major window order
            ymax[:, i, j] = win.max(axis=1)
            yavg[:, i, j] = win.mean(axis=1)
            rows, cols = h0 + first // (w1 - w0), w0 + first % (w1 - w0)
            np.add.at(dmax, (ni, rows, cols, ci), dy64[:, i, j])
            davg[:, h0:h1, w0:w1, :] += (dy64[:, i, j] / win.shape[1])[:, None, None, :]
    if dy is None:
        return ymax, yavg, None, None
    return ymax, yavg, dmax, davg


# ------------------------------------------------------------------------------------------------ optimizers
# Several steps of Keras 3's update formulas from zero state, in float64 (no float32 rounding): the final variable.
def sgd_ref(w0, grads, learning_rate=0.01, momentum=0.0, nesterov=False):
    """`sgd_update` applied for each gradient in `grads`."""
    w, m = _f64(w0).copy(), np.zeros(np.shape(w0))
    for g in grads:
        g = _f64(g)
        if momentum == 0:
            w -= learning_rate * g
            continue
        m = m * momentum - learning_rate * g
        w += momentum * m - learning_rate * g if nesterov else m
    return w


def adam_ref(w0, grads, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    """`adam_update` at steps t = 1, 2, ... for the gradients in `grads`."""
    shape = np.shape(w0)
    w, m, v, vhat = _f64(w0).copy(), np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for t, g in enumerate(grads, start=1):
        g = _f64(g)
        alpha = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        m += (g - m) * (1 - beta_1)
        v += (g * g - v) * (1 - beta_2)
        vhat = np.maximum(vhat, v)
        w -= m * alpha / (np.sqrt(vhat if amsgrad else v) + epsilon)
    return w


def rmsprop_ref(w0, grads, learning_rate=0.001, rho=0.9, epsilon=1e-7, momentum=0.0, centered=False):
    """`rmsprop_update` applied for each gradient in `grads` (epsilon inside the square root, as Keras)."""
    shape = np.shape(w0)
    w, v, mom, avg = _f64(w0).copy(), np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for g in grads:
        g = _f64(g)
        v = rho * v + (1 - rho) * g * g
        avg = rho * avg + (1 - rho) * g
        den = v - avg * avg + epsilon if centered else v + epsilon
        incr = learning_rate * g / np.sqrt(den)
        mom = momentum * mom + incr
        w -= mom if momentum > 0 else incr
    return w


def _rnn_act(name, z):
    return {"tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v)), "relu": lambda v: np.maximum(v, 0),
            "linear": lambda v: v}[name](z)


def rnn_reference(cell, x, kernel, recurrent_kernel, bias=None, h0=None, c0=None, mask=None, activation="tanh",
                  recurrent_activation="sigmoid", go_backwards=False, zero_output_for_mask=False):
    """Keras' SimpleRNN / LSTM / GRU (reset_after) step by step in float64: (y[B, T, U], h_T, c_T or None)."""
    x, W, R = (np.asarray(a, np.float64) for a in (x, kernel, recurrent_kernel))
    batch, steps, _ = x.shape
    units = R.shape[0]
    b = np.zeros((2, R.shape[1]) if cell == "gru" else R.shape[1]) if bias is None else np.asarray(bias, np.float64)
    h = np.zeros((batch, units)) if h0 is None else np.asarray(h0, np.float64)
    c = np.zeros((batch, units)) if c0 is None else np.asarray(c0, np.float64)
    keep = np.ones((batch, steps), bool) if mask is None else np.asarray(mask, bool)
    act = lambda v: _rnn_act(activation, v)  # noqa: E731
    ract = lambda v: _rnn_act(recurrent_activation, v)  # noqa: E731
    ys = []
    for s in range(steps):
        t = steps - 1 - s if go_backwards else s
        if cell == "simple":
            hn, cn = act(x[:, t] @ W + h @ R + b), c
        elif cell == "lstm":
            i, f, g, o = np.split(x[:, t] @ W + h @ R + b, 4, axis=1)
            cn = ract(f) * c + ract(i) * act(g)
            hn = ract(o) * act(cn)
        else:
            p, q = x[:, t] @ W + b[0], h @ R + b[1]
            pz, pr, ph = np.split(p, 3, axis=1)
            qz, qr, qh = np.split(q, 3, axis=1)
            z, r = ract(pz + qz), ract(pr + qr)
            hn, cn = z * h + (1 - z) * act(ph + r * qh), c
        k = keep[:, t:t + 1]
        ys.append(np.where(k, hn, 0.0 if zero_output_for_mask else h))
        h, c = np.where(k, hn, h), np.where(k, cn, c)
    return np.stack(ys, axis=1), h, (c if cell == "lstm" else None)

def embedding_grad_reference(ids, grad, input_dim):
    """The (input_dim, D) table gradient of an embedding lookup in float64: grad rows summed per index."""
    ids = np.asarray(ids, np.int64).reshape(-1)
    g = np.asarray(grad, np.float64)
    g = g.reshape(ids.size, g.shape[-1])
    out = np.zeros((input_dim, g.shape[1]), np.float64)
    np.add.at(out, ids, g)
    return out
