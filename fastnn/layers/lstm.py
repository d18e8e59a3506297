"""`LSTM`: Keras' Long Short-Term Memory layer (gates i, f, c, o), as one C++ op over the sequence."""
from __future__ import annotations

from collections.abc import Callable

from .rnn import _RNN

__all__ = ["LSTM"]


class LSTM(_RNN):
    """Long Short-Term Memory layer (Hochreiter 1997), as `keras.layers.LSTM`.

    Per step: `[i, f, c, o] = x_t @ kernel + h_{t-1} @ recurrent_kernel + bias`;
    `c_t = rec_act(f) * c_{t-1} + rec_act(i) * act(c)`, `h_t = rec_act(o) * act(c_t)`. The input projection of
    the whole sequence is one GEMM; each step runs one recurrent GEMM and one fused pass over the gates (C++).

    Args:
        units: Positive integer, dimensionality of the output space.
        activation: Activation function to use: `"tanh"` (default), `"sigmoid"`, `"relu"` or None (linear).
        recurrent_activation: Activation of the gates: `"sigmoid"` (default), `"tanh"`, `"relu"` or None.
        use_bias: Whether the layer uses a bias vector.
        kernel_initializer: Initializer for the `kernel` weights (default `"glorot_uniform"`).
        recurrent_initializer: Initializer for the `recurrent_kernel` weights (default `"orthogonal"`).
        bias_initializer: Initializer for the bias (default `"zeros"`).
        unit_forget_bias: If True, add 1 to the forget gate's bias at initialization (Keras' default).
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
        return_state: Whether to return the last states in addition to the output.
        go_backwards: Process the input sequence backwards (the outputs come in processing order).
        stateful: If True, the last states of each sample are the initial states of the same sample in the next
            batch.
        unroll: Accepted for Keras compatibility (the C++ loop is the same either way).
        use_cudnn: Accepted for Keras compatibility (`"auto"` or False; fastnn runs on the CPU).
        zero_output_for_mask: Masked steps output zeros instead of the carried state.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, ...).

    Call arguments:
        inputs: A 3-D tensor `(batch, timesteps, features)`.
        mask: Boolean `(batch, timesteps)`: False steps are skipped (the states are carried over).
        training: Whether dropout is active.
        initial_state: List `[h, c]` of `(batch, units)` initial states, or None (zeros).

    Weights: `kernel` `(features, 4*units)`, `recurrent_kernel` `(units, 4*units)`, `bias` `(4*units,)`, gates in
    the order i, f, c, o (Keras' layout: `set_weights(keras_layer.get_weights())` works).

    Input shape:
        3-D tensor `(batch, timesteps, features)`.

    Output shape:
        `(batch, timesteps, units)` with `return_sequences`, else `(batch, units)`; with `return_state`, a list
        `[output, h, c]`.

    Example:
    >>> layer = fastnn.layers.LSTM(4, return_sequences=True)
    >>> layer(np.ones((2, 5, 3), np.float32)).shape
    (2, 5, 4)
    """

    _cell_kind = "lstm"
    _gates = 4
    _cell_name = "lstm_cell"

    def __init__(self, units: int, activation: str | Callable | None = "tanh",
                 recurrent_activation: str | Callable | None = "sigmoid", use_bias: bool = True,
                 kernel_initializer: str | Callable = "glorot_uniform",
                 recurrent_initializer: str | Callable = "orthogonal", bias_initializer: str | Callable = "zeros",
                 unit_forget_bias: bool = True, kernel_regularizer: str | Callable | None = None,
                 recurrent_regularizer: str | Callable | None = None, bias_regularizer: str | Callable | None = None,
                 activity_regularizer: str | Callable | None = None, kernel_constraint: str | Callable | None = None,
                 recurrent_constraint: str | Callable | None = None, bias_constraint: str | Callable | None = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0, seed: int | None = None,
                 return_sequences: bool = False, return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, unroll: bool = False, use_cudnn: str | bool = "auto",
                 zero_output_for_mask: bool = False, **kwargs) -> None:
        if use_cudnn is True:
            raise ValueError("use_cudnn=True was specified, but fastnn runs on the CPU without cuDNN. Received: "
                             "use_cudnn=True (pass 'auto' or False)")
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, unit_forget_bias, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed, return_sequences,
                         return_state, go_backwards, stateful, unroll, zero_output_for_mask, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.use_cudnn = use_cudnn

    def get_config(self):
        config = super().get_config()
        config["recurrent_activation"] = self._rec_act
        config["unit_forget_bias"] = self.unit_forget_bias
        return config
