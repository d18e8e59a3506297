"""`Embedding` — Keras' Embedding layer (integer ids -> dense vectors) on fastnn's embedding kernel: a parallel
row gather forward and a deterministic scatter-add backward; `mask_zero` makes the padding mask that
`GlobalAveragePooling1D` and recurrent layers honour."""
from __future__ import annotations

import warnings
from collections.abc import Callable

from numpy.typing import ArrayLike

from .. import ops, regularizers
from .._validation import positive_int
from .dense import _ser
from .layer import Layer

__all__ = ["Embedding"]

_DIM_MESSAGE = "`{name}` must be a positive integer. Received: {name}={value!r} (of type {kind})"


def _dim(value, name):
    return positive_int(value, name, _DIM_MESSAGE.replace("{kind}", type(value).__name__))


class Embedding(Layer):
    """Turns non-negative integer indices into dense vectors of fixed size: row `i` of a trainable
    `(input_dim, output_dim)` table for index `i` (Keras' Embedding).

    Runs fastnn's embedding kernel: the forward copies one table row per index (parallel, vectorised), the
    backward sums the output gradient's rows per table row in a fixed order (bitwise identical for any thread
    count). Float inputs are truncated to integers, as Keras casts them to int32. An index outside
    `[0, input_dim)` raises a ValueError naming it (never a silent read).

    Args:
        input_dim: int > 0, the vocabulary size (largest index + 1).
        output_dim: int > 0, the size of each embedding vector.
        embeddings_initializer: Initializer for the table (default "uniform": U(-0.05, 0.05), as Keras).
        embeddings_regularizer: Regularizer applied to the table (its penalty joins the model's losses).
        embeddings_constraint: Constraint applied to the table after each optimizer step.
        mask_zero: Whether index 0 is padding: the layer then attaches a mask (`index != 0`) to its output, which
            mask-aware layers downstream (GlobalAveragePooling1D, recurrent layers) use, and `input_dim` should
            be the vocabulary size + 1.
        weights: Optional initial table, an array (or a one-element list) of shape `(input_dim, output_dim)`.
        activity_regularizer: Regularizer applied to the output (its penalty joins the model's losses).
        quantization_config: Must be None (Keras' quantized tables are not supported).
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, `input_shape`). Keras 2's `input_length`
            is accepted and ignored with a warning, as Keras 3 does.

    Weights: `embeddings` `(input_dim, output_dim)`, as Keras.

    Input shape:
        Integer (or float) tensor of any shape `(batch_size, ...)`, typically `(batch_size, sequence_length)`.

    Output shape:
        The input shape plus `(output_dim,)`, e.g. `(batch_size, sequence_length, output_dim)`.

    Example:

    ```python
    import numpy as np
    import fastnn

    model = fastnn.Sequential([fastnn.layers.Embedding(1000, 64), fastnn.layers.GlobalAveragePooling1D(),
                               fastnn.layers.Dense(1)])
    print(model(np.random.randint(1000, size=(32, 10))).shape)  # (32, 1)
    ```
    """

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: str | Callable = "uniform",
                 embeddings_regularizer: str | Callable | None = None,
                 embeddings_constraint: str | Callable | None = None, mask_zero: bool = False,
                 weights: ArrayLike | list | None = None, activity_regularizer: str | Callable | None = None,
                 quantization_config: None = None, **kwargs) -> None:
        input_dim = _dim(input_dim, "input_dim")
        output_dim = _dim(output_dim, "output_dim")
        if quantization_config is not None:
            raise ValueError("Embedding: quantized tables are not supported by fastnn. Received: "
                             f"quantization_config={quantization_config!r}")
        if kwargs.pop("input_length", None) is not None:
            warnings.warn("Argument `input_length` is deprecated. Just remove it.", stacklevel=2)
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = input_dim, output_dim
        self.embeddings_initializer = embeddings_initializer
        self.embeddings_regularizer = embeddings_regularizer
        self.embeddings_constraint = embeddings_constraint
        self.activity_regularizer = regularizers.get(activity_regularizer)
        if not isinstance(mask_zero, bool):
            raise TypeError(f"`mask_zero` must be a bool. Received: mask_zero={mask_zero!r}")
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self._makes_masks = mask_zero
        if weights is not None:
            self.build()
            self.set_weights(weights if isinstance(weights, list) and len(weights) == 1 else [weights])

    def build(self, input_shape=None):
        self.embeddings = self.add_weight((self.input_dim, self.output_dim), self.embeddings_initializer,
                                          name="embeddings", regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)

    def call(self, inputs):
        outputs = ops.embedding_lookup(self.embeddings, inputs)
        if self.activity_regularizer is not None:
            self.add_loss(self.activity_regularizer(outputs))
        return outputs

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": _ser(self.embeddings_initializer),
                "embeddings_regularizer": _ser(self.embeddings_regularizer),
                "activity_regularizer": _ser(self.activity_regularizer),
                "embeddings_constraint": _ser(self.embeddings_constraint), "mask_zero": self.mask_zero}
