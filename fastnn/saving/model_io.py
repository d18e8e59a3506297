"""Whole-model and weights files: `save_model`/`load_model` (fastnn's `.npz` model files) and
`save_weights`/`load_weights` (fastnn's `.npz` weights files, or Keras `.weights.h5` files).

- weights file: `__fastnn__` = b"weights", then `weight_000`, `weight_001`, ..., `weight_1000`, ... in
  `model.weights` order. Readers parse the integer index and require exactly 0..n-1, so the order is exact at any
  count (files written before this rule carry the same names and read back correctly too).
- model file: `__fastnn__` = b"model", `__config__` = the architecture (and compile settings) as JSON bytes, the
  weights as above, and optionally the training state: the optimizer's (`optimizer_iterations`,
  `optimizer_slot_<w>_<s>`, what `Optimizer.save_own_variables` writes) and fastnn's global random state
  (`__random_state__`, JSON, with each layer's `seed_calls`), so that a model loaded from a checkpoint and trained
  on with `fit(..., initial_epoch=e)` shuffles, drops out and updates exactly as the uninterrupted run would have.

This module reaches models, layers and optimizers through their public methods only (`get_config`,
`get_build_config`, `get_compile_config`, `save_own_variables`, ...) and finds classes through the registry in
`serialization`, so it imports nothing above the saving package.

Reading treats every file as untrusted: it never runs code, checks each stored array's declared dtype and shape
against the model before reading a byte of it (see `files`), refuses a config that would make the model allocate
more weights than the file holds, and reports any problem as a `ValueError` naming the file.
"""
from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from .. import random as random_module
from .files import (
    _checked_destination,
    _existing_file,
    _filepath,
    _json_bytes,
    _marker,
    _npz_bytes,
    _NpzArchive,
    _weight_name,
    atomic_write_bytes,
)
from .keras_archive import is_keras_archive, load_keras_archive, save_keras_archive
from .keras_h5 import keras_h5_bytes, load_keras_h5
from .serialization import _json_type, deserialize_layer, deserialize_object, registered_module, weight_budget

__all__ = ["save_weights", "load_weights", "save_model", "load_model"]

_FORMAT_VERSION = 1
_LEGACY_H5 = (".h5", ".hdf5")
# Keras' extension rules, with fastnn's `.npz` beside Keras' formats (a name without an extension is an .npz file)
_MODEL_EXTENSIONS = ("", ".keras", ".npz")
_WEIGHTS_EXTENSIONS = ("", ".h5", ".npz")  # .h5: Keras' weights file (`.weights.h5`, plain `.h5` accepted too)
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_MAX_SAMPLE_ELEMENTS = 1 << 24  # values (64 MiB) of the one sample load_model builds with, or the weights if larger
_OPTIMIZER_PREFIX = "optimizer_"  # the optimizer's store keys ("iterations", "slot_<w>_<s>") carry it in the file

# Errors a damaged (or hostile) config can raise while the model is rebuilt from it
_REBUILD_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, MemoryError,
                   OverflowError)


def _extension(filepath):
    return os.path.splitext(os.path.basename(filepath))[1]


def _unsupported_file(filepath, kind):
    """Keras 3's error for a file whose name and content are no format `load_model`/`load_weights` reads."""
    return ValueError(f"File format not supported: filepath={filepath}. fastnn supports `.keras` files (Keras 3 "
                      f"archives){', `.weights.h5` files' if kind == 'weights' else ''} and fastnn's `.npz` {kind} "
                      "files (a name without an extension is one too)")


def _known_content(filepath):
    with open(filepath, "rb") as f:
        head = f.read(len(_HDF5_SIGNATURE))
    return head == _HDF5_SIGNATURE or head[:2] == b"PK"  # HDF5, or a zip (.npz and .keras files are zips)


def _weights_dict(model):
    store = {}
    model.save_own_variables(store)
    return {_weight_name(int(key)): np.asarray(value) for key, value in store.items()}


# ------------------------------------------------------------------------------------------- weights
def save_weights(model: Any, filepath: str | os.PathLike, overwrite: bool = True) -> None:
    """Saves every weight of a model to a file, atomically.

    A name ending in `.h5` (e.g. `.weights.h5`) gives a Keras 3 weights file (needs h5py); one ending in `.npz` or
    without an extension (`"my_checkpoint"`) a fastnn `.npz` weights file (`weight_000`, ... in `model.weights`
    order); any other extension is refused, as Keras refuses it.

    Args:
        model: a built fastnn model.
        filepath: str or os.PathLike.
        overwrite: whether to replace an existing file.

    Raises:
        FileExistsError: the file exists and `overwrite=False`.
        TypeError: `filepath` is not a str or os.PathLike.
        ValueError: the name has another extension than `.h5` or `.npz` (the message lists them).
        IsADirectoryError / FileNotFoundError: see `atomic_write_bytes`.

    Example:

    >>> save_weights(model, "model.weights.npz")
    """
    filepath = _filepath(filepath)
    if _extension(filepath) not in _WEIGHTS_EXTENSIONS:
        raise ValueError(f"The filename must end in `.weights.h5` (Keras' weights file) or `.npz` (fastnn's; a name "
                         f"without an extension is one too). Received: filepath={filepath}")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath!r} exists and overwrite=False")
    if filepath.endswith(".h5"):
        atomic_write_bytes(filepath, keras_h5_bytes(model))
        return
    atomic_write_bytes(filepath, _npz_bytes({"__fastnn__": _marker("weights"), **_weights_dict(model)}))


def load_weights(model: Any, filepath: str | os.PathLike) -> None:
    """Loads weights saved by `save_weights` (or Keras' `.weights.h5`) into a built model of the same architecture.

    Every stored array is checked against the model's weight (count, shape, dtype) before it is read, and the model
    changes only once all of them are read.

    Args:
        model: a built fastnn model.
        filepath: str or os.PathLike.

    Raises:
        ValueError: the model is not built, or the file is not a weights file (Keras' "File format not supported"
            for an unknown extension and content), is damaged or does not match the
            model: the message names the file and the problem.
        FileNotFoundError / IsADirectoryError: `filepath` is missing or a directory.

    Example:

    >>> load_weights(model, "model.weights.npz")
    """
    filepath = _filepath(filepath)
    if filepath.endswith(".h5"):
        return load_keras_h5(model, filepath)
    _existing_file(filepath, "weights")
    if _extension(filepath) not in _WEIGHTS_EXTENSIONS and not _known_content(filepath):
        raise _unsupported_file(filepath, "weights")
    with _NpzArchive(filepath, "weights") as archive:
        if not model.built or len(model.weights) == 0:
            raise ValueError(f"model {model.name!r} has no weights yet: build it (call it on data or build(shape)) "
                             "before load_weights")
        values = archive.weights(model.weights, f"model {model.name!r}")
    model.load_own_variables({str(i): value for i, value in enumerate(values)})


# ------------------------------------------------------------------------------------------- whole models
def save_model(model: Any, filepath: str | os.PathLike, overwrite: bool = True, include_optimizer: bool = True
               ) -> None:
    """Saves a model's architecture, weights, compile settings and training state to one `.npz` file, atomically.

    A name ending in `.keras` gives a Keras 3 archive instead (see `keras_archive`); a name without an extension
    is an `.npz` file; any other extension is refused as Keras refuses it; `.h5` and
    `.hdf5` (Keras 2's legacy format) are refused.

    Args:
        model: a built fastnn model.
        filepath: str or os.PathLike.
        overwrite: whether to replace an existing file.
        include_optimizer: whether to save the optimizer's state and the random state with a compiled model.

    Raises:
        ValueError: the model is not built, or the name ends in `.h5`/`.hdf5`, or in another extension than
            `.keras` or `.npz` (Keras' "Invalid filepath extension for saving", listing the valid ones).
        FileExistsError: the file exists and `overwrite=False`.
        TypeError: a custom object in the config has no `get_config()`.

    Example:

    >>> save_model(model, "model.npz")
    >>> restored = load_model("model.npz")
    """
    filepath = _filepath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath!r} exists and overwrite=False")
    _checked_destination(filepath)  # what is at the destination is refused first, whatever its name
    if filepath.endswith(_LEGACY_H5):
        raise ValueError(f"Invalid filepath extension for saving: {filepath!r}. fastnn does not write Keras 2's "
                         "legacy .h5 whole-model files; valid extensions: .keras (a Keras 3 archive that "
                         "keras.models.load_model reads) or .npz (fastnn's model file; the default for any other "
                         "name)")
    if _extension(filepath) not in _MODEL_EXTENSIONS:
        raise ValueError("Invalid filepath extension for saving. Please add either a `.keras` extension for the "
                         "native Keras format (recommended) or a `.npz` extension for fastnn's model file (a name "
                         f"without an extension is one too). Received: filepath={filepath}.")
    if filepath.endswith(".keras"):
        save_keras_archive(model, filepath)
        return
    if not model.built:
        raise ValueError(f"model {model.name!r} is not built yet: call it on data or build(shape) before saving")
    config = {"format_version": _FORMAT_VERSION, "class_name": type(model).__name__,
              "config": model.get_config(), "build_input_shape": model.get_build_config()["input_shape"],
              "is_sequential": isinstance(model, registered_module("models").Sequential)}
    arrays = {"__fastnn__": _marker("model"), **_weights_dict(model)}
    compile_config = model.get_compile_config()
    if compile_config is not None:
        config["compile"] = compile_config
        if include_optimizer:
            store = {}
            model.optimizer.save_own_variables(store, model.trainable_weights)
            arrays.update({_OPTIMIZER_PREFIX + key: np.asarray(value) for key, value in store.items()})
            # seeded Dropout / augmentation layers count their calls to vary the mask reproducibly
            counters = [layer.seed_calls for layer in model.flatten_layers()]
            arrays["__random_state__"] = _json_bytes({**random_module._get_state(), "layer_calls": counters})
    arrays["__config__"] = _json_bytes(config)
    atomic_write_bytes(filepath, _npz_bytes(arrays))


def load_model(filepath: str | os.PathLike, custom_objects: dict | None = None,
               compile: bool = True) -> Any:  # (Keras' names)
    """Loads the model saved by `model.save(filepath)`: a fastnn `.npz` model file, or a Keras 3 `.keras` archive.

    With `compile=True` and a file saved with its optimizer (the default, and what `ModelCheckpoint` writes), the
    training state comes back too: optimizer step and slots, and the global random state at save time, so
    `fit(..., initial_epoch=e)` resumes exactly where the run stopped. The file is untrusted input: see the module
    docstring for what is checked. Nothing global changes unless the whole load succeeds.

    Args:
        filepath: str or os.PathLike, a file written by `model.save` or `fastnn.saving.save_model`.
        custom_objects: dict mapping class names in the saved config to your own classes.
        compile: whether to compile the model with the saved settings (and restore the training state).

    Returns:
        The model.

    Raises:
        ValueError: the file is not a fastnn model file or Keras archive (a legacy Keras `.h5` model file is named
            as such), or is damaged: the message names the file and the problem.
        FileNotFoundError / IsADirectoryError: `filepath` is missing or a directory.

    Example:

    >>> model.save("model.npz")
    >>> restored = fastnn.models.load_model("model.npz")
    """
    filepath = _filepath(filepath)
    saved_random_state = random_module._get_state()  # rebuilding draws initial weights from the global generator
    try:
        _existing_file(filepath, "model")
        with open(filepath, "rb") as f:
            signature = f.read(len(_HDF5_SIGNATURE))
        if signature == _HDF5_SIGNATURE:
            raise ValueError(f"{filepath!r} is an HDF5 file: a Keras 2 legacy .h5 whole-model file (or a weights "
                             "file), which fastnn does not read. Load it with Keras and save it again as .keras, "
                             "or load a weights file with model.load_weights")
        if is_keras_archive(filepath):
            return load_keras_archive(filepath, custom_objects, compile)
        if _extension(filepath) not in _MODEL_EXTENSIONS + _LEGACY_H5 and not _known_content(filepath):
            raise _unsupported_file(filepath, "model")
        with _NpzArchive(filepath, "model") as archive:
            return _load_model(archive, filepath, custom_objects, compile)
    except BaseException:
        random_module._set_state(saved_random_state)
        raise


def _load_model(archive, filepath, custom_objects, compile):
    config = _checked_model_config(archive.json("__config__", "model config"), filepath,
                                   max(_MAX_SAMPLE_ELEMENTS, archive.weight_elements()))
    restore = compile and "compile" in config
    random_state = None
    if restore and "__random_state__" in archive:
        random_state = archive.json("__random_state__", "random state")
    model = _rebuild(config, filepath, custom_objects, archive.weight_elements())
    values = archive.weights(model.weights, f"the model its config describes ({model.name!r})")
    model.load_own_variables({str(i): value for i, value in enumerate(values)})
    if not restore:
        return model
    try:
        model.compile_from_config(config["compile"], custom_objects)
    except _REBUILD_ERRORS as e:
        raise ValueError(f"{filepath!r} has damaged compile settings ({type(e).__name__}: {e})") from e
    if "optimizer_iterations" in archive:
        try:
            model.optimizer.load_own_variables(archive.store(_OPTIMIZER_PREFIX, "optimizer state"),
                                               model.trainable_weights)
        except ValueError as e:
            if getattr(e, "names_file", False):
                raise
            raise ValueError(f"{filepath!r} has a damaged optimizer state ({e})") from None
    if random_state is not None:
        layers = model.flatten_layers()
        seed, generator, calls = _checked_random_state(random_state, len(layers), filepath)
        random_module._set_state({"seed": seed, "bit_generator": generator})
        for layer, count in zip(layers, calls):
            if count is not None and layer.seed_calls is not None:
                layer.seed_calls = count
    return model


def _checked_model_config(config, filepath, max_sample_elements):
    """`config` if it has the structure `save_model` writes, else a ValueError saying what is wrong."""
    def damaged(what):
        return ValueError(f"{filepath!r} has a damaged model config: {what}")

    if not isinstance(config, dict):
        raise damaged(f"expected a JSON object, found {_json_type(config)}")
    for key, kind in (("class_name", str), ("config", dict)):
        if key not in config:
            raise damaged(f"the key {key!r} is missing")
        if not isinstance(config[key], kind):
            raise damaged(f"{key!r} must be {_json_type(kind())}, found {_json_type(config[key])}")
    version = config.get("format_version", _FORMAT_VERSION)
    if not isinstance(version, int) or isinstance(version, bool) or version > _FORMAT_VERSION:
        raise damaged(f"format_version {version!r} (this fastnn reads version {_FORMAT_VERSION} and older)")
    if config.get("is_sequential") and not isinstance(config["config"].get("layers"), list):
        raise damaged(f"a Sequential model's 'layers' must be a list, found "
                      f"{_json_type(config['config'].get('layers'))}")
    shape = config.get("build_input_shape")
    if shape is not None:
        dims = shape[1:] if isinstance(shape, list) else None
        if (dims is None or not dims
                or any(d is not None and (not isinstance(d, int) or isinstance(d, bool) or d < 1) for d in dims)):
            raise damaged(f"build_input_shape must be a list [None, d1, ...] of positive dimensions, found "
                          f"{shape!r}"[:300])
        elements = math.prod(1 if d is None else d for d in dims)
        if elements > max_sample_elements:
            raise damaged(f"build_input_shape {shape!r} describes samples of {elements} values, more than the "
                          f"{max_sample_elements} the file's weights could justify")
    spec = config.get("compile")
    if spec is not None:
        if not isinstance(spec, dict) or any(key not in spec for key in ("optimizer", "loss", "metrics")):
            raise damaged("'compile' must be an object with 'optimizer', 'loss' and 'metrics'")
        if not isinstance(spec["metrics"], (list, dict)):
            raise damaged(f"'compile.metrics' must be a list or an object (per output), found "
                          f"{_json_type(spec['metrics'])}")
    return config


class _WeightBudget:
    """The weight values a file holds; `take` refuses weights beyond them (see `serialization.weight_budget`)."""

    def __init__(self, values, filepath):
        self.left, self.filepath = values, filepath

    def take(self, values, name):
        if values > self.left:
            raise ValueError(f"its layers create more weight values than {self.filepath!r} holds (weight {name!r} "
                             f"of {values} values, {self.left} left)")
        self.left -= values


def _rebuild(config, filepath, custom_objects, weight_values):
    models = registered_module("models")
    modules = [registered_module(role) for role in ("layers", "models", "initializers", "regularizers",
                                                    "constraints", "losses", "optimizers", "schedules", "metrics")]
    token = weight_budget.set(_WeightBudget(weight_values, filepath))
    try:
        if config.get("is_sequential"):
            model = models.Sequential(name=config["config"].get("name"))
            for spec in config["config"]["layers"]:
                model.add(deserialize_layer(spec, custom_objects))
        elif config["class_name"] == "Functional":
            model = registered_module("functional").Functional.from_config(config["config"], custom_objects)
        else:
            model = deserialize_object({"class_name": config["class_name"], "config": config["config"]}, modules,
                                       custom_objects, base=models.Model)
        shape = config.get("build_input_shape")
        if shape is not None and not model.built:
            model.build_from_config({"input_shape": tuple(shape)})
    except _REBUILD_ERRORS as e:
        raise ValueError(f"{filepath!r}: cannot rebuild the model from its saved config ({type(e).__name__}: "
                         f"{e})") from e
    finally:
        weight_budget.reset(token)
    return model


def _checked_random_state(state, n_layers, filepath):
    """(seed, bit generator state, layer call counts) from a saved random state, validated in full before anything
    is applied, so a damaged entry can never leave the global generator half-set."""
    try:
        if not isinstance(state, dict):
            raise ValueError(f"expected a JSON object, found {_json_type(state)}")
        seed, generator = random_module._checked_state(state)
        calls = state.get("layer_calls", [])
        if not isinstance(calls, list) or len(calls) > n_layers or any(
                c is not None and (not isinstance(c, int) or isinstance(c, bool) or c < 0) for c in calls):
            raise ValueError(f"layer_calls must be a list of at most {n_layers} counts, found {calls!r}"[:300])
    except ValueError as e:
        raise ValueError(f"{filepath!r} has a damaged random state ({e})") from None
    return seed, generator, calls
