"""fastnn.optimizers — Keras 3's optimizers (`SGD`, `Adam`, `AdamW`, `RMSprop`, `Adagrad`, `Nadam`, `Adamax`,
`Lion`, `Adadelta`, `Ftrl`) on fused in-place C++ update kernels,
plus `schedules` and `get` (lookup by name, config dict or instance)."""
from __future__ import annotations
from ..saving import serialization

from . import schedules
from .adam import Adam
from .adamw import AdamW
from .adaptive import Adadelta, Adagrad, Adamax, Lion, Nadam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD
from .ftrl import Ftrl

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Nadam", "Adamax", "Lion", "Adadelta",
           "schedules", "get", "serialize", "deserialize", "Ftrl"]

_BY_NAME = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad, "nadam": Nadam,
            "adamax": Adamax, "lion": Lion, "adadelta": Adadelta, "ftrl": Ftrl}


def serialize(optimizer: Optimizer) -> dict:
    """Returns the dict `deserialize` / `get` rebuild the optimizer from.

    Args:
        optimizer: An optimizer instance.

    Returns:
        A dict `{"class_name": ..., "config": ...}`.
    """
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config: dict) -> Optimizer:
    """Rebuilds an optimizer from the dict `serialize` made.

    Args:
        config: A dict `{"class_name": ..., "config": ...}` from `serialize`.

    Returns:
        A new optimizer instance.
    """
    cls = _BY_NAME.get(str(config.get("class_name", "")).lower())
    if cls is None:
        raise ValueError(f"Could not interpret optimizer config: {config!r}")
    return cls.from_config(config.get("config", {}))


def get(identifier: str | dict | Optimizer) -> Optimizer:
    """An optimizer from a name ('adam', 'SGD', 'rmsprop', any case), a serialized dict, or an instance.

    Args:
        identifier: A name (`"adam"`, `"SGD"`, `"rmsprop"`, any case), a dict from `serialize`, or an `Optimizer`.

    Returns:
        An `Optimizer` instance.
    """
    return serialization.get(identifier, "optimizer", _BY_NAME, instance_of=Optimizer, callables=None,
                             ignore_case=True, from_config=deserialize,
                             expected=f"one of {sorted(_BY_NAME)}, a config dict or an Optimizer instance")
