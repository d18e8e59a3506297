"""`GRU`: Keras' Gated Recurrent Unit layer (gates z, r, h; `reset_after=True`), as one C++ op over the
sequence."""
from __future__ import annotations

from collections.abc import Callable

from .rnn import _RNN

__all__ = ["GRU"]


class GRU(_RNN):
    """Gated Recurrent Unit (Cho et al. 2014), as `keras.layers.GRU` with `reset_after=True` (Keras 3's default).

    Per step, with `p = x_t @ kernel + bias[0]` and `q = h_{t-1} @ recurrent_kernel + bias[1]` split into the z, r,
    h parts: `z = rec_act(p_z + q_z)`, `r = rec_act(p_r + q_r)`, `hh = act(p_h + r * q_h)`,
    `h_t = z * h_{t-1} + (1 - z) * hh`. The input projection of the whole sequence is one GEMM; each step runs one
    recurrent GEMM and one fused pass over the gates (C++).

    Args:
        units: Positive integer, dimensionality of the output space.
        activation: Activation function to use: `"tanh"` (default), `"sigmoid"`, `"relu"` or None (linear).
        recurrent_activation: Activation of the gates: `"sigmoid"` (default), `"tanh"`, `"relu"` or None.
        use_bias: Whether the layer uses a bias.
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
        reset_after: Only True (Keras 3's default: the reset gate applies after the recurrent matmul).
        use_cudnn: Accepted for Keras compatibility (`"auto"` or False; fastnn runs on the CPU).
        zero_output_for_mask: Masked steps output zeros instead of the carried state.
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, ...).

    Call arguments:
        inputs: A 3-D tensor `(batch, timesteps, features)`.
        mask: Boolean `(batch, timesteps)`: False steps are skipped (the state is carried over).
        training: Whether dropout is active.
        initial_state: List with one `(batch, units)` initial state, or None (zeros).

    Weights: `kernel` `(features, 3*units)`, `recurrent_kernel` `(units, 3*units)`, `bias` `(2, 3*units)` (input
    and recurrent bias), gates in the order z, r, h (Keras' layout).

    Input shape:
        3-D tensor `(batch, timesteps, features)`.

    Output shape:
        `(batch, timesteps, units)` with `return_sequences`, else `(batch, units)`; with `return_state`, a list
        `[output, state]`.

    Example:
    >>> layer = fastnn.layers.GRU(4)
    >>> layer(np.ones((2, 5, 3), np.float32)).shape
    (2, 4)
    """

    _cell_kind = "gru"
    _gates = 3
    _cell_name = "gru_cell"

    def __init__(self, units: int, activation: str | Callable | None = "tanh",
                 recurrent_activation: str | Callable | None = "sigmoid", use_bias: bool = True,
                 kernel_initializer: str | Callable = "glorot_uniform",
                 recurrent_initializer: str | Callable = "orthogonal", bias_initializer: str | Callable = "zeros",
                 kernel_regularizer: str | Callable | None = None, recurrent_regularizer: str | Callable | None = None,
                 bias_regularizer: str | Callable | None = None, activity_regularizer: str | Callable | None = None,
                 kernel_constraint: str | Callable | None = None, recurrent_constraint: str | Callable | None = None,
                 bias_constraint: str | Callable | None = None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: int | None = None, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False, reset_after: bool = True,
                 use_cudnn: str | bool = "auto", zero_output_for_mask: bool = False, **kwargs) -> None:
        if not reset_after:
            raise ValueError("fastnn's GRU implements Keras 3's default `reset_after=True` only. Received: "
                             f"reset_after={reset_after!r}")
        if use_cudnn is True:
            raise ValueError("use_cudnn=True was specified, but fastnn runs on the CPU without cuDNN. Received: "
                             "use_cudnn=True (pass 'auto' or False)")
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, False, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint, recurrent_constraint,
                         bias_constraint, dropout, recurrent_dropout, seed, return_sequences, return_state,
                         go_backwards, stateful, unroll, zero_output_for_mask, bias_rows=2, **kwargs)
        self.reset_after = True
        self.use_cudnn = use_cudnn

    def get_config(self):
        config = super().get_config()
        config["recurrent_activation"] = self._rec_act
        config["reset_after"] = self.reset_after
        return config
