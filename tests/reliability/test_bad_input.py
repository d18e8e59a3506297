"""The bad-input table: the public API beyond the raw kernels (ops, layers, models, losses, metrics, optimizers,
data, datasets, saving) fed wrong types, wrong shapes, out-of-range values, odd memory layouts, NaN/inf,
zero-size and overflowing sizes.

Each row is a call and what it must do:
- raise the given exception type with a message matching a regex that names the argument and echoes the bad
  value (Keras 3 style: "Received: units=-1", "`axis` must be an int, received '1'"); or
- return a valid result (VALID) that a check compares with numpy in float64 (views, NaN/inf, empty arrays).
Op rows (`op(...)`) also check that the op left its array inputs unmodified, whatever the outcome.
The kernels' own argument tables live in tests/csrc; this table does not repeat them.
"""
import inspect
import os
import re
import warnings

import numpy as np
import pytest
from references import conv2d_ref, pool2d_ref, softmax_ref
from tolerances import assert_close_elementwise, assert_close_reduction

import fastnn
from fastnn import layers, losses, metrics, ops, optimizers
from fastnn.data import Dataset

VALID = "valid"
HUGE = 2**40  # HUGE * HUGE overflows int64


class Row:
    def __init__(self, id, call, expect, match=None, args=(), kwargs=None):
        self.id, self.call, self.expect, self.match = id, call, expect, match
        self.args, self.kwargs = args, kwargs or {}


ROWS = []


def op(id, fn, *args, expect, match=None, **kwargs):
    """A row calling fn(*args, **kwargs); its array arguments must be unchanged afterwards."""
    ROWS.append(Row(id, fn, expect, match, args, kwargs))


def call(id, fn, expect, match=None):
    """A row running fn() (or fn(tmp_path) when it takes an argument)."""
    ROWS.append(Row(id, fn, expect, match))


def f32(*shape, seed=0):
    return np.random.default_rng(seed + sum(shape)).standard_normal(shape).astype(np.float32)


def arrays_in(value):
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in arrays_in(v)]
    if isinstance(value, dict):
        return [a for v in value.values() for a in arrays_in(v)]
    return []


def close(expected, reduction_k=None):
    """A check: the result equals `expected` (computed in float64) to the suite's tolerances."""
    def check(result):
        got = np.asarray(result)
        want = np.asarray(expected, np.float64)
        assert got.shape == want.shape, f"shape {got.shape} != {want.shape}"
        if reduction_k is None:
            assert_close_elementwise(got, want.astype(np.float32), atol=1e-5, rtol=1e-5)
        else:
            scale = max(float(np.nanmax(np.abs(want), initial=0.0)), 1.0)
            assert_close_reduction(got, want, reduction_k, scale=scale)
    return check


def same(expected):
    """A check for exact results (NaN equal to NaN, inf to inf)."""
    def check(result):
        got = np.asarray(result)
        want = np.asarray(expected)
        assert got.shape == want.shape, f"shape {got.shape} != {want.shape}"
        np.testing.assert_array_equal(got, want)
    return check


def shape_is(shape):
    def check(result):
        assert np.asarray(result).shape == shape
    return check


# --------------------------------------------------------------------------------------- float64 references
# (tests/references.py, in the shapes the rows below need)
softmax64 = softmax_ref


def conv2d64(x, w, stride=1):
    """VALID NHWC convolution in float64."""
    return conv2d_ref(x, w, None, (stride, stride), "valid")[0]


def max_pool64(x, k):
    return pool2d_ref(x, None, (k, k), (k, k), "valid")[0]


def avg_pool64(x, k):
    return pool2d_ref(x, None, (k, k), (k, k), "valid")[1]


A23, B34, X6 = f32(2, 3), f32(3, 4), f32(6)
CPLX = np.ones((2, 3), np.complex64)
OBJ = np.array([[1.0, None, 2.0]], dtype=object)
STR = np.array([["a", "b", "c"]])
BOOL23 = np.ones((2, 3), bool)
IMG = f32(2, 6, 6, 3)
KER = f32(3, 3, 3, 4)
NANINF = np.array([np.nan, np.inf, -np.inf, 0.0, -1.5, 2.0], np.float32)
P23 = np.full((2, 3), 1 / 3, np.float32)

# =========================================================================================== ops: dtypes
for name, fn, nargs in [("matmul", ops.matmul, 2), ("add", ops.add, 2), ("multiply", ops.multiply, 2),
                        ("maximum", ops.maximum, 2), ("relu", ops.relu, 1), ("sigmoid", ops.sigmoid, 1),
                        ("tanh", ops.tanh, 1), ("exp", ops.exp, 1), ("softmax", ops.softmax, 1),
                        ("reduce_sum", ops.reduce_sum, 1), ("reduce_max", ops.reduce_max, 1),
                        ("reshape", lambda x: ops.reshape(x, (-1,)), 1)]:
    for label, bad, dtype in [("complex", CPLX, "complex64"), ("object", OBJ, "object"), ("str", STR, "<U1")]:
        second = (B34 if name == "matmul" else A23,) if nargs == 2 else ()
        op(f"{name}-{label}", fn, bad, *second, expect=TypeError,
           match=rf"`\w+` must be a real numeric or bool value, received ndarray of dtype {re.escape(dtype)}")
op("matmul-bool", ops.matmul, BOOL23, B34, expect=TypeError, match=r"`a` must be a real numeric array.*dtype bool")
op("matmul-None", ops.matmul, None, B34, expect=TypeError, match=r"`a` must be a real numeric.*NoneType")
op("matmul-transpose_a-str", ops.matmul, A23, B34, transpose_a="yes", expect=TypeError,
   match=r"`transpose_a` must be a bool, received 'yes'")
op("matmul-transpose_b-int", ops.matmul, A23, B34, transpose_b=1, expect=TypeError,
   match=r"`transpose_b` must be a bool, received 1")
op("cast-complex", ops.cast, A23, np.complex64, expect=TypeError,
   match=r"`dtype` must be a real numeric or bool dtype, received complex64")
op("cast-str", ops.cast, A23, "str", expect=TypeError, match=r"`dtype` must be a real numeric or bool dtype, received <U")
op("cast-nonsense", ops.cast, A23, "float33", expect=TypeError, match=r"`dtype` must be a numpy dtype.*'float33'")
op("relu-bool-casts", ops.relu, np.array([True, False]), expect=VALID, match=same(np.array([1, 0], np.float32)))
op("add-int-float-promotes", ops.add, np.array([1, 2]), np.array([0.5, 0.5], np.float32), expect=VALID,
   match=same(np.array([1.5, 2.5], np.float32)))
op("concat-complex", ops.concat, [A23, CPLX], 0, expect=TypeError, match=r"`values` must be a real numeric.*complex64")
op("clip-str-bound", ops.clip_by_value, A23, "a", 1.0, expect=TypeError,
   match=r"`clip_value_min` must be a real numeric.*str")
op("gather-float-indices", ops.gather, A23, [0.5], expect=TypeError, match=r"`indices` must be integers.*float")
op("one_hot-depth-str", ops.one_hot, [1], "3", expect=ValueError, match=r"`depth` must be a non-negative int, received '3'")
op("range-str", ops.range, "5", expect=TypeError, match=r"`start` must be a real number, received '5'")
op("range-delta-zero", ops.range, 0, 5, 0, expect=ValueError, match=r"`delta` must be non-zero, received 0")
op("range-delta-str", ops.range, 0, 5, "1", expect=TypeError, match=r"`delta` must be a real number, received '1'")
op("leaky_relu-alpha-str", ops.leaky_relu, X6, alpha="0.2", expect=TypeError, match=r"`alpha` must be a real number, received '0.2'")
op("dropout-rate-str", ops.dropout, X6, "0.5", expect=ValueError, match=r"`rate` must be a number in \[0, 1\), received '0.5'")
op("dropout-rate-nan", ops.dropout, X6, float("nan"), expect=ValueError, match=r"`rate` .*received nan")
op("dense-activation", ops.dense, A23, B34, activation="gelu", expect=ValueError,
   match=r"`activation` must be one of .*received 'gelu'")
op("sparse-xent-bool-labels", ops.sparse_softmax_cross_entropy_with_logits, np.array([True, False]), A23,
   expect=TypeError, match=r"`labels` must be an integer array of class ids, received dtype bool")
op("sparse-xent-nan-labels", ops.sparse_softmax_cross_entropy_with_logits, np.array([0.0, np.nan]), A23,
   expect=ValueError, match=r"`labels` must hold integer class ids, received nan")

# =========================================================================================== ops: arguments
op("reshape-float-dim", ops.reshape, X6, (2.0, 3), expect=TypeError, match=r"`shape` must be a list of ints, received \(2.0, 3\)")
op("reshape-bool-dim", ops.reshape, X6, (True, 6), expect=TypeError, match=r"`shape` .*received \(True, 6\)")
op("reshape-two-unknown", ops.reshape, X6, (-1, -1), expect=ValueError, match=r"cannot reshape .*\(6,\).* to \(-1, -1\)")
op("reshape-negative", ops.reshape, X6, (-2, -3), expect=ValueError, match=r"to \(-2, -3\)")
op("reshape-impossible", ops.reshape, A23, (4, 2), expect=ValueError, match=r"shape \(2, 3\) \(6 values\) to \(4, 2\)")
op("concat-axis-str", ops.concat, [A23, A23], "0", expect=ValueError, match=r"`axis` must be an int in \[-2, 2\), received '0'")
op("concat-axis-oob", ops.concat, [A23, A23], 2, expect=ValueError, match=r"`axis` .*received 2")
op("concat-rank-mismatch", ops.concat, [A23, X6], 0, expect=ValueError, match=r"shapes \[\(2, 3\), \(6,\)\]")
op("concat-not-a-list", ops.concat, A23, 0, expect=ValueError, match=r"`values` must be a non-empty list of tensors, received array")
op("stack-axis-oob", ops.stack, [X6, X6], 3, expect=ValueError, match=r"`axis` must be an int in \[-2, 2\), received 3")
op("reduce_sum-axis-float", ops.reduce_sum, A23, 1.0, expect=TypeError, match=r"`axis` must be None, an int or a list of ints, received 1.0")
op("reduce_sum-axis-oob", ops.reduce_sum, A23, -3, expect=ValueError, match=r"`axis` -3 is out of bounds for an input of rank 2")
op("reduce_sum-axis-on-scalar", ops.reduce_sum, np.float32(3), 0, expect=ValueError,
   match=r"`axis` 0 is out of bounds for an input of rank 0")
op("reduce_mean-axis-bool", ops.reduce_mean, A23, True, expect=TypeError, match=r"`axis` .*received True")
op("reduce_max-axis-list-oob", ops.reduce_max, A23, [0, 5], expect=ValueError, match=r"`axis` \[0, 5\] is out of bounds")
op("reduce_min-empty-axis", ops.reduce_min, np.zeros((0, 3), np.float32), 0, expect=ValueError,
   match=r"cannot reduce an empty axis .*\(0, 3\)")
op("reduce_any-str", ops.reduce_any, STR, expect=TypeError, match=r"`input_tensor` must be .*<U1")
op("argmax-axis-oob", ops.argmax, A23, 2, expect=ValueError, match=r"`axis` 2 is out of bounds")
op("argmax-empty-axis", ops.argmax, np.zeros((0, 3), np.float32), expect=ValueError, match=r"empty axis 0 .*\(0, 3\)")
op("transpose-perm-short", ops.transpose, A23, [0], expect=ValueError, match=r"`perm` must be a permutation of the 2 axes, received \(0,\)")
op("transpose-perm-oob", ops.transpose, A23, [0, 2], expect=ValueError, match=r"`perm` .*received \(0, 2\)")
op("expand_dims-axis-float", ops.expand_dims, X6, 0.0, expect=ValueError, match=r"`axis` must be an int in \[-2, 1\], received 0.0")
op("squeeze-axis-str", ops.squeeze, A23[:1], "0", expect=TypeError, match=r"`axis` must be None, an int or a list of ints, received '0'")
op("squeeze-axis-oob", ops.squeeze, A23[:1], 5, expect=ValueError, match=r"cannot squeeze axis 5 of a tensor of shape \(1, 3\)")
op("gather-axis-str", ops.gather, A23, [0], "0", expect=TypeError, match=r"`axis` must be an int, received '0'")
op("gather-axis-oob", ops.gather, A23, [0], 2, expect=ValueError, match=r"`axis` 2 is out of bounds for `params` of rank 2")
op("gather-negative-index", ops.gather, A23, [-1], expect=ValueError, match=r"`indices` must be in \[0, 2\), received values in \[-1, -1\]")
op("one_hot-axis-oob", ops.one_hot, [1], 3, axis=4, expect=ValueError, match=r"`axis` 4 is out of bounds")
op("getitem-oob", ops.getitem, X6, 9, expect=IndexError, match=r"index 9 is invalid for a tensor of shape \(6,\)")
op("getitem-str", ops.getitem, X6, "a", expect=IndexError, match=r"index 'a' is invalid")
op("where-shapes", ops.where, np.ones(3, bool), X6[:2], X6[:2], expect=ValueError,
   match=r"`condition`, `x` and `y` must broadcast .*\(3,\), \(2,\) and \(2,\)")
op("where-only-x", ops.where, np.ones(3, bool), X6[:3], expect=ValueError, match=r"`x` and `y` must both be given")
op("add-no-broadcast", ops.add, A23, B34, expect=ValueError, match=r"`x` and `y` must broadcast .*\(2, 3\) and \(3, 4\)")
op("subtract-no-broadcast", ops.subtract, X6, X6[:4], expect=ValueError, match=r"`x` and `y` must broadcast .*\(6,\) and \(4,\)")
op("add_n-not-list", ops.add_n, X6, expect=ValueError, match=r"`inputs` must be a non-empty list of tensors, received array")
op("add_n-empty", ops.add_n, [], expect=ValueError, match=r"`inputs` must be a non-empty list of tensors, received \[\]")
op("matmul-rank1", ops.matmul, X6, B34, expect=ValueError, match=r"rank >= 2, received shapes a=\(6,\) and b=\(3, 4\)")
op("matmul-batch-mismatch", ops.matmul, f32(2, 2, 3), f32(3, 3, 4), expect=ValueError,
   match=r"batch dimensions do not broadcast: a=\(2, 2, 3\), b=\(3, 3, 4\)")
op("softmax-axis-oob", ops.softmax, A23, axis=2, expect=ValueError, match=r"`axis` 2 is out of bounds for an input of rank 2")
op("softmax-axis-str", ops.softmax, A23, axis="1", expect=TypeError, match=r"`axis` must be an int, received '1'")
op("log_softmax-axis-oob", ops.log_softmax, A23, axis=2, expect=ValueError, match=r"`axis` 2 is out of bounds for an input of rank 2")
op("log_softmax-axis-str", ops.log_softmax, A23, axis="x", expect=TypeError, match=r"`axis` must be an int, received 'x'")
op("bias_add-rank1", ops.bias_add, X6, X6, expect=ValueError, match=r"`bias` must be 1-D .*value shape \(6,\) and bias shape \(6,\)")
op("sparse-xent-label-oob", ops.sparse_softmax_cross_entropy_with_logits, [0, 3], A23, expect=ValueError,
   match=r"label value of 3 .*\[0, 3\)")
op("sparse-xent-label-negative", ops.sparse_softmax_cross_entropy_with_logits, [-1, 0], A23, expect=ValueError,
   match=r"label value of -1 .*\[0, 3\)")
op("sparse-xent-labels-shape", ops.sparse_softmax_cross_entropy_with_logits, [0, 1, 2], A23, expect=ValueError,
   match=r"`labels` must have shape \(2,\) .*received \(3,\)")
op("xent-axis-oob", ops.softmax_cross_entropy_with_logits, A23, A23, axis=5, expect=ValueError,
   match=r"`axis` must be an int in \[-2, 2\), received 5")
op("sigmoid-xent-shapes", ops.sigmoid_cross_entropy_with_logits, X6, X6[:3], expect=ValueError,
   match=r"`labels` and `logits` must have the same shape, received \(6,\) and \(3,\)")
op("conv2d-strides-zero", ops.conv2d, IMG, KER, strides=0, expect=ValueError, match=r"`strides` must be positive, received 0")
op("conv2d-strides-str", ops.conv2d, IMG, KER, strides="1", expect=TypeError, match=r"`strides` must contain ints, received '1'")
op("conv2d-strides-3", ops.conv2d, IMG, KER, strides=[1, 1, 1], expect=ValueError,
   match=r"`strides` must have 1, 2 or 4 elements, received \[1, 1, 1\]")
op("conv2d-padding-full", ops.conv2d, IMG, KER, padding="full", expect=ValueError, match=r"`padding` must be 'VALID' or 'SAME', received 'full'")
op("conv2d-padding-int", ops.conv2d, IMG, KER, padding=1, expect=ValueError, match=r"`padding` .*received 1")
op("conv2d-NCHW", ops.conv2d, IMG, KER, data_format="NCHW", expect=ValueError, match=r"`data_format` .*received 'NCHW'")
op("conv2d-dilations-zero", ops.conv2d, IMG, KER, dilations=0, expect=ValueError, match=r"`dilations` must be positive, received 0")
op("conv2d-channels", ops.conv2d, IMG, f32(3, 3, 2, 4), expect=ValueError, match=r"input depth must equal filter depth")
op("conv2d-rank3", ops.conv2d, IMG[0], KER, expect=ValueError, match=r"`input` must be 4-D, received shape \(6, 6, 3\)")
op("max_pool-ksize-zero", ops.max_pool2d, IMG, 0, 1, "VALID", expect=ValueError, match=r"`ksize` must be positive, received 0")
op("max_pool-ksize-str", ops.max_pool2d, IMG, "2", 1, "VALID", expect=TypeError, match=r"`ksize` must contain ints, received '2'")
op("max_pool-strides-negative", ops.max_pool2d, IMG, 2, -1, "VALID", expect=ValueError, match=r"`strides` must be positive, received -1")
op("max_pool-rank3", ops.max_pool2d, IMG[0], 2, 2, "VALID", expect=ValueError, match=r"`input` must be 4-D, received shape \(6, 6, 3\)")
op("avg_pool-ksize-batch", ops.avg_pool2d, IMG, [2, 2, 2, 1], 2, "VALID", expect=ValueError,
   match=r"`ksize` must be 1 along the batch and channel axes .*\[2, 2, 2, 1\]")
op("avg_pool-padding", ops.avg_pool2d, IMG, 2, 2, "full", expect=ValueError, match=r"`padding` .*received 'full'")

# =========================================================================================== ops: huge sizes
op("ones-huge", ops.ones, (HUGE, HUGE), expect=ValueError, match=rf"`shape` \({HUGE}, {HUGE}\) is too large")
op("zeros-huge", ops.zeros, (2**62, 4), expect=ValueError, match=rf"`shape` \({2**62}, 4\) is too large")
op("fill-huge", ops.fill, (HUGE, HUGE), 1.0, expect=ValueError, match=rf"`dims` \({HUGE}, {HUGE}\) is too large")
op("range-huge", ops.range, 0, 2**62, expect=ValueError, match=rf"range\(0, {2**62}, 1\) is too large")
op("reshape-huge", ops.reshape, X6, (HUGE, HUGE), expect=ValueError, match=rf"to \({HUGE}, {HUGE}\)")
op("constant-huge-shape", ops.constant, 1.0, shape=(HUGE, HUGE), expect=ValueError, match=rf"`shape` \({HUGE}, {HUGE}\) is too large")
op("conv2d-huge-strides", ops.conv2d, IMG, KER, strides=2**62, expect=ValueError, match=rf"`strides` must be in \[1, 2\^31\), received \({2**62}")
op("conv2d-huge-dilations", ops.conv2d, IMG, KER, dilations=HUGE, padding="SAME", expect=ValueError,
   match=rf"`dilations` must be in \[1, 2\^31\), received \({HUGE}")
op("max_pool-huge-ksize", ops.max_pool2d, IMG, 2**62, 1, "SAME", expect=ValueError,
   match=rf"`ksize` window is too large .*received {2**62}")
op("max_pool-huge-ksize-pair", ops.max_pool2d, IMG, (2**32, 2**32), 1, "SAME", expect=ValueError,
   match=rf"`ksize` window is too large .*\({2**32}, {2**32}\)")
op("avg_pool-huge-ksize", ops.avg_pool2d, IMG, HUGE, 1, "SAME", expect=ValueError, match=rf"`ksize` window is too large .*{HUGE}")
op("avg_pool-huge-strides", ops.avg_pool2d, IMG, 2, 2**62, "SAME", expect=ValueError, match=rf"`strides` .*received \({2**62}")

# =========================================================================================== ops: views (valid)
V = f32(6, 8, seed=3)
W = f32(8, 5, seed=4)
op("matmul-strided-views", ops.matmul, V[::2, ::-1], W[::-1, 1:], expect=VALID,
   match=close(V[::2, ::-1].astype(np.float64) @ W[::-1, 1:], reduction_k=8))
op("matmul-transposed-view", ops.matmul, V.T, V, expect=VALID, match=close(V.T.astype(np.float64) @ V, reduction_k=6))
op("matmul-fortran", ops.matmul, np.asfortranarray(V), W, expect=VALID, match=close(V.astype(np.float64) @ W, reduction_k=8))
op("matmul-negative-stride-transpose_b", ops.matmul, V[::-1], V[::-1, :], transpose_b=True, expect=VALID,
   match=close(V[::-1].astype(np.float64) @ V[::-1].T, reduction_k=8))
op("add-negative-strides", ops.add, V[::-1], V[:, ::-1], expect=VALID, match=close(V[::-1].astype(np.float64) + V[:, ::-1]))
op("multiply-broadcast-view", ops.multiply, V[::-2], W[::-1, 0][None, :], expect=VALID,
   match=close(V[::-2].astype(np.float64) * W[::-1, 0][None, :]))
op("relu-negative-stride", ops.relu, V[::-1, ::-3], expect=VALID, match=close(np.maximum(V[::-1, ::-3], 0)))
op("exp-transposed", ops.exp, V.T, expect=VALID, match=close(np.exp(V.T.astype(np.float64))))
op("tanh-strided", ops.tanh, V[1::2, ::2], expect=VALID, match=close(np.tanh(V[1::2, ::2].astype(np.float64))))
op("sigmoid-reversed", ops.sigmoid, V[::-1], expect=VALID, match=close(1 / (1 + np.exp(-V[::-1].astype(np.float64)))))
op("softmax-reversed-strided", ops.softmax, V[::-1, ::-2], expect=VALID, match=close(softmax64(V[::-1, ::-2])))
op("softmax-axis0-transposed", ops.softmax, V.T, axis=0, expect=VALID, match=close(softmax64(V.T, axis=0)))
op("log_softmax-reversed", ops.log_softmax, V[:, ::-1], expect=VALID, match=close(np.log(softmax64(V[:, ::-1]))))
op("reduce_sum-transposed", ops.reduce_sum, V.T, axis=1, expect=VALID, match=close(V.T.astype(np.float64).sum(1), reduction_k=6))
op("reduce_mean-negative-stride", ops.reduce_mean, V[::-1, ::-1], axis=0, expect=VALID,
   match=close(V[::-1, ::-1].astype(np.float64).mean(0), reduction_k=6))
op("reduce_max-strided", ops.reduce_max, V[::3], axis=-1, expect=VALID, match=same(V[::3].max(-1)))
op("reshape-transposed-view", ops.reshape, V.T, (-1,), expect=VALID, match=same(np.ravel(V.T)))
op("transpose-reversed", ops.transpose, V[::-1], expect=VALID, match=same(V[::-1].T))
op("concat-views", ops.concat, [V[::-1], V[:, ::-1]], 0, expect=VALID, match=same(np.concatenate([V[::-1], V[:, ::-1]])))
op("gather-from-view", ops.gather, V[::-1], [0, 5], expect=VALID, match=same(V[::-1][[0, 5]]))
op("bias_add-views", ops.bias_add, V[::-1], W[::-1, 0], expect=VALID, match=close(V[::-1].astype(np.float64) + W[::-1, 0]))
op("dense-views", ops.dense, V[::-1], W[:, ::-1], W[0, ::-1], expect=VALID,
   match=close(V[::-1].astype(np.float64) @ W[:, ::-1] + W[0, ::-1], reduction_k=8))
IMG_BIG = f32(2, 8, 8, 6, seed=5)
K6 = f32(3, 3, 6, 2, seed=6)
op("conv2d-reversed-rows", ops.conv2d, IMG_BIG[:, ::-1], K6[::-1], expect=VALID,
   match=close(conv2d64(IMG_BIG[:, ::-1], K6[::-1]), reduction_k=54))
op("conv2d-channel-stride", ops.conv2d, IMG_BIG[..., ::2], f32(2, 2, 3, 4), expect=VALID,
   match=close(conv2d64(IMG_BIG[..., ::2], f32(2, 2, 3, 4)), reduction_k=12))
op("conv2d-strided-input-stride2", ops.conv2d, IMG_BIG[:, ::-1, ::-1], K6[:, ::-1], strides=2, expect=VALID,
   match=close(conv2d64(IMG_BIG[:, ::-1, ::-1], K6[:, ::-1], stride=2), reduction_k=54))
op("max_pool-reversed", ops.max_pool2d, IMG_BIG[:, ::-1, :, ::-1], 2, 2, "VALID", expect=VALID,
   match=same(max_pool64(IMG_BIG[:, ::-1, :, ::-1], 2).astype(np.float32)))
op("avg_pool-strided", ops.avg_pool2d, IMG_BIG[:, :, ::-1, ::3], 2, 2, "VALID", expect=VALID,
   match=close(avg_pool64(IMG_BIG[:, :, ::-1, ::3], 2)))
op("sparse-xent-views", ops.sparse_softmax_cross_entropy_with_logits, np.array([2, 0, 1, 4, 3, 0])[::-1], V[::-1, :5],
   expect=VALID, match=close(-np.log(softmax64(V[::-1, :5])[np.arange(6), np.array([2, 0, 1, 4, 3, 0])[::-1]])))
op("xent-views", ops.softmax_cross_entropy_with_logits, softmax64(W.T)[::-1].astype(np.float32), V[:5, ::-1],
   expect=VALID, match=close(-(softmax64(W.T)[::-1] * np.log(softmax64(V[:5, ::-1]))).sum(-1)))

# =========================================================================================== ops: NaN / inf
op("relu-naninf", ops.relu, NANINF, expect=VALID, match=same(np.array([np.nan, np.inf, 0, 0, 0, 2], np.float32)))
op("exp-naninf", ops.exp, NANINF[:3], expect=VALID, match=same(np.array([np.nan, np.inf, 0], np.float32)))
op("log-negative-zero-inf", ops.log, np.array([-1, 0, np.inf], np.float32), expect=VALID,
   match=same(np.array([np.nan, -np.inf, np.inf], np.float32)))
op("sigmoid-naninf", ops.sigmoid, NANINF[:3], expect=VALID, match=same(np.array([np.nan, 1, 0], np.float32)))
op("tanh-naninf", ops.tanh, NANINF[:3], expect=VALID, match=same(np.array([np.nan, 1, -1], np.float32)))
op("sqrt-negative", ops.sqrt, np.array([-1, 4], np.float32), expect=VALID, match=same(np.array([np.nan, 2], np.float32)))
op("divide-by-zero", ops.divide, np.array([1, -1, 0], np.float32), np.zeros(3, np.float32), expect=VALID,
   match=same(np.array([np.inf, -np.inf, np.nan], np.float32)))
op("add-inf-minus-inf", ops.add, np.array([np.inf], np.float32), np.array([-np.inf], np.float32), expect=VALID,
   match=same(np.array([np.nan], np.float32)))
op("matmul-inf", ops.matmul, np.array([[np.inf, 1]], np.float32), np.ones((2, 1), np.float32), expect=VALID,
   match=same(np.array([[np.inf]], np.float32)))
op("matmul-nan-propagates", ops.matmul, np.array([[np.nan, 1], [1, 1]], np.float32), np.ones((2, 2), np.float32),
   expect=VALID, match=same(np.array([[np.nan, np.nan], [2, 2]], np.float32)))
op("reduce_sum-naninf", ops.reduce_sum, NANINF[1:3], expect=VALID, match=same(np.float32(np.nan)))
op("reduce_max-inf", ops.reduce_max, NANINF[1:], expect=VALID, match=same(np.float32(np.inf)))
op("max_pool-all-nan-window", ops.max_pool2d, np.full((1, 2, 2, 1), np.nan, np.float32), 2, 2, "VALID", expect=VALID,
   match=same(np.full((1, 1, 1, 1), -np.inf, np.float32)))  # documented: NaN is never selected
op("max_pool-skips-nan", ops.max_pool2d, np.array([np.nan, 1, -2, np.nan], np.float32).reshape(1, 2, 2, 1), 2, 2,
   "VALID", expect=VALID, match=same(np.ones((1, 1, 1, 1), np.float32)))
op("avg_pool-nan-propagates", ops.avg_pool2d, np.array([np.nan, 1, 2, 3], np.float32).reshape(1, 2, 2, 1), 2, 2,
   "VALID", expect=VALID, match=same(np.full((1, 1, 1, 1), np.nan, np.float32)))
op("leaky_relu-alpha-nan", ops.leaky_relu, np.array([1.0, -1.0], np.float32), alpha=float("nan"), expect=VALID,
   match=lambda r: np.testing.assert_array_equal(np.isnan(np.asarray(r)), [False, True]))
op("clip-min-above-max", ops.clip_by_value, X6, 1.0, -1.0, expect=VALID, match=same(np.full(6, -1.0, np.float32)))

# =========================================================================================== ops: zero-size
E03, E30 = np.zeros((0, 3), np.float32), np.zeros((3, 0), np.float32)
op("matmul-zero-k", ops.matmul, E30, np.zeros((0, 4), np.float32), expect=VALID, match=same(np.zeros((3, 4), np.float32)))
op("matmul-zero-m", ops.matmul, E03, B34, expect=VALID, match=same(np.zeros((0, 4), np.float32)))
op("matmul-zero-batch", ops.matmul, np.zeros((0, 2, 3), np.float32), B34, expect=VALID, match=shape_is((0, 2, 4)))
op("reduce_sum-empty", ops.reduce_sum, E03, 0, expect=VALID, match=same(np.zeros(3, np.float32)))
op("reduce_mean-empty", ops.reduce_mean, E03, expect=VALID, match=same(np.float32(np.nan)))  # as TF
op("softmax-empty-rows", ops.softmax, E03, expect=VALID, match=shape_is((0, 3)))
op("relu-empty", ops.relu, E03, expect=VALID, match=shape_is((0, 3)))
op("concat-with-empty", ops.concat, [E03, A23], 0, expect=VALID, match=same(A23))
op("conv2d-zero-batch", ops.conv2d, IMG[:0], KER, expect=VALID, match=shape_is((0, 4, 4, 4)))
op("conv2d-kernel-larger-than-input", ops.conv2d, IMG[:, :2, :2], KER, expect=VALID, match=shape_is((2, 0, 0, 4)))
op("max_pool-zero-height", ops.max_pool2d, IMG[:, :0], 2, 2, "SAME", expect=VALID, match=shape_is((2, 0, 3, 3)))
op("sparse-xent-zero-rows", ops.sparse_softmax_cross_entropy_with_logits, np.zeros(0, np.int64), E03, expect=VALID,
   match=shape_is((0,)))
op("gather-empty-indices", ops.gather, A23, np.zeros(0, np.int64), expect=VALID, match=shape_is((0, 3)))
op("reshape-empty", ops.reshape, E03, (-1, 3), expect=VALID, match=shape_is((0, 3)))


# =========================================================================================== layers
def built(layer, x):
    layer(x)
    return layer


call("Dense-units-0", lambda: layers.Dense(0), ValueError, r"Received: units=0")
call("Dense-units--1", lambda: layers.Dense(-1), ValueError, r"`units`, expected a positive integer. Received: units=-1")
call("Dense-units-str", lambda: layers.Dense("5"), ValueError, r"Received: units='5'")
call("Dense-units-float", lambda: layers.Dense(2.0), ValueError, r"Received: units=2.0")
call("Dense-units-bool", lambda: layers.Dense(True), ValueError, r"Received: units=True")
call("Dense-units-None", lambda: layers.Dense(None), ValueError, r"Received: units=None")
call("Dense-activation-unknown", lambda: layers.Dense(3, activation="gelu_nope"), ValueError,
     r"Could not interpret activation function identifier: 'gelu_nope'")
call("Dense-activation-case", lambda: layers.Dense(3, activation="Relu"), ValueError, r"identifier: 'Relu'")
call("Dense-activation-int", lambda: layers.Dense(3, activation=123), ValueError, r"identifier: 123")
call("Dense-wrong-last-dim", lambda: built(layers.Dense(2), A23)(f32(2, 4)), ValueError,
     r"expected last axis 3, received shape \(2, 4\)")
call("Dense-wrong-rank-1", lambda: built(layers.Dense(2), A23)(X6[:3]), ValueError,
     r"expected min_ndim=2, found ndim=1. Full shape received: \(3,\)")
call("Dense-first-call-scalar", lambda: layers.Dense(2)(np.float32(1)), ValueError,
     r"expected min_ndim=2, found ndim=0. Full shape received: \(\)")
call("Dense-complex-input", lambda: built(layers.Dense(2), A23)(CPLX), TypeError, r"`inputs` must be a real numeric.*complex64")
call("Dense-str-input", lambda: layers.Dense(2)(STR), TypeError, r"`inputs` must be a real numeric.*<U1")
call("Dense-huge-weights", lambda: fastnn.Sequential([layers.Input((HUGE,)), layers.Dense(HUGE)]), ValueError,
     rf"`shape` of weight 'kernel' is too large: \({HUGE}, {HUGE}\)")
call("Dense-unknown-kwarg", lambda: layers.Dense(3, unitz=3), TypeError, r"Unrecognized keyword arguments .*unitz")
call("Conv2D-filters-0", lambda: layers.Conv2D(0, 3), ValueError, r"Received: filters=0")
call("Conv2D-filters-str", lambda: layers.Conv2D("8", 3), ValueError, r"Received: filters='8'")
call("Conv2D-kernel_size-negative", lambda: layers.Conv2D(2, -1), ValueError, r"`kernel_size` must be positive, received -1")
call("Conv2D-kernel_size-3d", lambda: layers.Conv2D(2, (3, 3, 3)), ValueError,
     r"`kernel_size` must have 1, 2 or 4 elements, received \(3, 3, 3\)")
call("Conv2D-kernel_size-str", lambda: layers.Conv2D(2, "3"), TypeError, r"`kernel_size` must contain ints, received '3'")
call("Conv2D-kernel_size-float", lambda: layers.Conv2D(2, 2.5), TypeError, r"`kernel_size` .*received 2.5")
call("Conv2D-strides-0", lambda: layers.Conv2D(2, 3, strides=0), ValueError, r"`strides` must be positive, received 0")
call("Conv2D-strides-negative", lambda: layers.Conv2D(2, 3, strides=(1, -1)), ValueError, r"`strides` .*received \(1, -1\)")
call("Conv2D-padding-causal", lambda: layers.Conv2D(2, 3, padding="causal"), ValueError, r"Received: padding='causal'")
call("Conv2D-padding-None", lambda: layers.Conv2D(2, 3, padding=None), ValueError, r"Received: padding=None")
call("Conv2D-dilation-0", lambda: layers.Conv2D(2, 3, dilation_rate=0), ValueError, r"`dilation_rate` must be positive, received 0")
call("Conv2D-channels_first", lambda: layers.Conv2D(2, 3, data_format="channels_first"), ValueError,
     r"`data_format` .*received 'channels_first'")
call("Conv2D-activation-unknown", lambda: layers.Conv2D(2, 3, activation="nope"), ValueError, r"identifier: 'nope'")
call("Conv2D-huge-kernel", lambda: layers.Conv2D(2, HUGE)(IMG), ValueError,
     rf"`shape` of weight 'kernel' is too large: \({HUGE}, {HUGE}, 3, 2\)")
call("Conv2D-call-rank3", lambda: built(layers.Conv2D(2, 3), IMG)(IMG[0]), ValueError,
     r"expected \(batch, h, w, 3\), received shape \(6, 6, 3\)")
call("Conv2D-call-channels", lambda: built(layers.Conv2D(2, 3), IMG)(IMG[..., :2]), ValueError,
     r"expected \(batch, h, w, 3\), received shape \(2, 6, 6, 2\)")
call("Conv2D-first-call-rank2", lambda: layers.Conv2D(2, 3)(A23), ValueError, r"expects inputs \(batch, height, width, channels\), received shape \(2, 3\)")
call("MaxPool-pool_size-negative", lambda: layers.MaxPooling2D(-2), ValueError, r"`pool_size` must be positive, received -2")
call("MaxPool-pool_size-str", lambda: layers.MaxPooling2D("a"), TypeError, r"`pool_size` must contain ints, received 'a'")
call("MaxPool-padding-full", lambda: layers.MaxPooling2D(2, padding="full"), ValueError, r"Received: padding='full'")
call("AvgPool-strides-0", lambda: layers.AveragePooling2D(2, strides=0), ValueError, r"`strides` must be positive, received 0")
call("AvgPool-padding-int", lambda: layers.AveragePooling2D(2, padding=3), ValueError, r"Received: padding=3")
call("MaxPool-call-rank2", lambda: layers.MaxPooling2D(2)(A23), ValueError, r"expects inputs .*received shape \(2, 3\)")
call("MaxPool-huge-pool", lambda: layers.MaxPooling2D(HUGE, padding="same")(IMG), ValueError,
     rf"`ksize` window is too large .*\({HUGE}, {HUGE}\)")
call("Reshape-impossible", lambda: layers.Reshape((4, 4))(f32(2, 3, 5)), ValueError,
     r"cannot reshape a tensor of shape \(2, 3, 5\) \(30 values\) to \(2, 4, 4\)")
call("Reshape-zero", lambda: layers.Reshape((0, 3)), ValueError, r"`target_shape` must hold positive sizes .*received \(0, 3\)")
call("Reshape-two-unknown", lambda: layers.Reshape((-1, -1)), ValueError, r"`target_shape` .*received \(-1, -1\)")
call("Reshape-str", lambda: layers.Reshape("abc"), TypeError, r"`target_shape` must be a tuple of ints, received 'abc'")
call("Reshape-int", lambda: layers.Reshape(5), TypeError, r"`target_shape` must be a tuple of ints, received 5")
call("Reshape-float", lambda: layers.Reshape((2.5, 2)), TypeError, r"`target_shape` .*received \(2.5, 2\)")
call("Reshape-huge", lambda: layers.Reshape((HUGE, HUGE))(A23), ValueError, rf"to \(2, {HUGE}, {HUGE}\)")
call("Dropout-negative", lambda: layers.Dropout(-0.1), ValueError, r"Received: rate=-0.1")
call("Dropout-above-1", lambda: layers.Dropout(1.5), ValueError, r"Received: rate=1.5")
call("Dropout-str", lambda: layers.Dropout("0.5"), ValueError, r"Received: rate='0.5'")
call("Dropout-nan", lambda: layers.Dropout(float("nan")), ValueError, r"Received: rate=nan")
call("Dropout-1-is-valid", lambda: layers.Dropout(1.0)(A23, training=True), VALID,
     same(np.zeros((2, 3), np.float32)))  # Keras 3 accepts rate=1 (everything dropped)
call("Flatten-scalar", lambda: layers.Flatten()(np.float32(1)), ValueError, r"expected min_ndim=1, found ndim=0")
call("Softmax-axis", lambda: layers.Softmax(axis=5)(A23), ValueError, r"`axis` 5 is out of bounds for an input of rank 2")
call("Activation-unknown", lambda: layers.Activation("nope"), ValueError, r"identifier: 'nope'")
call("Add-shapes", lambda: layers.Add()([A23, B34]), ValueError, r"must broadcast .*\(2, 3\) and \(3, 4\)")
call("Concatenate-shapes", lambda: layers.Concatenate()([A23, f32(3, 3)]), ValueError, r"shapes \[\(2, 3\), \(3, 3\)\]")
call("Input-negative", lambda: layers.Input((-1, 3)), ValueError, r"`shape` must be non-negative, received \(-1, 3\)")
call("Input-str", lambda: layers.Input("abc"), TypeError, r"`shape` must be a tuple of ints \(or None\), received 'abc'")
call("Input-float", lambda: layers.Input((2.5,)), TypeError, r"`shape` .*received \(2.5,\)")
call("Dense-empty-batch", lambda: built(layers.Dense(2), A23)(E03), VALID, shape_is((0, 2)))
call("Flatten-empty-batch", lambda: layers.Flatten()(IMG[:0]), VALID, shape_is((0, 108)))


def dense_view_check():
    d = layers.Dense(3)
    x = V[::-1, ::2]
    y = d(x)
    np.testing.assert_allclose(np.asarray(y), x.astype(np.float64) @ d.kernel.numpy() + d.bias.numpy(), rtol=1e-5,
                               atol=1e-5)
    return True


call("Dense-negative-stride-correct", dense_view_check, VALID, lambda r: None)

# =========================================================================================== models
X = f32(10, 5, seed=7)
Y = np.arange(10) % 3


def model(compiled=True):
    m = fastnn.Sequential([layers.Dense(4, activation="relu"), layers.Dense(3, activation="softmax")])
    m.build((None, 5))
    if compiled:
        m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    return m


def fit(**kwargs):
    kwargs.setdefault("verbose", 0)
    x, y = kwargs.pop("x", X), kwargs.pop("y", Y)
    return model().fit(x, y, **kwargs)


call("compile-optimizer", lambda: model(False).compile(optimizer="adamz", loss="mse"), ValueError,
     r"Could not interpret optimizer identifier: 'adamz'")
call("compile-optimizer-int", lambda: model(False).compile(optimizer=3, loss="mse"), ValueError, r"optimizer identifier: 3")
call("compile-loss", lambda: model(False).compile(optimizer="sgd", loss="msee"), ValueError, r"loss identifier: 'msee'")
def compiled_without_loss():
    m = model(False)
    m.compile(optimizer="sgd", loss=None)  # valid: a model may train through add_loss or its own train_step
    return m


call("compile-loss-None-then-fit", lambda: compiled_without_loss().fit(X, Y, verbose=0), ValueError,
     r"^No loss to compute\. Provide a `loss` argument in `compile\(\)`\.$")
call("compile-loss-None-then-evaluate", lambda: compiled_without_loss().evaluate(X, Y, verbose=0), ValueError,
     r"^No loss to compute")
call("compile-metric", lambda: model(False).compile(optimizer="sgd", loss="mse", metrics=["accuracyy"]), ValueError,
     r"Could not interpret metric identifier: 'accuracyy'")
call("compile-metrics-str", lambda: model(False).compile(optimizer="sgd", loss="mse", metrics="accuracy"), TypeError,
     r"`metrics` must be a list, received 'accuracy'")
call("compile-unknown-kwarg", lambda: model(False).compile(optimizer="sgd", loss="mse", lr=0.1), TypeError, r"'lr'")
call("fit-x-y-lengths", lambda: fit(y=Y[:7]), ValueError, r"same number of samples, received 10 and 7")
call("fit-empty", lambda: fit(x=X[:0], y=Y[:0]), ValueError, r"fit\(\) received empty data \(0 samples\)")
call("fit-batch_size-0", lambda: fit(batch_size=0), ValueError, r"`batch_size` must be a positive integer, received 0")
call("fit-batch_size--1", lambda: fit(batch_size=-1), ValueError, r"`batch_size` .*received -1")
call("fit-batch_size-str", lambda: fit(batch_size="32"), ValueError, r"`batch_size` .*received '32'")
call("fit-batch_size-float", lambda: fit(batch_size=2.0), ValueError, r"`batch_size` .*received 2.0")
call("fit-epochs-negative", lambda: fit(epochs=-1), ValueError, r"`epochs` must be a non-negative integer, received -1")
call("fit-epochs-str", lambda: fit(epochs="2"), ValueError, r"`epochs` .*received '2'")
call("fit-epochs-float", lambda: fit(epochs=1.5), ValueError, r"`epochs` .*received 1.5")
call("fit-epochs-0-is-valid", lambda: fit(epochs=0).history, VALID, lambda h: h == {} or pytest.fail(h))
call("fit-validation_split-negative", lambda: fit(validation_split=-0.1), ValueError,
     r"`validation_split` must be in \[0, 1\), received -0.1")
call("fit-validation_split-1", lambda: fit(validation_split=1.0), ValueError, r"`validation_split` .*received 1.0")
call("fit-validation_split-str", lambda: fit(validation_split="0.2"), ValueError, r"`validation_split` .*received '0.2'")
call("fit-validation_split-nan", lambda: fit(validation_split=float("nan")), ValueError, r"`validation_split` .*received nan")
call("fit-validation_split-no-samples", lambda: fit(validation_split=1e-17), ValueError,
     r"`validation_split`=1e-17 leaves no training or no validation samples out of 10")
call("fit-verbose", lambda: fit(verbose=5), ValueError, r"`verbose` must be .*received 5")
call("fit-initial_epoch", lambda: fit(initial_epoch=-1), ValueError, r"`initial_epoch` .*received -1")
call("fit-steps_per_epoch-0", lambda: fit(steps_per_epoch=0), ValueError, r"`steps_per_epoch` .*received 0")
call("fit-validation_freq-0", lambda: fit(validation_freq=0), ValueError, r"`validation_freq` .*received 0")
call("fit-y-None", lambda: fit(y=None), ValueError, r"fit\(\) needs non-empty `x` and `y`")
call("fit-x-None", lambda: fit(x=None), ValueError, r"`x` is required")
call("fit-labels-out-of-range", lambda: fit(y=Y + 5), ValueError, r"label value of [5-7] .*\[0, 3\)")
call("fit-x-str", lambda: fit(x=X.astype(str)), TypeError, r"`x` must be numeric, received dtype <U")
call("fit-x-object", lambda: fit(x=X.astype(object)), TypeError, r"`x` must be numeric, received dtype object")
call("fit-x-complex", lambda: fit(x=X.astype(complex)), TypeError, r"`x` must be numeric, received dtype complex128")
call("fit-y-scalar", lambda: fit(y=3), ValueError, r"`y` must have a batch axis, received a scalar")
call("fit-x-ragged", lambda: fit(x=[[1, 2], [3]], y=Y[:2]), ValueError, r"`x` must be an array-like of one shape, received a ragged list")
call("fit-x-wrong-features", lambda: fit(x=X[:, :4]), ValueError, r"expected last axis 5, received shape \(\d+, 4\)")
call("fit-x-rank1", lambda: fit(x=X[:, 0]), ValueError, r"expected min_ndim=2, found ndim=1")
call("fit-class_weight-list", lambda: fit(class_weight=[1, 2, 3]), TypeError,
     r"`class_weight` must be a dict mapping class ids to weights, received \[1, 2, 3\]")
call("fit-sample_weight-length", lambda: fit(sample_weight=np.ones(4)), ValueError,
     r"`sample_weight` must have one entry per sample \(10\), received shape \(4,\)")
call("fit-validation_data-1-tuple", lambda: fit(validation_data=(X,)), ValueError, r"`validation_data` must be .*received tuple")
call("fit-validation_data-lengths", lambda: fit(validation_data=(X, Y[:3])), ValueError, r"received 10 and 3")
call("fit-dataset-with-y", lambda: fit(x=Dataset.from_tensor_slices((X, Y)).batch(4), y=Y), ValueError,
     r"`y` must not be given to fit\(\) when `x` is a Dataset")
call("fit-nan-x-is-valid", lambda: fit(x=np.full((10, 5), np.nan, np.float32)).history["loss"], VALID,
     lambda losses_: np.isnan(losses_[0]) or pytest.fail(f"loss {losses_} is not NaN"))
call("fit-bool-x-is-valid", lambda: fit(x=X > 0).history["loss"], VALID, lambda v: np.isfinite(v[0]) or pytest.fail(v))
call("fit-fortran-x-is-valid", lambda: fit(x=np.asfortranarray(X)).history["loss"], VALID,
     lambda v: np.isfinite(v[0]) or pytest.fail(v))
call("predict-wrong-features", lambda: model().predict(f32(4, 6), verbose=0), ValueError,
     r"expected last axis 5, received shape \(4, 6\)")
call("predict-rank1", lambda: model().predict(X[0], verbose=0), ValueError, r"expected min_ndim=2, found ndim=1. Full shape received: \(5,\)")
call("predict-empty", lambda: model().predict(X[:0], verbose=0), ValueError, r"predict\(\) received empty data \(0 samples\)")
call("predict-batch_size-0", lambda: model().predict(X, batch_size=0, verbose=0), ValueError, r"`batch_size` .*received 0")
call("predict-scalar", lambda: model().predict(np.float32(1), verbose=0), ValueError, r"`x` must have a batch axis")
call("predict-complex", lambda: model().predict(X.astype(complex), verbose=0), TypeError, r"`x` must be numeric, received dtype complex128")


def predict_view_check():
    m = model()
    x = X[::-1, ::-1]
    got = m.predict(x, batch_size=3, verbose=0)
    want = m.predict(np.ascontiguousarray(x), batch_size=10, verbose=0)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    return got


call("predict-negative-stride-correct", predict_view_check, VALID, shape_is((10, 3)))
call("evaluate-before-compile", lambda: model(False).evaluate(X, Y, verbose=0), RuntimeError,
     r"You must call `compile\(\)` before evaluating the model")
call("fit-before-compile", lambda: model(False).fit(X, Y, verbose=0), RuntimeError, r"`compile\(\)` before training")
call("train_on_batch-before-compile", lambda: model(False).train_on_batch(X, Y), RuntimeError, r"`compile\(\)` before training")
call("evaluate-lengths", lambda: model().evaluate(X, Y[:3], verbose=0), ValueError, r"received 10 and 3")
call("evaluate-batch_size-0", lambda: model().evaluate(X, Y, batch_size=0, verbose=0), ValueError, r"`batch_size` .*received 0")
call("evaluate-empty", lambda: model().evaluate(X[:0], Y[:0], verbose=0), ValueError, r"evaluate\(\) received empty data")
call("evaluate-steps-0", lambda: model().evaluate(X, Y, steps=0, verbose=0), ValueError, r"`steps` .*received 0")
call("set_weights-count", lambda: model().set_weights([np.ones((5, 4))]), ValueError, r"expects 4 weights, but the given list holds 1")
call("set_weights-shapes", lambda: model().set_weights([np.ones((4, 5)), np.ones(4), np.ones((4, 3)), np.ones(3)]),
     ValueError, r"weight 'kernel' has shape \(5, 4\); received a value of shape \(4, 5\)")
call("set_weights-complex", lambda: model().set_weights([np.ones((5, 4), complex), np.ones(4), np.ones((4, 3)), np.ones(3)]),
     TypeError, r"`weights` must be a real numeric.*complex128")
call("set_weights-not-list", lambda: model().set_weights(5), TypeError, r"`weights` must be a list of arrays, received 5")
call("set_weights-str", lambda: model().set_weights("abcd"), TypeError, r"`weights` must be a list of arrays, received 'abcd'")
call("Sequential-call-empty", lambda: fastnn.Sequential()(X), ValueError, r"Sequential model has no layers")
call("Sequential-add-str", lambda: fastnn.Sequential().add("dense"), TypeError, r"expects a layer instance, received 'dense'")
call("Sequential-layers-not-list", lambda: fastnn.Sequential(layers.Dense(2)), TypeError,
     r"`layers` must be a list of layers, received <Dense")
call("count_params-unbuilt", lambda: layers.Dense(2).count_params(), ValueError, r"isn't built")

# =========================================================================================== losses
call("mse-shapes", lambda: losses.mean_squared_error(A23, A23.T), ValueError,
     r"`y_true` and `y_pred` must have the same shape, received \(2, 3\) and \(3, 2\)")
call("mae-shapes", lambda: losses.mean_absolute_error(A23, B34), ValueError, r"received \(2, 3\) and \(3, 4\)")
call("bce-shapes", lambda: losses.binary_crossentropy(A23, f32(2, 4)), ValueError, r"received \(2, 3\) and \(2, 4\)")
call("mse-complex", lambda: losses.mean_squared_error(CPLX, A23), TypeError, r"`y_true` must be a real numeric.*complex64")
call("mse-str-pred", lambda: losses.mean_squared_error(A23, STR), TypeError, r"`y_pred` must be a real numeric.*<U1")
call("loss-reduction-unknown", lambda: losses.MeanSquaredError(reduction="avg"), ValueError, r"Received: reduction='avg'")
call("loss-reduction-int", lambda: losses.CategoricalCrossentropy(reduction=1), ValueError, r"Received: reduction=1")
call("loss-reduction-auto", lambda: losses.BinaryCrossentropy(reduction="auto"), ValueError, r"Received: reduction='auto'")
call("scce-label-oob", lambda: losses.sparse_categorical_crossentropy([0, 3], P23), ValueError, r"label value of 3 .*\[0, 3\)")
call("scce-label-negative", lambda: losses.sparse_categorical_crossentropy([0, -1], P23), ValueError, r"label value of -1")
call("scce-logits-label-oob", lambda: losses.SparseCategoricalCrossentropy(from_logits=True)([0, 9], A23), ValueError,
     r"label value of 9 .*\[0, 3\)")
call("scce-labels-shape", lambda: losses.sparse_categorical_crossentropy([0, 1, 2], P23), ValueError,
     r"`labels` must have shape \(2,\) .*received \(3,\)")
call("scce-fractional-labels", lambda: losses.sparse_categorical_crossentropy([0.5, 1], P23), ValueError,
     r"integer class ids, received 0.5")
call("cce-from_logits-str", lambda: losses.categorical_crossentropy(np.eye(3)[:2], P23, from_logits="no"), TypeError,
     r"`from_logits` must be a bool, received 'no'")
call("CCE-from_logits-str", lambda: losses.CategoricalCrossentropy(from_logits="yes"), TypeError,
     r"`from_logits` must be a bool, received 'yes'")
call("SCCE-from_logits-False-str", lambda: losses.SparseCategoricalCrossentropy(from_logits="False"), TypeError,
     r"`from_logits` must be a bool, received 'False'")
call("BCE-from_logits-int", lambda: losses.BinaryCrossentropy(from_logits=1), TypeError, r"`from_logits` must be a bool, received 1")
call("bce-from_logits-None", lambda: losses.binary_crossentropy(A23, P23, from_logits=None), TypeError,
     r"`from_logits` must be a bool, received None")
call("cce-label_smoothing-str", lambda: losses.categorical_crossentropy(np.eye(3)[:2], P23, label_smoothing="0.1"),
     ValueError, r"`label_smoothing` must be a number in \[0, 1\], received '0.1'")
call("CCE-label_smoothing-negative", lambda: losses.CategoricalCrossentropy(label_smoothing=-1), ValueError,
     r"`label_smoothing` .*received -1")
call("BCE-label_smoothing-2", lambda: losses.BinaryCrossentropy(label_smoothing=2.0), ValueError, r"`label_smoothing` .*received 2.0")
call("bce-label_smoothing-nan", lambda: losses.binary_crossentropy(A23, P23, label_smoothing=float("nan")), ValueError,
     r"`label_smoothing` .*received nan")
call("CCE-axis-0", lambda: losses.CategoricalCrossentropy(axis=0), ValueError, r"received axis=0")
call("loss-get-None", lambda: losses.get(None), ValueError, r"Could not interpret loss identifier: None")
call("loss-sample_weight-shape", lambda: losses.MeanSquaredError()(A23, A23, sample_weight=np.ones(5)), ValueError,
     r"`sample_weight` of shape \(5,\) does not broadcast to the losses' shape \(2,\)")
call("loss-sample_weight-complex", lambda: losses.MeanSquaredError()(A23, A23, sample_weight=np.ones(2, complex)),
     TypeError, r"`sample_weight` must be a real numeric.*complex128")
call("mse-nan-is-valid", lambda: losses.mean_squared_error(A23, np.full((2, 3), np.nan, np.float32)), VALID,
     same(np.full(2, np.nan, np.float32)))
call("mse-inf-is-valid", lambda: losses.mean_squared_error(np.zeros((1, 2)), np.array([[np.inf, 0]], np.float32)),
     VALID, same(np.array([np.inf], np.float32)))
call("mse-empty-batch", lambda: losses.MeanSquaredError()(E03, E03), VALID, shape_is((0,)))  # as Keras 3
call("mse-views", lambda: losses.mean_squared_error(V[::-1], V[:, ::-1]), VALID,
     close(((V[::-1].astype(np.float64) - V[:, ::-1]) ** 2).mean(-1)))
call("cce-views", lambda: losses.categorical_crossentropy(np.eye(5)[[0, 2, 4, 1, 3, 0]][::-1], softmax64(V[:, ::-1][:, :5]).astype(np.float32)[::-1]),
     VALID, close(-np.log(softmax64(V[:, ::-1][:, :5])[::-1][np.arange(6), [0, 3, 1, 4, 2, 0]])))

# =========================================================================================== metrics
call("metric-get-unknown", lambda: metrics.get("f1"), ValueError, r"Could not interpret metric identifier: 'f1'")
call("metric-get-int", lambda: metrics.get(5), ValueError, r"metric identifier: 5")
call("accuracy-shapes", lambda: metrics.Accuracy()(A23, A23.T), ValueError,
     r"`y_true` and `y_pred` must have compatible shapes, received \(2, 3\) and \(3, 2\)")
call("binary_accuracy-shapes", lambda: metrics.BinaryAccuracy()(A23, B34), ValueError, r"received \(2, 3\) and \(3, 4\)")
call("categorical_accuracy-classes", lambda: metrics.CategoricalAccuracy()(np.eye(3)[:2], f32(2, 4)), ValueError,
     r"same number of classes .*received shapes \(2, 3\) and \(2, 4\)")
call("sparse_categorical_accuracy-shapes", lambda: metrics.SparseCategoricalAccuracy()([0, 1, 2], P23), ValueError,
     r"labels of shape \(3,\) do not match predictions of shape \(2, 3\)")
call("BinaryAccuracy-threshold-str", lambda: metrics.BinaryAccuracy(threshold="0.5"), TypeError,
     r"`threshold` must be a number, received '0.5'")
call("Mean-complex", lambda: metrics.Mean()(np.ones(3, complex)), TypeError, r"`values` must be a real numeric.*complex128")
call("Mean-str", lambda: metrics.Mean()("abc"), TypeError, r"`values` must be .*str")
call("Mean-sample_weight-shape", lambda: metrics.Mean()(X6[:3], sample_weight=np.ones(4)), ValueError,
     r"`sample_weight` of shape \(4,\) does not broadcast to the values' shape \(3,\)")
call("Metric-dtype-complex", lambda: metrics.Mean(dtype="complex64"), TypeError,
     r"`dtype` of a metric must be a floating dtype, received 'complex64'")
call("Metric-dtype-nonsense", lambda: metrics.Mean(dtype="nope"), TypeError, r"`dtype` .*received 'nope'")
call("Mean-nan-is-valid", lambda: metrics.Mean()(np.array([1, np.nan], np.float32)), VALID, same(np.float32(np.nan)))
call("Mean-empty-is-valid", lambda: metrics.Mean()(np.zeros(0, np.float32)), VALID, same(np.float32(0)))
call("SparseCategoricalAccuracy-label-oob-is-valid", lambda: metrics.SparseCategoricalAccuracy()([0, 7], np.eye(3)[:2]),
     VALID, same(np.float32(0.5)))  # Keras compares argmax with the label; no range check
call("Accuracy-views", lambda: metrics.Accuracy()(V[::-1, ::2] > 0, (V[:, ::2] > 0)[::-1]), VALID, same(np.float32(1)))

# =========================================================================================== optimizers
VAR = lambda: fastnn.Variable(np.ones((2, 2), np.float32))  # noqa: E731
call("SGD-lr-negative", lambda: optimizers.SGD(-1.0), ValueError, r"`learning_rate` must be a non-negative number .*received -1.0")
call("SGD-lr-str", lambda: optimizers.SGD("0.1"), ValueError, r"`learning_rate` .*received '0.1'")
call("SGD-lr-nan", lambda: optimizers.SGD(float("nan")), ValueError, r"`learning_rate` .*received nan")
call("SGD-lr-inf", lambda: optimizers.SGD(float("inf")), ValueError, r"`learning_rate` .*received inf")
call("Adam-lr-None", lambda: optimizers.Adam(None), ValueError, r"`learning_rate` .*received None")
call("SGD-momentum-above-1", lambda: optimizers.SGD(momentum=1.5), ValueError, r"`momentum` .*received 1.5")
call("Adam-beta_1-negative", lambda: optimizers.Adam(beta_1=-0.1), ValueError, r"`beta_1` must be a number in \[0, 1\), received -0.1")
call("Adam-beta_2-above-1", lambda: optimizers.Adam(beta_2=1.5), ValueError, r"`beta_2` .*received 1.5")
call("Adam-beta_2-str", lambda: optimizers.Adam(beta_2="0.9"), ValueError, r"`beta_2` .*received '0.9'")
call("Adam-epsilon-negative", lambda: optimizers.Adam(epsilon=-1), ValueError, r"`epsilon` must be a non-negative number, received -1")
call("RMSprop-momentum-negative", lambda: optimizers.RMSprop(momentum=-1), ValueError, r"`momentum` .*received -1")
call("RMSprop-epsilon-str", lambda: optimizers.RMSprop(epsilon="1e-7"), ValueError, r"`epsilon` .*received '1e-7'")
call("optimizer-get-unknown", lambda: optimizers.get("adamz"), ValueError, r"Could not interpret optimizer identifier: 'adamz'")
call("optimizer-get-None", lambda: optimizers.get(None), ValueError, r"optimizer identifier: None")
call("optimizer-get-dict", lambda: optimizers.get({"class_name": "Nope"}), ValueError, r"optimizer config: \{'class_name': 'Nope'\}")
call("optimizer-weight_decay-negative", lambda: optimizers.Adam(weight_decay=-1), ValueError, r"`weight_decay` .*received -1")
call("optimizer-clipvalue-negative", lambda: optimizers.SGD(clipvalue=-1), ValueError, r"`clipvalue` must be a positive number or None, received -1")
call("optimizer-global_clipnorm-str", lambda: optimizers.SGD(global_clipnorm="1"), ValueError, r"`global_clipnorm` .*received '1'")
call("optimizer-unknown-kwarg", lambda: optimizers.SGD(momentun=0.1), ValueError, r"not recognized: \{'momentun': 0.1\}")
call("apply-mismatched-lists", lambda: optimizers.SGD().apply([np.ones((2, 2))], [VAR(), VAR()]), ValueError,
     r"got 1 gradients for 2 variables")
call("apply_gradients-grad-shape", lambda: optimizers.SGD().apply_gradients([(X6[:3], VAR())]), ValueError,
     r"gradient of shape \(3,\) does not match variable .* of shape \(2, 2\)")
call("apply_gradients-not-pairs", lambda: optimizers.SGD().apply_gradients([np.ones((2, 2))]), ValueError,
     r"`grads_and_vars` must hold \(gradient, variable\) pairs, received the element array")
call("apply_gradients-triples", lambda: optimizers.SGD().apply_gradients([(np.ones((2, 2)), VAR(), 1)]), ValueError,
     r"`grads_and_vars` must hold \(gradient, variable\) pairs, received the element \(array")
call("apply_gradients-not-iterable", lambda: optimizers.SGD().apply_gradients(5), TypeError,
     r"`grads_and_vars` must be an iterable of \(gradient, variable\) pairs, received 5")
call("apply_gradients-complex-grad", lambda: optimizers.SGD().apply_gradients([(CPLX[:, :2], VAR())]), TypeError,
     r"`grad` must be a real numeric.*complex64")
call("apply_gradients-array-var", lambda: optimizers.SGD().apply_gradients([(np.ones((2, 2)), np.ones((2, 2)))]),
     TypeError, r"optimizers update fastnn.Variable objects, received ndarray")
call("apply_gradients-all-None", lambda: optimizers.SGD().apply_gradients([(None, VAR())]), ValueError, r"No gradients provided")
call("schedule-decay_steps-0", lambda: optimizers.schedules.ExponentialDecay(0.1, decay_steps=0, decay_rate=0.9),
     ValueError, r"`decay_steps` must be a positive number, received 0")
call("schedule-initial-str", lambda: optimizers.schedules.ExponentialDecay("0.1", decay_steps=10, decay_rate=0.9),
     TypeError, r"`initial_learning_rate` must be a real number, received '0.1'")
call("schedule-decay_rate-None", lambda: optimizers.schedules.InverseTimeDecay(0.1, decay_steps=10, decay_rate=None),
     TypeError, r"`decay_rate` must be a real number, received None")
call("schedule-piecewise-lengths", lambda: optimizers.schedules.PiecewiseConstantDecay([1, 2], [0.1]), ValueError,
     r"one more element than `boundaries`, received 1 values and 2 boundaries")


def apply_view_grad():
    v = fastnn.Variable(np.zeros((4, 4), np.float32))
    g = V[:4, :4][::-1, ::-1]
    optimizers.SGD(0.5).apply_gradients([(g, v)])
    return v.numpy()


call("apply_gradients-negative-stride-grad", apply_view_grad, VALID, close(-0.5 * V[:4, :4][::-1, ::-1]))
call("apply_gradients-nan-grad-is-valid",
     lambda: (lambda v: (optimizers.SGD(0.1).apply_gradients([(np.full((2, 2), np.nan), v)]), v.numpy())[1])(VAR()),
     VALID, same(np.full((2, 2), np.nan, np.float32)))

# =========================================================================================== data
call("Dataset-batch-0", lambda: Dataset.from_tensor_slices(A23).batch(0), ValueError,
     r"`batch_size` must be a positive integer, received 0")
call("Dataset-batch-negative", lambda: Dataset.from_tensor_slices(A23).batch(-1), ValueError, r"`batch_size` .*received -1")
call("Dataset-batch-str", lambda: Dataset.from_tensor_slices(A23).batch("2"), ValueError, r"`batch_size` .*received '2'")
call("Dataset-batch-bool", lambda: Dataset.from_tensor_slices(A23).batch(True), ValueError, r"`batch_size` .*received True")
call("Dataset-slices-lengths", lambda: Dataset.from_tensor_slices((A23, X6)), ValueError,
     r"one first-axis length, received lengths \[2, 6\]")
call("Dataset-slices-dict-lengths", lambda: Dataset.from_tensor_slices({"a": A23, "b": X6}), ValueError, r"lengths \[2, 6\]")
call("Dataset-slices-scalar", lambda: Dataset.from_tensor_slices(np.float32(3)), ValueError,
     r"`tensors` must not hold scalars, received (np.float32\()?3.0")  # numpy 1 prints a scalar as 3.0
call("Dataset-slices-complex", lambda: Dataset.from_tensor_slices(CPLX), TypeError, r"`tensors` must be a real numeric.*complex64")
call("Dataset-shuffle-0", lambda: Dataset.from_tensor_slices(A23).shuffle(0), ValueError, r"`buffer_size` .*received 0")
call("Dataset-take-str", lambda: Dataset.from_tensor_slices(A23).take("2"), ValueError,
     r"`count` must be a non-negative integer or -1 \(all\), received '2'")
call("Dataset-take--2", lambda: Dataset.from_tensor_slices(A23).take(-2), ValueError, r"`count` .*received -2")
call("Dataset-repeat-str", lambda: Dataset.from_tensor_slices(A23).repeat("2"), ValueError, r"`count` .*received '2'")
call("Dataset-map-not-callable", lambda: Dataset.from_tensor_slices(A23).map(5), TypeError, r"`map_func` must be callable, received 5")
call("Dataset-from_generator-not-callable", lambda: Dataset.from_generator(5), TypeError, r"`generator` must be a callable .*received 5")
call("Dataset-take--1-is-all", lambda: [np.asarray(e) for e in Dataset.from_tensor_slices(X6).take(-1)], VALID,
     lambda r: np.testing.assert_array_equal(r, X6))
call("Dataset-repeat--1-is-forever", lambda: len(list(Dataset.from_tensor_slices(X6).repeat(-1).take(20))), VALID,
     lambda n: n == 20 or pytest.fail(n))
call("Dataset-empty-is-valid", lambda: list(Dataset.from_tensor_slices(E03).batch(2)), VALID, lambda r: r == [] or pytest.fail(r))
call("Dataset-negative-stride-slices", lambda: np.concatenate(list(Dataset.from_tensor_slices(V[::-1, ::-2]).batch(4))),
     VALID, same(V[::-1, ::-2]))

# =========================================================================================== datasets
IDX_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def garbage_mnist(tmp_path, gz):
    for name in IDX_NAMES:
        (tmp_path / (name + (".gz" if gz else ""))).write_bytes(b"\x1f\x8bgarbage" if gz else b"garbage")
    return fastnn.datasets.mnist.load_data(path=str(tmp_path))


call("mnist-missing-folder", lambda tmp_path: fastnn.datasets.mnist.load_data(path=str(tmp_path / "nope")),
     FileNotFoundError, r"`path` names '.*nope', which is not a folder")
call("mnist-path-is-file", lambda tmp_path: (tmp_path.joinpath("f").write_text("x"),
                                             fastnn.datasets.mnist.load_data(path=str(tmp_path / "f")))[1],
     FileNotFoundError, r"`path` names '.*f', which is not a folder")
call("mnist-empty-folder", lambda tmp_path: fastnn.datasets.mnist.load_data(path=str(tmp_path)), FileNotFoundError,
     r"MNIST file train-images-idx3-ubyte\(.gz\) not found in ")
call("mnist-garbage-gzip", lambda tmp_path: garbage_mnist(tmp_path, True), ValueError,
     r"train-images-idx3-ubyte.gz is not a valid gzip file")
call("mnist-garbage-raw", lambda tmp_path: garbage_mnist(tmp_path, False), ValueError,
     r"train-images-idx3-ubyte is not the MNIST file it is named after: 7 bytes, expected 47040016")
call("read_idx-empty", lambda: fastnn.datasets.mnist.read_idx(b""), ValueError, r"not an IDX file \(bad magic number\)")
call("read_idx-type", lambda: fastnn.datasets.mnist.read_idx(b"\x00\x00\x0d\x01\x00\x00\x00\x01" + bytes(4)), ValueError,
     r"unsupported IDX element type 0x0d")
call("read_idx-negative-dims", lambda: fastnn.datasets.mnist.read_idx(b"\x00\x00\x08\x02" + b"\xff" * 8 + b"\x00"),
     ValueError, r"negative dimensions \(-1, -1\)")
call("read_idx-product-wraps-int64", lambda: fastnn.datasets.mnist.read_idx(b"\x00\x00\x08\x04" + (2**16).to_bytes(4, "big") * 4),
     ValueError, rf"announces \(65536, 65536, 65536, 65536\) = {2**64} values but the file holds 0")
call("read_idx-huge", lambda: fastnn.datasets.mnist.read_idx(b"\x00\x00\x08\x02" + (2**31 - 1).to_bytes(4, "big") * 2),
     ValueError, r"announces \(2147483647, 2147483647\) = 4611686014132420609 values but the file holds 0")
call("digits-extra-argument", lambda: fastnn.datasets.digits.load_data("x"), TypeError, r"takes 0 positional arguments")
call("digits-is-valid", lambda: [a.shape for a in fastnn.datasets.digits.load_data()[1]], VALID,
     lambda s: s == [(360, 8, 8), (360,)] or pytest.fail(s))


# =========================================================================================== saving
def saved(tmp_path, name="m.npz"):
    path = tmp_path / name
    model().save(path)
    return path


call("load_model-missing", lambda tmp_path: fastnn.models.load_model(tmp_path / "nope.npz"), FileNotFoundError,
     r"no such file: '.*nope.npz'")
call("load_model-directory", lambda tmp_path: fastnn.models.load_model(tmp_path), IsADirectoryError,
     r"`filepath` '.*' is a directory, not a fastnn model file")
call("load_model-None", lambda: fastnn.models.load_model(None), TypeError, r"`filepath` must be a str or os.PathLike, received None")
call("load_model-text-file", lambda tmp_path: (tmp_path.joinpath("g.txt").write_text("hello"),
                                               fastnn.models.load_model(tmp_path / "g.txt"))[1],
     ValueError, r"File format not supported: filepath=.*g.txt\. fastnn supports `.keras` files")
call("load_model-weights-file", lambda tmp_path: (model().save_weights(tmp_path / "w.npz"),
                                                  fastnn.models.load_model(tmp_path / "w.npz"))[1],
     ValueError, r"'.*w.npz' is a fastnn weights file, not a model file")
call("load_weights-model-file", lambda tmp_path: model().load_weights(saved(tmp_path)), ValueError,
     r"'.*m.npz' is a fastnn model file, not a weights file")
call("load_weights-missing", lambda tmp_path: model().load_weights(tmp_path / "nope.npz"), FileNotFoundError, r"no such file")
call("load_weights-directory", lambda tmp_path: model().load_weights(tmp_path), IsADirectoryError, r"is a directory")
call("load_weights-h5-missing", lambda tmp_path: model().load_weights(tmp_path / "nope.weights.h5"), FileNotFoundError,
     r"no such file: '.*nope.weights.h5'")
call("load_weights-npz-named-h5", lambda tmp_path: (model().save_weights(tmp_path / "w.npz"),
                                                    os.replace(tmp_path / "w.npz", tmp_path / "w.weights.h5"),
                                                    model().load_weights(tmp_path / "w.weights.h5"))[2],
     ValueError, r"'.*w.weights.h5' is not a readable HDF5 weights file")
call("load_model-keras-zip", lambda tmp_path: (__import__("zipfile").ZipFile(tmp_path / "k.keras", "w").writestr("config.json", "{}"),
                                               fastnn.models.load_model(tmp_path / "k.keras"))[1],
     ValueError, r"'.*k.keras' has a damaged config.json: expected a Keras model config")
call("save-to-directory", lambda tmp_path: model().save(tmp_path), IsADirectoryError, r"cannot write '.*': it is a directory")
call("save_weights-to-directory", lambda tmp_path: model().save_weights(tmp_path), IsADirectoryError, r"it is a directory")
call("save-missing-folder", lambda tmp_path: model().save(tmp_path / "nodir" / "m.npz"), FileNotFoundError,
     r"cannot write '.*m.npz': the folder '.*nodir' does not exist")
call("save-filepath-int", lambda: model().save(3), TypeError, r"`filepath` must be a str or os.PathLike, received 3")
call("save-no-overwrite", lambda tmp_path: model().save(saved(tmp_path), overwrite=False), FileExistsError,
     r"'.*m.npz' exists and overwrite=False")
call("save-unbuilt", lambda tmp_path: fastnn.Sequential([layers.Dense(2)]).save(tmp_path / "u.npz"), ValueError,
     r"is not built yet")
call("save-any-extension-roundtrips", lambda tmp_path: fastnn.models.load_model(saved(tmp_path, "m.keras")).get_weights()[1],
     VALID, shape_is((4,)))  # fastnn's format is .npz whatever the name; the content marker decides


# --- silent wrong results: layer dtypes, labels int64 cannot hold, checkpoint folders (issue 13)
call("Dense-dtype-int32", lambda: layers.Dense(4, dtype="int32"), ValueError,
     r"Layer Dense needs a floating-point dtype .*Received: dtype='int32'")
call("Conv2D-dtype-bool", lambda: layers.Conv2D(2, 3, dtype=bool), ValueError,
     r"Layer Conv2D needs a floating-point dtype .*Received: dtype=<class 'bool'>")
call("Layer-dtype-uint8", lambda: layers.Layer(dtype=np.uint8), ValueError, r"floating-point dtype .*dtype=<class 'numpy.uint8'>")
call("Dense-dtype-unknown", lambda: layers.Dense(4, dtype="floaty"), TypeError,
     r"Invalid dtype for layer Dense: .*Received: dtype='floaty'")
call("Dense-dtype-float64-is-valid", lambda: layers.Dense(4, dtype="float64").dtype, VALID, same("float64"))
op("sparse-xent-uint64-max-label", ops.sparse_softmax_cross_entropy_with_logits, np.array([1, 2**64 - 1], np.uint64),
   A23, expect=ValueError, match=r"^Received a label value of 18446744073709551615 which is outside the valid range of \[0, 3\)\.$")
op("sparse-xent-uint64-2**63-label", ops.sparse_softmax_cross_entropy_with_logits, np.array([2**63, 0], np.uint64),
   A23, expect=ValueError, match=r"label value of 9223372036854775808 which is outside the valid range of \[0, 3\)")
op("sparse-xent-float-2**64-label", ops.sparse_softmax_cross_entropy_with_logits, np.array([0.0, -2.0**64]), A23,
   expect=ValueError, match=r"label value of -18446744073709551616 which is outside the valid range of \[0, 3\)")
op("sparse-xent-uint64-small-is-valid", ops.sparse_softmax_cross_entropy_with_logits, np.array([2, 0], np.uint64), A23,
   expect=VALID, match=shape_is((2,)))
call("scce-loss-uint64-max-label",
     lambda: losses.SparseCategoricalCrossentropy()(np.array([2**64 - 1, 0], np.uint64), np.full((2, 3), 1 / 3, np.float32)),
     ValueError, r"label value of 18446744073709551615 which is outside the valid range of \[0, 3\)")
call("fit-uint64-max-label", lambda: fit(y=np.where(Y == 2, np.uint64(2**64 - 1), Y.astype(np.uint64))), ValueError,
     r"label value of 18446744073709551615 which is outside the valid range of \[0, 3\)")
call("sparse_categorical_accuracy-uint64-max-label-misses",
     lambda: metrics.sparse_categorical_accuracy(np.array([2**64 - 1, 1], np.uint64), np.eye(3, dtype=np.float32)[[2, 1]]),
     VALID, same(np.array([0.0, 1.0], np.float32)))
call("distributed-set_timeout-negative", lambda: fastnn.distributed.set_timeout(-5), ValueError,
     r"`seconds` must be a non-negative number of seconds or None, received -5")
call("ModelCheckpoint-folder-is-a-file",
     lambda tmp_path: [(tmp_path / "f").write_text(""),
                       fit(callbacks=[fastnn.callbacks.ModelCheckpoint(tmp_path / "f" / "c.npz")])],
     FileExistsError, r"File exists: '.*f'")

# --- saved files: destinations and untrusted content (issue 13)
def dest_fifo(tmp_path, name="p.npz"):
    os.mkfifo(tmp_path / name)
    return tmp_path / name


def dest_socket(tmp_path):
    import socket
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(tmp_path / "s.npz"))  # the socket file stays after close
    return tmp_path / "s.npz"


def crafted_npz(tmp_path, kind="model", **members):
    np.savez(tmp_path / "x.npz", __fastnn__=np.frombuffer(kind.encode(), np.uint8), **members)
    return tmp_path / "x.npz"


def crafted_config(tmp_path, config):
    arrays = dict(np.load(saved(tmp_path), allow_pickle=False))
    arrays["__config__"] = np.frombuffer(config.encode(), np.uint8)
    np.savez(tmp_path / "c.npz", **arrays)
    return tmp_path / "c.npz"


call("save-onto-fifo", lambda tmp_path: model().save(dest_fifo(tmp_path)), ValueError,
     r"cannot write '.*p.npz': it is a FIFO \(named pipe\), not a regular file; nothing was written")
call("save_weights-onto-fifo-h5", lambda tmp_path: model().save_weights(dest_fifo(tmp_path, "p.weights.h5")), ValueError,
     r"cannot write '.*p.weights.h5': it is a FIFO \(named pipe\)")
call("save-onto-socket", lambda tmp_path: model().save(dest_socket(tmp_path)), ValueError,
     r"cannot write '.*s.npz': it is a socket, not a regular file")
call("load_model-fifo", lambda tmp_path: fastnn.models.load_model(dest_fifo(tmp_path)), ValueError,
     r"`filepath` '.*p.npz' is a FIFO \(named pipe\), not a regular file: refusing to read it")
call("load_weights-fifo-h5", lambda tmp_path: model().load_weights(dest_fifo(tmp_path, "p.weights.h5")), ValueError,
     r"`filepath` '.*p.weights.h5' is a FIFO")
call("save-dangling-symlink-missing-folder", lambda tmp_path: (os.symlink(tmp_path / "no" / "t.npz", tmp_path / "l.npz"),
                                                              model().save(tmp_path / "l.npz"))[1],
     FileNotFoundError, r"cannot write '.*l.npz': the folder '.*no' does not exist")
call("save-through-symlink-roundtrips", lambda tmp_path: (os.symlink(tmp_path / "t.npz", tmp_path / "l.npz"),
                                                          model().save(tmp_path / "l.npz"),
                                                          fastnn.models.load_model(tmp_path / "t.npz").get_weights()[1])[2],
     VALID, shape_is((4,)))
call("load_model-extra-member", lambda tmp_path: fastnn.models.load_model(crafted_npz(tmp_path, evil=np.zeros(2))), ValueError,
     r"'.*x.npz' holds an unexpected member 'evil.npy'")
call("load_weights-weight-gap", lambda tmp_path: model().load_weights(
         crafted_npz(tmp_path, "weights", weight_000=np.zeros((5, 4)), weight_002=np.zeros(4))), ValueError,
     r"'.*x.npz' has damaged weight names: expected weight_000 ... in order without gaps")
call("load_weights-object-array", lambda tmp_path: model().load_weights(
         crafted_npz(tmp_path, "weights", weight_000=np.array([None], dtype=object))), ValueError,
     r"member 'weight_000' holds dtype object")
call("load_weights-too-few-weights", lambda tmp_path: model().load_weights(
         crafted_npz(tmp_path, "weights", weight_000=np.zeros((5, 3)))), ValueError,
     r"'.*x.npz' holds 1 weights, but model '.*' has 4")
call("load_model-config-list", lambda tmp_path: fastnn.models.load_model(crafted_config(tmp_path, "[1]")), ValueError,
     r"'.*c.npz' has a damaged model config: expected a JSON object, found a list")
call("load_model-config-unknown-class", lambda tmp_path: fastnn.models.load_model(
         crafted_config(tmp_path, '{"class_name": "system", "config": {}}')), ValueError,
     r"'.*c.npz': cannot rebuild the model from its saved config \(ValueError: Unknown object 'system'")

# --- crash resistance: thread counts and impossible convolution sizes (issue 13)
def threads_after(n):
    """get_num_threads() after set_num_threads(n); the default is restored either way."""
    try:
        fastnn.set_num_threads(n)
        return fastnn.get_num_threads()
    finally:
        fastnn.set_num_threads(None)


def is_max_threads(result):
    assert result == fastnn._core.max_threads(), result


call("set_num_threads-zero", lambda: fastnn.set_num_threads(0), ValueError,
     r"set_num_threads expects a positive int \(or None for the default\)\. Received: n=0")
call("set_num_threads-negative", lambda: fastnn.set_num_threads(-1), ValueError, r"Received: n=-1")
call("set_num_threads-str", lambda: fastnn.set_num_threads("2"), TypeError,
     r"set_num_threads expects an int or None, received '2'")
call("set_num_threads-bool", lambda: fastnn.set_num_threads(True), TypeError, r"received True")
call("set_num_threads-float", lambda: fastnn.set_num_threads(2.0), TypeError, r"received 2\.0")
call("set_num_threads-4096-capped", lambda: threads_after(4096), VALID, is_max_threads)  # RuntimeWarning
call("set_num_threads-2**70-capped", lambda: threads_after(2**70), VALID, is_max_threads)
CONV_TOO_BIG = r"needs .* of scratch .*more than this machine's .* of memory.*Received: dilations=\(100000, 100000\)"
op("Conv2D-dilation_rate-huge", lambda x: layers.Conv2D(8, 3, padding="same", dilation_rate=100000)(x),
   f32(64, 8, 8, 8), expect=ValueError,
   match=r"needs [\d.]+ TiB of scratch .*`dilation_rate`.*Received: dilations=\(100000, 100000\), padding='same'")
op("conv2d-dilations-huge-same", ops.conv2d, IMG, KER, padding="SAME", dilations=100000, expect=ValueError,
   match=CONV_TOO_BIG)
op("conv2d_backprop_input-dilations-huge", fastnn.kernels.conv2d_backprop_input, [2, 6, 6, 3], KER, f32(2, 6, 6, 4),
   strides=1, padding="SAME", dilations=100000, expect=ValueError, match=CONV_TOO_BIG)
op("conv2d_backprop_filter-filter_sizes-huge", fastnn.kernels.conv2d_backprop_filter, IMG, [20000, 20000, 3, 4],
   f32(2, 6, 6, 4), strides=1, padding="SAME", expect=ValueError, match=r"needs .* of scratch.*filters 20000x20000x3x4")


# --- losses and metrics: arguments and inputs (issue 16 item 6)
def lm_metric_after(metric, *updates):
    for args in updates:
        metric.update_state(*args)
    return metric.result()


def lm_finite(result):
    assert np.all(np.isfinite(np.asarray(result))), result


call("lm-huber-delta-zero", lambda: losses.Huber(delta=0), ValueError, r"`delta` must be > 0. Received: delta=0")
call("lm-huber-delta-str", lambda: losses.Huber(delta="1"), TypeError, r"Received: delta='1'")
call("lm-huber-delta-nan", lambda: losses.huber(f32(2, 3), f32(2, 3), delta=float("nan")), TypeError,
     r"Received: delta=nan")
call("lm-focal-gamma-negative", lambda: losses.BinaryFocalCrossentropy(gamma=-1.0), ValueError,
     r"Received: gamma=-1.0")
call("lm-focal-balancing-str", lambda: losses.BinaryFocalCrossentropy(apply_class_balancing="yes"), TypeError,
     r"Received: apply_class_balancing='yes'")
call("lm-focal-alpha-none", lambda: losses.CategoricalFocalCrossentropy(alpha=None), TypeError,
     r"Received: alpha=None")
call("lm-focal-axis", lambda: losses.CategoricalFocalCrossentropy(axis=0), ValueError, r"Received: axis=0")
call("lm-focal-from-logits-str", lambda: losses.binary_focal_crossentropy(f32(2, 3), f32(2, 3), from_logits="no"),
     TypeError, r"`from_logits` must be a bool, received 'no'")
call("lm-cosine-axis-float", lambda: losses.CosineSimilarity(axis=1.0), TypeError, r"Received: axis=1.0")
call("lm-cosine-axis-range", lambda: losses.cosine_similarity(f32(2, 3), f32(2, 3), axis=2), ValueError,
     r"Received: axis=2")
call("lm-hinge-reduction", lambda: losses.Hinge(reduction="avg"), ValueError, r"Received: reduction='avg'")
op("lm-poisson-shapes", losses.poisson, f32(2, 3), f32(2, 4), expect=ValueError, match=r"\(2, 3\) and \(2, 4\)")
op("lm-mape-rank0", losses.mean_absolute_percentage_error, np.float32(1), np.float32(2), expect=ValueError,
   match=r"rank >= 1")
op("lm-kld-weights-shape", losses.KLDivergence(), f32(4, 3), f32(4, 3), sample_weight=np.ones(5, np.float32),
   expect=ValueError, match=r"`sample_weight` of shape \(5,\)")
op("lm-log-cosh-nan", losses.log_cosh, np.array([[np.nan, 1.0]], np.float32), np.zeros((1, 2), np.float32),
   expect=VALID, match=lambda r: np.testing.assert_array_equal(np.isnan(r.numpy()), [True]))
call("lm-get-loss-unknown", lambda: losses.get("maee"), ValueError, r"Could not interpret loss identifier: 'maee'")
call("lm-get-metric-unknown", lambda: metrics.get("aucc"), ValueError,
     r"Could not interpret metric identifier: 'aucc'")
call("lm-topk-k-zero", lambda: metrics.TopKCategoricalAccuracy(k=0), ValueError, r"Received: k=0")
call("lm-topk-sorted-ids-str", lambda: metrics.SparseTopKCategoricalAccuracy(from_sorted_ids="no"), TypeError,
     r"Received: from_sorted_ids='no'")
call("lm-sparse-topk-label-range", lambda: metrics.SparseTopKCategoricalAccuracy().update_state([0, 7],
     f32(2, 4)), ValueError, r"class ids in \[0, 4\)")
call("lm-precision-threshold-range", lambda: metrics.Precision(thresholds=1.5), ValueError,
     r"Received: thresholds=1.5")
call("lm-precision-top-k-zero", lambda: metrics.Precision(top_k=0), ValueError, r"Received: top_k=0")
call("lm-recall-class-id-1d", lambda: metrics.Recall(class_id=1).update_state([0, 1], [0.2, 0.9]), ValueError,
     r"found shape: \(2,\)")
call("lm-precision-shapes", lambda: metrics.Precision().update_state(np.ones((2, 3)), np.ones((2, 4))), ValueError,
     r"\(2, 3\) and \(2, 4\)")
call("lm-auc-curve", lambda: metrics.AUC(curve="roc"), ValueError, r"Received: curve='roc'")
call("lm-auc-summation", lambda: metrics.AUC(summation_method="trapezoid"), ValueError,
     r"Received: summation_method='trapezoid'")
call("lm-auc-num-thresholds", lambda: metrics.AUC(num_thresholds=1), ValueError, r"Received: num_thresholds=1")
call("lm-auc-num-labels-single", lambda: metrics.AUC(num_labels=3), ValueError, r"only when `multi_label` is True")
call("lm-auc-multi-label-rank", lambda: metrics.AUC(multi_label=True).update_state([0, 1], [0.3, 0.6]), ValueError,
     r"rank 2 when `multi_label=True`. Found rank 1")
call("lm-auc-nan-predictions", lambda: lm_metric_after(metrics.AUC(), ([0, 1, 1], [np.nan, 0.7, 0.2])), VALID,
     lm_finite)
call("lm-f1-average", lambda: metrics.F1Score(average="mean"), ValueError, r"Received: average='mean'")
call("lm-f1-threshold-int", lambda: metrics.F1Score(threshold=1), ValueError, r"Received: threshold=1 ")
call("lm-fbeta-beta-zero", lambda: metrics.FBetaScore(beta=0.0), ValueError, r"Received: beta=0.0")
call("lm-f1-rank1", lambda: metrics.F1Score().update_state([0, 1], [0.2, 0.7]), ValueError,
     r"expects 2D inputs.*y_pred.shape=\(2,\)")
call("lm-r2-aggregation", lambda: metrics.R2Score(class_aggregation="mean"), ValueError,
     r"Received: class_aggregation='mean'")
call("lm-r2-regressors", lambda: metrics.R2Score(num_regressors=-1), ValueError, r"Received: num_regressors=-1")
call("lm-meaniou-num-classes", lambda: metrics.MeanIoU(num_classes=0), ValueError, r"Received: num_classes=0")
call("lm-meaniou-weights", lambda: metrics.MeanIoU(num_classes=2).update_state([0, 1, 1], [0, 1, 0],
     sample_weight=[1, 2]), ValueError, r"`sample_weight` of shape \(2,\)")
call("lm-meaniou-out-of-range-ignored", lambda: lm_metric_after(metrics.MeanIoU(num_classes=2),
     ([0, 1, 5], [0, 1, -1])), VALID, lambda r: np.testing.assert_allclose(r.numpy(), 1.0, rtol=1e-6))
call("lm-bce-metric-smoothing", lambda: metrics.BinaryCrossentropy(label_smoothing=2), ValueError,
     r"`label_smoothing` must be a number in \[0, 1\], received 2")
call("lm-empty-batch-rmse", lambda: lm_metric_after(metrics.RootMeanSquaredError(),
     (np.zeros((0, 3), np.float32), np.zeros((0, 3), np.float32))), VALID,
     lambda r: np.testing.assert_array_equal(r.numpy(), 0.0))

# --- new optimizers (issue 16)
call("AdamW-weight_decay-None", lambda: optimizers.AdamW(weight_decay=None), ValueError,
     r"Argument `weight_decay` must be a float. Received: weight_decay=None")
call("AdamW-weight_decay-str", lambda: optimizers.AdamW(weight_decay="0.1"), ValueError, r"`weight_decay` .*received '0.1'")
call("Adagrad-initial_accumulator_value-negative", lambda: optimizers.Adagrad(initial_accumulator_value=-1), ValueError,
     r"`initial_accumulator_value` must be a number in \[0, inf\). Received: initial_accumulator_value=-1")
call("Adagrad-epsilon-str", lambda: optimizers.Adagrad(epsilon="1e-7"), ValueError, r"Received: epsilon='1e-7'")
call("Nadam-beta_1-one", lambda: optimizers.Nadam(beta_1=1), ValueError, r"`beta_1` must be a number in \[0, 1\). Received: beta_1=1")
call("Nadam-beta_2-nan", lambda: optimizers.Nadam(beta_2=float("nan")), ValueError, r"Received: beta_2=nan")
call("Adamax-beta_2-negative", lambda: optimizers.Adamax(beta_2=-0.5), ValueError, r"Received: beta_2=-0.5")
call("Adamax-epsilon-bool", lambda: optimizers.Adamax(epsilon=True), ValueError, r"Received: epsilon=True")
call("Lion-beta_1-zero", lambda: optimizers.Lion(beta_1=0.0), ValueError,
     r"Argument `beta_1` must be in the \[0, 1\] range. Otherwise, the optimizer degenerates to SignSGD. Received: beta_1=0.0")
call("Lion-beta_2-above-1", lambda: optimizers.Lion(beta_2=1.01), ValueError, r"Received: beta_2=1.01")
call("Adadelta-rho-above-1", lambda: optimizers.Adadelta(rho=1.5), ValueError, r"`rho` must be a number in \[0, 1\]. Received: rho=1.5")
call("Adadelta-lr-negative", lambda: optimizers.Adadelta(learning_rate=-1), ValueError, r"`learning_rate` .*received -1")
call("Nadam-unknown-kwarg", lambda: optimizers.Nadam(rho=0.1), ValueError, r"not recognized: \{'rho': 0.1\}")
call("Lion-grad-shape", lambda: optimizers.Lion().apply_gradients([(X6[:3], VAR())]), ValueError, r"does not match variable")
call("Adagrad-grad-str", lambda: optimizers.Adagrad().apply_gradients([("x", VAR())]), (TypeError, ValueError), r"grad")
call("CosineDecay-decay_steps-zero", lambda: optimizers.schedules.CosineDecay(0.1, 0), ValueError,
     r"Argument `decay_steps` must be > 0. Received: decay_steps=0")
call("CosineDecay-warmup_steps-negative", lambda: optimizers.schedules.CosineDecay(0.1, 5, warmup_steps=-2), ValueError,
     r"Argument `warmup_steps` must be >= 0. Received: warmup_steps=-2")
call("CosineDecayRestarts-first_decay_steps-str", lambda: optimizers.schedules.CosineDecayRestarts(0.1, "9"), ValueError,
     r"Received: first_decay_steps='9'")
call("PolynomialDecay-power-str", lambda: optimizers.schedules.PolynomialDecay(0.1, 9, power="2"), TypeError,
     r"`power` must be a real number, received '2'")
call("Adam-ema_momentum-above-1", lambda: optimizers.Adam(use_ema=True, ema_momentum=2), ValueError,
     r"`ema_momentum` must be in the range \[0, 1\]. Received: ema_momentum=2")
call("SGD-ema_overwrite_frequency-zero-is-None", lambda: optimizers.SGD(use_ema=True, ema_overwrite_frequency=0).use_ema,
     VALID, same(True))  # Keras treats a falsy frequency as "never overwrite"
call("SGD-ema_overwrite_frequency-float", lambda: optimizers.SGD(use_ema=True, ema_overwrite_frequency=2.5), ValueError,
     r"`ema_overwrite_frequency` must be an integer >= 1 or None. Received: ema_overwrite_frequency=2.5")
call("Adam-gradient_accumulation_steps-one", lambda: optimizers.Adam(gradient_accumulation_steps=1), ValueError,
     r"`gradient_accumulation_steps` must be an integer >= 2. Received: gradient_accumulation_steps=1")
call("Adam-gradient_accumulation_steps-str", lambda: optimizers.Adam(gradient_accumulation_steps="2"), ValueError,
     r"Received: gradient_accumulation_steps='2'")
call("get-adamw-is-valid", lambda: type(optimizers.get("AdamW")).__name__, VALID, same("AdamW"))


# --- Model semantics, tf.Module, names and dtypes, datasets, Progbar (issue 15)
def _two_in_two_out(compile_kwargs=None):
    a, b = fastnn.Input((2,), name="a"), fastnn.Input((3,), name="b")
    h = layers.Concatenate()([a, b])
    model = fastnn.Model([a, b], [layers.Dense(1, name="o1")(h), layers.Dense(2, name="o2")(h)])
    if compile_kwargs is not None:
        model.compile("sgd", **compile_kwargs)
    return model


_XA, _XB, _Y1, _Y2 = f32(4, 2), f32(4, 3), f32(4, 1), f32(4, 2)
call("compile-loss-list-length", lambda: _two_in_two_out({"loss": ["mse"]}), ValueError,
     r"`loss` must have one entry per output \(2: \['o1', 'o2'\]\)")
call("compile-loss-dict-unknown-output", lambda: _two_in_two_out({"loss": {"o3": "mse"}}), ValueError,
     r"\['o3'\] are not. Received: loss=\{'o3': 'mse'\}")
call("compile-loss_weights-str", lambda: _two_in_two_out({"loss": "mse", "loss_weights": ["a", 1.0]}), TypeError,
     r"`loss_weights` must be numbers, received 'a'")
call("compile-flat-metrics-multi-output", lambda: _two_in_two_out({"loss": "mse", "metrics": ["mae"]}), ValueError,
     r"`metrics` must have one entry per output")
call("compile-loss_weights-list-single-output",
     lambda: fastnn.Sequential([layers.Dense(1)]).compile("sgd", "mse", loss_weights=[1.0, 2.0]), ValueError,
     r"single-output model must be a number. Received: loss_weights=\[1.0, 2.0\]")
call("fit-x-dict-wrong-keys", lambda: _two_in_two_out({"loss": "mse"}).fit({"a": _XA, "c": _XB}, [_Y1, _Y2],
                                                                           verbose=0), ValueError,
     r"expects inputs keyed by \['a', 'b'\], received keys \['a', 'c'\]")
call("fit-y-not-per-output", lambda: _two_in_two_out({"loss": "mse"}).fit([_XA, _XB], _Y1, verbose=0), ValueError,
     r"`y` must be a list of 2 arrays or a dict keyed by output names, received ndarray")
call("fit-y-dict-missing-output", lambda: _two_in_two_out({"loss": "mse"}).fit([_XA, _XB], {"o1": _Y1},
                                                                              verbose=0), ValueError,
     r"`y` must have an entry for every output \['o1', 'o2'\]; missing \['o2'\]")
call("fit-inputs-disagree-on-samples", lambda: _two_in_two_out({"loss": "mse"}).fit([_XA, _XB[:2]], [_Y1, _Y2],
                                                                                     verbose=0), ValueError,
     r"All arrays in `x` must have the same number of samples, received \[4, 2\]")
call("fit-class_weight-multi-output", lambda: _two_in_two_out({"loss": "mse"}).fit(
    [_XA, _XB], [_Y1, _Y2], class_weight={0: 2.0}, verbose=0), ValueError, r"only supported for models with a single")
call("predict-wrong-input-count", lambda: _two_in_two_out().predict([_XA], verbose=0), ValueError,
     r"has 2 inputs \['a', 'b'\]: pass a list")
call("get_layer-neither", lambda: _two_in_two_out().get_layer(), ValueError, r"Provide either a layer name or")
call("get_layer-both", lambda: _two_in_two_out().get_layer("o1", 0), ValueError,
     r"Provide only a layer name or a layer index. Received: index=0, name=o1")
call("get_layer-unknown-name", lambda: _two_in_two_out().get_layer("nope"), ValueError, r"No such layer: nope")
call("get_layer-index-out-of-range", lambda: _two_in_two_out().get_layer(index=7), ValueError,
     r"index 7 but model only has 5 layers")
call("get_layer-index-str", lambda: _two_in_two_out().get_layer(index="1"), TypeError,
     r"`index` must be an integer. Received: index='1'")
call("optimizer-lr-and-learning_rate", lambda: optimizers.SGD(lr=0.1, learning_rate=0.2), TypeError,
     r"both `lr` and `learning_rate`.*Received: lr=0.1")
call("optimizer-negative-decay", lambda: optimizers.RMSprop(decay=-0.5), ValueError,
     r"`decay` must be a non-negative number. Received: decay=-0.5")
call("optimizer-decay-str", lambda: optimizers.Adam(decay="0.1"), ValueError, r"Received: decay='0.1'")
call("Module-bad-name", lambda: fastnn.Module(name="has space"), ValueError,
     r"not a valid module name.*Received: name='has space'")
call("Module-name-int", lambda: fastnn.Module(name=3), ValueError, r"Received: name=3")
call("name_scope-name-int", lambda: fastnn.name_scope(3), TypeError, r"`name` must be a string. Received: name=3")
call("op-name-int", lambda: fastnn.add(1.0, 2.0, name=5), TypeError, r"`name` must be a string or None. Received: name=5")
call("constant-name-list", lambda: fastnn.constant([1.0], name=["c"]), TypeError, r"Received: name=\['c'\]")
call("as_dtype-unknown", lambda: fastnn.as_dtype("float33"), TypeError,
     r"Cannot convert 'float33' to a dtype. Received: dtype='float33'")
call("as_dtype-tf-like-is-valid", lambda: fastnn.as_dtype(fastnn.int32).name, VALID, same("int32"))
call("cifar100-label_mode", lambda: fastnn.datasets.cifar100.load_data(label_mode="medium"), ValueError,
     r"`label_mode` must be one of .*Received: label_mode='medium'")
call("boston-test_split-one", lambda: fastnn.datasets.boston_housing.load_data(test_split=1.0), ValueError,
     r"`test_split` must be in \[0, 1\). Received: test_split=1.0")
call("boston-seed-float", lambda: fastnn.datasets.boston_housing.load_data(seed=1.5), TypeError,
     r"`seed` must be an integer. Received: seed=1.5")
call("boston-path-int", lambda: fastnn.datasets.boston_housing.load_data(path=3), TypeError, r"Received: path=3")
call("fashion_mnist-path-missing-files", lambda tmp: fastnn.datasets.fashion_mnist.load_data(path=str(tmp)),
     FileNotFoundError, r"holds no train-labels-idx1-ubyte.gz")
call("cifar10-path-not-there", lambda tmp: fastnn.datasets.cifar10.load_data(path=str(tmp / "none.tar.gz")),
     FileNotFoundError, r"is neither a CIFAR archive nor a folder")
call("cifar10-archive-bad-checksum", lambda tmp: (tmp / "c.tar.gz").write_bytes(b"x")
     and fastnn.datasets.cifar10.load_data(path=str(tmp / "c.tar.gz")), ValueError,
     r"is not the published cifar-10-python.tar.gz: SHA-256")
call("Progbar-both-metric-lists", lambda: fastnn.utils.Progbar(3, stateful_metrics=["a"], stateless_metrics=[]),
     ValueError, r"Only one of `stateful_metrics` or `stateless_metrics`")
call("Progbar-negative-target", lambda: fastnn.utils.Progbar(-2), ValueError, r"Received: target=-2")
call("Progbar-verbose-3", lambda: fastnn.utils.Progbar(2, verbose=3), ValueError, r"Received: verbose=3")

# --- convolution family: Conv2DTranspose, Conv1D, DepthwiseConv2D, SeparableConv2D, padding/cropping/upsampling,
# 1-D and global pooling, and their ops (issue 16)
op("conv2d_transpose-output_shape-str", ops.conv2d_transpose, f32(1, 3, 3, 2), f32(3, 3, 4, 2), "1,5,5,4", 1,
   expect=ValueError, match=r"`output_shape` must be 4 non-negative ints.*'1,5,5,4'")
op("conv2d_transpose-channels-mismatch", ops.conv2d_transpose, f32(1, 3, 3, 2), f32(3, 3, 4, 2), [1, 5, 5, 3], 1,
   expect=ValueError, match=r"`output_shape` \[1, 5, 5, 3\].*disagree")
op("conv2d_transpose-output_shape-inconsistent", ops.conv2d_transpose, f32(1, 3, 3, 2), f32(3, 3, 4, 2),
   [1, 9, 9, 4], 1, "VALID", expect=ValueError, match=r"`output_shape` \[1, 9, 9, 4\] does not map back .*\(7, 7\)")
op("conv2d_transpose-valid", ops.conv2d_transpose, f32(1, 3, 3, 2), f32(3, 3, 4, 2), [1, 5, 5, 4], 1, "VALID",
   expect=VALID, match=shape_is((1, 5, 5, 4)))
op("conv1d-stride-zero", ops.conv1d, f32(1, 8, 2), f32(3, 2, 4), 0, "VALID", expect=ValueError,
   match=r"`stride` must be a positive int, received 0")
op("conv1d-input-2d", ops.conv1d, f32(8, 2), f32(3, 2, 4), 1, "VALID", expect=ValueError,
   match=r"`input` and `filters` must be 3-D, received shapes \(8, 2\)")
op("conv1d-data_format-NCW", ops.conv1d, f32(1, 8, 2), f32(3, 2, 4), 1, "VALID", data_format="NCW",
   expect=ValueError, match=r"`data_format` must be 'NWC'.*'NCW'")
op("depthwise_conv2d-channels-mismatch", ops.depthwise_conv2d, f32(1, 5, 5, 3), f32(3, 3, 2, 1), 1, "VALID",
   expect=ValueError, match=r"`filter` \[KH, KW, C, multiplier\].*\(3, 3, 2, 1\)")
op("depthwise_conv2d-padding-full", ops.depthwise_conv2d, f32(1, 5, 5, 3), f32(3, 3, 3, 1), 1, "FULL",
   expect=ValueError, match=r"`padding` must be 'VALID' or 'SAME', received 'FULL'")
op("depthwise_conv2d-bool-input", ops.depthwise_conv2d, np.ones((1, 3, 3, 1), bool), f32(1, 1, 1, 1), 1, "VALID",
   expect=VALID, match=same(np.ones((1, 3, 3, 1), np.float32) * f32(1, 1, 1, 1)[0, 0, 0, 0]))
op("depthwise_conv2d-nan-propagates", ops.depthwise_conv2d, np.full((1, 2, 2, 1), np.nan, np.float32),
   np.ones((1, 1, 1, 1), np.float32), 1, "VALID", expect=VALID, match=same(np.full((1, 2, 2, 1), np.nan)))
op("separable_conv2d-pointwise-mismatch", ops.separable_conv2d, f32(1, 5, 5, 3), f32(3, 3, 3, 2), f32(1, 1, 5, 4),
   1, "VALID", expect=ValueError, match=r"input depth must equal filter depth")
op("max_pool1d-ksize-zero", ops.max_pool1d, f32(1, 8, 2), 0, 1, "VALID", expect=ValueError,
   match=r"`ksize` must be a positive int, received 0")
op("avg_pool1d-input-4d", ops.avg_pool1d, f32(1, 1, 8, 2), 2, 2, "VALID", expect=ValueError,
   match=r"`input` must be 3-D \(N, W, C\), received shape \(1, 1, 8, 2\)")
call("Conv2DTranspose-output_padding-ge-strides", lambda: layers.Conv2DTranspose(2, 3, strides=2, output_padding=2),
     ValueError, r"Received: output_padding=\(2, 2\), strides=\(2, 2\)")
call("Conv2DTranspose-output_padding-str", lambda: layers.Conv2DTranspose(2, 3, output_padding="1"), ValueError,
     r"Received: output_padding='1'")
call("Conv2DTranspose-strides-and-dilation", lambda: layers.Conv2DTranspose(2, 3, strides=2, dilation_rate=2),
     ValueError, r"Received: strides=\(2, 2\) and dilation_rate=\(2, 2\)")
call("Conv2DTranspose-filters-zero", lambda: layers.Conv2DTranspose(0, 3), ValueError, r"Received: filters=0")
call("Conv2DTranspose-input-3d", lambda: layers.Conv2DTranspose(2, 3)(f32(4, 4, 1)), ValueError,
     r"expects inputs \(batch, height, width, channels\), received shape \(4, 4, 1\)")
call("Conv1D-padding-full", lambda: layers.Conv1D(2, 3, padding="full"), ValueError, r"Received: padding='full'")
call("Conv1D-kernel_size-pair", lambda: layers.Conv1D(2, (3, 3)), ValueError, r"Received: kernel_size=\(3, 3\)")
call("Conv1D-groups", lambda: layers.Conv1D(2, 3, groups=2), ValueError, r"Received: groups=2")
call("Conv1D-input-channels", lambda: (lambda layer: (layer(f32(1, 6, 2)), layer(f32(1, 6, 3))))(layers.Conv1D(2, 3)), ValueError,
     r"expected \(batch, steps, 2\), received shape \(1, 6, 3\)")
call("DepthwiseConv2D-depth_multiplier-zero", lambda: layers.DepthwiseConv2D(3, depth_multiplier=0), ValueError,
     r"Received: depth_multiplier=0")
call("DepthwiseConv2D-kernel_size-zero", lambda: layers.DepthwiseConv2D(0), ValueError, r"`kernel_size`.*received 0")
call("DepthwiseConv2D-strides-and-dilation", lambda: layers.DepthwiseConv2D(3, strides=2, dilation_rate=2), ValueError,
     r"Received: strides=\(2, 2\) and dilation_rate=\(2, 2\)")
call("SeparableConv2D-filters-str", lambda: layers.SeparableConv2D("8", 3), ValueError, r"Received: filters='8'")
call("SeparableConv2D-channels_first", lambda: layers.SeparableConv2D(8, 3, data_format="channels_first"),
     ValueError, r"'channels_first'")
call("ZeroPadding2D-negative", lambda: layers.ZeroPadding2D(-1), ValueError, r"Received: padding=-1")
call("ZeroPadding2D-three", lambda: layers.ZeroPadding2D((1, 2, 3)), ValueError, r"Received: padding=\(1, 2, 3\)")
call("Cropping2D-too-much", lambda: layers.Cropping2D(((2, 2), (0, 0)))(f32(1, 4, 4, 1)), ValueError,
     r"Received: input_shape=\(1, 4, 4, 1\), cropping=\(\(2, 2\), \(0, 0\)\)")
call("Cropping2D-float", lambda: layers.Cropping2D(1.5), ValueError, r"Received: cropping=1.5")
call("UpSampling2D-interpolation", lambda: layers.UpSampling2D(interpolation="lanczos3"), ValueError,
     r"Received: interpolation='lanczos3'")
call("UpSampling2D-size-negative", lambda: layers.UpSampling2D(-2), ValueError, r"`size` must be positive, received -2")
call("UpSampling2D-empty-batch", lambda: layers.UpSampling2D(2, interpolation="bilinear")(
    np.zeros((0, 3, 3, 2), np.float32)).shape, VALID, same(np.array([0, 6, 6, 2])))
call("MaxPooling1D-pool_size-zero", lambda: layers.MaxPooling1D(0), ValueError, r"Received: pool_size=0")
call("AveragePooling1D-strides-str", lambda: layers.AveragePooling1D(2, "2"), ValueError, r"Received: strides='2'")
call("GlobalMaxPooling2D-rank", lambda: layers.GlobalMaxPooling2D()(f32(2, 3, 4)), ValueError,
     r"expects inputs of rank 4.*received shape \(2, 3, 4\)")
call("GlobalAveragePooling1D-channels_first", lambda: layers.GlobalAveragePooling1D(data_format="channels_first"),
     ValueError, r"'channels_first'")

# --- normalization layers and ops (issue 16 item 2)
call("BatchNormalization-momentum-2", lambda: layers.BatchNormalization(momentum=2), ValueError,
     r"`momentum` must be a finite number >= 0.0 and <= 1.0. Received: momentum=2")
call("BatchNormalization-epsilon-zero", lambda: layers.BatchNormalization(epsilon=0), ValueError,
     r"`epsilon` must be a finite number > 0.0. Received: epsilon=0")
call("BatchNormalization-axis-str", lambda: layers.BatchNormalization(axis="1"), TypeError,
     r"`axis` must be an int. Received: axis='1'")
call("BatchNormalization-axis-out-of-range", lambda: layers.BatchNormalization(axis=3)(np.ones((2, 3), np.float32)),
     ValueError, r"Axis 3 is out of bounds for input shape \(2, 3\). Received: axis=3")
call("BatchNormalization-renorm", lambda: layers.BatchNormalization(renorm=True), ValueError,
     r"does not support batch renormalization. Received: renorm=True")
call("BatchNormalization-synchronized", lambda: layers.BatchNormalization(synchronized=True), ValueError,
     r"Received: synchronized=True")
call("BatchNormalization-wrong-channels", lambda: (lambda bn: (bn(np.ones((2, 3), np.float32)),
                                                                bn(np.ones((2, 4), np.float32))))(
     layers.BatchNormalization()), ValueError, r"expected axis -1 of size 3, received shape \(2, 4\)")
op("batch_norm-mean-without-variance", ops.batch_norm, f32(4, 3), mean=f32(3), expect=ValueError,
   match=r"`mean` and `variance` must be given together")
op("batch_norm-gamma-shape", ops.batch_norm, f32(4, 3), f32(4), expect=ValueError,
   match=r"`gamma` must have shape \(3,\), one value per channel. Received: gamma of shape \(4,\)")
op("batch_norm-epsilon-negative", ops.batch_norm, f32(4, 3), epsilon=-1.0, expect=ValueError,
   match=r"Received: epsilon=-1.0")
op("batch_norm-axis-float", ops.batch_norm, f32(4, 3), axis=1.0, expect=TypeError, match=r"Received: axis=1.0")
op("batch_norm-scalar", ops.batch_norm, np.float32(1), expect=ValueError, match=r"`axis` is out of bounds")
op("batch_norm-empty-batch-is-nan", lambda x: ops.batch_norm(x)[1].numpy(), np.zeros((0, 3), np.float32),
   expect=VALID, match=lambda r: np.testing.assert_array_equal(np.isnan(r), True))
op("batch_norm_grad-grad-shape", fastnn.kernels.batch_norm_grad, f32(4, 3), f32(4, 2), f32(3), f32(3),
   expect=ValueError, match=r"`grad` must have the shape of `x` \(4, 3\). Received: grad of shape \(4, 2\)")
op("batch_norm-str-input", ops.batch_norm, np.array(["a"]), expect=TypeError, match=r"x")
call("LayerNormalization-axis-str", lambda: layers.LayerNormalization(axis="x"), TypeError,
     r"Expected an int or a list/tuple of ints for the argument 'axis', but received: 'x'")
call("LayerNormalization-axis-out-of-range", lambda: layers.LayerNormalization(axis=2)(np.ones((2, 3), np.float32)),
     ValueError, r"Axis 2 is out of bounds for input shape \(2, 3\)")
call("LayerNormalization-epsilon-negative", lambda: layers.LayerNormalization(epsilon=-1e-3), ValueError,
     r"Received: epsilon=-0.001")
call("LayerNormalization-rms_scaling", lambda: layers.LayerNormalization(rms_scaling=True), ValueError,
     r"Received: rms_scaling=True")
op("layer_norm-gamma-shape", ops.layer_norm, f32(4, 3), f32(2), expect=ValueError,
   match=r"`gamma` must have shape \(3,\). Received: gamma of shape \(2,\)")
op("layer_norm-axis-list-of-str", ops.layer_norm, f32(4, 3), axis=["1"], expect=TypeError, match=r"Received: axis=\['1'\]")
op("layer_norm-rows-of-nan", lambda x: ops.layer_norm(x).numpy(), np.full((2, 3), np.nan, np.float32), expect=VALID,
   match=lambda r: np.testing.assert_array_equal(np.isnan(r), True))
call("Rescaling-scale-str", lambda: layers.Rescaling("x"), TypeError, r"Received: scale='x'")
call("Normalization-mean-only", lambda: layers.Normalization(mean=1.0), ValueError,
     r"both `mean` and `variance` must be set. Received: mean=1.0 and variance=None")
call("Normalization-mean-rank", lambda: layers.Normalization(axis=-1, mean=np.ones((2, 2)), variance=np.ones((2, 2))),
     ValueError, r"The rank of `mean` must be less than or equal to the number of axes \(1\)")
call("Normalization-axis-out-of-range", lambda: layers.Normalization(axis=4).adapt(np.ones((3, 2), np.float32)),
     ValueError, r"All `axis` values must be in the range \[-ndim, ndim\). Received inputs with ndim=2, while axis=\(4,\)")
call("Normalization-adapt-str", lambda: layers.Normalization().adapt(3), TypeError, r"Received: data of type int")
call("Normalization-adapt-empty", lambda: layers.Normalization().adapt([]), ValueError, r"empty iterable")
call("Normalization-adapt-wrong-features", lambda: (lambda n: (n.adapt(np.ones((3, 2), np.float32)),
                                                             n.adapt(np.ones((3, 5), np.float32))))(layers.Normalization()),
     ValueError, r"incompatible shape, data.shape=\(3, 5\)")
call("GaussianNoise-stddev-above-1", lambda: layers.GaussianNoise(2.0), ValueError,
     r"Expected a float value between 0 and 1. Received: stddev=2.0")
call("GaussianNoise-seed-str", lambda: layers.GaussianNoise(0.1, seed="1"), TypeError, r"Received: seed='1'")
call("SpatialDropout2D-rate-negative", lambda: layers.SpatialDropout2D(-0.1), ValueError, r"Received: rate=-0.1")
call("SpatialDropout2D-channels-first", lambda: layers.SpatialDropout2D(0.1, data_format="channels_first"), ValueError,
     r"Received: data_format='channels_first'")
call("SpatialDropout2D-rank-3", lambda: layers.SpatialDropout2D(0.1)(np.ones((2, 3, 4), np.float32), training=True),
     ValueError, r"expected ndim=4, found ndim=3")
call("ActivityRegularization-l1-negative", lambda: layers.ActivityRegularization(l1=-1), ValueError,
     r"`l1` must be a non-negative number. Received: l1=-1")


# --- activations: gelu/elu/... kernels, ELU and PReLU layers (issue 16 item 4)
call("activation-get-unknown-lists-valid", lambda: fastnn.activations.get("gelus"), ValueError,
     r"identifier: 'gelus'; expected one of \[.*'gelu'.*'hard_silu'.*'mish'.*'silu'")
call("Dense-activation-unknown-lists-silu", lambda: layers.Dense(2, activation="swishh"), ValueError, r"'swishh'.*'silu'")
call("Activation-layer-unknown", lambda: layers.Activation("mishh"), ValueError, r"'mishh'.*'mish'")
call("elu-alpha-str", lambda: fastnn.activations.elu([1.0], alpha="a"), TypeError, r"Received: alpha='a'")
call("ELU-alpha-None", lambda: layers.ELU(alpha=None), TypeError, r"Received: alpha=None")
call("gelu-approximate-str", lambda: fastnn.activations.gelu([1.0], approximate="yes"), TypeError,
     r"Received: approximate='yes'")
call("PReLU-shared-axes-out-of-range", lambda: layers.PReLU(shared_axes=[3]).build((None, 4, 5)), ValueError,
     r"in \[1, 3\).*Received: shared_axes=\[3\]")
call("PReLU-shared-axes-zero", lambda: layers.PReLU(shared_axes=0)(np.ones((2, 3), np.float32)), ValueError,
     r"Received: shared_axes=\[0\]")
call("PReLU-shared-axes-str", lambda: layers.PReLU(shared_axes="1"), TypeError, r"Received: shared_axes='1'")
call("PReLU-rank-1", lambda: layers.PReLU()(np.ones(3, np.float32)), ValueError, r"expected min_ndim=2, found ndim=1")
call("kernels-activation-unknown", lambda: fastnn.kernels.activation([1.0], "geluu"), ValueError,
     r"one of gelu, gelu_tanh.*Received: name='geluu'")

# --- recurrent layers: SimpleRNN, LSTM, GRU, Bidirectional, Masking (issue 16 item 3)
_SEQ = np.ones((2, 4, 3), np.float32)
call("LSTM-units-zero", lambda: layers.LSTM(0), ValueError, r"expected a positive integer.*Received: units=0")
call("GRU-units-negative", lambda: layers.GRU(-1), ValueError, r"Received: units=-1")
call("SimpleRNN-units-float", lambda: layers.SimpleRNN(2.5), ValueError, r"Received: units=2.5")
call("LSTM-activation-unknown", lambda: layers.LSTM(2, activation="nope"), ValueError, r"nope")
call("LSTM-activation-unsupported", lambda: layers.LSTM(2, activation="softmax"), ValueError,
     r"`activation` must be one of tanh, sigmoid, relu, linear.*Received: activation='softmax'")
call("GRU-recurrent-activation-unsupported", lambda: layers.GRU(2, recurrent_activation="hard_sigmoid"), ValueError,
     r"Received: recurrent_activation='hard_sigmoid'")
call("SimpleRNN-dropout-above-1", lambda: layers.SimpleRNN(2, dropout=1.5), ValueError, r"Received: dropout=1.5")
call("LSTM-recurrent-dropout", lambda: layers.LSTM(2, recurrent_dropout=0.2), ValueError,
     r"Received: recurrent_dropout=0.2")
call("GRU-reset-after-false", lambda: layers.GRU(2, reset_after=False), ValueError, r"Received: reset_after=False")
call("LSTM-use-cudnn-true", lambda: layers.LSTM(2, use_cudnn=True), ValueError, r"use_cudnn=True")
call("LSTM-input-2d", lambda: layers.LSTM(2)(np.ones((2, 3), np.float32)), ValueError,
     r"expected ndim=3, found ndim=2")
call("GRU-input-4d", lambda: layers.GRU(2)(np.ones((2, 3, 4, 5), np.float32)), ValueError,
     r"expected ndim=3, found ndim=4")
call("SimpleRNN-wrong-features", lambda: (lambda r: (r(_SEQ), r(np.ones((2, 4, 5), np.float32))))(layers.SimpleRNN(2)),
     ValueError, r"expected last axis 3, received shape \(2, 4, 5\)")
call("LSTM-mask-shape", lambda: layers.LSTM(2)(_SEQ, mask=np.ones((2, 5), bool)), ValueError,
     r"`mask` must have shape \(batch, timesteps\) = \(2, 4\)")
call("LSTM-initial-state-count", lambda: layers.LSTM(2)(_SEQ, initial_state=[np.zeros((2, 2), np.float32)]),
     ValueError, r"`initial_state` must hold 2 tensor\(s\)")
call("GRU-initial-state-shape", lambda: layers.GRU(2)(_SEQ, initial_state=[np.zeros((3, 2), np.float32)]),
     ValueError, r"`initial_state` tensor must have shape \(batch, units\) = \(2, 2\). Received: initial_state of "
                 r"shape \(3, 2\)")
call("SimpleRNN-stateful-batch-change", lambda: (lambda r: (r(_SEQ), r(_SEQ[:1])))(layers.SimpleRNN(2, stateful=True)),
     ValueError, r"Expected batch size: 2, received batch size: 1")
call("Bidirectional-not-rnn", lambda: layers.Bidirectional(layers.Dense(2)), ValueError,
     r"Bidirectional.*Received: <Dense")
call("Bidirectional-merge-mode", lambda: layers.Bidirectional(layers.LSTM(2), merge_mode="max"), ValueError,
     r"Invalid merge mode. Received: 'max'")
call("Masking-mask-value-str", lambda: layers.Masking("0"), ValueError, r"Received: mask_value='0'")
call("Orthogonal-1d", lambda: fastnn.initializers.Orthogonal()((3,)), ValueError, r"Received: shape=\(3,\)")

# --- Embedding, TimeDistributed, Ftrl (issue 16)
call("Embedding-input_dim-zero", lambda: layers.Embedding(0, 4), ValueError,
     r"`input_dim` must be a positive integer. Received: input_dim=0 \(of type int\)")
call("Embedding-output_dim-float", lambda: layers.Embedding(10, 4.0), ValueError,
     r"`output_dim` must be a positive integer. Received: output_dim=4.0 \(of type float\)")
call("Embedding-mask_zero-str", lambda: layers.Embedding(10, 4, mask_zero="yes"), TypeError,
     r"`mask_zero` must be a bool. Received: mask_zero='yes'")
call("Embedding-index-too-large", lambda: layers.Embedding(10, 4)(np.array([[1, 10]])), ValueError,
     r"`indices` must be in \[0, 10\) .*Received: indices\[0,1\] = 10")
call("Embedding-index-negative", lambda: layers.Embedding(10, 4)(np.array([3, -1])), ValueError,
     r"Received: indices\[1\] = -1")
call("Embedding-index-nan", lambda: layers.Embedding(10, 4)(np.array([1.0, np.nan])), ValueError,
     r"`indices` must be finite numbers .*nan")
call("Embedding-index-huge-float", lambda: layers.Embedding(10, 4)(np.array([1e30])), ValueError,
     r"`indices` must be valid row indices. Received: indices with value 1.*e\+30")
call("Embedding-index-str", lambda: layers.Embedding(10, 4)(np.array(["a"])), TypeError,
     r"`inputs` must be a real numeric or bool value, received ndarray of dtype <U1")
op("embedding_lookup-ids-complex", ops.embedding_lookup, f32(5, 2), np.array([1j]), expect=TypeError,
   match=r"`indices` must be integer \(or float\) indices. Received: indices of dtype complex128")
call("Embedding-weights-shape", lambda: layers.Embedding(10, 4, weights=np.ones((3, 4))), ValueError,
     r"has shape \(10, 4\); received a value of shape \(3, 4\)")
call("Embedding-quantization", lambda: layers.Embedding(10, 4, quantization_config="int8"), ValueError,
     r"Received: quantization_config='int8'")
op("embedding_lookup-params-1d", ops.embedding_lookup, f32(5), np.array([0]), expect=ValueError,
   match=r"`params` must be a 2-D table .*Received: params of shape \(5,\)")
op("embedding_lookup-max_norm", ops.embedding_lookup, f32(5, 2), np.array([0]), max_norm=1.0, expect=ValueError,
   match=r"Received: max_norm=1.0")
op("gather-rows-out-of-range", ops.gather, f32(5, 2), np.array([0, 5]), expect=ValueError,
   match=r"`indices` must be in \[0, 5\), received values in \[0, 5\]")
call("TimeDistributed-not-a-layer", lambda: layers.TimeDistributed("dense"), ValueError,
     r"with a `fastnn.layers.Layer` instance. Received: layer='dense'")
call("TimeDistributed-rank-2", lambda: layers.TimeDistributed(layers.Dense(2))(np.ones((2, 3), np.float32)),
     ValueError, r"at least 3 dimensions, received: \(2, 3\)")
call("Ftrl-learning_rate_power-positive", lambda: optimizers.Ftrl(learning_rate_power=0.5), ValueError,
     r"`learning_rate_power` needs to be negative or zero. Received: learning_rate_power=0.5")
call("Ftrl-initial_accumulator-negative", lambda: optimizers.Ftrl(initial_accumulator_value=-1.0), ValueError,
     r"`initial_accumulator_value` needs to be positive or zero. Received: initial_accumulator_value=-1.0")
call("Ftrl-l1-negative", lambda: optimizers.Ftrl(l1_regularization_strength=-0.1), ValueError,
     r"`l1_regularization_strength` needs to be positive or zero. Received: l1_regularization_strength=-0.1")
call("Ftrl-l2-str", lambda: optimizers.Ftrl(l2_regularization_strength="0.1"), TypeError,
     r"`l2_regularization_strength` must be a number. Received: l2_regularization_strength='0.1'")
op("ftrl_update-linear-shape", fastnn.kernels.ftrl_update, f32(3), f32(3), np.ones(3, np.float32),
   np.zeros(2, np.float32), expect=ValueError, match=r"`linear` must have the shape of `var` \(3,\)")

# --- Keras' extension rules in save / load_model / save_weights / load_weights (issue 15)
call("save-unknown-extension", lambda tmp_path: model().save(tmp_path / "m.pt"), ValueError,
     r"^Invalid filepath extension for saving\. Please add either a `\.keras` extension .* or a `\.npz` extension .*"
     r"Received: filepath=.*m\.pt\.$")
call("save-ckpt-extension", lambda tmp_path: model().save(tmp_path / "cp.ckpt"), ValueError,
     r"Invalid filepath extension for saving.*filepath=.*cp\.ckpt")
call("save-no-extension-is-valid", lambda tmp_path: (model().save(tmp_path / "my_model"),
                                                     fastnn.models.load_model(tmp_path / "my_model"))[1].get_weights()[1],
     VALID, shape_is((4,)))
call("save_weights-unknown-extension", lambda tmp_path: model().save_weights(tmp_path / "cp.ckpt"), ValueError,
     r"^The filename must end in `\.weights\.h5` .* or `\.npz` .*Received: filepath=.*cp\.ckpt$")
call("save_weights-keras-extension", lambda tmp_path: model().save_weights(tmp_path / "w.keras"), ValueError,
     r"The filename must end in `\.weights\.h5`.*filepath=.*w\.keras")
call("save_weights-no-extension-is-valid", lambda tmp_path: (model().save_weights(tmp_path / "my_checkpoint"),
                                                             model().load_weights(tmp_path / "my_checkpoint")),
     VALID, lambda r: None)
call("load_weights-unknown-extension-and-content",
     lambda tmp_path: (tmp_path.joinpath("w.ckpt").write_text("x"), model().load_weights(tmp_path / "w.ckpt"))[1],
     ValueError, r"File format not supported: filepath=.*w\.ckpt\. fastnn supports `\.keras` files .*`\.weights\.h5`")
call("load_model-unknown-extension-and-content",
     lambda tmp_path: (tmp_path.joinpath("m.pt").write_bytes(b"\0" * 64), fastnn.models.load_model(tmp_path / "m.pt"))[1],
     ValueError, r"File format not supported: filepath=.*m\.pt\.")
call("load_model-old-npz-under-other-name-is-valid",  # files fastnn wrote before the rule still load (content decides)
     lambda tmp_path: (model().save(tmp_path / "m.npz"), os.replace(tmp_path / "m.npz", tmp_path / "m.ckpt"),
                       fastnn.models.load_model(tmp_path / "m.ckpt"))[2].get_weights()[1], VALID, shape_is((4,)))


# =========================================================================================== the test
@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_bad_input(row, tmp_path):
    inputs = arrays_in((row.args, row.kwargs))
    before = [a.copy() for a in inputs]
    takes_path = not row.args and inspect.isfunction(row.call) and row.call.__code__.co_argcount == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NaN/inf rows: numpy's float warnings are expected
        if row.expect == VALID:
            result = row.call(tmp_path) if takes_path else row.call(*row.args, **row.kwargs)
            row.match(result)
        else:
            with pytest.raises(row.expect) as info:
                row.call(tmp_path) if takes_path else row.call(*row.args, **row.kwargs)
            assert re.search(row.match, str(info.value), re.S), \
                f"message {str(info.value)!r} does not match {row.match!r}"
    for a, b in zip(inputs, before):
        np.testing.assert_array_equal(a, b, err_msg=f"{row.id} modified an input")


def test_table_size():
    assert len(ROWS) >= 728
    assert len({row.id for row in ROWS}) == len(ROWS), "row ids must be unique"
