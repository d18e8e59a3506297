"""The math and array ops that TensorFlow tutorials reach for beyond the basics (issue 15): each one's value and
input gradients against TensorFlow, table-driven (one row per op and notable variant), then the non-differentiable
ones, the `tf.math` / `tf.linalg` / `tf.nn` spellings, and bad arguments."""
import numpy as np
import pytest
from tolerances import assert_close_scaled

import fastnn
from fastnn import ops

R = np.random.default_rng(15)


def f32(*shape):
    return R.standard_normal(shape).astype(np.float32)


def pos(*shape):
    return (np.abs(R.standard_normal(shape)) + 0.2).astype(np.float32)


def distinct(*shape):
    """Values far enough apart that a sort or top_k order is unambiguous."""
    return (R.permutation(int(np.prod(shape))).reshape(shape) * 0.5 - 3).astype(np.float32)


WITH_ZEROS = np.array([[1.5, 0.0, -2.0], [0.5, 3.0, 0.0], [2.0, -1.0, 0.5]], np.float32)

# name -> (call(M, *args), inputs): M is fastnn or tf, so one lambda states both programs
CASES = {
    "sin": (lambda M, a: M.sin(a), [f32(4, 5)]),
    "cos": (lambda M, a: M.math.cos(a), [f32(4, 5)]),
    "tan": (lambda M, a: M.tan(a), [f32(4, 5) * 0.5]),
    "erf": (lambda M, a: M.math.erf(a), [f32(6, 3) * 2]),
    "rsqrt": (lambda M, a: M.math.rsqrt(a), [pos(5)]),
    "sign": (lambda M, a: M.sign(a), [f32(7)]),
    "softplus": (lambda M, a: M.nn.softplus(a), [f32(4, 5) * 8]),
    "softsign": (lambda M, a: M.nn.softsign(a), [f32(4, 5) * 3]),
    "reduce_prod": (lambda M, a: M.reduce_prod(a, axis=1), [f32(3, 4) + 2]),
    "reduce_prod_with_zeros": (lambda M, a: M.reduce_prod(a, axis=0), [WITH_ZEROS]),
    "reduce_prod_all_keep": (lambda M, a: M.reduce_prod(a, keepdims=True), [pos(2, 3)]),
    "reduce_prod_two_axes": (lambda M, a: M.math.reduce_prod(a, axis=[0, 2]), [pos(2, 3, 2)]),
    "reduce_variance": (lambda M, a: M.math.reduce_variance(a, axis=0), [f32(6, 3)]),
    "reduce_variance_all": (lambda M, a: M.math.reduce_variance(a), [f32(4, 3)]),
    "reduce_std": (lambda M, a: M.math.reduce_std(a, axis=-1, keepdims=True), [f32(3, 5)]),
    "reduce_logsumexp": (lambda M, a: M.reduce_logsumexp(a, axis=1), [f32(4, 6) * 30]),
    "reduce_logsumexp_all": (lambda M, a: M.math.reduce_logsumexp(a), [f32(3, 3)]),
    "cumsum": (lambda M, a: M.cumsum(a, axis=1), [f32(3, 5)]),
    "cumsum_exclusive_reverse": (lambda M, a: M.math.cumsum(a, axis=0, exclusive=True, reverse=True), [f32(4, 2)]),
    "tile": (lambda M, a: M.tile(a, [2, 1, 3]), [f32(2, 3, 2)]),
    "pad_constant": (lambda M, a: M.pad(a, [[1, 2], [0, 1]], constant_values=1.5), [f32(3, 2)]),
    "pad_reflect": (lambda M, a: M.pad(a, [[2, 1], [1, 2]], mode="REFLECT"), [f32(4, 3)]),
    "pad_symmetric": (lambda M, a: M.pad(a, [[2, 2], [0, 3]], mode="SYMMETRIC"), [f32(3, 3)]),
    "split_equal": (lambda M, a: M.split(a, 3, axis=1)[1], [f32(2, 6)]),
    "split_sizes": (lambda M, a: M.concat(M.split(a, [1, -1, 2], axis=0)[::-1], axis=0), [f32(6, 2)]),
    "unstack": (lambda M, a: M.stack(M.unstack(a, axis=1)[::-1], axis=0), [f32(2, 3, 2)]),
    "boolean_mask": (lambda M, a: M.boolean_mask(a, np.array([True, False, True, True])), [f32(4, 3)]),
    "boolean_mask_axis": (lambda M, a: M.boolean_mask(a, np.array([[True, False], [False, True], [True, True]]),
                                                      axis=1), [f32(2, 3, 2, 2)]),
    "gather_nd": (lambda M, a: M.gather_nd(a, [[0, 1], [2, 0], [0, 1]]), [f32(3, 2, 4)]),
    "gather_nd_batch": (lambda M, a: M.gather_nd(a, [[[1], [0]], [[2], [2]]], batch_dims=1), [f32(2, 3, 4)]),
    "sort": (lambda M, a: M.sort(a, axis=-1), [distinct(3, 5)]),
    "sort_descending_axis0": (lambda M, a: M.sort(a, axis=0, direction="DESCENDING"), [distinct(4, 3)]),
    "top_k": (lambda M, a: M.math.top_k(a, k=3).values, [distinct(4, 6)]),
    "norm": (lambda M, a: M.norm(a), [f32(3, 4)]),
    "norm_axis": (lambda M, a: M.linalg.norm(a, axis=1, keepdims=True), [f32(3, 4)]),
    "norm_ord1": (lambda M, a: M.norm(a, ord=1, axis=0), [f32(3, 4)]),
    "norm_ord3": (lambda M, a: M.norm(a, ord=3, axis=-1), [f32(2, 5)]),
    "norm_inf": (lambda M, a: M.norm(a, ord=np.inf), [distinct(3, 4)]),
    "norm_fro": (lambda M, a: M.norm(a, ord="fro", axis=[1, 2]), [f32(2, 3, 4)]),
    "norm_matrix_1": (lambda M, a: M.norm(a, ord=1, axis=[0, 1]), [distinct(3, 4)]),
    "norm_matrix_inf": (lambda M, a: M.norm(a, ord=np.inf, axis=[-2, -1], keepdims=True), [distinct(2, 3, 4)]),
    "l2_normalize": (lambda M, a: M.math.l2_normalize(a, axis=1), [f32(3, 4)]),
    "l2_normalize_all": (lambda M, a: M.nn.l2_normalize(a), [f32(2, 3)]),
    "tensordot_int": (lambda M, a, b: M.tensordot(a, b, axes=2), [f32(2, 3, 4), f32(3, 4, 5)]),
    "tensordot_lists": (lambda M, a, b: M.tensordot(a, b, axes=[[0, 2], [2, 1]]), [f32(3, 2, 4), f32(5, 4, 3)]),
    "tensordot_outer": (lambda M, a, b: M.tensordot(a, b, axes=0), [f32(2, 3), f32(4)]),
    "einsum_matmul": (lambda M, a, b: M.einsum("ij,jk->ik", a, b), [f32(3, 4), f32(4, 5)]),
    "einsum_batched": (lambda M, a, b: M.einsum("bij,bjk->bik", a, b), [f32(2, 3, 4), f32(2, 4, 2)]),
    "einsum_ellipsis": (lambda M, a, b: M.einsum("...ij,...jk->...ik", a, b), [f32(2, 3, 4), f32(2, 4, 2)]),
    "einsum_transpose": (lambda M, a: M.einsum("ij->ji", a), [f32(3, 4)]),
    "einsum_sum_out": (lambda M, a: M.einsum("ij->j", a), [f32(3, 4)]),
    "einsum_trace_free_outer": (lambda M, a, b: M.einsum("i,j->ij", a, b), [f32(3), f32(4)]),
    "einsum_dot": (lambda M, a, b: M.einsum("i,i->", a, b), [f32(5), f32(5)]),
    "einsum_implicit": (lambda M, a, b: M.einsum("ij,jk", a, b), [f32(2, 3), f32(3, 2)]),
    "einsum_three": (lambda M, a, b, c: M.einsum("ij,jk,kl->il", a, b, c), [f32(2, 3), f32(3, 4), f32(4, 2)]),
    "einsum_private_index": (lambda M, a, b: M.einsum("ij,k->ik", a, b), [f32(2, 3), f32(4)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_and_gradients_match_tf(name, tf):
    call, inputs = CASES[name]
    ours = [fastnn.Variable(x) for x in inputs]
    theirs = [tf.Variable(x) for x in inputs]
    with fastnn.GradientTape() as tape:
        y = call(fastnn, *ours)
    with tf.GradientTape() as tf_tape:
        ty = call(tf, *theirs)
    assert y.shape == tuple(ty.shape) and y.dtype == np.float32, (y.shape, ty.shape)
    assert_close_scaled(y.numpy(), ty.numpy(), tol=1e-6, err_msg=f"{name} forward")
    seed = f32(*y.shape)
    grads = tape.gradient(y, ours, output_gradients=seed)
    expected = tf_tape.gradient(ty, theirs, output_gradients=tf.constant(seed))
    for i, (g, e) in enumerate(zip(grads, expected)):
        assert (g is None) == (e is None), (name, i, g, e)
        if e is not None:
            assert_close_scaled(g.numpy(), tf.convert_to_tensor(e).numpy(), err_msg=f"{name} gradient {i}")


def test_not_differentiable_ops_match_tf_and_give_no_gradient(tf):
    a = np.array([[-2.5, -1.5, -0.5, 0.5], [1.5, 2.5, 0.49, -0.51]], np.float32)
    d = distinct(3, 5)
    checks = [
        ("floor", lambda M, x: M.floor(x), a), ("ceil", lambda M, x: M.math.ceil(x), a),
        ("round", lambda M, x: M.round(x), a),  # halves to even, as TF
        ("argsort", lambda M, x: M.argsort(x, axis=0), d),
        ("argsort_descending", lambda M, x: M.argsort(x, direction="DESCENDING"), d),
        ("top_k_indices", lambda M, x: M.math.top_k(x, k=2).indices, d),
    ]
    for name, call, x in checks:
        v, tv = fastnn.Variable(x), tf.Variable(x)
        with fastnn.GradientTape() as tape:
            got = call(fastnn, v)
        with tf.GradientTape() as tf_tape:
            want = call(tf, tv)
        assert got.dtype == want.numpy().dtype, (name, got.dtype, want.dtype)
        np.testing.assert_array_equal(got.numpy(), want.numpy(), err_msg=name)
        if got.dtype.kind == "f":
            assert tape.gradient(got, v) is None and tf_tape.gradient(want, tv) is None, name
    for args in [(0.0, 1.0, 5), (-3.0, 7.5, 11), ([0.0, 1.0], [1.0, 3.0], 4)]:
        np.testing.assert_allclose(ops.linspace(*args).numpy(), tf.linspace(*args).numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ops.linspace([0.0, 1.0], [1.0, 3.0], 3, axis=1).numpy(),
                               tf.linspace([0.0, 1.0], [1.0, 3.0], 3, axis=1).numpy(), rtol=1e-6)


def test_ties_keep_index_order_like_tf(tf):
    x = np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [0.0, 0.0, 0.0, 0.0, 0.0]], np.float32)
    np.testing.assert_array_equal(ops.top_k(x, k=4).indices.numpy(), tf.math.top_k(x, k=4).indices.numpy())
    np.testing.assert_array_equal(ops.argsort(x, stable=True).numpy(), tf.argsort(x, stable=True).numpy())
    np.testing.assert_array_equal(ops.argsort(x, direction="DESCENDING", stable=True).numpy(),
                                  tf.argsort(x, direction="DESCENDING", stable=True).numpy())
    u = np.array([0, 255, 7, 255], np.uint8)  # unsigned: no negation tricks that wrap around
    np.testing.assert_array_equal(ops.sort(u, direction="DESCENDING").numpy(), [255, 255, 7, 0])


def test_integer_and_shape_behaviour_matches_tf(tf):
    ints = np.array([[3, -1], [4, 2]], np.int32)
    for name, call in [("tile", lambda M: M.tile(ints, [1, 2])), ("pad", lambda M: M.pad(ints, [[1, 0], [0, 1]])),
                       ("cumsum", lambda M: M.cumsum(ints, axis=1)), ("sign", lambda M: M.sign(ints)),
                       ("floor", lambda M: M.floor(np.float32(2.7))), ("gather_nd", lambda M: M.gather_nd(ints, [1])),
                       ("reduce_prod", lambda M: M.reduce_prod(ints)), ("sort", lambda M: M.sort(ints)),
                       ("reduce_sum", lambda M: M.reduce_sum(ints, axis=0))]:  # int32 stays int32, as in TF
        got, want = call(fastnn), call(tf).numpy()
        assert got.dtype == want.dtype and got.shape == want.shape, (name, got, want)
        np.testing.assert_array_equal(got.numpy(), want, err_msg=name)
    pieces = ops.split(np.zeros((4, 6)), [2, 4], axis=1)
    assert [p.shape for p in pieces] == [(4, 2), (4, 4)]
    assert len(ops.unstack(np.zeros((3, 2)))) == 3


def test_einsum_diagonal_forward_works_and_its_gradient_says_why_not():
    x = fastnn.Variable(f32(3, 3))
    np.testing.assert_allclose(ops.einsum("ii->i", x).numpy(), np.diagonal(x.numpy()))
    with fastnn.GradientTape() as tape:
        y = ops.einsum("ii->i", x)
    with pytest.raises(ValueError, match="repeated index in 'ii'"):
        tape.gradient(y, x)


@pytest.mark.parametrize("call, error, message", [
    (lambda: ops.tile(np.ones((2, 3)), [2]), ValueError, "`multiples` must hold 2 non-negative ints"),
    (lambda: ops.tile(np.ones(2), [1.5]), TypeError, "`multiples` must hold integers"),
    (lambda: ops.pad(np.ones((2, 3)), [[1, 1]]), ValueError, "`paddings` must be 2 pairs"),
    (lambda: ops.pad(np.ones(3), [[-1, 0]]), ValueError, "non-negative"),
    (lambda: ops.pad(np.ones(3), [[3, 0]], mode="REFLECT"), ValueError, "too wide for REFLECT"),
    (lambda: ops.pad(np.ones(3), [[1, 0]], mode="wrap"), ValueError, "`mode` must be one of"),
    (lambda: ops.split(np.ones((2, 5)), 2, axis=1), ValueError, "positive divisor of the size 5"),
    (lambda: ops.split(np.ones(5), [2, 2]), ValueError, "add up to the size 5"),
    (lambda: ops.split(np.ones(5), [-1, -1, 2]), ValueError, "one -1"),
    (lambda: ops.unstack(np.ones((2, 3)), num=3), ValueError, "`num`=3"),
    (lambda: ops.unstack(np.float32(1.0)), ValueError, "rank >= 1"),
    (lambda: ops.boolean_mask(np.ones((2, 3)), [1, 0]), TypeError, "boolean"),
    (lambda: ops.boolean_mask(np.ones((2, 3)), np.array([True, False, True])), ValueError, "does not match"),
    (lambda: ops.gather_nd(np.ones((2, 3)), [[2, 0]]), ValueError, r"\[2, 0\] are out of bounds"),
    (lambda: ops.gather_nd(np.ones((2, 3)), [[0, 0, 0]]), ValueError, "longer than the rank"),
    (lambda: ops.gather_nd(np.ones((2, 3)), [[0.5]]), TypeError, "integers"),
    (lambda: ops.sort(np.ones(3), direction="UP"), ValueError, "`direction`"),
    (lambda: ops.sort(np.ones(3), axis=1), ValueError, "out of bounds"),
    (lambda: ops.top_k(np.ones(3), k=4), ValueError, r"`k` must be in \[0, 3\]"),
    (lambda: ops.top_k(np.ones(3), k=1.0), TypeError, "`k` must be an int"),
    (lambda: ops.norm(np.ones(3), ord=-1), ValueError, "supported vector norm"),
    (lambda: ops.norm(np.ones((2, 2)), ord=2, axis=[0, 1]), ValueError, "supported matrix norm"),
    (lambda: ops.norm(np.ones((2, 2)), axis=[0, 0]), ValueError, "two different axes"),
    (lambda: ops.l2_normalize(np.ones(2), epsilon=-1.0), ValueError, "`epsilon`"),
    (lambda: ops.cumsum(np.ones(3), exclusive="yes"), TypeError, "`exclusive` must be a bool"),
    (lambda: ops.cumsum(np.float32(1.0)), ValueError, "rank >= 1"),
    (lambda: ops.linspace(0.0, 1.0, -2), ValueError, "`num` must be a non-negative integer"),
    (lambda: ops.tensordot(np.ones((2, 3)), np.ones((4, 2)), axes=1), ValueError, "pairs axis 1 of `a` \\(size 3\\)"),
    (lambda: ops.tensordot(np.ones((2, 3)), np.ones((3, 2)), axes=3), ValueError, r"`axes`=3 must be in \[0, 2\]"),
    (lambda: ops.einsum("ij,jk->ik", np.ones((2, 3))), ValueError, "names 2 operands, but 1 were given"),
    (lambda: ops.einsum("ij->i", np.ones(3)), ValueError, "do not match an operand of rank 1"),
    (lambda: ops.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((4, 2))), ValueError, "does not fit operands"),
    (lambda: ops.einsum(3, np.ones(2)), TypeError, "`equation` must be a string"),
])
def test_bad_arguments_raise_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
