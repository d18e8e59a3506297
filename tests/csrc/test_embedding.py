"""csrc/embedding: the gather forward and scatter-add backward against numpy / float64 on every ISA path (widths
around the vector sizes, repeated and unused indices, empty inputs), bitwise equality across thread counts and
interrupt piece sizes, and the bindings' index and shape checks."""
import numpy as np
import pytest
from references import embedding_grad_reference

import fastnn
from fastnn import _core
from fastnn import kernels as k

CASES = [((7,), 5, 1), ((4, 3), 10, 3), ((2, 9), 4, 16), ((5, 6), 50, 17), ((3, 2, 4), 20, 33),
         ((64, 30), 100, 64), ((0, 4), 8, 5), ((6,), 0 + 3, 0)]


@pytest.mark.parametrize("ids_shape, vocab, dim", CASES)
def test_lookup_and_gradient_match_numpy(isa, ids_shape, vocab, dim):
    rng = np.random.default_rng(vocab * 100 + dim)
    table = rng.standard_normal((vocab, dim)).astype(np.float32)
    ids = rng.integers(0, vocab, ids_shape)
    out = k.embedding_lookup(table, ids)
    np.testing.assert_array_equal(out, table[ids])  # a copy: exact
    grad = rng.standard_normal(ids_shape + (dim,)).astype(np.float32)
    dtable = k.embedding_lookup_grad(ids, grad, vocab)
    assert dtable.shape == (vocab, dim) and dtable.dtype == np.float32
    np.testing.assert_allclose(dtable, embedding_grad_reference(ids, grad, vocab), rtol=1e-5, atol=1e-5)
    # The sums are formed in position order, as np.add.at does in float32: bitwise equal to it.
    want = np.zeros((vocab, dim), np.float32)
    np.add.at(want, ids.reshape(-1), grad.reshape(ids.size, dim))
    np.testing.assert_array_equal(dtable, want)


def test_float_indices_are_truncated_as_keras_casts_them():
    table = np.arange(12, dtype=np.float32).reshape(6, 2)
    np.testing.assert_array_equal(k.embedding_lookup(table, np.array([0.9, 2.5, 5.99])), table[[0, 2, 5]])
    with pytest.raises(ValueError, match="finite"):
        k.embedding_lookup(table, np.array([1.0, np.nan]))
    with pytest.raises(TypeError, match="indices"):
        k.embedding_lookup(table, np.array(["a"]))


@pytest.mark.parametrize("bad", [-1, 6, 2**40])
def test_out_of_range_index_is_a_clear_error(bad):
    table = np.ones((6, 3), np.float32)
    ids = np.array([[0, 1], [2, bad]])
    with pytest.raises(ValueError, match=rf"\[0, 6\).*indices\[1,1\] = {bad}"):
        k.embedding_lookup(table, ids)
    with pytest.raises(ValueError, match=rf"indices\[1,1\] = {bad}"):
        k.embedding_lookup_grad(ids, np.ones((2, 2, 3), np.float32), 6)


def test_bitwise_equal_for_any_thread_count_and_piece_size(isa):
    rng = np.random.default_rng(0)
    vocab, dim = 300, 40
    table = rng.standard_normal((vocab, dim)).astype(np.float32)
    ids = rng.zipf(1.3, (256, 40)) % vocab  # skewed: a few rows get most of the gradient
    grad = rng.standard_normal(ids.shape + (dim,)).astype(np.float32)

    def run():
        return [k.embedding_lookup(table, ids), k.embedding_lookup_grad(ids, grad, vocab)]

    results = []
    old_piece = _core._set_interrupt_piece_work(1)
    _core._set_interrupt_piece_work(old_piece)
    try:
        for threads, piece in ((1, None), (2, None), (2, 1)):
            fastnn.set_num_threads(threads)
            if piece is not None:
                _core._set_interrupt_piece_work(piece)
            results.append(run())
    finally:
        fastnn.set_num_threads(None)
        _core._set_interrupt_piece_work(old_piece)
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)


def test_binding_argument_checks():
    ids = np.zeros((2, 3), np.int64)
    with pytest.raises(TypeError):
        _core.embedding(np.ones((4, 2), np.float64), ids)
    with pytest.raises(ValueError, match="`table` must be 2-D"):
        _core.embedding(np.ones(4, np.float32), ids)
    with pytest.raises(ValueError, match="`grad` must have the shape of `indices`"):
        _core.embedding_grad(ids, np.ones((2, 2, 5), np.float32), 4)
    with pytest.raises(ValueError, match="`input_dim` must be >= 0"):
        _core.embedding_grad(ids, np.ones((2, 3, 5), np.float32), -1)
    with pytest.raises(ValueError, match="2-D table"):
        k.embedding_lookup(np.ones((2, 2, 2), np.float32), ids)
    with pytest.raises(ValueError, match="input_dim"):
        k.embedding_lookup_grad(ids, np.ones((2, 3, 5), np.float32), -2)
