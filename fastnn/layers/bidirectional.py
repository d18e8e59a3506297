"""`Bidirectional`: Keras' wrapper running a recurrent layer forwards and a copy of it backwards over the sequence
and merging both outputs."""
from __future__ import annotations

from collections.abc import Sequence

from .. import ops
from ..saving.serialization import deserialize_layer, serialize_object
from .layer import Layer
from .rnn import _RNN

__all__ = ["Bidirectional"]

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _copy(layer, **changes):
    """A new, unbuilt layer configured as `layer`, with `changes` to its config."""
    spec = serialize_object(layer)
    spec["config"].update(changes)
    return deserialize_layer(spec)


class Bidirectional(Layer):
    """Bidirectional wrapper for RNNs, as `keras.layers.Bidirectional`.

    The wrapped layer runs over the sequence as given (`forward_layer`, a copy named `forward_<name>`) and a copy
    with `go_backwards` flipped runs over it in reverse (`backward_layer`, named `backward_<name>`); with
    `return_sequences`, the backward outputs are reversed back into time order before merging. As in Keras, masked
    steps output zeros when sequences are returned.

    Args:
        layer: A `SimpleRNN`, `LSTM` or `GRU` instance (its configuration is copied).
        merge_mode: How the two outputs are combined: `"concat"` (default), `"sum"`, `"mul"`, `"ave"`, or None
            (a list of both outputs).
        weights: Optional list of initial weights (forward layer's, then backward layer's).
        backward_layer: Optional recurrent layer for the backward direction (by default a copy of `layer`).
        **kwargs: Base layer arguments (`name`, `trainable`, `dtype`, ...).

    Call arguments:
        inputs: A 3-D tensor `(batch, timesteps, features)`.
        mask: Boolean `(batch, timesteps)` mask, or None.
        training: Whether dropout is active.
        initial_state: List of initial states: the forward layer's, then the backward layer's.

    Weights: the forward layer's, then the backward layer's.

    Input shape:
        3-D tensor `(batch, timesteps, features)`.

    Output shape:
        The wrapped layer's output shape, with the last axis doubled for `"concat"`; with `return_state`, a list
        `[output] + forward states + backward states`.

    Example:
    >>> layer = fastnn.layers.Bidirectional(fastnn.layers.LSTM(4))
    >>> layer(np.ones((2, 5, 3), np.float32)).shape
    (2, 8)
    """

    def __init__(self, layer: Layer, merge_mode: str | None = "concat", weights: Sequence | None = None,
                 backward_layer: Layer | None = None, **kwargs) -> None:
        if not isinstance(layer, _RNN):
            raise ValueError("Please initialize `Bidirectional` layer with a recurrent layer instance (SimpleRNN, "
                             f"LSTM or GRU). Received: {layer!r}")
        if backward_layer is not None and not isinstance(backward_layer, _RNN):
            raise ValueError("`backward_layer` need to be a recurrent layer instance (SimpleRNN, LSTM or GRU). "
                             f"Received: {backward_layer!r}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode!r}. Merge mode should be one of "
                             "{'sum', 'mul', 'ave', 'concat', None}")
        super().__init__(**kwargs)
        self.forward_layer = _copy(layer, name="forward_" + layer.name.removeprefix("forward_"))
        if backward_layer is None:
            self.backward_layer = _copy(layer, name="backward_" + layer.name.removeprefix("backward_"),
                                        go_backwards=not layer.go_backwards)
        else:
            self.backward_layer = backward_layer
        for attr in ("return_sequences", "return_state"):
            if getattr(self.forward_layer, attr) != getattr(self.backward_layer, attr):
                raise ValueError(f"Forward layer and backward layer should have the same `{attr}`. Received: "
                                 f"forward {getattr(self.forward_layer, attr)}, backward "
                                 f"{getattr(self.backward_layer, attr)}")
        self.merge_mode = merge_mode
        self.return_sequences = self.forward_layer.return_sequences
        self.return_state = self.forward_layer.return_state
        # Keras: masked steps output zeros when sequences are returned
        self.forward_layer.zero_output_for_mask = self.return_sequences
        self.backward_layer.zero_output_for_mask = self.return_sequences
        self._initial_weights = weights

    def build(self, input_shape):
        self.forward_layer.build(input_shape)
        self.forward_layer.built = True
        self.backward_layer.build(input_shape)
        self.backward_layer.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def _keras_h5_children(self):
        return [("backward_layer", self.backward_layer), ("forward_layer", self.forward_layer)]

    def call(self, inputs, mask=None, training=None, initial_state=None):
        fwd_state = bwd_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            fwd_state, bwd_state = list(initial_state[:half]), list(initial_state[half:])
        y = self.forward_layer(inputs, mask=mask, training=training, initial_state=fwd_state)
        y_b = self.backward_layer(inputs, mask=mask, training=training, initial_state=bwd_state)
        states = []
        if self.return_state:
            y, states_f = y[0], y[1:]
            y_b, states_b = y_b[0], y_b[1:]
            states = list(states_f) + list(states_b)
        if self.return_sequences:
            y_b = y_b[:, ::-1]  # back into time order (Keras flips unconditionally)
        if self.merge_mode == "concat":
            out = ops.concat([y, y_b], axis=-1)
        elif self.merge_mode == "sum":
            out = ops.add(y, y_b)
        elif self.merge_mode == "ave":
            out = ops.multiply(ops.add(y, y_b), 0.5)
        elif self.merge_mode == "mul":
            out = ops.multiply(y, y_b)
        else:
            out = [y, y_b]
        if self.return_sequences and mask is not None and self.merge_mode is not None:
            out._keras_mask = mask
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + states
        return out

    def compute_output_shape(self, input_shape):
        shape = self.forward_layer.compute_output_shape(input_shape)
        out = shape[0] if self.return_state else shape
        if self.merge_mode == "concat":
            out = tuple(out[:-1]) + (2 * out[-1],)
        elif self.merge_mode is None:
            out = [out, out]
        if self.return_state:
            states = list(shape[1:])
            return (out if isinstance(out, list) else [out]) + states + states
        return out

    def get_config(self):
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": serialize_object(self.forward_layer), "backward_layer": serialize_object(self.backward_layer)}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        config = dict(config)
        layer, backward = config.pop("layer"), config.pop("backward_layer", None)
        if not isinstance(layer, Layer):
            layer = deserialize_layer(layer, custom_objects)
        if backward is not None and not isinstance(backward, Layer):
            backward = deserialize_layer(backward, custom_objects)
        return cls(layer, backward_layer=backward, **config)
