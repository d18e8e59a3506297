"""Objects to and from configs, and lookup by name: the registry every `get()` of fastnn uses.

A leaf module (it imports nothing from fastnn), so that any package can use it: activations, initializers,
regularizers, constraints, losses, metrics and optimizers build their `get(identifier)` on `get` below; layers
serialize their arguments with `serialize_object`; model files rebuild objects with `deserialize_object`.

The packages whose public classes a saved config may name (layers, models, losses, ...) are registered by
`fastnn/__init__.py` with `register_modules` once they are all imported, so that this module (and the file
formats built on it) never imports the packages above it.
"""
from __future__ import annotations

import contextvars
import functools
import re
from typing import Any, Callable

__all__ = ["get", "serialize_object", "deserialize_object", "deserialize_layer", "to_snake_case",
           "register_modules", "registered_module", "register_keras_serializable", "get_registered_name",
           "get_registered_object"]

_REFUSE = object()  # `get(none=...)` default: None is not a valid identifier

# While load_model rebuilds a model from a file's (untrusted) config, the number of weight values the file holds:
# Layer.add_weight refuses to create more, so a config cannot make it allocate far beyond the file's own weights.
weight_budget = contextvars.ContextVar("fastnn_weight_budget", default=None)

_MODULES = {}  # role ("layers", "models", "losses", ...) -> module, see register_modules
_REGISTERED = {}  # "package>name" -> class or function, see register_keras_serializable
_REGISTERED_NAMES = {}  # the class or function -> its "package>name"


def to_snake_case(name):
    """Converts a class name to Keras' snake_case name (`keras.src.utils.naming.to_snake_case`).

    Args:
        name: str, a class name.

    Returns:
        str, e.g. "dense" for "Dense", "conv2d" for "Conv2D", "max_pooling2d" for "MaxPooling2D".

    Example:

    >>> to_snake_case("MaxPooling2D")
    'max_pooling2d'
    """
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", re.sub(r"\W+", "", name))
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def get(identifier, kind, names, *, expected, instance_of=(), none=_REFUSE, callables="functions",
        ignore_case=False, from_config=None):
    """Retrieves an object from an identifier: the one mechanism behind every fastnn `get()`.

    In order: `None` gives `none` (when given); an instance of `instance_of` is returned as is; a callable too
    (`callables="any"`: classes included, `"functions"`: anything callable except a class, `None`: never); a dict
    goes to `from_config` (when given); a string is looked up in `names` (lower-cased first with `ignore_case`).
    A name that maps to a class, or to a `functools.partial` of one (a configured default), gives a new instance;
    any other value (e.g. a function) is returned as is.

    Args:
        identifier: what the user passed (a name, an instance, a callable, a config dict or None).
        kind: str, what is being looked up, for the error message ("loss", "activation function", ...).
        names: dict mapping accepted names to classes, partials of classes, or values.
        expected: str, the end of the error message: what would have been accepted.
        instance_of: class or tuple of classes returned as is.
        none: what `None` gives; by default None is refused like any unknown identifier.
        callables: "any", "functions" or None, see above.
        ignore_case: whether names are matched case-insensitively (`names` then holds lower-case keys).
        from_config: callable turning a config dict into the object, or None to refuse dicts.

    Returns:
        The object.

    Raises:
        ValueError: `Could not interpret <kind> identifier: <identifier>; expected <expected>`.

    Example:

    >>> get("l2", "regularizer", {"l2": dict}, expected="'l2'")
    {}
    """
    if identifier is None and none is not _REFUSE:
        return none
    if instance_of and isinstance(identifier, instance_of):
        return identifier
    if callable(identifier) and (callables == "any" or callables == "functions" and not isinstance(identifier, type)):
        return identifier
    if isinstance(identifier, dict) and from_config is not None:
        return from_config(identifier)
    if isinstance(identifier, str):
        found = names.get(identifier.lower() if ignore_case else identifier)
        if found is not None:
            factory = found.func if isinstance(found, functools.partial) else found
            return found() if isinstance(factory, type) else found
    raise ValueError(f"Could not interpret {kind} identifier: {identifier!r}; expected {expected}")


def serialize_object(obj: Any) -> Any:
    """Serializes an object to a JSON-compatible value.

    Args:
        obj: None, a str/int/float/bool (returned as is), an object with `get_config()` (initializers,
            regularizers, constraints, losses, metrics, optimizers, schedules, layers), or a named function.

    Returns:
        The value as is, `{"class_name": ..., "config": ...}`, or the function's name.

    Raises:
        TypeError: `obj` has neither a `get_config()` nor a name.

    Example:

    >>> serialize_object(fastnn.regularizers.L2(0.1))
    {'class_name': 'L2', 'config': {'l2': 0.1}}
    """
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if hasattr(obj, "get_config"):
        config = obj.get_config()
        return {"class_name": type(obj).__name__, "config": {k: serialize_object(v) if not isinstance(
            v, (list, tuple, dict)) else v for k, v in config.items()}}
    name = getattr(obj, "__name__", None)
    if name is None:
        raise TypeError(f"cannot serialize {obj!r}: give it a get_config() or use a built-in by name")
    return name


def _json_type(value):
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _public_class(modules, name):
    """The class `name` exported by one of `modules` (listed in its `__all__`), else None: a saved config names
    classes, never arbitrary module attributes (`os`, `__class__`, functions)."""
    for module in modules:
        if name in getattr(module, "__all__", ()):
            cls = getattr(module, name, None)
            if isinstance(cls, type) and hasattr(cls, "from_config"):
                return cls
    return None


def deserialize_object(spec: Any, modules: Any, custom_objects: dict | None = None, base: type | None = None) -> Any:
    """Rebuilds an object serialized by `serialize_object`.

    The class named by `spec["class_name"]` is looked up in `custom_objects`, then among the classes `modules`
    export in their `__all__` (never any other attribute), and built with its `from_config`. Nested
    `{"class_name", "config"}` values in the config are rebuilt the same way.

    Args:
        spec: `{"class_name": ..., "config": ...}`, or any other value (returned as is, e.g. a name string).
        modules: list of modules whose exported classes may be named.
        custom_objects: dict mapping class names to your own classes.
        base: a class the named class must subclass, or None.

    Returns:
        The object.

    Raises:
        ValueError: the class is unknown, not a subclass of `base`, or the spec is malformed.

    Example:

    >>> deserialize_object({"class_name": "L2", "config": {"l2": 0.1}}, [fastnn.regularizers])
    <fastnn.regularizers.L2 object at ...>
    """
    if not isinstance(spec, dict):
        return spec
    name, config = spec.get("class_name"), spec.get("config")
    if not isinstance(name, str):
        raise ValueError(f"`class_name` must be a string, received {name!r}")
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise ValueError(f"the config of {name!r} must be a JSON object, received {_json_type(config)}")
    config = dict(config)
    cls = get_registered_object(name, custom_objects) or _public_class(modules, name)
    if cls is None:
        raise ValueError(f"Unknown object {name!r} in the saved config: pass it in custom_objects={{'{name}': ...}}")
    if base is not None and not (isinstance(cls, type) and issubclass(cls, base)):
        raise ValueError(f"{name!r} in the saved config is not a {base.__name__}")
    for key, value in config.items():
        if isinstance(value, dict) and "class_name" in value:
            config[key] = deserialize_object(value, modules, custom_objects)
    return cls.from_config(config)


def register_modules(**modules):
    """Registers the packages whose public classes saved configs may name (called by `fastnn/__init__.py`).

    Args:
        **modules: role=module, e.g. `layers=fastnn.layers, models=fastnn.models`.

    Example:

    >>> register_modules(layers=fastnn.layers)
    """
    _MODULES.update(modules)


def registered_module(role):
    """The module registered for `role` by `register_modules`.

    Args:
        role: str, e.g. "layers", "models", "optimizers".

    Returns:
        The module.

    Raises:
        KeyError: nothing is registered under `role` (fastnn is only partly imported).

    Example:

    >>> registered_module("layers").Dense
    <class 'fastnn.layers.dense.Dense'>
    """
    try:
        return _MODULES[role]
    except KeyError:
        raise KeyError(f"no module registered for {role!r}: import fastnn first") from None


def deserialize_layer(spec: Any, custom_objects: dict | None = None) -> Any:
    """Rebuilds a layer (or a nested model) from `{"class_name", "config"}`.

    Args:
        spec: dict, as a model config stores each layer.
        custom_objects: dict mapping class names to your own classes.

    Returns:
        The layer.

    Raises:
        ValueError: `spec` is not a dict, or names an unknown class or one that is not a Layer.

    Example:

    >>> deserialize_layer({"class_name": "Dense", "config": {"units": 3}})
    <Dense name=dense, built=False>
    """
    if not isinstance(spec, dict):
        raise ValueError(f"a layer must be saved as a JSON object, received {_json_type(spec)}")
    modules = [registered_module(role) for role in ("layers", "models", "initializers", "regularizers",
                                                    "constraints")]
    return deserialize_object(spec, modules, custom_objects, base=registered_module("layers").Layer)


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable:
    """Registers a class (or function) by name so that saved configs naming it load without `custom_objects`
    (`keras.saving.register_keras_serializable`).

    The object is registered as `"<package>><name>"` (`name` defaults to the class's `__name__`); model files
    and `.keras` archives store that name as `registered_name`, and loading finds the object by it or by its
    class name.

    Args:
        package: str, the package part of the registered name.
        name: str or None, the name part; the object's `__name__` by default.

    Returns:
        A decorator that registers the object and returns it unchanged.

    Raises:
        ValueError: another object is already registered under the same name, or the class has no `get_config`.

    Example:

    >>> @register_keras_serializable(package="my_package")
    ... class Scale(fastnn.layers.Layer):
    ...     def call(self, x):
    ...         return x * 2
    >>> get_registered_name(Scale)
    'my_package>Scale'
    """
    def decorator(obj):
        registered = f"{package}>{name or obj.__name__}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(f"Cannot register a class that does not have a get_config() method. Received: {obj!r}")
        previous = _REGISTERED.get(registered)
        if previous is not None and previous is not obj and getattr(previous, "__qualname__", None) != getattr(
                obj, "__qualname__", None):
            raise ValueError(f"{registered!r} has already been registered to {previous!r}")
        _REGISTERED[registered], _REGISTERED_NAMES[obj] = obj, registered
        return obj
    return decorator


def get_registered_name(obj: Any) -> str:
    """The name `obj` is registered under (`keras.saving.get_registered_name`).

    Args:
        obj: a class or function.

    Returns:
        str, `"<package>><name>"` for a registered object, else its `__name__`.

    Example:

    >>> get_registered_name(fastnn.layers.Dense)
    'Dense'
    """
    return _REGISTERED_NAMES.get(obj, getattr(obj, "__name__", type(obj).__name__))


def get_registered_object(name: str, custom_objects: dict | None = None) -> Any:
    """The class or function a saved config names, from `custom_objects` or the registry
    (`keras.saving.get_registered_object`).

    Args:
        name: str, a registered name (`"package>Name"`) or a class name.
        custom_objects: dict mapping names to classes or functions, looked up first.

    Returns:
        The object, or None when neither `custom_objects` nor the registry knows `name`.

    Example:

    >>> get_registered_object("Scale", {"Scale": Scale}) is Scale
    True
    """
    found = (custom_objects or {}).get(name) or _REGISTERED.get(name)
    if found is None and ">" not in str(name):  # a class name: the registered class of that name, if only one
        matches = [obj for key, obj in _REGISTERED.items() if key.split(">", 1)[1] == name]
        found = matches[0] if len(matches) == 1 else None
    return found
