"""The machinery shared by the recurrent layers (`SimpleRNN`, `LSTM`, `GRU`): argument checks, the cell that holds
the weights in Keras' layout, masks, dropout and stateful states. Each layer runs as one C++ op over the whole
sequence (`fastnn.ops.recurrent`): the input projection of every step in one GEMM, then per step one recurrent
GEMM and one fused pass over the gates; the backward is backprop-through-time in C++ too.

Masks: a layer takes `mask=` (a boolean `(batch, timesteps)` array); the base Layer passes the `_keras_mask` that
`Masking` (or another mask-producing layer) attached to its input as that argument, as Keras does; with
`return_sequences=True` the mask is passed on to the next layer.
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import activations, ops, regularizers
from .._validation import positive_int
from .dense import _ser
from .layer import Layer

__all__ = []

# The activations the fused gate kernels implement (activation and recurrent_activation).
RNN_ACTIVATIONS = ("tanh", "sigmoid", "relu", "linear")


def _rnn_activation(value, name):
    fn = activations.get(value)
    label = activations.serialize(fn)
    if label not in RNN_ACTIVATIONS:
        raise ValueError(f"`{name}` must be one of {', '.join(RNN_ACTIVATIONS)} or None (the activations fastnn's "
                         f"fused recurrent kernel implements). Received: {name}={value!r}")
    return fn, label


def _rate(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
        raise ValueError(f"`{name}` must be a number in [0, 1]. Received: {name}={value!r}")
    return float(value)


class _RecurrentCell(Layer):
    """The weights of a recurrent layer in Keras' layout (`kernel`, `recurrent_kernel`, `bias`), stored where Keras
    stores its cell (`<layer>/cell/vars` in weight files)."""

    def __init__(self, gates, units, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                 unit_forget_bias, kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                 recurrent_constraint, bias_constraint, bias_rows=None, **kwargs):
        super().__init__(**kwargs)
        self.gates, self.units, self.use_bias = gates, units, use_bias
        self.kernel_initializer, self.recurrent_initializer = kernel_initializer, recurrent_initializer
        self.bias_initializer, self.unit_forget_bias = bias_initializer, unit_forget_bias
        self.kernel_regularizer, self.recurrent_regularizer = kernel_regularizer, recurrent_regularizer
        self.bias_regularizer, self.kernel_constraint = bias_regularizer, kernel_constraint
        self.recurrent_constraint, self.bias_constraint = recurrent_constraint, bias_constraint
        self.bias_rows = bias_rows
        self.kernel = self.recurrent_kernel = self.bias = None

    def build(self, input_shape):
        features, width = input_shape[-1], self.gates * self.units
        self.kernel = self.add_weight((features, width), self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight((self.units, width), self.recurrent_initializer,
                                                name="recurrent_kernel", regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        if self.use_bias:
            shape = (width,) if self.bias_rows is None else (self.bias_rows, width)
            self.bias = self.add_weight(shape, self.bias_initializer, name="bias", regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
            if self.unit_forget_bias:  # Keras: [init(units), ones(units), init(2·units)]
                value = self.bias.numpy()
                value[self.units:2 * self.units] = 1.0
                self.bias.assign(value)


class _RNN(Layer):
    """Base of the recurrent layers: the options every Keras RNN layer has, and the call."""

    _cell_kind = ""
    _gates = 1
    _cell_name = ""

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=False, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, zero_output_for_mask=False, bias_rows=None,
                 **kwargs):
        kwargs.pop("implementation", None)  # Keras' choice of op grouping: the same math
        super().__init__(**kwargs)
        self.units = positive_int(units, "units")
        self.activation, self._act = _rnn_activation(activation, "activation")
        self.recurrent_activation, self._rec_act = _rnn_activation(recurrent_activation, "recurrent_activation")
        self.use_bias = bool(use_bias)
        self.dropout = _rate(dropout, "dropout")
        self.recurrent_dropout = _rate(recurrent_dropout, "recurrent_dropout")
        if self.recurrent_dropout:
            raise ValueError("fastnn's recurrent layers do not implement `recurrent_dropout` yet (use `dropout`, or "
                             "a Dropout layer between recurrent layers). Received: "
                             f"recurrent_dropout={recurrent_dropout!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise ValueError(f"`seed` must be an int or None. Received: seed={seed!r}")
        self.seed = seed
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.stateful, self.unroll = bool(go_backwards), bool(stateful), bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.activity_regularizer = activity_regularizer
        self.cell = _RecurrentCell(self._gates, self.units, self.use_bias, kernel_initializer, recurrent_initializer,
                                   bias_initializer, unit_forget_bias, kernel_regularizer, recurrent_regularizer,
                                   bias_regularizer, kernel_constraint, recurrent_constraint, bias_constraint,
                                   bias_rows=bias_rows, name=self._cell_name)
        self._states = None
        self._calls = 0

    # Keras exposes the cell's options on the layer
    kernel = property(lambda self: self.cell.kernel)
    recurrent_kernel = property(lambda self: self.cell.recurrent_kernel)
    bias = property(lambda self: self.cell.bias)

    def _check_input(self, shape):
        if len(shape) != 3:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected ndim=3, found "
                             f"ndim={len(shape)}. Full shape received: {tuple(shape)}")
        if shape[-1] is None:
            raise ValueError(f"{type(self).__name__} layer {self.name!r} needs a known last input dimension, "
                             f"received shape {tuple(shape)}")

    def build(self, input_shape):
        self._check_input(input_shape)
        self.cell.build((input_shape[0], input_shape[-1]))
        self.cell.built = True
        if self.stateful:
            if input_shape[0] is None:
                raise ValueError("When using `stateful=True` in a RNN, the batch size must be static. Found dynamic "
                                 f"batch size: sequence.shape={tuple(input_shape)}")
            self.reset_state(input_shape[0])

    def _keras_h5_children(self):
        return [("cell", self.cell)]

    @property
    def states(self):
        """The carried states of a stateful layer (numpy arrays), or None."""
        return self._states

    def reset_state(self, batch_size: int | None = None) -> None:
        """Zeros the states of a stateful layer (Keras' `reset_state`).

        Args:
            batch_size: the batch size of the states (default: the current one).
        """
        if batch_size is None:
            if self._states is None:
                return
            batch_size = self._states[0].shape[0]
        count = 2 if self._cell_kind == "lstm" else 1
        self._states = [np.zeros((batch_size, self.units), np.float32) for _ in range(count)]

    reset_states = reset_state

    def call(self, inputs, mask=None, training=None, initial_state=None):
        self._check_input(inputs.shape)
        if inputs.shape[-1] != self.cell.kernel.shape[0]:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected last axis "
                             f"{self.cell.kernel.shape[0]}, received shape {tuple(inputs.shape)}")
        if mask is not None:
            mask = np.asarray(mask.numpy() if hasattr(mask, "numpy") else mask)
            if mask.shape != tuple(inputs.shape[:2]):
                raise ValueError(f"`mask` must have shape (batch, timesteps) = {tuple(inputs.shape[:2])}. Received: "
                                 f"mask of shape {mask.shape}")
        x = inputs
        if training and self.dropout > 0:  # one mask per sequence and feature (Keras' dropout mask of the cell)
            seed = None
            if self.seed is not None:
                seed = self.seed + self._calls
                self._calls += 1
            x = ops.dropout(x, self.dropout, noise_shape=[x.shape[0], 1, x.shape[2]], seed=seed)
        if initial_state is None and self.stateful:
            if self._states is None or self._states[0].shape[0] != inputs.shape[0]:
                expected = None if self._states is None else self._states[0].shape[0]
                raise ValueError("If an RNN is stateful, the batch size of the input sequences must be the same as "
                                 f"the batch size of the initial state. Expected batch size: {expected}, received "
                                 f"batch size: {inputs.shape[0]}")
            initial_state = self._states
        elif initial_state is not None and not isinstance(initial_state, (list, tuple)):
            initial_state = [initial_state]
        outputs, states = ops.recurrent(self._cell_kind, x, self.cell.kernel, self.cell.recurrent_kernel,
                                        self.cell.bias, initial_state, mask, self._act, self._rec_act,
                                        self.go_backwards, self.zero_output_for_mask, self.return_sequences)
        if self.stateful:
            self._states = [np.array(s.numpy()) for s in states]
        if self.activity_regularizer is not None:
            self.add_loss(regularizers.get(self.activity_regularizer)(outputs))
        if self.return_sequences and mask is not None:
            outputs._keras_mask = mask
        return [outputs] + states if self.return_state else outputs

    def compute_output_shape(self, input_shape):
        self._check_input(input_shape)
        out = tuple(input_shape[:2]) + (self.units,) if self.return_sequences else (input_shape[0], self.units)
        if self.return_state:
            count = 2 if self._cell_kind == "lstm" else 1
            return [out] + [(input_shape[0], self.units)] * count
        return out

    def get_config(self):
        cell = self.cell
        config = {**super().get_config(), "units": self.units,
                  "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                  "kernel_initializer": _ser(cell.kernel_initializer),
                  "recurrent_initializer": _ser(cell.recurrent_initializer),
                  "bias_initializer": _ser(cell.bias_initializer),
                  "kernel_regularizer": _ser(cell.kernel_regularizer),
                  "recurrent_regularizer": _ser(cell.recurrent_regularizer),
                  "bias_regularizer": _ser(cell.bias_regularizer),
                  "activity_regularizer": _ser(self.activity_regularizer),
                  "kernel_constraint": _ser(cell.kernel_constraint),
                  "recurrent_constraint": _ser(cell.recurrent_constraint),
                  "bias_constraint": _ser(cell.bias_constraint), "dropout": self.dropout,
                  "recurrent_dropout": self.recurrent_dropout, "seed": self.seed,
                  "return_sequences": self.return_sequences, "return_state": self.return_state,
                  "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
                  "zero_output_for_mask": self.zero_output_for_mask}
        return config

