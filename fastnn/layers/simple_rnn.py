"""`SimpleRNN`: Keras' fully-connected recurrent layer, `h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel
+ bias)`, as one C++ op over the sequence."""
from __future__ import annotations

from collections.abc import Callable

from .rnn import _RNN

__all__ = ["SimpleRNN"]


class SimpleRNN(_RNN):
    """Fully-connected RNN where the output is fed back as the next input, as `keras.layers.SimpleRNN`.

    Args:
        units: Positive integer, dimensionality of the output space.
        activation: Activation function to use: `"tanh"` (default), `"sigmoid"`, `"relu"` or None (linear).
        use_bias: Whether the layer uses a bias vector.
        kernel_initializer: Initializer for the `kernel` weights (default `"glorot_uniform"`).
        recurrent_initializer: Initializer for the `recurrent_kernel` weights (default `"orthogonal"`).
        bias_initializer: Initializer for the bias (default `"zeros"`).
        kernel_regularizer: Regularizer applied to `kernel`.
        recurrent_regularizer: Regularizer applied to `recurrent_kernel`.
        bias_regularizer: Regularizer applied to the bias.
        activity_regularizer: Regularizer applied to the output.
        kernel_constraint: Constraint applied to `kernel`.
        recurrent_constraint: Constraint applied to `recurrent_kernel`.
        bias_constraint: Constraint applied to the bias.
        dropout: Fraction of the input units to drop while training (one mask per sequence, as Keras).
        recurrent_dropout: Only 0 (not implemented by fastnn yet).
        seed: Random seed for dropout.
        return_sequences: Whether to return every step's output or only the last one.
        return_state: Whether to return the last state in addition to the output.
        go_backwards: Process the input sequence backwards (the outputs come in processing order).
        stateful: If True, the last state of each sample is the initial state of the same sample in the next batch.
        unroll: Accepted for Keras compatibility (the C++ loop is the same either way).
        zero_output_for_mask: Masked steps output zeros instead of the carried state.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, ...).

    Call arguments:
        inputs: A 3-D tensor `(batch, timesteps, features)`.
        mask: Boolean `(batch, timesteps)`: False steps are skipped (the state is carried over).
        training: Whether dropout is active.
        initial_state: List with one `(batch, units)` initial state, or None (zeros).

    Weights: `kernel` `(features, units)`, `recurrent_kernel` `(units, units)`, `bias` `(units,)`.

    Input shape:
        3-D tensor `(batch, timesteps, features)`.

    Output shape:
        `(batch, timesteps, units)` with `return_sequences`, else `(batch, units)`; with `return_state`, a list
        `[output, state]`.

    Example:
    >>> layer = fastnn.layers.SimpleRNN(4)
    >>> layer(np.ones((2, 5, 3), np.float32)).shape
    (2, 4)
    """

    _cell_kind = "simple"
    _gates = 1
    _cell_name = "simple_rnn_cell"

    def __init__(self, units: int, activation: str | Callable | None = "tanh", use_bias: bool = True,
                 kernel_initializer: str | Callable = "glorot_uniform",
                 recurrent_initializer: str | Callable = "orthogonal", bias_initializer: str | Callable = "zeros",
                 kernel_regularizer: str | Callable | None = None, recurrent_regularizer: str | Callable | None = None,
                 bias_regularizer: str | Callable | None = None, activity_regularizer: str | Callable | None = None,
                 kernel_constraint: str | Callable | None = None, recurrent_constraint: str | Callable | None = None,
                 bias_constraint: str | Callable | None = None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: int | None = None, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, **kwargs) -> None:
        super().__init__(units, activation, "sigmoid", use_bias, kernel_initializer, recurrent_initializer,
                         bias_initializer, False, kernel_regularizer, recurrent_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                         recurrent_dropout, seed, return_sequences, return_state, go_backwards, stateful, unroll,
                         zero_output_for_mask, **kwargs)
