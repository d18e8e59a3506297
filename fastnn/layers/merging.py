"""Merge layers for branching models: `Add`, `Subtract`, `Multiply`, `Average`, `Maximum`, `Minimum`,
`Concatenate` — each takes a list of same-shape tensors (Concatenate: equal except along `axis`)."""
from .. import ops
from .layer import Layer

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"]


class _Merge(Layer):
    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ValueError(f"A merge layer ({type(self).__name__}) should be called on a list of at least 2 "
                             f"inputs. Received: input_shape={input_shape}")

    def call(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = self._merge(out, x)
        return out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])


class Add(_Merge):
    _merge = staticmethod(ops.add)


class Multiply(_Merge):
    _merge = staticmethod(ops.multiply)


class Maximum(_Merge):
    _merge = staticmethod(ops.maximum)


class Minimum(_Merge):
    _merge = staticmethod(ops.minimum)


class Subtract(_Merge):
    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. Received: "
                             f"input_shape={input_shape}")

    def call(self, inputs):
        return ops.subtract(inputs[0], inputs[1])


class Average(_Merge):
    def call(self, inputs):
        return ops.divide(ops.add_n(list(inputs)), float(len(inputs)))


class Concatenate(_Merge):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs):
        return ops.concat(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        shapes = [list(s) for s in input_shape]
        out = shapes[0][:]
        axis = self.axis % len(out)
        out[axis] = None if any(s[axis] is None for s in shapes) else sum(s[axis] for s in shapes)
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
