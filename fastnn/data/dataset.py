"""`Dataset`: a re-iterable pipeline of elements (arrays, or tuples/dicts of arrays).

Elements come from `from_tensor_slices` (slices along the first axis) or `from_generator`; each transformation
returns a new Dataset. The common chain from_tensor_slices -> shuffle -> batch works on index arrays and gathers
each batch with one fancy-indexing call, so it costs no Python work per sample.
"""
from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable

import numpy as np
from numpy.typing import ArrayLike

from .. import random as fastnn_random
from .._validation import integer
from ..tensor import TensorLike, as_array

__all__ = ["Dataset"]


def _map_structure(fn, element):
    if isinstance(element, tuple):
        return tuple(_map_structure(fn, e) for e in element)
    if isinstance(element, list):
        return [_map_structure(fn, e) for e in element]
    if isinstance(element, dict):
        return {k: _map_structure(fn, v) for k, v in element.items()}
    return fn(element)


def _leaves(element):
    if isinstance(element, (tuple, list)):
        return [leaf for e in element for leaf in _leaves(e)]
    if isinstance(element, dict):
        return [leaf for v in element.values() for leaf in _leaves(v)]
    return [element]


def _stack(elements):
    first = elements[0]
    if isinstance(first, tuple):
        return tuple(_stack([e[i] for e in elements]) for i in range(len(first)))
    if isinstance(first, list):
        return [_stack([e[i] for e in elements]) for i in range(len(first))]
    if isinstance(first, dict):
        return {k: _stack([e[k] for e in elements]) for k in first}
    return np.stack([as_array(e) if isinstance(e, TensorLike) else np.asarray(e) for e in elements])


def _buffered_order(n, buffer_size, generator):
    """tf.data's shuffle over indices: keep a buffer of `buffer_size`, emit a random member, refill in order."""
    if buffer_size >= n:
        return generator.permutation(n)
    buffer = list(range(min(buffer_size, n)))
    nxt, out = len(buffer), np.empty(n, np.int64)
    for i in range(n):
        j = int(generator.integers(len(buffer)))
        out[i] = buffer[j]
        if nxt < n:
            buffer[j] = nxt
            nxt += 1
        else:
            buffer[j] = buffer[-1]
            buffer.pop()
    return out


def _count_arg(count, name):
    return integer(count, name, minimum=-1, message="`{name}` must be a non-negative integer or -1 (all), received "
                                                    "{value!r}")


class Dataset:
    """A re-iterable input pipeline, `tf.data.Dataset`'s API for training data.

    Make one with `Dataset.from_tensor_slices` or `Dataset.from_generator`, chain transformations (`shuffle`,
    `batch`, `map`, `take`, `repeat`, `prefetch`, `cache`; each returns a new Dataset), and pass it to `fit`,
    `evaluate` or `predict`, or iterate over it. Elements are numpy arrays, or tuples / lists / dicts of them. The
    chain `from_tensor_slices` -> `shuffle` -> `batch` gathers each batch with one indexing call (no per-sample
    Python work).

    Args:
        make_iterator: A callable returning a fresh iterator over the elements (internal: use the constructors).
        cardinality: The number of elements, if known.
        slices: Internal state of the fast `from_tensor_slices` path.

    Example:

    ```python
    import numpy as np
    import fastnn

    x, y = np.random.rand(100, 4).astype("float32"), np.arange(100) % 2
    ds = fastnn.data.Dataset.from_tensor_slices((x, y)).shuffle(100, seed=0).batch(32)
    xb, yb = next(iter(ds))
    print(xb.shape, yb.shape, ds.cardinality())  # (32, 4) (32,) 4
    model = fastnn.Sequential([fastnn.layers.Input((4,)), fastnn.layers.Dense(2)])
    model.compile(optimizer="sgd", loss=fastnn.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(ds, epochs=1, verbose=0)
    ```
    """
    def __init__(self, make_iterator: Callable[[], Iterable], cardinality: int | None = None,
                 slices: tuple | None = None) -> None:
        self._make_iterator = make_iterator
        self._cardinality = cardinality
        self._slices = slices  # (structure of arrays, order factory, batch size or None) for the fast path

    # --- sources
    @classmethod
    def from_tensor_slices(cls, tensors: ArrayLike | tuple | list | dict) -> Dataset:
        """Creates a Dataset whose elements are slices of the given arrays along their first axis.

        Args:
            tensors: An array-like, or a tuple / list / dict of array-likes with the same first-axis length.

        Returns:
            A Dataset of `len(tensors)` elements.

        Raises:
            ValueError: if the arrays' first-axis lengths differ.
        """
        arrays = _map_structure(lambda t: as_array(t, "tensors"), tensors)
        if any(np.ndim(a) == 0 for a in _leaves(arrays)):
            raise ValueError(f"from_tensor_slices slices along the first axis: `tensors` must not hold scalars, "
                             f"received {tensors!r:.200}")
        lengths = {len(a) if np.ndim(a) else -1 for a in _leaves(arrays)}
        if len(lengths) != 1 or -1 in lengths:
            raise ValueError(f"from_tensor_slices needs arrays of one first-axis length, received lengths "
                             f"{sorted(lengths)}")
        n = lengths.pop()
        return cls._from_slices(arrays, lambda: np.arange(n), None, n)

    @classmethod
    def _from_slices(cls, arrays, order, batch, n):
        def iterate():
            idx = order()
            if batch is None:
                for i in idx:
                    yield _map_structure(lambda a: a[i], arrays)  # noqa: B023  (called at once, inside the loop)
            else:
                for start in range(0, len(idx), batch[0]):
                    chunk = idx[start:start + batch[0]]
                    if batch[1] and len(chunk) < batch[0]:
                        return
                    yield _map_structure(lambda a: a[chunk], arrays)  # noqa: B023  (called at once, inside the loop)
        card = n if batch is None else (n // batch[0] if batch[1] else -(-n // batch[0]))
        return cls(iterate, card, (arrays, order, batch, n))

    @classmethod
    def from_generator(cls, generator: Callable[[], Iterable], output_signature: object = None) -> Dataset:
        """Creates a Dataset whose elements come from a Python generator.

        Args:
            generator: A callable returning an iterable; it is called again for every pass over the data.
            output_signature: Accepted for tf.data compatibility (elements are converted as they come).

        Returns:
            A Dataset of unknown cardinality.

        Raises:
            TypeError: if `generator` is not callable.
        """
        if not callable(generator):
            raise TypeError(f"`generator` must be a callable returning an iterable, received {generator!r}")
        return cls(lambda: iter(generator()))

    # --- transformations
    def shuffle(self, buffer_size: int, seed: int | None = None,
                reshuffle_each_iteration: bool | None = True) -> Dataset:
        """Randomly shuffles the elements through a buffer (tf.data's algorithm).

        Args:
            buffer_size: A positive int; `buffer_size >= len(dataset)` gives a uniform permutation.
            seed: An int making the order reproducible, or None (follows `fastnn.utils.set_random_seed`).
            reshuffle_each_iteration: Whether every pass draws a new order.

        Returns:
            The shuffled Dataset.

        Raises:
            ValueError: if `buffer_size` is not a positive int.
        """
        if isinstance(buffer_size, bool) or not isinstance(buffer_size, numbers.Integral) or buffer_size < 1:
            raise ValueError(f"`buffer_size` must be a positive integer, received {buffer_size!r}")
        state = {"generator": fastnn_random._generator(seed) if seed is not None else None, "fixed": None}

        def generator():
            return state["generator"] or fastnn_random._generator()

        if self._slices is not None and self._slices[2] is None:
            arrays, order, _, n = self._slices

            def shuffled():
                if not reshuffle_each_iteration and state["fixed"] is not None:
                    return state["fixed"]
                base = order()
                out = base[_buffered_order(len(base), buffer_size, generator())]
                state["fixed"] = out
                return out
            return Dataset._from_slices(arrays, shuffled, None, n)

        parent = self

        def iterate():
            elements = list(parent._make_iterator())
            for i in _buffered_order(len(elements), buffer_size, generator()):
                yield elements[i]
        return Dataset(iterate, self._cardinality)

    def batch(self, batch_size: int, drop_remainder: bool = False) -> Dataset:
        """Groups consecutive elements into batches, stacked along a new first axis.

        Args:
            batch_size: A positive int, the number of elements per batch.
            drop_remainder: Whether a last, smaller batch is dropped.

        Returns:
            The batched Dataset.

        Raises:
            ValueError: if `batch_size` is not a positive int.
        """
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"`batch_size` must be a positive integer, received {batch_size!r}")
        if self._slices is not None and self._slices[2] is None:
            arrays, order, _, n = self._slices
            return Dataset._from_slices(arrays, order, (int(batch_size), bool(drop_remainder)), n)
        parent = self

        def iterate():
            group = []
            for element in parent._make_iterator():
                group.append(element)
                if len(group) == batch_size:
                    yield _stack(group)
                    group = []
            if group and not drop_remainder:
                yield _stack(group)
        card = None
        if self._cardinality is not None:
            card = self._cardinality // batch_size if drop_remainder else -(-self._cardinality // batch_size)
        return Dataset(iterate, card)

    def map(self, map_func: Callable, num_parallel_calls: int | None = None) -> Dataset:
        """Applies a function to every element.

        A tuple element is passed as separate arguments, as in tf.data.

        Args:
            map_func: The function; it may return arrays, Tensors, or tuples / dicts of them.
            num_parallel_calls: Accepted for tf.data compatibility (elements are mapped in order, in this thread).

        Returns:
            The mapped Dataset.

        Raises:
            TypeError: if `map_func` is not callable.
        """
        if not callable(map_func):
            raise TypeError(f"`map_func` must be callable, received {map_func!r}")
        parent = self

        def iterate():
            for element in parent._make_iterator():
                out = map_func(*element) if isinstance(element, tuple) else map_func(element)
                yield _map_structure(lambda t: as_array(t) if isinstance(t, TensorLike) else t, out)
        return Dataset(iterate, self._cardinality)

    def take(self, count: int | None) -> Dataset:
        """Keeps at most the first `count` elements.

        Args:
            count: An int; -1 keeps all of them.

        Returns:
            The truncated Dataset.
        """
        count = _count_arg(count, "count")
        if count < 0:
            return self
        parent = self

        def iterate():
            for i, element in enumerate(parent._make_iterator()):
                if i >= count:
                    return
                yield element
        return Dataset(iterate, None if self._cardinality is None else min(count, self._cardinality))

    def repeat(self, count: int | None = None) -> Dataset:
        """Repeats the elements `count` times.

        Args:
            count: An int, or None / -1 to repeat forever.

        Returns:
            The repeated Dataset.
        """
        if count is not None:
            count = _count_arg(count, "count")
            count = None if count < 0 else count
        parent = self

        def iterate():
            passes = 0
            while count is None or passes < count:
                yield from parent._make_iterator()
                passes += 1
        return Dataset(iterate, None if count is None or self._cardinality is None else self._cardinality * count)

    def prefetch(self, buffer_size: int = None) -> Dataset:
        """Accepted for tf.data compatibility; returns the Dataset unchanged (fastnn's pipelines are synchronous).

        Args:
            buffer_size: Ignored.

        Returns:
            This Dataset.
        """
        return self

    def cache(self, filename: str = "") -> Dataset:
        """Accepted for tf.data compatibility; returns the Dataset unchanged (elements are recomputed every pass).

        Args:
            filename: Ignored.

        Returns:
            This Dataset.
        """
        return self

    # --- iteration
    def __iter__(self):
        return iter(self._make_iterator())

    def cardinality(self):
        """Number of elements, or -2 when unknown (tf.data's UNKNOWN_CARDINALITY)."""
        return -2 if self._cardinality is None else int(self._cardinality)

    def __len__(self):
        if self._cardinality is None:
            raise TypeError("the length of this dataset is unknown")
        return int(self._cardinality)

    def as_numpy_iterator(self):
        return iter(self)
