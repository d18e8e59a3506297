"""`clone_model`: a new model with the same architecture and freshly initialised weights (as Keras')."""
from __future__ import annotations

from collections.abc import Callable

from ..layers.layer import Layer
from .functional import Functional
from .model import Model
from .sequential import Sequential


def _default_clone(layer):
    return layer.__class__.from_config(layer.get_config())


def clone_model(model: Model, input_tensors: object = None, clone_function: Callable[[Layer], Layer] | None = None,
                ) -> Model:
    """A new model with `model`'s architecture and new weights, initialised afresh (as Keras' `clone_model`).

    Sequential and functional models are rebuilt layer by layer, each layer made by `clone_function` (by default
    from its config, so with new weights); a layer shared in the original stays shared in the clone. Any other
    model subclass is rebuilt as `model.__class__.from_config(model.get_config())`.

    Args:
        model: A `fastnn.Model`.
        input_tensors: Must be None: fastnn rebuilds the model on inputs of the original's shapes.
        clone_function: `fn(layer) -> layer` making each layer of a Sequential or functional model, e.g.
            `lambda layer: layer` to reuse the layers (and their weights). Default: from the layer's config.

    Returns:
        The new model, built when `model` was built; not compiled.

    Raises:
        TypeError: `model` is not a Model, or `clone_function` is not callable.
        ValueError: `input_tensors` is given, or `clone_function` is given for a model that is neither Sequential
            nor functional.

    Example:

    >>> model = fastnn.Sequential([fastnn.Input((3,)), fastnn.layers.Dense(2)])
    >>> clone = fastnn.models.clone_model(model)
    >>> clone.count_params() == model.count_params(), clone.layers[0] is model.layers[0]
    (True, False)
    """
    if not isinstance(model, Model):
        raise TypeError(f"`model` must be a fastnn Model. Received: model={model!r}")
    if input_tensors is not None:
        raise ValueError(f"clone_model rebuilds the model on inputs of the original's shapes; `input_tensors` is not "
                         f"supported. Received: input_tensors={input_tensors!r}")
    if clone_function is not None and not callable(clone_function):
        raise TypeError(f"`clone_function` must be callable. Received: clone_function={clone_function!r}")
    if isinstance(model, Sequential):
        return _clone_sequential(model, clone_function or _default_clone)
    if isinstance(model, Functional) and type(model) is Functional:
        return _clone_functional(model, clone_function or _default_clone)
    if clone_function is not None:
        raise ValueError(f"`clone_function` is supported for Sequential and functional models only; received a "
                         f"model of type {type(model).__name__!r} with clone_function={clone_function!r}")
    return model.__class__.from_config(model.get_config())


def _clone_sequential(model, clone_function):
    clone = Sequential(name=model.name)
    if model._input_spec_shape is not None:
        clone._set_input_shape(model._input_spec_shape)
    for layer in model.layers:
        clone.add(clone_function(layer))
    if model.built and not clone.built:
        clone.build_from_config(model.get_build_config())
    return clone


def _clone_functional(model, clone_function):
    clones = {}  # one clone per layer: a layer shared in the graph stays shared
    for layer in model._tracked_layers:
        if id(layer) not in clones:
            clones[id(layer)] = clone_function(layer)
    return Functional._from_graph_config(model.get_config(), [clones[id(layer)] for layer in model._tracked_layers])
