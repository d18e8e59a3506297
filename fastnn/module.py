"""`fastnn.Module` (`tf.Module`): a named container whose `variables`, `trainable_variables` and `submodules` are
found by walking its attributes — Variables, other Modules, Layers, and lists / tuples / dicts of them — and
`fastnn.name_scope` / `Module.name_scope`, under which new Variables' names get the scope as a prefix
("dense/w:0"), as in TF."""
from __future__ import annotations

import contextlib
import functools
import re

from .variable import NAME_SCOPE as _scope
from .variable import Variable

__all__ = ["Module", "name_scope", "current_name_scope"]


def current_name_scope():
    """The active name scope ("" outside any), e.g. "outer/inner"."""
    return _scope.get()


class name_scope(contextlib.ContextDecorator):
    """`with fastnn.name_scope("block"):` — Variables created inside are named "block/<name>:0" (`tf.name_scope`).

    Nested scopes join with "/"; a name ending in "/" is taken as the full scope. Entering returns the scope's full
    name followed by "/", as TF does. Also usable as a decorator.

    Args:
        name: The scope's name (a string).

    Raises:
        TypeError: if `name` is not a string.

    Example:

    ```python
    import fastnn

    with fastnn.name_scope("block"):
        v = fastnn.Variable(1.0, name="w")
    print(v.name)  # block/w:0
    ```
    """

    def __init__(self, name: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"`name` must be a string. Received: name={name!r}")
        self._name = name
        self._tokens = []

    @property
    def name(self):
        return self._name

    def __enter__(self):
        outer = _scope.get()
        if self._name.endswith("/"):  # a name ending in "/" is an absolute scope (TF's rule)
            full = self._name[:-1]
        else:
            full = f"{outer}/{self._name}" if outer and self._name else (self._name or outer)
        self._tokens.append(_scope.set(full))
        return full + "/" if full else ""

    def __exit__(self, *exc):
        _scope.reset(self._tokens.pop())
        return False


def _camel_to_snake(name):
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


_NAME = re.compile(r"^[A-Za-z_][\w.\-/]*$")

# The Layer base class registers itself here when it is defined: a Module holding layers treats them as submodules,
# and this module stays below the layers package (which imports it) in the import graph.
_LAYER_TYPES = []


def register_layer_type(cls):
    """Marks `cls` (fastnn's Layer base) as a submodule kind whose variables are its `weights`."""
    _LAYER_TYPES.append(cls)
    return cls


def _is_layer(value):
    return isinstance(value, tuple(_LAYER_TYPES))


def _walk(value, seen, found_variable, found_module, depth=0):
    """Visit what an attribute holds: Variables, Modules / Layers (not entered: the caller recurses), and the
    items of lists, tuples and dicts (dict keys in sorted order, as TF)."""
    if id(value) in seen or depth > 100:
        return
    if isinstance(value, Variable):
        seen.add(id(value))
        found_variable(value)
    elif isinstance(value, Module) or _is_layer(value):
        seen.add(id(value))
        found_module(value)
    elif isinstance(value, dict):
        for key in sorted(value, key=str):
            _walk(value[key], seen, found_variable, found_module, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _walk(item, seen, found_variable, found_module, depth + 1)


def _attributes(obj):
    """(name, value) of an object's attributes in sorted name order (TF's order), skipping private Layer
    bookkeeping that would list a weight twice."""
    return sorted(((k, v) for k, v in vars(obj).items() if k not in ("_tracked_layers", "_own_weights")),
                  key=lambda kv: kv[0])


class Module:
    """Base class for a named container of Variables and other Modules (`tf.Module`).

    Args:
        name: the module's name (default: the class name in snake_case, e.g. "my_module"); it must be a valid
            name (letters, digits, "_", "-", ".", "/", not starting with a digit).

    Example:

    >>> class Dense(fastnn.Module):
    ...     def __init__(self, in_features, out_features, name=None):
    ...         super().__init__(name=name)
    ...         with self.name_scope:
    ...             self.w = fastnn.Variable(fastnn.random.normal([in_features, out_features]), name="w")
    ...             self.b = fastnn.Variable(fastnn.zeros([out_features]), name="b")
    ...     def __call__(self, x):
    ...         return fastnn.nn.relu(x @ self.w + self.b)
    >>> Dense(3, 2, name="dense").trainable_variables[0].name
    'dense/b:0'
    """

    def __init__(self, name: str | None = None) -> None:
        if name is None:
            name = _camel_to_snake(type(self).__name__)
        elif not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"{name!r} is not a valid module name. Module names must be valid Python identifiers "
                             f"(e.g. a valid class name). Received: name={name!r}")
        self._name = name
        with name_scope(name) as scope_name:
            self._scope_name = scope_name  # "outer/name/": entered again as an absolute scope

    @property
    def name(self):
        return self._name

    @property
    def name_scope(self):
        """A `name_scope` for this module: Variables created under it are named "<module>/<name>:0"."""
        return name_scope(self._scope_name)

    def _flatten(self, want_variables):
        """Variables (or submodules) as TF orders them: this module's own, in sorted attribute order, then each
        submodule's the same way (a Layer counts as a submodule holding its `weights`); each once."""
        seen = {id(self)}
        out = []

        def flatten(obj):
            variables, children = [], []
            if _is_layer(obj):  # a layer's weights in its own order (kernel, bias)
                for w in obj.weights:
                    if id(w) not in seen:
                        seen.add(id(w))
                        variables.append(w)
            for _, value in _attributes(obj):
                _walk(value, seen, variables.append, children.append)
            out.extend(variables if want_variables else children)
            for child in children:
                flatten(child)
        flatten(self)
        return out

    @property
    def variables(self):
        """Every Variable of this module and its submodules (each once)."""
        return self._flatten(True)

    @property
    def trainable_variables(self):
        """The trainable ones of `variables`."""
        return [v for v in self.variables if v.trainable]

    @property
    def non_trainable_variables(self):
        return [v for v in self.variables if not v.trainable]

    @property
    def submodules(self):
        """Every Module (and Layer) reachable from this module's attributes, each once."""
        return self._flatten(False)

    @classmethod
    def with_name_scope(cls, method):
        """Decorate a method so it runs under the module's `name_scope`."""
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            with self.name_scope:
                return method(self, *args, **kwargs)
        return wrapper

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__name__} name={self._name!r}>"
