"""`fastnn.function` — `tf.function`'s decorator forms, running the Python function eagerly.

fastnn has no graph compiler: every op already runs its C++ kernel at once, so tracing would not make a step
faster. The decorator exists so TensorFlow code ports unchanged, and it keeps tf.function's one behaviour that
changes results: an `input_signature` is checked, and a call that does not fit it fails as it does in TF.
"""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence

import numpy as np

from .tensor import Tensor, TensorLike
from .tensor_spec import TensorSpec

__all__ = ["function", "Function"]


class Function:
    """The callable `fastnn.function` returns: calls the wrapped Python function (eagerly), after checking the
    arguments against `input_signature` when one was given. Works on plain functions and on methods.

    Attributes:
        python_function: the wrapped function.
        input_signature: the TensorSpecs (or None).
    """

    def __init__(self, python_function, input_signature=None, jit_compile=None, reduce_retracing=False, name=None):
        if not callable(python_function):
            raise TypeError(f"fastnn.function needs a callable. Received: {python_function!r}")
        if input_signature is not None:
            if not isinstance(input_signature, (list, tuple)):
                raise TypeError(f"`input_signature` must be a list or tuple of TensorSpecs. Received: "
                                f"input_signature={input_signature!r}")
            _check_specs(input_signature)
            input_signature = tuple(input_signature)
        self.python_function = python_function
        self.input_signature = input_signature
        self.jit_compile, self.reduce_retracing = jit_compile, bool(reduce_retracing)
        self.__name__ = name or getattr(python_function, "__name__", "function")
        functools.update_wrapper(self, python_function, updated=())

    def __get__(self, instance, owner):
        if instance is None:
            return self
        bound = Function(self.python_function.__get__(instance, owner), None, self.jit_compile,
                         self.reduce_retracing, self.__name__)
        bound.input_signature = self.input_signature
        return bound

    def __call__(self, *args, **kwargs):
        if self.input_signature is not None:
            args = self._bind_signature(args, kwargs)
            kwargs = {}
        return _as_outputs(self.python_function(*args, **kwargs))

    def _bind_signature(self, args, kwargs):
        """The arguments as positional values matching `input_signature` (Python values converted to the spec's
        dtype, as TF does); a mismatch raises TypeError/ValueError naming the parameter."""
        try:
            parameters = list(inspect.signature(self.python_function).parameters.values())
        except (TypeError, ValueError):
            parameters = []
        names = [p.name for p in parameters][:len(self.input_signature)]
        values = list(args)
        for name in names[len(values):]:
            if name not in kwargs:
                raise TypeError(f"{self.__name__}() is missing the argument {name!r} of its input_signature")
            values.append(kwargs.pop(name))
        if kwargs:
            raise TypeError(f"{self.__name__}() with an input_signature got unexpected keyword arguments "
                            f"{sorted(kwargs)}")
        if len(values) != len(self.input_signature):
            raise TypeError(f"{self.__name__}() takes {len(self.input_signature)} arguments (its input_signature), "
                            f"received {len(values)}")
        return [_conform(value, spec, names[i] if i < len(names) else f"argument {i}")
                for i, (value, spec) in enumerate(zip(values, self.input_signature))]

    def get_concrete_function(self, *args, **kwargs):
        """This function itself: with eager execution there is one implementation for every input."""
        return self

    def __repr__(self):
        return f"<fastnn.function {self.__name__}>"


def _as_outputs(value):
    """A tf.function returns Tensors: Python numbers and numpy values in the result (also inside lists, tuples and
    dicts) become Tensors; Tensors, Variables, None and other objects pass through."""
    if isinstance(value, (bool, int, float, np.ndarray, np.generic)):
        return Tensor(np.asarray(value, np.float32) if isinstance(value, float) else np.asarray(value))
    if isinstance(value, (list, tuple)) and not hasattr(value, "_fields"):
        return type(value)(_as_outputs(v) for v in value)
    if isinstance(value, tuple):  # a namedtuple
        return type(value)(*(_as_outputs(v) for v in value))
    if isinstance(value, dict):
        return {k: _as_outputs(v) for k, v in value.items()}
    return value


def _check_specs(signature):
    for spec in signature:
        if isinstance(spec, (list, tuple)):
            _check_specs(spec)
        elif not isinstance(spec, TensorSpec):
            raise TypeError(f"`input_signature` must hold TensorSpecs. Received: {spec!r}")


def _conform(value, spec, name):
    if isinstance(spec, (list, tuple)):
        if not isinstance(value, (list, tuple)) or len(value) != len(spec):
            raise TypeError(f"{name} must be a sequence of {len(spec)} values to match the input_signature, "
                            f"received {value!r}")
        return type(value)(_conform(v, s, f"{name}[{i}]") for i, (v, s) in enumerate(zip(value, spec)))
    if not isinstance(value, TensorLike):  # TF hands the function tensors: Python/numpy values take the spec's dtype
        try:
            array = np.asarray(value)
            if array.dtype.kind not in "biuf":
                raise TypeError
            value = Tensor(array.astype(spec.dtype, copy=False))
        except (TypeError, ValueError):
            raise TypeError(f"{name}={value!r} cannot be converted to {spec}") from None
    if np.dtype(value.dtype) != spec.dtype:
        raise TypeError(f"{name} has dtype {np.dtype(value.dtype).name}, which does not match the input_signature's "
                        f"{spec}")
    if not spec.is_compatible_with(value):
        raise ValueError(f"{name} has shape {tuple(np.shape(value))}, which does not match the input_signature's "
                         f"{spec}")
    return value


def function(func: Callable | None = None, input_signature: Sequence[TensorSpec] | None = None,
             autograph: bool = True, jit_compile: bool | None = None, reduce_retracing: bool = False,
             experimental_implements: str | None = None, experimental_autograph_options: object = None,
             experimental_attributes: dict | None = None, experimental_relax_shapes: bool | None = None,
             experimental_compile: bool | None = None, experimental_follow_type_hints: bool | None = None
             ) -> Function | Callable[[Callable], Function]:
    """Decorate a Python function as `tf.function` does: `@fastnn.function`, `@fastnn.function(...)` or
    `fastnn.function(f)`. The function runs eagerly (fastnn's ops already call compiled kernels); an
    `input_signature` is enforced like TF's.

    Args:
        func: the function (or method) to wrap; omitted when the decorator is called with arguments.
        input_signature: optional list of `fastnn.TensorSpec`, one per leading argument: calls whose arguments
            differ in dtype or shape raise (Python values are converted to the spec's dtype).
        autograph: TF's option, accepted and recorded; it does not change how fastnn runs the function.
        jit_compile: TF's option, accepted and recorded.
        reduce_retracing: TF's option, accepted and recorded.
        experimental_implements: TF's option, accepted and recorded.
        experimental_autograph_options: TF's option, accepted and recorded.
        experimental_attributes: TF's option, accepted and recorded.
        experimental_relax_shapes: TF's option, accepted and recorded.
        experimental_compile: TF's option, accepted and recorded.
        experimental_follow_type_hints: TF's option, accepted and recorded.

    Returns:
        A `Function` (or, without `func`, the decorator that makes one).

    Example:
        >>> @fastnn.function(input_signature=[fastnn.TensorSpec([None], fastnn.float32)])
        ... def double(x):
        ...     return x * 2.0
        >>> double([1.0, 2.0]).numpy()
        array([2., 4.], dtype=float32)
    """
    def decorate(f):
        return Function(f, input_signature=input_signature, jit_compile=jit_compile,
                        reduce_retracing=reduce_retracing or bool(experimental_relax_shapes))
    return decorate if func is None else decorate(func)
